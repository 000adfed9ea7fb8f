# shellcheck shell=bash
# Ledger snapshots and added peers: a snapshot of a channel taken on an org's
# peer, a further peer node of an org joined to its channels from snapshots
# (or from the genesis blocks), and its removal. Sourced after chaincode.sh.
# Runbook: docs/operations.md, "Snapshots and added peers".

# A snapshot folder as Fabric writes it: <peer>/snapshots/completed/<channel>/<block>/.
SNAPSHOT_METADATA=_snapshot_signable_metadata.json
SNAPSHOT_HASHES=_snapshot_additional_metadata.json


# height ORG NODE CHANNEL: the channel's height on that peer (0 when it has not joined).
height() {
  as_admin_of "$1" "$2" peer channel getinfo -c "$3" 2>/dev/null | sed -n 's/^Blockchain info: //p' | jq -r '.height // 0' 2>/dev/null || echo 0
}

# take_snapshot ORG CHANNEL: asks ORG's first peer for a snapshot of CHANNEL at
# its last committed block (block number 0 in the request), waits until the
# peer has written it and prints its folder, block, height and hash.
take_snapshot() {
  local org=$1 ch=$2 dir before block t0=$SECONDS
  msp_of "$org" >/dev/null
  channel_orgs "$ch" >/dev/null
  is_member "$org" "$ch" || die "snapshot: $org is not a member of $ch (its members: $(channel_orgs "$ch"))"
  require_network snapshot
  is_running "peer-$org" || die "snapshot: peer-$org is not running (scripts/network.sh up)"
  dir="$NET/nodes/peer-$org/snapshots/completed/$ch"
  before=$(height "$org" peer "$ch")
  [ "$before" -gt 0 ] || die "snapshot: peer-$org has not joined $ch"
  # Asked again with no block committed since, the peer would be asked for a
  # snapshot it has: report that one.
  if ! { [ "$(newest_snapshot "$dir")" = $((before - 1)) ] && snapshot_done "$dir" $((before - 1)); }; then
    as_admin "$org" peer snapshot submitrequest -c "$ch" -b 0 --peerAddress "$(host_of "$org"):$(peer_port "$org")" \
      --tlsRootCertFile "$(ca_cert "$org")" >>"$LOGS/peer-cli.log" 2>&1 ||
      die "snapshot: peer-$org refused the snapshot request for $ch (see $LOGS/peer-cli.log)"
  fi
  # The request names the last committed block, at least the height seen before - 1.
  wait_until 300 "the snapshot of $ch on peer-$org" snapshot_done "$dir" $((before - 1))
  block=$(newest_snapshot "$dir")
  say "snapshot of $ch taken on peer-$org in $((SECONDS - t0))s" >&2
  echo "folder: $dir/$block"
  echo "channel: $ch"
  echo "block: $block"
  echo "height: $((block + 1))"
  echo "hash: $(jq -r .snapshot_hash "$dir/$block/$SNAPSHOT_HASHES")"
}
newest_snapshot() { find "$1" -mindepth 1 -maxdepth 1 -regex '.*/[0-9]+' -printf '%f\n' 2>/dev/null | sort -n | tail -n 1; }
# snapshot_done DIR BLOCK: a completed snapshot at BLOCK or later is in DIR
# (Fabric renames it into completed/ once every file is written).
snapshot_done() {
  local newest
  newest=$(newest_snapshot "$1")
  [ -n "$newest" ] && [ "$newest" -ge "$2" ] && [ -f "$1/$newest/$SNAPSHOT_HASHES" ]
}

# snapshot_channel FOLDER: the channel a snapshot folder holds, or a sentence why it is none.
snapshot_channel() {
  [ -d "$1" ] || die "add-peer: no snapshot folder $1"
  [ -f "$1/$SNAPSHOT_METADATA" ] || die "add-peer: $1 is not a ledger snapshot (no $SNAPSHOT_METADATA; snapshots are under <peer>/snapshots/completed/<channel>/<block>)"
  jq -er .channel_name "$1/$SNAPSHOT_METADATA" 2>/dev/null || die "add-peer: $1/$SNAPSHOT_METADATA names no channel"
}

# add_peer ORG [SNAPSHOT...]: the next free node of ports.addedPeers for ORG,
# enrolled with the org's CA, started, given the org's chaincode packages,
# joined to each of the org's channels from that channel's snapshot or else
# from its genesis block, and waited for until it is at the first peer's
# height on each. Every argument is checked before anything changes.
add_peer() {
  local org=$1 snap ch node="" candidate t0=$SECONDS; shift
  declare -A from=()
  msp_of "$org" >/dev/null
  for snap in "$@"; do
    ch=$(snapshot_channel "$snap")
    is_member "$org" "$ch" || die "add-peer: $snap is a snapshot of $ch, where $org is not a member (its channels: $(channels_of_org "$org" | tr '\n' ' '))"
    [ -z "${from[$ch]:-}" ] || die "add-peer: two snapshots of $ch given (${from[$ch]} and $snap)"
    from[$ch]=$(cd "$snap" && pwd)
  done
  require_network add-peer
  is_running "peer-$org" || die "add-peer: peer-$org is not running (scripts/network.sh up): the added peer finds its org through it"
  for candidate in "${ADDED_PEER_NODES[@]}"; do [ -d "$NET/nodes/$candidate-$org" ] || { node=$candidate; break; }; done
  [ -n "$node" ] || die "add-peer: $org already runs every peer node the topology names (${ADDED_PEER_NODES[*]}); add one to ports.addedPeers in $TOPOLOGY_FILE"
  local hosts="$node.$org.$DOMAIN,localhost,127.0.0.1"
  [ "$(host_of "$org")" = 127.0.0.1 ] || hosts+=",$(host_of "$org")"
  say "adding $node-$org (peer $(host_of "$org"):$(node_port "$org" "$node" peer))"
  enrol_identity "$org" "$node" peer "$(org_dir "$org")/$node" "$hosts"
  start_peer "$org" "$node"
  wait_until 60 "$node-$org" healthz "$(node_port "$org" "$node" peerOps)" "$(ca_cert "$org")" "$org"
  install_on_added_peer "$org" "$node"
  for ch in $(channels_of_org "$org"); do
    if peer_node_joined "$org" "$node" "$ch"; then :
    elif [ -n "${from[$ch]:-}" ]; then
      as_admin_of "$org" "$node" peer channel joinbysnapshot --snapshotpath "${from[$ch]}" >>"$LOGS/peer-cli.log" 2>&1 ||
        die "add-peer: $node-$org could not join $ch from ${from[$ch]} (see $LOGS/peer-cli.log and $LOGS/$node-$org.log)"
      wait_until 300 "$node-$org joining $ch from its snapshot" joinbysnapshot_done "$org" "$node"
      say "$node-$org joined $ch from the snapshot at block $(jq -r .last_block_number "${from[$ch]}/$SNAPSHOT_METADATA")"
    else
      as_admin_of "$org" "$node" peer channel join -b "$NET/channels/$ch.block" >>"$LOGS/peer-cli.log" 2>&1 ||
        die "add-peer: $node-$org could not join $ch (see $LOGS/peer-cli.log)"
      say "$node-$org joined $ch from its genesis block"
    fi
  done
  for ch in $(channels_of_org "$org"); do
    wait_until 600 "$node-$org catching up on $ch" caught_up "$org" "$node" "$ch" "$(height "$org" peer "$ch")"
    say "$node-$org is at height $(height "$org" "$node" "$ch") on $ch"
  done
  say "$node-$org added in $((SECONDS - t0))s; private data of its org's collections arrives by reconciliation"
  echo "node: $node"
}

peer_node_joined() { as_admin_of "$1" "$2" peer channel list 2>/dev/null | grep -qx "$3"; }
joinbysnapshot_done() { as_admin_of "$1" "$2" peer channel joinbysnapshotstatus 2>/dev/null | grep -q "No joinbysnapshot operation is in progress"; }
caught_up() { [ "$(height "$1" "$2" "$3")" -ge "$4" ]; }

# install_on_added_peer ORG NODE: the org's package of the committed
# generation (and of an upgrade under way) on the node, so that it runs the
# chaincode its org approved, served by the org's chaincode servers.
install_on_added_peer() {
  local org=$1 node=$2
  use_rxtrace_chaincode
  install_chaincode_on "$org" "$node"
  if upgrade_pending && [ -f "$(generation_home "$(upgrade_target)")/$org/package-id" ]; then
    use_rxtrace_generation "$(upgrade_target)"
    install_chaincode_on "$org" "$node"
    use_rxtrace_chaincode
  fi
}

# remove_peer ORG NODE: stops an added peer node and deletes its ledger,
# identity folder and log; its enrolment stays registered with the CA.
remove_peer() {
  local org=$1 node=$2
  msp_of "$org" >/dev/null
  [ "$node" != peer ] || die "remove-peer: peer-$org is the org's first peer (its gateway and the network's commands use it); only added nodes are removed"
  known_peer_node "$node" || die "remove-peer: '$node' is not a peer node of the topology (added nodes: ${ADDED_PEER_NODES[*]})"
  [ -d "$NET/nodes/$node-$org" ] || die "remove-peer: $org runs no $node (its peers: $(peer_nodes "$org" | tr '\n' ' '))"
  stop_processes "$node-$org"
  local identity
  identity=$(org_dir "$org")
  rm -rf "${NET:?}/nodes/$node-$org" "${identity:?}/$node" "$LOGS/$node-$org.log"
  say "$node-$org stopped and removed"
}
