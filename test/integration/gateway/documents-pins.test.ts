/**
 * Pins on a real Kubo daemon (scripts/kubo.sh start): Kubo pins are not
 * reference-counted and CIDs are deterministic, so a failed upload of bytes
 * that are already anchored must leave their pin alone, or the next garbage
 * collection deletes the anchored document. The ledger is the in-memory
 * double here; documents.test.ts runs the same case on the real network.
 */
import { expect } from "chai";
import { create } from "kubo-rpc-client";
import { newKuboContentStore } from "../../../gateway/src/adapters/ipfs.js";
import { GatewayError } from "../../../gateway/src/errors.js";
import { DocumentsService, type Subject } from "../../../gateway/src/services/documents.js";
import { chunks, manufacturer, MemoryDocumentLedger } from "../../gateway/documents-fakes.js";
import { KUBO_API, RUN } from "./support.js";

describe("document pins on a real Kubo daemon", function () {
  this.timeout(60_000);
  const kubo = create({ url: KUBO_API });
  const store = newKuboContentStore({ url: KUBO_API, timeoutMs: 10_000 });
  const policy = { uploadLimitBytes: 1024 * 1024, allowedContentTypes: ["application/pdf"] };
  const lot: Subject = { type: "lot", gtin: "09521234543213", lot: `PIN${RUN}`.slice(0, 20) };

  const collectGarbage = async (): Promise<void> => {
    for await (const _ of kubo.repo.gc()) {
      // drain: the collection runs while its results stream
    }
  };
  const ownPin = async (cid: string): Promise<boolean> => {
    try {
      for await (const entry of kubo.pin.ls({ paths: [cid] })) if (entry.type === "recursive") return true;
      return false;
    } catch {
      return false;
    }
  };

  it("keeps the anchored document's pin when the same bytes are uploaded again and the anchor is refused", async () => {
    const service = new DocumentsService(store, new MemoryDocumentLedger(), policy);
    const upload = (text: string) =>
      service.upload(manufacturer, { channel: "mfr-dist", kind: "CERTIFICATE_OF_ANALYSIS", subject: lot, contentType: "application/pdf", confidential: false, body: chunks(text) });
    const text = `%PDF anchored once ${RUN}`;
    const original = await upload(text);

    const error = await upload(text).catch((e: unknown) => e);
    await collectGarbage();
    const { content } = await service.download(manufacturer, "mfr-dist", lot, original.sha256);

    expect(error).to.be.instanceOf(GatewayError).with.property("code", "ALREADY_EXISTS");
    expect(await ownPin(original.cid)).to.be.true;
    expect(content.toString()).to.equal(text);
  });

  it("still unpins what a refused upload pinned itself, so the garbage collection removes it", async () => {
    const ledger = new MemoryDocumentLedger();
    ledger.failAnchor = new GatewayError("FORBIDDEN", "caller does not own the lot");
    const service = new DocumentsService(store, ledger, policy);
    const text = `%PDF refused ${RUN}`;
    const { cid } = await kubo.add(text, { cidVersion: 1, rawLeaves: true, onlyHash: true });

    const error = await service
      .upload(manufacturer, { channel: "mfr-dist", kind: "OTHER", subject: lot, contentType: "application/pdf", confidential: false, body: chunks(text) })
      .catch((e: unknown) => e);
    await collectGarbage();
    const gone = await store.get(cid.toString(), { maxBytes: 1024 }).catch((e: unknown) => e);

    expect(error).to.be.instanceOf(GatewayError).with.property("code", "FORBIDDEN");
    expect(await ownPin(cid.toString())).to.be.false;
    expect(gone).to.be.instanceOf(GatewayError).with.property("code", "NOT_FOUND");
  });
});
