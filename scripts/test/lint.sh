#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/../.."
npx eslint --max-warnings 0 .
if compgen -G "contracts/*.sol" >/dev/null; then npx solhint 'contracts/**/*.sol'; fi
echo "lint clean"
