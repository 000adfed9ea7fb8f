#!/usr/bin/env bash
# Runs the rxtrace write and verify rounds with Hyperledger Caliper
# (caliper-cli 0.6.0, binding fabric:fabric-gateway) against a running
# rxtrace network with the noop chaincode deployed (npm run bench -- --keep
# leaves one up). Caliper's peer-gateway connector refuses mutual TLS, so the
# network must run with client certificates off:
#
#   RXTRACE_DATA=.rxtrace/caliper RXTRACE_MUTUAL_TLS=false bash scripts/network.sh up
#   RXTRACE_DATA=.rxtrace/caliper bash scripts/bench/noop-chaincode.sh up
#   RXTRACE_DATA=.rxtrace/caliper bash bench/caliper/run.sh
#
# Caliper is installed here (bench/caliper/package.json, its own node_modules and
# lock), apart from the main workspaces: cd caliper && npm install.
# Its report goes to bench/caliper/report.html; docs/benchmarks.md explains it.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DATA="${RXTRACE_DATA:-$ROOT/.rxtrace}"
source "$ROOT/scripts/lib/node.sh"
NETWORK_JSON="$DATA/network.json"
OUT="$DATA/caliper"
[ -f "$NETWORK_JSON" ] || { echo "caliper: no network at $DATA (start one first, see the header of this script)" >&2; exit 1; }
if [ "$(jq -r '.mutualTls' "$NETWORK_JSON")" = true ]; then
  echo "caliper: the network at $DATA requires client TLS certificates (mutual TLS); Caliper's fabric-gateway connector refuses mutual TLS. Start it with RXTRACE_MUTUAL_TLS=false (see the header of this script)." >&2
  exit 1
fi
# Install and bind once (needs the npm registry); launches then run offline.
if [ ! -x "$HERE/node_modules/.bin/caliper" ] || ! grep -q '"version": "1.5.0"' "$HERE/node_modules/@hyperledger/fabric-gateway/package.json" 2>/dev/null; then
  (cd "$HERE" && npm install --no-audit --no-fund && npx caliper bind --caliper-bind-sut fabric:fabric-gateway --caliper-bind-cwd "$HERE")
fi
mkdir -p "$OUT"

# A connection profile for the manufacturer's peer and the network
# configuration Caliper reads, both from network.json.
org='.orgs[] | select(.mspId == "ManufacturerMSP")'
jq "$org | {name: \"rxtrace-manufacturer\", version: \"1.0.0\",
  organizations: {ManufacturerMSP: {mspid: .mspId, peers: [.peer.hostOverride]}},
  peers: {(.peer.hostOverride): {url: (\"grpcs://\" + .peer.endpoint), tlsCACerts: {path: .peer.tlsCaCertPath},
    grpcOptions: {\"ssl-target-name-override\": .peer.hostOverride, \"grpc.keepalive_time_ms\": 120000}}}}" \
  "$NETWORK_JSON" >"$OUT/connection-manufacturer.json"
jq --arg profile "$OUT/connection-manufacturer.json" "$org as \$o | {name: \"rxtrace\", version: \"2.0.0\",
  caliper: {blockchain: \"fabric\", sutOptions: {mutualTls: false}},
  channels: [{channelName: \"mfr-dist\", contracts: [{id: \"rxtrace\"}, {id: \"noop\"}]}],
  organizations: [{mspid: \$o.mspId,
    identities: {certificates: [\$o.users[] | select(.name == \"operator\") |
      {name: \"operator\", clientPrivateKey: {path: .keyPath}, clientSignedCert: {path: .certPath}}]},
    connectionProfile: {path: \$profile, discover: true}}]}" \
  "$NETWORK_JSON" >"$OUT/network.json"

cd "$HERE"
npx caliper launch manager \
  --caliper-workspace "$HERE" \
  --caliper-networkconfig "$OUT/network.json" \
  --caliper-benchconfig benchmarks/rxtrace.yaml \
  --caliper-flow-only-test \
  --caliper-report-path "$HERE/report.html"
