/**
 * Ship through the manufacturer's gateway, then receive at once through the
 * distributor's gateway WITHOUT X-Min-Block, on the real network: the
 * distributor's gateway never saw the ship's block (another process wrote
 * it), yet a receive is never answered 404: 2xx, or 503 with Retry-After
 * while its peer is behind the other members' peers, and the retry after
 * Retry-After succeeds. The lag is rare by itself (about 1 pair in 20 to 40),
 * so a second spec forces it: the distributor's chaincode server is paused
 * (SIGSTOP through this network's own pid file) while a read on the
 * distributor's peer is under way and the manufacturer's gateway registers a
 * product (endorsed by the manufacturer's and the regulator's peers; a
 * shipment would need the consignee's peer), so the read misses a product
 * the channel has already committed.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { refrigeratedProduct } from "../../../support/fixtures.js";
import { call, freshGtin, futureExpiry, startOrgGateways, type OrgGateway } from "../../../support/gateway-harness.js";

/** Pairs in all, run this many at a time: concurrent commits widen the gap between the two orgs' peers. */
const PAIRS = 40;
const AT_ONCE = 5;

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
    const pair = async (i: number, serial: string): Promise<void> => {
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
    };
    for (let start = 0; start < PAIRS; start += AT_ONCE) {
      await Promise.all(serials.slice(start, start + AT_ONCE).map((serial, j) => pair(start + j, serial)));
    }
    console.log(`      first answers: ${PAIRS} receives (${AT_ONCE} at a time), ${firstAnswers.filter((s) => s === 503).length} answered 503 then 200 after Retry-After, the rest 200 at once`);
    expect(firstAnswers).to.not.include(404);
  });

  it("never answers 404 to a read of a product another org's gateway wrote while the read was under way", async () => {
    const dataDir = process.env.RXTRACE_DATA ?? path.join(import.meta.dirname, "../../../.rxtrace");
    // This network's own distributor chaincode server: the process group of the pid file scripts/network.sh wrote (its supervisor and the server).
    const chaincodeGroup = -Number(readFileSync(path.join(dataDir, "run", "chaincode-distributor.pid"), "utf8").trim());
    const outcomes: number[] = [];
    for (let round = 0; round < 3; round++) {
      const product = freshGtin();
      let read: Awaited<ReturnType<typeof call>>;
      // The read starts on the distributor's peer and waits in the paused chaincode, holding its state
      // snapshot, while the manufacturer's and the regulator's peers endorse and commit the new product;
      // the distributor's peer commits the block only once the read is answered.
      process.kill(chaincodeGroup, "SIGSTOP");
      try {
        const pending = call(gw("distributor"), "GET", `/v1/products/${product}`, distKey);
        await new Promise((resolve) => setTimeout(resolve, 300));
        const created = await call(gw("manufacturer"), "POST", "/v1/products", mfrKey, refrigeratedProduct(product));
        expect(created.status, JSON.stringify(created.body)).to.equal(201);
        process.kill(chaincodeGroup, "SIGCONT");
        read = await pending;
      } finally {
        process.kill(chaincodeGroup, "SIGCONT");
      }
      outcomes.push(read.status);
      expect(read.status, `${product}: ${JSON.stringify(read.body)}`).to.be.oneOf([200, 503]);
      if (read.status === 503) {
        const retryAfter = Number(read.headers.get("retry-after"));
        expect(retryAfter, "Retry-After").to.be.within(1, 5);
        await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
        const retried = await call(gw("distributor"), "GET", `/v1/products/${product}`, distKey);
        expect(retried.status, `${product} after Retry-After: ${JSON.stringify(retried.body)}`).to.equal(200);
      }
    }
    console.log(`      first answers to a read under way during the write: ${outcomes.join(", ")}`);
  });

  it("still answers 404 to a shipment that does not exist", async () => {
    const res = await call(gw("distributor"), "GET", `/v1/shipments/NONE-${run}`, distKey);
    expect(res.status, JSON.stringify(res.body)).to.equal(404);
  });
});
