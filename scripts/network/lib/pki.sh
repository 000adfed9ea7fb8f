# shellcheck shell=bash
# The org CAs and every identity they issue (nodes, admins, users), enrolled
# once and kept, so up resumes. Sourced after topology.sh and processes.sh.
start_ca() {
  local org=$1 home="$NET/ca/$1"
  mkdir -p "$home"
  chmod 700 "$home"
  if [ ! -f "$home/bootstrap.secret" ]; then
    (umask 077 && openssl rand -hex 16 >"$home/bootstrap.secret")
  fi
  # Secrets go through the environment, never the command line (ps shows that).
  # RXTRACE_CA_CERT_EXPIRY (a duration such as 20m) shortens what the CA
  # issues, enrolment and TLS alike; only the certificate renewal test sets it.
  local expiry=()
  [ -z "${RXTRACE_CA_CERT_EXPIRY:-}" ] || expiry=(FABRIC_CA_SERVER_SIGNING_DEFAULT_EXPIRY="$RXTRACE_CA_CERT_EXPIRY" FABRIC_CA_SERVER_SIGNING_PROFILES_TLS_EXPIRY="$RXTRACE_CA_CERT_EXPIRY")
  start_process "ca-$org" env FABRIC_CA_SERVER_HOME="$home" "${expiry[@]}" \
    FABRIC_CA_SERVER_OPERATIONS_LISTENADDRESS="127.0.0.1:$(ca_ops_port "$org")" \
    FABRIC_CA_SERVER_BOOT="admin:$(cat "$home/bootstrap.secret")" \
    fabric-ca-server start \
    --address 127.0.0.1 --port "$(ca_port "$org")" --ca.name "ca-$org" \
    --csr.cn "ca.$org.$DOMAIN" --csr.hosts "ca.$org.$DOMAIN,localhost,127.0.0.1" \
    --tls.enabled
}

ca_ready() { [ -f "$(ca_cert "$1")" ] && on_host "$1" curl -fsS --max-time 2 --cacert "$(ca_cert "$1")" "https://127.0.0.1:$(ca_port "$1")/cainfo" >/dev/null; }

# ca_client ORG ARGS...: fabric-ca-client as the org's CA registrar.
ca_client() {
  local org=$1; shift
  FABRIC_CA_CLIENT_HOME="$NET/ca/$org/registrar" on_host "$org" fabric-ca-client "$@" \
    --tls.certfiles "$(ca_cert "$org")" -u "https://127.0.0.1:$(ca_port "$org")" --caname "ca-$org"
}

# Writes the NodeOUs config that classifies identities by OU (client, peer,
# admin, orderer) for an MSP folder whose CA certificate is cacerts/ca.pem.
write_nodeous() {
  cat >"$1/config.yaml" <<'EOF'
NodeOUs:
  Enable: true
  ClientOUIdentifier:
    Certificate: cacerts/ca.pem
    OrganizationalUnitIdentifier: client
  PeerOUIdentifier:
    Certificate: cacerts/ca.pem
    OrganizationalUnitIdentifier: peer
  AdminOUIdentifier:
    Certificate: cacerts/ca.pem
    OrganizationalUnitIdentifier: admin
  OrdererOUIdentifier:
    Certificate: cacerts/ca.pem
    OrganizationalUnitIdentifier: orderer
EOF
}

# enrol_identity ORG NAME TYPE DIR HOSTS [ATTRS]: registers NAME with a
# generated secret and enrols its signing (msp/) and TLS (tls/) certificates
# into DIR. Skips what is already there, so up can resume.
enrol_identity() {
  local org=$1 name=$2 type=$3 dir=$4 hosts=$5 attrs=${6:-}
  local secrets="$NET/ca/$org/secrets" url
  [ -f "$dir/msp/signcerts/cert.pem" ] && [ -f "$dir/tls/server.crt" ] && return 0
  mkdir -p "$secrets" "$dir"
  if [ ! -f "$secrets/$name" ]; then
    # The secret is saved before registering, so an interrupted up can resume.
    (umask 077 && openssl rand -hex 16 >"$secrets/$name.tmp" && mv "$secrets/$name.tmp" "$secrets/$name")
    local reg=(register --id.name "$name" --id.type "$type")
    [ -n "$attrs" ] && reg+=(--id.attrs "$attrs")
    FABRIC_CA_CLIENT_ID_SECRET="$(cat "$secrets/$name")" ca_client "$org" "${reg[@]}" >>"$LOGS/ca-client.log" 2>&1 ||
      reset_secret "$org" "$name"
  fi
  url="https://$name:$(cat "$secrets/$name")@127.0.0.1:$(ca_port "$org")"
  rm -rf "$dir/msp" "$dir/tls" "$dir/tlsmsp"
  if ! enrol_once "$org" "$url" "$dir/msp" "$hosts"; then
    # Registered earlier with a secret that was not kept: reset it, try again.
    reset_secret "$org" "$name"
    enrol_once "$org" "$url" "$dir/msp" "$hosts" || die "enrolment of $name at ca-$org failed"
  fi
  enrol_once "$org" "$url" "$dir/tlsmsp" "$hosts" --enrollment.profile tls || die "TLS enrolment of $name at ca-$org failed"
  # Stable file names: the MSP keeps one key and one CA certificate.
  mv "$dir/msp/keystore/"*_sk "$dir/msp/keystore/key.pem"
  mv "$dir/msp/cacerts/"*.pem "$dir/msp/cacerts/ca.pem.tmp" && mv "$dir/msp/cacerts/ca.pem.tmp" "$dir/msp/cacerts/ca.pem"
  write_nodeous "$dir/msp"
  mkdir -p "$dir/tls"
  cp "$dir/tlsmsp/signcerts/cert.pem" "$dir/tls/server.crt"
  cp "$dir/tlsmsp/keystore/"*_sk "$dir/tls/server.key"
  cp "$(ca_cert "$org")" "$dir/tls/ca.crt"
  rm -rf "$dir/tlsmsp" "$dir/msp/user" "$dir/msp/IssuerPublicKey" "$dir/msp/IssuerRevocationPublicKey"
  chmod 600 "$dir/msp/keystore/key.pem" "$dir/tls/server.key"
}

# enrol_once ORG URL MSPDIR HOSTS [ARGS]: one enrolment; the secret is in URL,
# which goes through the environment, not the command line.
enrol_once() {
  local org=$1 url=$2 msp=$3 hosts=$4; shift 4
  rm -rf "$msp"
  FABRIC_CA_CLIENT_HOME="$(dirname "$msp")" FABRIC_CA_CLIENT_URL="$url" on_host "$org" fabric-ca-client enroll --caname "ca-$org" \
    --tls.certfiles "$(ca_cert "$org")" -M "$msp" --csr.hosts "$hosts" "$@" >>"$LOGS/ca-client.log" 2>&1
}

# reset_secret ORG NAME: gives a registered identity the secret saved for it
# (recovery only; this one command carries the secret as an argument).
reset_secret() {
  ca_client "$1" identity modify "$2" --secret "$(cat "$NET/ca/$1/secrets/$2")" >>"$LOGS/ca-client.log" 2>&1 ||
    die "registration of $2 at ca-$1 failed (see $LOGS/ca-client.log)"
}

enrol_org() {
  local org=$1 od
  od=$(org_dir "$org")
  if [ ! -f "$NET/ca/$org/registrar/msp/signcerts/cert.pem" ]; then
    FABRIC_CA_CLIENT_HOME="$NET/ca/$org/registrar" \
      FABRIC_CA_CLIENT_URL="https://admin:$(cat "$NET/ca/$org/bootstrap.secret")@127.0.0.1:$(ca_port "$org")" \
      on_host "$org" fabric-ca-client enroll --caname "ca-$org" --tls.certfiles "$(ca_cert "$org")" >/dev/null 2>&1 || die "enrolment of the ca-$org registrar failed"
  fi
  # The org's MSP as the channel sees it: CA certificates and NodeOUs only.
  mkdir -p "$od/msp/cacerts" "$od/msp/tlscacerts"
  cp "$(ca_cert "$org")" "$od/msp/cacerts/ca.pem"
  cp "$(ca_cert "$org")" "$od/msp/tlscacerts/ca.pem"
  write_nodeous "$od/msp"
  local hosts_peer="peer.$org.$DOMAIN,localhost,127.0.0.1" hosts_orderer="orderer.$org.$DOMAIN,localhost,127.0.0.1"
  [ "$(host_of "$org")" = 127.0.0.1 ] || { hosts_peer+=",$(host_of "$org")"; hosts_orderer+=",$(host_of "$org")"; }
  enrol_identity "$org" peer peer "$od/peer" "$hosts_peer"
  enrol_identity "$org" orderer orderer "$od/orderer" "$hosts_orderer"
  enrol_identity "$org" chaincode client "$od/chaincode" "chaincode.$org.$DOMAIN,localhost,127.0.0.1"
  # The TLS client certificate the org's applications present to its peer
  # (mutual TLS); their signing identities are the users below.
  enrol_identity "$org" "$org-apptls" client "$od/apptls" "apps.$org.$DOMAIN"
  enrol_identity "$org" "$org-admin" admin "$od/users/admin" "admin.$org.$DOMAIN"
  local entry
  for entry in $(users_of "$org"); do
    enrol_identity "$org" "$org-${entry%%:*}" client "$od/users/${entry%%:*}" "${entry%%:*}.$org.$DOMAIN" "rxtrace.role=${entry#*:}:ecert"
  done
}

