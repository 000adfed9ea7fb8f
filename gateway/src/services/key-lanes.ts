import { DOWNSTREAM_CHANNEL } from "../ports/ledger.js";

/** Lane keys, one function per ledger record kind: every writer of a record queues on the same key. */
export const laneKey = {
  product: (channel: string, gtin: string): string => `${channel}/product/${gtin}`,
  lot: (channel: string, gtin: string, lot: string): string => `${channel}/lot/${gtin}/${lot}`,
  coldChain: (channel: string, shipmentId: string): string => `${channel}/coldchain/${shipmentId}`,
};

/**
 * The lanes of a write to a lot record. On the downstream channel the lot is
 * a mirror that an import rewrites without naming its lots (see importLanes),
 * so the write also queues on the mirrored product of its GTIN.
 */
export function lotLanes(channel: string, gtin: string, lot: string): string[] {
  const own = laneKey.lot(channel, gtin, lot);
  return channel === DOWNSTREAM_CHANNEL ? [own, laneKey.product(channel, gtin)] : [own];
}

/** The lanes of an import onto the downstream channel: it rewrites the mirrored product and lot records of each GTIN. */
export function importLanes(gtins: readonly string[]): string[] {
  return [...new Set(gtins)].map((gtin) => laneKey.product(DOWNSTREAM_CHANNEL, gtin));
}

/**
 * Runs writes that touch the same ledger key one after another. Every
 * chaincode write re-sets its key's state-based endorsement policy, and
 * Fabric invalidates (ENDORSEMENT_POLICY_FAILURE, not an MVCC conflict that
 * could be retried) a second transaction in the same block that writes a key
 * whose policy changed. Writes to different keys still run in parallel.
 * This covers concurrent requests through one gateway process.
 */
export class KeyLanes {
  readonly #tails = new Map<string, Promise<unknown>>();

  /** Runs `work` after every earlier work on any of `keys` has settled. */
  async run<T>(keys: readonly string[], work: () => Promise<T>): Promise<T> {
    const unique = [...new Set(keys)];
    const before = unique.map((k) => this.#tails.get(k)).filter((p): p is Promise<unknown> => p !== undefined);
    const result = Promise.allSettled(before).then(work);
    const tail = result.catch(() => undefined);
    for (const k of unique) this.#tails.set(k, tail);
    try {
      return await result;
    } finally {
      for (const k of unique) if (this.#tails.get(k) === tail) this.#tails.delete(k);
    }
  }

  /** Keys currently queued or running (for tests and metrics). */
  get size(): number {
    return this.#tails.size;
  }
}
