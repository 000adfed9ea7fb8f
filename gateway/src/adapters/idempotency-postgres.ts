/**
 * IdempotencyStore in PostgreSQL, shared by the replicas of one org's gateway:
 * a request and its retry may reach different replicas. A key is claimed by
 * one INSERT ... ON CONFLICT, so two replicas claiming it at once get one
 * "claimed" between them. A pending claim is leased for `pendingTimeoutMs`:
 * when its replica dies mid-request, a retry after the lease takes it over.
 * Completed answers are kept for `ttlMs`. Times are the database's clock, so
 * replicas' clocks need not agree.
 */
import type pg from "pg";
import type { IdempotencyClaim, IdempotencyStore, StoredResponse } from "../ports/idempotency.js";

export interface PostgresIdempotencyOptions {
  ttlMs?: number;
  pendingTimeoutMs?: number;
}

interface Row {
  request_hash: string;
  status: number | null;
  body: string | null;
  content_type: string | null;
}

// Taken when new, when its pending lease ran out, or when its stored answer is older than the TTL.
const CLAIM = `
INSERT INTO idempotency AS i (scope, key, request_hash, created_at, lease_until)
VALUES ($1, $2, $3, clock_timestamp(), clock_timestamp() + $4 * interval '1 millisecond')
ON CONFLICT (scope, key) DO UPDATE
  SET request_hash = EXCLUDED.request_hash, status = NULL, body = NULL, content_type = NULL,
      created_at = EXCLUDED.created_at, lease_until = EXCLUDED.lease_until
  WHERE (i.status IS NULL AND i.lease_until < clock_timestamp())
     OR (i.status IS NOT NULL AND i.created_at < clock_timestamp() - $5 * interval '1 millisecond')
RETURNING 1`;

export class PostgresIdempotencyStore implements IdempotencyStore {
  readonly #pool: pg.Pool;
  readonly #ttlMs: number;
  readonly #pendingTimeoutMs: number;

  /** @param pool from connectPostgres (adapters/postgres.ts); the caller ends it */
  constructor(pool: pg.Pool, options: PostgresIdempotencyOptions = {}) {
    this.#pool = pool;
    this.#ttlMs = options.ttlMs ?? 24 * 60 * 60 * 1000;
    this.#pendingTimeoutMs = options.pendingTimeoutMs ?? 5 * 60 * 1000;
  }

  async claim(scope: string, key: string, requestHash: string): Promise<IdempotencyClaim> {
    // A row released between the two statements is claimed on the next round.
    for (let round = 0; round < 3; round += 1) {
      const claimed = await this.#pool.query(CLAIM, [scope, key, requestHash, this.#pendingTimeoutMs, this.#ttlMs]);
      if (claimed.rowCount === 1) return { kind: "claimed" };
      const { rows } = await this.#pool.query<Row>("SELECT request_hash, status, body, content_type FROM idempotency WHERE scope = $1 AND key = $2", [
        scope,
        key,
      ]);
      const row = rows[0];
      if (row === undefined) continue;
      if (row.request_hash !== requestHash) return { kind: "mismatch" };
      if (row.status === null) return { kind: "in-progress" };
      return { kind: "replay", response: { status: row.status, body: row.body ?? "", contentType: row.content_type ?? "application/json" } };
    }
    // Claimed and released three times over while we looked: as busy as in flight.
    return { kind: "in-progress" };
  }

  async complete(scope: string, key: string, response: StoredResponse): Promise<void> {
    await this.#pool.query("UPDATE idempotency SET status = $3, body = $4, content_type = $5, lease_until = NULL WHERE scope = $1 AND key = $2", [
      scope,
      key,
      response.status,
      response.body,
      response.contentType,
    ]);
  }

  async release(scope: string, key: string): Promise<void> {
    await this.#pool.query("DELETE FROM idempotency WHERE scope = $1 AND key = $2 AND status IS NULL", [scope, key]);
  }

  /** The pool is the caller's: nothing to close here. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
