import { expect } from "chai";
import { BinaryBitmap, Code128Reader, DecodeHintType, HybridBinarizer, RGBLuminanceSource } from "@zxing/library";
import { scannedSscc, ssccOf } from "@rxtrace/domain";
import { GatewayError } from "../../gateway/src/errors.js";
import { subjectsOf } from "../../gateway/src/events/subjects.js";
import { epcisDocument } from "../../gateway/src/services/epcis.js";
import { decodePng, scanPng } from "./labels-decode.js";
import { buildTestApp, KEYS, type TestApp } from "./support/app.js";

const GTIN = "09521234543213";
const PALLET = ssccOf("09521234000000001");
const CASE = ssccOf("09521234000000002");
const PACKS = [
  { gtin: GTIN, serial: "SN1" },
  { gtin: GTIN, serial: "SN2" },
];
const CONTAINER = {
  sscc: PALLET,
  owner: "ManufacturerMSP",
  status: "HELD",
  packs: [],
  containers: [CASE],
  level: 2,
  createdAt: "2026-03-01T10:00:00Z",
  createdBy: "ManufacturerMSP",
  updatedAt: "2026-03-01T10:00:00Z",
  updatedBy: "ManufacturerMSP",
  updatedTxId: "t1",
};
const VIEW = { ...CONTAINER, packs: [], containers: [{ ...CONTAINER, sscc: CASE, level: 1, parent: PALLET, containers: [], packs: PACKS.map((p) => ({ ...p, status: "COMMISSIONED", active: true })), packCount: 2, activeCount: 2 }], packCount: 2, activeCount: 2 };
const SHIPMENT = { shipmentId: "S1", shipper: "ManufacturerMSP", consignee: "DistributorMSP", packs: PACKS, containers: [PALLET], status: "IN_TRANSIT", shippedAt: "2026-03-01T10:00:00Z" };
const json = (key: string) => ({ "x-api-key": key, "content-type": "application/json" });

describe("POST /v1/containers/{sscc}/pack and /unpack, GET /v1/containers/{sscc}", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
    t.ledger
      .on("aggregation:Pack", () => CONTAINER)
      .on("aggregation:Unpack", () => ({ ...CONTAINER, containers: [] }))
      .on("aggregation:GetContainer", (call) => {
        if (call.channel !== "mfr-dist" || call.args?.[0] !== PALLET) throw new GatewayError("NOT_FOUND", "container not found");
        return VIEW;
      });
  });
  afterEach(async () => t.close());

  it("packs on the caller's channel, endorsed by the caller (the holder), the packs and cases as sent", async () => {
    const res = await t.app.inject({ method: "POST", url: `/v1/containers/${PALLET}/pack`, headers: json(KEYS.manufacturer), payload: { containers: [CASE] } });
    expect(res.statusCode).to.equal(200);
    expect(res.json().result).to.include({ sscc: PALLET, level: 2 });
    const [s] = t.ledger.submitted("aggregation:Pack");
    expect(s?.call.channel).to.equal("mfr-dist");
    expect(s?.call.endorsingOrganizations).to.deep.equal(["ManufacturerMSP"]);
    expect(JSON.parse(s?.call.args?.[0] ?? "")).to.deep.equal({ sscc: PALLET, containers: [CASE] });
  });

  it("asks a distributor, on two channels, which one", async () => {
    const res = await t.app.inject({ method: "POST", url: `/v1/containers/${PALLET}/pack`, headers: json(KEYS.distributor), payload: { packs: PACKS } });
    expect([res.statusCode, res.json().field]).to.deep.equal([400, "channel"]);
    const named = await t.app.inject({ method: "POST", url: `/v1/containers/${PALLET}/pack`, headers: json(KEYS.distributor), payload: { packs: PACKS, channel: "dist-pharm" } });
    expect(named.statusCode).to.equal(200);
    expect(t.ledger.submitted("aggregation:Pack")[0]?.call.channel).to.equal("dist-pharm");
  });

  it("unpacks on the channel that has the container", async () => {
    const res = await t.app.inject({ method: "POST", url: `/v1/containers/${PALLET}/unpack`, headers: json(KEYS.manufacturer), payload: {} });
    expect(res.statusCode).to.equal(200);
    const [s] = t.ledger.submitted("aggregation:Unpack");
    expect(s?.call.channel).to.equal("mfr-dist");
    expect(JSON.parse(s?.call.args?.[0] ?? "")).to.deep.equal({ sscc: PALLET });
  });

  it("refuses the regulator with 403 and a malformed SSCC or pack with 400 naming the field, before the ledger", async () => {
    expect((await t.app.inject({ method: "POST", url: `/v1/containers/${PALLET}/pack`, headers: json(KEYS.regulator), payload: { packs: PACKS } })).statusCode).to.equal(403);
    const short = await t.app.inject({ method: "POST", url: "/v1/containers/12345/pack", headers: json(KEYS.manufacturer), payload: { packs: PACKS } });
    expect([short.statusCode, short.json().field]).to.deep.equal([400, "sscc"]);
    const badChild = await t.app.inject({ method: "POST", url: `/v1/containers/${PALLET}/pack`, headers: json(KEYS.manufacturer), payload: { containers: ["1"] } });
    expect([badChild.statusCode, badChild.json().field]).to.deep.equal([400, "containers.0"]);
    const badPack = await t.app.inject({ method: "POST", url: `/v1/containers/${PALLET}/pack`, headers: json(KEYS.manufacturer), payload: { packs: [{ gtin: "1", serial: "S" }] } });
    expect([badPack.statusCode, badPack.json().field]).to.deep.equal([400, "packs.0.gtin"]);
    expect(t.ledger.submitted("aggregation:Pack")).to.have.length(0);
  });

  it("lets the regulator verify a pallet code: what it holds and whether each pack is active; 404 for an unknown one", async () => {
    const res = await t.app.inject({ method: "GET", url: `/v1/containers/${PALLET}`, headers: json(KEYS.regulator) });
    expect(res.json()).to.deep.equal({ channel: "mfr-dist", result: VIEW });
    expect((await t.app.inject({ method: "GET", url: `/v1/containers/${CASE}`, headers: json(KEYS.regulator) })).statusCode).to.equal(404);
  });

  it("draws the SSCC label as a GS1-128 barcode a scanner reads back as the SSCC, and as a Digital Link QR", async () => {
    const res = await t.app.inject({ method: "GET", url: `/v1/containers/${PALLET}/label.png`, headers: json(KEYS.manufacturer) });
    expect(res.statusCode).to.equal(200);
    expect(res.headers["content-type"]).to.equal("image/png");
    expect(decodeURIComponent(String(res.headers["x-encoded-text"]))).to.equal(`00${PALLET}`);
    const image = decodePng(res.rawPayload);
    const bitmap = new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(image.pixels, image.width, image.height)));
    const text = new Code128Reader().decode(bitmap, new Map([[DecodeHintType.TRY_HARDER, true], [DecodeHintType.ASSUME_GS1, true]])).getText();
    expect(scannedSscc(text)).to.equal(PALLET);
    const qr = await t.app.inject({ method: "GET", url: `/v1/containers/${PALLET}/label.png?format=qr`, headers: json(KEYS.manufacturer) });
    const link = scanPng(qr.rawPayload);
    expect(link).to.match(new RegExp(`/00/${PALLET}$`));
    expect(scannedSscc(link)).to.equal(PALLET);
    const svg = await t.app.inject({ method: "GET", url: `/v1/containers/${PALLET}/label.svg`, headers: json(KEYS.manufacturer) });
    expect(svg.headers["content-type"]).to.match(/svg/);
    expect((await t.app.inject({ method: "GET", url: `/v1/containers/${CASE}/label.png`, headers: json(KEYS.manufacturer) })).statusCode).to.equal(404);
  });
});

describe("a scan of an SSCC label at /v1/verify/scan", () => {
  it("answers 400 naming code and pointing to the container, asking the ledger nothing", async () => {
    const t = await buildTestApp();
    try {
      for (const code of [`(00)${PALLET}`, `https://id.gs1.org/00/${PALLET}`]) {
        const res = await t.app.inject({ method: "POST", url: "/v1/verify/scan", headers: json(KEYS.pharmacy), payload: { code } });
        expect([res.statusCode, res.json().field], code).to.deep.equal([400, "code"]);
        expect(res.json().message).to.include(`/v1/containers/${PALLET}`);
        expect(res.json().details).to.include({ part: "sscc", sscc: PALLET });
      }
      expect(t.ledger.calls).to.have.length(0);
    } finally {
      await t.close();
    }
  });
});

describe("shipping and receiving by SSCC through /v1/shipments", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
    t.ledger
      .on("shipments:Ship", () => SHIPMENT)
      .on("shipments:GetShipment", () => SHIPMENT)
      .on("shipments:Receive", () => ({ ...SHIPMENT, status: "RECEIVED" }));
  });
  afterEach(async () => t.close());

  it("ships a pallet by its code alone, endorsed by shipper and consignee", async () => {
    const res = await t.app.inject({ method: "POST", url: "/v1/shipments", headers: json(KEYS.manufacturer), payload: { shipmentId: "S1", consignee: "DistributorMSP", containers: [PALLET] } });
    expect(res.statusCode).to.equal(201);
    expect(res.json().result.containers).to.deep.equal([PALLET]);
    const [s] = t.ledger.submitted("shipments:Ship");
    expect(JSON.parse(s?.call.args?.[0] ?? "")).to.deep.equal({ shipmentId: "S1", consignee: "DistributorMSP", packs: [], containers: [PALLET] });
    expect(s?.call.endorsingOrganizations).to.deep.equal(["ManufacturerMSP", "DistributorMSP"]);
  });

  it("receives by container codes and loose packs", async () => {
    const res = await t.app.inject({ method: "POST", url: "/v1/shipments/S1/receive", headers: json(KEYS.distributor), payload: { containers: [CASE], packs: PACKS, channel: "mfr-dist" } });
    expect(res.statusCode).to.equal(200);
    const [s] = t.ledger.submitted("shipments:Receive");
    expect(JSON.parse(s?.call.args?.[0] ?? "")).to.deep.equal({ shipmentId: "S1", packs: PACKS, containers: [CASE] });
  });

  it("refuses a shipment or receipt naming neither packs nor containers, and a bad SSCC, with 400", async () => {
    const none = await t.app.inject({ method: "POST", url: "/v1/shipments", headers: json(KEYS.manufacturer), payload: { shipmentId: "S1", consignee: "DistributorMSP" } });
    expect([none.statusCode, none.json().field]).to.deep.equal([400, "packs"]);
    const bad = await t.app.inject({ method: "POST", url: "/v1/shipments", headers: json(KEYS.manufacturer), payload: { shipmentId: "S1", consignee: "DistributorMSP", containers: ["0952"] } });
    expect([bad.statusCode, bad.json().field]).to.deep.equal([400, "containers.0"]);
    const nothing = await t.app.inject({ method: "POST", url: "/v1/shipments/S1/receive", headers: json(KEYS.distributor), payload: { channel: "mfr-dist" } });
    expect([nothing.statusCode, nothing.json().field]).to.deep.equal([400, "packs"]);
    expect(t.ledger.submitted("shipments:Ship")).to.have.length(0);
    expect(t.ledger.submitted("shipments:Receive")).to.have.length(0);
  });
});

describe("aggregation in events and EPCIS", () => {
  const entry = (txId: string, event: string, payload: Record<string, unknown>) => ({
    channel: "mfr-dist" as const,
    txId,
    blockNumber: 9,
    timestamp: "2026-03-02T10:00:00.000Z",
    org: "ManufacturerMSP",
    event,
    subjects: PACKS,
    payload,
  });

  it("names the packs put in or taken out as the subjects of packing and unpacking", () => {
    expect(subjectsOf({ eventName: "ContainerPacked", payload: { sscc: CASE, owner: "ManufacturerMSP", packs: PACKS, containers: [] } })).to.deep.equal(PACKS);
    expect(subjectsOf({ eventName: "ContainerUnpacked", payload: { sscc: CASE, owner: "ManufacturerMSP", packs: [PACKS[0]], containers: [], emptied: false } })).to.deep.equal([PACKS[0]]);
  });

  it("exports packing as an AggregationEvent ADD and unpacking as DELETE, the SSCC as parentID and the packs and cases as childEPCs", () => {
    const packed = entry("t1", "ContainerPacked", { sscc: CASE, owner: "ManufacturerMSP", packs: PACKS, containers: [] });
    const palletised = entry("t2", "ContainerPacked", { sscc: PALLET, owner: "ManufacturerMSP", packs: [], containers: [CASE] });
    const unpacked = entry("t3", "ContainerUnpacked", { sscc: CASE, owner: "ManufacturerMSP", packs: [PACKS[0]], containers: [], emptied: false });
    const forged = entry("t4", "ContainerPacked", { sscc: "not-an-sscc", packs: PACKS });
    const doc = epcisDocument([packed, palletised, unpacked, forged], { type: "pack", gtin: GTIN, serial: "SN1" }, new Date()) as { epcisBody: { eventList: Record<string, unknown>[] } };
    const [add, pallet, del, ...rest] = doc.epcisBody.eventList;
    expect(rest).to.have.length(0);
    expect(add).to.deep.include({
      type: "AggregationEvent",
      action: "ADD",
      bizStep: "packing",
      parentID: "urn:epc:id:sscc:9521234.0000000002",
      childEPCs: [`https://id.gs1.org/01/${GTIN}/21/SN1`, `https://id.gs1.org/01/${GTIN}/21/SN2`],
    });
    expect(add).to.not.have.property("epcList");
    expect(pallet).to.deep.include({ parentID: "urn:epc:id:sscc:9521234.0000000001", childEPCs: ["urn:epc:id:sscc:9521234.0000000002"] });
    expect(del).to.deep.include({ type: "AggregationEvent", action: "DELETE", bizStep: "unpacking", childEPCs: [`https://id.gs1.org/01/${GTIN}/21/SN1`] });
  });

  it("exports a dispense out of a case as an AggregationEvent DELETE from the case, then the dispensing ObjectEvent", () => {
    const dispensed = entry("t5", "PackDispensed", { gtin: GTIN, serial: "SN1", container: CASE });
    const loose = entry("t6", "PackDispensed", { gtin: GTIN, serial: "SN2" });
    const doc = epcisDocument([dispensed, loose], { type: "pack", gtin: GTIN, serial: "SN1" }, new Date()) as { epcisBody: { eventList: Record<string, unknown>[] } };
    const [out, dispensing, other, ...rest] = doc.epcisBody.eventList;
    expect(rest).to.have.length(0);
    expect(out).to.deep.include({ type: "AggregationEvent", action: "DELETE", bizStep: "unpacking", parentID: "urn:epc:id:sscc:9521234.0000000002", childEPCs: [`https://id.gs1.org/01/${GTIN}/21/SN1`] });
    expect(dispensing).to.deep.include({ type: "ObjectEvent", bizStep: "dispensing", action: "DELETE" });
    expect(other).to.deep.include({ type: "ObjectEvent", bizStep: "dispensing" });
    expect(out?.eventID).to.not.equal(dispensing?.eventID);
  });
});
