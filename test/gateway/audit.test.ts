import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { openSqliteEventIndex } from "../../gateway/src/adapters/sqlite-event-index.js";
import { GatewayError } from "../../gateway/src/errors.js";
import type { EventIndex } from "../../gateway/src/ports/event-index.js";
import type { ChannelName } from "../../gateway/src/ports/ledger.js";
import { auditRoutes } from "../../gateway/src/routes/audit.js";
import { AuditService, shipmentEnricher } from "../../gateway/src/services/audit.js";
import { GTIN, journey, journeyLedger, PACK } from "./audit-fixtures.js";
import { pharmacy, regulator, testApp } from "./documents-fakes.js";
import { FakeLedger } from "./support/fake-ledger.js";

const channelsOf = (msp: string): readonly ChannelName[] =>
  msp === "PharmacyMSP" ? ["dist-pharm"] : msp === "ManufacturerMSP" ? ["mfr-dist"] : ["mfr-dist", "dist-pharm"];

describe("audit service", () => {
  let index: EventIndex;
  let audit: AuditService;

  beforeEach(() => {
    index = openSqliteEventIndex(":memory:");
    journey(index);
    audit = new AuditService(journeyLedger(), index, { channelsOf, maxEvents: 1000 });
  });
  afterEach(() => index.close());

  describe("pack timeline", () => {
    it("merges both channels into one timeline with tx id, block, time, org and event", async () => {
      const timeline = await audit.packTimeline(regulator, GTIN, "SN1");

      expect(timeline.map((e) => e.txId)).to.deep.equal(["t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9", "t10"]);
      expect(timeline[0]).to.include({ channel: "mfr-dist", blockNumber: 3, org: "ManufacturerMSP", event: "LotCommissioned", status: "COMMISSIONED" });
      expect(timeline[5]).to.include({ channel: "dist-pharm", blockNumber: 2, event: "PacksImported" });
      expect(timeline[9]).to.include({ event: "LotRecalled", org: "RegulatorMSP" });
    });

    it("shows a transaction the index has not seen yet without block and event", async () => {
      const timeline = await audit.packTimeline(regulator, GTIN, "SN1");

      expect(timeline.find((e) => e.txId === "t8")).to.include({ blockNumber: null, event: null, status: "RECEIVED", org: "PharmacyMSP" });
    });

    it("includes the cold-chain readings of a shipment the pack travelled in", async () => {
      const timeline = await audit.packTimeline(regulator, GTIN, "SN1");

      expect(timeline.find((e) => e.txId === "t3")).to.include({ event: "ColdChainReadingsRecorded", org: "DistributorMSP" });
    });

    it("shows an org only the channels it belongs to", async () => {
      const timeline = await audit.packTimeline(pharmacy, GTIN, "SN1");

      expect(timeline.map((e) => e.channel)).to.satisfy((cs: string[]) => cs.every((c) => c === "dist-pharm"));
      expect(timeline.map((e) => e.txId)).to.deep.equal(["t6", "t7", "t8", "t9"]);
    });

    it("answers NOT_FOUND for a pack no channel knows", async () => {
      const error = await audit.packTimeline(regulator, GTIN, "NOPE").catch((e: unknown) => e);

      expect(error).to.be.instanceOf(GatewayError).with.property("code", "NOT_FOUND");
    });
  });

  describe("lot timeline", () => {
    it("gathers the lot's own events, its packs' events and their shipments' cold chain", async () => {
      const timeline = await audit.lotTimeline(regulator, GTIN, "LOT1");

      expect(timeline.map((e) => e.txId)).to.deep.equal(["t1", "t2", "t3", "t4", "t7", "t9", "t10"]);
    });

    it("leaves out another lot of the same GTIN", async () => {
      const timeline = await audit.lotTimeline(regulator, GTIN, "LOT1");

      expect(timeline.map((e) => e.txId)).to.not.include("t11");
    });
  });

  describe("search", () => {
    it("filters by org, event type and time range over visible channels", () => {
      expect(audit.search(regulator, { org: "DistributorMSP", limit: 100 }).map((e) => e.txId)).to.deep.equal(["t3", "t4", "t5", "t6", "t7"]);
      expect(audit.search(regulator, { eventType: "ShipmentShipped", from: "2026-03-01T12:00:00.000Z", limit: 100 }).map((e) => e.txId)).to.deep.equal(["t7"]);
      expect(audit.search(pharmacy, { gtin: GTIN, limit: 100 }).every((e) => e.channel === "dist-pharm")).to.be.true;
    });

    it("rejects a channel the caller is not a member of, naming the field", () => {
      expect(() => audit.search(pharmacy, { channel: "mfr-dist", limit: 10 })).to.throw(GatewayError).with.property("field", "channel");
    });
  });
});

describe("shipment enricher", () => {
  it("names every pack of a shipment from the ledger", async () => {
    const ledger = new FakeLedger().on("shipments:GetShipment", () => ({ shipmentId: "S1", packs: [PACK, { gtin: GTIN, serial: "SN2" }] }));

    const subjects = await shipmentEnricher(ledger, regulator)({ channel: "mfr-dist", eventName: "ShipmentShipped", payload: { shipmentId: "S1" } });

    expect(subjects).to.deep.equal([{ ...PACK, shipmentId: "S1" }, { gtin: GTIN, serial: "SN2", shipmentId: "S1" }]);
  });

  it("leaves other events alone without reading the ledger", async () => {
    const ledger = new FakeLedger();

    expect(await shipmentEnricher(ledger, regulator)({ channel: "mfr-dist", eventName: "LotRecalled", payload: {} })).to.deep.equal([]);
    expect(ledger.calls).to.have.length(0);
  });
});

describe("audit routes", () => {
  let app: FastifyInstance;
  let index: EventIndex;
  const rebuilt: string[] = [];

  beforeEach(async () => {
    index = openSqliteEventIndex(":memory:");
    journey(index);
    app = testApp();
    await app.register(auditRoutes, {
      prefix: "/v1",
      audit: new AuditService(journeyLedger(), index, { channelsOf, maxEvents: 1000 }),
      listener: {
        status: () => ({ "mfr-dist": { connected: true, eventsRecorded: 8, lastBlock: 9, lastError: undefined } }),
        rebuild: async (channel) => {
          rebuilt.push(channel);
        },
      },
      now: () => new Date("2026-04-01T00:00:00Z"),
    });
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
    index.close();
  });

  it("answers a pack timeline", async () => {
    const res = await app.inject({ method: "GET", url: `/v1/audit/packs/${GTIN}/SN1/timeline`, headers: { "x-test-user": "regulator" } });

    expect(res.statusCode).to.equal(200);
    expect(res.json().entries).to.have.length(10);
  });

  it("answers 400 naming gtin for a malformed GTIN", async () => {
    const res = await app.inject({ method: "GET", url: "/v1/audit/packs/12345/SN1/timeline", headers: { "x-test-user": "regulator" } });

    expect(res.statusCode).to.equal(400);
    expect(res.json().field).to.match(/gtin/);
  });

  it("searches the index with filters", async () => {
    const res = await app.inject({ method: "GET", url: `/v1/audit/events?gtin=${GTIN}&lot=LOT1&eventType=LotRecalled`, headers: { "x-test-user": "regulator" } });

    expect(res.statusCode).to.equal(200);
    expect(res.json().events.map((e: { txId: string }) => e.txId)).to.deep.equal(["t10"]);
  });

  it("answers 400 naming from when the time is not ISO 8601", async () => {
    const res = await app.inject({ method: "GET", url: "/v1/audit/events?from=yesterday", headers: { "x-test-user": "regulator" } });

    expect(res.statusCode).to.equal(400);
    expect(res.json()).to.include({ field: "from" });
  });

  it("answers 400 naming limit when it is out of range", async () => {
    const res = await app.inject({ method: "GET", url: "/v1/audit/events?limit=5000", headers: { "x-test-user": "regulator" } });

    expect(res.statusCode).to.equal(400);
    expect(res.json()).to.include({ field: "limit" });
  });

  it("exports EPCIS 2.0 JSON-LD", async () => {
    const res = await app.inject({ method: "GET", url: `/v1/audit/packs/${GTIN}/SN1/epcis`, headers: { "x-test-user": "regulator" } });

    expect(res.statusCode).to.equal(200);
    expect(res.headers["content-type"]).to.match(/application\/ld\+json/);
    expect(res.json()).to.include({ type: "EPCISDocument", schemaVersion: "2.0", creationDate: "2026-04-01T00:00:00.000Z" });
  });

  it("lets only the regulator rebuild the index", async () => {
    const denied = await app.inject({ method: "POST", url: "/v1/audit/index/rebuild", headers: { "x-test-user": "distributor" }, payload: { channel: "mfr-dist" } });
    const accepted = await app.inject({ method: "POST", url: "/v1/audit/index/rebuild", headers: { "x-test-user": "regulator" }, payload: { channel: "mfr-dist" } });

    expect(denied.statusCode).to.equal(403);
    expect(accepted.statusCode).to.equal(202);
    expect(rebuilt).to.deep.equal(["mfr-dist"]);
  });

  it("answers 400 naming channel when rebuilding an unknown channel", async () => {
    const res = await app.inject({ method: "POST", url: "/v1/audit/index/rebuild", headers: { "x-test-user": "regulator" }, payload: { channel: "nope" } });

    expect(res.statusCode).to.equal(400);
    expect(res.json()).to.include({ field: "channel" });
  });
});

