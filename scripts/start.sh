#!/usr/bin/env bash
set -euo pipefail
echo "rxtrace: npm start is not built yet (the network, gateway and EVM parts are in progress)." >&2
exit 1
