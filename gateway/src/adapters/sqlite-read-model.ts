/** ReadModelStore in an embedded SQLite database (node:sqlite): synchronous inside, the port's promises resolved at once. */
import { DatabaseSync } from "node:sqlite";
import type { CustodyStep } from "@rxtrace/domain";
import { privateFile } from "./private-files.js";
import type { CustodyChange, ReadModelStore, RecordChange } from "../ports/read-model.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS records (channel TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (channel, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS custody (
  channel TEXT NOT NULL, gtin TEXT NOT NULL, serial TEXT NOT NULL, tx_id TEXT NOT NULL, block INTEGER NOT NULL, position INTEGER NOT NULL, step TEXT NOT NULL,
  PRIMARY KEY (channel, gtin, serial, tx_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blocks (channel TEXT PRIMARY KEY, last_block INTEGER NOT NULL);
`;

/** Opens (creating when absent) the store at `path`; `:memory:` for tests. */
export function openSqliteReadModel(path: string): ReadModelStore {
  if (path !== ":memory:") privateFile(path);
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;");
  db.exec(SCHEMA);
  const getLast = db.prepare("SELECT last_block AS n FROM blocks WHERE channel = ?");
  const setLast = db.prepare("INSERT INTO blocks (channel, last_block) VALUES (?, ?) ON CONFLICT (channel) DO UPDATE SET last_block = excluded.last_block");
  const put = db.prepare("INSERT INTO records (channel, key, value) VALUES (?, ?, ?) ON CONFLICT (channel, key) DO UPDATE SET value = excluded.value");
  const remove = db.prepare("DELETE FROM records WHERE channel = ? AND key = ?");
  const get = db.prepare("SELECT value FROM records WHERE channel = ? AND key = ?");
  // A block replayed after a crash between its commit and nothing else writes the same rows again: no duplicates.
  const addStep = db.prepare("INSERT OR REPLACE INTO custody (channel, gtin, serial, tx_id, block, position, step) VALUES (?, ?, ?, ?, ?, ?, ?)");
  // Commit order, not time order: two writes in one second keep the order the ledger gave them.
  const steps = db.prepare("SELECT step FROM custody WHERE channel = ? AND gtin = ? AND serial = ? ORDER BY block, position");
  const last = (channel: string): bigint | undefined => {
    const row = getLast.get(channel) as { n: number } | undefined;
    return row === undefined ? undefined : BigInt(row.n);
  };
  const apply = (channel: string, block: bigint, records: readonly RecordChange[], custody: readonly CustodyChange[]): boolean => {
    db.exec("BEGIN IMMEDIATE");
    try {
      const previous = last(channel);
      if (previous !== undefined && block <= previous) {
        db.exec("ROLLBACK");
        return false;
      }
      for (const r of records) {
        if (r.value === undefined) remove.run(channel, r.key);
        else put.run(channel, r.key, r.value);
      }
      custody.forEach((c, position) => addStep.run(channel, c.gtin, c.serial, c.step.txId ?? "", block, position, JSON.stringify(c.step)));
      setLast.run(channel, block);
      db.exec("COMMIT");
      return true;
    } catch (error) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw error;
    }
  };
  return {
    lastBlock(channel: string): Promise<bigint | undefined> {
      return Promise.resolve(last(channel));
    },
    applyBlock(channel: string, block: bigint, records: readonly RecordChange[], custody: readonly CustodyChange[]): Promise<boolean> {
      // A throw inside the executor rejects the promise.
      return new Promise((resolve) => resolve(apply(channel, block, records, custody)));
    },
    record(channel: string, key: string): Promise<string | undefined> {
      return Promise.resolve((get.get(channel, key) as { value: string } | undefined)?.value);
    },
    custody(channel: string, gtin: string, serial: string): Promise<CustodyStep[]> {
      return Promise.resolve((steps.all(channel, gtin, serial) as { step: string }[]).map((r) => JSON.parse(r.step) as CustodyStep));
    },
    close(): Promise<void> {
      if (db.isOpen) db.close();
      return Promise.resolve();
    },
  };
}
