import { expect } from "chai";
import { DIST, GTIN, LOT, MFR, REG, SOURCE, deliverToDistributor, expectError, lotWorld, refs } from "./support/world.js";

const CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
const sha = (c: string): string => c.repeat(64);

describe("documents:AnchorDocument", () => {
  it("anchors a certificate to a lot by its manufacturer and lists it", async () => {
    const world = await lotWorld(1);
    const subject = { type: "lot", gtin: GTIN, lot: LOT };
    const record = await world.manufacturer.submit("documents:AnchorDocument", { sha256: sha("1"), cid: CID, kind: "CERTIFICATE_OF_ANALYSIS", subject });
    expect(record).to.include({ sha256: sha("1"), cid: CID, anchoredBy: MFR, encrypted: false });
    expect(world.net.ledger(SOURCE).lastEvent()?.payload).to.include({ type: "DocumentAnchored", kind: "CERTIFICATE_OF_ANALYSIS" });
    await world.manufacturer.submit("documents:AnchorDocument", { sha256: sha("0"), cid: CID, kind: "OTHER", subject, encrypted: true });
    const list = await world.regulator.submit<{ sha256: string }[]>("documents:ListDocuments", subject);
    expect(list.map((d) => d.sha256)).to.deep.equal([sha("0"), sha("1")]);
    expect(await world.regulator.submit("documents:ListDocuments", { type: "product", gtin: GTIN })).to.deep.equal([]);
  });

  it("anchors shipment documents by shipper or consignee, pack documents by holder or manufacturer, anything by the regulator", async () => {
    const world = await lotWorld(1);
    await deliverToDistributor(world, "S", ["SN000000"]);
    const shipment = { type: "shipment", shipmentId: "S" };
    await world.distributor.submit("documents:AnchorDocument", { sha256: sha("2"), cid: CID, kind: "TEMPERATURE_LOG", subject: shipment });
    await world.manufacturer.submit("documents:AnchorDocument", { sha256: sha("3"), cid: CID, kind: "TRANSACTION_STATEMENT", subject: shipment });
    const pack = { type: "pack", ...refs(["SN000000"])[0] };
    await world.distributor.submit("documents:AnchorDocument", { sha256: sha("4"), cid: CID, kind: "OTHER", subject: pack });
    await world.manufacturer.submit("documents:AnchorDocument", { sha256: sha("5"), cid: CID, kind: "OTHER", subject: pack });
    const product = await world.regulator.submit("documents:AnchorDocument", { sha256: sha("6"), cid: CID, kind: "RECALL_NOTICE", subject: { type: "product", gtin: GTIN } });
    expect(product.anchoredBy).to.equal(REG);
    expect((await world.regulator.submit("documents:ListDocuments", shipment)).map((d: { anchoredBy: string }) => d.anchoredBy)).to.deep.equal([DIST, MFR]);
  });

  it("rejects an org unrelated to the subject", async () => {
    const world = await lotWorld(1);
    await expectError(world.distributor.submit("documents:AnchorDocument", { sha256: sha("1"), cid: CID, kind: "OTHER", subject: { type: "product", gtin: GTIN } }), "FORBIDDEN");
  });

  it("rejects anchoring the same hash to the same subject twice", async () => {
    const world = await lotWorld(1);
    const body = { sha256: sha("1"), cid: CID, kind: "OTHER", subject: { type: "product", gtin: GTIN } };
    await world.manufacturer.submit("documents:AnchorDocument", body);
    await expectError(world.manufacturer.submit("documents:AnchorDocument", body), "ALREADY_EXISTS", "sha256");
  });

  it("rejects a subject that does not exist", async () => {
    const world = await lotWorld(1);
    await expectError(world.regulator.submit("documents:AnchorDocument", { sha256: sha("1"), cid: CID, kind: "OTHER", subject: { type: "shipment", shipmentId: "NOPE" } }), "NOT_FOUND", "subject.shipmentId");
    await expectError(world.regulator.submit("documents:ListDocuments", { type: "pack", gtin: GTIN, serial: "NOPE" }), "NOT_FOUND", "subject.serial");
  });

  it("names malformed hashes, CIDs, kinds and subjects", async () => {
    const world = await lotWorld(1);
    const base = { sha256: sha("1"), cid: CID, kind: "OTHER", subject: { type: "product", gtin: GTIN } };
    const anchor = (override: Record<string, unknown>): Promise<unknown> => world.manufacturer.submit("documents:AnchorDocument", { ...base, ...override });
    await expectError(anchor({ sha256: sha("G") }), "INVALID_ARGUMENT", "sha256");
    await expectError(anchor({ cid: "Qm123" }), "INVALID_ARGUMENT", "cid");
    await expectError(anchor({ kind: "invoice" }), "INVALID_ARGUMENT", "kind");
    await expectError(anchor({ subject: { type: "pallet" } }), "INVALID_ARGUMENT", "subject.type");
    await expectError(anchor({ subject: { type: "lot", gtin: GTIN } }), "INVALID_ARGUMENT", "subject.lot");
    await expectError(anchor({ encrypted: "no" }), "INVALID_ARGUMENT", "encrypted");
  });
});

describe("documents:PutDocumentKey, GetDocumentKey and PurgeDocumentKey", () => {
  const KEY = Buffer.alloc(32, 7).toString("base64");

  it("keeps a document key in the caller's implicit collection, readable by that org only, never on the channel", async () => {
    const world = await lotWorld(1);
    const stored = await world.manufacturer.submitWithTransient("documents:PutDocumentKey", { key: KEY }, CID);
    expect(stored.cid).to.equal(CID);
    expect(await world.quality.submit("documents:GetDocumentKey", CID)).to.deep.equal({ cid: CID, key: KEY });
    await expectError(world.distributor.submit("documents:GetDocumentKey", CID), "NOT_FOUND", "cid");
    const ledger = world.net.ledger(SOURCE);
    expect([...ledger.state.values()].some((v) => new TextDecoder().decode(v).includes(KEY))).to.equal(false);
    expect(JSON.stringify(ledger.lastEvent()?.payload)).not.to.include(KEY);
    expect(ledger.lastEvent()?.name).to.equal("DocumentKeyStored");
  });

  it("purges the key so the document can no longer be decrypted", async () => {
    const world = await lotWorld(1);
    await world.manufacturer.submitWithTransient("documents:PutDocumentKey", { key: KEY }, CID);
    const purged = await world.manufacturer.submit("documents:PurgeDocumentKey", CID);
    expect(purged.cid).to.equal(CID);
    expect(world.net.ledger(SOURCE).lastEvent()?.name).to.equal("DocumentKeyPurged");
    await expectError(world.manufacturer.submit("documents:GetDocumentKey", CID), "NOT_FOUND", "cid");
    await expectError(world.manufacturer.submit("documents:PurgeDocumentKey", CID), "NOT_FOUND", "cid");
  });

  it("does not let another org read or purge the key", async () => {
    const world = await lotWorld(1);
    await world.manufacturer.submitWithTransient("documents:PutDocumentKey", { key: KEY }, CID);
    await expectError(world.regulator.submit("documents:PurgeDocumentKey", CID), "NOT_FOUND", "cid");
    await expectError(world.regulator.submit("documents:GetDocumentKey", CID), "NOT_FOUND", "cid");
    expect(await world.manufacturer.submit("documents:GetDocumentKey", CID)).to.deep.equal({ cid: CID, key: KEY });
  });

  it("rejects storing a second key for the same document", async () => {
    const world = await lotWorld(1);
    await world.manufacturer.submitWithTransient("documents:PutDocumentKey", { key: KEY }, CID);
    await expectError(world.manufacturer.submitWithTransient("documents:PutDocumentKey", { key: KEY }, CID), "ALREADY_EXISTS", "cid");
  });

  it("rejects a key that is missing, not base64 or not 32 bytes, and a malformed CID", async () => {
    const world = await lotWorld(1);
    await expectError(world.manufacturer.submit("documents:PutDocumentKey", CID), "INVALID_ARGUMENT", "key");
    await expectError(world.manufacturer.submitWithTransient("documents:PutDocumentKey", { key: "not base64!" }, CID), "INVALID_ARGUMENT", "key");
    await expectError(world.manufacturer.submitWithTransient("documents:PutDocumentKey", { key: Buffer.alloc(16).toString("base64") }, CID), "INVALID_ARGUMENT", "key");
    await expectError(world.manufacturer.submitWithTransient("documents:PutDocumentKey", { key: KEY }, "Qm1"), "INVALID_ARGUMENT", "cid");
  });

  it("rejects an org that is not a partner on the channel", async () => {
    const world = await lotWorld(1);
    await expectError(world.pharmacy.on(SOURCE).submitWithTransient("documents:PutDocumentKey", { key: KEY }, CID), "FORBIDDEN");
  });
});
