/**
 * IdempotencyStore on the embedded `node:sqlite` database. Completed answers
 * are kept for `ttlMs` (24 h by default); a claim left pending by a crashed
 * process is taken over after `pendingTimeoutMs`. Synchronous inside; the
 * port's promises are resolved at once.
 */
import { DatabaseSync } from "node:sqlite";
import { privateFile } from "./private-files.js";
import type { IdempotencyClaim, IdempotencyStore, StoredResponse } from "../ports/idempotency.js";

interface Row {
  request_hash: string;
  status: number | null;
  body: string | null;
  content_type: string | null;
  created_at: number;
}

export interface SqliteIdempotencyOptions {
  ttlMs?: number;
  pendingTimeoutMs?: number;
  now?: () => number;
}

export class SqliteIdempotencyStore implements IdempotencyStore {
  readonly #db: DatabaseSync;
  readonly #ttlMs: number;
  readonly #pendingTimeoutMs: number;
  readonly #now: () => number;

  /** @param file a database path, or ":memory:" */
  constructor(file: string, options: SqliteIdempotencyOptions = {}) {
    if (file !== ":memory:") privateFile(file);
    this.#db = new DatabaseSync(file);
    this.#ttlMs = options.ttlMs ?? 24 * 60 * 60 * 1000;
    this.#pendingTimeoutMs = options.pendingTimeoutMs ?? 5 * 60 * 1000;
    this.#now = options.now ?? Date.now;
    this.#db.exec(`
      PRAGMA journal_mode = WAL;
      CREATE TABLE IF NOT EXISTS idempotency (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        status INTEGER,
        body TEXT,
        content_type TEXT,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (scope, key)
      ) STRICT;
    `);
  }

  claim(scope: string, key: string, requestHash: string): Promise<IdempotencyClaim> {
    return Promise.resolve(this.#claim(scope, key, requestHash));
  }

  #claim(scope: string, key: string, requestHash: string): IdempotencyClaim {
    const now = this.#now();
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const row = this.#db
        .prepare("SELECT request_hash, status, body, content_type, created_at FROM idempotency WHERE scope = ? AND key = ?")
        .get(scope, key) as Row | undefined;
      const expired =
        row !== undefined &&
        (row.status === null ? now - row.created_at > this.#pendingTimeoutMs : now - row.created_at > this.#ttlMs);
      let claim: IdempotencyClaim;
      if (row === undefined || expired) {
        this.#db
          .prepare(
            "INSERT OR REPLACE INTO idempotency (scope, key, request_hash, status, body, content_type, created_at) VALUES (?, ?, ?, NULL, NULL, NULL, ?)",
          )
          .run(scope, key, requestHash, now);
        claim = { kind: "claimed" };
      } else if (row.request_hash !== requestHash) {
        claim = { kind: "mismatch" };
      } else if (row.status === null) {
        claim = { kind: "in-progress" };
      } else {
        claim = {
          kind: "replay",
          response: { status: row.status, body: row.body ?? "", contentType: row.content_type ?? "application/json" },
        };
      }
      this.#db.exec("COMMIT");
      return claim;
    } catch (err) {
      this.#db.exec("ROLLBACK");
      throw err;
    }
  }

  complete(scope: string, key: string, response: StoredResponse): Promise<void> {
    this.#db
      .prepare("UPDATE idempotency SET status = ?, body = ?, content_type = ? WHERE scope = ? AND key = ?")
      .run(response.status, response.body, response.contentType, scope, key);
    return Promise.resolve();
  }

  release(scope: string, key: string): Promise<void> {
    this.#db.prepare("DELETE FROM idempotency WHERE scope = ? AND key = ? AND status IS NULL").run(scope, key);
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
    return Promise.resolve();
  }
}
