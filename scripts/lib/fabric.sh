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
# Every archive is checked against a sha256 digest before it is extracted,
# the first that one of these gives:
#   1. the SHA256SUMS of FABRIC_DIST_DIR;
#   2. network/fabric-release.sha256 in the repository (official release digests);
#   3. $RXTRACE_CACHE/fabric-release.sha256 (digests trusted on first use, below);
#   4. the digest GitHub's release API publishes for the asset ("digest": "sha256:...").
# A mismatch is refused. When none of them knows the archive, the download is
# trusted on first use: its digest is printed and recorded in (3), so a later
# install of the same archive must match it. RXTRACE_TRUST_DOWNLOAD=0 refuses instead.
RXTRACE_CACHE="${RXTRACE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rxtrace}"
FABRIC_VERSION="${FABRIC_VERSION:-3.1.5}"
FABRIC_CA_VERSION="${FABRIC_CA_VERSION:-1.5.21}"
# Where the releases are downloaded from when FABRIC_DIST_DIR lacks them, and
# where their descriptions (with the assets' digests) are read; a mirror can
# stand in for either with the same paths: <project>/releases/download/v<version>/<file>
# and <project>/releases/tags/v<version>.
FABRIC_RELEASES_URL="${FABRIC_RELEASES_URL:-https://github.com/hyperledger}"
FABRIC_RELEASES_API="${FABRIC_RELEASES_API:-https://api.github.com/repos/hyperledger}"
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

_fabric_trusted_list() { echo "$RXTRACE_CACHE/fabric-release.sha256"; }

_fabric_sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | awk '{print $1}'; else shasum -a 256 "$1" | awk '{print $1}'; fi
}

# _fabric_expected_digest FILE: "DIGEST LIST" from the first local list that names FILE.
_fabric_expected_digest() {
  local name=$1 list
  for list in "${FABRIC_DIST_DIR:+$FABRIC_DIST_DIR/SHA256SUMS}" "$_rxtrace_repo/network/fabric-release.sha256" "$(_fabric_trusted_list)"; do
    [ -n "$list" ] && [ -f "$list" ] || continue
    awk -v n="$name" -v l="$list" '$2 == n || $2 == "*" n { print $1, l; found = 1; exit } END { exit !found }' "$list" && return 0
  done
  return 0
}

# _fabric_published_digest PROJECT VERSION FILE: the sha256 the release API
# publishes for the asset FILE, or nothing (no answer, no such asset, no digest).
_fabric_published_digest() {
  local project=$1 version=$2 name=$3 release
  command -v node >/dev/null 2>&1 || return 0
  release=$(curl -fsSL --connect-timeout 10 --max-time 30 -H 'Accept: application/vnd.github+json' \
    "$FABRIC_RELEASES_API/$project/releases/tags/v$version" 2>/dev/null) || return 0
  printf '%s' "$release" | node -e '
    let text = "";
    process.stdin.on("data", (c) => (text += c)).on("end", () => {
      try {
        const asset = (JSON.parse(text).assets ?? []).find((a) => a.name === process.argv[1]);
        const m = /^sha256:([0-9a-f]{64})$/.exec(asset?.digest ?? "");
        if (m) console.log(m[1]);
      } catch { /* not a release description: no digest */ }
    });' "$name" 2>/dev/null || true
}

# _fabric_fetch PROJECT VERSION NAME URL DEST: copies or downloads the archive
# NAME to DEST and checks its digest.
_fabric_fetch() {
  local project=$1 version=$2 name=$3 url=$4 dest=$5 known expected list actual api
  if [ -n "${FABRIC_DIST_DIR:-}" ] && [ -f "$FABRIC_DIST_DIR/$name" ]; then
    echo "rxtrace: using $FABRIC_DIST_DIR/$name" >&2
    cp "$FABRIC_DIST_DIR/$name" "$dest" || { _fabric_fail "cannot copy $FABRIC_DIST_DIR/$name."; return 1; }
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
  actual=$(_fabric_sha256 "$dest")
  known=$(_fabric_expected_digest "$name")
  if [ -n "$known" ]; then
    expected=${known%% *} list=${known#* }
    if [ "$expected" != "$actual" ]; then
      _fabric_fail "$name has sha256 $actual but $expected was expected; refusing to install it (the digest is from $list)."
      return 1
    fi
    echo "rxtrace: sha256 of $name verified ($list)" >&2
    return 0
  fi
  api="$FABRIC_RELEASES_API/$project/releases/tags/v$version"
  expected=$(_fabric_published_digest "$project" "$version" "$name")
  if [ -n "$expected" ]; then
    if [ "$expected" != "$actual" ]; then
      _fabric_fail "$name has sha256 $actual but $expected was expected; refusing to install it (the digest is the one the release API publishes at $api)."
      return 1
    fi
    echo "rxtrace: sha256 of $name verified against the digest the release API publishes ($api)" >&2
    return 0
  fi
  if [ "${RXTRACE_TRUST_DOWNLOAD:-1}" = 0 ]; then
    _fabric_fail "no sha256 is known for $name (got $actual) and the release API ($api) publishes none; add it to network/fabric-release.sha256 or leave RXTRACE_TRUST_DOWNLOAD unset to trust this download."
    return 1
  fi
  if ! { mkdir -p "$RXTRACE_CACHE" && echo "$actual  $name" >>"$(_fabric_trusted_list)"; }; then
    _fabric_fail "cannot record the digest of $name in $(_fabric_trusted_list)."
    return 1
  fi
  echo "rxtrace: no sha256 is known for $name and the release API ($api) publishes none; trusting this first download: sha256 $actual, recorded in $(_fabric_trusted_list)" >&2
}

# _fabric_install_one PROJECT VERSION NAME HOME CHECK_FILE
_fabric_install_one() {
  local project=$1 version=$2 name=$3 home=$4 check=$5 tmp
  if [ -x "$home/$check" ]; then return 0; fi
  tmp=$(mktemp -d)
  if ! _fabric_fetch "$project" "$version" "$name" "$FABRIC_RELEASES_URL/$project/releases/download/v$version/$name" "$tmp/$name"; then rm -rf "$tmp"; return 1; fi
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
  _fabric_install_one fabric "$FABRIC_VERSION" "hyperledger-fabric-$platform-$FABRIC_VERSION.tar.gz" \
    "$FABRIC_HOME" bin/peer || return 1
  _fabric_install_one fabric-ca "$FABRIC_CA_VERSION" "hyperledger-fabric-ca-$platform-$FABRIC_CA_VERSION.tar.gz" \
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
