/**
 * The store of a read model kept from committed blocks: records by their
 * state key, custody steps by pack, and the last block applied per channel.
 * A block is applied whole or not at all, and only above the channel's last
 * block, so replicas of one gateway following the same peer into one shared
 * store (PostgreSQL) apply each block once.
 */
import type { CustodyStep } from "@rxtrace/domain";

/** A record written in a block (`value` undefined: deleted). */
export interface RecordChange {
  readonly key: string;
  readonly value: string | undefined;
}

export interface CustodyChange {
  readonly gtin: string;
  readonly serial: string;
  readonly step: CustodyStep;
}

export interface ReadModelStore {
  /** The last block applied on the channel, or undefined before the first. */
  lastBlock(channel: string): Promise<bigint | undefined>;
  /**
   * Applies one block's changes and records it as the channel's last block,
   * atomically, when `block` is above the channel's last block.
   * @returns false when the block (or a later one) was applied already, and nothing changed
   */
  applyBlock(channel: string, block: bigint, records: readonly RecordChange[], custody: readonly CustodyChange[]): Promise<boolean>;
  /** A record's JSON by its state key. */
  record(channel: string, key: string): Promise<string | undefined>;
  /** The pack's custody steps on the channel, in commit order. */
  custody(channel: string, gtin: string, serial: string): Promise<CustodyStep[]>;
  close(): Promise<void>;
}
