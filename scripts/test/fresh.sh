#!/usr/bin/env bash
# The entry scripts as on a fresh machine: node.sh, npm start -- --check and
# npm test -- --check with an empty RXTRACE_CACHE, a fresh HOME and the
# machine's own Node; the Fabric download's three digest paths against a local
# mirror. Needs the npm registry (Node 24 is fetched three times, ~30 MB each).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/node.sh
npx tsc -p test/fresh
npx mocha --import=tsx --timeout 110000 'test/fresh/**/*.test.ts'
