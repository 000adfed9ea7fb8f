/**
 * The EVM side of a gateway, connected on first use. Most gateways never call
 * the public chain (only the regulator's anchors blocks; a pharmacy's scans
 * never reach it), while ethers adds 3-8 MiB resident and 4-5 MiB of heap to
 * the process: so the deployment is read and checked at
 * start without it, readiness asks the node over plain JSON-RPC, and ethers
 * (adapters/evm.ts) is loaded when the first anchor or public-chain call is
 * made. A gateway whose deployment is missing never loads it.
 */
import type { AnchorRegistry } from "../ports/anchor-registry.js";
import type { PublicSupplyChain } from "../ports/public-chain.js";
import { readEvmDeployment, pingJsonRpc, type EvmDeployment, type EvmSigner } from "./evm-deployment.js";

type EvmAdapter = typeof import("./evm.js");

interface Connected {
  readonly registry: AnchorRegistry;
  readonly chain: PublicSupplyChain;
  destroy(): void;
}

export interface LazyEvm {
  readonly deployment: EvmDeployment;
  readonly anchorRegistry: AnchorRegistry;
  readonly publicChain: PublicSupplyChain;
  /** True once a call has loaded the adapter and connected. */
  readonly connected: boolean;
  /** Resolves when the node answers, without loading the adapter. */
  ping(): Promise<void>;
  /** Closes the connection, if one was made. */
  destroy(): void;
}

export interface LazyEvmOptions {
  /** Deadline of the readiness call in milliseconds. */
  readonly pingTimeoutMs: number;
  /** Loads the ethers adapter; tests count the loads. */
  readonly load?: () => Promise<EvmAdapter>;
  /** Whom this org's gateway signs for (its own key file only); absent: every account (the multi-org test mode). */
  readonly signer?: EvmSigner;
}

/**
 * Reads `deploymentFile` now (throws naming the field, or UnavailableError when
 * it cannot be read) and connects on the first EVM call. A failed load fails
 * that call and is tried again on the next.
 */
export function newLazyEvm(deploymentFile: string, options: LazyEvmOptions): LazyEvm {
  const deployment = readEvmDeployment(deploymentFile, options.signer);
  const load = options.load ?? (() => import("./evm.js"));
  let connecting: Promise<Connected> | undefined;
  let connection: Connected | undefined;
  const connect = (): Promise<Connected> => {
    connecting ??= load()
      .then((adapter) => {
        const evm = new adapter.EvmConnection(deployment);
        connection = { registry: adapter.newEvmAnchorRegistry(evm), chain: adapter.newEvmSupplyChain(evm), destroy: () => evm.destroy() };
        return connection;
      })
      .catch((error: unknown) => {
        connecting = undefined;
        throw error;
      });
    return connecting;
  };
  const ping = (): Promise<void> => pingJsonRpc(deployment.rpcUrl, options.pingTimeoutMs);
  const anchorRegistry: AnchorRegistry = {
    anchor: async (ledgerId, blockNumber, blockHash) => (await connect()).registry.anchor(ledgerId, blockNumber, blockHash),
    anchoredHash: async (ledgerId, blockNumber) => (await connect()).registry.anchoredHash(ledgerId, blockNumber),
    latest: async (ledgerId) => (await connect()).registry.latest(ledgerId),
    nextAnchored: async (ledgerId, blockNumber) => (await connect()).registry.nextAnchored(ledgerId, blockNumber),
    ping,
  };
  const publicChain: PublicSupplyChain = {
    registerProduct: async (as, gtin, name) => (await connect()).chain.registerProduct(as, gtin, name),
    registerLot: async (as, gtin, lot, expiry) => (await connect()).chain.registerLot(as, gtin, lot, expiry),
    commission: async (as, gtin, lot, serials) => (await connect()).chain.commission(as, gtin, lot, serials),
    ship: async (as, packs, consignee) => (await connect()).chain.ship(as, packs, consignee),
    receive: async (as, packs) => (await connect()).chain.receive(as, packs),
    dispense: async (as, pack) => (await connect()).chain.dispense(as, pack),
    decommission: async (as, pack, reason) => (await connect()).chain.decommission(as, pack, reason),
    undoDecommission: async (as, pack) => (await connect()).chain.undoDecommission(as, pack),
    recordShipmentException: async (as, shipmentId, missing, unexpected, evidence) =>
      (await connect()).chain.recordShipmentException(as, shipmentId, missing, unexpected, evidence),
    recallLot: async (as, gtin, lot) => (await connect()).chain.recallLot(as, gtin, lot),
    pack: async (pack) => (await connect()).chain.pack(pack),
    verify: async (pack) => (await connect()).chain.verify(pack),
  };
  return {
    deployment,
    anchorRegistry,
    publicChain,
    get connected() {
      return connection !== undefined;
    },
    ping,
    destroy: () => connection?.destroy(),
  };
}
