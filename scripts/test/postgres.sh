#!/usr/bin/env bash
# The gateway's PostgreSQL adapters (what replicas of one org's gateway share)
# against a real PostgreSQL 15: scripts/postgres.sh installs it when missing
# and runs a private cluster in a data folder of this suite, removed afterwards.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
source scripts/lib/node.sh
export RXTRACE_DATA="${RXTRACE_TEST_DATA:-$root/.rxtrace/test}/postgres-suite"
trap 'bash scripts/postgres.sh stop; rm -rf "$RXTRACE_DATA"' EXIT
set -e
RXTRACE_TEST_DATABASE_URL=$(bash scripts/postgres.sh start)
export RXTRACE_TEST_DATABASE_URL
set +e
npx mocha --import=tsx --timeout 20000 'test/postgres/**/*.test.ts'
