#!/usr/bin/env bash
# supervise.sh NAME COMMAND...: runs COMMAND and starts it again whenever it
# exits, waiting a little longer after each quick failure (at most 10 s) so a
# crash loop does not eat the CPU. TERM or INT stops the command and the loop.
# scripts/network.sh runs every chaincode server under one of these.
set -u
name=$1; shift
child=0
stop() { [ "$child" -gt 0 ] && kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null; exit 0; }
trap stop TERM INT
delay=1
while true; do
  started=$SECONDS
  "$@" &
  child=$!
  wait "$child"
  rc=$?
  echo "supervise: $name exited with status $rc after $((SECONDS - started))s; restarting in ${delay}s" >&2
  if [ $((SECONDS - started)) -ge 30 ]; then delay=1; else delay=$((delay * 2 > 10 ? 10 : delay * 2)); fi
  sleep "$delay" &
  wait $!
done
