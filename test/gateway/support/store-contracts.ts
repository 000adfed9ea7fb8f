/**
 * What every adapter of the idempotency, read-model and outbox ports must do, as
 * mocha specs run once per adapter: the SQLite ones here in test/gateway, the
 * PostgreSQL ones in test/postgres against a real server.
 */
import { expect } from "chai";
import type { CustodyStep, PackStatus } from "@rxtrace/domain";
import type { IdempotencyStore } from "../../../gateway/src/ports/idempotency.js";
import type { Outbox } from "../../../gateway/src/ports/outbox.js";
import type { ReadModelStore } from "../../../gateway/src/ports/read-model.js";

const response = { status: 201, body: '{"ok":true}', contentType: "application/json" };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `open` gives an empty store; `pendingTimeoutMs` shortens the lease of a pending claim. */
export function idempotencyContract(open: (options?: { pendingTimeoutMs?: number }) => Promise<IdempotencyStore>): void {
  let store: IdempotencyStore | undefined;
  const fresh = async (options?: { pendingTimeoutMs?: number }): Promise<IdempotencyStore> => (store = await open(options));
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it("claims a new key, then replays the completed answer for the same request", async () => {
    const s = await fresh();
    expect(await s.claim("k1", "abc", "h1")).to.deep.equal({ kind: "claimed" });
    await s.complete("k1", "abc", response);
    expect(await s.claim("k1", "abc", "h1")).to.deep.equal({ kind: "replay", response });
  });

  it("reports a mismatch when the same key comes with a different request, completed or in flight", async () => {
    const s = await fresh();
    await s.claim("k1", "abc", "h1");
    expect(await s.claim("k1", "abc", "h2")).to.deep.equal({ kind: "mismatch" });
    await s.complete("k1", "abc", response);
    expect(await s.claim("k1", "abc", "h2")).to.deep.equal({ kind: "mismatch" });
  });

  it("reports a request still in flight", async () => {
    const s = await fresh();
    await s.claim("k1", "abc", "h1");
    expect(await s.claim("k1", "abc", "h1")).to.deep.equal({ kind: "in-progress" });
  });

  it("keeps keys of different API keys apart", async () => {
    const s = await fresh();
    await s.claim("k1", "abc", "h1");
    expect(await s.claim("k2", "abc", "h2")).to.deep.equal({ kind: "claimed" });
  });

  it("frees a released key for a retry, but never releases a completed answer", async () => {
    const s = await fresh();
    await s.claim("k1", "abc", "h1");
    await s.release("k1", "abc");
    expect(await s.claim("k1", "abc", "h2")).to.deep.equal({ kind: "claimed" });
    await s.complete("k1", "abc", response);
    await s.release("k1", "abc");
    expect(await s.claim("k1", "abc", "h2")).to.deep.equal({ kind: "replay", response });
  });

  it("takes over a claim left pending by a dead process once its lease ran out, not before", async () => {
    const s = await fresh({ pendingTimeoutMs: 300 });
    await s.claim("k1", "abc", "h1");
    expect(await s.claim("k1", "abc", "h1")).to.deep.equal({ kind: "in-progress" });
    await sleep(400);
    expect(await s.claim("k1", "abc", "h1")).to.deep.equal({ kind: "claimed" });
    expect(await s.claim("k1", "abc", "h1")).to.deep.equal({ kind: "in-progress" });
  });
}

const key = (type: string, ...parts: string[]) => `\u0000${type}\u0000${parts.map((p) => `${p}\u0000`).join("")}`;
const step = (txId: string, status: PackStatus): CustodyStep => ({ channel: "dist-pharm", status, owner: "PharmacyMSP", at: "2026-06-01T10:00:00Z", txId });

/** `open` gives an empty store. */
export function readModelContract(open: () => Promise<ReadModelStore>): void {
  let store: ReadModelStore | undefined;
  const fresh = async (): Promise<ReadModelStore> => (store = await open());
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it("applies a block's records and custody steps and names it the channel's last block", async () => {
    const s = await fresh();
    expect(await s.lastBlock("dist-pharm")).to.equal(undefined);
    const k = key("pack", "0035", "S1");
    expect(await s.applyBlock("dist-pharm", 4n, [{ key: k, value: '{"v":1}' }], [{ gtin: "0035", serial: "S1", step: step("t1", "RECEIVED") }])).to.equal(true);
    expect(await s.lastBlock("dist-pharm")).to.equal(4n);
    expect(await s.lastBlock("mfr-dist")).to.equal(undefined);
    expect(await s.record("dist-pharm", k)).to.equal('{"v":1}');
    expect(await s.record("mfr-dist", k)).to.equal(undefined);
    expect((await s.custody("dist-pharm", "0035", "S1")).map((c) => c.txId)).to.deep.equal(["t1"]);
  });

  it("deletes a record a block deletes, and keeps custody in commit order", async () => {
    const s = await fresh();
    const k = key("pack", "0035", "S1");
    await s.applyBlock("dist-pharm", 1n, [{ key: k, value: "{}" }], [{ gtin: "0035", serial: "S1", step: step("t2", "IN_TRANSIT") }]);
    await s.applyBlock("dist-pharm", 2n, [{ key: k, value: undefined }], [{ gtin: "0035", serial: "S1", step: step("t1", "RECEIVED") }]);
    expect(await s.record("dist-pharm", k)).to.equal(undefined);
    expect((await s.custody("dist-pharm", "0035", "S1")).map((c) => c.txId)).to.deep.equal(["t2", "t1"]);
  });

  it("changes nothing for a block at or below the last one applied", async () => {
    const s = await fresh();
    const k = key("lot", "0035", "L1");
    await s.applyBlock("dist-pharm", 5n, [{ key: k, value: "first" }], []);
    expect(await s.applyBlock("dist-pharm", 5n, [{ key: k, value: "again" }], [])).to.equal(false);
    expect(await s.applyBlock("dist-pharm", 3n, [{ key: k, value: "older" }], [])).to.equal(false);
    expect(await s.record("dist-pharm", k)).to.equal("first");
    expect(await s.lastBlock("dist-pharm")).to.equal(5n);
  });
}

/** `open` gives an empty outbox. */
export function outboxContract(open: () => Promise<Outbox>): void {
  let outbox: Outbox | undefined;
  const fresh = async (): Promise<Outbox> => (outbox = await open());
  afterEach(async () => {
    await outbox?.close();
    outbox = undefined;
  });

  it("returns the waiting item when the same kind and key is added again", async () => {
    const o = await fresh();
    const a = await o.add("k", "same", "{}", 1);
    const b = await o.add("k", "same", '{"other":1}', 2);
    expect(b).to.deep.equal(a);
    expect(await o.pending()).to.have.length(1);
    expect(await o.get(a.id)).to.deep.equal(a);
  });

  it("takes due items of the named kinds, oldest first, and holds them until the lease runs out", async () => {
    const o = await fresh();
    await o.add("k", "b", "{}", 20);
    await o.add("k", "a", "{}", 10);
    await o.add("other", "c", "{}", 5);
    await o.add("k", "later", "{}", 500);
    expect((await o.take(["k"], 100, 10, 1_000)).map((i) => i.key)).to.deep.equal(["a", "b"]);
    // Held: neither taken again nor taken one by one before the lease ends.
    expect(await o.take(["k"], 200, 10, 1_000)).to.deep.equal([]);
    const held = (await o.pending("k"))[0];
    expect(await o.takeOne(held?.id ?? 0, 200, 1_000)).to.equal(undefined);
    expect((await o.take(["k"], 1_000, 10, 2_000)).map((i) => i.key)).to.deep.equal(["a", "b", "later"]);
  });

  it("lets an item go at its retry, counting the attempt, and removes it when done", async () => {
    const o = await fresh();
    const item = await o.add("k", "a", "{}", 0);
    expect((await o.takeOne(item.id, 0, 60_000))?.key).to.equal("a");
    await o.retryLater(item.id, 100, "peer down");
    expect(await o.get(item.id)).to.include({ attempts: 1, nextAttemptAt: 100, lastError: "peer down" });
    expect(await o.take(["k"], 99, 10, 60_000)).to.deep.equal([]);
    // Not due, but free: an attempt now may take it.
    expect((await o.takeOne(item.id, 99, 60_000))?.attempts).to.equal(1);
    await o.remove(item.id);
    expect(await o.get(item.id)).to.equal(undefined);
    expect(await o.takeOne(item.id, 200, 60_000)).to.equal(undefined);
  });

  it("raises an item's alert once, and counts waiting items by kind", async () => {
    const o = await fresh();
    const item = await o.add("recall-sync", "a", "{}", 10);
    await o.add("recall-sync", "b", "{}", 30);
    await o.add("webhook", "c", "{}", 20);
    expect((await o.unalerted(20, 10)).map((i) => i.key)).to.deep.equal(["a", "c"]);
    expect(await o.markAlerted(item.id, 50)).to.equal(true);
    expect(await o.markAlerted(item.id, 60)).to.equal(false);
    expect((await o.get(item.id))?.alertedAt).to.equal(50);
    expect(await o.stats()).to.deep.equal([
      { kind: "recall-sync", depth: 2, oldestCreatedAt: 10 },
      { kind: "webhook", depth: 1, oldestCreatedAt: 20 },
    ]);
  });
}
