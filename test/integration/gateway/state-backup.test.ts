/**
 * An org gateway's state backed up while it runs, lost, and restored, on the
 * real network (`npm run gateway:backup` / `gateway:restore`,
 * gateway/src/adapters/state-backup.ts); and, when only the ledger survives,
 * the event index rebuilt from the org's peer.
 */
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { STATE_FILES } from "../../../gateway/src/adapters/state-backup.js";
import { eventually } from "../../../support/fabric-client.js";
import { refrigeratedProduct } from "../../../support/fixtures.js";
import { call, freshGtin, futureExpiry, repoRoot, startOrgGateways, type Answer, type OrgGateway } from "../../../support/gateway-harness.js";

const run = promisify(execFile);

describe("an org gateway's state backed up, lost and restored on the real network", function () {
  this.timeout(600_000);
  const root = mkdtempSync(path.join(tmpdir(), "rxtrace-state-it-"));
  const stateDir = path.join(root, "manufacturer");
  const backupDir = path.join(root, "backup");
  // The gateway's config file, kept outside the state folder that is lost.
  const configFile = path.join(root, "gateway.json");
  const gtin = freshGtin();
  const tag = `S${Date.now().toString(36).toUpperCase()}`;
  const lotBody = { gtin, lot: `L${tag}`, expiry: futureExpiry(), serials: [`P${tag}`] };
  const idempotencyKey = `${tag}-lot`;
  let gw: OrgGateway | undefined;
  let operatorKey = "";
  let first: Answer;

  const start = async (): Promise<OrgGateway> => (await startOrgGateways(["manufacturer"], { stateDirOf: () => stateDir })).manufacturer!;
  const stop = async (): Promise<void> => {
    await gw?.close();
    gw = undefined;
  };
  const cli = (command: "backup" | "restore", folder: string) =>
    run("npm", ["run", "--silent", `gateway:${command}`, "--", "manufacturer", folder], {
      cwd: repoRoot,
      env: { ...gw?.env, ...process.env, RXTRACE_GATEWAY_CONFIG: configFile, RXTRACE_GATEWAY_ORG: "manufacturer" },
    });
  /** The index's events of the lot's commissioning transaction. */
  const lotEvents = async (key: string) => {
    const res = await call(gw!, "GET", `/v1/audit/events?gtin=${gtin}&limit=1000`, key);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return (res.body as { events: { txId: string }[] }).events.filter((e) => e.txId === (first.body as { transactionId: string }).transactionId);
  };

  before(async function () {
    this.timeout(600_000);
    gw = await start();
    copyFileSync(path.join(stateDir, "gateway.json"), configFile);
    operatorKey = gw.keys["ManufacturerMSP/operator"]!;
    expect((await call(gw, "POST", "/v1/products", operatorKey, refrigeratedProduct(gtin))).status).to.equal(201);
    first = await call(gw, "POST", "/v1/lots", operatorKey, lotBody, { "idempotency-key": idempotencyKey });
    expect(first.status, JSON.stringify(first.body)).to.equal(201);
    await eventually(async () => expect(await lotEvents(operatorKey)).to.have.length(1), 30_000);
  });
  after(async () => {
    await stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("backs up the running gateway: databases, checkpoints and key hashes, with a manifest", async () => {
    const { stdout } = await cli("backup", backupDir);

    expect(stdout).to.match(/^backed up .* files, \d+ bytes/);
    const manifest = JSON.parse(readFileSync(path.join(backupDir, "manifest.json"), "utf8")) as { org: string; files: { path: string }[] };
    expect(manifest.org).to.equal("manufacturer");
    expect(manifest.files.map((f) => f.path)).to.include.members([
      STATE_FILES.idempotency,
      STATE_FILES.index,
      STATE_FILES.readModel,
      STATE_FILES.outbox,
      "keys.json",
      path.join(STATE_FILES.checkpoints, "mfr-dist.checkpoint.json"),
    ]);
  });

  it("refuses to restore over the state of the gateway that is running, and changes nothing", async () => {
    const before = readFileSync(path.join(stateDir, STATE_FILES.index));
    const error = (await cli("restore", backupDir).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(error.code).to.equal(1);
    expect(error.stderr).to.include(`${stateDir} already holds`);
    expect(readFileSync(path.join(stateDir, STATE_FILES.index)).equals(before)).to.equal(true);
  });

  it("restores the state after it is lost: the old API key works, a retry replays the first answer, the event is indexed once", async () => {
    await stop();
    renameSync(stateDir, `${stateDir}.lost`);

    const { stdout } = await cli("restore", backupDir);
    expect(stdout).to.match(/^restored /);
    gw = await start();

    expect((await call(gw, "GET", "/v1/whoami", operatorKey)).status, "the key issued before the loss").to.equal(200);
    const retry = await call(gw, "POST", "/v1/lots", operatorKey, lotBody, { "idempotency-key": idempotencyKey });
    expect(retry.status).to.equal(first.status);
    expect(retry.body, "the stored answer, no second transaction").to.deep.equal(first.body);
    // The listener resumes from the restored checkpoint; what it reads again the index already holds.
    await eventually(async () => {
      const res = await call(gw!, "GET", "/v1/audit/index", operatorKey);
      expect((res.body as { channels: Record<string, { connected: boolean }> }).channels["mfr-dist"]?.connected).to.equal(true);
    }, 30_000);
    expect(await lotEvents(operatorKey)).to.have.length(1);
  });

  it("rebuilds the event index from the ledger when only the ledger survives", async () => {
    await stop();
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(`${stateDir}.lost`, { recursive: true, force: true });
    expect(existsSync(stateDir)).to.equal(false);

    gw = await start();
    // A new folder: new keys, an empty index the listener fills from the peer's first block.
    const newKey = gw.keys["ManufacturerMSP/operator"]!;
    expect(newKey).to.not.equal(operatorKey);
    expect((await call(gw, "GET", "/v1/whoami", operatorKey)).status, "the lost key hashes are gone with the state").to.equal(401);
    await eventually(async () => expect(await lotEvents(newKey)).to.have.length(1), 120_000);
  });
});
