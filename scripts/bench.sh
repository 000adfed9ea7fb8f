#!/usr/bin/env bash
# npm run bench: brings up the whole rxtrace system in its own data folder
# (Fabric network + the noop reference chaincode, Kubo, Hardhat node, API
# keys, gateway as a process), runs every benchmark scenario, writes
# bench/results/latest.json and latest.md, and stops what it started.
#
#   npm run bench                     full run (about 65 minutes on 2 cores)
#   npm run bench -- --quick          small counts, to check that everything works (2-3 minutes)
#   npm run bench -- --only verify    one or more scenarios (comma-separated ids, see bench/src/run.ts)
#   npm run bench -- --keep           leave the services running afterwards
#   BENCH_CPU_PROFILE=1 npm run bench run the gateways under node --cpu-prof
#                                     (profiles and their top functions in bench/results/profiles/)
# Data folder: ${RXTRACE_DATA:-<repo>/.rxtrace/bench}. Results: docs/benchmarks.md explains them.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export RXTRACE_DATA="${RXTRACE_DATA:-$ROOT/.rxtrace/bench}"
# The published EVM figures are a Hardhat node's (a transaction mined at once); geth in dev
# mode seals a block a second. RXTRACE_EVM_NODE=geth measures npm start's node.
export RXTRACE_EVM_NODE="${RXTRACE_EVM_NODE:-hardhat}"
# Default port: network/topology.json (ports.services).
GATEWAY_PORT="${RXTRACE_GATEWAY_PORT:-$(jq -r .ports.services.gateway network/topology.json)}"
LOGS="$RXTRACE_DATA/logs"
RUN="$RXTRACE_DATA/run"
PROFILES="$ROOT/bench/results/profiles"

keep=0; pass=()
for arg in "$@"; do
  case "$arg" in
    --keep) keep=1 ;;
    -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) pass+=("$arg") ;;
  esac
done

say() { echo "bench: $*"; }
source scripts/lib/node.sh
# shellcheck source=lib/fabric.sh
source scripts/lib/fabric.sh >/dev/null
export FABRIC_VERSION
# fabric-contract-api logs every decorator at info when the gateway and the
# harness load the chaincode package; the chaincode servers use warning too.
export CORE_CHAINCODE_LOGGING_LEVEL="${CORE_CHAINCODE_LOGGING_LEVEL:-warning}"
mkdir -p "$LOGS" "$RUN"

gateway_pid=""
started=()
cleanup() {
  local code=$?
  if [ -n "$gateway_pid" ] && kill -0 "$gateway_pid" 2>/dev/null; then
    # SIGINT lets the gateway shut down cleanly, which also writes a CPU profile.
    kill -INT "$gateway_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$gateway_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$gateway_pid" 2>/dev/null || true
  fi
  rm -f "$RUN/gateway.pid"
  # An org gateway a scenario started (bench/src/org-gateway.ts) and left behind when the harness failed.
  local f
  for f in "$RUN"/gateway-*.pid; do
    [ -f "$f" ] || continue
    kill -INT "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
  if [ "$keep" = 0 ]; then
    local i
    for ((i = ${#started[@]} - 1; i >= 0; i--)); do
      case "${started[$i]}" in
        evm) bash scripts/evm.sh stop >/dev/null 2>&1 || true ;;
        kubo) bash scripts/kubo.sh stop >/dev/null 2>&1 || true ;;
        network)
          bash scripts/bench/noop-chaincode.sh down >/dev/null 2>&1 || true
          bash scripts/network.sh down >/dev/null 2>&1 || true ;;
      esac
    done
    [ ${#started[@]} -eq 0 ] || say "stopped what this run started (data kept in $RXTRACE_DATA)"
  fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

alive() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

say "data folder $RXTRACE_DATA"
alive peer-manufacturer || started+=(network)
bash scripts/network.sh up
bash scripts/bench/noop-chaincode.sh up
alive kubo || started+=(kubo)
bash scripts/kubo.sh start
alive evm || started+=(evm)
# Deploys SupplyChain when the node's chain does not have the deployment's contract.
bash scripts/evm.sh start
npx tsx scripts/gateway/create-keys.ts

if [ ! -f gateway/dist/main.js ] || [ -n "$(find gateway/src chaincode/src -name '*.ts' -newer gateway/dist/main.js -print -quit)" ]; then
  say "building the gateway"
  npm run build -w chaincode --silent
  npm run build -w gateway --silent
fi
node_flags=()
if [ "${BENCH_CPU_PROFILE:-0}" = 1 ]; then
  rm -rf "$PROFILES" && mkdir -p "$PROFILES"
  node_flags=(--cpu-prof --cpu-prof-dir="$PROFILES" --cpu-prof-name=gateway.cpuprofile)
fi
# The benchmark drives hundreds of requests a second with one key: no per-key rate limit;
# it drives every org through this one gateway: the multi-org test mode.
RXTRACE_GATEWAY_LOG_LEVEL=warn RXTRACE_GATEWAY_TEST_ALL_ORGS=1 RXTRACE_GATEWAY_PORT="$GATEWAY_PORT" RXTRACE_GATEWAY_RATE_LIMIT=0 \
  node "${node_flags[@]}" gateway/dist/main.js >>"$LOGS/gateway.log" 2>&1 </dev/null &
gateway_pid=$!
echo "$gateway_pid" >"$RUN/gateway.pid"
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$GATEWAY_PORT/readyz" >/dev/null 2>&1 && break
  kill -0 "$gateway_pid" 2>/dev/null || { tail -n 20 "$LOGS/gateway.log" >&2; say "the gateway exited (log: $LOGS/gateway.log)"; exit 1; }
  sleep 0.2
done
if ! curl -sf "http://127.0.0.1:$GATEWAY_PORT/readyz" >/dev/null 2>&1; then
  # Alive but a dependency is missing: say which, and go on (the scenarios report their own failures).
  curl -sf "http://127.0.0.1:$GATEWAY_PORT/healthz" >/dev/null || { say "the gateway does not answer after 60 s (log: $LOGS/gateway.log)"; exit 1; }
  say "warning: the gateway is not ready: $(curl -s "http://127.0.0.1:$GATEWAY_PORT/readyz")"
fi
say "gateway ready on 127.0.0.1:$GATEWAY_PORT (pid $gateway_pid)"

npx tsx bench/src/run.ts --gateway "http://127.0.0.1:$GATEWAY_PORT" "${pass[@]}"

if [ "${BENCH_CPU_PROFILE:-0}" = 1 ]; then
  kill -INT "$gateway_pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$gateway_pid" 2>/dev/null || break; sleep 0.1; done
  npx tsx bench/src/profile-summary.ts "$PROFILES/gateway.cpuprofile" >"$PROFILES/gateway-top.md" && say "gateway profile summary: $PROFILES/gateway-top.md"
  # The pharmacy's own gateway of the verify-read-model scenario writes its profile when the scenario stops it.
  for profile in "$PROFILES"/gateway-*.cpuprofile; do
    [ -f "$profile" ] || continue
    top="${profile%.cpuprofile}-top.md"
    npx tsx bench/src/profile-summary.ts "$profile" >"$top" && say "profile summary: $top"
  done
fi
