/**
 * The outbox's row as both stores keep it (SQLite and PostgreSQL share its
 * columns) and its mapping to an OutboxItem: one definition for both adapters.
 */
import type { OutboxItem } from "../ports/outbox.js";

/** A row of table `outbox`; PostgreSQL's BIGINT columns come back as strings (node-postgres keeps 64-bit exact). */
export interface OutboxRow {
  id: number | string;
  kind: string;
  key: string;
  payload: string;
  created_at: number | string;
  attempts: number;
  next_attempt_at: number | string;
  last_error: string | null;
  alerted_at: number | string | null;
}

export const OUTBOX_COLUMNS = "id, kind, key, payload, created_at, attempts, next_attempt_at, last_error, alerted_at";

/** Milliseconds fit a number exactly. */
export function outboxItem(row: OutboxRow): OutboxItem {
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

/** Due first, then oldest. */
export const byDue = (a: OutboxItem, b: OutboxItem): number => a.nextAttemptAt - b.nextAttemptAt || a.id - b.id;
