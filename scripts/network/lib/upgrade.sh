# shellcheck shell=bash
# Chaincode upgrades, blue/green: the next generation of the rxtrace chaincode
# (chaincode.sh: sequence + 1, a new label, the other port slot) is packaged
# and installed, its servers start beside the running ones, every org
# approves it, one org commits it once every org has, and the old servers stop
# only after every peer runs the new definition. Sourced after chaincode.sh.
#
# The generation an upgrade is going to is kept in chaincode/upgrade until it
# is committed everywhere, so an interrupted upgrade resumes where it stopped
# when run again (each step is idempotent) instead of starting another one.
UPGRADE_FILE="$CHAINCODE_HOME/upgrade"

upgrade_pending() { [ -f "$UPGRADE_FILE" ]; }
upgrade_target() { if upgrade_pending; then cat "$UPGRADE_FILE"; else echo $(($(current_generation) + 1)); fi; }

# begin_upgrade [FROM_DIR]: records the target generation (and the folder its
# servers serve) unless an upgrade is already under way.
begin_upgrade() {
  local from=${1:-} target
  target=$(upgrade_target)
  if upgrade_pending; then
    [ -z "$from" ] || [ "$from" = "$(generation_module "$target")" ] ||
      die "an upgrade to sequence $((target + 1)) serving $(generation_module "$target") is under way; finish it (scripts/network.sh upgrade) before upgrading from $from"
    return 0
  fi
  [ -z "$from" ] || check_chaincode_module "$from"
  mkdir -p "$(generation_home "$target")"
  [ -z "$from" ] || (cd "$from" && pwd) >"$(generation_home "$target")/module"
  echo "$target" >"$UPGRADE_FILE"
  say "upgrading $CHAINCODE_NAME to sequence $((target + 1)) (version 1.$target, servers on $(generation_port_kind "$target"))"
}

# committed_sequence CHANNEL ORG: the sequence of the definition committed on the channel, as ORG's peer sees it.
committed_sequence() {
  as_admin "$2" peer lifecycle chaincode querycommitted --channelID "$1" --name "$CHAINCODE_NAME" --output json 2>/dev/null | jq -r '.sequence // 0'
}
first_org_of() { local first; read -r first _ <<<"$(channel_orgs "$1")"; echo "$first"; }
# upgraded CHANNEL [ORG]: the target definition is committed on the channel,
# as ORG's peer (default: the channel's first member's) sees it.
upgraded() { [ "$(committed_sequence "$1" "${2:-$(first_org_of "$1")}")" -ge "$CC_SEQUENCE" ]; }
orgs_of_channels() { local ch; for ch in "${CHANNELS[@]}"; do channel_orgs "$ch" | tr ' ' '\n'; done | awk '!seen[$0]++'; }

# install_next ORG: the org's package of the target generation, installed on its peer.
install_next() { package_chaincode "$1"; install_chaincode "$1"; }
# start_next ORG: the org's server of the target generation, beside the current one.
start_next() {
  check_chaincode_module "$CHAINCODE_DIR"
  start_chaincode_server "$1" "chaincode-next-$1"
  wait_until 60 "chaincode-next-$1" port_open "$(cc_port "$1")" "$1"
}

# approve_org ORG: ORG's admin approves the target definition on each of its
# channels where it is not committed yet, asking only its own peer.
approve_org() {
  local org=$1 ch
  for ch in "${CHANNELS[@]}"; do
    [[ " $(channel_orgs "$ch") " == *" $org "* ]] || continue
    upgraded "$ch" "$org" || approve_on_channel_as "$ch:$org"
  done
}

# not_approved CHANNEL: the MSP ids of the channel's members that have not
# approved the target definition (checkcommitreadiness), one a line.
not_approved() {
  local ch=$1 readiness
  # shellcheck disable=SC2046
  readiness=$(as_admin "$(first_org_of "$ch")" peer lifecycle chaincode checkcommitreadiness $(definition_opts "$ch") --output json 2>>"$LOGS/peer-cli.log") ||
    die "checkcommitreadiness of $CC_NAME sequence $CC_SEQUENCE on $ch failed (see $LOGS/peer-cli.log)"
  jq -r '.approvals | to_entries[] | select(.value | not) | .key' <<<"$readiness"
}

# upgrade_commit: refuses, naming them, while any org has not approved on any
# channel (nothing is committed then); otherwise commits where not committed
# yet and rolls the servers over.
upgrade_commit() {
  local ch msp missing=() first
  for ch in "${CHANNELS[@]}"; do
    upgraded "$ch" && continue
    for msp in $(not_approved "$ch"); do missing+=("$msp ($(org_of_msp "$msp")) on $ch"); done
  done
  if [ ${#missing[@]} -gt 0 ]; then
    die "upgrade refused: sequence $CC_SEQUENCE is not approved by $(printf '%s, ' "${missing[@]}" | sed 's/, $//'); each of them runs: scripts/network.sh upgrade approve ORG"
  fi
  for ch in "${CHANNELS[@]}"; do
    first=$(first_org_of "$ch")
    upgraded "$ch" || commit_definition "$ch" "$first"
  done
  finish_upgrade
}

# finish_upgrade: once every member's peer runs the target definition, the
# target generation becomes the current one and its servers take the old
# servers' place (their process names); the old servers stop.
finish_upgrade() {
  local ch org
  for ch in "${CHANNELS[@]}"; do
    for org in $(channel_orgs "$ch"); do wait_until 60 "sequence $CC_SEQUENCE on peer-$org ($ch)" committed "$ch" "$org"; done
  done
  echo "$CC_GENERATION" >"$CHAINCODE_HOME/generation"
  rm -f "$UPGRADE_FILE"
  local orgs
  read -r -a orgs <<<"$(orgs_of_channels | tr '\n' ' ')"
  stop_processes "${orgs[@]/#/chaincode-}"
  for org in "${orgs[@]}"; do
    if is_running "chaincode-next-$org"; then
      mv "$RUN/chaincode-next-$org.pid" "$RUN/chaincode-$org.pid"
    elif [ -f "$(cc_home "$org")/package-id" ]; then
      # The new server was not running (the network restarted mid-upgrade).
      start_chaincode_server "$org"
      wait_until 60 "chaincode-$org" port_open "$(cc_port "$org")" "$org"
    fi
  done
  say "$CC_NAME is at sequence $CC_SEQUENCE (version $CC_VERSION) on ${CHANNELS[*]}; the old servers are stopped"
}

# resume_upgrade_servers: after a restart mid-upgrade, the next generation's
# servers of the orgs that prepared it run again beside the current ones.
resume_upgrade_servers() {
  upgrade_pending || return 0
  local org
  use_rxtrace_generation "$(upgrade_target)"
  for org in $(orgs_of_channels); do
    [ -f "$(cc_home "$org")/package-id" ] || continue
    start_chaincode_server "$org" "chaincode-next-$org"
  done
  use_rxtrace_chaincode
}

upgrade_status() {
  local ch current target org msp
  current=$(current_generation)
  echo "generation $current: $CHAINCODE_NAME version 1.$current, sequence $((current + 1)), serving $(generation_module "$current")"
  for ch in "${CHANNELS[@]}"; do echo "  $ch: committed sequence $(committed_sequence "$ch" "$(first_org_of "$ch")")"; done
  upgrade_pending || { echo "no upgrade under way"; return 0; }
  target=$(upgrade_target)
  use_rxtrace_generation "$target"
  echo "upgrade under way to sequence $CC_SEQUENCE (version $CC_VERSION), serving $CHAINCODE_DIR"
  for ch in "${CHANNELS[@]}"; do
    if upgraded "$ch"; then echo "  $ch: committed"; continue; fi
    for org in $(channel_orgs "$ch"); do
      msp=$(msp_of "$org")
      if not_approved "$ch" | grep -qx "$msp"; then echo "  $ch: $msp has not approved"; else echo "  $ch: $msp approved"; fi
    done
  done
}
