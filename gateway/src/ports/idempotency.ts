/**
 * Durable memory of write requests carrying an `Idempotency-Key`, so a retried
 * request returns the first answer instead of writing twice. Asynchronous:
 * one gateway keeps it in SQLite, replicas of one org's gateway share it in
 * PostgreSQL (adapters/idempotency-sqlite.ts, adapters/idempotency-postgres.ts).
 */

export interface StoredResponse {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
}

export type IdempotencyClaim =
  /** First time this key is seen: the caller performs the write, then completes or releases. */
  | { readonly kind: "claimed" }
  /** The same key and the same request finished before: answer with this. */
  | { readonly kind: "replay"; readonly response: StoredResponse }
  /** The same key was used for a different request. */
  | { readonly kind: "mismatch" }
  /** The same key and request are being processed right now. */
  | { readonly kind: "in-progress" };

export interface IdempotencyStore {
  /**
   * Claims `key` within `scope` (the API key id) for the request whose
   * canonical hash is `requestHash`. A claim still pending after the
   * store's pending timeout (its process died mid-request) is taken over.
   */
  claim(scope: string, key: string, requestHash: string): Promise<IdempotencyClaim>;
  /** Records the final answer of a claimed request. */
  complete(scope: string, key: string, response: StoredResponse): Promise<void>;
  /** Forgets a claim whose request failed, so the client may retry with the same key. */
  release(scope: string, key: string): Promise<void>;
  close(): Promise<void>;
}
