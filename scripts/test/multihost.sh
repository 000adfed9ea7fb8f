#!/usr/bin/env bash
# Multi-host tests: one Linux network namespace per org on a bridge made here
# (scripts/network/hosts.sh), each org's CA, orderer, peer and chaincode server
# inside its own namespace on its own address, then the whole supply-chain path
# across those hosts and a partition of one org's link under a write load.
# Needs root and iproute2; says why and skips otherwise. Everything it makes
# (namespaces, veths, bridge, processes, data) is removed on exit, even on failure.
# Last, a second pharmacy joins dist-pharm from a host added for it.
#   RXTRACE_MULTIHOST_DATA       data folder (default <repo>/.rxtrace/multihost)
#   RXTRACE_KEEP_MULTIHOST=1     leave the hosts and the network up afterwards
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root" || exit 1
source scripts/lib/node.sh

if ! reason=$(bash scripts/network/hosts.sh check); then
  echo "multihost: skipped: $reason"
  exit 0
fi

export RXTRACE_DATA="${RXTRACE_MULTIHOST_DATA:-$root/.rxtrace/multihost}"
# Inside the namespaces every org has the ports of offset 0 on its own address.
export RXTRACE_PORT_OFFSET=0
export CORE_CHAINCODE_LOGGING_LEVEL="${CORE_CHAINCODE_LOGGING_LEVEL:-warning}"
tag=""
teardown() {
  [ -n "${RXTRACE_KEEP_MULTIHOST:-}" ] && { echo "multihost: left up: hosts $tag, data $RXTRACE_DATA"; return 0; }
  echo "multihost: bringing the network and the hosts down"
  bash scripts/network.sh down >/dev/null 2>&1
  [ -z "$tag" ] || bash scripts/network/hosts.sh down "$tag"
  rm -rf "$RXTRACE_DATA"
}
trap teardown EXIT

npx tsc -p test/multihost || exit 1   # the specs type-check too (tsx only strips types)
npx mocha --import=tsx --timeout 60000 test/multihost/hosts.test.ts || exit 1

started=$(date +%s)
settings=$(bash scripts/network/hosts.sh up) || exit 1
while IFS= read -r line; do export "${line?}"; done <<<"$settings"
tag=$RXTRACE_NETNS
echo "multihost: hosts $tag: $(tr '\n' ' ' <<<"$settings")"
rm -rf "$RXTRACE_DATA"
bash scripts/network.sh up || exit 1
# The tests ask orderers for their heights with osnadmin.
# shellcheck source=../lib/fabric.sh
source scripts/lib/fabric.sh >/dev/null || exit 1
echo "multihost: network up across the hosts in $(( $(date +%s) - started )) s"

# Where each org's nodes run, then the whole path of a pack and the
# regulator's audit (the integration specs, unchanged) across the hosts, then
# the partition of one org's link under load.
npx mocha --import=tsx --timeout 180000 test/multihost/placement.test.ts \
  test/integration/network/lifecycle.test.ts test/integration/network/audit.test.ts \
  test/multihost/partition.test.ts
status=$?
# A second pharmacy joins on a host of its own (the integration suite's join
# spec, unchanged), then where its nodes run.
if [ "$status" -eq 0 ]; then
  npx tsx support/joining-member.ts network/topology.json >"$RXTRACE_DATA/topology-joined.json" || exit 1
  export RXTRACE_TOPOLOGY="$RXTRACE_DATA/topology-joined.json"
  host=$(bash scripts/network/hosts.sh add "$tag" pharmacy2) || exit 1
  export "${host?}"
  echo "multihost: pharmacy2 joins from its own host: $host"
  npx mocha --import=tsx --timeout 180000 test/integration/join/member-join.test.ts test/multihost/joined-host.test.ts
  status=$?
fi
# The data folder goes with the teardown: on a failure, keep in the output what
# the nodes said about block sources and BFT leaders, the usual suspects.
if [ "$status" -ne 0 ]; then
  echo "multihost: failed; the nodes' warnings about block sources and BFT views:"
  for log in "$RXTRACE_DATA"/logs/peer-*.log "$RXTRACE_DATA"/logs/orderer-*.log; do
    [ -f "$log" ] || continue
    sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E "censorship|Heartbeat timeout|complaining|view change|ViewChange|Failed to fetch blocks" \
      | grep -v "got viewChange message" | cut -c1-200 | tail -5 | sed "s|^|  $(basename "$log" .log): |"
  done
fi
exit "$status"
