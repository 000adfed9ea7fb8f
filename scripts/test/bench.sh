#!/usr/bin/env bash
# Benchmark harness unit tests: statistics, load generators, /proc sampling,
# report. No services needed (the benchmarks themselves are npm run bench).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/node.sh
npx tsc -p bench
npx mocha --import=tsx --timeout 10000 'bench/test/**/*.test.ts'
