/**
 * The pack lifecycle on the public-chain variant (SupplyChain.sol on an EVM
 * chain), for requests that target it. Each org acts through its own account.
 */
import type { DecommissionReason } from "@rxtrace/domain";
import type { MspId } from "../auth/principal.js";

/**
 * A pack as printed: the chain keys it by a commitment to all four identifiers
 * (privacy by commitment), so every pack operation needs the lot and expiry too.
 */
export interface PackRef {
  readonly gtin: string;
  readonly serial: string;
  readonly lot: string;
  /** YYMMDD as printed. */
  readonly expiry: string;
}

export interface PublicTxResult {
  readonly transactionHash: string;
  readonly chainBlockNumber: number;
}

export interface PublicPack {
  readonly gtin: string;
  readonly serial: string;
  readonly lot: string;
  readonly expiry: string;
  /** The pack's commitment on chain. */
  readonly packId: string;
  /** NONE, COMMISSIONED, IN_TRANSIT, RECEIVED, or a decommissioned status (DISPENSED, EXPORTED ... STOLEN) */
  readonly status: string;
  /** Account holding the pack (the consignee while in transit). */
  readonly holder: string;
  readonly lotId: number;
}

export interface PublicVerification {
  readonly verified: boolean;
  /** Same codes as the chaincode's verification (absent when verified). */
  readonly reason?: string;
}

export interface PublicSupplyChain {
  registerProduct(as: MspId, gtin: string, name: string): Promise<PublicTxResult>;
  registerLot(as: MspId, gtin: string, lot: string, expiry: string): Promise<PublicTxResult & { lotId: number }>;
  commission(as: MspId, gtin: string, lot: string, serials: readonly string[]): Promise<PublicTxResult & { commissioned: number }>;
  ship(as: MspId, packs: readonly PackRef[], consignee: MspId): Promise<PublicTxResult>;
  receive(as: MspId, packs: readonly PackRef[]): Promise<PublicTxResult>;
  dispense(as: MspId, pack: PackRef): Promise<PublicTxResult & { dispensed: boolean }>;
  /** Decommissions a pack the caller holds for a reason other than dispensing; false: an already-inactive alert. */
  decommission(as: MspId, pack: PackRef, reason: DecommissionReason): Promise<PublicTxResult & { decommissioned: boolean }>;
  /** Reverts the caller's decommission (dispense included) within the 10-day window. */
  undoDecommission(as: MspId, pack: PackRef): Promise<PublicTxResult>;
  /**
   * Records, as consignee, packs of a shipment that did not arrive (still in transit to the
   * caller) and packs that arrived unshipped. `shipmentId` is the ship transaction's hash or a
   * text reference (hashed); `evidence` the sha256 (hex) of the receiving report.
   */
  recordShipmentException(as: MspId, shipmentId: string, missing: readonly PackRef[], unexpected: readonly PackRef[], evidence?: string): Promise<PublicTxResult>;
  recallLot(as: MspId, gtin: string, lot: string): Promise<PublicTxResult>;
  pack(pack: PackRef): Promise<PublicPack>;
  verify(pack: PackRef): Promise<PublicVerification>;
}
