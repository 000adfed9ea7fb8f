#!/usr/bin/env bash
# Fuzz suite: fast-check properties over the REST API (in process, over the real
# chaincode on the in-memory Fabric double) and over the chaincode's argument
# parsing. No network needed; about 15 s at the default FUZZ_RUNS=200.
# Prints mocha's "N passing" / "N failing" lines for scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/node.sh
# The gateway imports the shared domain from the compiled chaincode package.
if [ -f chaincode/src/index.ts ]; then npm run build -w chaincode --silent; fi
npx tsc -p test/fuzz
export CORE_CHAINCODE_LOGGING_LEVEL="${CORE_CHAINCODE_LOGGING_LEVEL:-CRITICAL}"
export FUZZ_RUNS="${FUZZ_RUNS:-200}"
npx mocha --import=tsx --timeout 600000 'test/fuzz/**/*.test.ts'
