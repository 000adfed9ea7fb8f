#!/usr/bin/env bash
# The one test command (`npm test`). Runs every suite in order and prints a
# closing line "N passed, N failed". Suites:
#   lint         eslint (type-aware) + solhint
#   chaincode    unit tests of the chaincode with line coverage >= 90%
#   contracts    Hardhat tests of SupplyChain.sol with coverage
#   gateway      gateway route/service tests with in-process fakes
#   fuzz         fast-check over the REST API and the chaincode argument parsing
#   bench        unit tests of the benchmark harness (statistics, load loops, /proc sampling, report)
#   browser      the scan page in Debian Chromium (installed when missing) over a gateway with fakes
#   evm          the local chain of npm start (geth, built once into the cache) keeps anchors and packs across a restart
#   postgres     the gateway's PostgreSQL adapters on a private PostgreSQL 15 cluster (Debian's package installed when missing; root)
#   integration  real Fabric network + Kubo + Hardhat node (brought up and down here)
#   multihost    one network namespace per org on a bridge: the whole path and a partition across those hosts (root; skipped, saying why, otherwise)
#   fresh        the entry scripts on a fresh machine: empty cache, fresh HOME, Fabric download digests
#   faults       kills orderers, a peer, the gateway, Kubo and the EVM node under a write load (own data folder, ~4 min)
# `npm test -- unit` skips the postgres, integration and fault suites; `npm test -- SUITE...` runs only those;
# `npm test -- --check` only fetches Node 24 and installs the npm packages.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
source scripts/lib/node.sh || exit 1
rxtrace_packages "$PWD" || { echo "0 passed, 1 failed"; exit 1; }
if [ "${1:-}" = --check ]; then
  echo "rxtrace: --check: Node $(node --version) and the npm packages are in place; stopping before the build."
  exit 0
fi

all=(lint chaincode contracts gateway fuzz bench browser fresh evm postgres integration multihost faults)
if [ $# -eq 0 ]; then suites=("${all[@]}")
elif [ "$1" = unit ]; then suites=(lint chaincode contracts gateway fuzz bench browser fresh)
else suites=("$@"); fi

# Suites type-check against the built chaincode package (its .d.ts), so build first.
echo "== build"
npm run build || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

logdir=$(mktemp -d)
passed=0; failed=0; broken=()
for suite in "${suites[@]}"; do
  script="scripts/test/$suite.sh"
  if [ ! -f "$script" ]; then
    echo "== $suite: not yet (no $script)"; continue
  fi
  echo "== $suite"
  bash "$script" 2>&1 | tee "$logdir/$suite.log"
  rc=${PIPESTATUS[0]}
  # mocha (and Hardhat's runners) close with "N passing" / "N failing".
  p=$(grep -aoE '^[[:space:]]*[0-9]+ passing' "$logdir/$suite.log" | awk '{s+=$1} END {print s+0}')
  f=$(grep -aoE '^[[:space:]]*[0-9]+ failing' "$logdir/$suite.log" | awk '{s+=$1} END {print s+0}')
  passed=$((passed + p)); failed=$((failed + f))
  if [ "$rc" -ne 0 ]; then broken+=("$suite"); [ "$f" -eq 0 ] && failed=$((failed + 1)); fi
done
echo
# What failed, again at the very end: a CI log is often read from its tail,
# and a later suite's output would push a failure's details out of sight.
for suite in "${broken[@]}"; do
  echo "== what failed in $suite"
  if grep -aqE '^[[:space:]]*[0-9]+ failing' "$logdir/$suite.log"; then
    sed -n '/^[[:space:]]*[0-9]* failing/,$p' "$logdir/$suite.log" | head -n 80
  else
    tail -n 25 "$logdir/$suite.log"
  fi
done
rm -rf "$logdir"
if [ ${#broken[@]} -gt 0 ]; then echo "failed suites: ${broken[*]}"; fi
echo "$passed passed, $failed failed"
[ ${#broken[@]} -eq 0 ]
