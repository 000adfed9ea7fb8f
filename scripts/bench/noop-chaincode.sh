#!/usr/bin/env bash
# The benchmarks' reference chaincode `noop` (bench/noop-chaincode: one
# putState + one event) on channel mfr-dist of the running rxtrace network,
# served as CCaaS by one process per member peer, like rxtrace itself.
#
#   scripts/bench/noop-chaincode.sh up     package, install, start servers, approve, commit (resumes)
#   scripts/bench/noop-chaincode.sh down   stop the noop chaincode servers
#
# It reuses scripts/network.sh's helpers (identities, CLI options, process
# control) by sourcing its function definitions, so both deploy the same way.
# Chaincode server ports: 7056, 8056, 10056 (rxtrace's xx55 + 1; + RXTRACE_PORT_OFFSET).
set -euo pipefail
BENCH_ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
# Everything of network.sh except its command dispatch at the end.
# shellcheck disable=SC1090
source <(sed '/^case "\${1:-}" in$/,$d' "$BENCH_ROOT/scripts/network.sh")
ROOT="$BENCH_ROOT"
NOOP_NAME=noop
NOOP_SEQUENCE=1
NOOP_CHANNEL=mfr-dist
NOOP_DIR="$ROOT/bench/noop-chaincode"
# Shifted by RXTRACE_PORT_OFFSET like every network port, when network.sh knows it.
noop_port() { if declare -F port >/dev/null; then port "$(base_of "$1")056"; else echo "$(base_of "$1")056"; fi; }
noop_home() { echo "$NET/chaincode-noop/$1"; }

noop_package() {
  local org=$1 dir od
  dir=$(noop_home "$org"); od=$(org_dir "$org")
  [ -f "$dir/$NOOP_NAME.tar.gz" ] && return 0
  rm -rf "$dir/build" && mkdir -p "$dir/build/src"
  jq -n --arg address "$(host_of "$org"):$(noop_port "$org")" \
    --rawfile root "$(ca_cert "$org")" --rawfile cert "$od/peer/tls/server.crt" --rawfile key "$od/peer/tls/server.key" \
    '{address: $address, dial_timeout: "10s", tls_required: true, client_auth_required: true,
      root_cert: $root, client_cert: $cert, client_key: $key}' >"$dir/build/src/connection.json"
  jq -n --arg l "$NOOP_NAME" '{"type": "ccaas", "label": $l}' >"$dir/build/metadata.json"
  tar -C "$dir/build/src" -czf "$dir/build/code.tar.gz" connection.json
  tar -C "$dir/build" -czf "$dir/$NOOP_NAME.tar.gz" metadata.json code.tar.gz
  rm -rf "$dir/build"
}

noop_install() {
  local org=$1 dir id
  dir=$(noop_home "$org")
  id=$(as_admin "$org" peer lifecycle chaincode calculatepackageid "$dir/$NOOP_NAME.tar.gz")
  if ! as_admin "$org" peer lifecycle chaincode queryinstalled --output json 2>/dev/null | jq -e --arg id "$id" '.installed_chaincodes // [] | any(.package_id == $id)' >/dev/null; then
    as_admin "$org" peer lifecycle chaincode install "$dir/$NOOP_NAME.tar.gz" >>"$LOGS/peer-cli.log" 2>&1 || die "noop install on peer-$org failed (see $LOGS/peer-cli.log)"
  fi
  echo "$id" >"$dir/package-id"
}

noop_serve() {
  local org=$1 od
  od=$(org_dir "$org")
  # Same log levels as the rxtrace chaincode servers: logging costs CPU.
  start_process "noop-chaincode-$org" env CORE_CHAINCODE_LOGGING_LEVEL="${RXTRACE_CHAINCODE_LOG:-warning}" \
    CORE_CHAINCODE_LOGGING_SHIM="${RXTRACE_CHAINCODE_LOG:-warning}" "$ROOT/node_modules/.bin/fabric-chaincode-node" server \
    --chaincode-address "127.0.0.1:$(noop_port "$org")" \
    --chaincode-id "$(cat "$(noop_home "$org")/package-id")" \
    --module-path "$NOOP_DIR" \
    --chaincode-tls-cert-file "$od/chaincode/tls/server.crt" \
    --chaincode-tls-key-file "$od/chaincode/tls/server.key" \
    --chaincode-tls-client-cacert-file "$(ca_cert "$org")"
}

noop_definition() {
  echo "--channelID $NOOP_CHANNEL --name $NOOP_NAME --version 1.0 --sequence $NOOP_SEQUENCE --signature-policy $(signature_policy "$NOOP_CHANNEL")"
}

noop_commit() {
  local org first peers=()
  read -r first _ <<<"$(channel_orgs "$NOOP_CHANNEL")"
  if as_admin "$first" peer lifecycle chaincode querycommitted --channelID "$NOOP_CHANNEL" --name "$NOOP_NAME" --output json 2>/dev/null |
    jq -e --argjson s "$NOOP_SEQUENCE" '.sequence == $s' >/dev/null; then return 0; fi
  for org in $(channel_orgs "$NOOP_CHANNEL"); do
    if ! as_admin "$org" peer lifecycle chaincode queryapproved --channelID "$NOOP_CHANNEL" --name "$NOOP_NAME" --sequence "$NOOP_SEQUENCE" >/dev/null 2>&1; then
      # shellcheck disable=SC2046
      as_admin "$org" peer lifecycle chaincode approveformyorg $(noop_definition) \
        --package-id "$(cat "$(noop_home "$org")/package-id")" $(orderer_opts "$org") --waitForEvent >>"$LOGS/peer-cli.log" 2>&1 ||
        die "noop approval by $(msp_of "$org") failed (see $LOGS/peer-cli.log)"
    fi
    peers+=(--peerAddresses "127.0.0.1:$(peer_port "$org")" --tlsRootCertFiles "$(ca_cert "$org")")
  done
  # shellcheck disable=SC2046
  as_admin "$first" peer lifecycle chaincode commit $(noop_definition) $(orderer_opts "$first") \
    "${peers[@]}" --waitForEvent >>"$LOGS/peer-cli.log" 2>&1 || die "noop commit on $NOOP_CHANNEL failed (see $LOGS/peer-cli.log)"
}

noop_up() {
  # shellcheck source=../lib/fabric.sh
  source "$ROOT/scripts/lib/fabric.sh"
  [ -f "$DATA/network.json" ] || die "no network at $DATA (run scripts/network.sh up first)"
  local org
  for org in $(channel_orgs "$NOOP_CHANNEL"); do mkdir -p "$(noop_home "$org")"; noop_package "$org"; noop_install "$org"; done
  for org in $(channel_orgs "$NOOP_CHANNEL"); do noop_serve "$org"; done
  for org in $(channel_orgs "$NOOP_CHANNEL"); do wait_until 60 "noop-chaincode-$org" port_open "$(noop_port "$org")"; done
  noop_commit
  say "chaincode $NOOP_NAME committed on $NOOP_CHANNEL"
}

noop_down() {
  local names=() org
  for org in $(channel_orgs "$NOOP_CHANNEL"); do names+=("noop-chaincode-$org"); done
  if declare -F stop_processes >/dev/null; then stop_processes "${names[@]}"; else for org in "${names[@]}"; do stop_process "$org"; done; fi
}

case "${1:-}" in
  up) noop_up ;;
  down) noop_down ;;
  *) echo "usage: scripts/bench/noop-chaincode.sh up|down" >&2; exit 2 ;;
esac
