/**
 * The gateway against the real Fabric network: identities from API keys,
 * the whole pack journey across both channels, verification by every code
 * form, idempotent retries, chaincode errors as HTTP codes, and faults.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { FabricLedgerClient } from "../../../gateway/src/adapters/fabric.js";
import { GatewayError } from "../../../gateway/src/errors.js";
import { eventually } from "../../../support/fabric-client.js";
import { refrigeratedProduct } from "../../../support/fixtures.js";
import { call, freshGtin, futureExpiry, keysScript, startGateway, type Gateway } from "../../../support/gateway-harness.js";

const GS = "\u001d";

describe("gateway on the real network", function () {
  this.timeout(120_000);
  let gw: Gateway;
  let mfr: string, quality: string, dist: string, pharm: string, auditor: string;
  const gtin = freshGtin();
  const lot = `L${Date.now().toString(36).toUpperCase()}`;
  const expiry = futureExpiry();
  const serials = ["S1", "S2", "S3"].map((s) => `${s}${Date.now().toString(36).toUpperCase()}`);
  const packs = serials.map((serial) => ({ gtin, serial }));
  const run = Date.now().toString(36);

  before(async () => {
    gw = await startGateway();
    const key = (who: string) => {
      const k = gw.keys[who];
      if (!k) throw new Error(`create-keys issued no key for ${who}`);
      return k;
    };
    mfr = key("ManufacturerMSP/operator");
    quality = key("ManufacturerMSP/quality");
    dist = key("DistributorMSP/operator");
    pharm = key("PharmacyMSP/pharmacist");
    auditor = key("RegulatorMSP/auditor");
  });
  after(async () => gw?.close());

  describe("identity and access", () => {
    it("answers 401 without a key and with an unknown key", async () => {
      expect((await call(gw, "GET", "/v1/partners")).status).to.equal(401);
      expect((await call(gw, "GET", "/v1/partners", "rxt_unknown")).status).to.equal(401);
    });

    it("maps each issued key to its org user", async () => {
      const res = await call(gw, "GET", "/v1/whoami", pharm);
      expect(res.body).to.deep.include({ mspId: "PharmacyMSP", user: "pharmacist", role: "pharmacist" });
    });

    it("reports Fabric ready on both channels", async () => {
      const res = await call(gw, "GET", "/readyz");
      expect(res.body.checks.fabric).to.deep.equal({ status: "up" });
    });

    it("lists the partners the network registered on each channel the caller sees", async () => {
      const res = await call(gw, "GET", "/v1/partners", auditor);
      expect(res.status).to.equal(200);
      const byChannel = Object.fromEntries(
        res.body.channels.map((c: { channel: string; partners: { mspId: string }[] }) => [c.channel, c.partners.map((p) => p.mspId).sort()]),
      );
      expect(byChannel["mfr-dist"]).to.include.members(["DistributorMSP", "ManufacturerMSP"]);
      expect(byChannel["dist-pharm"]).to.include.members(["DistributorMSP", "PharmacyMSP"]);
    });

    it("refuses the regulator's auditor a commission with 403", async () => {
      const res = await call(gw, "POST", "/v1/lots", auditor, { gtin, lot, expiry, serials });
      expect(res.status).to.equal(403);
    });
  });

  describe("a pack's journey from manufacturer to patient", () => {
    it("registers the product and commissions the lot as the manufacturer's operator", async () => {
      const product = await call(gw, "POST", "/v1/products", mfr, refrigeratedProduct(gtin));
      expect(product.status, JSON.stringify(product.body)).to.equal(201);
      const lotRes = await call(gw, "POST", "/v1/lots", mfr, { gtin, lot, expiry, serials }, { "idempotency-key": `commission-${run}` });
      expect(lotRes.status, JSON.stringify(lotRes.body)).to.equal(201);
      expect(lotRes.body.transactionId).to.match(/^[0-9a-f]{64}$/);
      const pack = await call(gw, "GET", `/v1/packs/${gtin}/${serials[0]}`, mfr);
      expect(pack.body.result).to.deep.include({ status: "COMMISSIONED", owner: "ManufacturerMSP", updatedBy: "ManufacturerMSP" });
    });

    it("replays a retried commission instead of committing it twice", async () => {
      const retry = await call(gw, "POST", "/v1/lots", mfr, { gtin, lot, expiry, serials }, { "idempotency-key": `commission-${run}` });
      expect(retry.status).to.equal(201);
      expect(retry.headers.get("idempotent-replayed")).to.equal("true");
    });

    it("answers the chaincode's ALREADY_EXISTS as 409 naming the serial", async () => {
      const again = await call(gw, "POST", "/v1/lots", mfr, { gtin, lot, expiry, serials: [serials[1]] });
      expect(again.status).to.equal(409);
      expect(again.body).to.include({ code: "ALREADY_EXISTS", field: "serials[0]" });
    });

    it("answers the chaincode's INVALID_ARGUMENT as 400 naming the field", async () => {
      const bad = `${gtin.slice(0, 13)}${(Number(gtin[13]) + 1) % 10}`;
      const res = await call(gw, "POST", "/v1/lots", mfr, { gtin: bad, lot, expiry, serials: ["X1"] });
      expect(res.status).to.equal(400);
      expect(res.body.field).to.equal("gtin");
    });

    it("commits concurrent commissions into one lot, each in its own block", async () => {
      const extra = ["C1", "C2", "C3", "C4"].map((c) => `${c}${run.toUpperCase()}`);
      const answers = await Promise.all(extra.map((serial) => call(gw, "POST", "/v1/lots", mfr, { gtin, lot, expiry, serials: [serial] })));
      expect(answers.map((a) => a.status), JSON.stringify(answers.map((a) => a.body as unknown))).to.deep.equal([201, 201, 201, 201]);
      expect(new Set(answers.map((a) => String(a.body.blockNumber))).size).to.equal(4);
    });

    it("ships to the distributor with private terms, and the distributor receives", async () => {
      const terms = { price: "1250.00", currency: "EUR", quantity: 3, invoiceRef: `INV-${run}` };
      const ship = await call(gw, "POST", "/v1/shipments", mfr, { shipmentId: `M-${run}`, consignee: "DistributorMSP", packs, terms });
      expect(ship.status, JSON.stringify(ship.body)).to.equal(201);
      expect(ship.body.channel).to.equal("mfr-dist");
      const receive = await call(gw, "POST", `/v1/shipments/M-${run}/receive`, dist, { packs });
      expect(receive.status, JSON.stringify(receive.body)).to.equal(200);
      expect(receive.body.result.status).to.equal("RECEIVED");
      const readTerms = await call(gw, "GET", `/v1/shipments/M-${run}/terms`, dist);
      expect(readTerms.status, JSON.stringify(readTerms.body)).to.equal(200);
      expect(readTerms.body.result).to.deep.include({ hashMatches: true });
      expect(readTerms.body.result.terms).to.deep.equal(terms);
    });

    it("records cold-chain readings in a batch and summarises them", async () => {
      const start = Math.floor(Date.now() / 1000) - 3600;
      const readings = [500, 520, 610, 580].map((centiCelsius, i) => ({ at: start + i * 900, centiCelsius }));
      const res = await call(gw, "POST", `/v1/shipments/M-${run}/readings`, dist, { intervalSeconds: 900, readings });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      // The regulator's peer may not have the distributor's block yet: the read names it (read-your-writes across orgs).
      const summary = await call(gw, "GET", `/v1/shipments/M-${run}/cold-chain`, auditor, undefined, { "x-min-block": res.headers.get("x-ledger-block") ?? "" });
      expect(summary.status, JSON.stringify(summary.body)).to.equal(200);
      expect(summary.body.result).to.deep.include({ readingCount: 4, minCentiCelsius: 500, maxCentiCelsius: 610, minutesOutOfRange: 0 });
    });

    it("hands the packs off to dist-pharm in one call", async () => {
      const res = await call(gw, "POST", "/v1/handoffs", dist, { packs });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.handOff.count).to.equal(3);
      expect(res.body.import.count).to.equal(3);
      const pack = await call(gw, "GET", `/v1/packs/${gtin}/${serials[0]}`, dist);
      expect(pack.body.channel).to.equal("dist-pharm");
      expect(pack.body.views).to.deep.include({ channel: "mfr-dist", status: "HANDED_OFF", owner: "DistributorMSP" });
    });

    it("finishes nothing twice when the hand-off is repeated", async () => {
      const res = await call(gw, "POST", "/v1/handoffs", dist, { packs });
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.include({ handOff: null, import: null });
    });

    it("ships on to the pharmacy on dist-pharm, and the pharmacy receives", async () => {
      const ship = await call(gw, "POST", "/v1/shipments", dist, { shipmentId: `D-${run}`, consignee: "PharmacyMSP", packs });
      expect(ship.status, JSON.stringify(ship.body)).to.equal(201);
      expect(ship.body.channel).to.equal("dist-pharm");
      const receive = await call(gw, "POST", `/v1/shipments/D-${run}/receive`, pharm, { packs });
      expect(receive.status, JSON.stringify(receive.body)).to.equal(200);
    });

    it("verifies the pack at the pharmacy from each form a scanner gives", async () => {
      const serial = serials[0] ?? "";
      const forms = [
        `]d201${gtin}17${expiry}10${lot}${GS}21${serial}`,
        `${GS}01${gtin}17${expiry}10${lot}${GS}21${serial}`,
        `(01)${gtin}(17)${expiry}(10)${lot}(21)${serial}`,
        `https://id.example.com/01/${gtin}/10/${lot}/21/${serial}?17=${expiry}`,
      ];
      for (const code of forms) {
        const res = await call(gw, "POST", "/v1/verify/scan", pharm, { code });
        expect(res.status, code).to.equal(200);
        expect(res.body, code).to.deep.include({ verified: true, status: "RECEIVED", owner: "PharmacyMSP", channel: "dist-pharm" });
      }
    });

    it("gives the regulator a provenance summary across both channels", async () => {
      const res = await call(gw, "GET", `/v1/verify?gtin=${gtin}&serial=${serials[0]}&lot=${lot}&expiry=${expiry}`, auditor);
      expect(res.body.verified).to.equal(true);
      const steps = res.body.provenance.custody.map((s: { channel: string; status: string }) => `${s.channel}:${s.status}`);
      expect(steps[0]).to.equal("mfr-dist:COMMISSIONED");
      expect(steps).to.include("dist-pharm:RECEIVED");
      expect(res.body.provenance.product.manufacturer).to.equal("ManufacturerMSP");
    });

    it("answers 400 naming the code for a malformed scan", async () => {
      const res = await call(gw, "POST", "/v1/verify/scan", pharm, { code: `(01)${gtin}(17)${expiry}(10)${lot}` });
      expect(res.status).to.equal(400);
      expect(res.body.field).to.equal("code");
    });

    it("dispenses, then reports the pack already decommissioned, then undoes it", async () => {
      const serial = serials[1] ?? "";
      const dispense = await call(gw, "POST", `/v1/packs/${gtin}/${serial}/dispense`, pharm, { lot, expiry });
      expect(dispense.status, JSON.stringify(dispense.body)).to.equal(200);
      const after = await call(gw, "GET", `/v1/verify?gtin=${gtin}&serial=${serial}&lot=${lot}&expiry=${expiry}`, pharm);
      expect(after.body).to.deep.include({ verified: false, reason: "ALREADY_DECOMMISSIONED", status: "DISPENSED" });
      const undo = await call(gw, "POST", `/v1/packs/${gtin}/${serial}/undo-decommission`, pharm, {});
      expect(undo.status, JSON.stringify(undo.body)).to.equal(200);
      const again = await call(gw, "GET", `/v1/verify?gtin=${gtin}&serial=${serial}&lot=${lot}&expiry=${expiry}`, pharm);
      expect(again.body.verified).to.equal(true);
    });

    it("lets the regulator mark a pack suspect, endorsed by the pharmacy that holds it", async () => {
      const serial = serials[2] ?? "";
      const res = await call(gw, "POST", `/v1/packs/${gtin}/${serial}/marks`, auditor, { mark: "SUSPECT", reason: "report from the field" });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      // The submit returned once the regulator's peer committed; the pharmacy's peer may commit a moment later.
      await eventually(async () => {
        const verify = await call(gw, "GET", `/v1/verify?gtin=${gtin}&serial=${serial}&lot=${lot}&expiry=${expiry}`, pharm);
        expect(verify.body).to.deep.include({ verified: false, reason: "SUSPECT" });
      });
    });

    it("applies a regulator's recall on both channels, so the pharmacy's verification fails with RECALLED", async () => {
      const res = await call(gw, "POST", `/v1/lots/${gtin}/${lot}/recall`, auditor, { reason: "sterility failure" });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.commits.map((c: { channel: string }) => c.channel).sort()).to.deep.equal(["dist-pharm", "mfr-dist"]);
      await eventually(async () => {
        const verify = await call(gw, "POST", "/v1/verify/scan", pharm, { code: `(01)${gtin}(17)${expiry}(10)${lot}(21)${serials[0]}` });
        expect(verify.body).to.deep.include({ verified: false, reason: "RECALLED" });
      });
      const dispense = await call(gw, "POST", `/v1/packs/${gtin}/${serials[0]}/dispense`, pharm, { lot, expiry });
      expect(dispense.status).to.equal(409);
    });

    it("keeps the quality user's key working next to the operator's", async () => {
      const res = await call(gw, "GET", "/v1/whoami", quality);
      expect(res.body).to.deep.include({ mspId: "ManufacturerMSP", role: "quality" });
    });
  });

  describe("revocation and faults", () => {
    it("refuses a key with 401 once the script revoked it", async () => {
      expect((await call(gw, "GET", "/v1/whoami", quality)).status).to.equal(200);
      keysScript(gw.env, "revoke", "ManufacturerMSP/quality");
      expect((await call(gw, "GET", "/v1/whoami", quality)).status).to.equal(401);
    });

    it("answers 503 naming Fabric when the peer cannot be reached", async () => {
      const network = JSON.parse(readFileSync(gw.config.networkFile, "utf8")) as { orgs: { peer: { endpoint: string } }[] };
      for (const org of network.orgs) org.peer.endpoint = "127.0.0.1:1";
      const dir = mkdtempSync(path.join(tmpdir(), "rxtrace-down-"));
      const file = path.join(dir, "network.json");
      writeFileSync(file, JSON.stringify(network));
      const ledger = new FabricLedgerClient({
        networkFile: file,
        chaincode: "rxtrace",
        deadlinesMs: { evaluate: 2000, endorse: 2000, submit: 2000, commitStatus: 2000 },
        mvccRetries: 0,
      });
      const as = { keyId: "k", user: "operator", mspId: "ManufacturerMSP" as const, role: "operator" as const };
      const err = await ledger.evaluate(as, { channel: "mfr-dist", transaction: "partners:ListPartners" }).catch((e: unknown) => e);
      ledger.close();
      rmSync(dir, { recursive: true, force: true });
      expect(err).to.be.instanceOf(GatewayError);
      expect((err as GatewayError).status).to.be.oneOf([503, 504]);
      expect((err as GatewayError).message).to.match(/fabric/);
    });
  });
});
