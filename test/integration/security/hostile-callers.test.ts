/**
 * Hostile callers on the real network, through the gateway:
 *  - a trading pair's private terms never reach another org through any GET
 *    route the gateway publishes (the members can read them, so the secret is
 *    really there);
 *  - a replayed write with the same Idempotency-Key, even sent concurrently,
 *    commits once; the same key with another body is refused.
 * (A pack edited by a non-owner org through its own peer, bypassing the
 * gateway, is refused at validation: test/integration/network/endorsement.test.ts.)
 */
import { expect } from "chai";
import { call, freshGtin, futureExpiry, startGateway, type Gateway } from "../../../support/gateway-harness.js";
import { afterPropagation } from "./support.js";

const RUN = Date.now().toString(36).toUpperCase();

describe("hostile callers on the real network", function () {
  this.timeout(600_000);
  let gw: Gateway;
  const gtin = freshGtin();
  const lot = `LH${RUN}`.slice(0, 20);
  const serials = [`HA${RUN}`.slice(0, 20), `HB${RUN}`.slice(0, 20)];
  const shipmentId = `SH-${RUN}`;
  const secret = { price: "987654.3210", currency: "EUR", quantity: 2, invoiceRef: `INV-SECRET-${RUN}` };
  const key = (who: string): string => {
    const k = gw.keys[who];
    if (!k) throw new Error(`no key for ${who}`);
    return k;
  };

  before(async () => {
    gw = await startGateway();
    const mfr = key("ManufacturerMSP/operator");
    const product = await call(gw, "POST", "/v1/products", mfr, {
      gtin, name: "Hostile-test insulin", strength: "100 U/ml", form: "solution", nationalCode: "NC-H",
      storage: { minCentiCelsius: 200, maxCentiCelsius: 800 }, limits: { minCentiCelsius: 0, maxCentiCelsius: 2500 }, stabilityBudgetMinutes: 60,
    });
    expect(product.status, JSON.stringify(product.body)).to.equal(201);
    const commissioned = await call(gw, "POST", "/v1/lots", mfr, { gtin, lot, expiry: futureExpiry(), serials });
    expect(commissioned.status, JSON.stringify(commissioned.body)).to.equal(201);
    const shipped = await afterPropagation(() => call(gw, "POST", "/v1/shipments", mfr, { shipmentId, consignee: "DistributorMSP", packs: [{ gtin, serial: serials[0] }], terms: secret }));
    expect(shipped.status, JSON.stringify(shipped.body)).to.equal(201);
  });
  after(async () => gw?.close());

  describe("private trade terms of Manufacturer and Distributor", () => {
    it("are readable by both members of the pair", async () => {
      for (const who of ["ManufacturerMSP/operator", "DistributorMSP/operator"]) {
        const res = await call(gw, "GET", `/v1/shipments/${shipmentId}/terms`, key(who));
        expect(res.status, `${who}: ${JSON.stringify(res.body)}`).to.equal(200);
        expect(JSON.stringify(res.body)).to.include(secret.invoiceRef).and.include(secret.price);
      }
    });

    it("never appear in any GET route's answer to the regulator or the pharmacy", async () => {
      const docs = await call(gw, "GET", "/docs/json");
      const values: Record<string, string> = { gtin, serial: serials[0] ?? "", lot, shipmentId };
      const gets = Object.entries(docs.body.paths as Record<string, Record<string, unknown>>)
        .filter(([path, ops]) => path.startsWith("/v1/") && "get" in ops)
        .map(([path]) => path.replace(/\{([A-Za-z0-9]+)\}/g, (_, name: string) => values[name] ?? "x"));
      const channels = ["", "?channel=mfr-dist", "?channel=dist-pharm"];
      let probes = 0;
      for (const who of ["RegulatorMSP/auditor", "RegulatorMSP/admin", "PharmacyMSP/pharmacist", "PharmacyMSP/admin"]) {
        for (const path of gets) {
          for (const query of path.includes("verify") ? [""] : channels) {
            const res = await call(gw, "GET", `${path}${query}`, key(who));
            probes += 1;
            const text = typeof res.body === "string" ? res.body : JSON.stringify(res.body);
            expect(res.status, `${who} GET ${path}${query}`).to.be.below(500);
            expect(text, `${who} GET ${path}${query} leaked the invoice`).to.not.include(secret.invoiceRef);
            expect(text, `${who} GET ${path}${query} leaked the price`).to.not.include(secret.price);
          }
        }
      }
      console.log(`      ${probes} GET probes by non-members, none leaked the terms`);
    });

    it("refuses the terms route itself to the regulator and the pharmacy", async () => {
      for (const who of ["RegulatorMSP/auditor", "PharmacyMSP/pharmacist"]) {
        const res = await call(gw, "GET", `/v1/shipments/${shipmentId}/terms`, key(who));
        expect(res.status, `${who}: ${JSON.stringify(res.body)}`).to.be.oneOf([403, 404]);
      }
    });
  });

  describe("a replayed write", () => {
    it("commits once when the same Idempotency-Key is sent five times at once, and every answer names the same transaction", async () => {
      const body = { gtin, lot: `LR${RUN}`.slice(0, 20), expiry: futureExpiry(), serials: [`RA${RUN}`.slice(0, 20)] };
      const headers = { "idempotency-key": `replay-${RUN}` };
      const answers = await Promise.all([0, 1, 2, 3, 4].map(() => call(gw, "POST", "/v1/lots", key("ManufacturerMSP/operator"), body, headers)));
      const statuses = answers.map((a) => a.status).sort();
      // One commits; the others either wait for it (409 in flight) or replay it.
      expect(statuses.filter((s) => s === 201).length, `statuses ${statuses.join(",")}`).to.be.at.least(1);
      expect(statuses.every((s) => s === 201 || s === 409), `statuses ${statuses.join(",")}`).to.be.true;
      const again = await call(gw, "POST", "/v1/lots", key("ManufacturerMSP/operator"), body, headers);
      expect(again.status).to.equal(201);
      expect(again.headers.get("idempotent-replayed")).to.equal("true");
      const txIds = new Set([...answers, again].filter((a) => a.status === 201).map((a) => String(a.body.transactionId)));
      expect([...txIds], "one transaction behind every 201").to.have.length(1);
      const packs = await call(gw, "GET", `/v1/lots/${gtin}/${body.lot}/packs?channel=mfr-dist`, key("ManufacturerMSP/operator"));
      expect(packs.status).to.equal(200);
      expect(JSON.stringify(packs.body).match(new RegExp(body.serials[0] ?? "", "g"))?.length, "the pack exists once").to.equal(1);
    });

    it("refuses the same key with a different body with 422 and commits nothing for it", async () => {
      const headers = { "idempotency-key": `reuse-${RUN}` };
      const first = await call(gw, "POST", "/v1/lots", key("ManufacturerMSP/operator"), { gtin, lot: `LU${RUN}`.slice(0, 20), expiry: futureExpiry(), serials: ["U1"] }, headers);
      expect(first.status).to.equal(201);
      const otherLot = `LV${RUN}`.slice(0, 20);
      const second = await call(gw, "POST", "/v1/lots", key("ManufacturerMSP/operator"), { gtin, lot: otherLot, expiry: futureExpiry(), serials: ["V1"] }, headers);
      expect(second.status).to.equal(422);
      expect(second.body).to.include({ code: "IDEMPOTENCY_KEY_REUSED", field: "Idempotency-Key" });
      const lookup = await call(gw, "GET", `/v1/lots/${gtin}/${otherLot}?channel=mfr-dist`, key("ManufacturerMSP/operator"));
      expect(lookup.status).to.equal(404);
    });
  });
});
