'use strict';
// Serves the rxtrace contracts as a chaincode server (CCaaS), like
// `fabric-chaincode-node server`, with one difference: the gRPC server accepts
// the peer's keepalive pings. The CLI's yargs turns every `grpc.*` option into
// a nested object, so none reaches @grpc/grpc-js, whose default (one ping per
// 5 minutes) answers the peer's 60 s pings with GOAWAY "too_many_pings" and
// drops the chaincode stream every few minutes.
//
// Environment (set by scripts/network.sh):
//   CHAINCODE_ID, CHAINCODE_ADDRESS, CHAINCODE_MODULE (folder with package.json),
//   CHAINCODE_TLS_CERT, CHAINCODE_TLS_KEY, CHAINCODE_TLS_CLIENT_CA (PEM files)
const fs = require('node:fs');
const path = require('node:path');
const { createRequire } = require('node:module');

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`chaincode-server: environment variable ${name} is required`);
  return value;
}

async function main() {
  const moduleDir = path.resolve(required('CHAINCODE_MODULE'));
  // Resolve fabric-shim from the chaincode package, the copy its contracts use.
  const load = createRequire(path.join(moduleDir, 'package.json'));
  const Bootstrap = load('fabric-shim/lib/contract-spi/bootstrap.js');
  const options = {
    ccid: required('CHAINCODE_ID'),
    address: required('CHAINCODE_ADDRESS'),
    tlsProps: {
      cert: fs.readFileSync(required('CHAINCODE_TLS_CERT')),
      key: fs.readFileSync(required('CHAINCODE_TLS_KEY')),
      clientCACerts: fs.readFileSync(required('CHAINCODE_TLS_CLIENT_CA')),
    },
    'grpc.max_send_message_length': -1,
    'grpc.max_receive_message_length': -1,
    'grpc.keepalive_time_ms': 110000,
    'grpc.keepalive_timeout_ms': 20000,
    'grpc.http2.min_time_between_pings_ms': 110000,
    'grpc.http2.max_pings_without_data': 0,
    'grpc.keepalive_permit_without_calls': 1,
    // The peer pings every 60 s; accept pings down to every 10 s.
    'grpc.http2.min_ping_interval_without_data_ms': 10000,
  };
  const { contracts, serializers, title, version } = Bootstrap.getInfoFromContract(moduleDir);
  const metadata = await Bootstrap.getMetadata(moduleDir);
  await Bootstrap.register(contracts, serializers, metadata, title, version, options, true);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
