# shellcheck shell=bash
# Builds a command from its Go module into the rxtrace cache, once (Kubo, geth).
# Sourced by scripts/kubo.sh and scripts/evm.sh.
#   go_module_build NAME VERSION PACKAGE OUT MINUTES
# e.g. go_module_build geth 1.17.10 github.com/ethereum/go-ethereum/cmd/geth "$RXTRACE_CACHE/geth/1.17.10/geth" 3-6
# builds PACKAGE@vVERSION into OUT (written whole or not at all), saying what it
# does on stderr as "NAME: ..." with the elapsed time while it compiles. Go's own
# module and build caches (GOMODCACHE, GOCACHE) are reused, so a rebuild is quick.

go_module_build() {
  local name=$1 version=$2 package=$3 out=$4 minutes=$5
  if ! command -v go >/dev/null 2>&1; then
    echo "$name: Go is needed once to build $name $version; install Go 1.25+ (https://go.dev/dl) and run again." >&2
    return 1
  fi
  local work; work=$(mktemp -d)
  echo "$name: building $name v$version from its Go module (first time only, about $minutes minutes)..." >&2
  local started; started=$(date +%s)
  (
    set -e
    cd "$work"
    go mod init "rxtrace.local/$name-build" >/dev/null 2>&1
    echo "$name: [1/2] downloading modules" >&2
    GOFLAGS=-mod=mod go get "$package@v$version" >/dev/null 2>"$work/get.log" || { cat "$work/get.log" >&2; exit 1; }
    echo "$name: [2/2] compiling" >&2
    mkdir -p "$(dirname "$out")"
    go build -trimpath -ldflags "-s -w" -o "$out.tmp" "$package" &
    local build=$!
    # A silent compile of several minutes looks hung: say how long it has run.
    while kill -0 "$build" 2>/dev/null; do
      sleep 1
      local elapsed=$(( $(date +%s) - started ))
      [ $((elapsed % 30)) -eq 0 ] && kill -0 "$build" 2>/dev/null && echo "$name: still compiling ($elapsed s)" >&2
    done
    wait "$build"
    mv "$out.tmp" "$out"
  ) || { rm -rf "$work" "$out.tmp"; echo "$name: the build of $name v$version failed (see the lines above)." >&2; return 1; }
  rm -rf "$work"
  echo "$name: built in $(( $(date +%s) - started )) s: $out" >&2
}
