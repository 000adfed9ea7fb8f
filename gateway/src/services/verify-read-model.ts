/**
 * The verification read model: the pack, lot and product records and each
 * pack's custody, kept from the committed blocks of the gateway's own peer
 * (VALID transactions only), so a scan is answered without an evaluate. Every
 * answer names the last block applied on its channel, read before the
 * records: a block is applied whole, so a recall, withdrawal, mark or
 * decommission committed at or below that block is always in the answer
 * (a later block applied meanwhile may show too). Replicas of one gateway
 * sharing a store in PostgreSQL each follow their peer; the store applies a
 * block once, whichever replica brings it first.
 */
import { custodyStepOf, productSummaryOf, verificationOf, type Lot, type Pack, type PackIdentifiers, type PackVerification, type Product } from "@rxtrace/domain";
import type { CommittedBlock, CommittedBlockSource, CommittedBlockStream } from "../ports/ledger-events.js";
import type { CustodyChange, ReadModelStore, RecordChange } from "../ports/read-model.js";

/** The chaincode's key types the read model keeps (its composite keys' object types). */
const KEPT = { PACK: "pack", LOT: "lot", PRODUCT: "product" } as const;

/** Fabric's composite key: U+0000, the object type, then each attribute, each followed by U+0000. */
function compositeKey(type: string, parts: readonly string[]): string {
  return `\u0000${type}\u0000${parts.map((p) => `${p}\u0000`).join("")}`;
}

function keyType(key: string): string | undefined {
  return key.startsWith("\u0000") ? key.split("\u0000")[1] : undefined;
}

export interface ReadModelOptions {
  readonly channels: readonly string[];
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  readonly onError?: (channel: string, error: unknown) => void;
}

/** A channel's answer with the last block it reflects. */
export interface ReadModelAnswer extends PackVerification {
  readonly channel: string;
  readonly block: bigint;
}

export class VerifyReadModel {
  readonly #source: CommittedBlockSource;
  readonly #store: ReadModelStore;
  readonly #options: ReadModelOptions;
  readonly #loops = new Map<string, Promise<void>>();
  readonly #streams = new Map<string, CommittedBlockStream>();
  readonly #wakes = new Set<() => void>();
  #stopped = true;

  constructor(source: CommittedBlockSource, store: ReadModelStore, options: ReadModelOptions) {
    this.#source = source;
    this.#store = store;
    this.#options = options;
  }

  get channels(): readonly string[] {
    return this.#options.channels;
  }

  /** The last block applied on the channel (undefined: none yet). */
  lastBlock(channel: string): Promise<bigint | undefined> {
    return this.#store.lastBlock(channel);
  }

  /**
   * Applies a committed block: the records its VALID transactions wrote and a
   * custody step per pack write. A block at or below the last one applied is
   * ignored (a stream reopened from an older block replays it, another
   * replica applied it first).
   * @returns whether this call applied it
   */
  async apply(block: CommittedBlock): Promise<boolean> {
    const last = await this.#store.lastBlock(block.channel);
    if (last !== undefined && block.number <= last) return false;
    const records: RecordChange[] = [];
    const custody: CustodyChange[] = [];
    for (const tx of block.transactions) {
      for (const write of tx.writes) {
        const type = keyType(write.key);
        if (type !== KEPT.PACK && type !== KEPT.LOT && type !== KEPT.PRODUCT) continue;
        const value = write.value === undefined ? undefined : Buffer.from(write.value).toString("utf8");
        records.push({ key: write.key, value });
        if (type === KEPT.PACK && value !== undefined) {
          const pack = JSON.parse(value) as Pack;
          custody.push({ gtin: pack.gtin, serial: pack.serial, step: custodyStepOf(block.channel, pack, tx.at, tx.txId) });
        }
      }
    }
    return this.#store.applyBlock(block.channel, block.number, records, custody);
  }

  /** The channel's answer as of its last applied block; undefined while no block is applied. */
  async answer(channel: string, scan: PackIdentifiers, atIso: string): Promise<ReadModelAnswer | undefined> {
    const block = await this.#store.lastBlock(channel);
    if (block === undefined) return undefined;
    const pack = await this.#read<Pack>(channel, KEPT.PACK, [scan.gtin, scan.serial]);
    const [lot, product, custody] = pack
      ? await Promise.all([
          this.#read<Lot>(channel, KEPT.LOT, [pack.gtin, pack.lot]),
          this.#read<Product>(channel, KEPT.PRODUCT, [pack.gtin]),
          this.#store.custody(channel, pack.gtin, pack.serial),
        ])
      : [undefined, undefined, []];
    const verification = verificationOf(scan, pack, lot, product, atIso);
    if (!pack) return { channel, block, verification, provenance: null };
    return { channel, block, verification, provenance: product ? { product: productSummaryOf(product), custody } : { custody } };
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    for (const channel of this.#options.channels) this.#loops.set(channel, this.#follow(channel));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const stream of this.#streams.values()) stream.close();
    for (const wake of this.#wakes) wake();
    await Promise.all(this.#loops.values());
    this.#loops.clear();
  }

  async #read<T>(channel: string, type: string, parts: readonly string[]): Promise<T | undefined> {
    const json = await this.#store.record(channel, compositeKey(type, parts));
    return json === undefined ? undefined : (JSON.parse(json) as T);
  }

  async #follow(channel: string): Promise<void> {
    let attempt = 0;
    while (!this.#stopped) {
      try {
        const last = await this.#store.lastBlock(channel);
        const stream = await this.#source.open(channel, last === undefined ? 0n : last + 1n);
        this.#streams.set(channel, stream);
        if (this.#stopped) break;
        for await (const block of stream) {
          await this.apply(block);
          attempt = 0;
          if (this.#stopped) break;
        }
      } catch (error) {
        if (!this.#stopped) this.#options.onError?.(channel, error);
      } finally {
        this.#streams.get(channel)?.close();
        this.#streams.delete(channel);
      }
      if (this.#stopped) break;
      const delay = Math.min(this.#options.retryMaxMs, this.#options.retryInitialMs * 2 ** attempt);
      attempt += 1;
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.#wakes.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, delay);
        this.#wakes.add(wake);
      });
    }
  }
}
