#!/usr/bin/env bash
# Kubo (IPFS) for rxtrace documents: build once from its Go module into the
# cache, run one offline daemon with its repo under the data folder, API and
# HTTP gateway on loopback only.
#   scripts/kubo.sh install   build ipfs v$KUBO_VERSION if missing (needs Go)
#   scripts/kubo.sh start     install, init the repo if new, start the daemon, wait for the API
#   scripts/kubo.sh stop      stop the daemon (the repo stays)
#   scripts/kubo.sh status    exit 0 when the API answers
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
KUBO_VERSION="${KUBO_VERSION:-0.42.0}"
RXTRACE_CACHE="${RXTRACE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rxtrace}"
RXTRACE_DATA="${RXTRACE_DATA:-$root/.rxtrace}"
# Default ports: network/topology.json (ports.services).
KUBO_API_PORT="${KUBO_API_PORT:-$(jq -r .ports.services.kuboApi "$root/network/topology.json")}"
KUBO_GATEWAY_PORT="${KUBO_GATEWAY_PORT:-$(jq -r .ports.services.kuboGateway "$root/network/topology.json")}"
bin="$RXTRACE_CACHE/kubo/$KUBO_VERSION/ipfs"
export IPFS_PATH="$RXTRACE_DATA/ipfs"
pidfile="$RXTRACE_DATA/run/kubo.pid"
log="$RXTRACE_DATA/logs/kubo.log"
# shellcheck source=scripts/lib/go-build.sh
source "$root/scripts/lib/go-build.sh"

say() { echo "kubo: $*" >&2; }

install() {
  if [ -x "$bin" ] && "$bin" version --number 2>/dev/null | grep -qx "$KUBO_VERSION"; then return 0; fi
  go_module_build kubo "$KUBO_VERSION" github.com/ipfs/kubo/cmd/ipfs "$bin" 2-5 || exit 1
  say "installed $("$bin" version)"
}

api_up() { curl -sf -X POST "http://127.0.0.1:$KUBO_API_PORT/api/v0/id" >/dev/null 2>&1; }

start() {
  install
  mkdir -p "$RXTRACE_DATA/run" "$RXTRACE_DATA/logs"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null && api_up; then say "already running (pid $(cat "$pidfile"))"; return 0; fi
  if [ ! -f "$IPFS_PATH/config" ]; then
    "$bin" init --profile test,lowpower >/dev/null
    # Loopback only; no swarm: documents stay in the consortium's node.
    "$bin" config Addresses.API "/ip4/127.0.0.1/tcp/$KUBO_API_PORT"
    "$bin" config Addresses.Gateway "/ip4/127.0.0.1/tcp/$KUBO_GATEWAY_PORT"
    "$bin" config --json Addresses.Swarm '[]'
    "$bin" config --json Bootstrap '[]'
    "$bin" config --json Discovery.MDNS.Enabled false
  fi
  if api_up; then say "port $KUBO_API_PORT already answers as an IPFS API that is not ours; stop it or set KUBO_API_PORT."; exit 1; fi
  "$bin" daemon --offline >"$log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  for _ in $(seq 1 150); do
    api_up && { say "API on 127.0.0.1:$KUBO_API_PORT (pid $(cat "$pidfile"))"; return 0; }
    kill -0 "$(cat "$pidfile")" 2>/dev/null || break
    sleep 0.2
  done
  say "the daemon did not come up; see $log"; tail -n 20 "$log" >&2; exit 1
}

stop() {
  [ -f "$pidfile" ] || return 0
  local pid; pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  rm -f "$pidfile"
  say "stopped"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) api_up ;;
  *) echo "usage: scripts/kubo.sh install|start|stop|status" >&2; exit 2 ;;
esac
