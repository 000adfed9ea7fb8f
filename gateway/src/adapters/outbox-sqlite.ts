/**
 * Outbox on the embedded `node:sqlite` database (the gateway's outbox.db).
 * Every change is one statement, so a crash leaves each item either waiting
 * or gone, never half-updated.
 */
import { DatabaseSync } from "node:sqlite";
import type { Outbox, OutboxItem, OutboxStats } from "../ports/outbox.js";

interface Row {
  id: number;
  kind: string;
  key: string;
  payload: string;
  created_at: number;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  alerted_at: number | null;
}

const COLUMNS = "id, kind, key, payload, created_at, attempts, next_attempt_at, last_error, alerted_at";

function toItem(row: Row): OutboxItem {
  return {
    id: Number(row.id),
    kind: row.kind,
    key: row.key,
    payload: row.payload,
    createdAt: Number(row.created_at),
    attempts: Number(row.attempts),
    nextAttemptAt: Number(row.next_attempt_at),
    lastError: row.last_error ?? undefined,
    alertedAt: row.alerted_at === null ? undefined : Number(row.alerted_at),
  };
}

export class SqliteOutbox implements Outbox {
  readonly #db: DatabaseSync;

  /** @param file a database path, or ":memory:" */
  constructor(file: string) {
    this.#db = new DatabaseSync(file);
    this.#db.exec(`
      PRAGMA journal_mode = WAL;
      CREATE TABLE IF NOT EXISTS outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_error TEXT,
        alerted_at INTEGER,
        UNIQUE (kind, key)
      ) STRICT;
      CREATE INDEX IF NOT EXISTS outbox_due ON outbox (next_attempt_at);
    `);
  }

  add(kind: string, key: string, payload: string, now: number): OutboxItem {
    this.#db
      .prepare("INSERT INTO outbox (kind, key, payload, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, key) DO NOTHING")
      .run(kind, key, payload, now, now);
    return toItem(this.#db.prepare(`SELECT ${COLUMNS} FROM outbox WHERE kind = ? AND key = ?`).get(kind, key) as unknown as Row);
  }

  get(id: number): OutboxItem | undefined {
    const row = this.#db.prepare(`SELECT ${COLUMNS} FROM outbox WHERE id = ?`).get(id) as Row | undefined;
    return row ? toItem(row) : undefined;
  }

  due(now: number, limit: number): OutboxItem[] {
    const rows = this.#db.prepare(`SELECT ${COLUMNS} FROM outbox WHERE next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`).all(now, limit);
    return (rows as unknown as Row[]).map(toItem);
  }

  pending(kind?: string): OutboxItem[] {
    const rows =
      kind === undefined
        ? this.#db.prepare(`SELECT ${COLUMNS} FROM outbox ORDER BY created_at, id`).all()
        : this.#db.prepare(`SELECT ${COLUMNS} FROM outbox WHERE kind = ? ORDER BY created_at, id`).all(kind);
    return (rows as unknown as Row[]).map(toItem);
  }

  unalerted(createdBy: number, limit: number): OutboxItem[] {
    const rows = this.#db
      .prepare(`SELECT ${COLUMNS} FROM outbox WHERE alerted_at IS NULL AND created_at <= ? ORDER BY created_at, id LIMIT ?`)
      .all(createdBy, limit);
    return (rows as unknown as Row[]).map(toItem);
  }

  retryLater(id: number, nextAttemptAt: number, error: string): void {
    this.#db.prepare("UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?").run(nextAttemptAt, error, id);
  }

  markAlerted(id: number, at: number): void {
    this.#db.prepare("UPDATE outbox SET alerted_at = ? WHERE id = ?").run(at, id);
  }

  remove(id: number): void {
    this.#db.prepare("DELETE FROM outbox WHERE id = ?").run(id);
  }

  stats(): OutboxStats[] {
    const rows = this.#db.prepare("SELECT kind, COUNT(*) AS depth, MIN(created_at) AS oldest FROM outbox GROUP BY kind ORDER BY kind").all() as unknown as {
      kind: string;
      depth: number;
      oldest: number;
    }[];
    return rows.map((r) => ({ kind: r.kind, depth: Number(r.depth), oldestCreatedAt: Number(r.oldest) }));
  }

  close(): void {
    this.#db.close();
  }
}
