# shellcheck shell=bash
# The network's layout, read once from network/topology.json (orgs, MSP ids,
# users, channels, ordering, ports) into bash variables, and the functions the
# other modules ask it through. Sourced by scripts/network.sh, its helpers and
# scripts/bench/noop-chaincode.sh; needs ROOT (the repository) set.
#
#   RXTRACE_PORT_OFFSET   shifts every org port (a multiple of 10, 0..990)
#   RXTRACE_HOST_<ORG>    the address other nodes reach ORG at (one host per org)
#   RXTRACE_NETNS         run each org in the network namespace <tag>-<org>
#   RXTRACE_TOPOLOGY      another topology file (tests)

TOPOLOGY_FILE="${RXTRACE_TOPOLOGY:-$ROOT/network/topology.json}"
# All network state lives in ${RXTRACE_DATA:-<repo>/.rxtrace}:
#   fabric/   CA homes, MSPs, TLS material, ledgers, channel blocks, packages
#   logs/     one log per process
#   run/      one pid file per process
#   network.json  what clients (gateway, tests) need to connect
DATA="${RXTRACE_DATA:-$ROOT/.rxtrace}"
NET="$DATA/fabric"
# shellcheck disable=SC2034 # used by the modules that source this one
LOGS="$DATA/logs"
# shellcheck disable=SC2034
RUN="$DATA/run"
if ! command -v jq >/dev/null 2>&1; then
  echo "network: jq is needed to read $TOPOLOGY_FILE (Debian: apt-get install -y jq)" >&2
  exit 2
fi
[ -f "$TOPOLOGY_FILE" ] || { echo "network: no topology at $TOPOLOGY_FILE" >&2; exit 2; }

declare -gA TOPO_MSP=() TOPO_ORDERER_MSP=() TOPO_BLOCK=() TOPO_HOST=() TOPO_USERS=() TOPO_PARTNER_NAME=() \
  TOPO_PARTNER_ROLE=() TOPO_CHANNEL_ORGS=() TOPO_PROFILE=() TOPO_TRADERS=() TOPO_PORT=() TOPO_SERVICE_PORT=() TOPO_NODE_PORT=()
# One jq run turns the file into assignments (values quoted by @sh).
_topology_assignments=$(jq -r '
  "DOMAIN=\(.domain | @sh)",
  "CHAINCODE_NAME=\(.chaincode | @sh)",
  "REGISTRAR=\(.registrar | @sh)",
  "ORGS=(\(.orgs | map(.name | @sh) | join(" ")))",
  "CHANNELS=(\(.channels | map(.name | @sh) | join(" ")))",
  "BFT_ORDERER_ORGS=(\(.ordering.bft | map(@sh) | join(" ")))",
  "RAFT_ORDERER_ORGS=(\(.ordering.raft | map(@sh) | join(" ")))",
  (.orgs[] | (.name | @sh) as $o |
    "TOPO_MSP[\($o)]=\(.mspId | @sh)",
    "TOPO_ORDERER_MSP[\($o)]=\(.ordererMspId | @sh)",
    "TOPO_BLOCK[\($o)]=\(.portBlock)",
    "TOPO_HOST[\($o)]=\((.host // "127.0.0.1") | @sh)",
    "TOPO_USERS[\($o)]=\(.users | map("\(.name):\(.role)") | join(" ") | @sh)",
    "TOPO_PARTNER_NAME[\($o)]=\(.partner.name | @sh)",
    "TOPO_PARTNER_ROLE[\($o)]=\(.partner.role | @sh)"),
  (.channels[] | (.name | @sh) as $c |
    "TOPO_CHANNEL_ORGS[\($c)]=\(.orgs | join(" ") | @sh)",
    "TOPO_PROFILE[\($c)]=\(.profile | @sh)",
    "TOPO_TRADERS[\($c)]=\(.tradingPartners | join(" ") | @sh)"),
  (.ports.perOrg | to_entries[] | "TOPO_PORT[\(.key)]=\(.value)"),
  "ADDED_PEER_NODES=(\(.ports.addedPeers // {} | keys | map(@sh) | join(" ")))",
  (.ports.addedPeers // {} | to_entries[] | .key as $n | .value | to_entries[] | "TOPO_NODE_PORT[\($n):\(.key)]=\(.value)"),
  (.ports.services | to_entries[] | "TOPO_SERVICE_PORT[\(.key)]=\(.value)")
' "$TOPOLOGY_FILE") || { echo "network: $TOPOLOGY_FILE is not valid JSON" >&2; exit 2; }
eval "$_topology_assignments"
unset _topology_assignments

_topology_unknown() { echo "network: $1 '$2' is not in $TOPOLOGY_FILE" >&2; exit 1; }

# RXTRACE_PORT_OFFSET shifts every org port, so several networks (tests,
# benches) can run on one host side by side, each with its own RXTRACE_DATA.
PORT_OFFSET="${RXTRACE_PORT_OFFSET:-0}"
case $PORT_OFFSET in
  *[!0-9]* | "") echo "network: RXTRACE_PORT_OFFSET must be a multiple of 10 from 0 to 990, not '$PORT_OFFSET'" >&2; exit 2 ;;
esac
if [ "$PORT_OFFSET" -gt 990 ] || [ $((PORT_OFFSET % 10)) -ne 0 ]; then
  echo "network: RXTRACE_PORT_OFFSET must be a multiple of 10 from 0 to 990 (the orgs' port blocks are 1000 apart), not $PORT_OFFSET" >&2; exit 2
fi

# ---------------------------------------------------------------- org facts
msp_of() { [ -n "${TOPO_MSP[$1]:-}" ] || _topology_unknown org "$1"; echo "${TOPO_MSP[$1]}"; }
# The orderer of an org runs under a second MSP id of the same CA (see network/configtx.yaml).
orderer_msp_of() { [ -n "${TOPO_ORDERER_MSP[$1]:-}" ] || _topology_unknown org "$1"; echo "${TOPO_ORDERER_MSP[$1]}"; }
# The org whose MSP id is $1.
org_of_msp() {
  local org
  for org in "${ORGS[@]}"; do [ "${TOPO_MSP[$org]}" = "$1" ] && { echo "$org"; return 0; }; done
  _topology_unknown "MSP id" "$1"
}
# Client users of an org (besides its admin), name:role.
users_of() { [ -n "${TOPO_MSP[$1]:-}" ] || _topology_unknown org "$1"; echo "${TOPO_USERS[$1]}"; }
partner_name_of() { echo "${TOPO_PARTNER_NAME[$1]}"; }
partner_role_of() { echo "${TOPO_PARTNER_ROLE[$1]}"; }
channel_orgs() { [ -n "${TOPO_CHANNEL_ORGS[$1]:-}" ] || _topology_unknown channel "$1"; echo "${TOPO_CHANNEL_ORGS[$1]}"; }
# is_member ORG CHANNEL; channels_of_org ORG: the channels ORG is a member of.
is_member() { [[ " $(channel_orgs "$2") " == *" $1 "* ]]; }
channels_of_org() { local ch; for ch in "${CHANNELS[@]}"; do is_member "$1" "$ch" && echo "$ch"; done; return 0; }
channel_profile() { [ -n "${TOPO_PROFILE[$1]:-}" ] || _topology_unknown channel "$1"; echo "${TOPO_PROFILE[$1]}"; }
# The channel's trading partners: each pair of them has a private data collection.
channel_traders() { echo "${TOPO_TRADERS[$1]}"; }
# trade_collections CHANNEL: the collection configuration (JSON) of the
# channel's trading pairs: tradeTerms-<MSP>-<MSP> for every pair of its trading
# partners (MSP ids in code-point order; termsCollection of @rxtrace/domain),
# readable and writable by the pair's members only, and tradeTerms, the
# founding pair's (the first two), which held every shipment's terms before
# and stays because Fabric never drops a collection from a definition.
trade_collections() {
  local org msps=()
  for org in $(channel_traders "$1"); do msps+=("$(msp_of "$org")"); done
  jq -n '$ARGS.positional as $m
    | def collection($name; $members): {name: $name, policy: "OR(\($members | map("\u0027\(.).member\u0027") | join(",")))",
        requiredPeerCount: 0, maxPeerCount: 1, blockToLive: 0, memberOnlyRead: true, memberOnlyWrite: true};
    [collection("tradeTerms"; $m[0:2])]
    + [range(0; $m | length) as $i | range($i + 1; $m | length) as $j | ([$m[$i], $m[$j]] | sort) as $p
       | collection("tradeTerms-" + ($p | join("-")); $p)]' --args "${msps[@]}"
}
# The address other nodes use to reach this org: the topology's host
# (127.0.0.1 when it names none), or RXTRACE_HOST_<ORG> (see docs/network.md).
host_of() {
  local var
  [ -n "${TOPO_HOST[$1]:-}" ] || _topology_unknown org "$1"
  var="RXTRACE_HOST_$(echo "$1" | tr '[:lower:]' '[:upper:]')"
  echo "${!var:-${TOPO_HOST[$1]}}"
}

# With RXTRACE_NETNS=<tag> (made by scripts/network/hosts.sh) each org is a
# host of its own: the network namespace <tag>-<org>. Its nodes run there and
# its admin commands (CA enrolment, peer and orderer admin CLIs) run from there.
netns_of() { msp_of "$1" >/dev/null; echo "$RXTRACE_NETNS-$1"; }
# on_host ORG COMMAND...: runs the program COMMAND on ORG's host.
on_host() {
  local org=$1; shift
  if [ -n "${RXTRACE_NETNS:-}" ]; then ip netns exec "$(netns_of "$org")" "$@"; else "$@"; fi
}

# ---------------------------------------------------------------- ports
# org_port ORG KIND: KIND is a key of ports.perOrg (ca, peer, peerOps, ...).
org_port() {
  [ -n "${TOPO_BLOCK[$1]:-}" ] || _topology_unknown org "$1"
  [ -n "${TOPO_PORT[$2]:-}" ] || _topology_unknown "port kind" "$2"
  echo $((TOPO_BLOCK[$1] * 1000 + TOPO_PORT[$2] + PORT_OFFSET))
}
ca_port() { org_port "$1" ca; }
ca_ops_port() { org_port "$1" caOps; }
orderer_port() { org_port "$1" orderer; }
orderer_admin_port() { org_port "$1" ordererAdmin; }
orderer_ops_port() { org_port "$1" ordererOps; }
peer_port() { org_port "$1" peer; }
peer_cc_port() { org_port "$1" peerChaincode; }
peer_ops_port() { org_port "$1" peerOps; }
ccaas_port() { org_port "$1" ccaas; }
# Peer nodes. An org's first peer is the node "peer" (process peer-ORG, ports
# perOrg); an operator adds more (scripts/network.sh add-peer), named and
# numbered by ports.addedPeers (peer1, ...: process peer1-ORG, identity
# peer1.ORG.<domain>). node_port ORG NODE KIND: KIND is peer, peerChaincode or peerOps.
node_port() {
  local org=$1 node=$2 kind=$3
  if [ "$node" = peer ]; then org_port "$org" "$kind"; return; fi
  [ -n "${TOPO_BLOCK[$org]:-}" ] || _topology_unknown org "$org"
  [ -n "${TOPO_NODE_PORT[$node:$kind]:-}" ] || _topology_unknown "peer node" "$node"
  local number=${TOPO_NODE_PORT[$node:$kind]}
  echo $((TOPO_BLOCK[$org] * 1000 + number + PORT_OFFSET))
}
known_peer_node() { [ "$1" = peer ] || [ -n "${TOPO_NODE_PORT[$1:peer]:-}" ]; }
# The peer nodes ORG runs: its first, then every added node with a ledger folder.
peer_nodes() {
  local node
  echo peer
  for node in "${ADDED_PEER_NODES[@]}"; do [ -d "$NET/nodes/$node-$1" ] && echo "$node"; done
  return 0
}
# service_port KIND: host-wide ports (kuboApi, kuboGateway, evm, gateway), not shifted.
service_port() { [ -n "${TOPO_SERVICE_PORT[$1]:-}" ] || _topology_unknown "service port" "$1"; echo "${TOPO_SERVICE_PORT[$1]}"; }
# Every org port of the network with what listens on it, "PORT WHAT" per line.
all_org_ports() {
  local org node kind
  for org in "${ORGS[@]}"; do
    echo "$(ca_port "$org") a Fabric CA"; echo "$(ca_ops_port "$org") a Fabric CA"
    echo "$(orderer_port "$org") a Fabric orderer"; echo "$(orderer_admin_port "$org") a Fabric orderer"; echo "$(orderer_ops_port "$org") a Fabric orderer"
    echo "$(peer_port "$org") a Fabric peer"; echo "$(peer_cc_port "$org") a Fabric peer"; echo "$(peer_ops_port "$org") a Fabric peer"
    echo "$(ccaas_port "$org") a chaincode server"; echo "$(org_port "$org" ccaasNext) a chaincode server"
    for node in "${ADDED_PEER_NODES[@]}"; do
      for kind in peer peerChaincode peerOps; do echo "$(node_port "$org" "$node" "$kind") an added Fabric peer"; done
    done
  done
}

# ---------------------------------------------------------------- ordering
# BFT with one orderer per org (default), or the fallback RXTRACE_ORDERING=raft
# on the topology's Raft orgs. Fixed when the network is created (kept in
# fabric/ordering).
ORDERING="${RXTRACE_ORDERING:-$(cat "$NET/ordering" 2>/dev/null || echo bft)}"
case $ORDERING in
  bft) ORDERER_ORGS=("${BFT_ORDERER_ORGS[@]}") ;;
  raft) ORDERER_ORGS=("${RAFT_ORDERER_ORGS[@]}") ;;
  *) echo "network: RXTRACE_ORDERING must be bft or raft, not '$ORDERING'" >&2; exit 2 ;;
esac
runs_orderer() { local o; for o in "${ORDERER_ORGS[@]}"; do [ "$o" = "$1" ] && return 0; done; return 1; }

# ---------------------------------------------------------------- paths
org_dir() { echo "$NET/orgs/$1"; }
ca_cert() { echo "$NET/ca/$1/ca-cert.pem"; }
