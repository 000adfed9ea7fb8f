#!/usr/bin/env bash
# The chaincode on a real Fabric 3.1.5 peer, outside the unit suite (run by hand):
# a throwaway channel `mfr-dist` with one etcdraft orderer and two peers
# (ManufacturerMSP, RegulatorMSP) on loopback ports 27050-27062, the tsc-built
# chaincode served as CCaaS (fabric-chaincode-node server), then
#   - partners and a product registered, a query answered;
#   - CommissionLot of 1, 1,000 and 10,000 serials timed end to end (--waitForEvent)
#     and as endorsement only (peer chaincode query);
#   - a duplicate serial rejected with the JSON error parseChaincodeError reads;
#   - a regulator's RecallLot endorsed by its own peer only is invalidated by the
#     lot's key-level policy (ManufacturerMSP), and committed when both endorse;
#   - pack history read back through getHistoryForKey.
# Needs the Fabric release in ${RXTRACE_CACHE:-~/.cache/rxtrace}/fabric/3.1.5
# (npm run fabric:install), jq, python3, openssl-free. Everything lives in a
# temporary folder and every process it starts is stopped on exit.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$repo"
source scripts/lib/node.sh
FAB="${RXTRACE_CACHE:-$HOME/.cache/rxtrace}/fabric/3.1.5"
[ -x "$FAB/bin/peer" ] || { echo "real-peer: no Fabric 3.1.5 binaries in $FAB (npm run fabric:install)"; exit 1; }
W=$(mktemp -d /tmp/rxtrace-real-peer.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 1; rm -rf "$W"; }
trap cleanup EXIT

npm run build -w chaincode --silent
C=$W/crypto
"$FAB/bin/cryptogen" generate --config="$repo/test/chaincode/real-peer/crypto-config.yaml" --output="$C" >/dev/null
O=$C/ordererOrganizations/orderer.bench/orderers/orderer.orderer.bench
sed "s#@C@#$C#g" "$repo/test/chaincode/real-peer/configtx.yaml" > "$W/configtx.yaml"
FABRIC_CFG_PATH=$W "$FAB/bin/configtxgen" -profile Bench -outputBlock "$W/bench.block" -channelID mfr-dist 2>/dev/null
mkdir -p "$W/ocfg" "$W/pcfg"
cp "$FAB/config/orderer.yaml" "$W/ocfg/"
sed "s#/opt/hyperledger/ccaas_builder#$FAB/builders/ccaas#" "$FAB/config/core.yaml" > "$W/pcfg/core.yaml"

(
  export FABRIC_CFG_PATH=$W/ocfg FABRIC_LOGGING_SPEC=warn
  export ORDERER_GENERAL_LISTENADDRESS=127.0.0.1 ORDERER_GENERAL_LISTENPORT=27050
  export ORDERER_GENERAL_LOCALMSPID=OrdererMSP ORDERER_GENERAL_LOCALMSPDIR=$O/msp
  export ORDERER_GENERAL_TLS_ENABLED=true ORDERER_GENERAL_TLS_PRIVATEKEY=$O/tls/server.key
  export ORDERER_GENERAL_TLS_CERTIFICATE=$O/tls/server.crt ORDERER_GENERAL_TLS_ROOTCAS=[$O/tls/ca.crt]
  export ORDERER_GENERAL_BOOTSTRAPMETHOD=none
  export ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE=$O/tls/server.crt ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY=$O/tls/server.key
  export ORDERER_GENERAL_CLUSTER_ROOTCAS=[$O/tls/ca.crt]
  export ORDERER_FILELEDGER_LOCATION=$W/data/orderer ORDERER_CONSENSUS_WALDIR=$W/data/orderer/wal ORDERER_CONSENSUS_SNAPDIR=$W/data/orderer/snap
  export ORDERER_OPERATIONS_LISTENADDRESS=127.0.0.1:27443 ORDERER_ADMIN_LISTENADDRESS=127.0.0.1:27053
  export ORDERER_ADMIN_TLS_ENABLED=true ORDERER_ADMIN_TLS_PRIVATEKEY=$O/tls/server.key ORDERER_ADMIN_TLS_CERTIFICATE=$O/tls/server.crt
  export ORDERER_ADMIN_TLS_ROOTCAS=[$O/tls/ca.crt] ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED=true ORDERER_ADMIN_TLS_CLIENTROOTCAS=[$O/tls/ca.crt]
  exec "$FAB/bin/orderer"
) >"$W/orderer.log" 2>&1 </dev/null &
pids+=($!)

start_peer() { # org domain msp listen chaincode operations
  local P=$C/peerOrganizations/$2/peers/peer0.$2
  (
    export FABRIC_CFG_PATH=$W/pcfg FABRIC_LOGGING_SPEC=warn CORE_PEER_ID=peer0.$2
    export CORE_PEER_LISTENADDRESS=127.0.0.1:$4 CORE_PEER_ADDRESS=127.0.0.1:$4
    export CORE_PEER_CHAINCODELISTENADDRESS=127.0.0.1:$5 CORE_PEER_CHAINCODEADDRESS=127.0.0.1:$5
    export CORE_PEER_GOSSIP_BOOTSTRAP=127.0.0.1:$4 CORE_PEER_GOSSIP_EXTERNALENDPOINT=127.0.0.1:$4
    export CORE_OPERATIONS_LISTENADDRESS=127.0.0.1:$6 CORE_PEER_FILESYSTEMPATH=$W/data/$1
    export CORE_PEER_LOCALMSPID=$3 CORE_PEER_MSPCONFIGPATH=$P/msp
    export CORE_PEER_TLS_ENABLED=true CORE_PEER_TLS_CERT_FILE=$P/tls/server.crt CORE_PEER_TLS_KEY_FILE=$P/tls/server.key CORE_PEER_TLS_ROOTCERT_FILE=$P/tls/ca.crt
    export CORE_VM_ENDPOINT=
    exec "$FAB/bin/peer" node start
  ) >"$W/peer-$1.log" 2>&1 </dev/null &
  pids+=($!)
}
start_peer mfr mfr.bench ManufacturerMSP 27051 27052 27444
start_peer reg reg.bench RegulatorMSP 27061 27062 27445
sleep 4

export FABRIC_CFG_PATH=$W/pcfg FABRIC_LOGGING_SPEC='warn:grpc=error' CORE_PEER_TLS_ENABLED=true
ORDERER_CA=$O/tls/ca.crt
MFR_CA=$C/peerOrganizations/mfr.bench/peers/peer0.mfr.bench/tls/ca.crt
REG_CA=$C/peerOrganizations/reg.bench/peers/peer0.reg.bench/tls/ca.crt
as_mfr() { export CORE_PEER_ADDRESS=127.0.0.1:27051 CORE_PEER_LOCALMSPID=ManufacturerMSP CORE_PEER_TLS_ROOTCERT_FILE=$MFR_CA CORE_PEER_MSPCONFIGPATH=$C/peerOrganizations/mfr.bench/users/Admin@mfr.bench/msp; }
as_reg() { export CORE_PEER_ADDRESS=127.0.0.1:27061 CORE_PEER_LOCALMSPID=RegulatorMSP CORE_PEER_TLS_ROOTCERT_FILE=$REG_CA CORE_PEER_MSPCONFIGPATH=$C/peerOrganizations/reg.bench/users/Admin@reg.bench/msp; }
A=$C/ordererOrganizations/orderer.bench/users/Admin@orderer.bench/tls
"$FAB/bin/osnadmin" channel join --channelID mfr-dist --config-block "$W/bench.block" -o 127.0.0.1:27053 --ca-file "$ORDERER_CA" --client-cert "$A/client.crt" --client-key "$A/client.key" >/dev/null

mkdir -p "$W/pkg"
echo '{"address":"127.0.0.1:27055","dial_timeout":"10s","tls_required":false}' > "$W/pkg/connection.json"
echo '{"type":"ccaas","label":"rxtrace_realpeer"}' > "$W/pkg/metadata.json"
(cd "$W/pkg" && tar czf code.tar.gz connection.json && tar czf "$W/rxtrace.tgz" metadata.json code.tar.gz)
for who in as_mfr as_reg; do
  $who
  "$FAB/bin/peer" channel join -b "$W/bench.block" >/dev/null 2>&1
  "$FAB/bin/peer" lifecycle chaincode install "$W/rxtrace.tgz" >/dev/null 2>&1
done
PKG=$("$FAB/bin/peer" lifecycle chaincode calculatepackageid "$W/rxtrace.tgz")
CORE_CHAINCODE_LOGGING_LEVEL=CRITICAL node node_modules/.bin/fabric-chaincode-node server --chaincode-address 127.0.0.1:27055 --chaincode-id "$PKG" --module-path chaincode >"$W/chaincode.log" 2>&1 </dev/null &
pids+=($!)
for who in as_mfr as_reg; do
  $who
  "$FAB/bin/peer" lifecycle chaincode approveformyorg -o 127.0.0.1:27050 --tls --cafile "$ORDERER_CA" --channelID mfr-dist --name rxtrace --version 1 --package-id "$PKG" --sequence 1 >/dev/null 2>&1
done
as_mfr
"$FAB/bin/peer" lifecycle chaincode commit -o 127.0.0.1:27050 --tls --cafile "$ORDERER_CA" --channelID mfr-dist --name rxtrace --version 1 --sequence 1 --peerAddresses 127.0.0.1:27051 --tlsRootCertFiles "$MFR_CA" >/dev/null 2>&1
sleep 3

# invoke ARGS_JSON [peer port + CA pairs...]: submit and wait for commit; prints the CLI's last line
invoke() {
  local args=$1; shift
  local targets=()
  while [ $# -gt 0 ]; do targets+=(--peerAddresses "127.0.0.1:$1" --tlsRootCertFiles "$2"); shift 2; done
  "$FAB/bin/peer" chaincode invoke -o 127.0.0.1:27050 --tls --cafile "$ORDERER_CA" -C mfr-dist -n rxtrace "${targets[@]}" --waitForEvent --waitForEventTimeout 300s -c "$args" 2>&1 | tail -n 1 || true
}
query() { "$FAB/bin/peer" chaincode query -C mfr-dist -n rxtrace -c "$1" 2>&1 | tail -n 1 || true; }
call() { jq -cn --arg f "$1" --arg a "$2" '{Args: [$f, $a]}'; }
seconds() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$2"; }
# CLI arguments are limited to 128 KiB each: six-character serials keep 10,000 under it.
lot_args() { python3 -c "import json,sys; n=int(sys.argv[1]); print(json.dumps({'Args':['packs:CommissionLot', json.dumps({'gtin':'09521234543213','lot':sys.argv[2],'expiry':'281200','serials':[sys.argv[2][0]+'%05d'%i for i in range(n)]},separators=(',',':'))]},separators=(',',':')))" "$1" "$2"; }

as_reg
invoke "$(call partners:RegisterPartner '{"mspId":"RegulatorMSP","name":"Agency","role":"Regulator"}')" 27061 "$REG_CA" >/dev/null
invoke "$(call partners:RegisterPartner '{"mspId":"ManufacturerMSP","name":"Pharma","role":"Manufacturer"}')" 27061 "$REG_CA" >/dev/null
as_mfr
invoke "$(call products:RegisterProduct '{"gtin":"09521234543213","name":"Insulin","strength":"100 U/ml","form":"solution","nationalCode":"PZN-1","storage":{"minCentiCelsius":200,"maxCentiCelsius":800},"limits":{"minCentiCelsius":0,"maxCentiCelsius":2500},"stabilityBudgetMinutes":60}')" 27051 "$MFR_CA" >/dev/null
echo "partners: $(query '{"Args":["partners:ListPartners"]}' | jq -c '[.[].mspId]')"

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
for spec in "1 W" "1000 A" "10000 B"; do
  set -- $spec
  args=$(lot_args "$1" "$2LOT")
  t0=$(date +%s.%N); invoke "$args" 27051 "$MFR_CA" >/dev/null; t1=$(date +%s.%N)
  count=$(query "{\"Args\":[\"packs:GetLot\",\"09521234543213\",\"$2LOT\"]}" | jq .packCount)
  qargs=$(lot_args "$1" "Q$2LOT")
  t2=$(date +%s.%N); query "$qargs" >/dev/null; t3=$(date +%s.%N)
  echo "CommissionLot $1 serials: committed in $(seconds "$t0" "$t1") s (lot packCount $count), endorsement alone $(seconds "$t2" "$t3") s"
done

dup=$(invoke "$(call packs:CommissionLot '{"gtin":"09521234543213","lot":"ALOT","expiry":"281200","serials":["NEW1","A00005"]}')" 27051 "$MFR_CA")
echo "duplicate serial: $(node -e 'console.log(JSON.stringify(require("./chaincode/dist/domain/errors.js").parseChaincodeError(process.argv[1])))' "$dup")"

as_reg
recall=$(jq -cn '{Args: ["packs:RecallLot", "09521234543213", "ALOT", "regulator order"]}')
echo "recall endorsed by the regulator's peer only: $(invoke "$recall" 27061 "$REG_CA")"
invoke "$recall" 27061 "$REG_CA" 27051 "$MFR_CA" >/dev/null
echo "recall endorsed by both peers: lot recall = $(query '{"Args":["packs:GetLot","09521234543213","ALOT"]}' | jq -c '.recall | {by, reason}')"
echo "verify after recall: $(query '{"Args":["packs:Verify","09521234543213","A00005","ALOT","281200"]}' | jq -c '{verified, reason, additionalInfo}')"
echo "history of A00005: $(query '{"Args":["packs:GetPackHistory","09521234543213","A00005"]}' | jq -c '[.[] | {by, status: .pack.status, at}]')"
