#!/usr/bin/env bash
# Local EVM chain for the public-chain variant: geth in dev mode on loopback,
# its chain kept in $RXTRACE_DATA/geth, and the SupplyChain deployment it serves.
# geth is built once from its Go module into the cache, as Kubo is.
#   scripts/evm.sh install  build geth v$GETH_VERSION if missing (needs Go)
#   scripts/evm.sh start    start the node (if not running) and deploy unless the deployment's contract is on the chain
#   scripts/evm.sh stop     stop the node (the chain stays)
#   scripts/evm.sh status   exit 0 when JSON-RPC answers
# RXTRACE_EVM_NODE=hardhat runs a Hardhat node instead: no state across restarts,
# so every start is a new chain with a new deployment.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source scripts/lib/node.sh
# shellcheck source=scripts/lib/go-build.sh
source scripts/lib/go-build.sh
GETH_VERSION="${GETH_VERSION:-1.17.10}"
RXTRACE_CACHE="${RXTRACE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rxtrace}"
RXTRACE_DATA="${RXTRACE_DATA:-$root/.rxtrace}"
RXTRACE_EVM_NODE="${RXTRACE_EVM_NODE:-geth}"
# Default ports: network/topology.json (ports.services). geth's p2p and
# engine-API ports are the next two, so nodes on different EVM_PORTs never collide.
EVM_PORT="${EVM_PORT:-$(jq -r .ports.services.evm "$root/network/topology.json")}"
bin="$RXTRACE_CACHE/geth/$GETH_VERSION/geth"
# One pid file whichever node runs, so npm start and stop find it.
pidfile="$RXTRACE_DATA/run/evm.pid"
log="$RXTRACE_DATA/logs/$RXTRACE_EVM_NODE.log"
say() { echo "evm: $*" >&2; }

case "$RXTRACE_EVM_NODE" in
  geth | hardhat) ;;
  *) say "RXTRACE_EVM_NODE must be geth or hardhat, not $RXTRACE_EVM_NODE"; exit 2 ;;
esac

rpc_up() {
  curl -sf -H 'content-type: application/json' \
    -d '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "http://127.0.0.1:$EVM_PORT" >/dev/null 2>&1
}

install() {
  # grep reads all of it (no -q): geth killed by SIGPIPE would fail the pipeline and force a rebuild.
  if [ -x "$bin" ] && "$bin" version 2>/dev/null | grep -x "Version: $GETH_VERSION-stable" >/dev/null; then return 0; fi
  go_module_build geth "$GETH_VERSION" github.com/ethereum/go-ethereum/cmd/geth "$bin" 3-6 || exit 1
}

launch() {
  case "$RXTRACE_EVM_NODE" in
    geth)
      install
      say "starting geth $GETH_VERSION (dev mode, chain in $RXTRACE_DATA/geth) on 127.0.0.1:$EVM_PORT"
      # Dev mode: one unlocked dev account, a block sealed every second; the
      # datadir keeps the chain and that account across restarts. No peers.
      "$bin" --dev --dev.period 1 --datadir "$RXTRACE_DATA/geth" \
        --http --http.addr 127.0.0.1 --http.port "$EVM_PORT" --http.api eth,net,web3 \
        --authrpc.addr 127.0.0.1 --authrpc.port $((EVM_PORT + 2)) \
        --nodiscover --maxpeers 0 --port $((EVM_PORT + 1)) --ipcdisable \
        >"$log" 2>&1 </dev/null &
      echo $! >"$pidfile"
      ;;
    hardhat)
      say "starting a Hardhat node on 127.0.0.1:$EVM_PORT"
      # Its own process group: npx runs the node as a child, and stop must end both.
      setsid npx hardhat node --hostname 127.0.0.1 --port "$EVM_PORT" >"$log" 2>&1 </dev/null &
      echo $! >"$pidfile"
      ;;
  esac
}

start() {
  mkdir -p "$RXTRACE_DATA/run" "$RXTRACE_DATA/logs"
  if ! rpc_up; then
    launch
    for _ in $(seq 1 300); do
      rpc_up && break
      kill -0 "$(cat "$pidfile")" 2>/dev/null || { say "the node exited; see $log"; tail -n 20 "$log" >&2; exit 1; }
      sleep 0.2
    done
    rpc_up || { say "the node did not answer in 60 s; see $log"; exit 1; }
  fi
  # Deploy unless deployment.json names a contract this chain has (geth keeps
  # it across restarts; a new Hardhat node never has it).
  # The deployment goes to the node just checked, on EVM_PORT, not to the
  # default 8545 of hardhat.config.ts (another network's node, or none).
  if deployed; then
    say "SupplyChain already deployed at $(deployed_address)"
    # Each role account's key in a file of its own (a deployment made before they were).
    npx --no-install tsx scripts/evm/actor-keys.ts
  else RXTRACE_EVM_RPC_URL="http://127.0.0.1:$EVM_PORT" npm run --silent evm:deploy; fi
}

deployed_address() {
  node -e 'try { process.stdout.write(require(process.argv[1]).address ?? "") } catch { }' "$RXTRACE_DATA/evm/deployment.json"
}

deployed() {
  local address; address=$(deployed_address)
  [ -n "$address" ] || return 1
  curl -sf -H 'content-type: application/json' \
    -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getCode\",\"params\":[\"$address\",\"latest\"]}" \
    "http://127.0.0.1:$EVM_PORT" | grep -q '"result":"0x[0-9a-f]'
}

stop() {
  # A Hardhat node started before the pid file was named evm.pid is stopped too.
  [ -f "$pidfile" ] || [ ! -f "$RXTRACE_DATA/run/hardhat.pid" ] || mv "$RXTRACE_DATA/run/hardhat.pid" "$pidfile"
  [ -f "$pidfile" ] || return 0
  local pid; pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    # The Hardhat node runs in its own process group; geth alone. geth writes
    # its state to disk on SIGTERM, which takes a few seconds on a long chain.
    kill -- "-$pid" 2>/dev/null || kill "$pid"
    for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { say "the node did not stop in 60 s; killing it"; kill -9 -- "-$pid" 2>/dev/null || kill -9 "$pid"; }
  fi
  rm -f "$pidfile"
  say "stopped"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) rpc_up ;;
  *) echo "usage: scripts/evm.sh install|start|stop|status" >&2; exit 2 ;;
esac
