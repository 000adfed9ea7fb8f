# shellcheck shell=bash
# Process control for the network's nodes: one process group per node, a pid
# file in run/, a log in logs/, ports checked free before a start. Sourced
# after topology.sh.
say() { echo "network: [${SECONDS}s] $*"; }
die() { echo "network: $*" >&2; exit 1; }

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
    port_open "$p" "${name##*-}" && die "port $p, needed by $name, is taken by another process (another network? give each one its own RXTRACE_DATA and RXTRACE_PORT_OFFSET)"
  done
  mkdir -p "$LOGS" "$RUN"
  echo "---- start $(date -u +%FT%TZ)" >>"$LOGS/$name.log"
  # With RXTRACE_NETNS every process of an org runs on that org's host.
  if [ -n "${RXTRACE_NETNS:-}" ]; then set -- ip netns exec "$(netns_of "${name##*-}")" "$@"; fi
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
    peer | peer[0-9]) echo "$(node_port "$org" "$kind" peer) $(node_port "$org" "$kind" peerChaincode) $(node_port "$org" "$kind" peerOps)" ;;
    # The slot of the committed chaincode generation (chaincode.sh); next-ORG
    # is the next generation's server during an upgrade.
    chaincode)
      if [ "${org#next-}" != "$org" ]; then org_port "${org#next-}" "$(generation_port_kind $(($(current_generation) + 1)))"
      else org_port "$org" "$(generation_port_kind "$(current_generation)")"; fi ;;
    noop) org_port "${org#chaincode-}" noopCcaas ;;
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

# An org's host publishes its peer and orderer on its address (the other orgs'
# nodes and clients need them); its CA, orderer admin, operations and
# chaincode ports listen on the host's own loopback, reached from that host.
# healthz PORT CAFILE [ORG]: the operations endpoint answers 200 on /healthz.
healthz() {
  local url="https://127.0.0.1:$1/healthz"
  if [ -n "${3:-}" ]; then on_host "$3" curl -fsS --max-time 2 --cacert "$2" "$url" >/dev/null; else curl -fsS --max-time 2 --cacert "$2" "$url" >/dev/null; fi
}
# port_open PORT [ORG]: something listens on PORT, on ORG's host (its loopback or its address).
port_open() {
  [ -n "${2:-}" ] || { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; return; }
  # shellcheck disable=SC2016 # expanded by the inner bash
  on_host "$2" bash -c 'for a in 127.0.0.1 "$2"; do (exec 3<>"/dev/tcp/$a/$1") 2>/dev/null && exit 0; done; exit 1' _ "$1" "$(host_of "$2")"
}
