/**
 * What every adapter of the idempotency and read-model ports must do, as
 * mocha specs run once per adapter: the SQLite ones here in test/gateway, the
 * PostgreSQL ones in test/postgres against a real server.
 */
import { expect } from "chai";
import type { CustodyStep, PackStatus } from "@rxtrace/domain";
import type { IdempotencyStore } from "../../../gateway/src/ports/idempotency.js";
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
