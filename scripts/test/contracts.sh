#!/usr/bin/env bash
# Suite "contracts": compile SupplyChain.sol offline, run the Hardhat mocha tests and the
# Solidity fuzz/invariant tests under coverage, enforce 100% line and statement coverage,
# then solhint. Prints mocha's "N passing" / "N failing" lines for scripts/test.sh.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source scripts/lib/node.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT

npx hardhat build --quiet || { echo "contracts: compilation failed"; exit 1; }

# Hardhat prints mocha's "N passing" and then a combined "N passing (S solidity, M mocha)".
# scripts/test.sh sums every "N passing" line, so the combined line is rewritten into the
# Solidity count alone (mocha's own line already counts the rest).
npx hardhat test --coverage 2>&1 | sed -u -E \
  -e 's/^([0-9]+) (passing|failing) \(([0-9]+) solidity, ([0-9]+) mocha\)/  \3 \2 (solidity; \1 in all with \4 mocha)/' \
  -e 's/^([0-9]+) (passing|failing) \(([0-9]+) mocha\)$/all runners: \1 \2 (\3 mocha)/' \
  | tee "$log"
rc=${PIPESTATUS[0]}
if [ "$rc" -ne 0 ]; then echo "contracts: tests failed"; exit "$rc"; fi

# Gas figures under coverage are the instrumented contract's: the limits test asserts its
# gas bound only in this second, uninstrumented run (its counts renamed so they are not summed twice).
npx hardhat test mocha test/contracts/limits.test.ts 2>&1 \
  | sed -u -E 's/^([[:space:]]*)([0-9]+) (passing|failing)/\1gas re-run: \2 \3/'
rc=${PIPESTATUS[0]}
if [ "$rc" -ne 0 ]; then echo "contracts: the limits test failed without coverage"; exit "$rc"; fi

# The report's Total row: "║ Total │ <line %> │ <statement %> │".
total=$(grep -a '║ Total' "$log" | tail -n 1)
line_pct=$(echo "$total" | awk -F'│' '{gsub(/ /, "", $2); print $2}')
stmt_pct=$(echo "$total" | awk -F'│' '{gsub(/ /, "", $3); print $3}')
if [ "$line_pct" != "100.00" ] || [ "$stmt_pct" != "100.00" ]; then
  echo "contracts: coverage below 100% (lines ${line_pct:-?}%, statements ${stmt_pct:-?}%)"
  exit 1
fi
echo "contracts: coverage lines ${line_pct}%, statements ${stmt_pct}%"

npx solhint 'contracts/**/*.sol' || { echo "contracts: solhint found problems"; exit 1; }
echo "contracts: solhint clean"

bash scripts/evm/slither.sh || { echo "contracts: slither found medium or high issues"; exit 1; }
