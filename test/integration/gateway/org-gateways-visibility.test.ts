/**
 * Ship through the manufacturer's gateway, then receive at once through the
 * distributor's gateway WITHOUT X-Min-Block, on the real network: the
 * distributor's gateway never saw the ship's block (another process wrote
 * it), yet a receive is never answered 404: 2xx, or 503 with Retry-After
 * while its peer is behind the other members' peers, and the retry after
 * Retry-After succeeds.
 */
import { expect } from "chai";
import { refrigeratedProduct } from "../../../support/fixtures.js";
import { call, freshGtin, futureExpiry, startOrgGateways, type OrgGateway } from "../../../support/gateway-harness.js";

const PAIRS = 20;

describe("a write through one org's gateway read at once through another's, without X-Min-Block", function () {
  this.timeout(300_000);
  let gws: Record<string, OrgGateway> = {};
  const gtin = freshGtin();
  const run = Date.now().toString(36).toUpperCase();
  const lot = `W${run}`;
  const serials = Array.from({ length: PAIRS }, (_, i) => `Z${run}${i}`);
  let mfrKey: string, distKey: string;

  const gw = (org: string): OrgGateway => {
    const g = gws[org];
    if (!g) throw new Error(`no ${org} gateway`);
    return g;
  };

  before(async function () {
    this.timeout(600_000);
    gws = await startOrgGateways(["manufacturer", "distributor"]);
    mfrKey = gw("manufacturer").keys["ManufacturerMSP/operator"] ?? "";
    distKey = gw("distributor").keys["DistributorMSP/operator"] ?? "";
    expect((await call(gw("manufacturer"), "POST", "/v1/products", mfrKey, refrigeratedProduct(gtin))).status).to.equal(201);
    const lotRes = await call(gw("manufacturer"), "POST", "/v1/lots", mfrKey, { gtin, lot, expiry: futureExpiry(), serials });
    expect(lotRes.status, JSON.stringify(lotRes.body)).to.equal(201);
  });
  after(async () => {
    await Promise.all(Object.values(gws).map((g) => g.close()));
  });

  it(`receives each of ${PAIRS} shipments right after the manufacturer's gateway shipped it, never with 404`, async () => {
    const firstAnswers: number[] = [];
    for (const [i, serial] of serials.entries()) {
      const shipmentId = `VIS-${run}-${i}`;
      const packs = [{ gtin, serial }];
      const ship = await call(gw("manufacturer"), "POST", "/v1/shipments", mfrKey, { shipmentId, consignee: "DistributorMSP", packs });
      expect(ship.status, JSON.stringify(ship.body)).to.equal(201);

      const receive = await call(gw("distributor"), "POST", `/v1/shipments/${shipmentId}/receive`, distKey, { packs });
      firstAnswers.push(receive.status);
      expect(receive.status, `${shipmentId}: ${JSON.stringify(receive.body)}`).to.be.oneOf([200, 503]);
      if (receive.status === 503) {
        const retryAfter = Number(receive.headers.get("retry-after"));
        expect(retryAfter, "Retry-After").to.be.within(1, 5);
        expect(receive.body.code).to.equal("UNAVAILABLE");
        await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
        const retried = await call(gw("distributor"), "POST", `/v1/shipments/${shipmentId}/receive`, distKey, { packs });
        expect(retried.status, `${shipmentId} after Retry-After: ${JSON.stringify(retried.body)}`).to.equal(200);
      }
    }
    console.log(`      first answers: ${PAIRS} receives, ${firstAnswers.filter((s) => s === 503).length} answered 503 then 200 after Retry-After, the rest 200 at once`);
    expect(firstAnswers).to.not.include(404);
  });

  it("still answers 404 to a shipment that does not exist", async () => {
    const res = await call(gw("distributor"), "GET", `/v1/shipments/NONE-${run}`, distKey);
    expect(res.status, JSON.stringify(res.body)).to.equal(404);
  });
});
