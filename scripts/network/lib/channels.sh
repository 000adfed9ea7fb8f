# shellcheck shell=bash
# Channels: genesis blocks, orderers and peers joining them, and gossip among
# their members. Sourced after nodes.sh.
create_channels() {
  local ch org od
  mkdir -p "$NET/channels"
  for ch in "${CHANNELS[@]}"; do
    if [ ! -f "$NET/channels/$ch.block" ]; then
      local profile
      profile=$(channel_profile "$ch")
      [ "$ORDERING" = raft ] && profile+=Raft
      configtxgen -configPath "$NET/config" -profile "$profile" -channelID "$ch" \
        -outputBlock "$NET/channels/$ch.block.tmp" >>"$LOGS/configtxgen.log" 2>&1 || die "configtxgen failed for $ch (see $LOGS/configtxgen.log)"
      mv "$NET/channels/$ch.block.tmp" "$NET/channels/$ch.block"
    fi
    # Every orderer joins every channel: the consortium orders together.
    for org in "${ORDERER_ORGS[@]}"; do
      od=$(org_dir "$org")
      local osn=(-o "127.0.0.1:$(orderer_admin_port "$org")" --ca-file "$(ca_cert "$org")"
        --client-cert "$od/users/admin/tls/server.crt" --client-key "$od/users/admin/tls/server.key")
      local info
      info=$(on_host "$org" osnadmin channel list "${osn[@]}" -c "$ch" 2>/dev/null || true)
      if ! grep -q '"status": "active"\|"status": "onboarding"' <<<"$info"; then
        on_host "$org" osnadmin channel join "${osn[@]}" --channelID "$ch" --config-block "$NET/channels/$ch.block" >>"$LOGS/osnadmin.log" 2>&1 ||
          die "orderer-$org could not join $ch (see $LOGS/osnadmin.log)"
        say "orderer-$org joined $ch"
      fi
    done
  done
}

peer_joined() {
  local list
  list=$(as_admin "$1" peer channel list 2>/dev/null) || return 1
  grep -qx "$2" <<<"$list"
}

join_peers() {
  local ch org
  for ch in "${CHANNELS[@]}"; do
    for org in $(channel_orgs "$ch"); do
      peer_joined "$org" "$ch" && continue
      as_admin "$org" peer channel join -b "$NET/channels/$ch.block" >>"$LOGS/peer-cli.log" 2>&1 ||
        die "peer-$org could not join $ch (see $LOGS/peer-cli.log)"
      say "peer-$org joined $ch"
    done
  done
}


# ---------------------------------------------------------------- gossip
# members_seen ORG CHANNEL: the org's peer discovers a peer of every member org
# of the channel. Endorsements that need several orgs (state-based policies)
# fail until gossip has found them, so up waits for this.
members_seen() {
  local org=$1 ch=$2 od want got
  od=$(org_dir "$org")
  want=$(for o in $(channel_orgs "$ch"); do msp_of "$o"; done | sort | tr '\n' ' ')
  got=$(on_host "$org" discover --peerTLSCA "$(ca_cert "$org")" --userKey "$od/users/admin/msp/keystore/key.pem" \
    --userCert "$od/users/admin/msp/signcerts/cert.pem" --MSP "$(msp_of "$org")" \
    --tlsCert "$od/users/admin/tls/server.crt" --tlsKey "$od/users/admin/tls/server.key" \
    peers --channel "$ch" --server "$(host_of "$org"):$(peer_port "$org")" 2>/dev/null | jq -r '.[].MSPID' 2>/dev/null | sort -u | tr '\n' ' ')
  [ "$got" = "$want" ]
}

wait_for_gossip() {
  local ch org
  for ch in "${CHANNELS[@]}"; do
    for org in $(channel_orgs "$ch"); do wait_until 90 "gossip of peer-$org on $ch" members_seen "$org" "$ch"; done
  done
}

