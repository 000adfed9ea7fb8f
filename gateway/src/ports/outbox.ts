/**
 * Durable work the gateway owes someone else: a recall or withdrawal to carry
 * onto another channel, a webhook to deliver. An item is written before the
 * first attempt and removed only once it is done, so a restart resumes it.
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
  add(kind: string, key: string, payload: string, now: number): OutboxItem;
  get(id: number): OutboxItem | undefined;
  /** Items whose next attempt is due, oldest first. */
  due(now: number, limit: number): OutboxItem[];
  /** Every waiting item of a kind (all kinds when none is named), oldest first. */
  pending(kind?: string): OutboxItem[];
  /** Waiting items created at or before `createdBy` whose alert has not gone out, oldest first. */
  unalerted(createdBy: number, limit: number): OutboxItem[];
  /** Counts one more failed attempt and when to try again. */
  retryLater(id: number, nextAttemptAt: number, error: string): void;
  markAlerted(id: number, at: number): void;
  /** Removes finished (or abandoned) work. */
  remove(id: number): void;
  stats(): OutboxStats[];
  close(): void;
}
