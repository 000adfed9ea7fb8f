/**
 * GS1 Lightweight Messaging verification on the real network: a genuine pack
 * is verified, a recalled and a destroyed pack are not (with the standard's
 * failure reason and additional information), an unknown serial is no match,
 * a lot and expiry both wrong are named together by the chaincode's answer,
 * and a resolver request for gs1:verificationService lands on a verification.
 */
import { randomUUID } from "node:crypto";
import { expect } from "chai";
import { refrigeratedProduct } from "../../../support/fixtures.js";
import { call, freshGtin, futureExpiry, keyOf, startGateway, type Gateway } from "../../../support/gateway-harness.js";
import { orgByMsp } from "../../../gateway/src/topology.js";

describe("GS1 Lightweight Messaging verification on the real network", function () {
  this.timeout(240_000);
  const gtin = freshGtin();
  const run = Date.now().toString(36).toUpperCase();
  const goodLot = `G${run}`;
  const recalledLot = `R${run}`;
  const expiry = futureExpiry();
  const genuine = `P${run}`;
  const destroyed = `D${run}`;
  const recalled = `Q${run}`;
  const reqGLN = orgByMsp("DistributorMSP").gln;
  let gw: Gateway | undefined;
  let minBlock: string | undefined;

  // A loaded host's orderers may miss a quorum once (503): the write is retried under one Idempotency-Key, so it commits once.
  let writes = 0;
  const write = async (method: string, url: string, who: string, body: unknown) => {
    writes += 1;
    const headers: Record<string, string> = { "idempotency-key": `${run}-${writes}`, ...(minBlock ? { "x-min-block": minBlock } : {}) };
    for (let attempt = 1; ; attempt += 1) {
      const res = await call(gw as Gateway, method, url, keyOf(gw, who), body, headers);
      if (res.status !== 503 || attempt === 4) {
        expect(res.status, `${url}: ${JSON.stringify(res.body)}`).to.be.oneOf([200, 201]);
        const block = res.headers.get("x-ledger-block") ?? undefined;
        // Later calls wait for these blocks on the caller's peer, so each reads what the last wrote.
        if (block !== undefined) minBlock = block;
        return res;
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  };

  const verify = async (ser: string, lot: string, exp: string, corrUUID = randomUUID()) => {
    const res = await call(gw as Gateway, "POST", "/v1/gs1/verification", keyOf(gw, "DistributorMSP/operator"), { gtin, ser, lot, exp, reqGLN, corrUUID, context: "dscsaSaleableReturn" }, minBlock ? { "x-min-block": minBlock } : {});
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.corrUUID).to.equal(corrUUID);
    expect(res.body.responderGLN).to.equal(orgByMsp("DistributorMSP").gln);
    return res.body.data as { verified: boolean; verificationFailureReason?: string; additionalInfo?: string };
  };

  before(async () => {
    gw = await startGateway();
    await write("POST", "/v1/products", "ManufacturerMSP/operator", refrigeratedProduct(gtin));
    await write("POST", "/v1/lots", "ManufacturerMSP/operator", { gtin, lot: goodLot, expiry, serials: [genuine, destroyed] });
    await write("POST", "/v1/lots", "ManufacturerMSP/operator", { gtin, lot: recalledLot, expiry, serials: [recalled] });
    await write("POST", `/v1/lots/${gtin}/${recalledLot}/recall`, "ManufacturerMSP/quality", { reason: "sterility failure" });
    await write("POST", `/v1/packs/${gtin}/${destroyed}/decommission`, "ManufacturerMSP/operator", { reason: "DESTROYED" });
    // A recall answers its commits on several channels; wait for the last one on mfr-dist only.
    if (minBlock?.includes(",")) minBlock = minBlock.split(", ").find((b) => b.startsWith("mfr-dist:"));
  });
  after(async () => gw?.close());

  it("answers a genuine pack verified", async () => {
    expect(await verify(genuine, goodLot, expiry)).to.deep.equal({ verified: true });
  });

  it("answers a recalled pack not verified, Manufacturer_policy, with the additional information Recalled, as /v1/verify answers RECALLED", async () => {
    const data = await verify(recalled, recalledLot, expiry);
    const plain = await call(gw as Gateway, "GET", `/v1/verify?gtin=${gtin}&serial=${recalled}&lot=${recalledLot}&expiry=${expiry}`, keyOf(gw, "DistributorMSP/operator"));

    expect(data).to.deep.equal({ verified: false, verificationFailureReason: "Manufacturer_policy", additionalInfo: "Recalled" });
    expect(plain.body).to.deep.include({ verified: false, reason: "RECALLED" });
  });

  it("answers a destroyed pack not verified, Manufacturer_policy, with no additional information the standard has a code for", async () => {
    expect(await verify(destroyed, goodLot, expiry)).to.deep.equal({ verified: false, verificationFailureReason: "Manufacturer_policy" });
  });

  it("answers an unknown serial No_match_GTIN_Serial", async () => {
    expect(await verify(`X${run}`, goodLot, expiry)).to.deep.equal({ verified: false, verificationFailureReason: "No_match_GTIN_Serial" });
  });

  it("answers a wrong lot and a wrong expiry together No_match_GTIN_Serial_Lot_Expiry, from the chaincode's own answer", async () => {
    const otherExpiry = `${String(Number(expiry.slice(0, 2)) + 1).padStart(2, "0")}${expiry.slice(2)}`;

    expect(await verify(genuine, "OTHERLOT", otherExpiry)).to.deep.equal({ verified: false, verificationFailureReason: "No_match_GTIN_Serial_Lot_Expiry" });
    expect(await verify(genuine, "OTHERLOT", expiry)).to.deep.equal({ verified: false, verificationFailureReason: "No_match_GTIN_Serial_Lot" });
  });

  it("follows a resolver request for gs1:verificationService with the full Digital Link to a verification of the pack", async () => {
    const corrUUID = randomUUID();
    const query = `17=${expiry}&linkType=gs1:verificationService&context=dscsaSaleableReturn&reqGLN=${reqGLN}&corrUUID=${corrUUID}`;

    const res = await call(gw as Gateway, "GET", `/v1/gs1/resolver/01/${gtin}/10/${goodLot}/21/${genuine}?${query}`, keyOf(gw, "DistributorMSP/operator"));

    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.deep.include({ corrUUID, responderGLN: orgByMsp("DistributorMSP").gln, data: { verified: true } });
  });
});
