#!/usr/bin/env bash
# One host per org on this machine: a Linux network namespace per org, each
# with an address of its own on a bridge, so the network's nodes talk over
# real links that a test can cut (docs/network.md, "One host per org").
#
#   scripts/network/hosts.sh check          can namespaces be made here? (says why not, exit 1)
#   scripts/network/hosts.sh up             makes the bridge and one namespace per org; prints
#                                           the settings network.sh reads, for eval:
#                                           RXTRACE_NETNS=<tag> RXTRACE_HOST_<ORG>=<address> ...
#   scripts/network/hosts.sh add TAG ORG    a host for an org that joins later, on TAG's bridge;
#                                           prints its RXTRACE_HOST_<ORG>=<address>
#   scripts/network/hosts.sh down TAG       removes the namespaces, veths and bridge of TAG
#   scripts/network/hosts.sh cut TAG ORG    takes ORG's link down (its host is cut off)
#   scripts/network/hosts.sh heal TAG ORG   brings ORG's link back up
#
# The subnet is 10.77.<n>.0/24 with the first n (1..250) that no interface of
# this machine uses and no namespace of this script holds; org i of the
# topology is 10.77.<n>.<i+1>, the bridge (this machine's side) 10.77.<n>.254.
# Names: bridge rxbr<n>, namespaces rxn<n>-<org>, host-side veths rxv<n>-<i>.
# Nothing outside these namespaces is ever contacted or changed.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=lib/topology.sh
source "$ROOT/scripts/network/lib/topology.sh"

die() { echo "hosts: $*" >&2; exit 1; }

# Why namespaces cannot be made here, or nothing when they can.
why_not() {
  [ "$(id -u)" = 0 ] || { echo "network namespaces need root (this is uid $(id -u))"; return 0; }
  command -v ip >/dev/null 2>&1 || { echo "the 'ip' command (iproute2) is not installed"; return 0; }
  local probe="rxprobe$$"
  if ! ip netns add "$probe" 2>/dev/null; then echo "'ip netns add' fails here (no CAP_SYS_ADMIN, or no netns support)"; return 0; fi
  ip netns delete "$probe" 2>/dev/null || true
  if ! ip link add "rxbp$$" type bridge 2>/dev/null; then echo "'ip link add type bridge' fails here"; return 0; fi
  ip link delete "rxbp$$" 2>/dev/null || true
}

tag_of() { echo "rxn$1"; }
netns_name() { echo "$1-$2"; }

subnet_free() {
  local n=$1
  ! ip -o -4 addr show | grep -q " 10\.77\.$n\." &&
    ! ip link show "rxbr$n" >/dev/null 2>&1 &&
    ! ip netns list | grep -q "^$(tag_of "$n")-"
}

# make_host N I ORG: the namespace rxn<N>-ORG with address 10.77.<N>.<I+1> on
# bridge rxbr<N>; prints the setting that tells network.sh where ORG is.
make_host() {
  local n=$1 i=$2 org=$3 ns veth addr
  ns=$(netns_name "$(tag_of "$n")" "$org"); veth="rxv$n-$i"; addr="10.77.$n.$((i + 1))"
  ip netns add "$ns"
  ip link add "$veth" type veth peer name "${veth}p"
  ip link set "${veth}p" netns "$ns"
  ip -n "$ns" link set "${veth}p" name eth0
  ip -n "$ns" addr add "$addr/24" dev eth0
  ip -n "$ns" link set lo up
  ip -n "$ns" link set eth0 up
  # A cut link answers nothing, so TCP keeps retransmitting unacknowledged
  # data to it for ~15 min (tcp_retries2=15) before it drops the connection.
  # Meanwhile an orderer's stream to the cut consenter blocks (Fabric's
  # cluster client pings only every 60 s) and, with it, the BFT leader's
  # broadcasts to everyone: ordering stalled for a whole 25 s partition.
  # Each org host drops a connection after ~3 s of silence instead (a
  # setting of the host, not of Fabric; docs/network.md).
  ip netns exec "$ns" sysctl -qw net.ipv4.tcp_retries2="${RXTRACE_HOST_TCP_RETRIES2:-3}"
  ip link set "$veth" master "rxbr$n"
  ip link set "$veth" up
  echo "RXTRACE_HOST_$(echo "$org" | tr '[:lower:]' '[:upper:]')=$addr"
}

# cmd_add TAG ORG: a host for an org that joins later (scripts/network.sh
# join), on the bridge of TAG, at the address of ORG's place in the topology.
cmd_add() {
  local tag=$1 org=$2 n i=0 o
  check_tag "$tag"
  n=${tag#rxn}
  msp_of "$org" >/dev/null
  ip link show "rxbr$n" >/dev/null 2>&1 || die "no bridge rxbr$n: hosts $tag are not up"
  ip netns list | grep -q "^$(netns_name "$tag" "$org")\b" && die "$org already has a host in $tag"
  for o in "${ORGS[@]}"; do [ "$o" = "$org" ] && break; i=$((i + 1)); done
  make_host "$n" "$i" "$org"
}

cmd_up() {
  local reason n="" i org
  reason=$(why_not)
  [ -z "$reason" ] || die "$reason"
  for i in $(seq 1 250); do subnet_free "$i" && { n=$i; break; }; done
  [ -n "$n" ] || die "no free subnet 10.77.<n>.0/24 (n 1..250)"
  local tag br="rxbr$n"
  tag=$(tag_of "$n")
  # A failure half-way removes what was made.
  trap 'cmd_down "$tag" >/dev/null 2>&1 || true' ERR
  ip link add "$br" type bridge
  ip addr add "10.77.$n.254/24" dev "$br"
  ip link set "$br" up
  i=0
  for org in "${ORGS[@]}"; do make_host "$n" "$i" "$org"; i=$((i + 1)); done
  trap - ERR
  echo "RXTRACE_NETNS=$tag"
}

check_tag() { [[ $1 =~ ^rxn[0-9]+$ ]] || die "'$1' is not a tag made by this script (rxn<n>)"; }

cmd_down() {
  local tag=$1 n ns i
  check_tag "$tag"
  n=${tag#rxn}
  for ns in $(ip netns list | awk '{print $1}' | grep "^$tag-" || true); do
    # Processes still inside would keep the namespace's network alive.
    for pid in $(ip netns pids "$ns" 2>/dev/null || true); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns delete "$ns"
  done
  # Every host-side veth of the tag, those of orgs added later (cmd_add) too.
  for i in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep "^rxv$n-" || true); do ip link delete "$i" 2>/dev/null || true; done
  ip link delete "rxbr$n" 2>/dev/null || true
}

link_of() {
  local tag=$1 org=$2
  check_tag "$tag"
  msp_of "$org" >/dev/null
  ip netns list | grep -q "^$(netns_name "$tag" "$org")\b" || die "no namespace $(netns_name "$tag" "$org")"
  netns_name "$tag" "$org"
}

case "${1:-}" in
  check) reason=$(why_not); if [ -n "$reason" ]; then echo "$reason"; exit 1; fi; echo "network namespaces can be made here" ;;
  up) cmd_up ;;
  add) [ $# -eq 3 ] || die "usage: hosts.sh add TAG ORG"; cmd_add "$2" "$3" ;;
  down) [ $# -eq 2 ] || die "usage: hosts.sh down TAG"; cmd_down "$2" ;;
  cut) [ $# -eq 3 ] || die "usage: hosts.sh cut TAG ORG"; ip -n "$(link_of "$2" "$3")" link set eth0 down ;;
  heal) [ $# -eq 3 ] || die "usage: hosts.sh heal TAG ORG"; ip -n "$(link_of "$2" "$3")" link set eth0 up ;;
  *) echo "usage: scripts/network/hosts.sh check|up|add TAG ORG|down TAG|cut TAG ORG|heal TAG ORG" >&2; exit 2 ;;
esac
