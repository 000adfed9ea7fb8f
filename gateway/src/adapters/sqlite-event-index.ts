/** EventIndex in an embedded SQLite database (node:sqlite, no native build). */
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { privateFile } from "./private-files.js";
import type { EventIndex, EventQuery, EventSubject, IndexedEvent, LedgerEvent } from "../ports/event-index.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  channel TEXT NOT NULL,
  block_number INTEGER NOT NULL,
  tx_id TEXT NOT NULL,
  event_name TEXT NOT NULL,
  timestamp TEXT NOT NULL,
  msp_id TEXT NOT NULL,
  payload TEXT,
  UNIQUE (channel, tx_id)
);
CREATE INDEX IF NOT EXISTS events_time ON events (timestamp, block_number);
CREATE INDEX IF NOT EXISTS events_name ON events (event_name);
CREATE INDEX IF NOT EXISTS events_org ON events (msp_id);
CREATE INDEX IF NOT EXISTS events_tx ON events (tx_id);
CREATE TABLE IF NOT EXISTS event_subjects (
  seq INTEGER NOT NULL REFERENCES events (seq) ON DELETE CASCADE,
  gtin TEXT,
  serial TEXT,
  lot TEXT,
  shipment_id TEXT
);
CREATE INDEX IF NOT EXISTS subjects_pack ON event_subjects (gtin, serial);
CREATE INDEX IF NOT EXISTS subjects_lot ON event_subjects (gtin, lot);
CREATE INDEX IF NOT EXISTS subjects_lot_only ON event_subjects (lot);
CREATE INDEX IF NOT EXISTS subjects_shipment ON event_subjects (shipment_id);
CREATE INDEX IF NOT EXISTS subjects_seq ON event_subjects (seq);
`;

interface EventRow {
  seq: number;
  channel: string;
  block_number: number;
  tx_id: string;
  event_name: string;
  timestamp: string;
  msp_id: string;
  payload: string | null;
}

interface SubjectRow {
  seq: number;
  gtin: string | null;
  serial: string | null;
  lot: string | null;
  shipment_id: string | null;
}

/**
 * Opens (creating when absent) the index at `path`; `:memory:` gives a
 * throw-away index for tests.
 */
export function openSqliteEventIndex(path: string): EventIndex {
  if (path !== ":memory:") privateFile(path);
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;");
  db.exec(SCHEMA);
  return new SqliteEventIndex(db);
}

class SqliteEventIndex implements EventIndex {
  readonly #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  record(events: readonly { readonly event: LedgerEvent; readonly subjects: readonly EventSubject[] }[]): IndexedEvent[] {
    const insertEvent = this.#db.prepare(
      `INSERT INTO events (channel, block_number, tx_id, event_name, timestamp, msp_id, payload)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (channel, tx_id) DO NOTHING RETURNING seq`,
    );
    const insertSubject = this.#db.prepare(
      "INSERT INTO event_subjects (seq, gtin, serial, lot, shipment_id) VALUES (?, ?, ?, ?, ?)",
    );
    const recorded: IndexedEvent[] = [];
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      for (const { event, subjects } of events) {
        const row = insertEvent.get(
          event.channel,
          event.blockNumber,
          event.txId,
          event.eventName,
          event.timestamp,
          event.mspId,
          event.payload === undefined ? null : JSON.stringify(event.payload),
        ) as { seq: number } | undefined;
        if (row === undefined) continue;
        for (const s of subjects) {
          insertSubject.run(row.seq, s.gtin ?? null, s.serial ?? null, s.lot ?? null, s.shipmentId ?? null);
        }
        recorded.push({ ...event, seq: row.seq, subjects: [...subjects] });
      }
      this.#db.exec("COMMIT");
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
    return recorded;
  }

  search(query: EventQuery): IndexedEvent[] {
    const where: string[] = [];
    const params: SQLInputValue[] = [];
    const subjectWhere: string[] = [];
    const add = (list: string[], clause: string, value: SQLInputValue | undefined): void => {
      if (value === undefined) return;
      list.push(clause);
      params.push(value);
    };
    add(subjectWhere, "s.gtin = ?", query.gtin);
    add(subjectWhere, "s.serial = ?", query.serial);
    add(subjectWhere, "s.lot = ?", query.lot);
    add(subjectWhere, "s.shipment_id = ?", query.shipmentId);
    if (subjectWhere.length > 0) {
      where.push(`e.seq IN (SELECT s.seq FROM event_subjects s WHERE ${subjectWhere.join(" AND ")})`);
    }
    add(where, "e.msp_id = ?", query.org);
    add(where, "e.event_name = ?", query.eventType);
    add(where, "e.channel = ?", query.channel);
    add(where, "e.tx_id = ?", query.txId);
    add(where, "e.timestamp >= ?", query.from);
    add(where, "e.timestamp < ?", query.to);
    add(where, "e.seq > ?", query.afterSeq);
    const sql = `SELECT e.* FROM events e ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY e.timestamp, e.block_number, e.seq LIMIT ?`;
    params.push(query.limit);
    const rows = this.#db.prepare(sql).all(...params) as unknown as EventRow[];
    return this.#withSubjects(rows);
  }

  lastBlock(channel: string): number | undefined {
    const row = this.#db.prepare("SELECT MAX(block_number) AS n FROM events WHERE channel = ?").get(channel) as
      | { n: number | null }
      | undefined;
    return row?.n ?? undefined;
  }

  clearChannel(channel: string): void {
    this.#db.prepare("DELETE FROM events WHERE channel = ?").run(channel);
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  #withSubjects(rows: EventRow[]): IndexedEvent[] {
    if (rows.length === 0) return [];
    const seqs = rows.map((r) => r.seq);
    const subjectRows = this.#db
      .prepare(`SELECT * FROM event_subjects WHERE seq IN (${seqs.map(() => "?").join(",")}) ORDER BY rowid`)
      .all(...seqs) as unknown as SubjectRow[];
    const bySeq = new Map<number, EventSubject[]>();
    for (const s of subjectRows) {
      const list = bySeq.get(s.seq) ?? [];
      list.push(compact({ gtin: s.gtin, serial: s.serial, lot: s.lot, shipmentId: s.shipment_id }));
      bySeq.set(s.seq, list);
    }
    return rows.map((r) => ({
      seq: r.seq,
      channel: r.channel,
      blockNumber: r.block_number,
      txId: r.tx_id,
      eventName: r.event_name,
      timestamp: r.timestamp,
      mspId: r.msp_id,
      payload: r.payload === null ? undefined : (JSON.parse(r.payload) as unknown),
      subjects: bySeq.get(r.seq) ?? [],
    }));
  }
}

function compact(s: { gtin: string | null; serial: string | null; lot: string | null; shipmentId: string | null }): EventSubject {
  const out: { gtin?: string; serial?: string; lot?: string; shipmentId?: string } = {};
  if (s.gtin !== null) out.gtin = s.gtin;
  if (s.serial !== null) out.serial = s.serial;
  if (s.lot !== null) out.lot = s.lot;
  if (s.shipmentId !== null) out.shipmentId = s.shipmentId;
  return out;
}
