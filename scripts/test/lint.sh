#!/usr/bin/env bash
# eslint (type-aware) over every TypeScript file, solhint over the contracts,
# and ShellCheck over the shell scripts (warnings and errors; every finding
# in the network modules). Installs ShellCheck
# with apt-get when it is missing (CI runs as root).
set -euo pipefail
cd "$(dirname "$0")/../.."
npx eslint --max-warnings 0 .
if compgen -G "contracts/*.sol" >/dev/null; then npx solhint 'contracts/**/*.sol'; fi
if ! command -v shellcheck >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "rxtrace: shellcheck is missing; install it (Debian: sudo apt-get install -y shellcheck)." >&2
    exit 1
  fi
  echo "rxtrace: installing shellcheck from Debian (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends shellcheck >/dev/null
fi
shellcheck -x --severity=warning scripts/*.sh scripts/*/*.sh bench/*.sh bench/caliper/*.sh .ci/run
# The network modules in full: each is checked with the others it needs.
shellcheck -x scripts/network/lib/*.sh
echo "lint clean"
