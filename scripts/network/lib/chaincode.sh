# shellcheck shell=bash
# Chaincode lifecycle for CCaaS chaincodes: package, install, approve, commit,
# for the chaincode chosen by use_chaincode. Sourced after nodes.sh; used by
# scripts/network.sh (rxtrace, with the server that serves it) and
# scripts/bench/noop-chaincode.sh (the benchmarks' noop), so both deploy the
# same way.

# use_chaincode NAME VERSION SEQUENCE HOME PORT_KIND [COLLECTIONS_DIR]: the
# chaincode the functions below act on. HOME holds one folder per org (package,
# package id); PORT_KIND is the ports.perOrg key of its servers; the channel's
# private data collections are COLLECTIONS_DIR/<channel>.json. Its definition's
# endorsement quorum is the majority unless CC_QUORUM is set afterwards (only
# the benchmarks' single-org reference does that).
use_chaincode() {
  CC_NAME=$1 CC_VERSION=$2 CC_SEQUENCE=$3 CC_HOME=$4 CC_PORT_KIND=$5 CC_COLLECTIONS=${6:-} CC_QUORUM=""
}
cc_home() { echo "$CC_HOME/$1"; }
cc_port() { org_port "$1" "$CC_PORT_KIND"; }

# One CCaaS package per org: its connection.json names that org's chaincode
# server. Built once and kept, so its package id never changes.
package_chaincode() {
  local org=$1 dir od
  dir=$(cc_home "$org"); od=$(org_dir "$org")
  [ -f "$dir/$CC_NAME.tar.gz" ] && return 0
  rm -rf "$dir/build" && mkdir -p "$dir/build/src"
  jq -n --arg address "127.0.0.1:$(cc_port "$org")" \
    --rawfile root "$(ca_cert "$org")" --rawfile cert "$od/peer/tls/server.crt" --rawfile key "$od/peer/tls/server.key" \
    '{address: $address, dial_timeout: "10s", tls_required: true, client_auth_required: true,
      root_cert: $root, client_cert: $cert, client_key: $key}' >"$dir/build/src/connection.json"
  jq -n --arg l "$CC_NAME" '{"type": "ccaas", "label": $l}' >"$dir/build/metadata.json"
  tar -C "$dir/build/src" -czf "$dir/build/code.tar.gz" connection.json
  tar -C "$dir/build" -czf "$dir/$CC_NAME.tar.gz.tmp" metadata.json code.tar.gz
  mv "$dir/$CC_NAME.tar.gz.tmp" "$dir/$CC_NAME.tar.gz"
  rm -rf "$dir/build"
}

package_id() { as_admin "$1" peer lifecycle chaincode calculatepackageid "$(cc_home "$1")/$CC_NAME.tar.gz"; }
# The package id the org's servers announce (written by install_chaincode).
installed_package_id() { cat "$(cc_home "$1")/package-id"; }

install_chaincode() {
  local org=$1 id
  id=$(package_id "$org")
  if ! as_admin "$org" peer lifecycle chaincode queryinstalled --output json 2>/dev/null | jq -e --arg id "$id" '.installed_chaincodes // [] | any(.package_id == $id)' >/dev/null; then
    as_admin "$org" peer lifecycle chaincode install "$(cc_home "$org")/$CC_NAME.tar.gz" >>"$LOGS/peer-cli.log" 2>&1 ||
      die "install of $CC_NAME on peer-$org failed (see $LOGS/peer-cli.log)"
    say "chaincode $CC_NAME installed on peer-$org"
  fi
  echo "$id" >"$(cc_home "$org")/package-id"
}

# The endorsement quorum of a chaincode on a channel of N member orgs: a
# majority, so that no single org creates a key with modified chaincode on its
# own peer (docs/security.md). Key-level policies set by the chaincode govern
# existing keys.
endorsement_quorum() { echo $(($1 / 2 + 1)); }

# The chaincode definition's endorsement policy on a channel: a quorum of the
# member orgs' peers, PEER role only (no client or admin certificate endorses),
# OutOf(k,'AMSP.peer',...).
signature_policy() {
  local ch=$1 org p="" n=0
  for org in $(channel_orgs "$ch"); do p+=",'$(msp_of "$org").peer'"; n=$((n + 1)); done
  echo "OutOf(${CC_QUORUM:-$(endorsement_quorum "$n")}$p)"
}

definition_opts() {
  local ch=$1 opts
  opts="--channelID $ch --name $CC_NAME --version $CC_VERSION --sequence $CC_SEQUENCE --signature-policy $(signature_policy "$ch")"
  [ -z "$CC_COLLECTIONS" ] || opts+=" --collections-config $CC_COLLECTIONS/$ch.json"
  echo "$opts"
}

# committed CHANNEL ORG: the definition's sequence is committed on the channel, as ORG's peer sees it.
committed() {
  as_admin "$2" peer lifecycle chaincode querycommitted --channelID "$1" --name "$CC_NAME" --output json 2>/dev/null |
    jq -e --argjson s "$CC_SEQUENCE" '.sequence == $s' >/dev/null
}

# approve_on_channel_as CHANNEL:ORG: the org approves the chaincode definition for the channel, once.
approve_on_channel_as() {
  local ch=${1%%:*} org=${1#*:}
  if ! as_admin "$org" peer lifecycle chaincode queryapproved --channelID "$ch" --name "$CC_NAME" --sequence "$CC_SEQUENCE" >/dev/null 2>&1; then
    # shellcheck disable=SC2046
    as_admin "$org" peer lifecycle chaincode approveformyorg $(definition_opts "$ch") \
      --package-id "$(installed_package_id "$org")" $(orderer_opts "$org") --waitForEvent >>"$LOGS/peer-cli-$org.log" 2>&1 ||
      die "approval of $CC_NAME by $(msp_of "$org") on $ch failed (see $LOGS/peer-cli-$org.log)"
    say "$(msp_of "$org") approved $CC_NAME on $ch"
  fi
}

# deploy_chaincode CHANNEL...: every member approves, the first commits; skips channels where it is committed.
deploy_chaincode() {
  local ch org first
  for ch in "$@"; do
    read -r first _ <<<"$(channel_orgs "$ch")"
    committed "$ch" "$first" && continue
    # shellcheck disable=SC2046
    in_parallel approve_on_channel_as $(for org in $(channel_orgs "$ch"); do echo "$ch:$org"; done)
    local peers=()
    for org in $(channel_orgs "$ch"); do peers+=(--peerAddresses "$(host_of "$org"):$(peer_port "$org")" --tlsRootCertFiles "$(ca_cert "$org")"); done
    # shellcheck disable=SC2046
    as_admin "$first" peer lifecycle chaincode commit $(definition_opts "$ch") $(orderer_opts "$first") \
      "${peers[@]}" --waitForEvent >>"$LOGS/peer-cli.log" 2>&1 || die "commit of $CC_NAME on $ch failed (see $LOGS/peer-cli.log)"
    say "$CC_NAME committed on $ch"
  done
}

# ---------------------------------------------------------------- rxtrace
# The rxtrace chaincode (CHAINCODE_NAME from the topology) on every channel,
# served from CHAINCODE_DIR (RXTRACE_CHAINCODE_DIR: another build, for tests).
CHAINCODE_VERSION=1.0
CHAINCODE_SEQUENCE=1
CHAINCODE_DIR="${RXTRACE_CHAINCODE_DIR:-$ROOT/chaincode}"
use_rxtrace_chaincode() {
  use_chaincode "$CHAINCODE_NAME" "$CHAINCODE_VERSION" "$CHAINCODE_SEQUENCE" "$NET/chaincode" ccaas "$ROOT/network/collections"
}

# The rxtrace chaincode server of one org, restarted by its supervisor if it dies.
start_chaincode_server() {
  local org=$1 od
  od=$(org_dir "$org")
  start_process "chaincode-$org" env CHAINCODE_ID="$(installed_package_id "$org")" \
    CHAINCODE_ADDRESS="127.0.0.1:$(cc_port "$org")" CHAINCODE_MODULE="$CHAINCODE_DIR" \
    CHAINCODE_TLS_CERT="$od/chaincode/tls/server.crt" CHAINCODE_TLS_KEY="$od/chaincode/tls/server.key" \
    CHAINCODE_TLS_CLIENT_CA="$(ca_cert "$org")" \
    CORE_CHAINCODE_LOGGING_LEVEL="${RXTRACE_CHAINCODE_LOG:-warning}" CORE_CHAINCODE_LOGGING_SHIM="${RXTRACE_CHAINCODE_LOG:-warning}" \
    "$ROOT/scripts/network/supervise.sh" "chaincode-$org" node "$ROOT/scripts/network/chaincode-server.cjs"
}

ensure_chaincode_built() {
  # Build only when a source file is newer than the build (a build costs ~8 s).
  if [ -z "${RXTRACE_CHAINCODE_DIR:-}" ] && { [ ! -f "$CHAINCODE_DIR/dist/index.js" ] ||
    [ -n "$(find "$CHAINCODE_DIR/src" "$CHAINCODE_DIR/package.json" "$CHAINCODE_DIR/tsconfig.json" -newer "$CHAINCODE_DIR/dist/index.js" -print -quit)" ]; }; then
    say "building the chaincode (npm run build -w chaincode)"
    # shellcheck disable=SC2034 # read by network.sh's up
    CHAINCODE_REBUILT=1
    (cd "$ROOT" && npm run build -w chaincode >>"$LOGS/chaincode-build.log" 2>&1) || die "the chaincode does not build (see $LOGS/chaincode-build.log)"
  fi
  local main
  main=$(jq -r '.main // "index.js"' "$CHAINCODE_DIR/package.json")
  [ -f "$CHAINCODE_DIR/$main" ] || die "the chaincode has no $CHAINCODE_DIR/$main to serve"
}

