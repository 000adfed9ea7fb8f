/**
 * A manufacturer's decision on a cold-chain hold of a dist-pharm shipment, on
 * the real network, through the gateway: the packs are held on dist-pharm by
 * an excursion; the manufacturer's quality role decides "destroy"; the
 * decision is recorded on mfr-dist and the relay carries it onto dist-pharm
 * (crosschannel:SyncHoldDecision, then coldchain:ApplyHoldDecision). The
 * relay's first SyncHoldDecision fails (injected at the adapter, as the
 * CONFLICT a failed cross-channel query gives; everything else is real), so
 * the answer names dist-pharm as pending; once it heals, the pharmacy's scan
 * of the packs turns not verified, DESTROYED, without any further call.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { SqliteOutbox } from "../../../gateway/src/adapters/outbox-sqlite.js";
import { OutboxRelay } from "../../../gateway/src/services/outbox-relay.js";
import { eventually } from "../../../support/fabric-client.js";
import { refrigeratedProduct } from "../../../support/fixtures.js";
import { FailingSubmit, call, freshGtin, futureExpiry, keyOf, startGateway, type Gateway } from "../../../support/gateway-harness.js";

describe("a dist-pharm hold decided by the manufacturer through the gateway, on the real network", function () {
  this.timeout(180_000);
  const outboxDir = mkdtempSync(path.join(tmpdir(), "rxtrace-hold-outbox-it-"));
  const gtin = freshGtin();
  const run = `H${Date.now().toString(36).toUpperCase()}`;
  const lot = `L${run}`;
  const expiry = futureExpiry();
  const serials = [`A${run}`, `B${run}`];
  const packs = serials.map((serial) => ({ gtin, serial }));
  const shipmentId = `HD-${run}`;
  const sync = new FailingSubmit("crosschannel:SyncHoldDecision", "shipmentId");
  let gw: Gateway | undefined;
  const key = (who: string): string => keyOf(gw, who);
  const scan = async (serial: string) => {
    const res = await call(gw as Gateway, "GET", `/v1/verify?gtin=${gtin}&serial=${serial}&lot=${lot}&expiry=${expiry}`, key("PharmacyMSP/pharmacist"));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body as { verified: boolean; reason?: string; status?: string };
  };

  before(async () => {
    gw = await startGateway({
      wrapLedger: sync.wrap,
      relay: () => {
        const relay = new OutboxRelay(new SqliteOutbox(path.join(outboxDir, "outbox.db")), { initialDelayMs: 200, maxDelayMs: 1_000, pollMs: 100, alertAfterMs: 60_000 });
        relay.start();
        return relay;
      },
    });
  });
  after(async () => {
    await gw?.close();
    rmSync(outboxDir, { recursive: true, force: true });
  });

  it("holds the packs of a distributor-to-pharmacy shipment on dist-pharm after an excursion", async () => {
    const g = gw as Gateway;
    const mfr = key("ManufacturerMSP/operator");
    const dist = key("DistributorMSP/operator");
    const at = Math.floor(Date.now() / 1000) - 1200;
    const steps: [string, string, string, unknown][] = [
      ["POST", "/v1/products", mfr, refrigeratedProduct(gtin)],
      ["POST", "/v1/lots", mfr, { gtin, lot, expiry, serials }],
      ["POST", "/v1/shipments", mfr, { shipmentId: `HM-${run}`, consignee: "DistributorMSP", packs }],
      ["POST", `/v1/shipments/HM-${run}/receive`, dist, { packs }],
      ["POST", "/v1/handoffs", dist, { packs }],
      ["POST", "/v1/shipments", dist, { shipmentId, consignee: "PharmacyMSP", packs }],
      ["POST", `/v1/shipments/${shipmentId}/readings`, dist, { intervalSeconds: 600, readings: [{ at, centiCelsius: 4000 }], channel: "dist-pharm" }],
    ];
    let minBlock: string | undefined;
    for (const [method, url, apiKey, body] of steps) {
      const res = await call(g, method, url, apiKey, body, minBlock ? { "x-min-block": minBlock } : {});
      expect(res.status, `${url}: ${JSON.stringify(res.body)}`).to.be.oneOf([200, 201]);
      minBlock = res.headers.get("x-ledger-block") ?? undefined;
      if (minBlock?.includes(",")) minBlock = undefined;
    }
    const coldChain = await call(g, "GET", `/v1/shipments/${shipmentId}/cold-chain?channel=dist-pharm`, key("PharmacyMSP/pharmacist"));
    expect(coldChain.status, JSON.stringify(coldChain.body)).to.equal(200);
    expect(coldChain.body.result.hold.status).to.equal("HELD");
  });

  it("refuses the decision to the manufacturer's operator and to the distributor, recording nothing", async () => {
    for (const who of ["ManufacturerMSP/operator", "DistributorMSP/operator"]) {
      const res = await call(gw as Gateway, "POST", `/v1/shipments/${shipmentId}/cold-chain/downstream-decision`, key(who), { decision: "destroy", reason: "x" });
      expect(res.status, `${who}: ${JSON.stringify(res.body)}`).to.equal(403);
    }
  });

  it("answers the quality role's destroy with the mfr-dist commit and dist-pharm pending while the relay's sync fails", async () => {
    const res = await call(gw as Gateway, "POST", `/v1/shipments/${shipmentId}/cold-chain/downstream-decision`, key("ManufacturerMSP/quality"), {
      decision: "destroy",
      reason: "excursion beyond stability data",
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.commits.map((c: { channel: string }) => c.channel)).to.deep.equal(["mfr-dist"]);
    expect(res.body.pending.map((p: { channel: string; transaction: string }) => [p.channel, p.transaction])).to.deep.equal([
      ["dist-pharm", "crosschannel:SyncHoldDecision"],
    ]);
    expect(sync.refused).to.be.at.least(1);
  });

  it("once the sync heals, turns the pharmacy's scan of every held pack to not verified, DESTROYED, with no further call", async () => {
    sync.failing = false;
    for (const serial of serials) {
      const verdict = await eventually(async () => {
        const body = await scan(serial);
        if (body.status !== "DESTROYED") throw new Error(`pack ${serial} is still ${body.status ?? "unknown"}`);
        return body;
      }, 60_000);
      expect(verdict.verified).to.equal(false);
    }
    const coldChain = await call(gw as Gateway, "GET", `/v1/shipments/${shipmentId}/cold-chain?channel=dist-pharm`, key("PharmacyMSP/pharmacist"));
    expect(coldChain.body.result.hold).to.include({ status: "DESTROYED", by: "ManufacturerMSP" });
    const metrics = await call(gw as Gateway, "GET", "/metrics");
    expect(String(metrics.body)).to.not.match(/rxtrace_outbox_depth\{kind="hold-decision-sync"\}/);
  });
});
