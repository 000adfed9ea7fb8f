/**
 * The PostgreSQL adapters against a real server (scripts/test/postgres.sh
 * starts one and sets RXTRACE_TEST_DATABASE_URL): the same contracts as the
 * SQLite adapters, then what replicas sharing the database rely on.
 */
import { expect } from "chai";
import type pg from "pg";
import { PostgresIdempotencyStore } from "../../gateway/src/adapters/idempotency-postgres.js";
import { PostgresOutbox } from "../../gateway/src/adapters/outbox-postgres.js";
import { connectPostgres, DatabaseUnreachableError } from "../../gateway/src/adapters/postgres.js";
import { openPostgresReadModel } from "../../gateway/src/adapters/postgres-read-model.js";
import type { IdempotencyStore } from "../../gateway/src/ports/idempotency.js";
import type { Outbox } from "../../gateway/src/ports/outbox.js";
import type { ReadModelStore } from "../../gateway/src/ports/read-model.js";
import { OutboxRelay } from "../../gateway/src/services/outbox-relay.js";
import { idempotencyContract, outboxContract, readModelContract } from "../gateway/support/store-contracts.js";

const url = process.env.RXTRACE_TEST_DATABASE_URL;
if (url === undefined) throw new Error("RXTRACE_TEST_DATABASE_URL: run these through scripts/test/postgres.sh, which starts PostgreSQL");
const databaseUrl: string = url;

/** A pool on an emptied database, ended with the store it backs. */
async function emptied(): Promise<pg.Pool> {
  const pool = await connectPostgres(databaseUrl);
  await pool.query("TRUNCATE idempotency, read_model_blocks, read_model_records, read_model_custody, outbox");
  return pool;
}

function endingPool<T extends { close(): Promise<void> }>(store: T, pool: pg.Pool): T {
  const close = store.close.bind(store);
  return Object.assign(store, { close: async () => (await close(), await pool.end()) });
}

describe("PostgreSQL adapters", function () {
  this.timeout(20_000);

  describe("idempotency store (PostgreSQL)", () => {
    idempotencyContract(async (options) => {
      const pool = await emptied();
      return endingPool<IdempotencyStore>(new PostgresIdempotencyStore(pool, options), pool);
    });

    it("gives one claim between two replicas claiming the same key at once, and the other sees it in progress", async () => {
      const pools = [await emptied(), await connectPostgres(databaseUrl)];
      try {
        const [a, b] = pools.map((p) => new PostgresIdempotencyStore(p));
        for (let round = 0; round < 20; round += 1) {
          const claims = await Promise.all([a!.claim("k1", `key-${round}`, "h1"), b!.claim("k1", `key-${round}`, "h1")]);
          expect(claims.map((c) => c.kind).sort(), `round ${round}`).to.deep.equal(["claimed", "in-progress"]);
        }
        // One replica completes; the other replays that answer.
        await a!.complete("k1", "key-0", { status: 201, body: "{}", contentType: "application/json" });
        expect(await b!.claim("k1", "key-0", "h1")).to.deep.include({ kind: "replay" });
      } finally {
        await Promise.all(pools.map((p) => p.end()));
      }
    });
  });

  describe("read model store (PostgreSQL)", () => {
    readModelContract(async () => {
      const pool = await emptied();
      return endingPool<ReadModelStore>(openPostgresReadModel(pool), pool);
    });

    it("applies a block once when two replicas bring it at the same time", async () => {
      const pools = [await emptied(), await connectPostgres(databaseUrl)];
      try {
        const [a, b] = pools.map((p) => openPostgresReadModel(p));
        const step = { channel: "dist-pharm", status: "RECEIVED" as const, owner: "PharmacyMSP", at: "2026-06-01T10:00:00Z" };
        for (let block = 1n; block <= 20n; block += 1n) {
          const custody = [{ gtin: "0035", serial: "S1", step: { ...step, txId: `t${block}` } }];
          const applied = await Promise.all([a!.applyBlock("dist-pharm", block, [], custody), b!.applyBlock("dist-pharm", block, [], custody)]);
          expect(applied.filter(Boolean), `block ${block}`).to.have.length(1);
        }
        expect(await b!.lastBlock("dist-pharm")).to.equal(20n);
        expect(await a!.custody("dist-pharm", "0035", "S1")).to.have.length(20);
      } finally {
        await Promise.all(pools.map((p) => p.end()));
      }
    });

    it("keeps Fabric's composite keys, U+0000 and all", async () => {
      const pool = await emptied();
      try {
        const store = openPostgresReadModel(pool);
        const key = "\u0000pack\u00000035\u0000S1\u0000";
        await store.applyBlock("dist-pharm", 1n, [{ key, value: "{}" }], []);
        expect(await store.record("dist-pharm", key)).to.equal("{}");
        expect(await store.record("dist-pharm", "\u0000pack\u00000035\u0000S2\u0000")).to.equal(undefined);
      } finally {
        await pool.end();
      }
    });
  });

  describe("outbox (PostgreSQL)", () => {
    outboxContract(async () => {
      const pool = await emptied();
      return endingPool<Outbox>(new PostgresOutbox(pool), pool);
    });

    it("gives two replicas taking due items at once different items, each once", async () => {
      const pools = [await emptied(), await connectPostgres(databaseUrl)];
      try {
        const [a, b] = pools.map((p) => new PostgresOutbox(p));
        for (let i = 0; i < 40; i += 1) await a!.add("webhook", `item-${i}`, "{}", i);
        const [first, second] = await Promise.all([a!.take(["webhook"], 100, 25, 10_000), b!.take(["webhook"], 100, 25, 10_000)]);
        const keys = [...first, ...second].map((i) => i.key);
        expect(new Set(keys).size, "no item taken twice").to.equal(keys.length);
        expect(keys.length).to.equal(40);
      } finally {
        await Promise.all(pools.map((p) => p.end()));
      }
    });

    it("runs each item once when two replicas' relays work one outbox", async () => {
      const pools = [await emptied(), await connectPostgres(databaseUrl)];
      try {
        const runs = new Map<string, number>();
        const relays = pools.map((p) => {
          const relay = new OutboxRelay(new PostgresOutbox(p), { initialDelayMs: 10, maxDelayMs: 10, pollMs: 5, alertAfterMs: 60_000 });
          relay.handle("webhook", async (item) => {
            runs.set(item.key, (runs.get(item.key) ?? 0) + 1);
            await new Promise((resolve) => setTimeout(resolve, 5));
            return { outcome: "done" };
          });
          return relay;
        });
        for (let i = 0; i < 30; i += 1) await relays[i % 2]!.enqueue("webhook", `item-${i}`, {});
        // Each replica also tries what it enqueued at once, as a webhook delivery does, racing the other's polls.
        const items = await new PostgresOutbox(pools[0]!).pending();
        relays.forEach((r) => r.start());
        await Promise.all(items.map((item, i) => relays[(i + 1) % 2]!.attempt(item)));
        const deadline = Date.now() + 10_000;
        while ((await new PostgresOutbox(pools[0]!).pending()).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        await Promise.all(relays.map((r) => r.stop()));
        expect(runs.size).to.equal(30);
        expect([...runs.values()].every((n) => n === 1), JSON.stringify([...runs])).to.equal(true);
      } finally {
        await Promise.all(pools.map((p) => p.end()));
      }
    });
  });

  it("refuses a URL where no server answers, naming the address and not the password", async () => {
    const unreachable = new URL(databaseUrl);
    unreachable.port = "1";
    unreachable.password = "s3cret";
    const error = await connectPostgres(unreachable.toString(), { connectTimeoutMs: 2_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(DatabaseUnreachableError);
    expect((error as Error).message).to.include("127.0.0.1:1/").and.not.include("s3cret");
  });
});
