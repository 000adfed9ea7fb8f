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

# config_holds ORG CHANNEL JQ: the channel's configuration, as one of the
# orderers serves it to ORG's admin, satisfies JQ.
config_holds() {
  local dir
  dir=$(mktemp -d)
  if fetch_config "$1" "$2" "$dir" "$3"; then rm -rf "$dir"; return 0; fi
  rm -rf "$dir"
  return 1
}
has_member() { config_holds "$REGISTRAR" "$1" ".channel_group.groups.Application.groups | has(\"$2\")"; }
has_anchor_peer() { config_holds "$1" "$2" ".channel_group.groups.Application.groups[\"$(msp_of "$1")\"].values | has(\"AnchorPeers\")"; }

# fetch_config ORG CHANNEL DIR [JQ]: the channel's configuration as JSON in
# DIR/config.json, asked of one orderer after another until one answers (and,
# with JQ, serves a configuration in which JQ holds: an orderer back from a
# partition serves an old one until it has caught up).
fetch_config() {
  local org=$1 ch=$2 dir=$3 want=${4:-true} t
  for t in $(orderer_targets "$org"); do
    # shellcheck disable=SC2046
    as_admin "$org" peer channel fetch config "$dir/config.pb" -c "$ch" $(ORDERER_VIA=$t orderer_opts "$org") >>"$LOGS/peer-cli.log" 2>&1 || continue
    configtxlator proto_decode --input "$dir/config.pb" --type common.Block --output "$dir/config-block.json" || continue
    jq '.data.data[0].payload.data.config' "$dir/config-block.json" >"$dir/config.json"
    jq -e "$want" "$dir/config.json" >/dev/null && return 0
  done
  return 1
}

# submit_config_update ORG CHANNEL FILE: ORG's admin submits the signed
# configuration update FILE (through the orderer ORDERER_VIA names).
submit_config_update() {
  # shellcheck disable=SC2046
  as_admin "$1" peer channel update -f "$3" -c "$2" $(orderer_opts "$1") >>"$LOGS/peer-cli.log" 2>&1
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
  through_orderers "$o" "the update adding $msp to $ch" has_member "$ch" "$msp" -- submit_config_update "$o" "$ch" "$dir/update.pb" ||
    die "join: the update adding $msp to $ch was refused or not ordered by any orderer (see $LOGS/peer-cli.log)"
  say "$msp added to $ch, signed by the admins of $(for o in "${signers[@]}"; do msp_of "$o"; done | paste -sd, | sed 's/,/, /g') (${#signers[@]} of ${#current[@]})"
}

# set_anchor_peer ORG CHANNEL: ORG's admin names its peer the org's anchor peer on the channel.
set_anchor_peer() {
  local org=$1 ch=$2 msp dir
  msp=$(msp_of "$org")
  dir="$NET/join/$org/$ch/anchor"
  mkdir -p "$dir"
  # The configuration that has ORG's group: an orderer that has not caught up yet serves one without it.
  wait_until 60 "a configuration of $ch naming $msp" fetch_config "$org" "$ch" "$dir" ".channel_group.groups.Application.groups | has(\"$msp\")"
  has_anchor_peer "$org" "$ch" && return 0
  jq --arg m "$msp" --arg h "$(host_of "$org")" --argjson p "$(peer_port "$org")" \
    '.channel_group.groups.Application.groups[$m].values.AnchorPeers = {mod_policy: "Admins", value: {anchor_peers: [{host: $h, port: $p}]}, version: "0"}' \
    "$dir/config.json" >"$dir/modified.json"
  config_update "$ch" "$dir"
  through_orderers "$org" "the anchor peer update of $msp on $ch" has_anchor_peer "$org" "$ch" -- submit_config_update "$org" "$ch" "$dir/update.pb" ||
    die "join: the anchor peer update of $msp on $ch was refused or not ordered by any orderer (see $LOGS/peer-cli.log)"
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
