import { expect } from "chai";
import { GatewayError } from "../../gateway/src/errors.js";
import { subjectsOf } from "../../gateway/src/events/subjects.js";
import { epcisDocument } from "../../gateway/src/services/epcis.js";
import { buildTestApp, KEYS, type TestApp } from "./support/app.js";

const GTIN = "09521234543213";
const PACKS = [
  { gtin: GTIN, serial: "SN1" },
  { gtin: GTIN, serial: "SN2" },
];
const SCANS = PACKS.map((p) => ({ ...p, lot: "LOT1", expiry: "281200" }));
const RETURN = { returnId: "RMA-1", pharmacy: "PharmacyMSP", distributor: "DistributorMSP", reason: "overstock", packs: PACKS, status: "IN_TRANSIT", shippedAt: "2026-03-01T10:00:00Z", shippedTxId: "t1" };
const json = (key: string) => ({ "x-api-key": key, "content-type": "application/json" });

describe("POST /v1/returns (ship a return)", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
    t.ledger.on("returns:ShipReturn", (call) => ({ ...RETURN, ...JSON.parse(call.args?.[0] ?? "") }));
  });
  afterEach(async () => t.close());

  it("ships the pharmacy's packs back on dist-pharm, endorsed by the pharmacy, the distributor and the regulator", async () => {
    const res = await t.app.inject({ method: "POST", url: "/v1/returns", headers: json(KEYS.pharmacy), payload: { returnId: "RMA-1", distributor: "DistributorMSP", packs: PACKS, reason: "overstock" } });
    expect(res.statusCode).to.equal(201);
    expect(res.json().result).to.include({ returnId: "RMA-1", status: "IN_TRANSIT" });
    const [s] = t.ledger.submitted("returns:ShipReturn");
    expect(s?.call.channel).to.equal("dist-pharm");
    expect(s?.call.endorsingOrganizations).to.deep.equal(["PharmacyMSP", "DistributorMSP", "RegulatorMSP"]);
    expect(JSON.parse(s?.call.args?.[0] ?? "")).to.deep.equal({ returnId: "RMA-1", distributor: "DistributorMSP", packs: PACKS, reason: "overstock" });
  });

  it("refuses a distributor, a manufacturer and the regulator with 403 before anything reaches the ledger", async () => {
    for (const key of [KEYS.distributor, KEYS.manufacturer, KEYS.regulator]) {
      const res = await t.app.inject({ method: "POST", url: "/v1/returns", headers: json(key), payload: { returnId: "R", distributor: "DistributorMSP", packs: PACKS, reason: "r" } });
      expect(res.statusCode).to.equal(403);
    }
    expect(t.ledger.calls).to.have.length(0);
  });

  it("refuses bad input with 400 naming the field, and nothing reaches the ledger", async () => {
    const send = (payload: unknown) => t.app.inject({ method: "POST", url: "/v1/returns", headers: json(KEYS.pharmacy), payload: payload as Record<string, unknown> });
    const cases: [unknown, string][] = [
      [{ returnId: "R", distributor: "DistributorMSP", packs: [{ gtin: "123", serial: "SN1" }], reason: "r" }, "packs.0.gtin"],
      [{ returnId: "R R", distributor: "DistributorMSP", packs: PACKS, reason: "r" }, "returnId"],
      [{ returnId: "R", distributor: "DistributorMSP", packs: PACKS, reason: "" }, "reason"],
      [{ returnId: "R", distributor: "DistributorMSP", packs: [], reason: "r" }, "packs"],
      [{ returnId: "R", distributor: "DistributorMSP", packs: PACKS }, "reason"],
    ];
    for (const [payload, field] of cases) {
      const res = await send(payload);
      expect(res.statusCode, JSON.stringify(payload)).to.equal(400);
      expect(res.json().field, JSON.stringify(payload)).to.equal(field);
    }
    const manufacturer = await send({ returnId: "R", distributor: "ManufacturerMSP", packs: PACKS, reason: "r" });
    expect(manufacturer.statusCode).to.equal(400);
    expect(manufacturer.json().field).to.equal("distributor");
    expect(t.ledger.calls).to.have.length(0);
  });
});

describe("POST /v1/returns/{id}/verify, GET /v1/returns", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
    t.ledger
      .on("returns:GetReturn", (call) => {
        if (call.channel !== "dist-pharm" || call.args?.[0] !== "RMA-1") throw new GatewayError("NOT_FOUND", "return not found");
        return RETURN;
      })
      .on("returns:VerifyReturn", () => ({ ...RETURN, status: "VERIFIED" }))
      .on("returns:ListReturns", (call) => ({ returns: [RETURN], bookmark: call.args?.[1] === "" ? "next" : "" }));
  });
  afterEach(async () => t.close());

  it("verifies on the return's channel, endorsed by both parties and the regulator, the scans and failure action as sent", async () => {
    const res = await t.app.inject({ method: "POST", url: "/v1/returns/RMA-1/verify", headers: json(KEYS.distributor), payload: { packs: SCANS, onFailure: "DESTROY" } });
    expect(res.statusCode).to.equal(200);
    expect(res.json().result.status).to.equal("VERIFIED");
    const [s] = t.ledger.submitted("returns:VerifyReturn");
    expect(s?.call.channel).to.equal("dist-pharm");
    expect(s?.call.endorsingOrganizations).to.deep.equal(["DistributorMSP", "PharmacyMSP", "RegulatorMSP"]);
    expect(JSON.parse(s?.call.args?.[0] ?? "")).to.deep.equal({ returnId: "RMA-1", packs: SCANS, onFailure: "DESTROY" });
  });

  it("refuses the pharmacy with 403, an unknown failure action and a scan without its expiry with 400", async () => {
    expect((await t.app.inject({ method: "POST", url: "/v1/returns/RMA-1/verify", headers: json(KEYS.pharmacy), payload: { packs: SCANS } })).statusCode).to.equal(403);
    const burn = await t.app.inject({ method: "POST", url: "/v1/returns/RMA-1/verify", headers: json(KEYS.distributor), payload: { packs: SCANS, onFailure: "BURN" } });
    expect([burn.statusCode, burn.json().field]).to.deep.equal([400, "onFailure"]);
    const noExpiry = await t.app.inject({ method: "POST", url: "/v1/returns/RMA-1/verify", headers: json(KEYS.distributor), payload: { packs: [{ gtin: GTIN, serial: "SN1", lot: "LOT1" }] } });
    expect([noExpiry.statusCode, noExpiry.json().field]).to.deep.equal([400, "packs.0.expiry"]);
    expect(t.ledger.submitted("returns:VerifyReturn")).to.have.length(0);
  });

  it("answers 404 for an unknown return", async () => {
    const res = await t.app.inject({ method: "GET", url: "/v1/returns/NOPE", headers: json(KEYS.regulator) });
    expect(res.statusCode).to.equal(404);
  });

  it("lets the regulator read a return and page through the channel's returns", async () => {
    const one = await t.app.inject({ method: "GET", url: "/v1/returns/RMA-1", headers: json(KEYS.regulator) });
    expect(one.json()).to.deep.equal({ channel: "dist-pharm", result: RETURN });
    const page = await t.app.inject({ method: "GET", url: "/v1/returns?channel=dist-pharm&pageSize=10", headers: json(KEYS.regulator) });
    expect(page.statusCode).to.equal(200);
    expect(page.json()).to.deep.equal({ channel: "dist-pharm", result: { returns: [RETURN], bookmark: "next" } });
    const [list] = t.ledger.calls.filter((c) => c.call.transaction === "returns:ListReturns");
    expect(list?.call.args).to.deep.equal(["10", ""]);
    const tooBig = await t.app.inject({ method: "GET", url: "/v1/returns?channel=dist-pharm&pageSize=1000", headers: json(KEYS.regulator) });
    expect([tooBig.statusCode, tooBig.json().field]).to.deep.equal([400, "pageSize"]);
  });
});

describe("a return in events and EPCIS", () => {
  it("names the packs of a return's events as their subjects", () => {
    expect(subjectsOf({ eventName: "ReturnShipped", payload: { returnId: "R", pharmacy: "P", distributor: "D", packs: PACKS, count: 2 } })).to.deep.equal(PACKS);
    const verified = { returnId: "R", pharmacy: "P", distributor: "D", resaleable: [PACKS[0]], quarantined: [], destroyed: [PACKS[1]] };
    expect(subjectsOf({ eventName: "ReturnVerified", payload: verified })).to.deep.equal(PACKS);
  });

  it("exports the return as shipping with disposition returned and the check as receiving, each under its RMA", () => {
    const entry = (txId: string, event: string, payload: Record<string, unknown>) => ({
      channel: "dist-pharm" as const,
      txId,
      blockNumber: 9,
      timestamp: "2026-03-02T10:00:00.000Z",
      org: event === "ReturnShipped" ? "PharmacyMSP" : "DistributorMSP",
      event,
      subjects: PACKS,
      payload,
    });
    const shipped = entry("t1", "ReturnShipped", { returnId: "RMA-1", pharmacy: "PharmacyMSP", distributor: "DistributorMSP", packs: PACKS, count: 2 });
    const checked = entry("t2", "ReturnVerified", { returnId: "RMA-1", pharmacy: "PharmacyMSP", distributor: "DistributorMSP", resaleable: [PACKS[0]], quarantined: [], destroyed: [PACKS[1]] });
    const events = (serial: string) =>
      (epcisDocument([shipped, checked], { type: "pack", gtin: GTIN, serial }, new Date()) as { epcisBody: { eventList: Record<string, unknown>[] } }).epcisBody.eventList;
    const [ship, resale] = events("SN1");
    expect(ship).to.deep.include({ action: "OBSERVE", bizStep: "shipping", disposition: "returned", bizTransactionList: [{ type: "rma", bizTransaction: "urn:rxtrace:return:RMA-1" }] });
    expect(ship?.sourceList).to.deep.equal([{ type: "owning_party", source: "urn:rxtrace:org:PharmacyMSP" }]);
    expect(ship?.destinationList).to.deep.equal([{ type: "owning_party", destination: "urn:rxtrace:org:DistributorMSP" }]);
    expect(resale).to.deep.include({ action: "OBSERVE", bizStep: "receiving", disposition: "sellable_accessible" });
    expect(events("SN2")[1]).to.deep.include({ action: "DELETE", bizStep: "receiving", disposition: "destroyed" });
  });
});
