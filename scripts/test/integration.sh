#!/usr/bin/env bash
# Integration tests against the real parts: a Fabric network, a Kubo daemon,
# a Hardhat node and a PostgreSQL cluster (for gateway replicas), brought up
# here in a data folder of their own and brought down (and wiped) afterwards.
#   scripts/test/integration.sh              every spec under test/integration
#   scripts/test/integration.sh SPEC...      only those spec files, e.g.
#     scripts/test/integration.sh test/integration/security/client-endorsement.test.ts
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
source scripts/lib/node.sh
export RXTRACE_DATA="${RXTRACE_TEST_DATA:-$root/.rxtrace/test}"
# The specs type-check before any service starts (tsx only strips types).
for project in test/integration/*/tsconfig.json; do npx tsc -p "$(dirname "$project")" || exit 1; done
# A Hardhat node by default: it mines each transaction at once, where geth in dev mode
# seals a block a second; the geth node of npm start has the evm suite (RXTRACE_EVM_NODE=geth
# runs these specs on it).
export RXTRACE_EVM_NODE="${RXTRACE_EVM_NODE:-hardhat}"
# fabric-contract-api (imported for the shared GS1 vocabulary) logs at info otherwise.
export CORE_CHAINCODE_LOGGING_LEVEL="${CORE_CHAINCODE_LOGGING_LEVEL:-warning}"

teardown() {
  echo "integration: bringing the test services down"
  [ -f scripts/network.sh ] && bash scripts/network.sh down >/dev/null 2>&1
  bash scripts/kubo.sh stop >/dev/null 2>&1
  bash scripts/evm.sh stop >/dev/null 2>&1
  bash scripts/postgres.sh stop >/dev/null 2>&1
  [ -n "${RXTRACE_KEEP_TEST_DATA:-}" ] || rm -rf "$RXTRACE_DATA"
}
trap teardown EXIT

rm -rf "$RXTRACE_DATA"
set -e
started=$(date +%s)
if [ -f scripts/network.sh ]; then bash scripts/network.sh up; else echo "integration: no Fabric network script yet"; fi
bash scripts/kubo.sh start
bash scripts/evm.sh start
RXTRACE_TEST_DATABASE_URL=$(bash scripts/postgres.sh start)
export RXTRACE_TEST_DATABASE_URL
echo "integration: services up in $(( $(date +%s) - started )) s"
set +e

if [ $# -gt 0 ]; then specs="$*"; else specs=$(find test/integration -name '*.test.ts' | sort); fi
if [ -z "$specs" ]; then echo "integration: no tests yet"; exit 0; fi
# The specs under test/integration/join/ add a member to the consortium (four
# orgs on dist-pharm afterwards), so they run last, in a mocha of their own
# whose topology (RXTRACE_TOPOLOGY) lists the joining org.
others=$(tr ' ' '\n' <<<"$specs" | grep -v '^test/integration/join/' || true)
joining=$(tr ' ' '\n' <<<"$specs" | grep '^test/integration/join/' || true)
status=0
if [ -n "$others" ]; then
  # shellcheck disable=SC2086
  npx mocha --import=tsx --timeout 180000 $others || status=$?
fi
if [ -n "$joining" ]; then
  npx tsx support/joining-member.ts network/topology.json >"$RXTRACE_DATA/topology-joined.json" || exit 1
  export RXTRACE_TOPOLOGY="$RXTRACE_DATA/topology-joined.json"
  # shellcheck disable=SC2086
  npx mocha --import=tsx --timeout 180000 $joining || status=$?
fi
exit "$status"
