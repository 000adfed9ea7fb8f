/**
 * Outbox in PostgreSQL, shared by the replicas of one org's gateway. A worker
 * takes due items with `FOR UPDATE SKIP LOCKED` and holds each under a lease
 * (`leased_until`), so two replicas polling at once take different items and
 * an item is never attempted by two of them at the same time; the item of a
 * replica that died mid-attempt is taken again when its lease runs out.
 */
import type pg from "pg";
import type { Outbox, OutboxItem, OutboxStats } from "../ports/outbox.js";
import { OUTBOX_COLUMNS, byDue, outboxItem, type OutboxRow } from "./outbox-rows.js";

export class PostgresOutbox implements Outbox {
  readonly #pool: pg.Pool;

  /** @param pool from connectPostgres (adapters/postgres.ts); the caller ends it */
  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async add(kind: string, key: string, payload: string, now: number): Promise<OutboxItem> {
    // One statement: the new row, or (on conflict) nothing, then the row either way.
    const { rows } = await this.#pool.query<OutboxRow>(
      `WITH added AS (
         INSERT INTO outbox (kind, key, payload, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (kind, key) DO NOTHING RETURNING ${OUTBOX_COLUMNS})
       SELECT ${OUTBOX_COLUMNS} FROM added UNION ALL SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE kind = $1 AND key = $2 LIMIT 1`,
      [kind, key, payload, now],
    );
    // Added by another replica after this statement's snapshot: its row is there for the next one.
    const row = rows[0] ?? (await this.#pool.query<OutboxRow>(`SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE kind = $1 AND key = $2`, [kind, key])).rows[0];
    if (row === undefined) throw new Error(`outbox: ${kind} ${key} neither added nor found`);
    return outboxItem(row);
  }

  async get(id: number): Promise<OutboxItem | undefined> {
    const { rows } = await this.#pool.query<OutboxRow>(`SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE id = $1`, [id]);
    return rows[0] === undefined ? undefined : outboxItem(rows[0]);
  }

  async take(kinds: readonly string[], now: number, limit: number, leaseUntil: number): Promise<OutboxItem[]> {
    if (kinds.length === 0) return [];
    const { rows } = await this.#pool.query<OutboxRow>(
      `UPDATE outbox SET leased_until = $3 WHERE id IN (
         SELECT id FROM outbox WHERE kind = ANY($1) AND next_attempt_at <= $2 AND (leased_until IS NULL OR leased_until <= $2)
         ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)
       RETURNING ${OUTBOX_COLUMNS}`,
      [[...kinds], now, leaseUntil, limit],
    );
    return rows.map(outboxItem).sort(byDue);
  }

  async takeOne(id: number, now: number, leaseUntil: number): Promise<OutboxItem | undefined> {
    const { rows } = await this.#pool.query<OutboxRow>(
      `UPDATE outbox SET leased_until = $3 WHERE id = $1 AND (leased_until IS NULL OR leased_until <= $2) RETURNING ${OUTBOX_COLUMNS}`,
      [id, now, leaseUntil],
    );
    return rows[0] === undefined ? undefined : outboxItem(rows[0]);
  }

  async pending(kind?: string): Promise<OutboxItem[]> {
    const { rows } =
      kind === undefined
        ? await this.#pool.query<OutboxRow>(`SELECT ${OUTBOX_COLUMNS} FROM outbox ORDER BY created_at, id`)
        : await this.#pool.query<OutboxRow>(`SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE kind = $1 ORDER BY created_at, id`, [kind]);
    return rows.map(outboxItem);
  }

  async unalerted(createdBy: number, limit: number): Promise<OutboxItem[]> {
    const { rows } = await this.#pool.query<OutboxRow>(
      `SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE alerted_at IS NULL AND created_at <= $1 ORDER BY created_at, id LIMIT $2`,
      [createdBy, limit],
    );
    return rows.map(outboxItem);
  }

  async retryLater(id: number, nextAttemptAt: number, error: string): Promise<void> {
    await this.#pool.query("UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3, leased_until = NULL WHERE id = $1", [
      id,
      nextAttemptAt,
      error,
    ]);
  }

  async markAlerted(id: number, at: number): Promise<boolean> {
    const { rowCount } = await this.#pool.query("UPDATE outbox SET alerted_at = $2 WHERE id = $1 AND alerted_at IS NULL", [id, at]);
    return rowCount === 1;
  }

  async remove(id: number): Promise<void> {
    await this.#pool.query("DELETE FROM outbox WHERE id = $1", [id]);
  }

  async stats(): Promise<OutboxStats[]> {
    const { rows } = await this.#pool.query<{ kind: string; depth: string; oldest: string }>(
      "SELECT kind, COUNT(*) AS depth, MIN(created_at) AS oldest FROM outbox GROUP BY kind ORDER BY kind",
    );
    return rows.map((r) => ({ kind: r.kind, depth: Number(r.depth), oldestCreatedAt: Number(r.oldest) }));
  }

  /** The pool is the caller's: nothing to close here. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
