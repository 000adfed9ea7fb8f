#!/usr/bin/env bash
# Scan-page tests in a real browser: Debian's Chromium driven by playwright-core,
# against the gateway app with an in-memory ledger (no network needed).
# Installs Chromium with apt-get when it is missing (CI runs as root).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/node.sh

chromium_bin="${RXTRACE_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium_bin" ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "rxtrace: Chromium is missing at $chromium_bin; install it (Debian: sudo apt-get install -y chromium) or set RXTRACE_CHROMIUM to its path." >&2
    exit 1
  fi
  echo "rxtrace: installing Chromium from Debian (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
export RXTRACE_CHROMIUM="$chromium_bin"

# The gateway imports the shared domain from the compiled chaincode package.
if [ -f chaincode/src/index.ts ]; then npm run build -w chaincode --silent; fi
export CORE_CHAINCODE_LOGGING_LEVEL="${CORE_CHAINCODE_LOGGING_LEVEL:-warning}"
npx mocha --import=tsx --timeout 60000 'test/browser/**/*.test.ts'
