#!/usr/bin/env bash
# Chaincode suite: build with tsc (the real build, with decorator metadata),
# prove the built package loads and exports its contracts, then run the unit
# tests (mocha + chai through tsx) under c8, failing under 90% line coverage
# of chaincode/src.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/node.sh
# fabric-contract-api logs every decorator at info and every rejected call at error.
export CORE_CHAINCODE_LOGGING_LEVEL="${CORE_CHAINCODE_LOGGING_LEVEL:-CRITICAL}"

npm run build -w chaincode --silent
npx tsc -p test/chaincode   # the tests type-check too (tsx only strips types)
node -e '
const m = require("./chaincode/dist/index.js");
const names = m.contracts.map((C) => new C().getName());
if (names.length < 7) throw new Error("chaincode exports only " + names.join(","));
console.log("chaincode/dist exports contracts: " + names.join(", "));
'
npx c8 --config test/chaincode/c8rc.json mocha --import=tsx --reporter spec 'test/chaincode/**/*.test.ts'
