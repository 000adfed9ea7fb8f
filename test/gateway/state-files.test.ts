import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Network } from "@hyperledger/fabric-gateway";
import { expect } from "chai";
import { newFabricEventSource } from "../../gateway/src/adapters/fabric-events.js";
import { SqliteIdempotencyStore } from "../../gateway/src/adapters/idempotency-sqlite.js";
import { openSqliteEventIndex } from "../../gateway/src/adapters/sqlite-event-index.js";
import { tempDir } from "./support/temp.js";

const modeOf = (file: string): number => statSync(file).mode & 0o777;

/** Every entry under `dir` with its permission bits, folders marked with a trailing slash. */
function modes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, full) + (entry.isDirectory() ? "/" : "")] = modeOf(full).toString(8);
  }
  return out;
}

describe("gateway state files", () => {
  let umask: number;
  // The most permissive umask a user is likely to have: files would be 0666, folders 0777.
  beforeEach(() => (umask = process.umask(0o000)));
  afterEach(() => process.umask(umask));

  it("creates the idempotency store owner-only, its folder 0700 and every SQLite file 0600", async () => {
    const state = path.join(tempDir("rxtrace-state-"), "gateway");
    const store = new SqliteIdempotencyStore(path.join(state, "idempotency.db"));
    await store.claim("k1", "abc", "h1");
    await store.complete("k1", "abc", { status: 201, body: '{"secret":"stored answer"}', contentType: "application/json" });

    expect(modeOf(state)).to.equal(0o700);
    const files = modes(state);
    await store.close();
    expect(Object.keys(files)).to.include.members(["idempotency.db", "idempotency.db-wal"]);
    for (const [file, mode] of Object.entries(files)) expect(mode, file).to.equal("600");
  });

  it("creates the event index owner-only, its folder 0700 and every SQLite file 0600", () => {
    const state = path.join(tempDir("rxtrace-state-"), "gateway");
    const index = openSqliteEventIndex(path.join(state, "index.db"));
    index.record([{ event: { channel: "mfr-dist", blockNumber: 1, txId: "t1", eventName: "LotCommissioned", timestamp: "2026-01-01T00:00:00Z", mspId: "ManufacturerMSP", payload: {} }, subjects: [] }]);

    expect(modeOf(state)).to.equal(0o700);
    const files = modes(state);
    index.close();
    expect(Object.keys(files)).to.include.members(["index.db", "index.db-wal"]);
    for (const [file, mode] of Object.entries(files)) expect(mode, file).to.equal("600");
  });

  it("creates a channel's checkpoint file 0600 in a 0700 folder before the checkpointer writes it", async () => {
    const checkpoints = path.join(tempDir("rxtrace-state-"), "gateway", "checkpoints");
    const file = path.join(checkpoints, "mfr-dist.checkpoint.json");
    const network = { getChaincodeEvents: async () => ({ close: () => undefined, [Symbol.asyncIterator]: async function* () {} }) } as unknown as Network;

    const stream = await newFabricEventSource(() => network, "rxtrace").open("mfr-dist", file);
    await stream.checkpoint({ channel: "mfr-dist", blockNumber: 7, txId: "t7", eventName: "X", payload: new Uint8Array() });
    stream.close();

    expect(modeOf(checkpoints)).to.equal(0o700);
    expect(modeOf(file)).to.equal(0o600);
  });

  it("narrows a state folder and database left readable by an earlier version", async () => {
    const state = path.join(tempDir("rxtrace-state-"), "gateway");
    mkdirSync(state, { mode: 0o755 });
    chmodSync(state, 0o755);
    writeFileSync(path.join(state, "idempotency.db"), "", { mode: 0o644 });

    await new SqliteIdempotencyStore(path.join(state, "idempotency.db")).close();

    expect(modeOf(state)).to.equal(0o700);
    expect(modeOf(path.join(state, "idempotency.db"))).to.equal(0o600);
  });
});
