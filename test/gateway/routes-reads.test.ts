import { expect } from "chai";
import { GatewayError } from "../../gateway/src/errors.js";
import type { LedgerCall } from "../../gateway/src/ports/ledger.js";
import { buildTestApp, KEYS, type TestApp } from "./support/app.js";

const GTIN = "09521234543213";
const notFound = (): never => {
  throw new GatewayError("NOT_FOUND", "not found");
};
const json = (key: string) => ({ "x-api-key": key, "content-type": "application/json" });

describe("read routes across channels", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
  });
  afterEach(async () => t.close());

  it("lists partners per channel for the regulator, and only dist-pharm for the pharmacy", async () => {
    t.ledger.on("partners:ListPartners", (call: LedgerCall) => [{ mspId: call.channel === "mfr-dist" ? "ManufacturerMSP" : "PharmacyMSP" }]);
    const regulator = await t.app.inject({ method: "GET", url: "/v1/partners", headers: { "x-api-key": KEYS.regulator } });
    expect(regulator.json().channels.map((c: { channel: string }) => c.channel)).to.deep.equal(["mfr-dist", "dist-pharm"]);
    const pharmacy = await t.app.inject({ method: "GET", url: "/v1/partners", headers: { "x-api-key": KEYS.pharmacy } });
    expect(pharmacy.json()).to.deep.equal({ channels: [{ channel: "dist-pharm", partners: [{ mspId: "PharmacyMSP" }] }] });
  });

  it("reads a product from the first channel that has it", async () => {
    t.ledger.on("products:GetProduct", (call) => (call.channel === "mfr-dist" ? notFound() : { gtin: GTIN, manufacturer: "ManufacturerMSP" }));
    const res = await t.app.inject({ method: "GET", url: `/v1/products/${GTIN}`, headers: { "x-api-key": KEYS.distributor } });
    expect(res.statusCode).to.equal(200);
    expect(res.json()).to.deep.equal({ channel: "dist-pharm", result: { gtin: GTIN, manufacturer: "ManufacturerMSP" } });
  });

  it("answers 404 naming both channels when no channel has the product", async () => {
    t.ledger.on("products:GetProduct", notFound);
    const res = await t.app.inject({ method: "GET", url: `/v1/products/${GTIN}`, headers: { "x-api-key": KEYS.regulator } });
    expect(res.statusCode).to.equal(404);
    expect(res.json().message).to.equal(`product ${GTIN} not found on mfr-dist or dist-pharm`);
  });

  it("reads only the channel asked for with ?channel=", async () => {
    t.ledger.on("packs:GetLot", () => ({ gtin: GTIN, lot: "L1" }));
    await t.app.inject({ method: "GET", url: `/v1/lots/${GTIN}/L1?channel=dist-pharm`, headers: { "x-api-key": KEYS.regulator } });
    expect(t.ledger.calls.map((c) => c.call.channel)).to.deep.equal(["dist-pharm"]);
  });

  it("refuses an unknown channel name naming the query field", async () => {
    const res = await t.app.inject({ method: "GET", url: `/v1/lots/${GTIN}/L1?channel=public`, headers: { "x-api-key": KEYS.regulator } });
    expect(res.statusCode).to.equal(400);
    expect(res.json().field).to.equal("channel");
  });

  it("lists a lot's packs on each channel that has them", async () => {
    t.ledger.on("packs:ListPacksByLot", (call) => (call.channel === "dist-pharm" ? notFound() : [{ serial: "S1" }]));
    const res = await t.app.inject({ method: "GET", url: `/v1/lots/${GTIN}/L1/packs`, headers: { "x-api-key": KEYS.distributor } });
    expect(res.json()).to.deep.equal({ channels: [{ channel: "mfr-dist", packs: [{ serial: "S1" }] }] });
  });

  it("reads a shipment, its terms (on the caller's own peer) and its cold chain", async () => {
    t.ledger
      .on("shipments:GetShipment", () => ({ shipmentId: "SHP-1", shipper: "ManufacturerMSP", consignee: "DistributorMSP", packs: [] }))
      .on("shipments:GetTerms", () => ({ shipmentId: "SHP-1", terms: { price: "1.00" }, hashMatches: true }))
      .on("coldchain:GetColdChain", () => ({ shipmentId: "SHP-1", readingCount: 4 }));
    const shipment = await t.app.inject({ method: "GET", url: "/v1/shipments/SHP-1", headers: { "x-api-key": KEYS.manufacturer } });
    expect(shipment.json().result.shipper).to.equal("ManufacturerMSP");
    const terms = await t.app.inject({ method: "GET", url: "/v1/shipments/SHP-1/terms", headers: { "x-api-key": KEYS.manufacturer } });
    expect(terms.json().result.hashMatches).to.equal(true);
    expect(t.ledger.calls.find((c) => c.call.transaction === "shipments:GetTerms")?.call.endorsingOrganizations).to.deep.equal(["ManufacturerMSP"]);
    const cold = await t.app.inject({ method: "GET", url: "/v1/shipments/SHP-1/cold-chain", headers: { "x-api-key": KEYS.manufacturer } });
    expect(cold.json()).to.deep.equal({ channel: "mfr-dist", result: { shipmentId: "SHP-1", readingCount: 4 } });
  });

  it("refuses a shipment id with a slash naming the path field", async () => {
    const res = await t.app.inject({ method: "GET", url: "/v1/shipments/a%2Fb", headers: { "x-api-key": KEYS.manufacturer } });
    expect(res.statusCode).to.equal(400);
    expect(res.json().field).to.equal("shipmentId");
  });
});

describe("remaining writes", () => {
  let t: TestApp;
  const pack = { gtin: GTIN, serial: "SN1", lot: "L1", expiry: "270331", status: "RECEIVED", owner: "DistributorMSP", marks: ["QUARANTINED"] };
  beforeEach(async () => {
    t = await buildTestApp();
    t.ledger
      .on("packs:GetPack", (call) => (call.channel === "dist-pharm" ? notFound() : pack))
      .on("packs:Decommission", (call) => JSON.parse(call.args?.[0] ?? ""))
      .on("packs:ClearMark", (call) => JSON.parse(call.args?.[0] ?? ""))
      .on("shipments:GetShipment", () => ({ shipmentId: "SHP-1", shipper: "ManufacturerMSP", consignee: "DistributorMSP", packs: [] }))
      .on("coldchain:DestroyHeld", () => ({ hold: { status: "DESTROYED" } }));
  });
  afterEach(async () => t.close());

  it("decommissions a pack on the channel where the distributor holds it", async () => {
    const res = await t.app.inject({ method: "POST", url: `/v1/packs/${GTIN}/SN1/decommission`, headers: json(KEYS.distributor), payload: { reason: "STOLEN" } });
    expect(res.statusCode).to.equal(200);
    const [s] = t.ledger.submitted("packs:Decommission");
    expect(s?.call.channel).to.equal("mfr-dist");
    expect(s?.call.endorsingOrganizations).to.deep.equal(["DistributorMSP"]);
    expect(JSON.parse(s?.call.args?.[0] ?? "")).to.deep.equal({ gtin: GTIN, serial: "SN1", reason: "STOLEN" });
  });

  it("refuses a decommission reason outside the list", async () => {
    const res = await t.app.inject({ method: "POST", url: `/v1/packs/${GTIN}/SN1/decommission`, headers: json(KEYS.distributor), payload: { reason: "LOST" } });
    expect(res.statusCode).to.equal(400);
    expect(res.json().field).to.equal("reason");
  });

  it("clears a quarantine mark, endorsed by the holder", async () => {
    const res = await t.app.inject({ method: "POST", url: `/v1/packs/${GTIN}/SN1/marks/QUARANTINED/clear`, headers: json(KEYS.distributor), payload: { reason: "checked" } });
    expect(res.statusCode).to.equal(200);
    const [s] = t.ledger.submitted("packs:ClearMark");
    expect(JSON.parse(s?.call.args?.[0] ?? "")).to.deep.equal({ gtin: GTIN, serial: "SN1", mark: "QUARANTINED", reason: "checked" });
    expect(s?.call.endorsingOrganizations).to.deep.equal(["DistributorMSP"]);
  });

  it("lets the manufacturer's quality user destroy held packs, endorsed by caller, shipper and consignee", async () => {
    const res = await t.app.inject({ method: "POST", url: "/v1/shipments/SHP-1/cold-chain/destroy", headers: json(KEYS.quality), payload: { reason: "excursion" } });
    expect(res.statusCode).to.equal(200);
    const [s] = t.ledger.submitted("coldchain:DestroyHeld");
    expect(s?.call.endorsingOrganizations).to.deep.equal(["ManufacturerMSP", "DistributorMSP"]);
    expect(JSON.parse(s?.call.args?.[0] ?? "")).to.deep.equal({ shipmentId: "SHP-1", reason: "excursion" });
  });

  it("refuses a partner registration that names no channel", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/partners",
      headers: json(KEYS.regulatorAdmin),
      payload: { mspId: "PharmacyMSP", name: "City Pharmacy", role: "Pharmacy" },
    });
    expect(res.statusCode).to.equal(400);
    expect(res.json().field).to.equal("channel");
  });
});
