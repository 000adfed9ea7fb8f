/**
 * The pharmacy's own gateway process answers scans from its read model of
 * its peer's committed blocks, on the real network. While a pharmacist scans
 * the pack over and over, the manufacturer's quality function recalls the
 * lot; no answer stating a dist-pharm block at or above the recall's block
 * says verified, and the read model reaches that block by itself.
 * `?consistency=ledger` answers from one evaluate on the peer.
 */
import { expect } from "chai";
import { refrigeratedProduct } from "../../../support/fixtures.js";
import { call, freshGtin, futureExpiry, keyOf, startGateway, startOrgGateways, type Gateway, type OrgGateway } from "../../../support/gateway-harness.js";

interface Scan {
  verified: boolean;
  reason?: string;
  block: bigint;
  header: string | null;
}

describe("verify read model of the pharmacy's gateway on the real network", function () {
  this.timeout(240_000);
  const gtin = freshGtin();
  const run = Date.now().toString(36).toUpperCase();
  const lot = `V${run}`;
  const expiry = futureExpiry();
  const serial = `P${run}`;
  let writer: Gateway | undefined;
  let pharmacy: OrgGateway | undefined;

  // A loaded host's orderers may miss a quorum once (503): the write is retried under one Idempotency-Key, so it commits once.
  const write = async (method: string, url: string, apiKey: string, body: unknown, headers: Record<string, string> = {}) => {
    const idempotency = { "idempotency-key": `${run}-${method}-${url}`, ...headers };
    for (let attempt = 1; ; attempt += 1) {
      const res = await call(writer as Gateway, method, url, apiKey, body, idempotency);
      if (res.status !== 503 || attempt === 4) return res;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  };

  const scan = async (query = ""): Promise<Scan & { body: { asOf: { source: string; blocks: { channel: string; block: string }[] } } }> => {
    const gw = pharmacy as OrgGateway;
    const res = await call(gw, "GET", `/v1/verify?gtin=${gtin}&serial=${serial}&lot=${lot}&expiry=${expiry}${query}`, keyOf(gw, "PharmacyMSP/pharmacist"));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    const stated = (res.body.asOf.blocks as { channel: string; block: string }[]).find((b) => b.channel === "dist-pharm");
    return { verified: res.body.verified, reason: res.body.reason, block: BigInt(stated?.block ?? "-1"), header: res.headers.get("x-ledger-block"), body: res.body };
  };

  before(async () => {
    writer = await startGateway();
    pharmacy = (await startOrgGateways(["pharmacy"])).pharmacy;
  });
  after(async () => {
    await pharmacy?.close();
    await writer?.close();
  });

  it("brings a pack to the pharmacy, and its own gateway answers verified from the read model, stating the block", async () => {
    const key = (who: string) => keyOf(writer, who);
    const packs = [{ gtin, serial }];
    const steps: [string, string, string, unknown][] = [
      ["POST", "/v1/products", key("ManufacturerMSP/operator"), refrigeratedProduct(gtin)],
      ["POST", "/v1/lots", key("ManufacturerMSP/operator"), { gtin, lot, expiry, serials: [serial] }],
      ["POST", "/v1/shipments", key("ManufacturerMSP/operator"), { shipmentId: `VM-${run}`, consignee: "DistributorMSP", packs }],
      ["POST", `/v1/shipments/VM-${run}/receive`, key("DistributorMSP/operator"), { packs }],
      ["POST", "/v1/handoffs", key("DistributorMSP/operator"), { packs }],
      ["POST", "/v1/shipments", key("DistributorMSP/operator"), { shipmentId: `VD-${run}`, consignee: "PharmacyMSP", packs }],
      ["POST", `/v1/shipments/VD-${run}/receive`, key("PharmacyMSP/pharmacist"), { packs }],
    ];
    let minBlock: string | undefined;
    for (const [method, url, apiKey, body] of steps) {
      const res = await write(method, url, apiKey, body, minBlock ? { "x-min-block": minBlock } : {});
      expect(res.status, `${url}: ${JSON.stringify(res.body)}`).to.be.oneOf([200, 201]);
      minBlock = res.headers.get("x-ledger-block") ?? undefined;
      if (minBlock?.includes(",")) minBlock = undefined;
    }
    const received = BigInt((minBlock ?? "dist-pharm:0").split(":")[1] ?? "0");
    const deadline = Date.now() + 30_000;
    let answer = await scan();
    while (answer.block < received && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer = await scan();
    }
    expect(answer.body.asOf.source).to.equal("read-model");
    expect(answer.block >= received, `read model at ${answer.block}, receipt in ${received}`).to.equal(true);
    expect(answer).to.deep.include({ verified: true, header: `dist-pharm:${answer.block.toString()}` });
  });

  it("never answers verified at or above the recall's block while the recall commits, and reaches that block", async () => {
    const scans: Scan[] = [];
    let scanning = true;
    const scanner = (async () => {
      while (scanning) scans.push(await scan());
    })();
    let recallBlock: bigint | undefined;
    try {
      const res = await write("POST", `/v1/lots/${gtin}/${lot}/recall`, keyOf(writer, "ManufacturerMSP/quality"), { reason: "sterility failure" });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const onDistPharm = (res.body.commits as { channel: string; blockNumber: string }[]).find((c) => c.channel === "dist-pharm");
      expect(onDistPharm, JSON.stringify(res.body)).to.not.equal(undefined);
      recallBlock = BigInt(onDistPharm?.blockNumber ?? "0");
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && !scans.some((s) => s.block >= (recallBlock ?? 0n))) await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      scanning = false;
      await scanner;
    }
    const atOrAbove = scans.filter((s) => s.block >= (recallBlock ?? 0n));
    expect(atOrAbove.length, `no answer reached block ${String(recallBlock)} (last ${String(scans.at(-1)?.block)})`).to.be.above(0);
    expect(atOrAbove.filter((s) => s.verified)).to.deep.equal([]);
    expect(atOrAbove.every((s) => s.reason === "RECALLED")).to.equal(true);
    // Answers below the recall's block may still say verified: they state the block they reflect.
    expect(scans.filter((s) => s.block < (recallBlock ?? 0n)).every((s) => s.verified)).to.equal(true);
    const later = await scan();
    expect(later.block >= (recallBlock ?? 0n) && !later.verified).to.equal(true);
  });

  it("answers ?consistency=ledger from the peer, stating at least the read model's block", async () => {
    const fromModel = await scan();
    const fromLedger = await scan("&consistency=ledger");
    expect(fromLedger.body.asOf.source).to.equal("ledger");
    expect(fromLedger).to.deep.include({ verified: false, reason: "RECALLED" });
    expect(fromLedger.block >= fromModel.block).to.equal(true);
    const custody = (fromLedger.body as unknown as { provenance: { custody: { channel: string; status: string }[] } }).provenance.custody;
    expect(custody.map((s) => `${s.channel}:${s.status}`)).to.deep.equal((fromModel.body as unknown as { provenance: { custody: { channel: string; status: string }[] } }).provenance.custody.map((s) => `${s.channel}:${s.status}`));
  });
});
