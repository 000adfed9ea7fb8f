# shellcheck shell=bash
# Chaincode lifecycle for CCaaS chaincodes: package, install, approve, commit,
# for the chaincode chosen by use_chaincode. Sourced after nodes.sh; used by
# scripts/network.sh (rxtrace, with the server that serves it) and
# scripts/bench/noop-chaincode.sh (the benchmarks' noop), so both deploy the
# same way.

# use_chaincode NAME VERSION SEQUENCE HOME PORT_KIND [trade-collections]: the
# chaincode the functions below act on. HOME holds one folder per org (package,
# package id); PORT_KIND is the ports.perOrg key of its servers; with
# trade-collections its definition defines the channel's trading-pair private
# data collections (topology.sh trade_collections). Its definition's
# endorsement quorum is the majority unless CC_QUORUM is set afterwards (only
# the benchmarks' single-org reference does that).
use_chaincode() {
  CC_NAME=$1 CC_VERSION=$2 CC_SEQUENCE=$3 CC_HOME=$4 CC_PORT_KIND=$5 CC_COLLECTIONS=${6:-} CC_QUORUM="" CC_LABEL=$1
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
  jq -n --arg l "$CC_LABEL" '{"type": "ccaas", "label": $l}' >"$dir/build/metadata.json"
  tar -C "$dir/build/src" -czf "$dir/build/code.tar.gz" connection.json
  tar -C "$dir/build" -czf "$dir/$CC_NAME.tar.gz.tmp" metadata.json code.tar.gz
  mv "$dir/$CC_NAME.tar.gz.tmp" "$dir/$CC_NAME.tar.gz"
  rm -rf "$dir/build"
}

package_id() { as_admin "$1" peer lifecycle chaincode calculatepackageid "$(cc_home "$1")/$CC_NAME.tar.gz"; }
# The package id the org's servers announce (written by install_chaincode).
installed_package_id() { cat "$(cc_home "$1")/package-id"; }

# install_chaincode ORG: the org's package on each of its peer nodes (its
# first and any added one: they all run what the org approved).
install_chaincode() {
  local org=$1 node id
  id=$(package_id "$org")
  for node in $(peer_nodes "$org"); do install_chaincode_on "$org" "$node" "$id"; done
  echo "$id" >"$(cc_home "$org")/package-id"
}

# install_chaincode_on ORG NODE [PACKAGE_ID]: the org's package on one of its peer nodes, once.
install_chaincode_on() {
  local org=$1 node=$2 id=${3:-} name=$2-$1
  [ -n "$id" ] || id=$(package_id "$org")
  if ! as_admin_of "$org" "$node" peer lifecycle chaincode queryinstalled --output json 2>/dev/null | jq -e --arg id "$id" '.installed_chaincodes // [] | any(.package_id == $id)' >/dev/null; then
    as_admin_of "$org" "$node" peer lifecycle chaincode install "$(cc_home "$org")/$CC_NAME.tar.gz" >>"$LOGS/peer-cli.log" 2>&1 ||
      die "install of $CC_NAME on $name failed (see $LOGS/peer-cli.log)"
    say "chaincode $CC_NAME installed on $name"
  fi
}

# The endorsement quorum of a chaincode on a channel of N member orgs: two
# orgs' peers, never one, so that no single org creates a key with modified
# chaincode on its own peer (docs/security.md). On the founding channels (three
# members) two is the majority. It stays two when a member joins: only the
# orgs on both channels can endorse a cross-channel import, and a majority of
# four would also send a trading pair's terms through a third org's peer.
# Key-level policies set by the chaincode govern existing keys.
endorsement_quorum() { if [ "$1" -lt 2 ]; then echo "$1"; else echo 2; fi; }

# The chaincode definition's endorsement policy on a channel: a quorum of the
# member orgs' peers, PEER role only (no client or admin certificate endorses),
# OutOf(k,'AMSP.peer',...).
signature_policy() {
  local ch=$1 org p="" n=0
  for org in $(channel_orgs "$ch"); do p+=",'$(msp_of "$org").peer'"; n=$((n + 1)); done
  echo "OutOf(${CC_QUORUM:-$(endorsement_quorum "$n")}$p)"
}

# definition_file CHANNEL KIND: the definition's endorsement policy (KIND
# policy) or collection configuration (collections.json) on the channel, made
# from the topology the first time it is asked for and kept in HOME/definition
# after that. Every approval of one definition sequence must name the same
# policy and collections, also one made after the topology has changed (a
# member joining approves the definition committed before it joined).
definition_file() {
  local ch=$1 kind=$2 dir="$CC_HOME/definition" file tmp
  file="$dir/$ch.$kind"
  if [ ! -s "$file" ]; then
    # Approvals run in parallel: each writes its own temporary file, then renames it.
    mkdir -p "$dir"
    tmp=$(mktemp "$file.XXXXXX")
    case $kind in
      policy) signature_policy "$ch" >"$tmp" ;;
      collections.json) trade_collections "$ch" >"$tmp" ;;
    esac
    mv "$tmp" "$file"
  fi
  echo "$file"
}

definition_opts() {
  local ch=$1 opts
  if [ -z "$CC_COLLECTIONS" ]; then
    opts="--signature-policy $(signature_policy "$ch")"
  else
    opts="--signature-policy $(cat "$(definition_file "$ch" policy)") --collections-config $(definition_file "$ch" collections.json)"
  fi
  echo "--channelID $ch --name $CC_NAME --version $CC_VERSION --sequence $CC_SEQUENCE $opts"
}

# committed CHANNEL ORG: the definition's sequence is committed on the channel, as ORG's peer sees it.
committed() {
  as_admin "$2" peer lifecycle chaincode querycommitted --channelID "$1" --name "$CC_NAME" --output json 2>/dev/null |
    jq -e --argjson s "$CC_SEQUENCE" '.sequence == $s' >/dev/null
}

# approved CHANNEL ORG: the org has approved the definition's sequence on the channel.
approved() { as_admin "$2" peer lifecycle chaincode queryapproved --channelID "$1" --name "$CC_NAME" --sequence "$CC_SEQUENCE" >/dev/null 2>&1; }

# approve_on_channel_as CHANNEL:ORG: the org approves the chaincode definition for the channel, once.
approve_on_channel_as() {
  local ch=${1%%:*} org=${1#*:}
  approved "$ch" "$org" && return 0
  through_orderers "$org" "the approval of $CC_NAME by $(msp_of "$org") on $ch" approved "$ch" "$org" -- approve_for_org "$ch" "$org" ||
    die "approval of $CC_NAME by $(msp_of "$org") on $ch failed (see $LOGS/peer-cli-$org.log)"
  say "$(msp_of "$org") approved $CC_NAME on $ch"
}
approve_for_org() {
  # shellcheck disable=SC2046
  as_admin "$2" peer lifecycle chaincode approveformyorg $(definition_opts "$1") \
    --package-id "$(installed_package_id "$2")" $(orderer_opts "$2") --waitForEvent >>"$LOGS/peer-cli-$2.log" 2>&1
}

# commit_definition CHANNEL ORG: ORG's admin commits the definition on the
# channel, endorsed by every member's peer, and waits for it to be committed.
commit_definition() {
  local ch=$1 by=$2
  through_orderers "$by" "the commit of $CC_NAME sequence $CC_SEQUENCE on $ch" committed "$ch" "$by" -- commit_as "$ch" "$by" ||
    die "commit of $CC_NAME sequence $CC_SEQUENCE on $ch failed (see $LOGS/peer-cli.log)"
  say "$CC_NAME sequence $CC_SEQUENCE committed on $ch"
}
commit_as() {
  local ch=$1 by=$2 org peers=()
  for org in $(channel_orgs "$ch"); do peers+=(--peerAddresses "$(host_of "$org"):$(peer_port "$org")" --tlsRootCertFiles "$(ca_cert "$org")"); done
  # shellcheck disable=SC2046
  as_admin "$by" peer lifecycle chaincode commit $(definition_opts "$ch") $(orderer_opts "$by") \
    "${peers[@]}" --waitForEvent >>"$LOGS/peer-cli.log" 2>&1
}

# deploy_chaincode CHANNEL...: every member approves, the first commits; skips channels where it is committed.
deploy_chaincode() {
  local ch org first
  for ch in "$@"; do
    read -r first _ <<<"$(channel_orgs "$ch")"
    committed "$ch" "$first" && continue
    # shellcheck disable=SC2046
    in_parallel approve_on_channel_as $(for org in $(channel_orgs "$ch"); do echo "$ch:$org"; done)
    commit_definition "$ch" "$first"
  done
}

# ---------------------------------------------------------------- rxtrace
# The rxtrace chaincode (CHAINCODE_NAME from the topology) on every channel.
# Each upgrade (scripts/network/lib/upgrade.sh) makes a new generation: N is
# the definition at sequence N+1, version 1.N, packaged under the label
# rxtrace (N=0) or rxtrace_N, its servers on the port slot ccaas (N even) or
# ccaasNext (N odd), so that the next generation's servers start beside the
# running ones. The committed generation is kept in chaincode/generation.
CHAINCODE_HOME="$NET/chaincode"
current_generation() { cat "$CHAINCODE_HOME/generation" 2>/dev/null || echo 0; }
generation_home() { if [ "$1" = 0 ]; then echo "$CHAINCODE_HOME"; else echo "$CHAINCODE_HOME/generation-$1"; fi; }
generation_port_kind() { if [ $(($1 % 2)) = 0 ]; then echo ccaas; else echo ccaasNext; fi; }
# The folder a generation's servers serve: RXTRACE_CHAINCODE_DIR (another
# build, for tests), else the one its upgrade named (--from), else chaincode/.
generation_module() {
  local recorded
  recorded=$(cat "$(generation_home "$1")/module" 2>/dev/null || true)
  echo "${RXTRACE_CHAINCODE_DIR:-${recorded:-$ROOT/chaincode}}"
}

# use_rxtrace_generation N: the functions above act on generation N.
use_rxtrace_generation() {
  # shellcheck disable=SC2153 # CHAINCODE_NAME comes from topology.sh
  use_chaincode "$CHAINCODE_NAME" "1.$1" "$(($1 + 1))" "$(generation_home "$1")" "$(generation_port_kind "$1")" trade-collections
  [ "$1" = 0 ] || CC_LABEL="${CHAINCODE_NAME}_$1"
  # shellcheck disable=SC2034 # read by upgrade.sh
  CC_GENERATION=$1
  CHAINCODE_DIR=$(generation_module "$1")
}
use_rxtrace_chaincode() { use_rxtrace_generation "$(current_generation)"; }
CHAINCODE_DIR=$(generation_module "$(current_generation)")

# start_chaincode_server ORG [NAME]: the rxtrace chaincode server of one org
# for the generation in use, restarted by its supervisor if it dies. NAME is
# its process name (chaincode-ORG; chaincode-next-ORG during an upgrade).
start_chaincode_server() {
  local org=$1 name=${2:-chaincode-$1} od
  od=$(org_dir "$org")
  start_process "$name" env CHAINCODE_ID="$(installed_package_id "$org")" \
    CHAINCODE_ADDRESS="127.0.0.1:$(cc_port "$org")" CHAINCODE_MODULE="$CHAINCODE_DIR" \
    CHAINCODE_TLS_CERT="$od/chaincode/tls/server.crt" CHAINCODE_TLS_KEY="$od/chaincode/tls/server.key" \
    CHAINCODE_TLS_CLIENT_CA="$(ca_cert "$org")" \
    CORE_CHAINCODE_LOGGING_LEVEL="${RXTRACE_CHAINCODE_LOG:-warning}" CORE_CHAINCODE_LOGGING_SHIM="${RXTRACE_CHAINCODE_LOG:-warning}" \
    "$ROOT/scripts/network/supervise.sh" "$name" node "$ROOT/scripts/network/chaincode-server.cjs"
}

ensure_chaincode_built() {
  # Build only when a source file is newer than the build (a build costs ~8 s);
  # another folder (RXTRACE_CHAINCODE_DIR, an upgrade's --from) comes built.
  if [ "$CHAINCODE_DIR" = "$ROOT/chaincode" ] && { [ ! -f "$CHAINCODE_DIR/dist/index.js" ] ||
    [ -n "$(find "$CHAINCODE_DIR/src" "$CHAINCODE_DIR/package.json" "$CHAINCODE_DIR/tsconfig.json" -newer "$CHAINCODE_DIR/dist/index.js" -print -quit)" ]; }; then
    say "building the chaincode (npm run build -w chaincode)"
    # shellcheck disable=SC2034 # read by network.sh's up
    CHAINCODE_REBUILT=1
    (cd "$ROOT" && npm run build -w chaincode >>"$LOGS/chaincode-build.log" 2>&1) || die "the chaincode does not build (see $LOGS/chaincode-build.log)"
  fi
  check_chaincode_module "$CHAINCODE_DIR"
}

# check_chaincode_module DIR: DIR is a built chaincode package a server can serve.
check_chaincode_module() {
  local main
  [ -f "$1/package.json" ] || die "$1 is not a chaincode package (no package.json)"
  main=$(jq -r '.main // "index.js"' "$1/package.json")
  [ -f "$1/$main" ] || die "the chaincode has no $1/$main to serve"
}

