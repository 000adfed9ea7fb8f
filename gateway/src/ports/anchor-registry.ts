/**
 * Anchors of Fabric block hashes on a public chain (the EVM SupplyChain
 * contract in production): once anchored, nobody in the consortium can
 * rewrite the channel's history up to that block unnoticed.
 */

export interface AnchorReceipt {
  /** Transaction hash on the anchoring chain. */
  readonly transactionHash: string;
  readonly chainBlockNumber: number;
}

export interface AnchorRegistry {
  /**
   * Records the hash of block `blockNumber` of ledger `ledgerId` (a channel
   * name and the start of its genesis hash, at most 31 characters).
   * @throws ConflictError when the block number is not above the last anchored one
   * @throws UnavailableError when the chain cannot be reached
   */
  anchor(ledgerId: string, blockNumber: bigint, blockHash: Uint8Array): Promise<AnchorReceipt>;
  /** The anchored hash of a block, or undefined when that block was not anchored. */
  anchoredHash(ledgerId: string, blockNumber: bigint): Promise<Uint8Array | undefined>;
  /** The highest anchored block number of a ledger, or undefined when none. */
  latest(ledgerId: string): Promise<bigint | undefined>;
  /** The lowest anchored block number at or above `blockNumber`, or undefined. */
  nextAnchored(ledgerId: string, blockNumber: bigint): Promise<bigint | undefined>;
  /** Resolves when the chain answers. */
  ping(): Promise<void>;
}
