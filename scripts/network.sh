#!/usr/bin/env bash
# The rxtrace Fabric network on one host, every node a plain process.
#
#   scripts/network.sh up      bring everything up; resumes from existing state
#   scripts/network.sh down    stop every process, keep ledgers and identities
#   scripts/network.sh reset   down, then wipe all network state
#   scripts/network.sh status  which processes run, and their health
#
# Four orgs (manufacturer, distributor, pharmacy, regulator), each with a
# Fabric CA, a peer, a BFT orderer and a chaincode server (CCaaS). Channels
# mfr-dist and dist-pharm. All state lives in ${RXTRACE_DATA:-<repo>/.rxtrace}:
#   fabric/   CA homes, MSPs, TLS material, ledgers, channel blocks, packages
#   logs/     one log per process
#   run/      one pid file per process
#   network.json  what clients (gateway, tests) need to connect
# Names and ports: docs/conventions.md. Design and measurements: docs/network.md.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DATA="${RXTRACE_DATA:-$ROOT/.rxtrace}"
NET="$DATA/fabric"
LOGS="$DATA/logs"
RUN="$DATA/run"
CHAINCODE_NAME=rxtrace
CHAINCODE_VERSION=1.0
CHAINCODE_SEQUENCE=1
CHAINCODE_DIR="${RXTRACE_CHAINCODE_DIR:-$ROOT/chaincode}"
DOMAIN=rxtrace
ORGS=(manufacturer distributor pharmacy regulator)
CHANNELS=(mfr-dist dist-pharm)
# Log levels stay low: CPU is scarce and the gRPC layers are very loud.
FABRIC_NODE_LOG="${RXTRACE_FABRIC_LOG:-warn}"
# BFT clients send each transaction to every orderer and hang up once enough
# took it; the others log a "context canceled" warning per transaction.
ORDERER_LOG="${RXTRACE_FABRIC_LOG:-warn:orderer.common.broadcast=error}"
# Mutual TLS: every connection to a peer or an orderer presents a client
# certificate from one of the four org CAs. Fabric ties a peer's own client
# certificate (towards orderers) to the same switch, so nodes and clients
# share it. RXTRACE_MUTUAL_TLS=false turns it off for clients that cannot.
MUTUAL_TLS="${RXTRACE_MUTUAL_TLS:-true}"
# Orderers request and verify client certificates but do not require them:
# Fabric 3.1.5's BFT block puller sends no TLS certificate hash in its Deliver
# requests, so an orderer that requires client auth answers a restarted
# consenter BAD_REQUEST ("client didn't include its TLS cert hash") and that
# consenter never catches up (docs/reliability.md, finding 1). Cluster
# (consensus) traffic still presents and pins each consenter's TLS client
# certificate, and every envelope is signed. RXTRACE_ORDERER_CLIENT_AUTH=true
# restores the requirement.
ORDERER_CLIENT_AUTH="${RXTRACE_ORDERER_CLIENT_AUTH:-false}"
[ "$MUTUAL_TLS" = true ] || ORDERER_CLIENT_AUTH=false
export FABRIC_LOGGING_SPEC="${RXTRACE_FABRIC_CLI_LOG:-error}"

say() { echo "network: [${SECONDS}s] $*"; }
die() { echo "network: $*" >&2; exit 1; }

# ---------------------------------------------------------------- org facts
# The orderer of an org runs under a second MSP id of the same CA (see network/configtx.yaml).
orderer_msp_of() { local m; m=$(msp_of "$1"); echo "${m%MSP}OrdererMSP"; }
msp_of() {
  case $1 in
    manufacturer) echo ManufacturerMSP ;; distributor) echo DistributorMSP ;;
    pharmacy) echo PharmacyMSP ;; regulator) echo RegulatorMSP ;;
    *) die "unknown org $1" ;;
  esac
}
# Port block per org: 7 manufacturer, 8 distributor, 9 pharmacy, 10 regulator.
base_of() {
  case $1 in manufacturer) echo 7 ;; distributor) echo 8 ;; pharmacy) echo 9 ;; regulator) echo 10 ;; esac
}
# RXTRACE_PORT_OFFSET shifts every port, so several networks (tests, benches)
# can run on one host side by side, each with its own RXTRACE_DATA.
PORT_OFFSET="${RXTRACE_PORT_OFFSET:-0}"
case $PORT_OFFSET in
  *[!0-9]* | "") echo "network: RXTRACE_PORT_OFFSET must be a multiple of 10 from 0 to 990, not '$PORT_OFFSET'" >&2; exit 2 ;;
esac
if [ "$PORT_OFFSET" -gt 990 ] || [ $((PORT_OFFSET % 10)) -ne 0 ]; then
  echo "network: RXTRACE_PORT_OFFSET must be a multiple of 10 from 0 to 990 (the orgs' port blocks are 1000 apart), not $PORT_OFFSET" >&2; exit 2
fi
port() { echo $(($1 + PORT_OFFSET)); }
# Ordering: BFT with one orderer per org (default), or the fallback
# RXTRACE_ORDERING=raft: Raft on the manufacturer's, distributor's and
# regulator's orderers. Fixed when the network is created (kept in fabric/ordering).
ORDERING="${RXTRACE_ORDERING:-$(cat "$NET/ordering" 2>/dev/null || echo bft)}"
case $ORDERING in
  bft) ORDERER_ORGS=("${ORGS[@]}") ;;
  raft) ORDERER_ORGS=(manufacturer distributor regulator) ;;
  *) echo "network: RXTRACE_ORDERING must be bft or raft, not '$ORDERING'" >&2; exit 2 ;;
esac
runs_orderer() { local o; for o in "${ORDERER_ORGS[@]}"; do [ "$o" = "$1" ] && return 0; done; return 1; }
ca_port() { port "$(base_of "$1")054"; }
ca_ops_port() { port "$(($(base_of "$1") + 10))054"; }
orderer_port() { port "$(base_of "$1")050"; }
orderer_admin_port() { port "$(base_of "$1")053"; }
orderer_ops_port() { port "$(($(base_of "$1") + 10))050"; }
peer_port() { port "$(base_of "$1")051"; }
peer_cc_port() { port "$(base_of "$1")052"; }
peer_ops_port() { port "$(($(base_of "$1") + 10))051"; }
ccaas_port() { port "$(base_of "$1")055"; }
# The address other nodes use to reach this org. One host: 127.0.0.1. One host
# per org: export RXTRACE_HOST_<ORG>=that host's name (see docs/network.md).
host_of() {
  local var
  var="RXTRACE_HOST_$(echo "$1" | tr '[:lower:]' '[:upper:]')"
  echo "${!var:-127.0.0.1}"
}
channel_orgs() {
  case $1 in
    mfr-dist) echo manufacturer distributor regulator ;;
    dist-pharm) echo distributor pharmacy regulator ;;
  esac
}
# Client users per org, name:role (docs/conventions.md).
users_of() {
  case $1 in
    manufacturer) echo operator:operator quality:quality ;;
    distributor) echo operator:operator ;;
    pharmacy) echo pharmacist:pharmacist ;;
    regulator) echo auditor:auditor ;;
  esac
}
org_dir() { echo "$NET/orgs/$1"; }
ca_cert() { echo "$NET/ca/$1/ca-cert.pem"; }

# ---------------------------------------------------------------- processes
pid_of() {
  local f="$RUN/$1.pid"
  [ -f "$f" ] || return 1
  local pid
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then echo "$pid"; else return 1; fi
}
is_running() { pid_of "$1" >/dev/null; }

# start_process NAME COMMAND...: runs COMMAND in its own session (so the whole
# process group can be stopped), stdin closed, output in logs/NAME.log.
start_process() {
  local name=$1; shift
  if is_running "$name"; then return 0; fi
  local p
  for p in $(ports_of "$name"); do
    port_open "$p" && die "port $p, needed by $name, is taken by another process (another network? give each one its own RXTRACE_DATA and RXTRACE_PORT_OFFSET)"
  done
  mkdir -p "$LOGS" "$RUN"
  echo "---- start $(date -u +%FT%TZ)" >>"$LOGS/$name.log"
  setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
}

# stop_processes NAME...: TERM to every named process group at once, then
# waits (at most 10 s) for all of them, then KILL for any left.
stop_processes() {
  local name pid pids=()
  for name in "$@"; do
    if pid=$(pid_of "$name"); then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
    rm -f "$RUN/$name.pid"
  done
  for _ in $(seq 1 100); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && return 0
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; done
}

# The ports a process listens on, checked free before it starts.
ports_of() {
  local kind=${1%%-*} org=${1#*-}
  case $kind in
    ca) echo "$(ca_port "$org") $(ca_ops_port "$org")" ;;
    orderer) echo "$(orderer_port "$org") $(orderer_admin_port "$org") $(orderer_ops_port "$org")" ;;
    peer) echo "$(peer_port "$org") $(peer_cc_port "$org") $(peer_ops_port "$org")" ;;
    chaincode) ccaas_port "$org" ;;
  esac
}

# wait_until SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.2 s.
wait_until() {
  local limit=$1 what=$2; shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || die "$what did not become ready within ${limit}s (see $LOGS)"
    sleep 0.2
  done
}

# in_parallel FUNCTION ARG...: runs FUNCTION ARG for every ARG at once and
# fails if any of them failed (each says why on stderr).
in_parallel() {
  local fn=$1 arg pids=() failed=0 pid; shift
  for arg in "$@"; do "$fn" "$arg" & pids+=($!); done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  [ $failed = 0 ] || die "$fn failed for at least one of: $*"
}

# healthz PORT CAFILE: the operations endpoint answers 200 on /healthz.
healthz() { curl -fsS --max-time 2 --cacert "$2" "https://127.0.0.1:$1/healthz" >/dev/null; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ---------------------------------------------------------------- config
render_config() {
  mkdir -p "$NET/config"
  cp "$FABRIC_HOME/config/orderer.yaml" "$NET/config/orderer.yaml"
  # The peer must never reach for Docker: no VM endpoint, and the CCaaS
  # builder from the release archive as the only external builder.
  sed -e "s|path: /opt/hyperledger/ccaas_builder|path: $FABRIC_HOME/builders/ccaas|" \
    -e "s|endpoint: unix:///var/run/docker.sock|endpoint: \"\"|" \
    "$FABRIC_HOME/config/core.yaml" >"$NET/config/core.yaml"
  local args=(-e "s|@NET@|$NET|g") org
  for org in "${ORGS[@]}"; do
    args+=(-e "s|@HOST_$org@|$(host_of "$org")|g" -e "s|@ORDERER_PORT_$org@|$(orderer_port "$org")|g" -e "s|@PEER_PORT_$org@|$(peer_port "$org")|g")
  done
  sed "${args[@]}" "$ROOT/network/configtx.yaml" >"$NET/config/configtx.yaml"
}

# ---------------------------------------------------------------- CAs
start_ca() {
  local org=$1 home="$NET/ca/$1"
  mkdir -p "$home"
  chmod 700 "$home"
  if [ ! -f "$home/bootstrap.secret" ]; then
    (umask 077 && openssl rand -hex 16 >"$home/bootstrap.secret")
  fi
  # Secrets go through the environment, never the command line (ps shows that).
  start_process "ca-$org" env FABRIC_CA_SERVER_HOME="$home" \
    FABRIC_CA_SERVER_OPERATIONS_LISTENADDRESS="127.0.0.1:$(ca_ops_port "$org")" \
    FABRIC_CA_SERVER_BOOT="admin:$(cat "$home/bootstrap.secret")" \
    fabric-ca-server start \
    --address 127.0.0.1 --port "$(ca_port "$org")" --ca.name "ca-$org" \
    --csr.cn "ca.$org.$DOMAIN" --csr.hosts "ca.$org.$DOMAIN,localhost,127.0.0.1" \
    --tls.enabled
}

ca_ready() { [ -f "$(ca_cert "$1")" ] && curl -fsS --max-time 2 --cacert "$(ca_cert "$1")" "https://127.0.0.1:$(ca_port "$1")/cainfo" >/dev/null; }

# ca_client ORG ARGS...: fabric-ca-client as the org's CA registrar.
ca_client() {
  local org=$1; shift
  FABRIC_CA_CLIENT_HOME="$NET/ca/$org/registrar" fabric-ca-client "$@" \
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
  FABRIC_CA_CLIENT_HOME="$(dirname "$msp")" FABRIC_CA_CLIENT_URL="$url" fabric-ca-client enroll --caname "ca-$org" \
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
      fabric-ca-client enroll --caname "ca-$org" --tls.certfiles "$(ca_cert "$org")" >/dev/null 2>&1 || die "enrolment of the ca-$org registrar failed"
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

# ---------------------------------------------------------------- orderers and peers
all_ca_list() {
  local org list=""
  for org in "${ORGS[@]}"; do list+="${list:+,}$(ca_cert "$org")"; done
  echo "[$list]"
}

start_orderer() {
  local org=$1 od n
  od=$(org_dir "$org")
  n="$NET/nodes/orderer-$org"
  mkdir -p "$n"
  start_process "orderer-$org" env FABRIC_CFG_PATH="$NET/config" FABRIC_LOGGING_SPEC="$ORDERER_LOG" \
    ORDERER_GENERAL_LISTENADDRESS=127.0.0.1 ORDERER_GENERAL_LISTENPORT="$(orderer_port "$org")" \
    ORDERER_GENERAL_LOCALMSPID="$(orderer_msp_of "$org")" ORDERER_GENERAL_LOCALMSPDIR="$od/orderer/msp" \
    ORDERER_GENERAL_TLS_ENABLED=true ORDERER_GENERAL_TLS_PRIVATEKEY="$od/orderer/tls/server.key" \
    ORDERER_GENERAL_TLS_CERTIFICATE="$od/orderer/tls/server.crt" ORDERER_GENERAL_TLS_ROOTCAS="[$(ca_cert "$org")]" \
    ORDERER_GENERAL_TLS_CLIENTAUTHREQUIRED="$ORDERER_CLIENT_AUTH" ORDERER_GENERAL_TLS_CLIENTROOTCAS="$(all_ca_list)" \
    ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE="$od/orderer/tls/server.crt" \
    ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY="$od/orderer/tls/server.key" \
    ORDERER_GENERAL_CLUSTER_ROOTCAS="$(all_ca_list)" \
    ORDERER_GENERAL_BOOTSTRAPMETHOD=none ORDERER_CHANNELPARTICIPATION_ENABLED=true \
    ORDERER_CONSENSUS_TYPE="$([ "$ORDERING" = raft ] && echo etcdraft || echo BFT)" ORDERER_FILELEDGER_LOCATION="$n/ledger" \
    ORDERER_CONSENSUS_WALDIR="$n/wal" ORDERER_CONSENSUS_SNAPDIR="$n/snap" \
    ORDERER_OPERATIONS_LISTENADDRESS="127.0.0.1:$(orderer_ops_port "$org")" \
    ORDERER_OPERATIONS_TLS_ENABLED=true ORDERER_OPERATIONS_TLS_CERTIFICATE="$od/orderer/tls/server.crt" \
    ORDERER_OPERATIONS_TLS_PRIVATEKEY="$od/orderer/tls/server.key" ORDERER_OPERATIONS_TLS_CLIENTAUTHREQUIRED=false \
    ORDERER_ADMIN_LISTENADDRESS="127.0.0.1:$(orderer_admin_port "$org")" \
    ORDERER_ADMIN_TLS_ENABLED=true ORDERER_ADMIN_TLS_CERTIFICATE="$od/orderer/tls/server.crt" \
    ORDERER_ADMIN_TLS_PRIVATEKEY="$od/orderer/tls/server.key" ORDERER_ADMIN_TLS_ROOTCAS="[$(ca_cert "$org")]" \
    ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED=true ORDERER_ADMIN_TLS_CLIENTROOTCAS="[$(ca_cert "$org")]" \
    ORDERER_METRICS_PROVIDER=disabled ORDERER_GENERAL_KEEPALIVE_SERVERMININTERVAL=30s \
    orderer
}

# Peers and orderers ping their connections every 60 s; a server that also
# demands at least 60 s between pings sometimes counts one as too early and
# drops the connection with GOAWAY "too_many_pings". Servers accept 30 s.
start_peer() {
  local org=$1 od n
  od=$(org_dir "$org")
  n="$NET/nodes/peer-$org"
  mkdir -p "$n"
  start_process "peer-$org" env FABRIC_CFG_PATH="$NET/config" FABRIC_LOGGING_SPEC="$FABRIC_NODE_LOG" \
    CORE_PEER_ID="peer.$org.$DOMAIN" CORE_PEER_ADDRESS="$(host_of "$org"):$(peer_port "$org")" \
    CORE_PEER_LISTENADDRESS="127.0.0.1:$(peer_port "$org")" \
    CORE_PEER_CHAINCODEADDRESS="127.0.0.1:$(peer_cc_port "$org")" \
    CORE_PEER_CHAINCODELISTENADDRESS="127.0.0.1:$(peer_cc_port "$org")" \
    CORE_PEER_GOSSIP_BOOTSTRAP="$(host_of "$org"):$(peer_port "$org")" \
    CORE_PEER_GOSSIP_EXTERNALENDPOINT="$(host_of "$org"):$(peer_port "$org")" \
    CORE_PEER_LOCALMSPID="$(msp_of "$org")" CORE_PEER_MSPCONFIGPATH="$od/peer/msp" \
    CORE_PEER_TLS_ENABLED=true CORE_PEER_TLS_CERT_FILE="$od/peer/tls/server.crt" \
    CORE_PEER_TLS_KEY_FILE="$od/peer/tls/server.key" CORE_PEER_TLS_ROOTCERT_FILE="$(ca_cert "$org")" \
    CORE_PEER_TLS_CLIENTAUTHREQUIRED="$MUTUAL_TLS" CORE_PEER_TLS_CLIENTROOTCAS_FILES="$(all_ca_list | tr -d "[]" | tr , " ")" \
    CORE_PEER_TLS_CLIENTCERT_FILE="$od/peer/tls/server.crt" CORE_PEER_TLS_CLIENTKEY_FILE="$od/peer/tls/server.key" \
    CORE_PEER_FILESYSTEMPATH="$n/ledger" CORE_LEDGER_SNAPSHOTS_ROOTDIR="$n/snapshots" \
    CORE_OPERATIONS_LISTENADDRESS="127.0.0.1:$(peer_ops_port "$org")" \
    CORE_OPERATIONS_TLS_ENABLED=true CORE_OPERATIONS_TLS_CERT_FILE="$od/peer/tls/server.crt" \
    CORE_OPERATIONS_TLS_KEY_FILE="$od/peer/tls/server.key" CORE_OPERATIONS_TLS_CLIENTAUTHREQUIRED=false \
    CORE_METRICS_PROVIDER=disabled CORE_VM_ENDPOINT="" \
    CORE_PEER_GOSSIP_RECONNECTINTERVAL=5s CORE_PEER_KEEPALIVE_MININTERVAL=30s \
    peer node start
}

# as_admin ORG COMMAND...: runs a peer CLI command as the org's admin against its peer.
as_admin() {
  local org=$1 od; shift
  od=$(org_dir "$org")
  env FABRIC_CFG_PATH="$NET/config" CORE_PEER_LOCALMSPID="$(msp_of "$org")" \
    CORE_PEER_MSPCONFIGPATH="$od/users/admin/msp" CORE_PEER_ADDRESS="127.0.0.1:$(peer_port "$org")" \
    CORE_PEER_TLS_ENABLED=true CORE_PEER_TLS_ROOTCERT_FILE="$(ca_cert "$org")" \
    CORE_PEER_TLS_CLIENTAUTHREQUIRED="$MUTUAL_TLS" \
    CORE_PEER_TLS_CLIENTCERT_FILE="$od/users/admin/tls/server.crt" \
    CORE_PEER_TLS_CLIENTKEY_FILE="$od/users/admin/tls/server.key" "$@"
}

# Options that send a CLI command on to an orderer with mutual TLS.
# An org without an orderer (the pharmacy under Raft) uses the distributor's.
orderer_opts() {
  local org=$1 od target=$1
  od=$(org_dir "$org")
  runs_orderer "$org" || target=distributor
  echo "-o 127.0.0.1:$(orderer_port "$target") --ordererTLSHostnameOverride 127.0.0.1 --tls --cafile $(ca_cert "$target") --clientauth --certfile $od/users/admin/tls/server.crt --keyfile $od/users/admin/tls/server.key"
}

# ---------------------------------------------------------------- channels
create_channels() {
  local ch org od
  mkdir -p "$NET/channels"
  for ch in "${CHANNELS[@]}"; do
    if [ ! -f "$NET/channels/$ch.block" ]; then
      local profile
      case $ch in mfr-dist) profile=MfrDist ;; dist-pharm) profile=DistPharm ;; esac
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
      info=$(osnadmin channel list "${osn[@]}" -c "$ch" 2>/dev/null || true)
      if ! grep -q '"status": "active"\|"status": "onboarding"' <<<"$info"; then
        osnadmin channel join "${osn[@]}" --channelID "$ch" --config-block "$NET/channels/$ch.block" >>"$LOGS/osnadmin.log" 2>&1 ||
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

# ---------------------------------------------------------------- chaincode
# One CCaaS package per org: its connection.json names that org's chaincode
# server. Built once and kept, so its package id never changes.
package_chaincode() {
  local org=$1 dir="$NET/chaincode/$1" od
  od=$(org_dir "$org")
  [ -f "$dir/$CHAINCODE_NAME.tar.gz" ] && return 0
  rm -rf "$dir/build" && mkdir -p "$dir/build/src"
  jq -n --arg address "127.0.0.1:$(ccaas_port "$org")" \
    --rawfile root "$(ca_cert "$org")" --rawfile cert "$od/peer/tls/server.crt" --rawfile key "$od/peer/tls/server.key" \
    '{address: $address, dial_timeout: "10s", tls_required: true, client_auth_required: true,
      root_cert: $root, client_cert: $cert, client_key: $key}' >"$dir/build/src/connection.json"
  jq -n --arg l "$CHAINCODE_NAME" '{"type": "ccaas", "label": $l}' >"$dir/build/metadata.json"
  tar -C "$dir/build/src" -czf "$dir/build/code.tar.gz" connection.json
  tar -C "$dir/build" -czf "$dir/$CHAINCODE_NAME.tar.gz.tmp" metadata.json code.tar.gz
  mv "$dir/$CHAINCODE_NAME.tar.gz.tmp" "$dir/$CHAINCODE_NAME.tar.gz"
  rm -rf "$dir/build"
}

package_id() { as_admin "$1" peer lifecycle chaincode calculatepackageid "$NET/chaincode/$1/$CHAINCODE_NAME.tar.gz"; }

install_chaincode() {
  local org=$1 id
  id=$(package_id "$org")
  if ! as_admin "$org" peer lifecycle chaincode queryinstalled --output json 2>/dev/null | jq -e --arg id "$id" '.installed_chaincodes // [] | any(.package_id == $id)' >/dev/null; then
    as_admin "$org" peer lifecycle chaincode install "$NET/chaincode/$org/$CHAINCODE_NAME.tar.gz" >>"$LOGS/peer-cli.log" 2>&1 ||
      die "install on peer-$org failed (see $LOGS/peer-cli.log)"
    say "chaincode installed on peer-$org"
  fi
  echo "$id" >"$NET/chaincode/$org/package-id"
}

# The chaincode server of one org, restarted by its supervisor if it dies.
start_chaincode_server() {
  local org=$1 od
  od=$(org_dir "$org")
  start_process "chaincode-$org" env CHAINCODE_ID="$(cat "$NET/chaincode/$org/package-id")" \
    CHAINCODE_ADDRESS="127.0.0.1:$(ccaas_port "$org")" CHAINCODE_MODULE="$CHAINCODE_DIR" \
    CHAINCODE_TLS_CERT="$od/chaincode/tls/server.crt" CHAINCODE_TLS_KEY="$od/chaincode/tls/server.key" \
    CHAINCODE_TLS_CLIENT_CA="$(ca_cert "$org")" \
    CORE_CHAINCODE_LOGGING_LEVEL="${RXTRACE_CHAINCODE_LOG:-warning}" CORE_CHAINCODE_LOGGING_SHIM="${RXTRACE_CHAINCODE_LOG:-warning}" \
    "$ROOT/scripts/network/supervise.sh" "chaincode-$org" node "$ROOT/scripts/network/chaincode-server.cjs"
}

# The chaincode-level endorsement policy of a channel: the peers of a majority
# of its member orgs (2 of 3), PEER role only, so that no single org creates a
# key with modified chaincode and no client or admin certificate endorses
# (docs/security.md). Key-level policies set by the chaincode govern existing keys.
signature_policy() {
  local ch=$1 org p="" n=0
  for org in $(channel_orgs "$ch"); do p+="${p:+,}'$(msp_of "$org").peer'"; n=$((n + 1)); done
  echo "OutOf($((n / 2 + 1)),$p)"
}

definition_opts() {
  local ch=$1
  echo "--channelID $ch --name $CHAINCODE_NAME --version $CHAINCODE_VERSION --sequence $CHAINCODE_SEQUENCE --signature-policy $(signature_policy "$ch") --collections-config $ROOT/network/collections/$ch.json"
}

committed() {
  as_admin "$2" peer lifecycle chaincode querycommitted --channelID "$1" --name "$CHAINCODE_NAME" --output json 2>/dev/null |
    jq -e --argjson s "$CHAINCODE_SEQUENCE" '.sequence == $s' >/dev/null
}

# approve_on_channel_as CHANNEL:ORG: the org approves the chaincode definition for the channel, once.
approve_on_channel_as() {
  local ch=${1%%:*} org=${1#*:}
  if ! as_admin "$org" peer lifecycle chaincode queryapproved --channelID "$ch" --name "$CHAINCODE_NAME" --sequence "$CHAINCODE_SEQUENCE" >/dev/null 2>&1; then
    # shellcheck disable=SC2046
    as_admin "$org" peer lifecycle chaincode approveformyorg $(definition_opts "$ch") \
      --package-id "$(cat "$NET/chaincode/$org/package-id")" $(orderer_opts "$org") --waitForEvent >>"$LOGS/peer-cli-$org.log" 2>&1 ||
      die "approval by $(msp_of "$org") on $ch failed (see $LOGS/peer-cli-$org.log)"
    say "$(msp_of "$org") approved $CHAINCODE_NAME on $ch"
  fi
}

deploy_chaincode() {
  local ch org first
  for ch in "${CHANNELS[@]}"; do
    read -r first _ <<<"$(channel_orgs "$ch")"
    committed "$ch" "$first" && continue
    # shellcheck disable=SC2046
    in_parallel approve_on_channel_as $(for org in $(channel_orgs "$ch"); do echo "$ch:$org"; done)
    local peers=()
    for org in $(channel_orgs "$ch"); do peers+=(--peerAddresses "127.0.0.1:$(peer_port "$org")" --tlsRootCertFiles "$(ca_cert "$org")"); done
    # shellcheck disable=SC2046
    as_admin "$first" peer lifecycle chaincode commit $(definition_opts "$ch") $(orderer_opts "$first") \
      "${peers[@]}" --waitForEvent >>"$LOGS/peer-cli.log" 2>&1 || die "commit of $CHAINCODE_NAME on $ch failed (see $LOGS/peer-cli.log)"
    say "$CHAINCODE_NAME committed on $ch"
  done
}

ensure_chaincode_built() {
  # Build only when a source file is newer than the build (a build costs ~8 s).
  if [ -z "${RXTRACE_CHAINCODE_DIR:-}" ] && { [ ! -f "$CHAINCODE_DIR/dist/index.js" ] ||
    [ -n "$(find "$CHAINCODE_DIR/src" "$CHAINCODE_DIR/package.json" "$CHAINCODE_DIR/tsconfig.json" -newer "$CHAINCODE_DIR/dist/index.js" -print -quit)" ]; }; then
    say "building the chaincode (npm run build -w chaincode)"
    CHAINCODE_REBUILT=1
    (cd "$ROOT" && npm run build -w chaincode >>"$LOGS/chaincode-build.log" 2>&1) || die "the chaincode does not build (see $LOGS/chaincode-build.log)"
  fi
  local main
  main=$(jq -r '.main // "index.js"' "$CHAINCODE_DIR/package.json")
  [ -f "$CHAINCODE_DIR/$main" ] || die "the chaincode has no $CHAINCODE_DIR/$main to serve"
}

# ---------------------------------------------------------------- partners
# After deployment the regulator registers the four partners on each channel.
register_partners() {
  "$ROOT/scripts/network/register-partners.sh" || die "registering the trading partners failed (see $LOGS/partners.log)"
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
    orgs_json=$(jq --arg name "$org" --arg msp "$(msp_of "$org")" --arg ep "127.0.0.1:$(peer_port "$org")" \
      --arg host "peer.$org.$DOMAIN" --arg ca "$(ca_cert "$org")" --arg od "$od" --argjson users "$users" \
      '. + [{name: $name, mspId: $msp,
             peer: {endpoint: $ep, hostOverride: $host, tlsCaCertPath: $ca},
             clientTls: {certPath: ($od + "/apptls/tls/server.crt"), keyPath: ($od + "/apptls/tls/server.key")},
             users: $users,
             admin: {name: "admin", role: "admin", certPath: ($od + "/users/admin/msp/signcerts/cert.pem"),
                     keyPath: ($od + "/users/admin/msp/keystore/key.pem"),
                     tlsCertPath: ($od + "/users/admin/tls/server.crt"), tlsKeyPath: ($od + "/users/admin/tls/server.key")}}]' <<<"$orgs_json")
    runs_orderer "$org" && orderers_json=$(jq --arg name "$org" --arg msp "$(orderer_msp_of "$org")" --arg ep "127.0.0.1:$(orderer_port "$org")" \
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

# ---------------------------------------------------------------- gossip
# members_seen ORG CHANNEL: the org's peer discovers a peer of every member org
# of the channel. Endorsements that need several orgs (state-based policies)
# fail until gossip has found them, so up waits for this.
members_seen() {
  local org=$1 ch=$2 od want got
  od=$(org_dir "$org")
  want=$(for o in $(channel_orgs "$ch"); do msp_of "$o"; done | sort | tr '\n' ' ')
  got=$(discover --peerTLSCA "$(ca_cert "$org")" --userKey "$od/users/admin/msp/keystore/key.pem" \
    --userCert "$od/users/admin/msp/signcerts/cert.pem" --MSP "$(msp_of "$org")" \
    --tlsCert "$od/users/admin/tls/server.crt" --tlsKey "$od/users/admin/tls/server.key" \
    peers --channel "$ch" --server "127.0.0.1:$(peer_port "$org")" 2>/dev/null | jq -r '.[].MSPID' 2>/dev/null | sort -u | tr '\n' ' ')
  [ "$got" = "$want" ]
}

wait_for_gossip() {
  local ch org
  for ch in "${CHANNELS[@]}"; do
    for org in $(channel_orgs "$ch"); do wait_until 90 "gossip of peer-$org on $ch" members_seen "$org" "$ch"; done
  done
}

# ---------------------------------------------------------------- health
health() {
  local org bad=0 line
  for org in "${ORGS[@]}"; do
    for line in "ca-$org:$(ca_ops_port "$org"):healthz" "orderer-$org:$(orderer_ops_port "$org"):healthz" \
      "peer-$org:$(peer_ops_port "$org"):healthz" "chaincode-$org:$(ccaas_port "$org"):port"; do
      IFS=: read -r name port kind <<<"$line"
      [ "${name%%-*}" = orderer ] && ! runs_orderer "$org" && continue
      local state="down"
      if is_running "$name"; then
        if [ "$kind" = healthz ]; then
          if [ "${name%%-*}" = ca ]; then
            curl -fsS --max-time 2 "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && state=OK || state=unhealthy
          else
            healthz "$port" "$(ca_cert "$org")" 2>/dev/null && state=OK || state=unhealthy
          fi
        else
          port_open "$port" && state=OK || state=unhealthy
        fi
      fi
      printf '  %-22s %-6s %s\n' "$name" "$port" "$state"
      [ "$state" = OK ] || bad=1
    done
  done
  return $bad
}

# ---------------------------------------------------------------- commands
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
  for org in "${ORGS[@]}"; do start_peer "$org"; done
  for org in "${ORDERER_ORGS[@]}"; do wait_until 60 "orderer-$org" healthz "$(orderer_ops_port "$org")" "$(ca_cert "$org")"; done
  for org in "${ORGS[@]}"; do wait_until 60 "peer-$org" healthz "$(peer_ops_port "$org")" "$(ca_cert "$org")"; done
  say "creating channels"
  create_channels
  join_peers
  say "deploying chaincode $CHAINCODE_NAME"
  for org in "${ORGS[@]}"; do package_chaincode "$org"; install_chaincode "$org"; done
  if [ "${CHAINCODE_REBUILT:-0}" = 1 ]; then
    # Running servers still hold the old code; the package (an address) stays.
    stop_processes chaincode-manufacturer chaincode-distributor chaincode-pharmacy chaincode-regulator
  fi
  for org in "${ORGS[@]}"; do start_chaincode_server "$org"; done
  for org in "${ORGS[@]}"; do wait_until 60 "chaincode-$org" port_open "$(ccaas_port "$org")"; done
  deploy_chaincode
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
NETWORK_PROCESS_GLOBS=("ca-*" "orderer-*" "peer-*" "chaincode-*")
NETWORK_LOG_GLOBS=("ca-*" "orderer-*" "peer-*" "chaincode-*" "osnadmin" "configtxgen" "partners")

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

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  reset) cmd_reset ;;
  status) cmd_status ;;
  *) echo "usage: scripts/network.sh up|down|reset|status" >&2; exit 2 ;;
esac
