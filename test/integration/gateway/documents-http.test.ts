/**
 * Documents, audit and events over HTTP through the real app, as main.ts
 * wires it: API keys from scripts/gateway/create-keys.ts, the Fabric adapter
 * on the real network, the real Kubo daemon.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { FabricLedgerClient } from "../../../gateway/src/adapters/fabric.js";
import { SqliteIdempotencyStore } from "../../../gateway/src/adapters/idempotency-sqlite.js";
import { newKuboContentStore } from "../../../gateway/src/adapters/ipfs.js";
import { openSqliteEventIndex } from "../../../gateway/src/adapters/sqlite-event-index.js";
import { buildApp } from "../../../gateway/src/app.js";
import { FileApiKeyStore } from "../../../gateway/src/auth/api-keys.js";
import { loadConfig } from "../../../gateway/src/config.js";
import { EventHub } from "../../../gateway/src/events/hub.js";
import type { EventIndex } from "../../../gateway/src/ports/event-index.js";
import type { ChannelName } from "../../../gateway/src/ports/ledger.js";
import { AuditService } from "../../../gateway/src/services/audit.js";
import { DocumentsService, newChaincodeDocumentLedger } from "../../../gateway/src/services/documents.js";
import { keysScript, repoRoot } from "../../../support/gateway-harness.js";
import { DATA_DIR, eventually, gtinFor, KUBO_API, registerProduct, RUN } from "./support.js";

const LIMIT = 4096;
const channelsOf = (msp: string): readonly ChannelName[] =>
  msp === "PharmacyMSP" ? ["dist-pharm"] : msp === "ManufacturerMSP" ? ["mfr-dist"] : ["mfr-dist", "dist-pharm"];

describe("documents, audit and events over HTTP on the real parts", function () {
  this.timeout(120_000);
  let stateDir: string;
  let ledger: FabricLedgerClient;
  let idempotency: SqliteIdempotencyStore;
  let index: EventIndex;
  let app: FastifyInstance;
  let base: string;
  const keys: Record<string, string> = {};
  const gtin = gtinFor("http");
  const subject = `channel=mfr-dist&subjectType=product&gtin=${gtin}`;

  const send = (method: string, url: string, who: string | undefined, body?: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(`${base}${url}`, { method, headers: { ...(who === undefined ? {} : { "x-api-key": keys[who] ?? "unknown" }), ...headers }, ...(body === undefined ? {} : { body }) });

  before(async () => {
    stateDir = mkdtempSync(path.join(tmpdir(), "rxtrace-it-http-"));
    const configFile = path.join(stateDir, "gateway.json");
    writeFileSync(
      configFile,
      JSON.stringify({
        stateDir,
        keysFile: path.join(stateDir, "keys.json"),
        server: { port: 0, logLevel: "warn" },
        ipfs: { apiUrl: KUBO_API, uploadLimitBytes: LIMIT, allowedContentTypes: ["application/pdf", "text/plain"] },
      }),
    );
    const env = { ...process.env, RXTRACE_DATA: DATA_DIR, RXTRACE_GATEWAY_CONFIG: configFile };
    keysScript(env);
    for (const line of readFileSync(path.join(stateDir, "api-keys.txt"), "utf8").split("\n")) {
      const [mspId, user, , , key] = line.split("\t");
      if (!line.startsWith("#") && mspId && user && key) keys[`${mspId}/${user}`] = key;
    }
    const config = loadConfig(env, repoRoot);
    ledger = new FabricLedgerClient({ networkFile: config.networkFile, chaincode: config.fabric.chaincode, deadlinesMs: config.fabric.deadlinesMs, mvccRetries: config.fabric.mvccRetries });
    idempotency = new SqliteIdempotencyStore(path.join(stateDir, "idempotency.db"));
    index = openSqliteEventIndex(path.join(stateDir, "index.db"));
    const policy = { uploadLimitBytes: LIMIT, allowedContentTypes: config.ipfs.allowedContentTypes };
    app = await buildApp({
      config,
      keys: new FileApiKeyStore(config.keysFile),
      idempotency,
      ledger,
      documents: { documents: new DocumentsService(newKuboContentStore({ url: KUBO_API, timeoutMs: 10_000 }), newChaincodeDocumentLedger(ledger), policy), ...policy },
      audit: { audit: new AuditService(ledger, index, { channelsOf, maxEvents: 1000 }) },
      events: { index, hub: new EventHub(), channelsOf, heartbeatMs: 15_000, replayLimit: 100 },
    });
    base = await app.listen({ host: "127.0.0.1", port: 0 });
    await registerProduct(ledger, gtin);
  });

  after(async () => {
    // Parts the before hook did not reach are undefined.
    await app?.close();
    ledger?.close();
    await idempotency?.close();
    index?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("answers 401 without an API key on documents, audit and events", async () => {
    const answers = await Promise.all([
      send("POST", `/v1/documents?${subject}&kind=OTHER`, undefined, "x", { "content-type": "text/plain" }),
      send("GET", "/v1/audit/events", undefined),
      send("GET", "/v1/events", undefined),
    ]);

    expect(answers.map((a) => a.status)).to.deep.equal([401, 401, 401]);
  });

  it("answers 403 when the regulator's auditor uploads a document", async () => {
    const res = await send("POST", `/v1/documents?${subject}&kind=OTHER`, "RegulatorMSP/auditor", "x", { "content-type": "text/plain" });

    expect(res.status).to.equal(403);
  });

  it("uploads a raw file, lists it and downloads the verified bytes", async () => {
    const pdf = Buffer.from(`%PDF-1.7 certificate ${RUN}`);

    const up = await send("POST", `/v1/documents?${subject}&kind=CERTIFICATE_OF_ANALYSIS`, "ManufacturerMSP/operator", pdf, { "content-type": "application/pdf" });
    const anchored = (await up.json()) as { sha256: string; cid: string };
    // The distributor reads on its own peer, which commits the block a moment later.
    let list: { documents: { cid: string }[] } = { documents: [] };
    await eventually(
      async () => (list = (await (await send("GET", `/v1/documents?${subject}`, "DistributorMSP/operator")).json()) as typeof list).documents.some((d) => d.cid === anchored.cid),
      10_000,
      "anchor on the distributor's peer",
    );
    const down = await send("GET", `/v1/documents/${anchored.sha256}?${subject}`, "DistributorMSP/operator");
    const bytes = Buffer.from(await down.arrayBuffer());

    expect(up.status).to.equal(201);
    expect(anchored.sha256).to.equal(createHash("sha256").update(pdf).digest("hex"));
    expect(list.documents.map((d) => d.cid)).to.include(anchored.cid);
    expect(down.status).to.equal(200);
    expect(down.headers.get("x-rxtrace-sha256")).to.equal(anchored.sha256);
    expect(bytes.equals(pdf)).to.be.true;
  });

  it("answers 413 above the upload limit and 415 for a media type outside the allow list", async () => {
    const big = await send("POST", `/v1/documents?${subject}&kind=OTHER`, "ManufacturerMSP/operator", Buffer.alloc(LIMIT + 1, 65), { "content-type": "text/plain" });
    const zip = await send("POST", `/v1/documents?${subject}&kind=OTHER`, "ManufacturerMSP/operator", "PK", { "content-type": "application/zip" });

    expect(big.status).to.equal(413);
    expect(zip.status).to.equal(415);
  });

  it("serves a confidential document to its owner only", async () => {
    const up = await send("POST", `/v1/documents?${subject}&kind=OTHER&confidential=true`, "ManufacturerMSP/operator", `batch record ${RUN}`, { "content-type": "text/plain" });
    const { sha256 } = (await up.json()) as { sha256: string };

    const owner = await send("GET", `/v1/documents/${sha256}?${subject}`, "ManufacturerMSP/operator");
    const other = await send("GET", `/v1/documents/${sha256}?${subject}`, "DistributorMSP/operator");

    expect(up.status).to.equal(201);
    expect(await owner.text()).to.equal(`batch record ${RUN}`);
    expect(other.status).to.equal(403);
  });

  it("answers 400 naming the channel when the pharmacy searches mfr-dist", async () => {
    const res = await send("GET", "/v1/audit/events?channel=mfr-dist", "PharmacyMSP/pharmacist");

    expect(res.status).to.equal(400);
    expect(((await res.json()) as { field: string }).field).to.equal("channel");
  });
});
