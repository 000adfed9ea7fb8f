/**
 * The EVM deployment as files and a JSON-RPC endpoint, without ethers:
 * `$RXTRACE_DATA/evm/deployment.json` and the key files beside it, read and
 * checked (each key must belong to its address), and a liveness call to the node. A gateway reads
 * these at start and answers /readyz with them; ethers (adapters/evm.ts) is
 * loaded only when an EVM call is made (adapters/evm-lazy.ts).
 *
 * An account is signed for by the node (a Hardhat node unlocks its own)
 * unless `keys/<actor>.json` holds its private key: geth in dev mode unlocks
 * only its dev account, so scripts/evm/deploy.ts keeps the role accounts' keys
 * in its store (`keys.json`) and writes each to a file of its own. An org's
 * gateway reads its own org's file only (and the anchorer's on the gateway
 * that anchors), so no gateway process holds another member's key.
 */
import { createHash, createPrivateKey, createPublicKey } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { InterfaceAbi } from "ethers";
import { UnavailableError } from "../errors.js";

export interface EvmDeployment {
  readonly address: string;
  readonly abi: InterfaceAbi;
  readonly chainId: number;
  readonly rpcUrl: string;
  /** Account address per org MSP id and for the anchorer (`anchorer`); the file may name them by contract role. */
  readonly accounts: Readonly<Record<string, string>>;
  /** Private keys by lower-case address, for accounts the node does not sign for. */
  readonly keys?: Readonly<Record<string, string>>;
  /** The actors (MSP ids, "anchorer", "registry") this gateway signs for; undefined: every account (the multi-org test mode). */
  readonly actors?: readonly string[];
}

/** Whom an org's gateway signs for on the public chain. */
export interface EvmSigner {
  /** The org's MSP id. */
  readonly mspId: string;
  /** Whether this gateway anchors Fabric blocks (one gateway does: the EVM anchorer account is one). */
  readonly anchors: boolean;
}

/**
 * The actors an org's gateway signs for: its org, the anchorer on the anchoring
 * gateway, and the registry only where the deployment made the node's own
 * admin account the registry (a development node, scripts/evm/deploy.ts):
 * there the gateway has it assign an unassigned GTIN at registration. On a
 * chain where the registry holds a key of its own, no gateway signs for it.
 */
export function evmActorsOf(signer: EvmSigner, accounts: Readonly<Record<string, string>>): string[] {
  const devRegistry = accounts.registry !== undefined && accounts.registry === accounts.admin;
  return [signer.mspId, ...(signer.anchors ? ["anchorer"] : []), ...(devRegistry ? ["registry"] : [])];
}

const ROLE_ACCOUNTS: Readonly<Record<string, string>> = {
  MANUFACTURER_ROLE: "ManufacturerMSP",
  DISTRIBUTOR_ROLE: "DistributorMSP",
  PHARMACY_ROLE: "PharmacyMSP",
  REGULATOR_ROLE: "RegulatorMSP",
  ANCHORER_ROLE: "anchorer",
  REGISTRY_ROLE: "registry",
};

/** The deployer's key store beside the deployment (scripts/evm/deploy.ts): every role account's key; no gateway reads it. */
export function evmKeyStore(deploymentFile: string): string {
  return path.join(path.dirname(deploymentFile), "keys.json");
}

/** The file holding one actor's private key, beside the deployment: `keys/<actor>.json`, `{ "<address>": "<key>" }`. */
export function evmKeyFile(deploymentFile: string, actor: string): string {
  return path.join(path.dirname(deploymentFile), "keys", `${actor}.json`);
}

/**
 * Reads and checks deployment.json, naming the field that is wrong, and the key
 * files of the actors `signer` signs for (every actor's without one).
 */
export function readEvmDeployment(file: string, signer?: EvmSigner): EvmDeployment {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new UnavailableError("evm", `cannot read the deployment ${file}: ${(error as Error).message}`);
  }
  const d = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
  if (typeof d.address !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(d.address)) throw new Error(`${file}: address must be a 0x-prefixed 20-byte hex address`);
  if (!Array.isArray(d.abi)) throw new Error(`${file}: abi must be an array`);
  if (typeof d.rpcUrl !== "string") throw new Error(`${file}: rpcUrl must be a URL`);
  const chainId = typeof d.chainId === "string" ? Number(d.chainId) : d.chainId;
  if (typeof chainId !== "number" || !Number.isInteger(chainId)) throw new Error(`${file}: chainId must be an integer`);
  const accounts: Record<string, string> = {};
  const source = (typeof d.accounts === "object" && d.accounts !== null ? d.accounts : {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(source)) {
    const address = typeof value === "string" ? value : (value as { address?: unknown } | null)?.address;
    // scripts/evm/deploy.ts names accounts by contract role; the gateway acts by org.
    if (typeof address === "string" && /^0x[0-9a-fA-F]{40}$/.test(address)) accounts[ROLE_ACCOUNTS[name] ?? name] = address;
  }
  const actors = signer === undefined ? undefined : evmActorsOf(signer, accounts);
  const keys: Record<string, string> = {};
  for (const actor of actors ?? Object.keys(accounts)) {
    const address = accounts[actor];
    if (address === undefined) continue;
    const keyFile = evmKeyFile(file, actor);
    for (const [held, key] of Object.entries(readEvmKeys(keyFile))) {
      if (held !== address.toLowerCase()) throw new Error(`${keyFile}: holds the key of ${held}, not of ${actor}'s account ${address}`);
      keys[held] = key;
    }
  }
  return { address: d.address, abi: d.abi as InterfaceAbi, chainId, rpcUrl: d.rpcUrl, accounts, keys, ...(actors === undefined ? {} : { actors }) };
}

/**
 * Writes each actor's key to its own file (`keys/<actor>.json`, owner-only)
 * from the deployer's key store, for the actors of the deployment whose
 * account it holds a key of. Idempotent.
 * @returns the actors written
 */
export function writeEvmActorKeys(deploymentFile: string, keysByAddress: Readonly<Record<string, string>>): string[] {
  const { accounts } = readEvmDeployment(deploymentFile);
  const byAddress = new Map(Object.entries(keysByAddress).map(([address, key]) => [address.toLowerCase(), key]));
  const written: string[] = [];
  for (const [actor, address] of Object.entries(accounts)) {
    const key = byAddress.get(address.toLowerCase());
    if (key === undefined) continue;
    const file = evmKeyFile(deploymentFile, actor);
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${JSON.stringify({ [address]: key }, null, 2)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    written.push(actor);
  }
  return written;
}

/** A key file scripts/evm/deploy.ts writes: `{ "<address>": "<private key>" }`, by lower-case address; none when absent. */
export function readEvmKeys(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new UnavailableError("evm", `cannot read the key file ${file}: ${(error as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error(`${file}: must be an object of address to private key`);
  const keys: Record<string, string> = {};
  for (const [address, key] of Object.entries(raw as Record<string, unknown>)) {
    if (!/^0x[0-9a-fA-F]{40}$/.test(address)) throw new Error(`${file}: ${address} must be a 0x-prefixed 20-byte hex address`);
    if (typeof key !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(key)) throw new Error(`${file}: the key of ${address} must be a 0x-prefixed 32-byte hex private key`);
    if (addressOfKey(key) !== address.toLowerCase()) throw new Error(`${file}: the key of ${address} belongs to another address`);
    keys[address.toLowerCase()] = key;
  }
  return keys;
}

// SEC1 ECPrivateKey of a secp256k1 key: the 32 key bytes go between these two parts.
const SEC1_PREFIX = Buffer.from("302e0201010420", "hex");
const SEC1_SECP256K1 = Buffer.from("a00706052b8104000a", "hex");

/**
 * The lower-case Ethereum address of a secp256k1 private key (0x + 64 hex):
 * the last 20 bytes of keccak-256 over the uncompressed public point.
 */
export function addressOfKey(privateKey: string): string {
  const der = Buffer.concat([SEC1_PREFIX, Buffer.from(privateKey.slice(2), "hex"), SEC1_SECP256K1]);
  const jwk = createPublicKey(createPrivateKey({ key: der, format: "der", type: "sec1" })).export({ format: "jwk" });
  const point = Buffer.concat([Buffer.from(jwk.x ?? "", "base64url"), Buffer.from(jwk.y ?? "", "base64url")]);
  return `0x${createHash("keccak-256").update(point).digest("hex").slice(-40)}`;
}

/**
 * Resolves when the node at `rpcUrl` answers `eth_blockNumber` (a plain
 * JSON-RPC POST, so that a readiness probe does not load ethers).
 */
export async function pingJsonRpc(rpcUrl: string, timeoutMs: number): Promise<void> {
  try {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const answer = (await response.json()) as { result?: unknown; error?: { message?: unknown } };
    if (typeof answer.result !== "string") throw new Error(`no block number in the answer${answer.error ? `: ${String(answer.error.message)}` : ""}`);
  } catch (error) {
    throw new UnavailableError("evm", `JSON-RPC at ${rpcUrl} does not answer: ${(error as Error).message}`, { cause: error });
  }
}
