/**
 * Ship, then receive at once through the consignee's peer, on the real
 * network: the receive names the ship's block (X-Min-Block from the ship's
 * X-Ledger-Block) and is never answered 404.
 */
import { expect } from "chai";
import { refrigeratedProduct } from "../../../support/fixtures.js";
import { call, freshGtin, futureExpiry, startGateway, type Gateway } from "../../../support/gateway-harness.js";

const PAIRS = 12;

describe("a write another org reads at once, on the real network", function () {
  this.timeout(300_000);
  let gw: Gateway;
  const gtin = freshGtin();
  const run = Date.now().toString(36).toUpperCase();
  const lot = `V${run}`;
  const serials = Array.from({ length: PAIRS }, (_, i) => `Y${run}${i}`);
  let mfr: string, dist: string;

  before(async () => {
    gw = await startGateway();
    mfr = gw.keys["ManufacturerMSP/operator"] ?? "";
    dist = gw.keys["DistributorMSP/operator"] ?? "";
    expect((await call(gw, "POST", "/v1/products", mfr, refrigeratedProduct(gtin))).status).to.equal(201);
    const lotRes = await call(gw, "POST", "/v1/lots", mfr, { gtin, lot, expiry: futureExpiry(), serials });
    expect(lotRes.status, JSON.stringify(lotRes.body)).to.equal(201);
  });
  after(async () => gw?.close());

  it(`receives each of ${PAIRS} shipments right after it is shipped, naming the ship's block, never with 404`, async () => {
    const statuses: number[] = [];
    for (const [i, serial] of serials.entries()) {
      const ship = await call(gw, "POST", "/v1/shipments", mfr, { shipmentId: `RYW-${run}-${i}`, consignee: "DistributorMSP", packs: [{ gtin, serial }] });
      expect(ship.status, JSON.stringify(ship.body)).to.equal(201);
      const block = ship.headers.get("x-ledger-block");
      expect(block).to.equal(`mfr-dist:${ship.body.blockNumber}`);
      const receive = await call(gw, "POST", `/v1/shipments/RYW-${run}-${i}/receive`, dist, { packs: [{ gtin, serial }] }, { "x-min-block": block ?? "" });
      statuses.push(receive.status);
    }
    expect(statuses).to.deep.equal(serials.map(() => 200));
  });

  it("answers 503 with Retry-After, not 404, when the named block is beyond the channel's height", async () => {
    const res = await call(gw, "GET", `/v1/shipments/RYW-${run}-0`, dist, undefined, { "x-min-block": "mfr-dist:999999999" });
    expect(res.status).to.equal(503);
    expect(res.headers.get("retry-after")).to.equal("1");
  });
});
