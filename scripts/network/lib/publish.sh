# shellcheck shell=bash
# What the network publishes once it is up: the partner registry entries and
# $RXTRACE_DATA/network.json for clients. Sourced after nodes.sh.
# ---------------------------------------------------------------- partners
# After deployment the registrar (the topology's regulator) registers the
# trading partners of each channel through the chaincode
# (docs/chaincode-api.md, partners:RegisterPartner): first itself, then the
# channel's other members. Idempotent: a partner already registered is left alone.
PARTNERS_LOG="$LOGS/partners.log"

# as_registrar COMMAND...: a peer CLI command as the registrar's admin.
as_registrar() { as_admin "$REGISTRAR" "$@"; }

# register_partner CHANNEL ORG: endorsed by the registrar's peer and one other
# member's, since a new key needs two orgs' peers.
register_partner() {
  local ch=$1 org=$2
  registered "$ch" "$org" && return 0
  through_orderers "$REGISTRAR" "the registration of $(msp_of "$org") on $ch" registered "$ch" "$org" -- register_tx "$ch" "$org" ||
    { echo "network: registering $(msp_of "$org") on $ch failed (see $PARTNERS_LOG)" >&2; return 1; }
  say "$(msp_of "$org") registered as $(partner_role_of "$org") on $ch"
}
registered() {
  as_registrar peer chaincode query -C "$1" -n "$CHAINCODE_NAME" -c "$(jq -cn --arg m "$(msp_of "$2")" '{Args: ["partners:GetPartner", $m]}')" >>"$PARTNERS_LOG" 2>&1
}
register_tx() {
  local ch=$1 org=$2 msp args witness o
  for o in $(channel_orgs "$ch"); do [ "$o" = "$REGISTRAR" ] || { witness=$o; break; }; done
  msp=$(msp_of "$org")
  args=$(jq -cn --arg m "$msp" --arg n "$(partner_name_of "$org")" --arg r "$(partner_role_of "$org")" \
    '{Args: ["partners:RegisterPartner", ({mspId: $m, name: $n, role: $r} | tojson)]}')
  # shellcheck disable=SC2046
  as_registrar peer chaincode invoke -C "$ch" -n "$CHAINCODE_NAME" -c "$args" $(orderer_opts "$REGISTRAR") \
    --peerAddresses "$(host_of "$REGISTRAR"):$(peer_port "$REGISTRAR")" --tlsRootCertFiles "$(ca_cert "$REGISTRAR")" \
    --peerAddresses "$(host_of "$witness"):$(peer_port "$witness")" --tlsRootCertFiles "$(ca_cert "$witness")" \
    --waitForEvent >>"$PARTNERS_LOG" 2>&1
}

register_partners() {
  local ch org
  # The chaincode in use may not have the partners contract yet (early builds):
  # then there is nothing to register and up goes on, saying so.
  if ! as_registrar peer chaincode query -C "${CHANNELS[0]}" -n "$CHAINCODE_NAME" -c '{"Args":["partners:ListPartners"]}' >>"$PARTNERS_LOG" 2>&1; then
    if tail -n 1 "$PARTNERS_LOG" | grep -qi "not found\|does not exist\|no such"; then
      say "the deployed chaincode has no partners:ListPartners; partners not registered"
      return 0
    fi
    die "the chaincode does not answer partners:ListPartners (see $PARTNERS_LOG)"
  fi
  for ch in "${CHANNELS[@]}"; do
    register_partner "$ch" "$REGISTRAR" || die "registering the trading partners failed (see $PARTNERS_LOG)"
    for org in $(channel_orgs "$ch"); do
      [ "$org" = "$REGISTRAR" ] || register_partner "$ch" "$org" || die "registering the trading partners failed (see $PARTNERS_LOG)"
    done
  done
}

# ---------------------------------------------------------------- network.json
write_network_json() {
  local org od users entry orgs_json="[]" orderers_json="[]" channels_json="[]" ch
  for org in "${ORGS[@]}"; do
    od=$(org_dir "$org")
    users="[]"
    for entry in $(users_of "$org"); do
      users=$(jq --arg n "${entry%%:*}" --arg r "${entry#*:}" --arg d "$od/users/${entry%%:*}" \
        '. + [{name: $n, role: $r, certPath: ($d + "/msp/signcerts/cert.pem"), keyPath: ($d + "/msp/keystore/key.pem"),
               tlsCertPath: ($d + "/tls/server.crt"), tlsKeyPath: ($d + "/tls/server.key")}]' <<<"$users")
    done
    orgs_json=$(jq --arg name "$org" --arg msp "$(msp_of "$org")" --arg ep "$(host_of "$org"):$(peer_port "$org")" \
      --arg host "peer.$org.$DOMAIN" --arg ca "$(ca_cert "$org")" --arg od "$od" --argjson users "$users" \
      '. + [{name: $name, mspId: $msp,
             peer: {endpoint: $ep, hostOverride: $host, tlsCaCertPath: $ca},
             clientTls: {certPath: ($od + "/apptls/tls/server.crt"), keyPath: ($od + "/apptls/tls/server.key")},
             users: $users,
             admin: {name: "admin", role: "admin", certPath: ($od + "/users/admin/msp/signcerts/cert.pem"),
                     keyPath: ($od + "/users/admin/msp/keystore/key.pem"),
                     tlsCertPath: ($od + "/users/admin/tls/server.crt"), tlsKeyPath: ($od + "/users/admin/tls/server.key")}}]' <<<"$orgs_json")
    runs_orderer "$org" && orderers_json=$(jq --arg name "$org" --arg msp "$(orderer_msp_of "$org")" --arg ep "$(host_of "$org"):$(orderer_port "$org")" \
      --arg host "orderer.$org.$DOMAIN" --arg ca "$(ca_cert "$org")" \
      '. + [{name: $name, mspId: $msp, endpoint: $ep, hostOverride: $host, tlsCaCertPath: $ca}]' <<<"$orderers_json")
  done
  for ch in "${CHANNELS[@]}"; do
    local msps=()
    for org in $(channel_orgs "$ch"); do msps+=("$(msp_of "$org")"); done
    channels_json=$(jq --arg n "$ch" --args '. + [{name: $n, orgs: $ARGS.positional}]' "${msps[@]}" <<<"$channels_json")
  done
  jq -n --argjson channels "$channels_json" --argjson orgs "$orgs_json" --argjson orderers "$orderers_json" \
    --arg cc "$CHAINCODE_NAME" --argjson mtls "$MUTUAL_TLS" \
    '{channels: $channels, chaincode: $cc, mutualTls: $mtls, orgs: $orgs, orderers: $orderers}' >"$DATA/network.json.tmp"
  mv "$DATA/network.json.tmp" "$DATA/network.json"
}

