#!/usr/bin/env bash
# Local EVM chain for the public-chain variant: a Hardhat node on loopback and
# the SupplyChain deployment it serves.
#   scripts/evm.sh start   start the node (if not running) and deploy when no deployment matches it
#   scripts/evm.sh stop    stop the node
#   scripts/evm.sh status  exit 0 when JSON-RPC answers
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source scripts/lib/node.sh
RXTRACE_DATA="${RXTRACE_DATA:-$root/.rxtrace}"
# Default ports: network/topology.json (ports.services).
EVM_PORT="${EVM_PORT:-$(jq -r .ports.services.evm "$root/network/topology.json")}"
pidfile="$RXTRACE_DATA/run/hardhat.pid"
log="$RXTRACE_DATA/logs/hardhat.log"
say() { echo "evm: $*" >&2; }

rpc_up() {
  curl -sf -H 'content-type: application/json' \
    -d '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "http://127.0.0.1:$EVM_PORT" >/dev/null 2>&1
}

start() {
  mkdir -p "$RXTRACE_DATA/run" "$RXTRACE_DATA/logs"
  if ! rpc_up; then
    say "starting a Hardhat node on 127.0.0.1:$EVM_PORT"
    # Its own process group: npx runs the node as a child, and stop must end both.
    setsid npx hardhat node --hostname 127.0.0.1 --port "$EVM_PORT" >"$log" 2>&1 </dev/null &
    echo $! >"$pidfile"
    for _ in $(seq 1 300); do
      rpc_up && break
      kill -0 "$(cat "$pidfile")" 2>/dev/null || { say "the node exited; see $log"; tail -n 20 "$log" >&2; exit 1; }
      sleep 0.2
    done
    rpc_up || { say "the node did not answer in 60 s; see $log"; exit 1; }
  fi
  # A Hardhat node keeps no state across restarts: deploy unless deployment.json
  # names a contract this chain has.
  # The deployment goes to the node just checked, on EVM_PORT, not to the
  # default 8545 of hardhat.config.ts (another network's node, or none).
  if deployed; then say "SupplyChain already deployed at $(deployed_address)"; else RXTRACE_EVM_RPC_URL="http://127.0.0.1:$EVM_PORT" npm run --silent evm:deploy; fi
}

deployed_address() {
  node -e 'try { process.stdout.write(require(process.argv[1]).address ?? "") } catch { }' "$RXTRACE_DATA/evm/deployment.json"
}

deployed() {
  local address; address=$(deployed_address)
  [ -n "$address" ] || return 1
  curl -sf -H 'content-type: application/json' \
    -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getCode\",\"params\":[\"$address\",\"latest\"]}" \
    "http://127.0.0.1:$EVM_PORT" | grep -qv '"result":"0x"'
}

stop() {
  [ -f "$pidfile" ] || return 0
  local pid; pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -- "-$pid" 2>/dev/null || kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { kill -9 -- "-$pid" 2>/dev/null || kill -9 "$pid"; }
  fi
  rm -f "$pidfile"
  say "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) rpc_up ;;
  *) echo "usage: scripts/evm.sh start|stop|status" >&2; exit 2 ;;
esac
