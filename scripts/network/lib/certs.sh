# shellcheck shell=bash
# Certificate expiry and renewal (scripts/network.sh certs): the report of
# every certificate of the network, and the re-enrolment of one org's
# identities with that org's own CA, its nodes restarted one at a time on the
# new certificates. Sourced after topology.sh, processes.sh, pki.sh, nodes.sh
# chaincode.sh and channels.sh. Runbook: docs/operations.md, "Renewing certificates".
#
# Keys: a BFT orderer is known to the channel by its consenter entry (its
# enrolment certificate as Identity, its TLS certificates), and Fabric 3.1
# matches a running orderer to that entry by public key (smartbft
# detectSelfID, the cluster's node authentication; etcdraft compares the TLS
# certificates' public keys). So the orderer's enrolment and TLS keys are
# kept (--csr.keyrequest.reusekey) and the channel configuration stays
# valid without an update. Every other identity gets a new key pair.

# The identity folders of ORG (those that exist), "DIR<TAB>OWNER" a line, in
# the order their nodes restart: orderer, peer, chaincode server, then clients.
org_identities() {
  local org=$1 od entry
  od=$(org_dir "$org")
  runs_orderer "$org" && printf '%s\t%s\n' "$od/orderer" "$(orderer_msp_of "$org")/orderer"
  printf '%s\t%s\n' "$od/peer" "$(msp_of "$org")/peer" "$od/chaincode" "$(msp_of "$org")/chaincode" \
    "$od/apptls" "$(msp_of "$org")/applications" "$od/users/admin" "$(msp_of "$org")/admin"
  for entry in $(users_of "$org"); do printf '%s\t%s\n' "$od/users/${entry%%:*}" "$(msp_of "$org")/${entry%%:*}"; done
}

# certs_inventory: every certificate of the network, "ORG<TAB>KIND<TAB>OWNER<TAB>PATH" a line.
certs_inventory() {
  local org dir owner
  for org in "${ORGS[@]}"; do
    printf '%s\tca\t%s\t%s\n' "$org" "$(msp_of "$org")" "$(ca_cert "$org")"
    [ -f "$NET/ca/$org/tls-cert.pem" ] && printf '%s\tca-tls\t%s\t%s\n' "$org" "$(msp_of "$org")" "$NET/ca/$org/tls-cert.pem"
    printf '%s\tenrolment\t%s\t%s\n' "$org" "$(msp_of "$org")/ca-registrar" "$NET/ca/$org/registrar/msp/signcerts/cert.pem"
    while IFS=$'\t' read -r dir owner; do
      printf '%s\tenrolment\t%s\t%s\n%s\ttls\t%s\t%s\n' "$org" "$owner" "$dir/msp/signcerts/cert.pem" "$org" "$owner" "$dir/tls/server.crt"
    done < <(org_identities "$org")
  done
}

# certs_report [--within DAYS] [--json]: the report; exit 3 when a certificate is due.
certs_report() {
  [ -d "$NET/ca" ] || die "certs: no network in $DATA (scripts/network.sh up first)"
  certs_inventory | (cd "$ROOT" && npx --no-install tsx scripts/network/certs-report.ts "$@")
}

# expires_within FILE SECONDS: the certificate in FILE expires within SECONDS (or is unreadable).
expires_within() { ! openssl x509 -checkend "$2" -noout -in "$1" >/dev/null 2>&1; }

# not_after FILE: the certificate's notAfter, ISO 8601.
not_after() { date -u -d "$(openssl x509 -enddate -noout -in "$1" | cut -d= -f2)" +%FT%TZ; }

# The SANs of a certificate, comma-separated, for the renewed one to keep them.
sans_of() {
  openssl x509 -noout -ext subjectAltName -in "$1" 2>/dev/null | tail -n +2 | tr -d ' ' | tr ',' '\n' |
    sed -n -e 's/^DNS://p' -e 's/^IPAddress://p' | paste -sd, -
}

# reenrol ORG CERT KEY PROFILE REUSE: re-enrols the identity whose certificate
# and key are CERT and KEY (the CA checks the request is signed with KEY), with
# the CA's PROFILE ("" for enrolment certificates, tls) and the same SANs.
# Writes CERT.new and KEY.new (KEY.new the same key when REUSE is yes); the
# caller puts them in place.
reenrol() {
  local org=$1 cert=$2 key=$3 profile=$4 reuse=$5 work args=()
  work=$(mktemp -d "$NET/ca/$org/reenrol.XXXXXX")
  mkdir -p "$work/msp/signcerts" "$work/msp/keystore"
  cp "$cert" "$work/msp/signcerts/cert.pem"
  (umask 077 && cp "$key" "$work/msp/keystore/current_sk")
  args=(--csr.hosts "$(sans_of "$cert")")
  [ -n "$profile" ] && args+=(--enrollment.profile "$profile")
  [ "$reuse" = yes ] && args+=(--csr.keyrequest.reusekey)
  if ! FABRIC_CA_CLIENT_HOME="$work" on_host "$org" fabric-ca-client reenroll --caname "ca-$org" \
    --tls.certfiles "$(ca_cert "$org")" -u "https://127.0.0.1:$(ca_port "$org")" -M "$work/msp" "${args[@]}" >>"$LOGS/ca-client.log" 2>&1; then
    rm -rf "$work"
    return 1
  fi
  cp "$work/msp/signcerts/cert.pem" "$cert.new"
  if [ "$reuse" = yes ]; then
    (umask 077 && cp "$key" "$key.new")
  else
    (umask 077 && cp "$(find "$work/msp/keystore" -name '*_sk' ! -name current_sk | head -n 1)" "$key.new")
  fi
  rm -rf "$work"
}

# renew_identity ORG DIR REUSE: new enrolment and TLS certificates for the
# identity in DIR, moved in place only once both are issued.
renew_identity() {
  local org=$1 dir=$2 reuse=$3
  if ! { reenrol "$org" "$dir/msp/signcerts/cert.pem" "$dir/msp/keystore/key.pem" "" "$reuse" &&
    reenrol "$org" "$dir/tls/server.crt" "$dir/tls/server.key" tls "$reuse"; }; then
    rm -f "$dir"/msp/signcerts/cert.pem.new "$dir"/msp/keystore/key.pem.new "$dir"/tls/server.*.new
    die "re-enrolment of $dir at ca-$org failed (see $LOGS/ca-client.log); nothing of it was changed"
  fi
  local f
  for f in msp/keystore/key.pem msp/signcerts/cert.pem tls/server.key tls/server.crt; do mv "$dir/$f.new" "$dir/$f"; done
  chmod 600 "$dir/msp/keystore/key.pem" "$dir/tls/server.key"
}

# restart_node NAME: stops the node and starts it again on the files now in place, then waits for it.
restart_node() {
  local name=$1 org=${1#*-}
  stop_processes "$name"
  case ${name%%-*} in
    orderer) start_orderer "$org"; wait_until 60 "$name" healthz "$(orderer_ops_port "$org")" "$(ca_cert "$org")" "$org" ;;
    peer)
      start_peer "$org"; wait_until 60 "$name" healthz "$(peer_ops_port "$org")" "$(ca_cert "$org")" "$org"
      # A restarted peer has a new gossip identity: writes through it need
      # it and its channels' other peers to know each other again.
      local ch o
      for ch in $(channels_of_org "$org"); do
        for o in $(channel_orgs "$ch"); do wait_until 90 "gossip of peer-$o on $ch" members_seen "$o" "$ch"; done
        # and the peer's gateway plans endorsements only once it knows where the chaincode is installed.
        wait_until 90 "endorsers of $CHAINCODE_NAME on $ch seen by peer-$org" endorsers_found "$org" "$ch"
      done ;;
    chaincode) use_rxtrace_chaincode; start_chaincode_server "$org"; wait_until 60 "$name" port_open "$(cc_port "$org")" "$org" ;;
  esac
}

# endorsers_found ORG CHANNEL: ORG's peer finds a set of peers that satisfies
# the chaincode's endorsement policy on CHANNEL (what its gateway needs to take a write).
endorsers_found() {
  local org=$1 ch=$2 od
  od=$(org_dir "$org")
  on_host "$org" discover --peerTLSCA "$(ca_cert "$org")" --userKey "$od/users/admin/msp/keystore/key.pem" \
    --userCert "$od/users/admin/msp/signcerts/cert.pem" --MSP "$(msp_of "$org")" \
    --tlsCert "$od/users/admin/tls/server.crt" --tlsKey "$od/users/admin/tls/server.key" \
    endorsers --channel "$ch" --chaincode "$CHAINCODE_NAME" --server "$(host_of "$org"):$(peer_port "$org")" 2>/dev/null |
    jq -e 'length > 0 and (.[0].Layouts | length > 0)' >/dev/null 2>&1
}

# certs_renew ORG [--within DAYS]: re-enrols every identity of ORG whose
# enrolment or TLS certificate expires within DAYS (default 30) with ORG's
# CA, then restarts ORG's renewed nodes one at a time.
certs_renew() {
  local org="" within=30 t0=$SECONDS
  while [ $# -gt 0 ]; do
    case $1 in
      --within)
        if [ $# -lt 2 ] || ! [[ $2 =~ ^[0-9]+(\.[0-9]+)?$ ]]; then die "certs renew: --within takes a number of days (e.g. 30 or 0.5)"; fi
        within=$2; shift 2 ;;
      -*) die "certs renew: unknown option '$1' (usage: scripts/network.sh certs renew ORG [--within DAYS])" ;;
      *) [ -z "$org" ] || die "certs renew: one org at a time (got '$org' and '$1')"; org=$1; shift ;;
    esac
  done
  [ -n "$org" ] || die "certs renew: name the org (one of ${ORGS[*]})"
  [ -n "${TOPO_MSP[$org]:-}" ] || die "certs renew: unknown org '$org' (one of ${ORGS[*]})"
  require_network "certs renew"
  local seconds dir owner due=() soonest="" f
  seconds=$(awk -v d="$within" 'BEGIN { printf "%d", d * 86400 }')
  while IFS=$'\t' read -r dir owner; do
    [ -f "$dir/msp/signcerts/cert.pem" ] || continue
    for f in "$dir/msp/signcerts/cert.pem" "$dir/tls/server.crt"; do
      if expires_within "$f" "$seconds"; then due+=("$dir"$'\t'"$owner"); break; fi
      [ -n "$soonest" ] && [ "$(not_after "$f")" \> "${soonest%% *}" ] || soonest="$(not_after "$f") $owner"
    done
  done < <(org_identities "$org")
  local registrar="$NET/ca/$org/registrar" renew_registrar=no
  if [ -f "$registrar/msp/signcerts/cert.pem" ] && expires_within "$registrar/msp/signcerts/cert.pem" "$seconds"; then
    renew_registrar=yes
  fi
  # The CA's TLS certificate (fabric-ca-server makes it from the CA's key
  # chain at start when the file is missing; clients trust the CA certificate).
  local ca_tls="$NET/ca/$org/tls-cert.pem" renew_ca_tls=no
  [ -f "$ca_tls" ] && expires_within "$ca_tls" "$seconds" && renew_ca_tls=yes
  [ ${#due[@]} -gt 0 ] || [ $renew_registrar = yes ] || [ $renew_ca_tls = yes ] || die "certs renew: nothing of $org expires within $within days (the soonest: ${soonest#* } on ${soonest%% *}); nothing changed"
  ca_ready "$org" || die "certs renew: ca-$org does not answer on port $(ca_port "$org") (scripts/network.sh up starts it); nothing changed"

  if [ $renew_ca_tls = yes ]; then
    say "restarting ca-$org for a new TLS certificate"
    stop_processes "ca-$org"
    mv "$ca_tls" "$ca_tls.old"
    start_ca "$org"
    wait_until 30 "ca-$org" ca_ready "$org"
    rm -f "$ca_tls.old"
  fi
  say "renewing ${#due[@]} identities of $org with ca-$org"
  local entry reuse restart=() before
  if [ $renew_registrar = yes ]; then
    # The CA's own registrar (its bootstrap admin) keeps its key in its client home.
    FABRIC_CA_CLIENT_HOME="$registrar" on_host "$org" fabric-ca-client reenroll --caname "ca-$org" --csr.keyrequest.reusekey \
      --tls.certfiles "$(ca_cert "$org")" -u "https://127.0.0.1:$(ca_port "$org")" >>"$LOGS/ca-client.log" 2>&1 ||
      die "re-enrolment of the ca-$org registrar failed (see $LOGS/ca-client.log)"
    say "  $(msp_of "$org")/ca-registrar: notAfter now $(not_after "$registrar/msp/signcerts/cert.pem")"
  fi
  for entry in "${due[@]}"; do
    dir=${entry%%$'\t'*}; owner=${entry#*$'\t'}
    reuse=no
    [ "$dir" = "$(org_dir "$org")/orderer" ] && reuse=yes
    before=$(not_after "$dir/tls/server.crt")
    renew_identity "$org" "$dir" "$reuse"
    say "  $owner: notAfter $before -> $(not_after "$dir/tls/server.crt")$([ $reuse = yes ] && echo ' (key kept: BFT consenter)')"
    case ${dir##*/} in
      orderer | peer) restart+=("${dir##*/}-$org") ;;
      chaincode) restart+=("chaincode-$org") ;;
    esac
  done
  local name
  for name in "${restart[@]}"; do
    say "restarting $name on its new certificates"
    restart_node "$name"
  done
  say "renewed ${#due[@]} identities$([ $renew_registrar = yes ] && echo ' and the CA registrar') of $org in $((SECONDS - t0))s; restart $org's gateway for it to sign with its users' new certificates"
}
