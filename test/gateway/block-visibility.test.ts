/**
 * Reading another org's write: the block a write committed in, named in its
 * answer; a request naming the block it must see; a miss on a peer that is
 * behind answered 503, not 404.
 */
import { expect } from "chai";
import { GatewayError } from "../../gateway/src/errors.js";
import { ledgerBlockHeader, parseMinBlock } from "../../gateway/src/services/block-visibility.js";
import { buildTestApp, KEYS, type TestApp } from "./support/app.js";

const GTIN = "09521234543213";
const PACKS = [{ gtin: GTIN, serial: "SN1" }];
const json = (key: string, extra: Record<string, string> = {}) => ({ "x-api-key": key, "content-type": "application/json", ...extra });

describe("block numbers of writes and X-Min-Block", () => {
  let t: TestApp;
  let shipmentVisible: boolean;
  beforeEach(async () => {
    t = await buildTestApp({ minBlockWaitMs: 300 });
    shipmentVisible = true;
    t.ledger
      .on("shipments:Ship", () => ({ shipmentId: "S1", status: "IN_TRANSIT" }))
      .on("shipments:GetShipment", () => {
        if (!shipmentVisible) throw new GatewayError("NOT_FOUND", "shipment S1 not found", { field: "shipmentId" });
        return { shipmentId: "S1", shipper: "DistributorMSP", consignee: "PharmacyMSP", status: "IN_TRANSIT", packs: PACKS };
      })
      .on("shipments:Receive", () => ({ status: "RECEIVED" }));
  });
  afterEach(async () => t.close());

  const ship = () =>
    t.app.inject({ method: "POST", url: "/v1/shipments", headers: json(KEYS.distributor), payload: { shipmentId: "S1", consignee: "PharmacyMSP", packs: PACKS } });
  const receive = (headers: Record<string, string> = {}) =>
    t.app.inject({ method: "POST", url: "/v1/shipments/S1/receive", headers: json(KEYS.pharmacy, headers), payload: { packs: PACKS } });

  it("answers a write with its block in the body and in X-Ledger-Block", async () => {
    const res = await ship();
    expect(res.statusCode).to.equal(201);
    expect(res.headers["x-ledger-block"]).to.equal(`dist-pharm:${res.json().blockNumber}`);
  });

  it("waits for the consignee's peer to reach the named block before receiving", async () => {
    t.ledger.peerHeights.set("PharmacyMSP/dist-pharm", 7n);
    shipmentVisible = false;
    setTimeout(() => {
      t.ledger.peerHeights.set("PharmacyMSP/dist-pharm", 8n);
      shipmentVisible = true;
    }, 60);
    const res = await receive({ "x-min-block": "dist-pharm:7" });
    expect(res.statusCode, res.body).to.equal(200);
    expect(t.ledger.heightQueries.filter((q) => q === "PharmacyMSP/dist-pharm").length).to.be.greaterThan(1);
  });

  it("answers 503 with Retry-After when the peer does not reach the named block in time, and writes nothing", async () => {
    t.ledger.peerHeights.set("PharmacyMSP/dist-pharm", 3n);
    const res = await receive({ "x-min-block": "dist-pharm:9" });
    expect(res.statusCode).to.equal(503);
    expect(res.headers["retry-after"]).to.equal("1");
    expect(res.json().message).to.match(/did not reach block 9/);
    expect(t.ledger.submitted()).to.have.length(0);
  });

  it("answers a NOT_FOUND on a peer behind a block the gateway saw committed with 503, not 404", async () => {
    const shipped = await ship();
    t.ledger.heights.noteCommitted("dist-pharm", BigInt(shipped.json().blockNumber as string));
    t.ledger.peerHeights.set("PharmacyMSP/dist-pharm", BigInt(shipped.json().blockNumber as string));
    shipmentVisible = false;
    const res = await receive();
    expect(res.statusCode).to.equal(503);
    expect(res.headers["retry-after"]).to.equal("1");
    expect(res.json().code).to.equal("UNAVAILABLE");
  });

  it("keeps 404 for a NOT_FOUND on a peer that has every block the gateway knows of", async () => {
    t.ledger.heights.noteCommitted("dist-pharm", 4n);
    t.ledger.peerHeights.set("PharmacyMSP/dist-pharm", 5n);
    shipmentVisible = false;
    const res = await receive();
    expect(res.statusCode).to.equal(404);
  });

  it("answers 503, not 404, to a miss while another member's peer is ahead of the caller's, though this gateway saw no such block", async () => {
    // Shipped through another org's gateway: this one noted no commit, its listener has not seen the block.
    t.ledger.peerHeights.set("PharmacyMSP/dist-pharm", 11n);
    t.ledger.peerHeights.set("DistributorMSP/dist-pharm", 12n);
    shipmentVisible = false;

    const res = await receive();

    expect(res.statusCode, res.body).to.equal(503);
    expect(res.headers["retry-after"]).to.equal("1");
    expect(res.json()).to.include({ code: "UNAVAILABLE" });
    expect(res.json().message).to.match(/has 11 blocks of dist-pharm while block 11 is committed/);
    expect(t.ledger.submitted()).to.have.length(0);
  });

  it("keeps 404 for a miss when every other member's peer is at the caller's height", async () => {
    t.ledger.peerHeights.set("PharmacyMSP/dist-pharm", 12n);
    t.ledger.peerHeights.set("DistributorMSP/dist-pharm", 12n);
    t.ledger.peerHeights.set("RegulatorMSP/dist-pharm", 11n);
    shipmentVisible = false;

    const res = await receive();

    expect(res.statusCode, res.body).to.equal(404);
    expect(t.ledger.membersHeightQueries).to.deep.equal(["dist-pharm"]);
  });

  it("reads once more when its peer caught up between the miss and the height query, and answers what it finds", async () => {
    t.ledger.peerHeights.set("PharmacyMSP/dist-pharm", 11n);
    t.ledger.peerHeights.set("DistributorMSP/dist-pharm", 12n);
    let reads = 0;
    t.ledger.on("shipments:GetShipment", () => {
      reads += 1;
      if (reads > 1) return { shipmentId: "S1", shipper: "DistributorMSP", consignee: "PharmacyMSP", status: "IN_TRANSIT", packs: PACKS };
      // The miss happens at height 11; the peer commits block 11 before the gateway asks its height.
      t.ledger.peerHeights.set("PharmacyMSP/dist-pharm", 12n);
      throw new GatewayError("NOT_FOUND", "shipment S1 not found", { field: "shipmentId" });
    });

    const res = await t.app.inject({ method: "GET", url: "/v1/shipments/S1", headers: { "x-api-key": KEYS.pharmacy } });

    expect(res.statusCode, res.body).to.equal(200);
    expect(res.body).to.contain('"shipmentId":"S1"');
    expect(reads).to.equal(2);
  });

  it("falls back to the blocks it saw itself when no other member's peer answers", async () => {
    t.ledger.peerHeights.set("PharmacyMSP/dist-pharm", 11n);
    t.ledger.peerHeights.set("DistributorMSP/dist-pharm", 12n);
    t.ledger.silentMembers.add("DistributorMSP").add("RegulatorMSP");
    shipmentVisible = false;

    const res = await receive();

    expect(res.statusCode, res.body).to.equal(404);
    expect(t.ledger.membersHeightQueries).to.deep.equal(["dist-pharm"]);
  });

  it("asks the other members' peers nothing on a read that finds its record", async () => {
    const res = await t.app.inject({ method: "GET", url: "/v1/shipments/S1", headers: { "x-api-key": KEYS.pharmacy } });

    expect(res.statusCode, res.body).to.equal(200);
    expect(t.ledger.membersHeightQueries).to.deep.equal([]);
    expect(t.ledger.heightQueries).to.deep.equal([]);
  });

  it("refuses a malformed X-Min-Block or a channel the caller is not on with 400 naming the header", async () => {
    const bad = await receive({ "x-min-block": "dist-pharm" });
    expect(bad.statusCode).to.equal(400);
    expect(bad.json().field).to.equal("X-Min-Block");
    const foreign = await receive({ "x-min-block": "mfr-dist:3" });
    expect(foreign.statusCode).to.equal(400);
    expect(foreign.json().message).to.match(/mfr-dist is not a channel of the caller/);
  });
});

describe("block header values", () => {
  it("names the highest block per channel of a recall's commits", () => {
    const commit = (channel: string, blockNumber: string) => ({ channel, blockNumber, transactionId: "t", result: {} });
    expect(ledgerBlockHeader({ commits: [commit("mfr-dist", "9"), commit("dist-pharm", "4"), commit("mfr-dist", "12")], pending: [] })).to.equal(
      "mfr-dist:12, dist-pharm:4",
    );
    expect(ledgerBlockHeader({ channel: "mfr-dist", result: {} })).to.equal(undefined);
  });

  it("names the blocks a read states it reflects (a verification's asOf)", () => {
    const answer = { verified: true, asOf: { source: "read-model", blocks: [{ channel: "mfr-dist", block: "40" }, { channel: "dist-pharm", block: "7" }] } };
    expect(ledgerBlockHeader(answer)).to.equal("mfr-dist:40, dist-pharm:7");
    expect(ledgerBlockHeader({ verified: true, asOf: { source: "ledger", blocks: [] } })).to.equal(undefined);
  });

  it("parses several channels in one X-Min-Block", () => {
    expect(parseMinBlock("mfr-dist:3, dist-pharm:18", ["mfr-dist", "dist-pharm"])).to.deep.equal([
      { channel: "mfr-dist", block: 3n },
      { channel: "dist-pharm", block: 18n },
    ]);
  });
});

describe("a block a client names", () => {
  it("is not taken as committed, so naming a far block does not turn later misses into 503", async () => {
    const t = await buildTestApp({ minBlockWaitMs: 50 });
    try {
      t.ledger.on("shipments:GetShipment", () => {
        throw new GatewayError("NOT_FOUND", "shipment S9 not found");
      });
      t.ledger.peerHeights.set("PharmacyMSP/dist-pharm", 5n);
      const headers = { "x-api-key": KEYS.pharmacy };
      const far = await t.app.inject({ method: "GET", url: "/v1/shipments/S9", headers: { ...headers, "x-min-block": "dist-pharm:999999" } });
      expect(far.statusCode).to.equal(503);
      const later = await t.app.inject({ method: "GET", url: "/v1/shipments/S9", headers });
      expect(later.statusCode).to.equal(404);
    } finally {
      await t.close();
    }
  });
});
