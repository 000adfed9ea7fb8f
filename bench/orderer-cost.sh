#!/usr/bin/env bash
# What the BFT orderers cost over a window of the running network: the CPU
# time of each orderer process (utime + stime from /proc/<pid>/stat, as a
# share of one core) and the SmartBFT forwards, complaints, syncs and view
# changes logged meanwhile. Run it on an idle network, or beside a write load
# (bench/src/submit-latency.ts), to see what the failover timeouts in
# network/configtx.yaml cost (docs/reliability.md).
#
#   bench/orderer-cost.sh [seconds]     (default 60)
#
# View changes are only logged with the SmartBFT logger at info, so start the
# network with
#   RXTRACE_FABRIC_LOG=warn:orderer.common.broadcast=error:orderer.consensus.smartbft=info
# Reads only this data folder's pid files and logs ($RXTRACE_DATA).
# shellcheck source-path=SCRIPTDIR/../scripts/network
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=lib/topology.sh
source "$ROOT/scripts/network/lib/topology.sh"
# shellcheck source=lib/processes.sh
source "$ROOT/scripts/network/lib/processes.sh"

seconds="${1:-60}"
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || die "seconds must be a positive whole number, not '$seconds'"
ticks_per_second=$(getconf CLK_TCK)

# cpu_ticks PID: utime + stime; the command name in field 2 may hold spaces,
# so the fields are counted after its closing parenthesis.
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
percent() { awk -v t="$1" -v h="$ticks_per_second" -v s="$seconds" 'BEGIN { printf "%.2f", 100 * t / h / s }'; }
log_lines() { wc -l <"$LOGS/$1.log"; }
# SmartBFT's own words (Fabric 3.1.5): a follower forwarding a request the
# leader has not ordered yet, a follower giving up on the leader, and a
# follower that fell behind pulling the blocks it missed (it then starts the
# same view again, which is no view change).
FORWARD='OnRequestTimeout'
COMPLAINT='OnLeaderFwdRequestTimeout|OnHeartbeatTimeout'
SYNC='Finished synchronizing with cluster'

# view_changes LOG FROM_LINE: views entered after line FROM_LINE whose number
# is higher than the last view the orderer was in on that channel.
view_changes() {
  sed 's/\x1b\[[0-9;]*m//g' "$1" | awk -v from="$2" '
    /Starting view with number/ {
      match($0, /number [0-9]+/); view = substr($0, RSTART + 7, RLENGTH - 7) + 0
      match($0, /channel=[^ ]+/); ch = substr($0, RSTART, RLENGTH)
      if (NR > from && ch in last && view > last[ch]) n++
      last[ch] = view
    }
    END { print n + 0 }'
}

declare -A pid_of_org=() ticks_before=() lines_before=()
for org in "${ORDERER_ORGS[@]}"; do
  pid_of_org[$org]=$(pid_of "orderer-$org") || die "orderer-$org is not running under $DATA"
  ticks_before[$org]=$(cpu_ticks "${pid_of_org[$org]}")
  lines_before[$org]=$(log_lines "orderer-$org")
done
sleep "$seconds"

total_ticks=0 total_forwards=0 total_complaints=0 total_syncs=0 total_view_changes=0
printf '%-14s %8s %9s %11s %6s %13s\n' orderer "cpu %" forwards complaints syncs "view changes"
for org in "${ORDERER_ORGS[@]}"; do
  ticks=$(( $(cpu_ticks "${pid_of_org[$org]}") - ticks_before[$org] ))
  new_lines=$(tail -n "+$(( lines_before[$org] + 1 ))" "$LOGS/orderer-$org.log")
  forwards=$(grep -cE "$FORWARD" <<<"$new_lines" || true)
  complaints=$(grep -cE "$COMPLAINT" <<<"$new_lines" || true)
  syncs=$(grep -cE "$SYNC" <<<"$new_lines" || true)
  view_changes=$(view_changes "$LOGS/orderer-$org.log" "${lines_before[$org]}")
  total_ticks=$(( total_ticks + ticks ))
  total_forwards=$(( total_forwards + forwards ))
  total_complaints=$(( total_complaints + complaints ))
  total_syncs=$(( total_syncs + syncs ))
  total_view_changes=$(( total_view_changes + view_changes ))
  printf '%-14s %8s %9d %11d %6d %13d\n' "$org" "$(percent "$ticks")" "$forwards" "$complaints" "$syncs" "$view_changes"
done
printf '%-14s %8s %9d %11d %6d %13d\n' all "$(percent "$total_ticks")" "$total_forwards" "$total_complaints" "$total_syncs" "$total_view_changes"
