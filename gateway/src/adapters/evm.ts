/**
 * The EVM side over ethers v6: the SupplyChain deployment that
 * `$RXTRACE_DATA/evm/deployment.json` describes, as an AnchorRegistry and as
 * the public-chain variant of the pack lifecycle. The deployment names which
 * account acts for which org and which one anchors. An account is signed for by
 * the node (a Hardhat node unlocks its own) unless `keys/<actor>.json` beside
 * the deployment holds its private key (geth in dev mode unlocks only its dev
 * account, so scripts/evm/deploy.ts writes each role account's key to a file
 * of its own). An org's gateway reads its own org's key file only (and the
 * anchorer's on the anchoring gateway) and refuses to sign for any other
 * account, so no gateway process holds another member's key.
 */
import {
  AbiCoder,
  Contract,
  encodeBytes32String,
  getBytes,
  hexlify,
  isCallException,
  isError,
  Interface,
  JsonRpcProvider,
  keccak256,
  toUtf8Bytes,
  Wallet,
  type Signer,
  type TransactionReceipt,
} from "ethers";
import { ConflictError, ForbiddenError, GatewayError, InvalidArgumentError, NotFoundError, UnavailableError } from "../errors.js";
import type { AnchorReceipt, AnchorRegistry } from "../ports/anchor-registry.js";
import type { VerifyReason } from "@rxtrace/domain";
import type { MspId } from "../auth/principal.js";
import type { PackRef, PublicSupplyChain, PublicTxResult } from "../ports/public-chain.js";
import type { EvmDeployment } from "./evm-deployment.js";

export {
  evmActorsOf,
  evmKeyFile,
  readEvmDeployment,
  readEvmKeys,
  writeEvmActorKeys,
  type EvmDeployment,
  type EvmSigner,
} from "./evm-deployment.js";

/** The bytes32 of a ledger id (at most 31 bytes of UTF-8, kept readable on the chain). */
export function ledgerIdOf(ledgerId: string): string {
  return encodeBytes32String(ledgerId);
}

const NOT_FOUND = /NotFound|NotRegistered/;
const FORBIDDEN = /^Not|AccessControl|Unauthorized/;
const CONFLICT = /Already|InvalidTransition|Blocked|NotActive|Expired|OutOfOrder|Withdrawn|Recalled|LimitReached|ShipmentToSelf|NotFlagged|NotDecommissioned|WindowClosed|ExpectedInShipment/;

/** The custom error of a revert, decoded by ethers or, when it could not (gas estimation), from its data. */
function revertOf(error: unknown, contract: Interface | undefined): { name: string; args: readonly unknown[] } | undefined {
  if (!isCallException(error)) return undefined;
  if (error.revert !== null) return error.revert;
  if (contract === undefined || typeof error.data !== "string" || error.data.length < 10) return undefined;
  const parsed = contract.parseError(error.data);
  return parsed === null ? undefined : { name: parsed.name, args: [...parsed.args] };
}

/** Maps an ethers failure to a gateway error: custom errors by name, connection failures to 503. */
export function toEvmError(error: unknown, what: string, contract?: Interface): GatewayError {
  if (error instanceof GatewayError) return error;
  const revert = revertOf(error, contract);
  if (revert !== undefined) {
    const { name, args } = revert;
    const details = { revert: name, args: args.map((a: unknown) => (typeof a === "bigint" ? a.toString() : a)) };
    const message = `${what}: the contract refused with ${name}`;
    if (NOT_FOUND.test(name)) return new NotFoundError(message, { details });
    if (FORBIDDEN.test(name)) return new ForbiddenError(message, { details });
    if (CONFLICT.test(name)) return new ConflictError(message, { details });
    return new GatewayError("INVALID_ARGUMENT", message, { details });
  }
  if (isError(error, "NETWORK_ERROR") || isError(error, "TIMEOUT") || isError(error, "SERVER_ERROR") || /ECONNREFUSED|fetch failed|socket hang up/i.test(String((error as Error).message))) {
    return new UnavailableError("evm", `${what}: ${(error as Error).message}`, { cause: error });
  }
  return new GatewayError("INTERNAL", `${what}: ${(error as Error).message}`, { cause: error });
}

export class EvmConnection {
  readonly deployment: EvmDeployment;
  readonly provider: JsonRpcProvider;
  readonly interface: Interface;
  /**
   * Per locally signed account, the send in flight and the next nonce. Its sends go one at a
   * time and number themselves: ethers answers a repeated nonce query from a short cache, so
   * two sends asking the node in turn would still get the same nonce.
   */
  private readonly sending = new Map<string, Promise<unknown>>();
  private readonly nonces = new Map<string, number>();

  constructor(deployment: EvmDeployment) {
    this.deployment = deployment;
    this.interface = Interface.from(deployment.abi);
    // staticNetwork: no network detection loop while the node is down; calls fail and are retried by the caller.
    this.provider = new JsonRpcProvider(deployment.rpcUrl, deployment.chainId, { staticNetwork: true });
    // A receipt is polled for: every second, as geth in dev mode seals a block (ethers' default is 4 s).
    this.provider.pollingInterval = 1000;
  }

  /** Whether this gateway signs for `actor` (its org, the anchorer on the anchoring gateway, a development registry). */
  mayActAs(actor: string): boolean {
    return this.deployment.actors === undefined || this.deployment.actors.includes(actor);
  }

  /** The contract read-only, or connected to the account acting for `actor` (MSP id or "anchorer"). */
  async contract(actor?: string): Promise<Contract> {
    if (actor === undefined) return new Contract(this.deployment.address, this.deployment.abi, this.provider);
    if (!this.mayActAs(actor)) {
      throw new ForbiddenError(`this gateway signs on the public chain for ${(this.deployment.actors ?? []).join(", ")} only, not for ${actor}`);
    }
    const address = this.deployment.accounts[actor];
    if (address === undefined) throw new ForbiddenError(`no EVM account is configured for ${actor} in the deployment`);
    const key = this.deployment.keys?.[address.toLowerCase()];
    const signer: Signer = key === undefined ? await this.provider.getSigner(address) : new Wallet(key, this.provider);
    return new Contract(this.deployment.address, this.deployment.abi, signer);
  }

  /** Runs `broadcast` after the account's previous broadcast settled (the receipt is awaited outside). */
  private async inTurn<T>(account: string, broadcast: () => Promise<T>): Promise<T> {
    const previous = this.sending.get(account) ?? Promise.resolve();
    const mine = previous.then(broadcast, broadcast);
    const settled = mine.then(() => undefined, () => undefined);
    this.sending.set(account, settled);
    try {
      return await mine;
    } finally {
      if (this.sending.get(account) === settled) this.sending.delete(account);
    }
  }

  /** Sends a transaction and waits for its receipt, mapping failures. */
  async send(actor: string, method: string, args: readonly unknown[]): Promise<TransactionReceipt> {
    try {
      const contract = await this.contract(actor);
      type Sent = { wait(): Promise<TransactionReceipt | null> };
      const address = this.deployment.accounts[actor] ?? "";
      const tx =
        this.deployment.keys?.[address.toLowerCase()] === undefined
          ? ((await contract.getFunction(method).send(...args)) as Sent)
          : await this.inTurn(address, async () => {
              const nonce = this.nonces.get(address) ?? (await this.provider.getTransactionCount(address, "pending"));
              try {
                const sent = (await contract.getFunction(method).send(...args, { nonce })) as Sent;
                this.nonces.set(address, nonce + 1);
                return sent;
              } catch (error) {
                // Nothing sent (a revert in estimation, a nonce another process used): ask the node next time.
                this.nonces.delete(address);
                throw error;
              }
            });
      const receipt = await tx.wait();
      if (receipt === null) throw new GatewayError("COMMIT_FAILED", `${method}: no receipt`);
      return receipt;
    } catch (error) {
      throw toEvmError(error, method, this.interface);
    }
  }

  async call(method: string, args: readonly unknown[]): Promise<unknown> {
    try {
      return (await (await this.contract()).getFunction(method).staticCall(...args)) as unknown;
    } catch (error) {
      throw toEvmError(error, method, this.interface);
    }
  }

  async ping(): Promise<void> {
    try {
      await this.provider.getBlockNumber();
    } catch (error) {
      throw new UnavailableError("evm", `JSON-RPC at ${this.deployment.rpcUrl} does not answer: ${(error as Error).message}`, { cause: error });
    }
  }

  destroy(): void {
    this.provider.destroy();
  }
}

/** AnchorRegistry over SupplyChain's `anchor`, `anchoredBlockHash`, `latestAnchor` and its BlockAnchored events. */
export function newEvmAnchorRegistry(connection: EvmConnection): AnchorRegistry {
  return {
    async anchor(ledgerId, blockNumber, blockHash): Promise<AnchorReceipt> {
      const receipt = await connection.send("anchorer", "anchor", [ledgerIdOf(ledgerId), blockNumber, hexlify(blockHash)]);
      return { transactionHash: receipt.hash, chainBlockNumber: receipt.blockNumber };
    },
    async anchoredHash(ledgerId, blockNumber) {
      const value = (await connection.call("anchoredBlockHash", [ledgerIdOf(ledgerId), blockNumber])) as string;
      const bytes = getBytes(value);
      return bytes.every((b) => b === 0) ? undefined : bytes;
    },
    async latest(ledgerId) {
      const [exists, number] = (await connection.call("latestAnchor", [ledgerIdOf(ledgerId)])) as [boolean, bigint];
      return exists ? number : undefined;
    },
    async nextAnchored(ledgerId, blockNumber) {
      try {
        const contract = await connection.contract();
        const logs = await contract.queryFilter(contract.filters.BlockAnchored?.(ledgerIdOf(ledgerId)) ?? "BlockAnchored", 0, "latest");
        let best: bigint | undefined;
        for (const log of logs) {
          const n = (log as { args?: { blockNumber?: bigint } }).args?.blockNumber;
          if (typeof n === "bigint" && n >= blockNumber && (best === undefined || n < best)) best = n;
        }
        return best;
      } catch (error) {
        throw toEvmError(error, "BlockAnchored logs", connection.interface);
      }
    },
    ping: () => connection.ping(),
  };
}

/** Validates a GTIN-14 text for the contract's uint64, naming the field. */
export function gtinNumber(gtin: string): bigint {
  if (!/^[0-9]{14}$/.test(gtin)) throw new InvalidArgumentError("gtin", "must be 14 digits");
  return BigInt(gtin);
}

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
const ZERO_HASH = `0x${"0".repeat(64)}`;
/** SupplyChain's PackStatus enum, in order, as the chaincode's status names. */
const PACK_STATUSES = [
  "NONE",
  "COMMISSIONED",
  "IN_TRANSIT",
  "RECEIVED",
  "DISPENSED",
  "EXPORTED",
  "CHECKED_OUT",
  "SAMPLE",
  "FREE_SAMPLE",
  "LOCKED",
  "DESTROYED",
  "STOLEN",
] as const;

/** The bytes32 of a shipment reference: a 32-byte hex value (the ship transaction's hash) as is, any other text hashed. */
export function shipmentIdOf(shipmentId: string): string {
  if (/^0x[0-9a-fA-F]{64}$/.test(shipmentId)) return shipmentId.toLowerCase();
  if (shipmentId.length === 0) throw new InvalidArgumentError("shipmentId", "must not be empty");
  return keccak256(toUtf8Bytes(shipmentId));
}

function evidenceOf(evidence: string | undefined): string {
  if (evidence === undefined) return ZERO_HASH;
  if (!/^[0-9a-fA-F]{64}$/.test(evidence)) throw new InvalidArgumentError("evidence", "must be a sha256 in hex (64 digits)");
  return `0x${evidence.toLowerCase()}`;
}
/** SupplyChain's VerifyReason enum, in order, as the chaincode's reason codes. */
const VERIFY_REASONS = [
  undefined,
  "NO_MATCH_GTIN_SERIAL",
  "LOT_MISMATCH",
  "EXPIRY_MISMATCH",
  "EXPIRED",
  "RECALLED",
  "WITHDRAWN",
  "SUSPECT",
  "ILLEGITIMATE",
  "ALREADY_DECOMMISSIONED",
  "COLD_CHAIN_HOLD",
  "QUARANTINED",
] as const satisfies readonly (VerifyReason | undefined)[];

const abi = AbiCoder.defaultAbiCoder();

/**
 * The pack's commitment, `keccak256(abi.encode(uint64 gtin, string serial, string lot, uint24 expiry))`,
 * as SupplyChain.packIdOf: computed here so no identifier ever leaves the gateway.
 */
export function packIdOf(pack: PackRef): string {
  return keccak256(abi.encode(["uint64", "string", "string", "uint24"], [gtinNumber(pack.gtin), pack.serial, pack.lot, expiryNumber(pack.expiry)]));
}

/** The lot's commitment, `keccak256(abi.encode(uint64 gtin, string lot))`, as SupplyChain.lotKeyOf. */
export function lotKeyOf(gtin: string, lot: string): string {
  return keccak256(abi.encode(["uint64", "string"], [gtinNumber(gtin), lot]));
}

function expiryNumber(expiry: string): number {
  if (!/^[0-9]{6}$/.test(expiry)) throw new InvalidArgumentError("expiry", "must be YYMMDD");
  return Number(expiry);
}

function result(receipt: TransactionReceipt): PublicTxResult {
  return { transactionHash: receipt.hash, chainBlockNumber: receipt.blockNumber };
}

/** PublicSupplyChain over the SupplyChain contract. */
export function newEvmSupplyChain(connection: EvmConnection): PublicSupplyChain {
  const lotIdOf = async (gtin: string, lot: string): Promise<bigint> => {
    const id = (await connection.call("lotIdOf", [lotKeyOf(gtin, lot)])) as bigint;
    if (id === 0n) throw new NotFoundError(`lot ${lot} of GTIN ${gtin} is not registered on the public chain`, { field: "lot" });
    return id;
  };
  const consigneeAddress = (msp: MspId): string => {
    const address = connection.deployment.accounts[msp];
    if (address === undefined) throw new InvalidArgumentError("consignee", `has no account on the public chain: ${msp}`);
    return address;
  };
  return {
    async registerProduct(as, gtin, name) {
      // GTINs are assigned by the registry, not claimed: the deployment's registry account
      // (the admin on a development node) assigns an unassigned GTIN to the registering org.
      const gtinValue = gtinNumber(gtin);
      const manufacturer = connection.deployment.accounts[as];
      if (manufacturer !== undefined && connection.mayActAs("registry") && (await connection.call("gtinAssigneeOf", [gtinValue])) === ZERO_ADDRESS) {
        await connection.send("registry", "assignGtin", [gtinValue, manufacturer]);
      }
      return result(await connection.send(as, "registerGtin", [gtinValue, name]));
    },
    async registerLot(as, gtin, lot, expiry) {
      const receipt = await connection.send(as, "registerLot", [gtinNumber(gtin), lotKeyOf(gtin, lot), expiryNumber(expiry)]);
      return { ...result(receipt), lotId: Number(await lotIdOf(gtin, lot)) };
    },
    async commission(as, gtin, lot, serials) {
      const lotId = await lotIdOf(gtin, lot);
      // The commitments need the expiry, which the lot record keeps as YYMMDD.
      const record = (await connection.call("lotOf", [lotId])) as { expiry: bigint };
      const expiry = String(record.expiry).padStart(6, "0");
      const packIds = serials.map((serial) => packIdOf({ gtin, serial, lot, expiry }));
      return { ...result(await connection.send(as, "commissionPacks", [lotId, packIds])), commissioned: serials.length };
    },
    async ship(as, packs, consignee) {
      return result(await connection.send(as, "shipBatch", [packs.map(packIdOf), consigneeAddress(consignee)]));
    },
    async receive(as, packs) {
      return result(await connection.send(as, "receiveBatch", [packs.map(packIdOf)]));
    },
    async dispense(as, pack) {
      const packId = packIdOf(pack);
      const contract = await connection.contract(as);
      let dispensed: boolean;
      try {
        dispensed = (await contract.getFunction("dispense").staticCall(packId)) as boolean;
      } catch (error) {
        throw toEvmError(error, "dispense", connection.interface);
      }
      return { ...result(await connection.send(as, "dispense", [packId])), dispensed };
    },
    async decommission(as, pack, reason) {
      const packId = packIdOf(pack);
      const status = PACK_STATUSES.indexOf(reason);
      const contract = await connection.contract(as);
      let decommissioned: boolean;
      try {
        decommissioned = (await contract.getFunction("decommission").staticCall(packId, status)) as boolean;
      } catch (error) {
        throw toEvmError(error, "decommission", connection.interface);
      }
      return { ...result(await connection.send(as, "decommission", [packId, status])), decommissioned };
    },
    async undoDecommission(as, pack) {
      return result(await connection.send(as, "undoDecommission", [packIdOf(pack)]));
    },
    async recordShipmentException(as, shipmentId, missing, unexpected, evidence) {
      const args = [shipmentIdOf(shipmentId), missing.map(packIdOf), unexpected.map(packIdOf), evidenceOf(evidence)];
      return result(await connection.send(as, "recordShipmentException", args));
    },
    async recallLot(as, gtin, lot) {
      return result(await connection.send(as, "recallLot", [await lotIdOf(gtin, lot)]));
    },
    async pack(pack) {
      const packId = packIdOf(pack);
      const record = (await connection.call("packOf", [packId])) as { holder: string; lotId: bigint; status: bigint };
      const status = PACK_STATUSES[Number(record.status)] ?? "UNKNOWN";
      if (status === "NONE") throw new NotFoundError(`no pack ${pack.gtin}/${pack.serial} on the public chain`, { field: "serial" });
      return { ...pack, packId, status, holder: record.holder, lotId: Number(record.lotId) };
    },
    async verify(pack) {
      // A local call (eth_call): the identifiers reach only the node the gateway trusts, never a transaction.
      const [verified, reason] = (await connection.call("verify", [gtinNumber(pack.gtin), pack.serial, pack.lot, expiryNumber(pack.expiry)])) as [boolean, bigint];
      const code = VERIFY_REASONS[Number(reason)];
      return verified || code === undefined ? { verified } : { verified, reason: code };
    },
  };
}
