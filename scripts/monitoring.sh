#!/usr/bin/env bash
# Prometheus for the local network (docs/operations.md, "Watching the network"):
#   scripts/monitoring.sh config [FILE]  write this network's scrape configuration (default $RXTRACE_DATA/monitoring/prometheus.yml)
#   scripts/monitoring.sh committed      rewrite network/monitoring/prometheus.yml (the default layout)
#   scripts/monitoring.sh targets        ask every gateway, peer and orderer for /metrics once; exit 1 if one does not answer
# RXTRACE_PORT_OFFSET, RXTRACE_DATA and RXTRACE_ORDERING name the network, as for scripts/network.sh.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source scripts/lib/node.sh >/dev/null
exec npx tsx scripts/monitoring/cli.ts "$@"
