# shellcheck shell=bash
# Node configuration, orderers and peers, the admin CLI environment and the
# health summary. Sourced after topology.sh, processes.sh and pki.sh.
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
# How long a peer's gateway waits for an endorser before it asks another org's
# peer instead. An org whose host is cut off answers nothing (no reset, no
# refusal), so every write planned through it waits this long; Fabric's 30 s
# default stalled half the writes for the whole of a 25 s partition
# (docs/network.md, "One host per org"). Endorsements take well under 1 s.
ENDORSEMENT_TIMEOUT="${RXTRACE_ENDORSEMENT_TIMEOUT:-10s}"
# How long a peer waits for the orderer that streams it whole blocks while the
# other orderers' headers already show a newer block, before it takes blocks
# from another orderer (a BFT peer pulls blocks from one orderer, headers from
# the rest). A silent source (its host cut off) sends no error, and Fabric's
# 30 s default outlasted a 25 s partition: no write was confirmed to the
# writer's peer until the link came back (test/multihost/partition.test.ts).
# Blocks and headers are cut together, so a healthy source is well within 1 s;
# with 3 s, a cut leader that also fed a peer its blocks (view change, then
# this wait) took 5.4 s to confirm writes again, over the 5 s bound.
BLOCK_SOURCE_TIMEOUT="${RXTRACE_BLOCK_SOURCE_TIMEOUT:-1s}"

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
    ORDERER_GENERAL_LISTENADDRESS="$(host_of "$org")" ORDERER_GENERAL_LISTENPORT="$(orderer_port "$org")" \
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
    ORDERER_OPERATIONS_TLS_CLIENTROOTCAS="[$(ca_cert "$org")]" \
    ORDERER_ADMIN_LISTENADDRESS="127.0.0.1:$(orderer_admin_port "$org")" \
    ORDERER_ADMIN_TLS_ENABLED=true ORDERER_ADMIN_TLS_CERTIFICATE="$od/orderer/tls/server.crt" \
    ORDERER_ADMIN_TLS_PRIVATEKEY="$od/orderer/tls/server.key" ORDERER_ADMIN_TLS_ROOTCAS="[$(ca_cert "$org")]" \
    ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED=true ORDERER_ADMIN_TLS_CLIENTROOTCAS="[$(ca_cert "$org")]" \
    ORDERER_METRICS_PROVIDER=prometheus ORDERER_GENERAL_KEEPALIVE_SERVERMININTERVAL=30s \
    orderer
}

# Peers and orderers ping their connections every 60 s; a server that also
# demands at least 60 s between pings sometimes counts one as too early and
# drops the connection with GOAWAY "too_many_pings". Servers accept 30 s.
# start_peer ORG [NODE]: NODE is the org's first peer ("peer", the default) or
# an added one (topology.sh, node_port). An added peer finds its org's gossip
# through the first; every peer of an org uses the org's chaincode servers
# (the org's one package names them). A peer looks for private data it is
# missing (a peer joined from a snapshot: all of it) every
# RXTRACE_RECONCILE_INTERVAL; Fabric's default is a minute.
start_peer() {
  local org=$1 node=${2:-peer} od n address
  od=$(org_dir "$org")
  n="$NET/nodes/$node-$org"
  address="$(host_of "$org"):$(node_port "$org" "$node" peer)"
  mkdir -p "$n"
  start_process "$node-$org" env FABRIC_CFG_PATH="$NET/config" FABRIC_LOGGING_SPEC="$FABRIC_NODE_LOG" \
    CORE_PEER_ID="$node.$org.$DOMAIN" CORE_PEER_ADDRESS="$address" \
    CORE_PEER_LISTENADDRESS="$address" \
    CORE_PEER_CHAINCODEADDRESS="127.0.0.1:$(node_port "$org" "$node" peerChaincode)" \
    CORE_PEER_CHAINCODELISTENADDRESS="127.0.0.1:$(node_port "$org" "$node" peerChaincode)" \
    CORE_PEER_GOSSIP_BOOTSTRAP="$(host_of "$org"):$(peer_port "$org")" \
    CORE_PEER_GOSSIP_EXTERNALENDPOINT="$address" \
    CORE_PEER_LOCALMSPID="$(msp_of "$org")" CORE_PEER_MSPCONFIGPATH="$od/$node/msp" \
    CORE_PEER_TLS_ENABLED=true CORE_PEER_TLS_CERT_FILE="$od/$node/tls/server.crt" \
    CORE_PEER_TLS_KEY_FILE="$od/$node/tls/server.key" CORE_PEER_TLS_ROOTCERT_FILE="$(ca_cert "$org")" \
    CORE_PEER_TLS_CLIENTAUTHREQUIRED="$MUTUAL_TLS" CORE_PEER_TLS_CLIENTROOTCAS_FILES="$(all_ca_list | tr -d "[]" | tr , " ")" \
    CORE_PEER_TLS_CLIENTCERT_FILE="$od/$node/tls/server.crt" CORE_PEER_TLS_CLIENTKEY_FILE="$od/$node/tls/server.key" \
    CORE_PEER_FILESYSTEMPATH="$n/ledger" CORE_LEDGER_SNAPSHOTS_ROOTDIR="$n/snapshots" \
    CORE_OPERATIONS_LISTENADDRESS="127.0.0.1:$(node_port "$org" "$node" peerOps)" \
    CORE_OPERATIONS_TLS_ENABLED=true CORE_OPERATIONS_TLS_CERT_FILE="$od/$node/tls/server.crt" \
    CORE_OPERATIONS_TLS_KEY_FILE="$od/$node/tls/server.key" CORE_OPERATIONS_TLS_CLIENTAUTHREQUIRED=false \
    CORE_OPERATIONS_TLS_CLIENTROOTCAS_FILES="$(ca_cert "$org")" \
    CORE_METRICS_PROVIDER=prometheus CORE_VM_ENDPOINT="" \
    CORE_PEER_GOSSIP_RECONNECTINTERVAL=5s CORE_PEER_KEEPALIVE_MININTERVAL=30s \
    CORE_PEER_GOSSIP_PVTDATA_RECONCILESLEEPINTERVAL="${RXTRACE_RECONCILE_INTERVAL:-10s}" \
    CORE_PEER_GATEWAY_ENDORSEMENTTIMEOUT="$ENDORSEMENT_TIMEOUT" \
    CORE_PEER_DELIVERYCLIENT_BLOCKCENSORSHIPTIMEOUTKEY="$BLOCK_SOURCE_TIMEOUT" \
    peer node start
}

# as_admin ORG COMMAND...: runs a peer CLI command as the org's admin against
# its first peer, on the org's own host.
as_admin() { local org=$1; shift; as_identity "$org" peer users/admin "$@"; }
# as_admin_of ORG NODE COMMAND...: the same against one of the org's peer nodes.
as_admin_of() { local org=$1 node=$2; shift 2; as_identity "$org" "$node" users/admin "$@"; }
# as_identity ORG NODE IDENTITY COMMAND...: a peer CLI command as the org's
# identity folder IDENTITY (users/admin, users/operator, ...) against NODE.
as_identity() {
  local org=$1 node=$2 id od; shift 2
  od=$(org_dir "$org"); id="$od/$1"; shift
  on_host "$org" env FABRIC_CFG_PATH="$NET/config" CORE_PEER_LOCALMSPID="$(msp_of "$org")" \
    CORE_PEER_MSPCONFIGPATH="$id/msp" CORE_PEER_ADDRESS="$(host_of "$org"):$(node_port "$org" "$node" peer)" \
    CORE_PEER_TLS_ENABLED=true CORE_PEER_TLS_ROOTCERT_FILE="$(ca_cert "$org")" \
    CORE_PEER_TLS_CLIENTAUTHREQUIRED="$MUTUAL_TLS" \
    CORE_PEER_TLS_CLIENTCERT_FILE="$id/tls/server.crt" \
    CORE_PEER_TLS_CLIENTKEY_FILE="$id/tls/server.key" "$@"
}

# Options that send a CLI command on to an orderer with mutual TLS: the one
# ORDERER_VIA names (through_orderers sets it), else the org's first.
orderer_opts() {
  local org=$1 od target
  od=$(org_dir "$org")
  target=${ORDERER_VIA:-$(orderer_targets "$org" | head -n 1)}
  echo "-o $(host_of "$target"):$(orderer_port "$target") --ordererTLSHostnameOverride $(host_of "$target") --tls --cafile $(ca_cert "$target") --clientauth --certfile $od/users/admin/tls/server.crt --keyfile $od/users/admin/tls/server.key"
}

# orderer_targets ORG: the orderers ORG's admin asks, in order: its own, then
# the others. An org without an orderer (the pharmacy under Raft, a member
# that joined later) starts with the first: every orderer serves every channel.
orderer_targets() {
  local first=$1 o
  runs_orderer "$first" || first=${ORDERER_ORGS[0]}
  echo "$first"
  for o in "${ORDERER_ORGS[@]}"; do [ "$o" = "$first" ] || echo "$o"; done
}

# through_orderers ORG WHAT CHECK... -- COMMAND...: runs COMMAND, in which
# ORG's admin submits WHAT (a transaction or a channel update; its
# orderer_opts follow ORDERER_VIA), through ORG's first orderer, then through
# each other one in turn, twice round, until the command CHECK holds. CHECK is
# asked before each attempt and for up to 20 s after one the orderer
# accepted. A BFT orderer may be down, cut off, changing leader or still
# catching up after a partition (f of them may be): another one orders the
# request. Fails if CHECK never held.
through_orderers() {
  local org=$1 what=$2 check=() t until
  shift 2
  while [ "$1" != -- ]; do check+=("$1"); shift; done
  shift
  for _ in 1 2; do
    for t in $(orderer_targets "$org"); do
      "${check[@]}" >/dev/null 2>&1 && return 0
      if ORDERER_VIA=$t "$@"; then
        until=$((SECONDS + 20))
        while [ $SECONDS -lt $until ]; do
          "${check[@]}" >/dev/null 2>&1 && return 0
          sleep 0.5
        done
      fi
      say "$what: not ordered through orderer-$t (down, cut off, behind or changing leader); trying the next orderer"
    done
  done
  "${check[@]}" >/dev/null 2>&1
}

# ---------------------------------------------------------------- health
health() {
  local org bad=0 line
  for org in "${ORGS[@]}"; do
    local added=() node
    for node in $(peer_nodes "$org"); do [ "$node" = peer ] || added+=("$node-$org:$(node_port "$org" "$node" peerOps):healthz"); done
    for line in "ca-$org:$(ca_ops_port "$org"):healthz" "orderer-$org:$(orderer_ops_port "$org"):healthz" \
      "peer-$org:$(peer_ops_port "$org"):healthz" "${added[@]}" "chaincode-$org:$(org_port "$org" "$(generation_port_kind "$(current_generation)")"):port"; do
      IFS=: read -r name port kind <<<"$line"
      [ "${name%%-*}" = orderer ] && ! runs_orderer "$org" && continue
      local state="down"
      if is_running "$name"; then
        if [ "$kind" = healthz ]; then
          if [ "${name%%-*}" = ca ]; then
            on_host "$org" curl -fsS --max-time 2 "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && state=OK || state=unhealthy
          else
            healthz "$port" "$(ca_cert "$org")" "$org" 2>/dev/null && state=OK || state=unhealthy
          fi
        else
          port_open "$port" "$org" && state=OK || state=unhealthy
        fi
      fi
      printf '  %-22s %-6s %s\n' "$name" "$port" "$state"
      [ "$state" = OK ] || bad=1
    done
  done
  return $bad
}

