#!/usr/bin/env bash
# npm run reset: stop every rxtrace process of this data folder and wipe all
# runtime state (ledgers, identities, IPFS repo, API keys, gateway index), so
# the next `npm start` begins clean. Binary caches (~/.cache/rxtrace) stay.
#   npm run reset            asks first when run in a terminal
#   npm run reset -- --yes   no question
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export RXTRACE_DATA="${RXTRACE_DATA:-$ROOT/.rxtrace}"
RUN="$RXTRACE_DATA/run"

yes=0
for arg in "$@"; do
  case "$arg" in
    -y | --yes) yes=1 ;;
    *) echo "rxtrace: unknown option $arg (reset takes only --yes)." >&2; exit 2 ;;
  esac
done

if [ ! -e "$RXTRACE_DATA" ]; then echo "rxtrace: nothing to reset ($RXTRACE_DATA does not exist)."; exit 0; fi
case "$RXTRACE_DATA" in
  / | "$HOME" | "$ROOT") echo "rxtrace: refusing to wipe $RXTRACE_DATA; set RXTRACE_DATA to a folder of its own." >&2; exit 1 ;;
esac
if [ "$yes" = 0 ] && [ -t 0 ]; then
  read -r -p "Wipe every ledger, identity, document and API key in $RXTRACE_DATA? [y/N] " answer
  case "$answer" in y | Y | yes | YES) ;; *) echo "rxtrace: nothing wiped."; exit 0 ;; esac
fi

if [ -f "$RUN/gateway.pid" ]; then
  pid=$(cat "$RUN/gateway.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    echo "rxtrace: gateway stopped"
  fi
fi
bash scripts/evm.sh stop || true
bash scripts/kubo.sh stop || true
bash scripts/network.sh reset || true
rm -rf "$RXTRACE_DATA"
echo "rxtrace: $RXTRACE_DATA wiped; npm start begins clean."
