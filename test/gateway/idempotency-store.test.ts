import path from "node:path";
import { expect } from "chai";
import { SqliteIdempotencyStore } from "../../gateway/src/adapters/idempotency-sqlite.js";
import { tempDir } from "./support/temp.js";

const response = { status: 201, body: '{"ok":true}', contentType: "application/json" };

describe("idempotency store (SQLite)", () => {
  it("claims a new key, then replays the completed answer for the same request", () => {
    const store = new SqliteIdempotencyStore(":memory:");
    expect(store.claim("k1", "abc", "h1")).to.deep.equal({ kind: "claimed" });
    store.complete("k1", "abc", response);
    expect(store.claim("k1", "abc", "h1")).to.deep.equal({ kind: "replay", response });
    store.close();
  });

  it("reports a mismatch when the same key comes with a different request", () => {
    const store = new SqliteIdempotencyStore(":memory:");
    store.claim("k1", "abc", "h1");
    store.complete("k1", "abc", response);
    expect(store.claim("k1", "abc", "h2")).to.deep.equal({ kind: "mismatch" });
    store.close();
  });

  it("reports a request still in flight", () => {
    const store = new SqliteIdempotencyStore(":memory:");
    store.claim("k1", "abc", "h1");
    expect(store.claim("k1", "abc", "h1")).to.deep.equal({ kind: "in-progress" });
    store.close();
  });

  it("keeps keys of different API keys apart", () => {
    const store = new SqliteIdempotencyStore(":memory:");
    store.claim("k1", "abc", "h1");
    expect(store.claim("k2", "abc", "h2")).to.deep.equal({ kind: "claimed" });
    store.close();
  });

  it("frees a released key for a retry", () => {
    const store = new SqliteIdempotencyStore(":memory:");
    store.claim("k1", "abc", "h1");
    store.release("k1", "abc");
    expect(store.claim("k1", "abc", "h2")).to.deep.equal({ kind: "claimed" });
    store.close();
  });

  it("takes over a claim left pending by a crashed process after the timeout", () => {
    let now = 1_000;
    const store = new SqliteIdempotencyStore(":memory:", { pendingTimeoutMs: 100, now: () => now });
    store.claim("k1", "abc", "h1");
    now += 101;
    expect(store.claim("k1", "abc", "h1")).to.deep.equal({ kind: "claimed" });
    store.close();
  });

  it("survives a restart: a completed answer is replayed from the file", () => {
    const file = path.join(tempDir("rxtrace-idem-"), "gateway.db");
    const first = new SqliteIdempotencyStore(file);
    first.claim("k1", "abc", "h1");
    first.complete("k1", "abc", response);
    first.close();
    const second = new SqliteIdempotencyStore(file);
    expect(second.claim("k1", "abc", "h1")).to.deep.equal({ kind: "replay", response });
    second.close();
  });
});
