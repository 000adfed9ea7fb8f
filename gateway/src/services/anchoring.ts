/**
 * Anchoring Fabric history on the EVM chain: periodically, each channel's
 * latest block hash goes to the anchor registry; on demand, a block is
 * checked against the anchors: its data must hash to its header's data hash,
 * and the hash chain from it must reach an anchored block with the anchored
 * hash. A block changed after anchoring (data or header) fails the check.
 */
import { blockDataHash, blockHeaderHash } from "../crypto/block-hash.js";
import { GatewayError, InvalidArgumentError } from "../errors.js";
import type { AnchorReceipt, AnchorRegistry } from "../ports/anchor-registry.js";
import type { BlockSource, LedgerBlock } from "../ports/ledger-events.js";

export type AnchorCheckReason = "DATA_HASH_MISMATCH" | "HASH_CHAIN_BROKEN" | "ANCHOR_MISMATCH" | "NOT_ANCHORED_YET";

export interface AnchorCheck {
  readonly channel: string;
  readonly blockNumber: string;
  /** Hash of the checked block as recomputed here (hex). */
  readonly blockHash: string;
  readonly verified: boolean;
  readonly reason?: AnchorCheckReason;
  /** The anchored block the check reached, and its anchored hash. */
  readonly anchoredBlockNumber?: string;
  readonly anchoredHash?: string;
  /** Blocks walked from the checked block to the anchor. */
  readonly linksChecked: number;
}

export interface AnchorRun {
  readonly channel: string;
  /** Key of the channel's anchors on the anchoring chain (see `ledgerId`). */
  readonly ledgerId: string;
  readonly blockNumber: string;
  readonly blockHash: string;
  /** Absent when the block was already anchored. */
  readonly receipt?: AnchorReceipt;
}

export interface AnchoringOptions {
  readonly channels: readonly string[];
  /** Period of the automatic anchoring; 0 turns it off. */
  readonly intervalMs: number;
  /** Most blocks walked from a checked block to the next anchor. */
  readonly maxWalk: number;
  readonly onError?: (channel: string, error: unknown) => void;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

/** The hash of a block as its successor names it, after checking its data hash. */
function checkedHash(block: LedgerBlock): { hash: Buffer; dataOk: boolean } {
  const dataOk = blockDataHash(block.data).equals(Buffer.from(block.dataHash));
  return { hash: blockHeaderHash(block.number, block.previousHash, block.dataHash), dataOk };
}

export class AnchoringService {
  readonly #blocks: BlockSource;
  readonly #registry: AnchorRegistry;
  readonly #options: AnchoringOptions;
  readonly #ledgerIds = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  readonly #last = new Map<string, { at: string; run?: AnchorRun; error?: string }>();

  constructor(blocks: BlockSource, registry: AnchorRegistry, options: AnchoringOptions) {
    this.#blocks = blocks;
    this.#registry = registry;
    this.#options = options;
  }

  /** Anchors the channel's latest block unless it is already anchored. */
  async anchorLatest(channel: string): Promise<AnchorRun> {
    this.#requireChannel(channel);
    const height = await this.#blocks.height(channel);
    if (height === 0n) throw new GatewayError("CONFLICT", `channel ${channel} has no block yet`);
    const number = height - 1n;
    const block = await this.#blocks.block(channel, number);
    const { hash } = checkedHash(block);
    const ledgerId = await this.ledgerId(channel);
    const latest = await this.#registry.latest(ledgerId);
    if (latest !== undefined && latest >= number) {
      return { channel, ledgerId, blockNumber: number.toString(), blockHash: hex(hash) };
    }
    const receipt = await this.#registry.anchor(ledgerId, number, hash);
    return { channel, ledgerId, blockNumber: number.toString(), blockHash: hex(hash), receipt };
  }

  /** Anchors every channel once; failures are recorded per channel, not thrown. */
  async anchorAll(): Promise<void> {
    for (const channel of this.#options.channels) {
      try {
        const run = await this.anchorLatest(channel);
        this.#last.set(channel, { at: new Date().toISOString(), run });
      } catch (error) {
        this.#last.set(channel, { at: new Date().toISOString(), error: error instanceof Error ? error.message : String(error) });
        this.#options.onError?.(channel, error);
      }
    }
  }

  start(): void {
    if (this.#options.intervalMs <= 0 || this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      if (this.#running !== undefined) return;
      this.#running = this.anchorAll().finally(() => {
        this.#running = undefined;
      });
    }, this.#options.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  status(): Record<string, { at: string; run?: AnchorRun; error?: string }> {
    return Object.fromEntries(this.#last);
  }

  /**
   * Checks a block against the anchors. Without `supplied`, the block is read
   * from the ledger; with it, the caller's copy is checked instead.
   */
  async check(channel: string, blockNumber: bigint, supplied?: Uint8Array): Promise<AnchorCheck> {
    this.#requireChannel(channel);
    const block = supplied === undefined ? await this.#blocks.block(channel, blockNumber) : this.#blocks.decode(supplied);
    if (block.number !== blockNumber) {
      throw new InvalidArgumentError("block", `is block ${block.number.toString()}, not ${blockNumber.toString()}`);
    }
    const first = checkedHash(block);
    const base = { channel, blockNumber: blockNumber.toString(), blockHash: hex(first.hash) };
    if (!first.dataOk) return { ...base, verified: false, reason: "DATA_HASH_MISMATCH", linksChecked: 0 };

    const ledgerId = await this.ledgerId(channel);
    const anchored = await this.#registry.nextAnchored(ledgerId, blockNumber);
    if (anchored === undefined) return { ...base, verified: false, reason: "NOT_ANCHORED_YET", linksChecked: 0 };
    if (anchored - blockNumber > BigInt(this.#options.maxWalk)) {
      throw new GatewayError("CONFLICT", `the next anchor (block ${anchored.toString()}) is more than ${this.#options.maxWalk} blocks away; check a later block`);
    }
    // Walk the hash chain from the checked block up to the anchored one.
    let hash = first.hash;
    let links = 0;
    for (let n = blockNumber + 1n; n <= anchored; n += 1n) {
      const next = await this.#blocks.block(channel, n);
      if (!Buffer.from(next.previousHash).equals(hash)) {
        return { ...base, verified: false, reason: "HASH_CHAIN_BROKEN", anchoredBlockNumber: anchored.toString(), linksChecked: links };
      }
      const step = checkedHash(next);
      if (!step.dataOk) {
        return { ...base, verified: false, reason: "HASH_CHAIN_BROKEN", anchoredBlockNumber: anchored.toString(), linksChecked: links };
      }
      hash = step.hash;
      links += 1;
    }
    const anchoredHash = await this.#registry.anchoredHash(ledgerId, anchored);
    const result = { ...base, anchoredBlockNumber: anchored.toString(), linksChecked: links, ...(anchoredHash === undefined ? {} : { anchoredHash: hex(anchoredHash) }) };
    if (anchoredHash === undefined || !Buffer.from(anchoredHash).equals(hash)) return { ...result, verified: false, reason: "ANCHOR_MISMATCH" };
    return { ...result, verified: true };
  }

  /**
   * The id a channel's anchors are kept under: its name and the start of its
   * genesis block hash, so a channel recreated under the same name (a reset
   * network) gets fresh anchors instead of colliding with the old ledger's.
   */
  async ledgerId(channel: string): Promise<string> {
    let id = this.#ledgerIds.get(channel);
    if (id === undefined) {
      const genesis = await this.#blocks.block(channel, 0n);
      id = `${channel}:${hex(blockHeaderHash(genesis.number, genesis.previousHash, genesis.dataHash)).slice(0, 12)}`;
      this.#ledgerIds.set(channel, id);
    }
    return id;
  }

  #requireChannel(channel: string): void {
    if (!this.#options.channels.includes(channel)) {
      throw new InvalidArgumentError("channel", `must be one of ${this.#options.channels.join(", ")}`);
    }
  }
}
