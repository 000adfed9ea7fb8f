import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { SqliteIdempotencyStore } from "../../gateway/src/adapters/idempotency-sqlite.js";
import { GatewayError } from "../../gateway/src/errors.js";
import { installIdempotency } from "../../gateway/src/routes/hooks/idempotency.js";
import { documentRoutes } from "../../gateway/src/routes/documents.js";
import { DocumentIntegrityError, DocumentsService, newChaincodeDocumentLedger, type Subject } from "../../gateway/src/services/documents.js";
import { FakeLedger } from "./support/fake-ledger.js";
import { chunks, distributor, manufacturer, MemoryContentStore, MemoryDocumentLedger, testApp } from "./documents-fakes.js";

const LOT: Subject = { type: "lot", gtin: "09521234543213", lot: "LOT2024A" };
const POLICY = { uploadLimitBytes: 64, allowedContentTypes: ["application/pdf", "text/plain"] };
const sha = (text: string | Buffer): string => createHash("sha256").update(text).digest("hex");

describe("documents service", () => {
  let store: MemoryContentStore;
  let ledger: MemoryDocumentLedger;
  let service: DocumentsService;

  beforeEach(() => {
    store = new MemoryContentStore();
    ledger = new MemoryDocumentLedger();
    service = new DocumentsService(store, ledger, POLICY);
  });

  const upload = (body: AsyncIterable<Uint8Array>, confidential = false, contentType = "application/pdf") =>
    service.upload(manufacturer, { channel: "mfr-dist", kind: "CERTIFICATE_OF_ANALYSIS", subject: LOT, contentType, confidential, body });

  describe("upload", () => {
    it("stores the file and anchors its sha256 and CID against the subject", async () => {
      const result = await upload(chunks("certificate ", "of analysis"));

      expect(result.sha256).to.equal(sha("certificate of analysis"));
      expect(result.size).to.equal(23);
      expect(store.pinned.has(result.cid)).to.be.true;
      expect(ledger.anchors).to.have.length(1);
      expect(ledger.anchors[0]?.record).to.include({ sha256: result.sha256, cid: result.cid, encrypted: false });
    });

    it("encrypts a confidential file before it reaches the store and keeps the key in the owner's vault", async () => {
      const result = await upload(chunks("patient name: Jane Doe"), true);

      const stored = store.blobs.get(result.cid);
      expect(stored?.toString("latin1")).to.not.include("Jane Doe");
      expect(stored?.byteLength).to.equal(22 + 28);
      expect(result.sha256).to.equal(sha("patient name: Jane Doe"));
      expect(result.encrypted).to.be.true;
      expect(await ledger.getKey(manufacturer, "mfr-dist", result.cid)).to.have.length(32);
    });

    it("rejects a content type outside the allow list before storing anything", async () => {
      const error = await upload(chunks("x"), false, "application/x-msdownload").catch((e: unknown) => e);

      expect(error).to.be.instanceOf(GatewayError).with.property("code", "UNSUPPORTED_MEDIA_TYPE");
      expect(store.blobs.size).to.equal(0);
    });

    it("rejects a file above the size limit with PAYLOAD_TOO_LARGE and anchors nothing", async () => {
      const error = await upload(chunks("a".repeat(40), "b".repeat(40))).catch((e: unknown) => e);

      expect(error).to.be.instanceOf(GatewayError).with.property("code", "PAYLOAD_TOO_LARGE");
      expect(ledger.anchors).to.have.length(0);
    });

    it("unpins the content and purges the key when anchoring fails, so nothing claims the document", async () => {
      ledger.failAnchor = new GatewayError("FORBIDDEN", "caller does not own the lot");

      const error = await upload(chunks("secret"), true).catch((e: unknown) => e);

      expect(error).to.be.instanceOf(GatewayError).with.property("code", "FORBIDDEN");
      expect(store.pinned.size).to.equal(0);
      expect(ledger.keys.size).to.equal(0);
      expect(ledger.anchors).to.have.length(0);
    });

    it("keeps the pin of an anchored document when the same bytes are uploaded again and anchoring fails", async () => {
      const first = await upload(chunks("certificate of analysis"));

      const error = await upload(chunks("certificate of analysis")).catch((e: unknown) => e);

      expect(error).to.be.instanceOf(GatewayError).with.property("code", "ALREADY_EXISTS");
      expect(store.pinned.has(first.cid)).to.be.true;
      expect((await service.download(distributor, "mfr-dist", LOT, first.sha256)).content.toString()).to.equal("certificate of analysis");
    });

    it("keeps the pin when two uploads of the same bytes run at once and only one anchors", async () => {
      const other: Subject = { type: "lot", gtin: "09521234543213", lot: "LOT2024B" };
      const slowStore = new MemoryContentStore();
      const slowLedger = new MemoryDocumentLedger();
      const slow = new DocumentsService(slowStore, slowLedger, POLICY);
      // The first upload fails after the second has already stored the same bytes.
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const anchor = slowLedger.anchor.bind(slowLedger);
      slowLedger.anchor = async (as, channel, record) => {
        if (record.subject.type === "lot" && record.subject.lot === "LOT2024A") {
          await gate;
          throw new GatewayError("FORBIDDEN", "caller does not own the lot");
        }
        return anchor(as, channel, record);
      };
      const send = (subject: Subject) =>
        slow.upload(manufacturer, { channel: "mfr-dist", kind: "CERTIFICATE_OF_ANALYSIS", subject, contentType: "application/pdf", confidential: false, body: chunks("same bytes") });

      const failing = send(LOT).catch((e: unknown) => e);
      const succeeding = send(other);
      await new Promise((resolve) => setImmediate(resolve));
      release();
      const [error, ok] = await Promise.all([failing, succeeding]);

      expect(error).to.be.instanceOf(GatewayError).with.property("code", "FORBIDDEN");
      expect(slowStore.pinned.has(ok.cid)).to.be.true;
    });
  });

  describe("download", () => {
    it("returns the content when its hash matches the anchor", async () => {
      const { sha256 } = await upload(chunks("certificate"));

      const { content } = await service.download(distributor, "mfr-dist", LOT, sha256);

      expect(content.toString()).to.equal("certificate");
    });

    it("refuses content whose hash differs from the anchor", async () => {
      const { sha256, cid } = await upload(chunks("certificate"));
      store.blobs.set(cid, Buffer.from("forged certificate"));

      const error = await service.download(distributor, "mfr-dist", LOT, sha256).catch((e: unknown) => e);

      expect(error).to.be.instanceOf(DocumentIntegrityError).with.property("code", "CONFLICT");
      expect((error as DocumentIntegrityError).details).to.include({ reason: "HASH_MISMATCH", expected: sha256 });
    });

    it("decrypts a confidential document for the owner org", async () => {
      const { sha256 } = await upload(chunks("lab result"), true);

      const { content } = await service.download(manufacturer, "mfr-dist", LOT, sha256);

      expect(content.toString()).to.equal("lab result");
    });

    it("refuses an altered ciphertext of a confidential document", async () => {
      const { sha256, cid } = await upload(chunks("lab result"), true);
      const sealed = Buffer.from(store.blobs.get(cid) ?? Buffer.alloc(0));
      sealed[15] = (sealed[15] ?? 0) ^ 1;
      store.blobs.set(cid, sealed);

      const error = await service.download(manufacturer, "mfr-dist", LOT, sha256).catch((e: unknown) => e);

      expect(error).to.be.instanceOf(DocumentIntegrityError);
    });

    it("refuses a confidential document to an org that holds no key", async () => {
      const { sha256 } = await upload(chunks("lab result"), true);

      const error = await service.download(distributor, "mfr-dist", LOT, sha256).catch((e: unknown) => e);

      expect(error).to.be.instanceOf(GatewayError).with.property("code", "FORBIDDEN");
    });

    it("answers NOT_FOUND for a sha256 not anchored to the subject", async () => {
      const error = await service.download(distributor, "mfr-dist", LOT, "0".repeat(64)).catch((e: unknown) => e);

      expect(error).to.be.instanceOf(GatewayError).with.property("code", "NOT_FOUND");
    });
  });

  describe("erase", () => {
    it("makes a confidential document unreadable by purging its key while the anchor stays", async () => {
      const { sha256 } = await upload(chunks("personal data"), true);

      await service.erase(manufacturer, "mfr-dist", LOT, sha256);
      const error = await service.download(manufacturer, "mfr-dist", LOT, sha256).catch((e: unknown) => e);

      expect(error).to.be.instanceOf(GatewayError).with.property("code", "FORBIDDEN");
      expect(ledger.anchors).to.have.length(1);
    });

    it("unpins the erased content when no other anchor of the subject names its CID", async () => {
      const { sha256, cid } = await upload(chunks("personal data"), true);

      await service.erase(manufacturer, "mfr-dist", LOT, sha256);

      expect(store.pinned.has(cid)).to.be.false;
    });

    it("keeps the pin on erase while another anchor of the subject names the same CID", async () => {
      const { sha256, cid } = await upload(chunks("personal data"), true);
      await ledger.anchor(distributor, "mfr-dist", { sha256: "f".repeat(64), cid, kind: "OTHER", subject: LOT, encrypted: false });

      await service.erase(manufacturer, "mfr-dist", LOT, sha256);

      expect(store.pinned.has(cid)).to.be.true;
    });

    it("refuses to erase a document that is not encrypted", async () => {
      const { sha256 } = await upload(chunks("public certificate"));

      const error = await service.erase(manufacturer, "mfr-dist", LOT, sha256).catch((e: unknown) => e);

      expect(error).to.be.instanceOf(GatewayError).with.property("code", "CONFLICT");
    });
  });
});

describe("chaincode document ledger", () => {
  it("anchors through documents:AnchorDocument with the record as one JSON argument", async () => {
    const fake = new FakeLedger().on("documents:AnchorDocument", (call) => ({ ...JSON.parse(call.args?.[0] ?? "{}"), txId: "t1" }));
    const ledger = newChaincodeDocumentLedger(fake);

    const { record } = await ledger.anchor(manufacturer, "mfr-dist", { sha256: "a".repeat(64), cid: "bafy", kind: "OTHER", subject: LOT, encrypted: false });

    expect(record).to.include({ sha256: "a".repeat(64), cid: "bafy", txId: "t1" });
    expect(fake.submitted("documents:AnchorDocument")[0]?.call.channel).to.equal("mfr-dist");
  });

  it("sends a document key only as transient data, endorsed by the owner's org", async () => {
    const fake = new FakeLedger().on("documents:PutDocumentKey", () => ({}));
    const ledger = newChaincodeDocumentLedger(fake);

    await ledger.putKey(manufacturer, "mfr-dist", "bafycid", Buffer.alloc(32, 7));

    const call = fake.submitted("documents:PutDocumentKey")[0]?.call;
    expect(call?.args).to.deep.equal(["bafycid"]);
    expect(call?.transient?.key).to.equal(Buffer.alloc(32, 7).toString("base64"));
    expect(call?.endorsingOrganizations).to.deep.equal(["ManufacturerMSP"]);
  });

  it("reports no key when the vault answers NOT_FOUND", async () => {
    const fake = new FakeLedger().on("documents:GetDocumentKey", () => {
      throw new GatewayError("NOT_FOUND", "no key");
    });

    expect(await newChaincodeDocumentLedger(fake).getKey(manufacturer, "mfr-dist", "bafycid")).to.be.undefined;
  });
});

describe("documents routes", () => {
  let app: FastifyInstance;
  let store: MemoryContentStore;
  let ledger: MemoryDocumentLedger;
  const query = "channel=mfr-dist&subjectType=lot&gtin=09521234543213&lot=LOT2024A";

  beforeEach(async () => {
    store = new MemoryContentStore();
    ledger = new MemoryDocumentLedger();
    app = testApp();
    installIdempotency(app, new SqliteIdempotencyStore(":memory:"));
    await app.register(documentRoutes, { prefix: "/v1", documents: new DocumentsService(store, ledger, POLICY), ...POLICY });
    await app.ready();
  });

  afterEach(async () => app.close());

  it("uploads a raw file and answers 201 with the anchor", async () => {
    const res = await app.inject({
      method: "POST",
      url: `/v1/documents?${query}&kind=CERTIFICATE_OF_ANALYSIS`,
      headers: { "x-test-user": "manufacturer", "content-type": "application/pdf" },
      payload: Buffer.from("%PDF-1.7 certificate"),
    });

    expect(res.statusCode, res.body).to.equal(201);
    expect(res.json()).to.include({ sha256: sha("%PDF-1.7 certificate"), encrypted: false, transactionId: "tx1" });
  });

  it("uploads a confidential file when asked with confidential=true", async () => {
    const res = await app.inject({
      method: "POST",
      url: `/v1/documents?${query}&kind=OTHER&confidential=true`,
      headers: { "x-test-user": "manufacturer", "content-type": "text/plain" },
      payload: "personal data",
    });

    expect(res.statusCode, res.body).to.equal(201);
    expect(res.json()).to.include({ encrypted: true, sha256: sha("personal data") });
    expect(store.blobs.get(res.json().cid)?.toString()).to.not.include("personal");
  });

  it("answers a retried upload with the same Idempotency-Key from the first one, anchoring once", async () => {
    const send = (payload: string) =>
      app.inject({
        method: "POST",
        url: `/v1/documents?${query}&kind=OTHER`,
        headers: { "x-test-user": "manufacturer", "content-type": "text/plain", "idempotency-key": "upload-1" },
        payload,
      });

    const first = await send("certificate v1");
    const retry = await send("certificate v1");
    const other = await send("certificate v2");

    expect(first.statusCode).to.equal(201);
    expect(retry.statusCode).to.equal(201);
    expect(retry.headers["idempotent-replayed"]).to.equal("true");
    expect(retry.json()).to.deep.equal(first.json());
    expect(other.statusCode).to.equal(422);
    expect(ledger.anchors).to.have.length(1);
  });

  it("answers 413 for a body above the upload limit", async () => {
    const res = await app.inject({
      method: "POST",
      url: `/v1/documents?${query}&kind=OTHER`,
      headers: { "x-test-user": "manufacturer", "content-type": "text/plain" },
      payload: "x".repeat(65),
    });

    expect(res.statusCode).to.equal(413);
    expect(ledger.anchors).to.have.length(0);
  });

  it("answers 413 for a chunked body that grows past the limit without a Content-Length", async () => {
    const res = await app.inject({
      method: "POST",
      url: `/v1/documents?${query}&kind=OTHER`,
      headers: { "x-test-user": "manufacturer", "content-type": "text/plain", "transfer-encoding": "chunked" },
      payload: Readable.from([Buffer.alloc(40, 1), Buffer.alloc(40, 2)]),
    });

    expect(res.statusCode).to.equal(413);
    expect(res.json()).to.include({ code: "PAYLOAD_TOO_LARGE" });
    expect(store.blobs.size).to.equal(0);
  });

  it("answers 415 for a content type outside the allow list", async () => {
    const res = await app.inject({
      method: "POST",
      url: `/v1/documents?${query}&kind=OTHER`,
      headers: { "x-test-user": "manufacturer", "content-type": "application/zip" },
      payload: "PK",
    });

    expect(res.statusCode).to.equal(415);
    expect(res.json()).to.include({ code: "UNSUPPORTED_MEDIA_TYPE" });
  });

  it("answers 400 naming the field when the subject lacks its lot", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/v1/documents?channel=mfr-dist&subjectType=lot&gtin=09521234543213&kind=OTHER",
      headers: { "x-test-user": "manufacturer", "content-type": "text/plain" },
      payload: "x",
    });

    expect(res.statusCode).to.equal(400);
    expect(res.json()).to.include({ field: "lot" });
    expect(store.blobs.size).to.equal(0);
  });

  it("answers 400 naming kind when the kind is unknown", async () => {
    const res = await app.inject({
      method: "POST",
      url: `/v1/documents?${query}&kind=SELFIE`,
      headers: { "x-test-user": "manufacturer", "content-type": "text/plain" },
      payload: "x",
    });

    expect(res.statusCode).to.equal(400);
    expect(res.json().field).to.match(/kind/);
  });

  it("lists and downloads a document with its hash in the headers", async () => {
    await app.inject({
      method: "POST",
      url: `/v1/documents?${query}&kind=OTHER`,
      headers: { "x-test-user": "manufacturer", "content-type": "text/plain" },
      payload: "shipping note",
    });

    const list = await app.inject({ method: "GET", url: `/v1/documents?${query}`, headers: { "x-test-user": "distributor" } });
    const download = await app.inject({ method: "GET", url: `/v1/documents/${sha("shipping note")}?${query}`, headers: { "x-test-user": "distributor" } });

    expect(list.json().documents).to.have.length(1);
    expect(download.statusCode).to.equal(200);
    expect(download.body).to.equal("shipping note");
    expect(download.headers["x-rxtrace-sha256"]).to.equal(sha("shipping note"));
  });

  it("answers 409 instead of serving tampered content", async () => {
    const up = await app.inject({
      method: "POST",
      url: `/v1/documents?${query}&kind=OTHER`,
      headers: { "x-test-user": "manufacturer", "content-type": "text/plain" },
      payload: "original",
    });
    store.blobs.set(up.json().cid, Buffer.from("tampered"));

    const res = await app.inject({ method: "GET", url: `/v1/documents/${sha("original")}?${query}`, headers: { "x-test-user": "distributor" } });

    expect(res.statusCode).to.equal(409);
    expect(res.json().details).to.include({ reason: "HASH_MISMATCH" });
  });

  it("answers 503 naming IPFS when the content store is down, and anchors nothing", async () => {
    store.down = true;

    const res = await app.inject({
      method: "POST",
      url: `/v1/documents?${query}&kind=OTHER`,
      headers: { "x-test-user": "manufacturer", "content-type": "text/plain" },
      payload: "x",
    });

    expect(res.statusCode).to.equal(503);
    expect(res.json().message).to.match(/ipfs/);
    expect(ledger.anchors).to.have.length(0);
  });
});
