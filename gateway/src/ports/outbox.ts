/**
 * Durable work the gateway owes someone else: a recall or withdrawal to carry
 * onto another channel, a webhook to deliver. An item is written before the
 * first attempt and removed only once it is done, so a restart resumes it.
 * Workers take an item for an attempt under a lease, so replicas of one
 * gateway sharing the outbox (PostgreSQL) never work the same item at once,
 * and an item whose worker died is taken again when its lease runs out.
 */

export interface OutboxItem {
  readonly id: number;
  /** What to do, e.g. "recall-sync", "withdrawal-sync", "webhook"; one handler per kind. */
  readonly kind: string;
  /** Identity of the work within its kind: adding the same kind and key again returns the item already waiting. */
  readonly key: string;
  /** JSON the handler reads. */
  readonly payload: string;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastError: string | undefined;
  /** When the "still pending" alert went out (undefined: not yet). */
  readonly alertedAt: number | undefined;
}

export interface OutboxStats {
  readonly kind: string;
  readonly depth: number;
  /** Creation time of the oldest waiting item. */
  readonly oldestCreatedAt: number;
}

export interface Outbox {
  /** Records the work, due now; the item already waiting when the same kind and key is. */
  add(kind: string, key: string, payload: string, now: number): Promise<OutboxItem>;
  get(id: number): Promise<OutboxItem | undefined>;
  /**
   * Takes up to `limit` items of `kinds` whose next attempt is due at `now`
   * and that no worker holds, oldest first, each held until `leaseUntil`.
   */
  take(kinds: readonly string[], now: number, limit: number, leaseUntil: number): Promise<OutboxItem[]>;
  /** Takes the item for an attempt now, due or not, unless a worker holds it (undefined then, or when it is gone). */
  takeOne(id: number, now: number, leaseUntil: number): Promise<OutboxItem | undefined>;
  /** Every waiting item of a kind (all kinds when none is named), oldest first. */
  pending(kind?: string): Promise<OutboxItem[]>;
  /** Waiting items created at or before `createdBy` whose alert has not gone out, oldest first. */
  unalerted(createdBy: number, limit: number): Promise<OutboxItem[]>;
  /** Counts one more failed attempt and when to try again; lets the item go. */
  retryLater(id: number, nextAttemptAt: number, error: string): Promise<void>;
  /** Records the alert; false when it had gone out already (another worker raised it). */
  markAlerted(id: number, at: number): Promise<boolean>;
  /** Removes finished (or abandoned) work. */
  remove(id: number): Promise<void>;
  stats(): Promise<OutboxStats[]>;
  close(): Promise<void>;
}
