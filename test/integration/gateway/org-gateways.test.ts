/**
 * One gateway process per org on the real network, as npm start runs them:
 * each answers its own org's keys only, a pack travels from the
 * manufacturer's gateway to the pharmacy's, a manufacturer's recall made
 * through the manufacturer's gateway answers dist-pharm pending and reaches
 * dist-pharm through the regulator's gateway alone (its listener sees the
 * recall and its outbox relays it), and the regulator's gateway still reads
 * the audit timeline across both channels.
 */
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { parseKeyFile } from "../../../gateway/src/auth/api-keys.js";
import { eventually } from "../../../support/fabric-client.js";
import { refrigeratedProduct } from "../../../support/fixtures.js";
import { call, freshGtin, futureExpiry, startOrgGateways, type OrgGateway } from "../../../support/gateway-harness.js";

describe("one gateway per org on the real network", function () {
  this.timeout(240_000);
  let gws: Record<string, OrgGateway> = {};
  const gtin = freshGtin();
  const run = `G${Date.now().toString(36).toUpperCase()}`;
  const lot = `L${run}`;
  const expiry = futureExpiry();
  const serial = `P${run}`;

  const gw = (org: string): OrgGateway => {
    const g = gws[org];
    if (!g) throw new Error(`no ${org} gateway`);
    return g;
  };
  const key = (org: string, who: string): string => {
    const k = gw(org).keys[who];
    if (!k) throw new Error(`create-keys issued no key for ${who} at the ${org} gateway`);
    return k;
  };

  before(async function () {
    // Four processes compiling the gateway at once: slow on a loaded machine.
    this.timeout(600_000);
    gws = await startOrgGateways();
  });
  after(async () => {
    await Promise.all(Object.values(gws).map((g) => g.close()));
  });

  it("runs four processes on four ports, each with a key file of its own org's users only", () => {
    expect(new Set(Object.values(gws).map((g) => g.url)).size).to.equal(4);
    expect(new Set(Object.values(gws).map((g) => g.child.pid)).size).to.equal(4);
    for (const g of Object.values(gws)) {
      const owners = new Set(parseKeyFile(JSON.parse(readFileSync(g.keysFile, "utf8"))).keys.map((k) => k.mspId));
      expect([...owners], g.org).to.have.length(1);
      expect(Object.keys(g.keys).every((who) => who.startsWith(`${[...owners][0]}/`))).to.equal(true);
    }
  });

  it("answers each org's key at its own gateway and 401 to another org's key, so the distributor's gateway cannot act as the manufacturer", async () => {
    for (const [org, who] of [
      ["manufacturer", "ManufacturerMSP/operator"],
      ["distributor", "DistributorMSP/operator"],
      ["pharmacy", "PharmacyMSP/pharmacist"],
      ["regulator", "RegulatorMSP/auditor"],
    ] as const) {
      const res = await call(gw(org), "GET", "/v1/whoami", key(org, who));
      expect(res.status, org).to.equal(200);
      expect(res.body.mspId).to.equal(who.split("/")[0]);
    }
    const manufacturerKey = key("manufacturer", "ManufacturerMSP/operator");
    expect((await call(gw("distributor"), "GET", "/v1/whoami", manufacturerKey)).status).to.equal(401);
    const forged = await call(gw("distributor"), "POST", "/v1/products", manufacturerKey, refrigeratedProduct(gtin));
    expect(forged.status).to.equal(401);
  });

  it("carries a pack from the manufacturer's gateway to the pharmacy's, each step through its own org's gateway", async () => {
    const packs = [{ gtin, serial }];
    const steps: [string, string, string, string, unknown][] = [
      ["manufacturer", "POST", "/v1/products", "ManufacturerMSP/operator", refrigeratedProduct(gtin)],
      ["manufacturer", "POST", "/v1/lots", "ManufacturerMSP/operator", { gtin, lot, expiry, serials: [serial] }],
      ["manufacturer", "POST", "/v1/shipments", "ManufacturerMSP/operator", { shipmentId: `GM-${run}`, consignee: "DistributorMSP", packs }],
      ["distributor", "POST", `/v1/shipments/GM-${run}/receive`, "DistributorMSP/operator", { packs }],
      ["distributor", "POST", "/v1/handoffs", "DistributorMSP/operator", { packs }],
      ["distributor", "POST", "/v1/shipments", "DistributorMSP/operator", { shipmentId: `GD-${run}`, consignee: "PharmacyMSP", packs }],
      ["pharmacy", "POST", `/v1/shipments/GD-${run}/receive`, "PharmacyMSP/pharmacist", { packs }],
    ];
    let minBlock: string | undefined;
    for (const [org, method, url, who, body] of steps) {
      const res = await call(gw(org), method, url, key(org, who), body, minBlock ? { "x-min-block": minBlock } : {});
      expect(res.status, `${org} ${url}: ${JSON.stringify(res.body)}`).to.be.oneOf([200, 201]);
      minBlock = res.headers.get("x-ledger-block") ?? undefined;
      if (minBlock?.includes(",")) minBlock = undefined;
    }
    const scan = await call(gw("pharmacy"), "GET", `/v1/verify?gtin=${gtin}&serial=${serial}&lot=${lot}&expiry=${expiry}`, key("pharmacy", "PharmacyMSP/pharmacist"));
    expect(scan.status, JSON.stringify(scan.body)).to.equal(200);
    expect(scan.body.verified).to.equal(true);
  });

  it("answers a recall at the manufacturer's gateway with dist-pharm pending, and the regulator's gateway relays it until the pharmacy's scan says RECALLED", async () => {
    const res = await call(gw("manufacturer"), "POST", `/v1/lots/${gtin}/${lot}/recall`, key("manufacturer", "ManufacturerMSP/quality"), { reason: "sterility failure" });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.commits.map((c: { channel: string }) => c.channel)).to.deep.equal(["mfr-dist"]);
    expect(res.body.pending.map((p: { channel: string; transaction: string }) => [p.channel, p.transaction])).to.deep.equal([["dist-pharm", "crosschannel:SyncRecall"]]);

    const verdict = await eventually(async () => {
      const scan = await call(gw("pharmacy"), "GET", `/v1/verify?gtin=${gtin}&serial=${serial}&lot=${lot}&expiry=${expiry}`, key("pharmacy", "PharmacyMSP/pharmacist"));
      if (scan.body.verified) throw new Error("the pharmacy still verifies the pack");
      return scan.body as { verified: boolean; reason?: string };
    }, 90_000);
    expect(verdict).to.deep.include({ verified: false, reason: "RECALLED" });
  });

  it("reads the pack's audit timeline across both channels at the regulator's gateway", async () => {
    const timeline = await eventually(async () => {
      const res = await call(gw("regulator"), "GET", `/v1/audit/packs/${gtin}/${serial}/timeline`, key("regulator", "RegulatorMSP/auditor"));
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const entries = (res.body as { entries: { channel: string }[] }).entries;
      const channels = new Set(entries.map((e) => e.channel));
      if (channels.size < 2) throw new Error(`timeline spans ${[...channels].join(", ")} only so far`);
      return entries;
    }, 60_000);
    expect(new Set(timeline.map((e) => e.channel))).to.deep.equal(new Set(["mfr-dist", "dist-pharm"]));
  });
});
