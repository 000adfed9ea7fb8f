/**
 * Conformance of the GS1 Lightweight Messaging form of verification: the
 * request and response names and the codes are the standard's (written out
 * here as the standard spells them, not imported from the code under test),
 * the answer is the one /v1/verify gives, and bad input is refused naming
 * the field, asking the ledger nothing.
 */
import { expect } from "chai";
import { ADDITIONAL_INFO, VERIFY_REASONS, type AdditionalInfo, type VerifyReason } from "@rxtrace/domain";
import type { LedgerCall } from "../../gateway/src/ports/ledger.js";
import { lmsDataOf } from "../../gateway/src/services/gs1-verification.js";
import { orgByMsp } from "../../gateway/src/topology.js";
import { buildTestApp, KEYS, type TestApp } from "./support/app.js";

/** The standard's names and codes (docs/gateway.md cites where each comes from). */
const STANDARD = {
  requestNames: ["gtin", "ser", "lot", "exp", "reqGLN", "corrUUID", "context", "linkType"],
  responseNames: ["verificationTimestamp", "responderGLN", "corrUUID", "data"],
  dataNames: ["verified", "verificationFailureReason", "additionalInfo"],
  failureReasons: [
    "No_match_GTIN_Serial",
    "No_match_GTIN_Serial_Lot",
    "No_match_GTIN_Serial_Expiry",
    "No_match_GTIN_Serial_Lot_Expiry",
    "Manufacturer_policy",
    "Not_for_re-distribution",
    "No_reason_provided",
  ],
  additionalInfo: ["Expired", "ExpirationExtended", "Recalled", "Suspect", "Illegitimate"],
};

const PACK = { gtin: "09521234543213", serial: "SN8X4K2Q9", lot: "LOT2024A", expiry: "270331" };
const RECALLED_SERIAL = "SNRECALLED";
const SUSPECT_SERIAL = "SNSUSPECT";
const REQ_GLN = "9521234000037";
const CORR = "2b4d7e2a-8f0c-4a51-9a8e-3c1f5b6d7e90";
const CHECKED_AT = "2026-06-01T00:00:00.000Z";

/** packs:VerifyWithProvenance as the chaincode answers it: one good pack, one recalled, one suspect, nothing else. */
function verifyWithProvenance(call: LedgerCall) {
  const [gtin, serial, lot, expiry] = call.args ?? [];
  const base = { gtin, serial, checkedAt: CHECKED_AT };
  const known = gtin === PACK.gtin && [PACK.serial, RECALLED_SERIAL, SUSPECT_SERIAL].includes(String(serial));
  if (!known) return { verification: { ...base, verified: false, reason: "NO_MATCH_GTIN_SERIAL", additionalInfo: [] }, provenance: null };
  const held = { status: "RECEIVED", owner: "PharmacyMSP", lot: PACK.lot, expiry: PACK.expiry };
  const provenance = { custody: [] };
  const infos = serial === RECALLED_SERIAL ? ["RECALLED", "EXPIRED"] : serial === SUSPECT_SERIAL ? ["SUSPECT"] : [];
  if (lot !== PACK.lot && expiry !== PACK.expiry) return { verification: { ...base, ...held, verified: false, reason: "LOT_AND_EXPIRY_MISMATCH", additionalInfo: infos }, provenance };
  if (lot !== PACK.lot) return { verification: { ...base, ...held, verified: false, reason: "LOT_MISMATCH", additionalInfo: infos }, provenance };
  if (infos.length > 0) return { verification: { ...base, ...held, verified: false, reason: infos[0], additionalInfo: infos }, provenance };
  return { verification: { ...base, ...held, verified: true, additionalInfo: [] }, provenance };
}

const request = (overrides: Record<string, unknown> = {}) => ({
  gtin: PACK.gtin,
  ser: PACK.serial,
  lot: PACK.lot,
  exp: PACK.expiry,
  reqGLN: REQ_GLN,
  corrUUID: CORR,
  context: "dscsaSaleableReturn",
  ...overrides,
});

describe("GS1 Lightweight Messaging verification (POST /v1/gs1/verification, GET /v1/gs1/verification/01/...)", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
    t.ledger.on("packs:VerifyWithProvenance", verifyWithProvenance);
  });
  afterEach(async () => t.close());

  const post = (payload: Record<string, unknown>, key: string = KEYS.pharmacy) =>
    t.app.inject({ method: "POST", url: "/v1/gs1/verification", headers: { "x-api-key": key }, payload });

  describe("the response", () => {
    it("has exactly the standard's names: a genuine pack is verified, with the responder's GLN and the request's corrUUID", async () => {
      const res = await post(request());

      expect(res.statusCode).to.equal(200);
      const body = res.json();
      expect(Object.keys(body).sort()).to.deep.equal([...STANDARD.responseNames].sort());
      expect(body).to.deep.equal({ verificationTimestamp: CHECKED_AT, responderGLN: orgByMsp("PharmacyMSP").gln, corrUUID: CORR, data: { verified: true } });
    });

    it("names a recalled pack Manufacturer_policy with the additional information Recalled", async () => {
      const res = await post(request({ ser: RECALLED_SERIAL }));

      expect(res.json().data).to.deep.equal({ verified: false, verificationFailureReason: "Manufacturer_policy", additionalInfo: "Recalled" });
    });

    it("names a suspect pack Not_for_re-distribution with the additional information Suspect", async () => {
      const res = await post(request({ ser: SUSPECT_SERIAL }));

      expect(res.json().data).to.deep.equal({ verified: false, verificationFailureReason: "Not_for_re-distribution", additionalInfo: "Suspect" });
    });

    it("answers an unknown serial No_match_GTIN_Serial", async () => {
      const res = await post(request({ ser: "NOSUCHPACK" }));

      expect(res.json().data).to.deep.equal({ verified: false, verificationFailureReason: "No_match_GTIN_Serial" });
    });

    it("names a lot and expiry mismatch together, and tells a mismatching requestor nothing of the pack's recall", async () => {
      const both = await post(request({ ser: RECALLED_SERIAL, lot: "OTHER", exp: "281130" }));
      const lot = await post(request({ ser: RECALLED_SERIAL, lot: "OTHER" }));

      expect(both.json().data).to.deep.equal({ verified: false, verificationFailureReason: "No_match_GTIN_Serial_Lot_Expiry" });
      expect(lot.json().data).to.deep.equal({ verified: false, verificationFailureReason: "No_match_GTIN_Serial_Lot" });
    });

    it("makes a correlation UUID when the request has none", async () => {
      const { corrUUID: _omitted, ...withoutCorr } = request();
      const res = await post(withoutCorr);

      expect(res.json().corrUUID).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    });
  });

  describe("one verification behind both forms", () => {
    it("asks the ledger exactly what /v1/verify asks, and answers the GS1 Digital Link request as the JSON one", async () => {
      await t.app.inject({
        method: "GET",
        url: `/v1/verify?gtin=${PACK.gtin}&serial=${RECALLED_SERIAL}&lot=${PACK.lot}&expiry=${PACK.expiry}`,
        headers: { "x-api-key": KEYS.regulator },
      });
      const viaVerify = t.ledger.calls.splice(0).map((c) => [c.call.transaction, c.call.channel, c.call.args]);
      const viaPost = await post(request({ ser: RECALLED_SERIAL }), KEYS.regulator);
      const viaPostCalls = t.ledger.calls.splice(0).map((c) => [c.call.transaction, c.call.channel, c.call.args]);
      const viaLink = await t.app.inject({
        method: "GET",
        url: `/v1/gs1/verification/01/${PACK.gtin}/10/${PACK.lot}/21/${RECALLED_SERIAL}?17=${PACK.expiry}&linkType=gs1:verificationService&context=dscsaSaleableReturn&reqGLN=${REQ_GLN}&corrUUID=${CORR}`,
        headers: { "x-api-key": KEYS.regulator },
      });

      expect(viaPostCalls).to.deep.equal(viaVerify);
      expect(viaLink.statusCode).to.equal(200);
      expect(viaLink.json()).to.deep.equal(viaPost.json());
      expect(viaLink.json().responderGLN).to.equal(orgByMsp("RegulatorMSP").gln);
    });

    it("maps every domain reason to one of the standard's failure reasons, and every additional information it gives is the standard's", () => {
      const reasons = [...Object.values(VERIFY_REASONS), ...Object.values(ADDITIONAL_INFO)] as VerifyReason[];
      for (const reason of reasons) {
        const infos: AdditionalInfo[] = (Object.values(ADDITIONAL_INFO) as string[]).includes(reason) ? [reason as AdditionalInfo] : [];
        const data = lmsDataOf({ verified: false, reason, additionalInfo: infos });
        expect(STANDARD.failureReasons, reason).to.include(data.verificationFailureReason);
        if (data.additionalInfo !== undefined) expect(STANDARD.additionalInfo, reason).to.include(data.additionalInfo);
      }
      expect(lmsDataOf({ verified: false, reason: "WITHDRAWN", additionalInfo: ["WITHDRAWN"] })).to.deep.equal({
        verified: false,
        verificationFailureReason: "Manufacturer_policy",
        additionalInfo: "Recalled",
      });
      expect(lmsDataOf({ verified: false, reason: "ILLEGITIMATE", additionalInfo: ["ILLEGITIMATE", "RECALLED"] }).additionalInfo).to.equal("Illegitimate");
      expect(lmsDataOf({ verified: false, reason: "ALREADY_DECOMMISSIONED", additionalInfo: ["ALREADY_DECOMMISSIONED", "EXPIRED"] })).to.deep.equal({
        verified: false,
        verificationFailureReason: "Manufacturer_policy",
        additionalInfo: "Expired",
      });
      expect(lmsDataOf({ verified: false, reason: "QUARANTINED", additionalInfo: ["QUARANTINED"] })).to.deep.equal({ verified: false, verificationFailureReason: "Manufacturer_policy" });
      expect(lmsDataOf({ verified: true, additionalInfo: [] })).to.deep.equal({ verified: true });
    });
  });

  describe("checkConnectivity", () => {
    it("answers the responder's GLN for a well-formed request, and 400 naming reqGLN for a bad GLN, asking the ledger nothing", async () => {
      const ok = await t.app.inject({ method: "GET", url: `/v1/gs1/verification/checkConnectivity?gtin=${PACK.gtin}&reqGLN=${REQ_GLN}&context=dscsaSaleableReturn`, headers: { "x-api-key": KEYS.distributor } });
      const bad = await t.app.inject({ method: "GET", url: `/v1/gs1/verification/checkConnectivity?gtin=${PACK.gtin}&reqGLN=9521234000038`, headers: { "x-api-key": KEYS.distributor } });
      const anonymous = await t.app.inject({ method: "GET", url: `/v1/gs1/verification/checkConnectivity?gtin=${PACK.gtin}&reqGLN=${REQ_GLN}` });

      expect(ok.statusCode).to.equal(200);
      expect(ok.json()).to.deep.equal({ responderGLN: orgByMsp("DistributorMSP").gln });
      expect(bad.statusCode).to.equal(400);
      expect(bad.json()).to.include({ code: "INVALID_ARGUMENT", field: "reqGLN" });
      expect(anonymous.statusCode).to.equal(401);
      expect(t.ledger.calls).to.deep.equal([]);
    });
  });

  describe("who may ask", () => {
    it("answers every role that may call /v1/verify, and refuses a request without a valid key", async () => {
      for (const key of [KEYS.manufacturer, KEYS.quality, KEYS.distributor, KEYS.pharmacy, KEYS.regulator, KEYS.regulatorAdmin]) {
        expect((await post(request(), key)).statusCode, key).to.equal(200);
      }
      expect((await t.app.inject({ method: "POST", url: "/v1/gs1/verification", payload: request() })).statusCode).to.equal(401);
      expect((await post(request(), KEYS.revoked)).statusCode).to.equal(401);
    });
  });

  describe("bad input", () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ["a missing reqGLN", { reqGLN: undefined }, "reqGLN"],
      ["a reqGLN with a wrong check digit", { reqGLN: "9521234000038" }, "reqGLN"],
      ["a GTIN with a wrong check digit", { gtin: "09521234543214" }, "gtin"],
      ["a malformed GTIN", { gtin: "952123454321" }, "gtin"],
      ["a missing serial", { ser: undefined }, "ser"],
      ["a malformed expiry", { exp: "2703" }, "exp"],
      ["a corrUUID that is no UUID", { corrUUID: "req-1" }, "corrUUID"],
      ["an unknown context", { context: "curiosity" }, "context"],
      ["a link type other than the verification service", { linkType: "gs1:pip" }, "linkType"],
      ["a name the standard does not have", { serial: PACK.serial }, "serial"],
    ];
    for (const [what, change, field] of cases) {
      it(`answers 400 naming ${field} for ${what}, asking the ledger nothing`, async () => {
        const payload = Object.fromEntries(Object.entries(request(change)).filter(([, v]) => v !== undefined));

        const res = await post(payload);

        expect(res.statusCode).to.equal(400);
        expect(res.json()).to.include({ code: "INVALID_ARGUMENT", field });
        expect(t.ledger.calls).to.deep.equal([]);
      });
    }

    it("answers 400 naming 17 for a GS1 Digital Link request without an expiry", async () => {
      const res = await t.app.inject({
        method: "GET",
        url: `/v1/gs1/verification/01/${PACK.gtin}/10/${PACK.lot}/21/${PACK.serial}?reqGLN=${REQ_GLN}`,
        headers: { "x-api-key": KEYS.pharmacy },
      });

      expect(res.statusCode).to.equal(400);
      expect(res.json().field).to.equal("17");
      expect(t.ledger.calls).to.deep.equal([]);
    });
  });

  describe("the OpenAPI document", () => {
    it("describes the request and response with the standard's names and an example of each", async () => {
      const doc = (await t.app.inject({ method: "GET", url: "/docs/json" })).json();
      const post = doc.paths["/v1/gs1/verification"].post;
      const body = post.requestBody.content["application/json"];
      const ok = post.responses["200"].content["application/json"];

      expect(Object.keys(body.schema.properties)).to.have.members(STANDARD.requestNames);
      expect(Object.keys(ok.schema.properties)).to.have.members(STANDARD.responseNames);
      expect(Object.keys(ok.schema.properties.data.properties)).to.have.members(STANDARD.dataNames);
      const reasons = ok.schema.properties.data.properties.verificationFailureReason.anyOf.map((r: { enum?: string[] }) => r.enum?.[0]);
      expect(reasons).to.have.members(STANDARD.failureReasons);
      const examples = (media: { examples: Record<string, { value: unknown }> }) => Object.values(media.examples).map((e) => e.value);
      expect(examples(body)).to.deep.include({ ...request(), gtin: "09521234543213" });
      expect(examples(ok).map((e) => (e as { data: unknown }).data)).to.deep.include({ verified: false, verificationFailureReason: "Manufacturer_policy", additionalInfo: "Recalled" });
      const linkset = doc.paths["/v1/gs1/resolver/01/{gtin}"].get.responses["200"].content["application/linkset+json"].schema;
      expect(linkset.properties.linkset.items.properties).to.have.property("https://gs1.org/voc/verificationService");
      expect(doc.paths).to.have.property("/v1/gs1/verification/01/{gtin}/10/{lot}/21/{ser}");
      expect(doc.paths).to.have.property("/v1/gs1/resolver/01/{gtin}");
    });
  });
});

describe("GS1 Digital Link resolution to the verification service (GET /v1/gs1/resolver/01/{gtin})", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
  });
  afterEach(async () => t.close());

  const resolve = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: "GET", url, headers: { "x-api-key": KEYS.distributor, host: "gw.example:3000", ...headers } });

  it("redirects linkType=gs1:verificationService to this gateway's GS1 verification endpoint for the GTIN", async () => {
    const res = await resolve(`/v1/gs1/resolver/01/${PACK.gtin}?linkType=gs1:verificationService`);

    expect(res.statusCode).to.equal(307);
    expect(res.headers.location).to.equal(`http://gw.example:3000/v1/gs1/verification/01/${PACK.gtin}?linkType=gs1:verificationService`);
    expect(res.headers.link).to.equal(`<http://gw.example:3000/v1/gs1/verification/01/${PACK.gtin}>; rel="https://gs1.org/voc/verificationService"; type="application/json"`);
  });

  it("passes a full verification request's key qualifiers and query on, so the redirect lands on a verification", async () => {
    const query = `17=${PACK.expiry}&linkType=gs1:verificationService&context=dscsaSaleableReturn&reqGLN=${REQ_GLN}&corrUUID=${CORR}`;
    const res = await resolve(`/v1/gs1/resolver/01/${PACK.gtin}/10/${PACK.lot}/21/${PACK.serial}?${query}`);

    expect(res.statusCode).to.equal(307);
    const location = new URL(String(res.headers.location));
    expect(`${location.pathname}${location.search}`).to.equal(`/v1/gs1/verification/01/${PACK.gtin}/10/${PACK.lot}/21/${PACK.serial}?${query}`);
  });

  it("sends a GTIN-only request to the service's GTIN link, which answers 400 naming what a verification still needs", async () => {
    const redirected = await resolve(`/v1/gs1/resolver/01/${PACK.gtin}?linkType=gs1:verificationService`);
    const landed = await resolve(new URL(String(redirected.headers.location)).pathname);

    expect(landed.statusCode).to.equal(400);
    expect(landed.json()).to.include({ code: "INVALID_ARGUMENT", field: "ser" });
  });

  it("answers the RFC 9264 linkset naming the verification service, for linkType=linkset or an Accept of application/linkset+json", async () => {
    const byLinkType = await resolve(`/v1/gs1/resolver/01/${PACK.gtin}?linkType=linkset`);
    const byAccept = await resolve(`/v1/gs1/resolver/01/${PACK.gtin}`, { accept: "application/linkset+json" });

    for (const res of [byLinkType, byAccept]) {
      expect(res.statusCode).to.equal(200);
      expect(res.headers["content-type"]).to.match(/^application\/linkset\+json/);
      const link = { href: `http://gw.example:3000/v1/gs1/verification/01/${PACK.gtin}`, title: "rxtrace verification service (GS1 Lightweight Messaging)", type: "application/json" };
      expect(JSON.parse(res.body)).to.deep.equal({
        linkset: [{ anchor: `http://gw.example:3000/v1/gs1/resolver/01/${PACK.gtin}`, "https://gs1.org/voc/verificationService": [link], "https://gs1.org/voc/defaultLink": [link] }],
      });
    }
  });

  it("answers 400 naming the GTIN for a wrong check digit, and 401 without a key", async () => {
    const bad = await resolve(`/v1/gs1/resolver/01/09521234543214?linkType=gs1:verificationService`);
    const anonymous = await t.app.inject({ method: "GET", url: `/v1/gs1/resolver/01/${PACK.gtin}` });

    expect(bad.statusCode).to.equal(400);
    expect(bad.json()).to.include({ code: "INVALID_ARGUMENT", field: "gtin" });
    expect(anonymous.statusCode).to.equal(401);
  });
});
