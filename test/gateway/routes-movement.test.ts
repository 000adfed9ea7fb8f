import { expect } from "chai";
import { GatewayError } from "../../gateway/src/errors.js";
import type { LedgerCall } from "../../gateway/src/ports/ledger.js";
import { buildTestApp, KEYS, type TestApp } from "./support/app.js";

const GTIN = "09521234543213";
const PACKS = [
  { gtin: GTIN, serial: "SN1" },
  { gtin: GTIN, serial: "SN2" },
];
const json = (key: string) => ({ "x-api-key": key, "content-type": "application/json" });
const notFound = () => {
  throw new GatewayError("NOT_FOUND", "not found");
};

describe("POST /v1/shipments (ship)", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
    t.ledger.on("shipments:Ship", (call) => ({ ...JSON.parse(call.args?.[0] ?? ""), status: "IN_TRANSIT" }));
  });
  afterEach(async () => t.close());

  it("ships from the manufacturer to the distributor on mfr-dist, endorsed by both, terms only as transient data", async () => {
    const terms = { price: "1250.00", currency: "EUR", quantity: 2, invoiceRef: "INV-7" };
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/shipments",
      headers: json(KEYS.manufacturer),
      payload: { shipmentId: "SHP-1", consignee: "DistributorMSP", packs: PACKS, terms },
    });
    expect(res.statusCode).to.equal(201);
    const [s] = t.ledger.submitted("shipments:Ship");
    expect(s?.call.channel).to.equal("mfr-dist");
    expect(s?.call.endorsingOrganizations).to.deep.equal(["ManufacturerMSP", "DistributorMSP"]);
    expect(JSON.parse(s?.call.args?.[0] ?? "")).to.deep.equal({ shipmentId: "SHP-1", consignee: "DistributorMSP", packs: PACKS });
    expect(JSON.parse(s?.call.transient?.terms ?? "")).to.deep.equal(terms);
  });

  it("ships from the distributor to the pharmacy on dist-pharm", async () => {
    await t.app.inject({ method: "POST", url: "/v1/shipments", headers: json(KEYS.distributor), payload: { shipmentId: "SHP-2", consignee: "PharmacyMSP", packs: PACKS } });
    expect(t.ledger.submitted("shipments:Ship")[0]?.call.channel).to.equal("dist-pharm");
  });

  it("refuses a shipment to the shipper itself naming the consignee", async () => {
    const res = await t.app.inject({ method: "POST", url: "/v1/shipments", headers: json(KEYS.distributor), payload: { shipmentId: "S", consignee: "DistributorMSP", packs: PACKS } });
    expect(res.statusCode).to.equal(400);
    expect(res.json().field).to.equal("consignee");
  });

  it("refuses a consignee the shipper shares no channel with", async () => {
    const res = await t.app.inject({ method: "POST", url: "/v1/shipments", headers: json(KEYS.manufacturer), payload: { shipmentId: "S", consignee: "PharmacyMSP", packs: PACKS } });
    expect(res.statusCode).to.equal(400);
    expect(res.json().message).to.equal("consignee: ManufacturerMSP and PharmacyMSP do not trade on one channel");
    expect(t.ledger.calls).to.have.length(0);
  });

  it("refuses a consignee no org of the topology has (400 naming the field), and one that is no MSP id at the schema", async () => {
    const unknown = await t.app.inject({ method: "POST", url: "/v1/shipments", headers: json(KEYS.distributor), payload: { shipmentId: "S", consignee: "Pharmacy2MSP", packs: PACKS } });
    expect(unknown.statusCode).to.equal(400);
    expect(unknown.json()).to.include({ field: "consignee" });
    expect(unknown.json().message).to.match(/^consignee: names no org of the network \(.*PharmacyMSP.*\): Pharmacy2MSP$/);
    const malformed = await t.app.inject({ method: "POST", url: "/v1/shipments", headers: json(KEYS.distributor), payload: { shipmentId: "S", consignee: "pharmacy", packs: PACKS } });
    expect(malformed.statusCode).to.equal(400);
    expect(malformed.json().field).to.equal("consignee");
    expect(t.ledger.calls).to.have.length(0);
  });

  it("refuses a price sent as a number", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/shipments",
      headers: json(KEYS.manufacturer),
      payload: { shipmentId: "S", consignee: "DistributorMSP", packs: PACKS, terms: { price: 12.5, currency: "EUR", quantity: 1, invoiceRef: "I" } },
    });
    expect(res.statusCode).to.equal(400);
    expect(res.json().field).to.equal("terms.price");
  });
});

describe("POST /v1/shipments/{id}/receive and cold chain", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
    t.ledger
      .on("shipments:GetShipment", (call) => {
        if (call.channel !== "dist-pharm") notFound();
        return { shipmentId: "SHP-2", shipper: "DistributorMSP", consignee: "PharmacyMSP", status: "IN_TRANSIT", packs: PACKS };
      })
      .on("shipments:Receive", () => ({ status: "RECEIVED" }))
      .on("coldchain:RecordReadings", () => ({ readingCount: 3 }))
      .on("coldchain:ReleaseHold", () => ({ hold: { status: "RELEASED" } }));
  });
  afterEach(async () => t.close());

  it("receives on the shipment's channel, endorsed by shipper and consignee", async () => {
    const res = await t.app.inject({ method: "POST", url: "/v1/shipments/SHP-2/receive", headers: json(KEYS.pharmacy), payload: { packs: PACKS } });
    expect(res.statusCode).to.equal(200);
    const [s] = t.ledger.submitted("shipments:Receive");
    expect(s?.call.channel).to.equal("dist-pharm");
    expect(s?.call.endorsingOrganizations).to.deep.equal(["PharmacyMSP", "DistributorMSP"]);
  });

  it("answers 404 for a shipment on none of the caller's channels", async () => {
    t.ledger.on("shipments:GetShipment", notFound);
    const res = await t.app.inject({ method: "POST", url: "/v1/shipments/NOPE/receive", headers: json(KEYS.pharmacy), payload: { packs: PACKS } });
    expect(res.statusCode).to.equal(404);
    expect(t.ledger.submitted()).to.have.length(0);
  });

  it("records a batch of readings for the shipment", async () => {
    const readings = [
      { at: 1767225600, centiCelsius: 500 },
      { at: 1767226500, centiCelsius: 620 },
      { at: 1767227400, centiCelsius: 910 },
    ];
    const res = await t.app.inject({ method: "POST", url: "/v1/shipments/SHP-2/readings", headers: json(KEYS.distributor), payload: { intervalSeconds: 900, readings } });
    expect(res.statusCode).to.equal(200);
    const [s] = t.ledger.submitted("coldchain:RecordReadings");
    expect(JSON.parse(s?.call.args?.[0] ?? "")).to.deep.equal({ shipmentId: "SHP-2", intervalSeconds: 900, readings });
  });

  it("refuses more than 5,000 readings in one call", async () => {
    const readings = Array.from({ length: 5001 }, (_, i) => ({ at: 1767225600 + i * 60, centiCelsius: 500 }));
    const res = await t.app.inject({ method: "POST", url: "/v1/shipments/SHP-2/readings", headers: json(KEYS.distributor), payload: { intervalSeconds: 60, readings } });
    expect(res.statusCode).to.equal(400);
    expect(res.json().field).to.equal("readings");
  });

  it("refuses a fractional temperature naming the reading", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/shipments/SHP-2/readings",
      headers: json(KEYS.distributor),
      payload: { intervalSeconds: 60, readings: [{ at: 1767225600, centiCelsius: 5.5 }] },
    });
    expect(res.statusCode).to.equal(400);
    expect(res.json().field).to.equal("readings.0.centiCelsius");
  });

  it("lets only the manufacturer's quality user release a hold", async () => {
    const denied = await t.app.inject({ method: "POST", url: "/v1/shipments/SHP-2/cold-chain/release", headers: json(KEYS.manufacturer), payload: { reason: "stability data" } });
    expect(denied.statusCode).to.equal(403);
  });
});

describe("POST /v1/shipments/{id}/cold-chain/downstream-decision", () => {
  const URL = "/v1/shipments/SHP-2/cold-chain/downstream-decision";
  let t: TestApp;
  let recorded: boolean;
  beforeEach(async () => {
    t = await buildTestApp();
    recorded = false;
    t.ledger
      .on("shipments:GetShipment", (call) => {
        if (call.channel !== "dist-pharm") notFound();
        return { shipmentId: "SHP-2", shipper: "DistributorMSP", consignee: "PharmacyMSP", status: "IN_TRANSIT", packs: PACKS };
      })
      .on("products:GetProduct", () => ({ gtin: PACKS[0]?.gtin, manufacturer: "ManufacturerMSP" }))
      .on("coldchain:GetColdChain", () => ({ hold: { status: "HELD" } }))
      .on("coldchain:DecideDownstreamHold", () => {
        recorded = true;
        return { decision: "destroy" };
      })
      // On the relay's peer of mfr-dist at once; dist-pharm gets it from the sync.
      .on("coldchain:GetHoldDecision", (call) => (call.channel === "mfr-dist" && recorded ? { decision: "destroy" } : notFound()))
      .on("crosschannel:SyncHoldDecision", () => ({ decision: "destroy" }))
      .on("coldchain:ApplyHoldDecision", () => ({ hold: { status: "DESTROYED" } }));
  });
  afterEach(async () => t.close());

  it("records the quality role's decision on mfr-dist and has the regulator mirror and apply it on dist-pharm", async () => {
    const res = await t.app.inject({ method: "POST", url: URL, headers: json(KEYS.quality), payload: { decision: "destroy", reason: "excursion" } });
    expect(res.statusCode, res.body).to.equal(200);
    expect(res.json().commits.map((c: { channel: string }) => c.channel)).to.deep.equal(["mfr-dist", "dist-pharm", "dist-pharm"]);
    expect(res.json().pending).to.deep.equal([]);
    expect(t.ledger.submitted().map((s) => [s.call.transaction, s.call.channel, s.as.mspId])).to.deep.equal([
      ["coldchain:DecideDownstreamHold", "mfr-dist", "ManufacturerMSP"],
      ["crosschannel:SyncHoldDecision", "dist-pharm", "RegulatorMSP"],
      ["coldchain:ApplyHoldDecision", "dist-pharm", "RegulatorMSP"],
    ]);
  });

  it("names dist-pharm as pending while the relay's SyncHoldDecision fails", async () => {
    t.ledger.on("crosschannel:SyncHoldDecision", () => {
      throw new GatewayError("CONFLICT", "cross-channel query to mfr-dist failed (500): no peer");
    });
    const res = await t.app.inject({ method: "POST", url: URL, headers: json(KEYS.quality), payload: { decision: "release", reason: "within stability data" } });
    expect(res.statusCode).to.equal(200);
    expect(res.json().commits.map((c: { channel: string }) => c.channel)).to.deep.equal(["mfr-dist"]);
    expect(res.json().pending.map((p: { channel: string; transaction: string }) => [p.channel, p.transaction])).to.deep.equal([["dist-pharm", "crosschannel:SyncHoldDecision"]]);
  });

  it("refuses the manufacturer's operator, the distributor and the regulator with 403 before anything reaches the ledger", async () => {
    for (const key of [KEYS.manufacturer, KEYS.distributor, KEYS.regulator]) {
      const res = await t.app.inject({ method: "POST", url: URL, headers: json(key), payload: { decision: "destroy", reason: "x" } });
      expect(res.statusCode).to.equal(403);
    }
    expect(t.ledger.calls).to.deep.equal([]);
  });

  it("refuses a decision other than release or destroy, naming the field", async () => {
    const res = await t.app.inject({ method: "POST", url: URL, headers: json(KEYS.quality), payload: { decision: "quarantine", reason: "x" } });
    expect(res.statusCode).to.equal(400);
    expect(res.json().field).to.equal("decision");
    expect(t.ledger.calls).to.deep.equal([]);
  });

  it("answers 409 for a shipment not on hold on dist-pharm, recording nothing", async () => {
    t.ledger.on("coldchain:GetColdChain", () => ({ hold: { status: "RELEASED" } }));
    const res = await t.app.inject({ method: "POST", url: URL, headers: json(KEYS.quality), payload: { decision: "destroy", reason: "x" } });
    expect(res.statusCode).to.equal(409);
    expect(res.json().field).to.equal("shipmentId");
    expect(t.ledger.submitted()).to.deep.equal([]);
  });
});

describe("POST /v1/handoffs (one-call cross-channel hand-off)", () => {
  let t: TestApp;
  let imported: Set<string>;
  beforeEach(async () => {
    t = await buildTestApp();
    imported = new Set();
    let handedOff = false;
    t.ledger
      .on("crosschannel:GetHandOffs", () => (handedOff ? PACKS.map(() => ({ holder: "DistributorMSP", toChannel: "dist-pharm" })) : [null, null]))
      .on("crosschannel:HandOff", () => {
        handedOff = true;
        return { handedOff: 2, toChannel: "dist-pharm" };
      })
      .on("crosschannel:ImportPacks", (call) => {
        for (const p of JSON.parse(call.args?.[0] ?? "").packs as { serial: string }[]) imported.add(p.serial);
        return { imported: 2 };
      })
      .on("packs:GetPack", (call) => {
        if (!imported.has(call.args?.[1] ?? "")) notFound();
        return { status: "RECEIVED" };
      });
  });
  afterEach(async () => t.close());

  it("hands off on mfr-dist then imports on dist-pharm through a peer on both channels", async () => {
    const res = await t.app.inject({ method: "POST", url: "/v1/handoffs", headers: json(KEYS.distributor), payload: { packs: PACKS } });
    expect(res.statusCode).to.equal(200);
    expect(res.json()).to.deep.equal({
      fromChannel: "mfr-dist",
      toChannel: "dist-pharm",
      packs: 2,
      handOff: { transactionId: "tx1", blockNumber: "1", count: 2 },
      import: { transactionId: "tx2", blockNumber: "2", count: 2 },
    });
    const order = t.ledger.submitted().map((s) => [s.call.transaction, s.call.channel, s.call.endorsingOrganizations]);
    expect(order).to.deep.equal([
      ["crosschannel:HandOff", "mfr-dist", ["DistributorMSP"]],
      ["crosschannel:ImportPacks", "dist-pharm", ["DistributorMSP", "RegulatorMSP"]],
    ]);
  });

  it("waits until the regulator's peer sees the hand-off before importing", async () => {
    let polls = 0;
    let handedOff = false;
    t.ledger
      .on("crosschannel:HandOff", () => {
        handedOff = true;
        return { handedOff: 2 };
      })
      .on("crosschannel:GetHandOffs", (call) => {
        if (!handedOff) return [null, null];
        // The regulator's peer commits the block a little later than the distributor's.
        if (call.endorsingOrganizations?.includes("RegulatorMSP") && ++polls < 3) return [null, null];
        return PACKS.map(() => ({ holder: "DistributorMSP", toChannel: "dist-pharm" }));
      });
    const res = await t.app.inject({ method: "POST", url: "/v1/handoffs", headers: json(KEYS.distributor), payload: { packs: PACKS } });
    expect(res.statusCode).to.equal(200);
    expect(polls).to.equal(3);
    const kinds = t.ledger.calls.map((c) => c.call.transaction);
    expect(kinds.lastIndexOf("crosschannel:GetHandOffs")).to.be.lessThan(kinds.indexOf("crosschannel:ImportPacks"));
  });

  it("says the hand-off committed and how to finish when the import fails", async () => {
    t.ledger.on("crosschannel:ImportPacks", () => {
      throw new GatewayError("ENDORSEMENT_FAILED", "endorsement failed: peer down", { transactionId: "tx-imp" });
    });
    const res = await t.app.inject({ method: "POST", url: "/v1/handoffs", headers: json(KEYS.distributor), payload: { packs: PACKS } });
    expect(res.statusCode).to.equal(502);
    expect(res.json().message).to.match(/hand-off committed \(tx1\) but the import failed.*repeat the request/);
    expect(res.json().details.handOffTransactionId).to.equal("tx1");
  });

  it("resumes a half-done hand-off: nothing handed off twice, only missing packs imported", async () => {
    t.ledger.on("crosschannel:GetHandOffs", () => [
      { holder: "DistributorMSP", toChannel: "dist-pharm" },
      { holder: "DistributorMSP", toChannel: "dist-pharm" },
    ]);
    imported.add("SN1");
    const res = await t.app.inject({ method: "POST", url: "/v1/handoffs", headers: json(KEYS.distributor), payload: { packs: PACKS } });
    expect(res.statusCode).to.equal(200);
    expect(res.json().handOff).to.equal(null);
    expect(t.ledger.submitted("crosschannel:HandOff")).to.have.length(0);
    const [imp] = t.ledger.submitted("crosschannel:ImportPacks");
    expect(JSON.parse(imp?.call.args?.[0] ?? "").packs).to.deep.equal([PACKS[1]]);
  });

  it("refuses packs handed off by another org with 409 naming the pack", async () => {
    t.ledger.on("crosschannel:GetHandOffs", () => [null, { holder: "RegulatorMSP", toChannel: "dist-pharm" }]);
    const res = await t.app.inject({ method: "POST", url: "/v1/handoffs", headers: json(KEYS.distributor), payload: { packs: PACKS } });
    expect(res.statusCode).to.equal(409);
    expect(res.json().field).to.equal("packs[1]");
    expect(t.ledger.submitted()).to.have.length(0);
  });

  it("is for the distributor only", async () => {
    const res = await t.app.inject({ method: "POST", url: "/v1/handoffs", headers: json(KEYS.manufacturer), payload: { packs: PACKS } });
    expect(res.statusCode).to.equal(403);
  });
});

describe("pack routes", () => {
  let t: TestApp;
  const pack = (channel: string, status: string, owner: string) => ({ gtin: GTIN, serial: "SN1", lot: "L1", expiry: "270331", status, owner, marks: [], channel });
  beforeEach(async () => {
    t = await buildTestApp();
    t.ledger
      .on("packs:GetPack", (call: LedgerCall) =>
        call.channel === "mfr-dist" ? pack("mfr-dist", "HANDED_OFF", "DistributorMSP") : pack("dist-pharm", "RECEIVED", "PharmacyMSP"),
      )
      .on("packs:SetMark", (call) => JSON.parse(call.args?.[0] ?? ""))
      .on("packs:Dispense", () => ({ verification: { verified: true } }))
      .on("packs:UndoDecommission", () => ({ status: "RECEIVED" }));
  });
  afterEach(async () => t.close());

  it("shows the live dist-pharm view of a handed-off pack, with every channel's status", async () => {
    const res = await t.app.inject({ method: "GET", url: `/v1/packs/${GTIN}/SN1`, headers: { "x-api-key": KEYS.regulator } });
    expect(res.statusCode).to.equal(200);
    expect(res.json().channel).to.equal("dist-pharm");
    expect(res.json().views).to.deep.equal([
      { channel: "mfr-dist", status: "HANDED_OFF", owner: "DistributorMSP" },
      { channel: "dist-pharm", status: "RECEIVED", owner: "PharmacyMSP" },
    ]);
  });

  it("answers 400 for a GTIN path segment that is not 14 digits", async () => {
    const res = await t.app.inject({ method: "GET", url: "/v1/packs/123/SN1", headers: { "x-api-key": KEYS.regulator } });
    expect(res.statusCode).to.equal(400);
    expect(res.json().field).to.equal("gtin");
  });

  it("lets the regulator mark a pack suspect, endorsed by the pack's owner", async () => {
    const res = await t.app.inject({ method: "POST", url: `/v1/packs/${GTIN}/SN1/marks`, headers: json(KEYS.regulator), payload: { mark: "SUSPECT", reason: "alert" } });
    expect(res.statusCode).to.equal(200);
    const [s] = t.ledger.submitted("packs:SetMark");
    expect(s?.call.channel).to.equal("dist-pharm");
    expect(s?.call.endorsingOrganizations).to.deep.equal(["PharmacyMSP"]);
  });

  it("does not let the regulator quarantine a pack", async () => {
    const res = await t.app.inject({ method: "POST", url: `/v1/packs/${GTIN}/SN1/marks`, headers: json(KEYS.regulator), payload: { mark: "QUARANTINED", reason: "x" } });
    expect(res.statusCode).to.equal(403);
    expect(t.ledger.submitted()).to.have.length(0);
  });

  it("does not let the pharmacy mark a pack illegitimate", async () => {
    const res = await t.app.inject({ method: "POST", url: `/v1/packs/${GTIN}/SN1/marks`, headers: json(KEYS.pharmacy), payload: { mark: "ILLEGITIMATE", reason: "x" } });
    expect(res.statusCode).to.equal(403);
  });

  it("refuses an unknown mark naming the field", async () => {
    const res = await t.app.inject({ method: "POST", url: `/v1/packs/${GTIN}/SN1/marks`, headers: json(KEYS.pharmacy), payload: { mark: "LOST", reason: "x" } });
    expect(res.statusCode).to.equal(400);
    expect(res.json().field).to.equal("mark");
  });

  it("dispenses on dist-pharm with the printed lot and expiry", async () => {
    const res = await t.app.inject({ method: "POST", url: `/v1/packs/${GTIN}/SN1/dispense`, headers: json(KEYS.pharmacy), payload: { lot: "L1", expiry: "270331", handedToPatient: true } });
    expect(res.statusCode).to.equal(200);
    const [s] = t.ledger.submitted("packs:Dispense");
    expect(s?.call.channel).to.equal("dist-pharm");
    expect(JSON.parse(s?.call.args?.[0] ?? "")).to.deep.equal({ gtin: GTIN, serial: "SN1", lot: "L1", expiry: "270331", handedToPatient: true });
  });

  it("passes a refused dispense (recalled lot) through as 409", async () => {
    t.ledger.on("packs:Dispense", () => {
      throw new GatewayError("CONFLICT", "verification failed: RECALLED");
    });
    const res = await t.app.inject({ method: "POST", url: `/v1/packs/${GTIN}/SN1/dispense`, headers: json(KEYS.pharmacy), payload: { lot: "L1", expiry: "270331" } });
    expect(res.statusCode).to.equal(409);
    expect(res.json().message).to.equal("verification failed: RECALLED");
  });

  it("does not let the distributor dispense", async () => {
    const res = await t.app.inject({ method: "POST", url: `/v1/packs/${GTIN}/SN1/dispense`, headers: json(KEYS.distributor), payload: { lot: "L1", expiry: "270331" } });
    expect(res.statusCode).to.equal(403);
  });

  it("undoes a dispense on the pack's live channel", async () => {
    const res = await t.app.inject({ method: "POST", url: `/v1/packs/${GTIN}/SN1/undo-decommission`, headers: json(KEYS.pharmacy), payload: {} });
    expect(res.statusCode).to.equal(200);
    expect(t.ledger.submitted("packs:UndoDecommission")[0]?.call.args).to.deep.equal([GTIN, "SN1"]);
  });

  for (const reason of ["FREE_SAMPLE", "CHECKED_OUT"]) {
    it(`decommissions a pack as ${reason} on its live channel, endorsed by its holder`, async () => {
      t.ledger.on("packs:Decommission", (call) => ({ pack: { status: (JSON.parse(call.args?.[0] ?? "") as { reason: string }).reason } }));
      const res = await t.app.inject({ method: "POST", url: `/v1/packs/${GTIN}/SN1/decommission`, headers: json(KEYS.pharmacy), payload: { reason } });
      expect(res.statusCode).to.equal(200);
      const [s] = t.ledger.submitted("packs:Decommission");
      expect(s?.call.channel).to.equal("dist-pharm");
      expect(JSON.parse(s?.call.args?.[0] ?? "")).to.deep.equal({ gtin: GTIN, serial: "SN1", reason });
    });
  }

  it("refuses a decommission reason outside the EU set (SUPPLIED is a dispense) naming the field, submitting nothing", async () => {
    for (const reason of ["SUPPLIED", "DISPENSED", "free_sample"]) {
      const res = await t.app.inject({ method: "POST", url: `/v1/packs/${GTIN}/SN1/decommission`, headers: json(KEYS.pharmacy), payload: { reason } });
      expect(res.statusCode).to.equal(400);
      expect(res.json().field).to.equal("reason");
    }
    expect(t.ledger.submitted()).to.have.length(0);
  });

  it("passes the chaincode's refusal of a free sample by a pharmacy through as 403", async () => {
    t.ledger.on("packs:Decommission", () => {
      throw new GatewayError("FORBIDDEN", "decommissioning as FREE_SAMPLE requires role Manufacturer; PharmacyMSP is Pharmacy");
    });
    const res = await t.app.inject({ method: "POST", url: `/v1/packs/${GTIN}/SN1/decommission`, headers: json(KEYS.pharmacy), payload: { reason: "FREE_SAMPLE" } });
    expect(res.statusCode).to.equal(403);
  });

  it("lets the manufacturer and the distributor undo their own decommissions, and not the regulator", async () => {
    for (const key of [KEYS.manufacturer, KEYS.distributor]) {
      const res = await t.app.inject({ method: "POST", url: `/v1/packs/${GTIN}/SN1/undo-decommission`, headers: json(key), payload: {} });
      expect(res.statusCode).to.equal(200);
    }
    expect(t.ledger.submitted("packs:UndoDecommission")).to.have.length(2);
    const res = await t.app.inject({ method: "POST", url: `/v1/packs/${GTIN}/SN1/undo-decommission`, headers: json(KEYS.regulator), payload: {} });
    expect(res.statusCode).to.equal(403);
    expect(t.ledger.submitted("packs:UndoDecommission")).to.have.length(2);
  });

  it("merges the pack's history of both channels oldest first", async () => {
    t.ledger.on("packs:GetPackHistory", (call) =>
      call.channel === "mfr-dist"
        ? [{ at: "2026-01-01T00:00:00Z", txId: "a" }, { at: "2026-01-03T00:00:00Z", txId: "c" }]
        : [{ at: "2026-01-02T00:00:00Z", txId: "b" }],
    );
    const res = await t.app.inject({ method: "GET", url: `/v1/packs/${GTIN}/SN1/history`, headers: { "x-api-key": KEYS.regulator } });
    expect(res.json().entries.map((e: { channel: string; entry: { txId: string } }) => `${e.channel}:${e.entry.txId}`)).to.deep.equal([
      "mfr-dist:a",
      "dist-pharm:b",
      "mfr-dist:c",
    ]);
  });
});
