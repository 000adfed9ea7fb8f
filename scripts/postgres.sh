#!/usr/bin/env bash
# A private PostgreSQL 15 cluster for the suites that need one (replicas of a
# gateway share it): Debian's postgresql-15, installed when missing, runs a
# cluster of its own in $RXTRACE_DATA/postgres on 127.0.0.1:$POSTGRES_PORT.
# A system cluster (/etc/postgresql, port 5432) is never touched.
#   scripts/postgres.sh install  apt-get install postgresql-15 when its initdb is missing (root)
#   scripts/postgres.sh start    install, initdb if new, start, create the database rxtrace; prints its URL
#   scripts/postgres.sh url      the URL of the database rxtrace (postgres://rxtrace@127.0.0.1:PORT/rxtrace)
#   scripts/postgres.sh status   exit 0 when the cluster answers
#   scripts/postgres.sh stop     stop the cluster and remove its folder
# As root the server runs as the postgres user (runuser): initdb refuses root.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
RXTRACE_DATA="${RXTRACE_DATA:-$root/.rxtrace}"
# Default port: network/topology.json (ports.services.postgres).
POSTGRES_PORT="${POSTGRES_PORT:-$(jq -r .ports.services.postgres "$root/network/topology.json")}"
bindir="${POSTGRES_BIN:-/usr/lib/postgresql/15/bin}"
datadir="$RXTRACE_DATA/postgres"
# As root the cluster runs as postgres, which must reach its folder: a clone
# under a closed folder (e.g. /root) gets one in /tmp instead, named after the
# data folder so start and stop find the same one.
if [ "$(id -u)" -eq 0 ] && id postgres >/dev/null 2>&1; then
  mkdir -p "$RXTRACE_DATA"
  if ! runuser -u postgres -- test -x "$RXTRACE_DATA"; then
    datadir="/tmp/rxtrace-postgres-$(printf '%s' "$RXTRACE_DATA" | sha256sum | cut -c1-12)"
  fi
fi
# The server writes its log itself, so it sits where the cluster does.
log="$datadir.log"
user=rxtrace
database=rxtrace

say() { echo "postgres: $*" >&2; }

# The cluster's owner: postgres when we are root, else whoever runs this.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install() {
  [ -x "$bindir/initdb" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then say "no $bindir/initdb and not root: install postgresql-15 (apt-get install postgresql-15) or set POSTGRES_BIN"; exit 1; fi
  say "installing postgresql-15 from Debian's packages"
  # No system cluster: the package would otherwise create and start "15 main" on 5432.
  if [ ! -f /etc/postgresql-common/createcluster.conf ]; then
    mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
  fi
  DEBIAN_FRONTEND=noninteractive apt-get update
  # Keep that file (ucf and dpkg would otherwise ask, with no one to answer).
  DEBIAN_FRONTEND=noninteractive UCF_FORCE_CONFFOLD=1 apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-confold postgresql-15 </dev/null
  [ -x "$bindir/initdb" ] || { say "postgresql-15 installed, but no $bindir/initdb"; exit 1; }
}

url() { echo "postgres://$user@127.0.0.1:$POSTGRES_PORT/$database"; }

answers() { as_owner "$bindir/pg_isready" -q -h 127.0.0.1 -p "$POSTGRES_PORT" -U "$user" -d postgres; }

start() {
  install
  if [ ! -f "$datadir/PG_VERSION" ]; then
    mkdir -p "$datadir"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$datadir"; fi
    if ! as_owner test -w "$datadir"; then
      say "the postgres user cannot write $datadir (a folder above it is closed to it): set RXTRACE_DATA to a folder it can reach"
      exit 1
    fi
    # Loopback only, trust: a test cluster no one else reaches (its socket is in its own folder).
    as_owner "$bindir/initdb" -D "$datadir" -U "$user" --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  touch "$log"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$log"; fi
  if as_owner "$bindir/pg_ctl" -D "$datadir" status >/dev/null 2>&1; then
    say "already running: $(url)"
  else
    if answers; then say "port $POSTGRES_PORT already answers as a PostgreSQL that is not ours; stop it or set POSTGRES_PORT"; exit 1; fi
    as_owner "$bindir/pg_ctl" -D "$datadir" -l "$log" -w -t 60 \
      -o "-p $POSTGRES_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='$datadir' -c fsync=on" start >/dev/null ||
      { say "the cluster did not start; see $log"; tail -n 20 "$log" >&2; exit 1; }
  fi
  if ! as_owner "$bindir/psql" -h 127.0.0.1 -p "$POSTGRES_PORT" -U "$user" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1; then
    as_owner "$bindir/createdb" -h 127.0.0.1 -p "$POSTGRES_PORT" -U "$user" "$database"
  fi
  say "cluster in $datadir on 127.0.0.1:$POSTGRES_PORT: $(url)"
}

stop() {
  if [ -f "$datadir/PG_VERSION" ]; then
    as_owner "$bindir/pg_ctl" -D "$datadir" -m fast -w stop >/dev/null 2>&1 || true
    say "stopped"
  fi
  rm -rf "$datadir" "$log"
}

case "${1:-}" in
  install) install ;;
  start) start; url ;;
  url) url ;;
  status) answers ;;
  stop) stop ;;
  *) echo "usage: scripts/postgres.sh install|start|url|status|stop" >&2; exit 2 ;;
esac
