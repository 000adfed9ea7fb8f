#!/usr/bin/env bash
# npm start: the whole rxtrace system on this machine, in the foreground.
#   1. checks prerequisites (one sentence each when something is missing)
#   2. Fabric network (binaries from the release archives on first run), chaincode deployed
#   3. Kubo (IPFS; built from its Go module on first run)
#   4. local EVM chain (geth in dev mode, built from its Go module on first run;
#      its chain stays in the data folder) with SupplyChain.sol deployed once
#   5. one API key per org user that has none, in that org's own key file
#      (a new key is shown once; only hashes are kept)
#   6. one gateway per org (REST, /docs, /scan), each on its own port with only
#      its org's identities, keys and state; built when its sources changed
# Ctrl-C stops every process this command started. State stays in
# ${RXTRACE_DATA:-<repo>/.rxtrace}, so a second `npm start` resumes with the
# data intact; `npm run reset` wipes it.
#
#   npm start                 bring everything up
#   npm start -- --demo       ... and load the demo data set (scripts/demo.ts)
#   npm start -- --no-evm     skip the EVM node (no public-chain variant or anchoring)
#   npm start -- --check      only fetch Node 24, install the npm packages and check the prerequisites
# Settings: docs/start.md (RXTRACE_DATA, RXTRACE_PORT_OFFSET, RXTRACE_GATEWAY_HOST, RXTRACE_GATEWAY_CONFIG, ...).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export RXTRACE_DATA="${RXTRACE_DATA:-$ROOT/.rxtrace}"
RXTRACE_CACHE="${RXTRACE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rxtrace}"
# topology FUNCTION...: asks the network's layout (network/topology.json, read
# by scripts/network/lib/topology.sh) in a subshell, so its variables stay there.
# shellcheck disable=SC1091 # followed where network.sh sources it
topology() { (source "$ROOT/scripts/network/lib/topology.sh" && "$@"); }
GATEWAY_HOST="${RXTRACE_GATEWAY_HOST:-127.0.0.1}"
# One gateway per org, each on its org's `gateway` port of the topology (shifted by RXTRACE_PORT_OFFSET).
topology_orgs() { echo "${ORGS[@]}"; }
read -r -a GATEWAY_ORGS <<<"$(topology topology_orgs)"
declare -A GATEWAY_PORTS=()
for org in "${GATEWAY_ORGS[@]}"; do GATEWAY_PORTS[$org]="$(topology org_port "$org" gateway)"; done
KUBO_VERSION="${KUBO_VERSION:-0.42.0}"
GETH_VERSION="${GETH_VERSION:-1.17.10}"
KUBO_API_PORT="${KUBO_API_PORT:-$(topology service_port kuboApi)}"
KUBO_GATEWAY_PORT="${KUBO_GATEWAY_PORT:-$(topology service_port kuboGateway)}"
EVM_PORT="${EVM_PORT:-$(topology service_port evm)}"
LOGS="$RXTRACE_DATA/logs"
RUN="$RXTRACE_DATA/run"

demo=0; evm=1; check_only=0
for arg in "$@"; do
  case "$arg" in
    --demo) demo=1 ;;
    --no-evm) evm=0 ;;
    --check) check_only=1 ;;
    -h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "rxtrace: unknown option $arg (try npm start -- --help)." >&2; exit 2 ;;
  esac
done

step=0; steps=6
say() { echo "rxtrace: $*"; }
progress() { step=$((step + 1)); echo; echo "[$step/$steps] $*"; }
fail() { echo "rxtrace: $*" >&2; exit 1; }

# ------------------------------------------------------------ prerequisites
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
alive() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }
network_running() { compgen -G "$RUN/peer-*.pid" >/dev/null && for f in "$RUN"/peer-*.pid; do kill -0 "$(cat "$f")" 2>/dev/null || return 1; done; }

check_free() { # PORT WHAT
  if port_busy "$1"; then
    fail "port $1 ($2) is already in use by another program; stop that program (see: ss -ltnp 'sport = :$1') or run npm run reset if it is a leftover rxtrace process."
  fi
}

check_prerequisites() {
  command -v curl >/dev/null 2>&1 || fail "curl is missing; install it (Debian: apt-get install -y curl) and run npm start again."
  command -v tar >/dev/null 2>&1 || fail "tar is missing; install it and run npm start again."
  if [ ! -x "$RXTRACE_CACHE/kubo/$KUBO_VERSION/ipfs" ] && ! command -v go >/dev/null 2>&1; then
    fail "Go is needed once to build Kubo $KUBO_VERSION (IPFS); install Go 1.25 or newer (https://go.dev/dl) and run npm start again."
  fi
  if [ "$evm" = 1 ] && [ ! -x "$RXTRACE_CACHE/geth/$GETH_VERSION/geth" ] && ! command -v go >/dev/null 2>&1; then
    fail "Go is needed once to build geth $GETH_VERSION (the local EVM chain); install Go 1.25 or newer (https://go.dev/dl) and run npm start again, or run npm start -- --no-evm."
  fi
  if [ ! -x "$RXTRACE_CACHE/fabric/${FABRIC_VERSION:-3.1.5}/bin/peer" ] \
    && ! { [ -n "${FABRIC_DIST_DIR:-}" ] && compgen -G "$FABRIC_DIST_DIR/hyperledger-fabric-linux-*.tar.gz" >/dev/null; } \
    && ! curl -sfI --max-time 10 "${FABRIC_RELEASES_URL:-https://github.com}" >/dev/null 2>&1; then
    fail "the Fabric binaries are not installed and cannot be downloaded; set FABRIC_DIST_DIR to a folder holding the Fabric release archives (see docs/start.md) and run npm start again."
  fi
  if ! network_running; then
    # Every Fabric port of the topology, shifted by RXTRACE_PORT_OFFSET as scripts/network.sh does.
    local p what
    while read -r p what; do check_free "$p" "$what"; done < <(topology all_org_ports)
  fi
  alive kubo || { check_free "$KUBO_API_PORT" "the Kubo API"; check_free "$KUBO_GATEWAY_PORT" "the Kubo HTTP gateway"; }
  if [ "$evm" = 1 ] && ! alive evm; then
    check_free "$EVM_PORT" "the EVM node's JSON-RPC"
    # geth's p2p and engine-API ports (scripts/evm.sh).
    check_free $((EVM_PORT + 1)) "the EVM node's p2p"
    check_free $((EVM_PORT + 2)) "the EVM node's engine API"
  fi
  local org
  for org in "${GATEWAY_ORGS[@]}"; do
    if alive "gateway-$org"; then
      fail "the $org gateway started by another npm start is still running (pid $(cat "$RUN/gateway-$org.pid")); stop that one first (Ctrl-C in its terminal)."
    fi
    check_free "${GATEWAY_PORTS[$org]}" "the $org gateway"
  done
}

# ------------------------------------------------------------ stop on exit
started=()
declare -A gateway_pids=()
stopping=0
stop_all() {
  [ "$stopping" = 1 ] && return; stopping=1
  trap - INT TERM
  if [ ${#started[@]} -eq 0 ] && [ ${#gateway_pids[@]} -eq 0 ]; then return; fi
  echo
  say "stopping what this npm start started..."
  local org pid
  for org in "${!gateway_pids[@]}"; do kill "${gateway_pids[$org]}" 2>/dev/null || true; done
  for org in "${!gateway_pids[@]}"; do
    pid="${gateway_pids[$org]}"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$RUN/gateway-$org.pid"
  done
  local i
  for ((i = ${#started[@]} - 1; i >= 0; i--)); do
    case "${started[$i]}" in
      evm) bash scripts/evm.sh stop || true ;;
      kubo) bash scripts/kubo.sh stop || true ;;
      network) bash scripts/network.sh down >/dev/null || true; say "network stopped" ;;
    esac
  done
  say "stopped. Data kept in $RXTRACE_DATA (npm start resumes it; npm run reset wipes it)."
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'code=$?; if [ "$code" -ne 0 ] && [ "$stopping" = 0 ]; then stop_all; fi' EXIT

# ------------------------------------------------------------ gateway build
gateway_build_needed() {
  [ -f gateway/dist/main.js ] || return 0
  [ -f chaincode/dist/index.js ] || return 0
  [ -n "$(find gateway/src chaincode/src -name '*.ts' -newer gateway/dist/main.js -print -quit)" ]
}

wait_for_gateway() { # ORG
  local url="http://127.0.0.1:${GATEWAY_PORTS[$1]}"
  for _ in $(seq 1 300); do
    curl -sf "$url/healthz" >/dev/null 2>&1 && return 0
    kill -0 "${gateway_pids[$1]}" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

gateway_dir() { echo "$RXTRACE_DATA/gateway/$1"; }
gateway_url() { echo "http://$GATEWAY_HOST:${GATEWAY_PORTS[$1]}"; }

# ------------------------------------------------------------ main
source scripts/lib/node.sh
rxtrace_packages "$ROOT" || exit 1
mkdir -p "$LOGS" "$RUN"
[ "$demo" = 1 ] && steps=7
say "data folder $RXTRACE_DATA"

progress "checking prerequisites"
check_prerequisites
say "ok"
if [ "$check_only" = 1 ]; then
  say "--check: Node $(node --version), the npm packages and every prerequisite are in place; stopping before any service starts."
  exit 0
fi

progress "Fabric network (4 orgs, channels mfr-dist and dist-pharm, chaincode rxtrace)"
if network_running; then say "already running; leaving it as it is"; else started+=(network); bash scripts/network.sh up; fi

progress "Kubo (IPFS) on 127.0.0.1:$KUBO_API_PORT"
alive kubo || started+=(kubo)
bash scripts/kubo.sh start

progress "EVM node (geth, dev mode) on 127.0.0.1:$EVM_PORT with SupplyChain.sol"
if [ "$evm" = 1 ]; then
  alive evm || started+=(evm)
  bash scripts/evm.sh start
else
  say "skipped (--no-evm)"
fi

progress "API keys, one key file per org"
for org in "${GATEWAY_ORGS[@]}"; do
  say "$org:"
  RXTRACE_GATEWAY_ORG="$org" npx tsx scripts/gateway/create-keys.ts
done

progress "one gateway per org"
if gateway_build_needed; then
  say "building chaincode domain and gateway (TypeScript)..."
  npm run build -w chaincode --silent
  npm run build -w gateway --silent
fi
# Each gateway takes its port from the topology; a single RXTRACE_GATEWAY_PORT would give all four the same one.
# Each runs with the Node flags of gateway/node-flags.txt (why: that file).
mapfile -t gateway_node_flags < <(grep -v -e '^#' -e '^[[:space:]]*$' gateway/node-flags.txt)
for org in "${GATEWAY_ORGS[@]}"; do
  env -u RXTRACE_GATEWAY_PORT RXTRACE_GATEWAY_ORG="$org" node "${gateway_node_flags[@]}" gateway/dist/main.js >>"$LOGS/gateway-$org.log" 2>&1 </dev/null &
  gateway_pids[$org]=$!
  echo "${gateway_pids[$org]}" >"$RUN/gateway-$org.pid"
done
for org in "${GATEWAY_ORGS[@]}"; do
  if ! wait_for_gateway "$org"; then
    tail -n 30 "$LOGS/gateway-$org.log" >&2
    fail "the $org gateway did not start; its log is $LOGS/gateway-$org.log (last lines above)."
  fi
  say "$org gateway on $(gateway_url "$org")"
done
# Bundle the scan page now rather than on the first visitor's request (the pharmacy's gateway serves the pharmacists).
curl -sf "http://127.0.0.1:${GATEWAY_PORTS[pharmacy]}/scan/app.js" -o /dev/null || say "warning: the scan page script did not build; see $LOGS/gateway-pharmacy.log"

if [ "$demo" = 1 ]; then
  progress "demo data"
  npx tsx scripts/demo.ts || say "warning: the demo data set did not load completely (see above); the system stays up."
fi

echo
echo "rxtrace is up: one gateway per org, each holding only its own org's identities, API keys and state."
for org in "${GATEWAY_ORGS[@]}"; do
  printf '  %-13s %s/v1   keys %s/api-keys.txt\n' "$org" "$(gateway_url "$org")" "$(gateway_dir "$org")"
done
base="$(gateway_url pharmacy)"
cat <<BANNER
  Send an org's API key (x-api-key header) to that org's gateway only; another org's gateway answers 401.
  API docs       $base/docs   (on every gateway)
  Scan page      $base/scan   (the pharmacy's gateway, with a pharmacist's key)
  Health         <gateway>/readyz
  API keys       each org's api-keys.txt above holds the keys issued by this start, if any: give each to its user, then
                 delete the file; only hashes are kept, a lost key is replaced with:
                 RXTRACE_GATEWAY_ORG=<org> npx tsx scripts/gateway/create-keys.ts --rotate
  Recall relay   the regulator's gateway carries manufacturers' recalls and withdrawals onto dist-pharm
  Logs           $LOGS/gateway-<org>.log and $LOGS/
  Demo data      npm run demo   (in another terminal, while this runs; each org's steps go to its own gateway)
Press Ctrl-C to stop everything this command started. Data stays in $RXTRACE_DATA.
BANNER

# Stay in the foreground with the gateways; if one dies, stop the rest.
set +e
wait -n "${gateway_pids[@]}"
code=$?
# A gateway exits 0 only when told to stop (SIGINT/SIGTERM, e.g. the same
# Ctrl-C reaching it first): then stop the rest as for Ctrl-C.
if [ "$stopping" = 0 ] && [ "$code" -eq 0 ]; then
  stop_all
  exit 130
fi
if [ "$stopping" = 0 ]; then
  for org in "${GATEWAY_ORGS[@]}"; do
    kill -0 "${gateway_pids[$org]}" 2>/dev/null && continue
    echo "rxtrace: the $org gateway exited (code $code); last lines of $LOGS/gateway-$org.log:" >&2
    tail -n 20 "$LOGS/gateway-$org.log" >&2
  done
  stop_all
  exit 1
fi
