#!/usr/bin/env bash
# The rxtrace Fabric network on one host, every node a plain process.
#
#   scripts/network.sh up      bring everything up; resumes from existing state
#   scripts/network.sh down    stop every process, keep ledgers and identities
#   scripts/network.sh reset   down, then wipe all network state
#   scripts/network.sh status  which processes run, and their health
#   scripts/network.sh upgrade [--from DIR]   the chaincode's next version,
#       approved by every org, committed, servers rolled over (docs/operations.md);
#       its steps: upgrade approve ORG [--from DIR] | upgrade commit | upgrade status
#   scripts/network.sh join ORG   a member added to the topology joins the running
#       network: CA, peer, channel configuration updates signed by a majority of
#       each channel's admins, anchor peer, chaincode approval, partner
#       registration, a definition sequence with its collections (docs/operations.md)
#   scripts/network.sh snapshot ORG CHANNEL   a ledger snapshot of CHANNEL on ORG's peer
#   scripts/network.sh add-peer ORG [SNAPSHOT...]   a further peer node of ORG,
#       joined from the snapshots given (else from the genesis blocks)
#   scripts/network.sh remove-peer ORG NODE   stops and deletes an added peer node
#   scripts/network.sh certs report [--within DAYS] [--json]   every certificate and its expiry
#   scripts/network.sh certs renew ORG [--within DAYS]         re-enrol ORG's certificates that
#       expire within DAYS (default 30) with ORG's CA, restart its nodes (docs/operations.md)
#
# The layout (orgs, MSP ids, users, channels, ports) is network/topology.json;
# each org runs a Fabric CA, a peer, a BFT orderer and a chaincode server
# (CCaaS). All state lives in ${RXTRACE_DATA:-<repo>/.rxtrace} (see
# scripts/network/lib/topology.sh). The work is done by the modules in
# scripts/network/lib/; this file holds the settings and the commands.
# Design and measurements: docs/network.md.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=network/lib/topology.sh
source "$ROOT/scripts/network/lib/topology.sh"
# shellcheck source=network/lib/processes.sh
source "$ROOT/scripts/network/lib/processes.sh"
# shellcheck source=network/lib/pki.sh
source "$ROOT/scripts/network/lib/pki.sh"
# shellcheck source=network/lib/nodes.sh
source "$ROOT/scripts/network/lib/nodes.sh"
# shellcheck source=network/lib/channels.sh
source "$ROOT/scripts/network/lib/channels.sh"
# shellcheck source=network/lib/chaincode.sh
source "$ROOT/scripts/network/lib/chaincode.sh"
# shellcheck source=network/lib/publish.sh
source "$ROOT/scripts/network/lib/publish.sh"
# shellcheck source=network/lib/upgrade.sh
source "$ROOT/scripts/network/lib/upgrade.sh"
# shellcheck source=network/lib/snapshots.sh
source "$ROOT/scripts/network/lib/snapshots.sh"
# shellcheck source=network/lib/certs.sh
source "$ROOT/scripts/network/lib/certs.sh"
# shellcheck source=network/lib/members.sh
source "$ROOT/scripts/network/lib/members.sh"

# ---------------------------------------------------------------- commands
# require_network WHAT: dies unless a network is up in $DATA (upgrade, certs, snapshots need one).
require_network() {
  { [ -f "$NET/port-offset" ] && [ -f "$DATA/network.json" ]; } || die "$1: no network in $DATA (scripts/network.sh up first)"
}
require_tools() {
  local tool missing=()
  for tool in jq openssl curl tar sha256sum setsid; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
  [ ${#missing[@]} -eq 0 ] || die "the network scripts need ${missing[*]} on PATH (Debian: apt-get install ${missing[*]/setsid/util-linux})"
}

cmd_up() {
  local t0=$SECONDS org
  require_tools
  mkdir -p "$NET" "$LOGS" "$RUN"
  # Ports are written into the channels' genesis blocks: a network keeps the
  # offset it was created with.
  if [ -f "$NET/port-offset" ] && [ "$(cat "$NET/port-offset")" != "$PORT_OFFSET" ]; then
    die "this network was created with RXTRACE_PORT_OFFSET=$(cat "$NET/port-offset"); use that, or reset it to change ports"
  fi
  echo "$PORT_OFFSET" >"$NET/port-offset"
  if [ -f "$NET/ordering" ] && [ "$(cat "$NET/ordering")" != "$ORDERING" ]; then
    die "this network was created with RXTRACE_ORDERING=$(cat "$NET/ordering"); use that, or reset it to change"
  fi
  echo "$ORDERING" >"$NET/ordering"
  # shellcheck source=lib/fabric.sh
  source "$ROOT/scripts/lib/fabric.sh"
  # shellcheck source=lib/node.sh
  source "$ROOT/scripts/lib/node.sh"
  ensure_chaincode_built
  render_config
  say "starting the certificate authorities"
  for org in "${ORGS[@]}"; do start_ca "$org"; done
  for org in "${ORGS[@]}"; do wait_until 30 "ca-$org" ca_ready "$org"; done
  say "enrolling identities"
  in_parallel enrol_org "${ORGS[@]}"
  say "starting orderers and peers"
  for org in "${ORDERER_ORGS[@]}"; do start_orderer "$org"; done
  local node
  for org in "${ORGS[@]}"; do for node in $(peer_nodes "$org"); do start_peer "$org" "$node"; done; done
  for org in "${ORDERER_ORGS[@]}"; do wait_until 60 "orderer-$org" healthz "$(orderer_ops_port "$org")" "$(ca_cert "$org")" "$org"; done
  for org in "${ORGS[@]}"; do
    for node in $(peer_nodes "$org"); do wait_until 60 "$node-$org" healthz "$(node_port "$org" "$node" peerOps)" "$(ca_cert "$org")" "$org"; done
  done
  say "creating channels"
  create_channels
  join_peers
  say "deploying chaincode $CHAINCODE_NAME"
  use_rxtrace_chaincode
  for org in "${ORGS[@]}"; do package_chaincode "$org"; install_chaincode "$org"; done
  if [ "${CHAINCODE_REBUILT:-0}" = 1 ]; then
    # Running servers still hold the old code; the package (an address) stays.
    stop_processes "${ORGS[@]/#/chaincode-}"
  fi
  for org in "${ORGS[@]}"; do start_chaincode_server "$org"; done
  for org in "${ORGS[@]}"; do wait_until 60 "chaincode-$org" port_open "$(cc_port "$org")" "$org"; done
  resume_upgrade_servers
  deploy_chaincode "${CHANNELS[@]}"
  write_network_json
  say "waiting for the peers to find each other (gossip)"
  wait_for_gossip
  register_partners
  say "health"
  health || die "some nodes are not healthy (see $LOGS)"
  say "up in $((SECONDS - t0))s; clients read $DATA/network.json"
}

# RXTRACE_DATA's logs/ and run/ are shared with Kubo, the Hardhat node and the
# gateway: down and reset touch only the network's own files there.
NETWORK_PROCESS_GLOBS=("ca-*" "orderer-*" "peer-*" "peer[0-9]-*" "chaincode-*")
NETWORK_LOG_GLOBS=("ca-*" "orderer-*" "peer-*" "peer[0-9]-*" "chaincode-*" "osnadmin" "configtxgen" "partners")

cmd_down() {
  local names=() glob f
  for glob in "${NETWORK_PROCESS_GLOBS[@]}"; do
    for f in "$RUN"/$glob.pid; do [ -e "$f" ] && names+=("$(basename "$f" .pid)"); done
  done
  [ ${#names[@]} -eq 0 ] || stop_processes "${names[@]}"
  say "stopped"
}

cmd_reset() {
  local glob
  cmd_down
  rm -rf "$NET" "$DATA/network.json"
  # shellcheck disable=SC2086 # the globs are meant to expand
  for glob in "${NETWORK_PROCESS_GLOBS[@]}"; do rm -f "$RUN"/$glob.pid; done
  # shellcheck disable=SC2086
  for glob in "${NETWORK_LOG_GLOBS[@]}"; do rm -f "$LOGS"/$glob.log; done
  say "network state wiped"
}

cmd_status() {
  # shellcheck source=lib/fabric.sh
  source "$ROOT/scripts/lib/fabric.sh" >/dev/null
  health
}

# upgrade [approve ORG | commit | status] [--from DIR]: without a step, every
# step for every org (one host runs them all); an org's operator runs
# `approve ORG` on its own host, and any org's operator `commit` after.
cmd_upgrade() {
  local step="" org="" from=""
  while [ $# -gt 0 ]; do
    case $1 in
      --from) [ $# -ge 2 ] || die "upgrade: --from needs a folder (a built chaincode package)"; from=$2; shift 2 ;;
      approve) step=approve; [ $# -ge 2 ] || die "upgrade approve: name the org (one of ${ORGS[*]})"; org=$2; msp_of "$org" >/dev/null; shift 2 ;;
      commit | status) step=$1; shift ;;
      *) die "upgrade: unknown argument '$1' (usage: scripts/network.sh upgrade [approve ORG | commit | status] [--from DIR])" ;;
    esac
  done
  require_network upgrade
  # shellcheck source=lib/fabric.sh
  source "$ROOT/scripts/lib/fabric.sh" >/dev/null
  # shellcheck source=lib/node.sh
  source "$ROOT/scripts/lib/node.sh" >/dev/null
  case $step in
    status) upgrade_status; return ;;
    commit)
      upgrade_pending || die "upgrade commit: no upgrade under way (start one with scripts/network.sh upgrade approve ORG)"
      use_rxtrace_generation "$(upgrade_target)"
      upgrade_commit ;;
    approve)
      begin_upgrade "$from"
      use_rxtrace_generation "$(upgrade_target)"
      install_next "$org"
      start_next "$org"
      approve_org "$org" ;;
    "")
      begin_upgrade "$from"
      use_rxtrace_generation "$(upgrade_target)"
      # shellcheck disable=SC2046
      in_parallel install_next $(orgs_of_channels)
      for org in $(orgs_of_channels); do start_next "$org"; done
      # shellcheck disable=SC2046
      in_parallel approve_org $(orgs_of_channels)
      upgrade_commit ;;
  esac
}

# snapshot ORG CHANNEL | add-peer ORG [SNAPSHOT...] | remove-peer ORG NODE
# (scripts/network/lib/snapshots.sh; runbook in docs/operations.md).
cmd_snapshot() {
  [ $# -eq 2 ] || die "usage: scripts/network.sh snapshot ORG CHANNEL (ORG one of ${ORGS[*]}; CHANNEL one of ${CHANNELS[*]})"
  # shellcheck source=lib/fabric.sh
  source "$ROOT/scripts/lib/fabric.sh" >/dev/null
  take_snapshot "$1" "$2"
}
cmd_add_peer() {
  [ $# -ge 1 ] || die "usage: scripts/network.sh add-peer ORG [SNAPSHOT_FOLDER...] (ORG one of ${ORGS[*]})"
  # shellcheck source=lib/fabric.sh
  source "$ROOT/scripts/lib/fabric.sh" >/dev/null
  use_rxtrace_chaincode
  add_peer "$@"
}
cmd_remove_peer() {
  [ $# -eq 2 ] || die "usage: scripts/network.sh remove-peer ORG NODE (NODE one of ${ADDED_PEER_NODES[*]})"
  remove_peer "$1" "$2"
}

# join ORG (scripts/network/lib/members.sh; runbook in docs/operations.md).
cmd_join() {
  [ $# -eq 1 ] || die "usage: scripts/network.sh join ORG (ORG an org of $TOPOLOGY_FILE not yet in the network)"
  # shellcheck source=lib/fabric.sh
  source "$ROOT/scripts/lib/fabric.sh" >/dev/null
  # shellcheck source=lib/node.sh
  source "$ROOT/scripts/lib/node.sh" >/dev/null
  join_member "$1"
}

# certs report [--within DAYS] [--json] | certs renew ORG [--within DAYS]
cmd_certs() {
  # shellcheck source=lib/fabric.sh
  source "$ROOT/scripts/lib/fabric.sh" >/dev/null
  # shellcheck source=lib/node.sh
  source "$ROOT/scripts/lib/node.sh" >/dev/null
  case "${1:-}" in
    report) shift; certs_report "$@" ;;
    renew) shift; certs_renew "$@" ;;
    *) die "usage: scripts/network.sh certs report [--within DAYS] [--json] | certs renew ORG [--within DAYS]" ;;
  esac
}

case "${1:-}" in
  up) cmd_up ;;
  snapshot) shift; cmd_snapshot "$@" ;;
  add-peer) shift; cmd_add_peer "$@" ;;
  remove-peer) shift; cmd_remove_peer "$@" ;;
  down) cmd_down ;;
  reset) cmd_reset ;;
  status) cmd_status ;;
  upgrade) shift; cmd_upgrade "$@" ;;
  certs) shift; cmd_certs "$@" ;;
  join) shift; cmd_join "$@" ;;
  *) echo "usage: scripts/network.sh up|down|reset|status|upgrade|join|snapshot|add-peer|remove-peer|certs" >&2; exit 2 ;;
esac

