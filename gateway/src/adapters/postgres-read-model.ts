/**
 * ReadModelStore in PostgreSQL, shared by the replicas of one org's gateway,
 * each following its peer's blocks. A block is applied in one transaction
 * that first moves the channel's last block forward, only if the block is
 * above it: the row stays locked until the commit, so a replica bringing the
 * same block meanwhile waits, then finds it applied and changes nothing.
 */
import type pg from "pg";
import type { CustodyStep } from "@rxtrace/domain";
import { inTransaction } from "./postgres.js";
import type { CustodyChange, ReadModelStore, RecordChange } from "../ports/read-model.js";

const ADVANCE = `
INSERT INTO read_model_blocks AS b (channel, last_block) VALUES ($1, $2)
ON CONFLICT (channel) DO UPDATE SET last_block = EXCLUDED.last_block WHERE b.last_block < EXCLUDED.last_block
RETURNING 1`;

/** The store on a pool from connectPostgres (adapters/postgres.ts); the caller ends the pool. */
export function openPostgresReadModel(pool: pg.Pool): ReadModelStore {
  return {
    async lastBlock(channel: string): Promise<bigint | undefined> {
      const { rows } = await pool.query<{ n: string }>("SELECT last_block::text AS n FROM read_model_blocks WHERE channel = $1", [channel]);
      return rows[0] === undefined ? undefined : BigInt(rows[0].n);
    },
    applyBlock(channel: string, block: bigint, records: readonly RecordChange[], custody: readonly CustodyChange[]): Promise<boolean> {
      return inTransaction(pool, async (client) => {
        const advanced = await client.query(ADVANCE, [channel, block.toString()]);
        if (advanced.rowCount !== 1) return false;
        for (const r of records) {
          const key = Buffer.from(r.key, "utf8");
          if (r.value === undefined) await client.query("DELETE FROM read_model_records WHERE channel = $1 AND key = $2", [channel, key]);
          else {
            await client.query(
              "INSERT INTO read_model_records (channel, key, value) VALUES ($1, $2, $3) ON CONFLICT (channel, key) DO UPDATE SET value = EXCLUDED.value",
              [channel, key, r.value],
            );
          }
        }
        for (const [position, c] of custody.entries()) {
          await client.query(
            `INSERT INTO read_model_custody (channel, gtin, serial, tx_id, block, position, step) VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (channel, gtin, serial, tx_id) DO UPDATE SET block = EXCLUDED.block, position = EXCLUDED.position, step = EXCLUDED.step`,
            [channel, c.gtin, c.serial, c.step.txId ?? "", block.toString(), position, JSON.stringify(c.step)],
          );
        }
        return true;
      });
    },
    async record(channel: string, key: string): Promise<string | undefined> {
      const { rows } = await pool.query<{ value: string }>("SELECT value FROM read_model_records WHERE channel = $1 AND key = $2", [
        channel,
        Buffer.from(key, "utf8"),
      ]);
      return rows[0]?.value;
    },
    async custody(channel: string, gtin: string, serial: string): Promise<CustodyStep[]> {
      // Commit order, not time order, as in the SQLite store.
      const { rows } = await pool.query<{ step: string }>(
        "SELECT step FROM read_model_custody WHERE channel = $1 AND gtin = $2 AND serial = $3 ORDER BY block, position",
        [channel, gtin, serial],
      );
      return rows.map((r) => JSON.parse(r.step) as CustodyStep);
    },
    close(): Promise<void> {
      return Promise.resolve();
    },
  };
}
