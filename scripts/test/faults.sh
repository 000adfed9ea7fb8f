#!/usr/bin/env bash
# Fault tests (npm run test:faults): the real Fabric network, Kubo and Hardhat
# node in a data folder of their own (default .rxtrace/faults), the gateway as
# a child process, and a steady write load while orderers, peers, the gateway
# and Kubo are killed and restarted. Takes about 5 minutes plus bring-up.
# Writes bench/results/faults.json. Never touches another data folder:
# processes are killed only through this folder's pid files.
#   RXTRACE_FAULTS_DATA        data folder (default <repo>/.rxtrace/faults)
#   RXTRACE_KEEP_FAULTS_DATA=1 leave services up and data in place afterwards
# Arguments go to mocha: `npm run test:faults -- --grep "leader orderer"` runs
# one case.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
source scripts/lib/node.sh
export RXTRACE_DATA="${RXTRACE_FAULTS_DATA:-$root/.rxtrace/faults}"
# A Hardhat node by default (the figures compare with earlier runs); the geth node of npm start
# and its restart are the evm suite's (RXTRACE_EVM_NODE=geth runs these faults on it).
export RXTRACE_EVM_NODE="${RXTRACE_EVM_NODE:-hardhat}"

teardown() {
  [ -n "${RXTRACE_KEEP_FAULTS_DATA:-}" ] && return 0
  echo "faults: bringing the fault-test services down"
  bash scripts/network.sh down >/dev/null 2>&1
  bash scripts/kubo.sh stop >/dev/null 2>&1
  bash scripts/evm.sh stop >/dev/null 2>&1
  rm -rf "$RXTRACE_DATA"
}
trap teardown EXIT

# SmartBFT at info: its role changes, complaints and view changes are on
# record in the orderer logs (the leader test reads the leader each orderer
# names from its metrics).
export RXTRACE_FABRIC_LOG="${RXTRACE_FABRIC_LOG:-warn:orderer.common.broadcast=error:orderer.consensus.smartbft=info}"

set -e
npx tsc -p test/faults   # the specs type-check before any service starts (tsx only strips types)
started=$(date +%s)
bash scripts/network.sh up
bash scripts/kubo.sh start
bash scripts/evm.sh start
echo "faults: services up in $(( $(date +%s) - started )) s (data in $RXTRACE_DATA)"
set +e
export CORE_CHAINCODE_LOGGING_LEVEL="${CORE_CHAINCODE_LOGGING_LEVEL:-warning}"
npx mocha --import=tsx --timeout 900000 'test/faults/**/*.test.ts' "$@"
