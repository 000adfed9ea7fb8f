import path from "node:path";
import { expect } from "chai";
import { SqliteIdempotencyStore } from "../../gateway/src/adapters/idempotency-sqlite.js";
import { idempotencyContract } from "./support/store-contracts.js";
import { tempDir } from "./support/temp.js";

const response = { status: 201, body: '{"ok":true}', contentType: "application/json" };

describe("idempotency store (SQLite)", () => {
  idempotencyContract((options) => Promise.resolve(new SqliteIdempotencyStore(":memory:", options)));

  it("survives a restart: a completed answer is replayed from the file", async () => {
    const file = path.join(tempDir("rxtrace-idem-"), "gateway.db");
    const first = new SqliteIdempotencyStore(file);
    await first.claim("k1", "abc", "h1");
    await first.complete("k1", "abc", response);
    await first.close();
    const second = new SqliteIdempotencyStore(file);
    expect(await second.claim("k1", "abc", "h1")).to.deep.equal({ kind: "replay", response });
    await second.close();
  });
});
