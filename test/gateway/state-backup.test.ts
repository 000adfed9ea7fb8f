import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { SqliteIdempotencyStore } from "../../gateway/src/adapters/idempotency-sqlite.js";
import { SqliteOutbox } from "../../gateway/src/adapters/outbox-sqlite.js";
import { backupGatewayState, restoreGatewayState, STATE_FILES, StateBackupError, verifyBackup } from "../../gateway/src/adapters/state-backup.js";
import { tempDir } from "./support/temp.js";

const answer = { status: 201, body: '{"transactionId":"tx-1"}', contentType: "application/json" };

/** A state folder as a running gateway leaves it: an idempotency record, an outbox item, a checkpoint, key hashes, the plain keys file. */
async function liveState(): Promise<{ stateDir: string; keysFile: string; idempotency: SqliteIdempotencyStore; outbox: SqliteOutbox }> {
  const stateDir = path.join(tempDir("rxtrace-state-"), "gateway");
  const keysFile = path.join(stateDir, "keys.json");
  const idempotency = new SqliteIdempotencyStore(path.join(stateDir, STATE_FILES.idempotency));
  await idempotency.claim("key-1", "idem-1", "hash-1");
  await idempotency.complete("key-1", "idem-1", answer);
  const outbox = new SqliteOutbox(path.join(stateDir, STATE_FILES.outbox));
  await outbox.add("recall-relay", "L1", "{}", Date.now());
  mkdirSync(path.join(stateDir, STATE_FILES.checkpoints), { recursive: true });
  writeFileSync(path.join(stateDir, STATE_FILES.checkpoints, "mfr-dist.checkpoint.json"), '{"blockNumber":7}');
  writeFileSync(keysFile, '{"version":1,"keys":[]}\n');
  writeFileSync(path.join(stateDir, "api-keys.txt"), "ManufacturerMSP\toperator\toperator\tk1\tplain-secret\n");
  return { stateDir, keysFile, idempotency, outbox };
}

describe("gateway state backup and restore", () => {
  it("copies a running gateway's databases, checkpoints and key hashes owner-only, with a manifest, and leaves the plain keys out", async () => {
    const live = await liveState();
    const destination = path.join(tempDir("rxtrace-backup-"), "b1");

    const manifest = await backupGatewayState(live, destination, "manufacturer");

    expect(manifest.files.map((f) => f.path)).to.have.members([
      path.join(STATE_FILES.checkpoints, "mfr-dist.checkpoint.json"),
      STATE_FILES.idempotency,
      STATE_FILES.outbox,
      "keys.json",
    ]);
    expect(readdirSync(destination)).to.not.include("api-keys.txt");
    expect(readFileSync(path.join(destination, "manifest.json"), "utf8")).to.not.include("plain-secret");
    for (const f of [...manifest.files.map((m) => m.path), "manifest.json"]) expect(statSync(path.join(destination, f)).mode & 0o777, f).to.equal(0o600);
    expect(statSync(destination).mode & 0o777).to.equal(0o700);
    // The copy is a database of its own that answers as the live one does.
    const copy = new SqliteIdempotencyStore(path.join(destination, STATE_FILES.idempotency));
    expect(await copy.claim("key-1", "idem-1", "hash-1")).to.deep.equal({ kind: "replay", response: answer });
    await copy.close();
    await live.idempotency.close();
    await live.outbox.close();
  });

  it("refuses to back up into a folder that exists", async () => {
    const live = await liveState();
    const existing = tempDir("rxtrace-backup-");
    const error = await backupGatewayState(live, existing).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(StateBackupError);
    expect((error as Error).message).to.include(existing);
    await live.idempotency.close();
    await live.outbox.close();
  });

  it("restores into an empty state folder: the stored answer replays, the outbox item is pending, the checkpoint and keys are back", async () => {
    const live = await liveState();
    const destination = path.join(tempDir("rxtrace-backup-"), "b2");
    await backupGatewayState(live, destination, "manufacturer");
    await live.idempotency.close();
    await live.outbox.close();
    const stateDir = path.join(tempDir("rxtrace-restored-"), "gateway");
    const paths = { stateDir, keysFile: path.join(stateDir, "keys.json") };

    restoreGatewayState(destination, paths, "manufacturer");

    const store = new SqliteIdempotencyStore(path.join(paths.stateDir, STATE_FILES.idempotency));
    expect(await store.claim("key-1", "idem-1", "hash-1")).to.deep.equal({ kind: "replay", response: answer });
    await store.close();
    const outbox = new SqliteOutbox(path.join(paths.stateDir, STATE_FILES.outbox));
    expect((await outbox.pending("recall-relay")).map((i) => i.key)).to.deep.equal(["L1"]);
    await outbox.close();
    expect(readFileSync(path.join(paths.stateDir, STATE_FILES.checkpoints, "mfr-dist.checkpoint.json"), "utf8")).to.equal('{"blockNumber":7}');
    expect(readFileSync(paths.keysFile, "utf8")).to.equal('{"version":1,"keys":[]}\n');
    expect(statSync(paths.keysFile).mode & 0o777).to.equal(0o600);
  });

  it("refuses a damaged backup, naming the file, and writes nothing", async () => {
    const live = await liveState();
    const destination = path.join(tempDir("rxtrace-backup-"), "b3");
    await backupGatewayState(live, destination);
    await live.idempotency.close();
    await live.outbox.close();
    const checkpoint = path.join(destination, STATE_FILES.checkpoints, "mfr-dist.checkpoint.json");
    writeFileSync(checkpoint, '{"blockNumber":9999}');
    const stateDir = path.join(tempDir("rxtrace-restored-"), "gateway");

    const error = (() => {
      try {
        restoreGatewayState(destination, { stateDir, keysFile: path.join(stateDir, "keys.json") });
      } catch (e) {
        return e;
      }
    })();

    expect(error).to.be.instanceOf(StateBackupError);
    expect((error as Error).message).to.include(checkpoint).and.include("damaged");
    expect(existsSync(stateDir), "nothing written").to.equal(false);
  });

  it("refuses to restore over a state folder that holds a database (a running or older gateway's), naming it", async () => {
    const live = await liveState();
    const destination = path.join(tempDir("rxtrace-backup-"), "b4");
    await backupGatewayState(live, destination);
    await live.outbox.close();
    const before = readFileSync(path.join(live.stateDir, STATE_FILES.idempotency));

    expect(() => restoreGatewayState(destination, live)).to.throw(StateBackupError, `already holds ${STATE_FILES.outbox}, ${STATE_FILES.idempotency}`);

    expect(readFileSync(path.join(live.stateDir, STATE_FILES.idempotency)).equals(before)).to.equal(true);
    await live.idempotency.close();
  });

  it("refuses another org's backup and a manifest naming a file outside the state", async () => {
    const live = await liveState();
    const destination = path.join(tempDir("rxtrace-backup-"), "b5");
    await backupGatewayState(live, destination, "manufacturer");
    await live.idempotency.close();
    await live.outbox.close();
    expect(() => verifyBackup(destination, "pharmacy")).to.throw(StateBackupError, "the manufacturer gateway's state, not the pharmacy gateway's");

    const manifestFile = path.join(destination, "manifest.json");
    const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as { files: { path: string; sha256: string; bytes: number }[] };
    manifest.files.push({ path: "../../etc/cron.d/x", sha256: "0", bytes: 1 });
    writeFileSync(manifestFile, JSON.stringify(manifest));
    expect(() => verifyBackup(destination)).to.throw(StateBackupError, "../../etc/cron.d/x is not a gateway state file");
  });

  it("reads a folder without a manifest as no backup", () => {
    const folder = tempDir("rxtrace-backup-");
    expect(() => verifyBackup(folder)).to.throw(StateBackupError, "not a gateway state backup");
  });
});
