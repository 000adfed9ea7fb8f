#!/usr/bin/env bash
# Suite "evm": the local chain of npm start (geth in dev mode, scripts/evm.sh)
# keeps anchors, packs and its deployment across a restart. geth is built once
# into the rxtrace cache (a few minutes the first time); the chain lives in a
# data folder of its own, wiped afterwards.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root" || exit 1
source scripts/lib/node.sh
export RXTRACE_DATA="${RXTRACE_TEST_DATA:-$root/.rxtrace/evm-test}"
export RXTRACE_EVM_NODE=geth

teardown() {
  bash scripts/evm.sh stop >/dev/null 2>&1
  [ -n "${RXTRACE_KEEP_TEST_DATA:-}" ] || rm -rf "$RXTRACE_DATA"
}
trap teardown EXIT

rm -rf "$RXTRACE_DATA"
# The build, when needed, before the spec's clock starts.
bash scripts/evm.sh install || exit 1
npx hardhat build --quiet || { echo "evm: compilation failed"; exit 1; }
npx mocha --import=tsx --timeout 300000 test/evm/persistence.test.ts
