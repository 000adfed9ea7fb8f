#!/usr/bin/env bash
# What the BFT orderers cost over a window of the running network: the CPU
# time of each orderer process (utime + stime from /proc/<pid>/stat, as a
# share of one core) and the SmartBFT complaints and view changes logged
# meanwhile. Run it on an idle network, or beside a write load
# (scripts/network/measure-latency.ts), to see what the failover timeouts in
# network/configtx.yaml cost (docs/reliability.md).
#
#   scripts/network/orderer-cost.sh [seconds]     (default 60)
#
# View changes are only logged with the SmartBFT logger at info, so start the
# network with
#   RXTRACE_FABRIC_LOG=warn:orderer.common.broadcast=error:orderer.consensus.smartbft=info
# Reads only this data folder's pid files and logs ($RXTRACE_DATA).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
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
# leader has not ordered yet, a follower giving up on the leader, and a node
# entering a view (one line per orderer and channel).
FORWARD='OnRequestTimeout'
COMPLAINT='OnLeaderFwdRequestTimeout|OnHeartbeatTimeout'
VIEW_CHANGE='Starting view with number'

declare -A pid_of_org=() ticks_before=() lines_before=()
for org in "${ORDERER_ORGS[@]}"; do
  pid_of_org[$org]=$(pid_of "orderer-$org") || die "orderer-$org is not running under $DATA"
  ticks_before[$org]=$(cpu_ticks "${pid_of_org[$org]}")
  lines_before[$org]=$(log_lines "orderer-$org")
done
sleep "$seconds"

total_ticks=0 total_forwards=0 total_complaints=0 total_view_changes=0
printf '%-14s %8s %9s %11s %13s\n' orderer "cpu %" forwards complaints "views started"
for org in "${ORDERER_ORGS[@]}"; do
  ticks=$(( $(cpu_ticks "${pid_of_org[$org]}") - ticks_before[$org] ))
  new_lines=$(tail -n "+$(( lines_before[$org] + 1 ))" "$LOGS/orderer-$org.log")
  forwards=$(grep -cE "$FORWARD" <<<"$new_lines" || true)
  complaints=$(grep -cE "$COMPLAINT" <<<"$new_lines" || true)
  view_changes=$(grep -cE "$VIEW_CHANGE" <<<"$new_lines" || true)
  total_ticks=$(( total_ticks + ticks ))
  total_forwards=$(( total_forwards + forwards ))
  total_complaints=$(( total_complaints + complaints ))
  total_view_changes=$(( total_view_changes + view_changes ))
  printf '%-14s %8s %9d %11d %13d\n' "$org" "$(percent "$ticks")" "$forwards" "$complaints" "$view_changes"
done
printf '%-14s %8s %9d %11d %13d\n' all "$(percent "$total_ticks")" "$total_forwards" "$total_complaints" "$total_view_changes"
