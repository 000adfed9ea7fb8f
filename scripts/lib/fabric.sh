#!/usr/bin/env bash
# Installs the Hyperledger Fabric and Fabric CA release binaries into a cache
# outside the repository, the way Fabric's own install script lays them out,
# and puts them on PATH when sourced.
#
#   source scripts/lib/fabric.sh          # install if missing, then PATH, FABRIC_HOME, FABRIC_CA_HOME
#   bash scripts/lib/fabric.sh            # install if missing, print where
#
# Sources, in order:
#   1. $FABRIC_DIST_DIR: a folder holding the official archive names and a
#      SHA256SUMS file (CI: ../shared/fabric beside the clone);
#   2. the official GitHub releases of hyperledger/fabric and
#      hyperledger/fabric-ca for this OS and architecture.
# Every archive is checked against a digest before it is extracted: the
# SHA256SUMS of the dist folder, else network/fabric-release.sha256 in the
# repository. A digest that neither lists is refused unless
# RXTRACE_TRUST_DOWNLOAD=1 (then it is recorded and printed).
RXTRACE_CACHE="${RXTRACE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rxtrace}"
FABRIC_VERSION="${FABRIC_VERSION:-3.1.5}"
FABRIC_CA_VERSION="${FABRIC_CA_VERSION:-1.5.21}"
# Where the releases are downloaded from when FABRIC_DIST_DIR lacks them (a
# mirror can stand in: same <project>/releases/download/v<version>/<file> paths).
FABRIC_RELEASES_URL="${FABRIC_RELEASES_URL:-https://github.com/hyperledger}"
FABRIC_HOME="$RXTRACE_CACHE/fabric/$FABRIC_VERSION"
FABRIC_CA_HOME="$RXTRACE_CACHE/fabric-ca/$FABRIC_CA_VERSION"
_rxtrace_repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

_fabric_fail() { echo "rxtrace: $*" >&2; return 1; }

_fabric_platform() {
  local os arch
  case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) _fabric_fail "Fabric publishes no binaries for $(uname -s)."; return 1 ;; esac
  case "$(uname -m)" in x86_64 | amd64) arch=amd64 ;; aarch64 | arm64) arch=arm64 ;; *) _fabric_fail "Fabric publishes no binaries for $(uname -m)."; return 1 ;; esac
  echo "$os-$arch"
}

# _fabric_expected_digest FILE: the sha256 that a trusted list gives for FILE.
_fabric_expected_digest() {
  local name=$1 list
  for list in "${FABRIC_DIST_DIR:+$FABRIC_DIST_DIR/SHA256SUMS}" "$_rxtrace_repo/network/fabric-release.sha256"; do
    [ -n "$list" ] && [ -f "$list" ] || continue
    awk -v n="$name" '$2 == n || $2 == "*" n { print $1; exit }' "$list"
  done | head -n 1
}

# _fabric_fetch NAME URL DEST: copies or downloads the archive NAME to DEST and checks its digest.
_fabric_fetch() {
  local name=$1 url=$2 dest=$3 expected actual
  if [ -n "${FABRIC_DIST_DIR:-}" ] && [ -f "$FABRIC_DIST_DIR/$name" ]; then
    echo "rxtrace: using $FABRIC_DIST_DIR/$name" >&2
    cp "$FABRIC_DIST_DIR/$name" "$dest"
  elif command -v curl >/dev/null 2>&1; then
    echo "rxtrace: downloading $url" >&2
    if ! curl -fL --retry 2 --connect-timeout 15 --progress-bar -o "$dest" "$url"; then
      _fabric_fail "cannot get $name: it is not in FABRIC_DIST_DIR (${FABRIC_DIST_DIR:-unset}) and $url cannot be downloaded; set FABRIC_DIST_DIR to a folder holding the release archives."
      return 1
    fi
  else
    _fabric_fail "cannot get $name: FABRIC_DIST_DIR does not hold it and curl is not installed to download it."
    return 1
  fi
  actual=$(sha256sum "$dest" | awk '{print $1}')
  expected=$(_fabric_expected_digest "$name")
  if [ -z "$expected" ]; then
    if [ "${RXTRACE_TRUST_DOWNLOAD:-0}" = 1 ]; then
      echo "rxtrace: no known digest for $name; trusting this download (sha256 $actual)" >&2
      echo "$actual  $name" >>"$_rxtrace_repo/network/fabric-release.sha256"
    else
      _fabric_fail "no known sha256 for $name (got $actual); add it to network/fabric-release.sha256 or rerun with RXTRACE_TRUST_DOWNLOAD=1."
      return 1
    fi
  elif [ "$expected" != "$actual" ]; then
    _fabric_fail "$name has sha256 $actual but $expected was expected; refusing to install it."
    return 1
  else
    echo "rxtrace: sha256 of $name verified" >&2
  fi
}

# _fabric_install_one NAME URL HOME CHECK_FILE
_fabric_install_one() {
  local name=$1 url=$2 home=$3 check=$4 tmp
  if [ -x "$home/$check" ]; then return 0; fi
  tmp=$(mktemp -d)
  if ! _fabric_fetch "$name" "$url" "$tmp/$name"; then rm -rf "$tmp"; return 1; fi
  echo "rxtrace: extracting $name into $home" >&2
  mkdir -p "$tmp/x" "$(dirname "$home")"
  if ! tar xzf "$tmp/$name" -C "$tmp/x"; then rm -rf "$tmp"; _fabric_fail "$name is not a readable tar.gz archive."; return 1; fi
  [ -x "$tmp/x/$check" ] || { rm -rf "$tmp"; _fabric_fail "$name does not contain $check."; return 1; }
  # Move into place in one step so a half-extracted cache is never used.
  rm -rf "$home" && mv "$tmp/x" "$home"
  rm -rf "$tmp"
}

fabric_install() {
  local platform
  platform=$(_fabric_platform) || return 1
  _fabric_install_one "hyperledger-fabric-$platform-$FABRIC_VERSION.tar.gz" \
    "$FABRIC_RELEASES_URL/fabric/releases/download/v$FABRIC_VERSION/hyperledger-fabric-$platform-$FABRIC_VERSION.tar.gz" \
    "$FABRIC_HOME" bin/peer || return 1
  _fabric_install_one "hyperledger-fabric-ca-$platform-$FABRIC_CA_VERSION.tar.gz" \
    "$FABRIC_RELEASES_URL/fabric-ca/releases/download/v$FABRIC_CA_VERSION/hyperledger-fabric-ca-$platform-$FABRIC_CA_VERSION.tar.gz" \
    "$FABRIC_CA_HOME" bin/fabric-ca-server || return 1
}

if fabric_install; then
  case ":$PATH:" in *":$FABRIC_HOME/bin:"*) ;; *) export PATH="$FABRIC_HOME/bin:$FABRIC_CA_HOME/bin:$PATH" ;; esac
  export FABRIC_HOME FABRIC_CA_HOME FABRIC_VERSION FABRIC_CA_VERSION
  if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    echo "fabric $FABRIC_VERSION: $FABRIC_HOME"
    echo "fabric-ca $FABRIC_CA_VERSION: $FABRIC_CA_HOME"
    "$FABRIC_HOME/bin/peer" version | sed -n 's/^ Version: /peer version: /p'
  fi
else
  # shellcheck disable=SC2317
  return 1 2>/dev/null || exit 1
fi
