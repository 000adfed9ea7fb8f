#!/usr/bin/env bash
# Gateway unit and route tests: in process, fakes behind the ports (no network).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/node.sh
# The gateway imports the compiled domain package (the chaincode build builds it first, tsc -b).
if [ -f chaincode/src/index.ts ]; then npm run build -w chaincode --silent; fi
npx tsc -p gateway --noEmit
npx tsc -p test/gateway/types   # calls the catalog must refuse (each is a @ts-expect-error)
export CORE_CHAINCODE_LOGGING_LEVEL="${CORE_CHAINCODE_LOGGING_LEVEL:-warning}"
npx mocha --import=tsx --timeout 10000 'test/gateway/**/*.test.ts'
