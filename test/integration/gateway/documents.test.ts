/**
 * Documents end to end on the real parts: Kubo stores the bytes, the ledger
 * anchors sha256 and CID (and keeps confidential keys in the owner's implicit
 * collection), downloads are re-hashed.
 */
import { createHash } from "node:crypto";
import { expect } from "chai";
import { create } from "kubo-rpc-client";
import { newKuboContentStore } from "../../../gateway/src/adapters/ipfs.js";
import type { FabricLedgerClient } from "../../../gateway/src/adapters/fabric.js";
import { GatewayError } from "../../../gateway/src/errors.js";
import { DocumentIntegrityError, DocumentsService, newChaincodeDocumentLedger, type Subject } from "../../../gateway/src/services/documents.js";
import { distributor, eventually, fabricLedger, gtinFor, KUBO_API, manufacturer, registerProduct, RUN } from "./support.js";

async function* body(text: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(text);
}

const sha = (text: string | Uint8Array): string => createHash("sha256").update(text).digest("hex");

describe("documents on the real network and Kubo", function () {
  this.timeout(120_000);
  let ledger: FabricLedgerClient;
  let service: DocumentsService;
  let product: Subject;
  const kubo = create({ url: KUBO_API });
  const pinned = async (cid: string): Promise<boolean> => {
    try {
      for await (const _ of kubo.pin.ls({ paths: [cid] })) return true;
      return false;
    } catch {
      return false;
    }
  };

  before(async () => {
    ledger = fabricLedger();
    service = new DocumentsService(newKuboContentStore({ url: KUBO_API, timeoutMs: 15_000 }), newChaincodeDocumentLedger(ledger), {
      uploadLimitBytes: 1024 * 1024,
      allowedContentTypes: ["application/pdf", "text/plain"],
    });
    const gtin = gtinFor("documents");
    await registerProduct(ledger, gtin);
    product = { type: "product", gtin };
  });

  after(() => ledger.close());

  const upload = (text: string, confidential = false, subject: Subject = product) =>
    service.upload(manufacturer, { channel: "mfr-dist", kind: "CERTIFICATE_OF_ANALYSIS", subject, contentType: "application/pdf", confidential, body: body(text) });

  it("uploads to IPFS, anchors sha256 and CID on the ledger, and downloads the verified bytes", async () => {
    const text = `%PDF certificate of analysis ${RUN}`;

    const uploaded = await upload(text);
    // Another org reads on its own peer, which commits the block a moment later.
    let listed = await service.list(distributor, "mfr-dist", product);
    await eventually(async () => (listed = await service.list(distributor, "mfr-dist", product)).some((d) => d.cid === uploaded.cid), 10_000, "anchor on the distributor's peer");
    const { content } = await service.download(distributor, "mfr-dist", product, uploaded.sha256);

    expect(uploaded.sha256).to.equal(sha(text));
    expect(uploaded.transactionId).to.match(/^[0-9a-f]{64}$/);
    expect(listed.map((d) => d.cid)).to.include(uploaded.cid);
    expect(listed.find((d) => d.cid === uploaded.cid)).to.include({ anchoredBy: "ManufacturerMSP", encrypted: false });
    expect(content.toString()).to.equal(text);
    expect(await pinned(uploaded.cid)).to.be.true;
  });

  it("leaves no anchor and unpins the content when the ledger refuses the anchor", async () => {
    const text = `orphan ${RUN}`;
    const missing: Subject = { type: "product", gtin: gtinFor("never-registered") };
    const { cid } = await kubo.add(text, { cidVersion: 1, rawLeaves: true, onlyHash: true });

    const error = await upload(text, false, missing).catch((e: unknown) => e);

    expect(error).to.be.instanceOf(GatewayError).with.property("code", "NOT_FOUND");
    expect(await pinned(cid.toString())).to.be.false;
    expect(await service.list(manufacturer, "mfr-dist", product).then((l) => l.map((d) => d.sha256))).to.not.include(sha(text));
  });

  it("keeps an anchored document retrievable after the same bytes are uploaded again, refused, and Kubo collects garbage", async () => {
    const text = `%PDF anchored once ${RUN}`;
    const original = await upload(text);

    const error = await upload(text).catch((e: unknown) => e);
    for await (const _ of kubo.repo.gc()) {
      // drain: the collection runs while its results stream
    }
    const { content } = await service.download(manufacturer, "mfr-dist", product, original.sha256);

    expect(error).to.be.instanceOf(GatewayError).with.property("code", "ALREADY_EXISTS");
    expect(await pinned(original.cid)).to.be.true;
    expect(content.toString()).to.equal(text);
  });

  it("refuses to serve content whose hash differs from the anchor", async () => {
    // An anchor that names the CID of other bytes, as a corrupted or substituted store would.
    const stored = await kubo.add(`substituted ${RUN}`, { cidVersion: 1, rawLeaves: true });
    const claimed = sha(`genuine ${RUN}`);
    await newChaincodeDocumentLedger(ledger).anchor(manufacturer, "mfr-dist", { sha256: claimed, cid: stored.cid.toString(), kind: "OTHER", subject: product, encrypted: false });

    const error = await service.download(manufacturer, "mfr-dist", product, claimed).catch((e: unknown) => e);

    expect(error).to.be.instanceOf(DocumentIntegrityError);
    expect((error as DocumentIntegrityError).details).to.include({ reason: "HASH_MISMATCH", expected: claimed });
  });

  it("encrypts a confidential document, lets only the owner read it, and erases it by purging the key", async () => {
    const text = `confidential batch record ${RUN}`;

    const uploaded = await upload(text, true);
    const chunks: Uint8Array[] = [];
    for await (const chunk of kubo.cat(uploaded.cid)) chunks.push(chunk);
    const stored = Buffer.concat(chunks);
    const { content } = await service.download(manufacturer, "mfr-dist", product, uploaded.sha256);
    const denied = await service.download(distributor, "mfr-dist", product, uploaded.sha256).catch((e: unknown) => e);
    await service.erase(manufacturer, "mfr-dist", product, uploaded.sha256);
    const erased = await service.download(manufacturer, "mfr-dist", product, uploaded.sha256).catch((e: unknown) => e);
    const stillAnchored = await service.list(manufacturer, "mfr-dist", product);

    expect(stored.includes(Buffer.from("batch record"))).to.be.false;
    expect(content.toString()).to.equal(text);
    expect(denied).to.be.instanceOf(GatewayError).with.property("code", "FORBIDDEN");
    expect(erased).to.be.instanceOf(GatewayError).with.property("code", "FORBIDDEN");
    expect(stillAnchored.map((d) => d.sha256)).to.include(uploaded.sha256);
  });
});
