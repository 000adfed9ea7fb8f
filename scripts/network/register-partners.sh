#!/usr/bin/env bash
# Registers the trading partners of each channel through the chaincode, as the
# regulator (docs/chaincode-api.md, partners:RegisterPartner): first the
# regulator itself, then the channel's other members. A new key needs a
# majority of the channel's peers (docs/security.md): the regulator's and the
# distributor's, a member of both channels. Idempotent: a partner
# already registered is left alone. Called by scripts/network.sh up, after the
# chaincode is committed; reads $RXTRACE_DATA/fabric like that script.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DATA="${RXTRACE_DATA:-$ROOT/.rxtrace}"
NET="$DATA/fabric"
LOG="$DATA/logs/partners.log"
export FABRIC_LOGGING_SPEC="${RXTRACE_FABRIC_CLI_LOG:-error}"
REG="$NET/orgs/regulator"

regulator() {
  env FABRIC_CFG_PATH="$NET/config" CORE_PEER_LOCALMSPID=RegulatorMSP \
    CORE_PEER_MSPCONFIGPATH="$REG/users/admin/msp" CORE_PEER_ADDRESS="127.0.0.1:$((10051 + ${RXTRACE_PORT_OFFSET:-0}))" \
    CORE_PEER_TLS_ENABLED=true CORE_PEER_TLS_ROOTCERT_FILE="$NET/ca/regulator/ca-cert.pem" \
    CORE_PEER_TLS_CLIENTAUTHREQUIRED="${RXTRACE_MUTUAL_TLS:-true}" \
    CORE_PEER_TLS_CLIENTCERT_FILE="$REG/users/admin/tls/server.crt" CORE_PEER_TLS_CLIENTKEY_FILE="$REG/users/admin/tls/server.key" "$@"
}

# The chaincode in use may not have the partners contract yet (early builds):
# then there is nothing to register and up goes on, saying so.
if ! regulator peer chaincode query -C mfr-dist -n rxtrace -c '{"Args":["partners:ListPartners"]}' >>"$LOG" 2>&1; then
  if tail -n 1 "$LOG" | grep -qi "not found\|does not exist\|no such"; then
    echo "network: the deployed chaincode has no partners:ListPartners; partners not registered"
    exit 0
  fi
  echo "network: the chaincode does not answer partners:ListPartners (see $LOG)" >&2
  exit 1
fi

register() {
  local channel=$1 msp=$2 name=$3 role=$4 args
  if regulator peer chaincode query -C "$channel" -n rxtrace -c "$(jq -cn --arg m "$msp" '{Args: ["partners:GetPartner", $m]}')" >>"$LOG" 2>&1; then
    return 0
  fi
  args=$(jq -cn --arg m "$msp" --arg n "$name" --arg r "$role" '{Args: ["partners:RegisterPartner", ({mspId: $m, name: $n, role: $r} | tojson)]}')
  regulator peer chaincode invoke -C "$channel" -n rxtrace -c "$args" \
    -o "127.0.0.1:$((10050 + ${RXTRACE_PORT_OFFSET:-0}))" --tls --cafile "$NET/ca/regulator/ca-cert.pem" \
    --clientauth --certfile "$REG/users/admin/tls/server.crt" --keyfile "$REG/users/admin/tls/server.key" \
    --peerAddresses "127.0.0.1:$((10051 + ${RXTRACE_PORT_OFFSET:-0}))" --tlsRootCertFiles "$NET/ca/regulator/ca-cert.pem" \
    --peerAddresses "127.0.0.1:$((8051 + ${RXTRACE_PORT_OFFSET:-0}))" --tlsRootCertFiles "$NET/ca/distributor/ca-cert.pem" \
    --waitForEvent >>"$LOG" 2>&1 || { echo "network: registering $msp on $channel failed (see $LOG)" >&2; return 1; }
  echo "network: $msp registered as $role on $channel"
}

for channel in mfr-dist dist-pharm; do
  register "$channel" RegulatorMSP "Regulator" Regulator
  register "$channel" DistributorMSP "Distributor" Distributor
done
register mfr-dist ManufacturerMSP "Manufacturer" Manufacturer
register dist-pharm PharmacyMSP "Pharmacy" Pharmacy
