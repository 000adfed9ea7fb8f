/**
 * Outbox on the embedded `node:sqlite` database (the gateway's outbox.db).
 * Every change is one statement, so a crash leaves each item either waiting
 * or gone, never half-updated. Synchronous inside (one process works it);
 * the port's promises are resolved at once.
 */
import { DatabaseSync } from "node:sqlite";
import type { Outbox, OutboxItem, OutboxStats } from "../ports/outbox.js";
import { OUTBOX_COLUMNS, byDue, outboxItem, type OutboxRow } from "./outbox-rows.js";

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
        leased_until INTEGER,
        UNIQUE (kind, key)
      ) STRICT;
      CREATE INDEX IF NOT EXISTS outbox_due ON outbox (next_attempt_at);
    `);
    // An outbox.db from before leases: the column is added in place, every item free.
    const columns = this.#db.prepare("SELECT name FROM pragma_table_info('outbox')").all() as { name: string }[];
    if (!columns.some((c) => c.name === "leased_until")) this.#db.exec("ALTER TABLE outbox ADD COLUMN leased_until INTEGER");
  }

  add(kind: string, key: string, payload: string, now: number): Promise<OutboxItem> {
    this.#db
      .prepare("INSERT INTO outbox (kind, key, payload, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, key) DO NOTHING")
      .run(kind, key, payload, now, now);
    return Promise.resolve(outboxItem(this.#db.prepare(`SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE kind = ? AND key = ?`).get(kind, key) as unknown as OutboxRow));
  }

  get(id: number): Promise<OutboxItem | undefined> {
    const row = this.#db.prepare(`SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE id = ?`).get(id) as OutboxRow | undefined;
    return Promise.resolve(row ? outboxItem(row) : undefined);
  }

  take(kinds: readonly string[], now: number, limit: number, leaseUntil: number): Promise<OutboxItem[]> {
    if (kinds.length === 0) return Promise.resolve([]);
    const rows = this.#db
      .prepare(
        `UPDATE outbox SET leased_until = ? WHERE id IN (
           SELECT id FROM outbox WHERE kind IN (${kinds.map(() => "?").join(",")}) AND next_attempt_at <= ? AND (leased_until IS NULL OR leased_until <= ?)
           ORDER BY next_attempt_at, id LIMIT ?)
         RETURNING ${OUTBOX_COLUMNS}`,
      )
      .all(leaseUntil, ...kinds, now, now, limit) as unknown as OutboxRow[];
    return Promise.resolve(rows.map(outboxItem).sort(byDue));
  }

  takeOne(id: number, now: number, leaseUntil: number): Promise<OutboxItem | undefined> {
    const row = this.#db
      .prepare(`UPDATE outbox SET leased_until = ? WHERE id = ? AND (leased_until IS NULL OR leased_until <= ?) RETURNING ${OUTBOX_COLUMNS}`)
      .get(leaseUntil, id, now) as OutboxRow | undefined;
    return Promise.resolve(row ? outboxItem(row) : undefined);
  }

  pending(kind?: string): Promise<OutboxItem[]> {
    const rows =
      kind === undefined
        ? this.#db.prepare(`SELECT ${OUTBOX_COLUMNS} FROM outbox ORDER BY created_at, id`).all()
        : this.#db.prepare(`SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE kind = ? ORDER BY created_at, id`).all(kind);
    return Promise.resolve((rows as unknown as OutboxRow[]).map(outboxItem));
  }

  unalerted(createdBy: number, limit: number): Promise<OutboxItem[]> {
    const rows = this.#db
      .prepare(`SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE alerted_at IS NULL AND created_at <= ? ORDER BY created_at, id LIMIT ?`)
      .all(createdBy, limit);
    return Promise.resolve((rows as unknown as OutboxRow[]).map(outboxItem));
  }

  retryLater(id: number, nextAttemptAt: number, error: string): Promise<void> {
    this.#db
      .prepare("UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, leased_until = NULL WHERE id = ?")
      .run(nextAttemptAt, error, id);
    return Promise.resolve();
  }

  markAlerted(id: number, at: number): Promise<boolean> {
    const { changes } = this.#db.prepare("UPDATE outbox SET alerted_at = ? WHERE id = ? AND alerted_at IS NULL").run(at, id);
    return Promise.resolve(Number(changes) === 1);
  }

  remove(id: number): Promise<void> {
    this.#db.prepare("DELETE FROM outbox WHERE id = ?").run(id);
    return Promise.resolve();
  }

  stats(): Promise<OutboxStats[]> {
    const rows = this.#db.prepare("SELECT kind, COUNT(*) AS depth, MIN(created_at) AS oldest FROM outbox GROUP BY kind ORDER BY kind").all() as unknown as {
      kind: string;
      depth: number;
      oldest: number;
    }[];
    return Promise.resolve(rows.map((r) => ({ kind: r.kind, depth: Number(r.depth), oldestCreatedAt: Number(r.oldest) })));
  }

  close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
    return Promise.resolve();
  }
}
