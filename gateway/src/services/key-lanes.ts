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
