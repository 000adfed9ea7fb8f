/**
 * Writes each role account's key to its own file (`$RXTRACE_DATA/evm/keys/<actor>.json`)
 * from the deployer's store (`keys.json`) for a deployment that is reused: one made
 * before the gateways read one key file each. scripts/evm.sh runs it on every start
 * that keeps the deployment; it writes nothing when there is no store.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { evmKeyStore, readEvmKeys, writeEvmActorKeys } from "../../gateway/src/adapters/evm-deployment.js";

const dataDir = path.resolve(process.env.RXTRACE_DATA ?? path.join(import.meta.dirname, "../..", ".rxtrace"));
const deploymentFile = path.join(dataDir, "evm", "deployment.json");
const store = evmKeyStore(deploymentFile);
if (existsSync(store)) writeEvmActorKeys(deploymentFile, readEvmKeys(store));
