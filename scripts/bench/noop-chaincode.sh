#!/usr/bin/env bash
# The benchmarks' reference chaincode (bench/noop-chaincode: one putState +
# one event) on channel mfr-dist of the running rxtrace network, served as
# CCaaS by one process per member peer, like rxtrace itself, under two
# definitions of the same package:
#   noop          rxtrace's chaincode-level policy (a majority of the channel's
#                 peers); the bench passes the channel's members, so writes
#                 also carry rxtrace's key-level policies
#   noop-one-org  one peer of any member (what a single-org policy costs)
#
#   scripts/bench/noop-chaincode.sh up     package, install, start servers, approve, commit (resumes)
#   scripts/bench/noop-chaincode.sh down   stop the noop chaincode servers
#
# It deploys through the network's own modules (scripts/network/lib), so both
# chaincodes are packaged, approved and committed the same way. Its servers
# listen on the topology's noopCcaas port of each member org.
# shellcheck source-path=SCRIPTDIR/..
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=network/lib/topology.sh
source "$ROOT/scripts/network/lib/topology.sh"
# shellcheck source=network/lib/processes.sh
source "$ROOT/scripts/network/lib/processes.sh"
# shellcheck source=network/lib/pki.sh
source "$ROOT/scripts/network/lib/pki.sh"
# shellcheck source=network/lib/nodes.sh
source "$ROOT/scripts/network/lib/nodes.sh"
# shellcheck source=network/lib/chaincode.sh
source "$ROOT/scripts/network/lib/chaincode.sh"

NOOP_CHANNEL=mfr-dist
NOOP_DIR="$ROOT/bench/noop-chaincode"
NOOP_ONE_ORG=noop-one-org
use_chaincode noop 1.0 1 "$NET/chaincode-noop" noopCcaas

noop_serve() {
  local org=$1 od
  od=$(org_dir "$org")
  # Same log levels as the rxtrace chaincode servers: logging costs CPU.
  start_process "noop-chaincode-$org" env CORE_CHAINCODE_LOGGING_LEVEL="${RXTRACE_CHAINCODE_LOG:-warning}" \
    CORE_CHAINCODE_LOGGING_SHIM="${RXTRACE_CHAINCODE_LOG:-warning}" "$ROOT/node_modules/.bin/fabric-chaincode-node" server \
    --chaincode-address "127.0.0.1:$(cc_port "$org")" \
    --chaincode-id "$(installed_package_id "$org")" \
    --module-path "$NOOP_DIR" \
    --chaincode-tls-cert-file "$od/chaincode/tls/server.crt" \
    --chaincode-tls-key-file "$od/chaincode/tls/server.key" \
    --chaincode-tls-client-cacert-file "$(ca_cert "$org")"
}

noop_up() {
  # shellcheck source=lib/fabric.sh
  source "$ROOT/scripts/lib/fabric.sh"
  [ -f "$DATA/network.json" ] || die "no network at $DATA (run scripts/network.sh up first)"
  local org
  for org in $(channel_orgs "$NOOP_CHANNEL"); do mkdir -p "$(cc_home "$org")"; package_chaincode "$org"; install_chaincode "$org"; done
  for org in $(channel_orgs "$NOOP_CHANNEL"); do noop_serve "$org"; done
  for org in $(channel_orgs "$NOOP_CHANNEL"); do wait_until 60 "noop-chaincode-$org" port_open "$(cc_port "$org")" "$org"; done
  deploy_chaincode "$NOOP_CHANNEL"
  say "chaincode $CC_NAME committed on $NOOP_CHANNEL"
  # The same installed package (package ids are kept in the same folder) under
  # a second name whose definition needs one peer of any member.
  use_chaincode "$NOOP_ONE_ORG" 1.0 1 "$NET/chaincode-noop" noopCcaas
  CC_QUORUM=1
  deploy_chaincode "$NOOP_CHANNEL"
  say "chaincode $CC_NAME committed on $NOOP_CHANNEL (one peer endorses)"
}

noop_down() {
  local org names=()
  for org in $(channel_orgs "$NOOP_CHANNEL"); do names+=("noop-chaincode-$org"); done
  stop_processes "${names[@]}"
}

case "${1:-}" in
  up) noop_up ;;
  down) noop_down ;;
  *) echo "usage: scripts/bench/noop-chaincode.sh up|down" >&2; exit 2 ;;
esac
