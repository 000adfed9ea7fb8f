# shellcheck shell=bash
# A member joins the running consortium (scripts/network.sh join ORG). The
# operator first adds ORG to the topology (its org entry, and its name to the
# orgs and tradingPartners of each channel it joins; not to ordering: it
# orders through the existing orderers). Then, for ORG:
#   1. its CA starts and issues its identities; its peer starts;
#   2. each channel's configuration gains ORG's MSP: an update signed by a
#      majority of the channel's current members' admins (the Application
#      group's Admins policy is MAJORITY Admins), ORG's peer joins, and ORG's
#      admin sets its anchor peer (its own group's Admins policy);
#   3. ORG installs the chaincode, starts its chaincode server and approves
#      the definition committed now (the same sequence, policy and
#      collections, kept in the generation's definition/ folder);
#   4. the registrar (regulator) registers ORG as a trading partner;
#   5. a new definition sequence (scripts/network.sh upgrade: every member
#      approves, one commits) adds ORG's trading-pair collections and names
#      ORG's peer in the chaincode-level endorsement policy.
# Every step is idempotent: run again, join resumes where it stopped.
# Sourced after publish.sh and upgrade.sh.

# channel_msps CHANNEL: the MSP ids of the channel's application orgs in its
# current configuration, as the registrar's peer sees it.
channel_msps() {
  local dir
  dir=$(mktemp -d)
  fetch_config "$REGISTRAR" "$1" "$dir" && jq -r '.channel_group.groups.Application.groups | keys[]' "$dir/config.json"
  rm -rf "$dir"
}

# fetch_config ORG CHANNEL DIR: the channel's current configuration as JSON in DIR/config.json.
fetch_config() {
  local org=$1 ch=$2 dir=$3
  # shellcheck disable=SC2046
  as_admin "$org" peer channel fetch config "$dir/config.pb" -c "$ch" $(orderer_opts "$org") >>"$LOGS/peer-cli.log" 2>&1 || return 1
  configtxlator proto_decode --input "$dir/config.pb" --type common.Block --output "$dir/config-block.json"
  jq '.data.data[0].payload.data.config' "$dir/config-block.json" >"$dir/config.json"
}

# config_update CHANNEL DIR: the envelope DIR/update.pb that turns DIR/config.json into DIR/modified.json.
config_update() {
  local ch=$1 dir=$2
  configtxlator proto_encode --input "$dir/config.json" --type common.Config --output "$dir/config.pb"
  configtxlator proto_encode --input "$dir/modified.json" --type common.Config --output "$dir/modified.pb"
  configtxlator compute_update --channel_id "$ch" --original "$dir/config.pb" --updated "$dir/modified.pb" --output "$dir/update.pb"
  configtxlator proto_decode --input "$dir/update.pb" --type common.ConfigUpdate --output "$dir/update.json"
  jq -n --arg ch "$ch" --slurpfile u "$dir/update.json" \
    '{payload: {header: {channel_header: {channel_id: $ch, type: 2}}, data: {config_update: $u[0]}}}' >"$dir/envelope.json"
  configtxlator proto_encode --input "$dir/envelope.json" --type common.Envelope --output "$dir/update.pb"
}

# org_definition ORG DIR: ORG's MSP group as a channel configuration holds it
# (configtxgen -printOrg), with the same policies as the founding orgs'.
org_definition() {
  local org=$1 dir=$2 msp
  msp=$(msp_of "$org")
  cat >"$dir/configtx.yaml" <<EOF
Organizations:
  - Name: $msp
    ID: $msp
    MSPDir: $(org_dir "$org")/msp
    Policies:
      Readers: { Type: Signature, Rule: "OR('$msp.admin', '$msp.peer', '$msp.client')" }
      Writers: { Type: Signature, Rule: "OR('$msp.admin', '$msp.client')" }
      Admins: { Type: Signature, Rule: "OR('$msp.admin')" }
      Endorsement: { Type: Signature, Rule: "OR('$msp.peer')" }
EOF
  configtxgen -configPath "$dir" -printOrg "$msp" >"$dir/org.json" 2>>"$LOGS/configtxgen.log" || die "configtxgen -printOrg $msp failed (see $LOGS/configtxgen.log)"
}

# add_to_channel ORG CHANNEL: the channel's configuration gains ORG's MSP,
# signed by a majority of the current members' admins, the registrar first.
add_to_channel() {
  local org=$1 ch=$2 msp dir current=() signers=() o needed
  msp=$(msp_of "$org")
  dir="$NET/join/$org/$ch"
  mkdir -p "$dir"
  fetch_config "$REGISTRAR" "$ch" "$dir" || die "join: the configuration of $ch could not be fetched (see $LOGS/peer-cli.log)"
  if jq -e --arg m "$msp" '.channel_group.groups.Application.groups | has($m)' "$dir/config.json" >/dev/null; then
    say "$msp is already a member of $ch"
    return 0
  fi
  mapfile -t current < <(jq -r '.channel_group.groups.Application.groups | keys[]' "$dir/config.json")
  org_definition "$org" "$dir"
  jq --arg m "$msp" --slurpfile o "$dir/org.json" '.channel_group.groups.Application.groups[$m] = $o[0]' "$dir/config.json" >"$dir/modified.json"
  config_update "$ch" "$dir"
  needed=$((${#current[@]} / 2 + 1))
  signers=("$REGISTRAR")
  for o in $(channel_orgs "$ch"); do
    [ ${#signers[@]} -lt "$needed" ] || break
    [ "$o" != "$REGISTRAR" ] && [ "$o" != "$org" ] && printf '%s\n' "${current[@]}" | grep -qx "$(msp_of "$o")" && signers+=("$o")
  done
  [ ${#signers[@]} -ge "$needed" ] || die "join: $ch has ${#current[@]} members; $needed admins must sign and only ${signers[*]} can here"
  # Each signer but the last signs the envelope; the last signs and submits it.
  for o in "${signers[@]:0:${#signers[@]}-1}"; do
    as_admin "$o" peer channel signconfigtx -f "$dir/update.pb" >>"$LOGS/peer-cli.log" 2>&1 || die "join: $(msp_of "$o") could not sign the update of $ch (see $LOGS/peer-cli.log)"
  done
  o=${signers[${#signers[@]}-1]}
  # shellcheck disable=SC2046
  as_admin "$o" peer channel update -f "$dir/update.pb" -c "$ch" $(orderer_opts "$o") >>"$LOGS/peer-cli.log" 2>&1 ||
    die "join: the update adding $msp to $ch was refused (see $LOGS/peer-cli.log)"
  wait_until 60 "$msp in the configuration of $ch" has_member "$ch" "$msp"
  say "$msp added to $ch, signed by the admins of $(for o in "${signers[@]}"; do msp_of "$o"; done | paste -sd, | sed 's/,/, /g') (${#signers[@]} of ${#current[@]})"
}
has_member() { channel_msps "$1" | grep -qx "$2"; }

# set_anchor_peer ORG CHANNEL: ORG's admin names its peer the org's anchor peer on the channel.
set_anchor_peer() {
  local org=$1 ch=$2 msp dir
  msp=$(msp_of "$org")
  dir="$NET/join/$org/$ch/anchor"
  mkdir -p "$dir"
  fetch_config "$org" "$ch" "$dir" || die "join: $org could not fetch the configuration of $ch (see $LOGS/peer-cli.log)"
  if jq -e --arg m "$msp" '.channel_group.groups.Application.groups[$m].values | has("AnchorPeers")' "$dir/config.json" >/dev/null; then return 0; fi
  jq --arg m "$msp" --arg h "$(host_of "$org")" --argjson p "$(peer_port "$org")" \
    '.channel_group.groups.Application.groups[$m].values.AnchorPeers = {mod_policy: "Admins", value: {anchor_peers: [{host: $h, port: $p}]}, version: "0"}' \
    "$dir/config.json" >"$dir/modified.json"
  config_update "$ch" "$dir"
  # shellcheck disable=SC2046
  as_admin "$org" peer channel update -f "$dir/update.pb" -c "$ch" $(orderer_opts "$org") >>"$LOGS/peer-cli.log" 2>&1 ||
    die "join: the anchor peer update of $msp on $ch was refused (see $LOGS/peer-cli.log)"
  say "$msp's anchor peer on $ch is $(host_of "$org"):$(peer_port "$org")"
}

# counted_in_definition ORG: the committed generation's definition names ORG's
# peers in its policy on each of ORG's channels (its collections came with it).
counted_in_definition() {
  local ch
  for ch in $(channels_of_org "$1"); do grep -q "'$(msp_of "$1").peer'" "$(definition_file "$ch" policy)" || return 1; done
}

# join_member ORG: the steps above, in order.
join_member() {
  local org=$1 ch t0=$SECONDS
  msp_of "$org" >/dev/null
  require_network join
  runs_orderer "$org" && die "join: $org is in the topology's ordering list; a joining member orders through the existing orderers (adding a consenter is another change)"
  [ -n "$(channels_of_org "$org")" ] || die "join: $org is a member of no channel in $TOPOLOGY_FILE; add it to the orgs (and tradingPartners) of the channels it joins"
  upgrade_pending && die "join: an upgrade to sequence $(($(upgrade_target) + 1)) is under way; finish it (scripts/network.sh upgrade) first"
  say "$org ($(msp_of "$org")) joins $(channels_of_org "$org" | paste -sd' ')"
  render_config
  start_ca "$org"
  wait_until 30 "ca-$org" ca_ready "$org"
  enrol_org "$org"
  start_peer "$org"
  wait_until 60 "peer-$org" healthz "$(peer_ops_port "$org")" "$(ca_cert "$org")" "$org"
  for ch in $(channels_of_org "$org"); do
    add_to_channel "$org" "$ch"
    if ! peer_joined "$org" "$ch"; then
      as_admin "$org" peer channel join -b "$NET/channels/$ch.block" >>"$LOGS/peer-cli.log" 2>&1 || die "join: peer-$org could not join $ch (see $LOGS/peer-cli.log)"
      say "peer-$org joined $ch"
    fi
    set_anchor_peer "$org" "$ch"
  done
  use_rxtrace_chaincode
  package_chaincode "$org"
  install_chaincode "$org"
  start_chaincode_server "$org"
  wait_until 60 "chaincode-$org" port_open "$(cc_port "$org")" "$org"
  for ch in $(channels_of_org "$org"); do
    wait_until 300 "peer-$org catching up on $ch" caught_up "$org" peer "$ch" "$(height "$REGISTRAR" peer "$ch")"
    approve_on_channel_as "$ch:$org"
    wait_until 60 "sequence $CC_SEQUENCE on peer-$org ($ch)" committed "$ch" "$org"
  done
  write_network_json
  for ch in $(channels_of_org "$org"); do
    local member
    for member in $(channel_orgs "$ch"); do wait_until 90 "gossip of peer-$member on $ch" members_seen "$member" "$ch"; done
    register_partner "$ch" "$org" || die "join: registering $(msp_of "$org") on $ch failed (see $PARTNERS_LOG)"
  done
  if counted_in_definition "$org"; then
    say "the committed definition (sequence $CC_SEQUENCE) already counts $(msp_of "$org") and defines its collections"
  else
    say "$org is a member; the definition's next sequence adds its trading-pair collections"
    cmd_upgrade
  fi
  say "$org joined in $((SECONDS - t0))s"
}
