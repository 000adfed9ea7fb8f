import { expect } from "chai";
import type { LedgerCall } from "../../gateway/src/ports/ledger.js";
import { buildTestApp, KEYS, type TestApp } from "./support/app.js";

const GS = "\u001d";
const PACK = { gtin: "00350090123456", serial: "SN8X4K2Q9", lot: "LOT2024A", expiry: "270331" };
const FORMS: [string, string][] = [
  ["a raw DataMatrix element string with ]d2", `]d20100350090123456172703311${"0LOT2024A"}${GS}21SN8X4K2Q9`],
  ["a DataMatrix element string as ZXing returns it (leading GS)", `${GS}01003500901234561727033110LOT2024A${GS}21SN8X4K2Q9`],
  ["the bracketed human-readable form", "(01)00350090123456(17)270331(10)LOT2024A(21)SN8X4K2Q9"],
  ["a GS1 Digital Link URL", "https://id.example.com/01/00350090123456/10/LOT2024A/21/SN8X4K2Q9?17=270331"],
];

const CHECKED_AT = "2026-06-01T00:00:00Z";

function verification(call: LedgerCall) {
  const [gtin, serial, lot, expiry] = call.args ?? [];
  const base = { gtin, serial, checkedAt: CHECKED_AT };
  if (gtin !== PACK.gtin || serial !== PACK.serial) return { ...base, verified: false, reason: "NO_MATCH_GTIN_SERIAL", additionalInfo: [] };
  if (lot !== PACK.lot) return { ...base, verified: false, reason: "LOT_MISMATCH", additionalInfo: [] };
  if (call.channel === "mfr-dist") return { ...base, verified: true, additionalInfo: [], status: "HANDED_OFF", owner: "DistributorMSP", lot, expiry };
  return { ...base, verified: false, reason: "RECALLED", additionalInfo: ["RECALLED"], status: "RECEIVED", owner: "PharmacyMSP", lot, expiry };
}

const PRODUCT = { manufacturer: "ManufacturerMSP", name: "Amoxicillin", strength: "500 mg", form: "capsule" };
const CUSTODY: Record<string, unknown[]> = {
  "mfr-dist": [
    { at: "2026-01-01T00:00:00Z", channel: "mfr-dist", by: "ManufacturerMSP", txId: "t1", status: "COMMISSIONED", owner: "ManufacturerMSP" },
    { at: "2026-01-02T00:00:00Z", channel: "mfr-dist", by: "ManufacturerMSP", txId: "t2", status: "IN_TRANSIT", owner: "ManufacturerMSP" },
  ],
  "dist-pharm": [
    // A mark changes neither status nor holder: the merged custody leaves it out.
    { at: "2026-01-05T00:00:00Z", channel: "dist-pharm", by: "PharmacyMSP", txId: "t5", status: "RECEIVED", owner: "PharmacyMSP" },
    { at: "2026-01-05T00:00:01Z", channel: "dist-pharm", by: "PharmacyMSP", txId: "t5b", status: "RECEIVED", owner: "PharmacyMSP" },
  ],
};

/** packs:VerifyWithProvenance as the chaincode answers it on the call's channel. */
function verifyWithProvenance(call: LedgerCall) {
  const v = verification(call);
  return { verification: v, provenance: v.reason === "NO_MATCH_GTIN_SERIAL" ? null : { product: PRODUCT, custody: CUSTODY[call.channel] ?? [] } };
}

describe("verify by scan (POST /v1/verify/scan)", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
    t.ledger.on("packs:VerifyWithProvenance", verifyWithProvenance);
  });
  afterEach(async () => t.close());

  for (const [form, code] of FORMS) {
    it(`verifies ${form}`, async () => {
      const res = await t.app.inject({ method: "POST", url: "/v1/verify/scan", headers: { "x-api-key": KEYS.pharmacy }, payload: { code } });
      expect(res.statusCode).to.equal(200);
      // One evaluate: the pharmacy is on one channel, and verification and provenance come together.
      expect(t.ledger.calls.map((c) => [c.call.transaction, c.call.channel, c.call.args])).to.deep.equal([
        ["packs:VerifyWithProvenance", "dist-pharm", [PACK.gtin, PACK.serial, PACK.lot, PACK.expiry]],
      ]);
      expect(res.json().pack).to.deep.equal(PACK);
    });
  }

  it("answers not verified with the reason code, status and a provenance summary", async () => {
    const res = await t.app.inject({ method: "POST", url: "/v1/verify/scan", headers: { "x-api-key": KEYS.pharmacy }, payload: { code: FORMS[2]?.[1] } });
    const body = res.json();
    expect(body).to.deep.include({ verified: false, reason: "RECALLED", additionalInfo: ["RECALLED"], status: "RECEIVED", channel: "dist-pharm" });
    expect(body.scanned.form).to.equal("bracketed");
    expect(body.provenance.product).to.deep.equal({ manufacturer: "ManufacturerMSP", name: "Amoxicillin", strength: "500 mg", form: "capsule" });
    expect(body.provenance.custody.map((s: { status: string }) => s.status)).to.deep.equal(["RECEIVED"]);
  });

  it("for the regulator, follows a handed-off pack into dist-pharm and lists custody across both channels", async () => {
    const res = await t.app.inject({ method: "POST", url: "/v1/verify/scan", headers: { "x-api-key": KEYS.regulator }, payload: { code: FORMS[3]?.[1] } });
    const body = res.json();
    expect(body.channel).to.equal("dist-pharm");
    expect(body.reason).to.equal("RECALLED");
    expect(body.provenance.custody.map((s: { channel: string; status: string; owner: string }) => `${s.channel}:${s.status}:${s.owner}`)).to.deep.equal([
      "mfr-dist:COMMISSIONED:ManufacturerMSP",
      "mfr-dist:IN_TRANSIT:ManufacturerMSP",
      "dist-pharm:RECEIVED:PharmacyMSP",
    ]);
  });

  it("answers no match without provenance for an unknown serial", async () => {
    const res = await t.app.inject({ method: "POST", url: "/v1/verify/scan", headers: { "x-api-key": KEYS.pharmacy }, payload: { code: "(01)00350090123456(17)270331(10)LOT2024A(21)OTHER" } });
    expect(res.statusCode).to.equal(200);
    expect(res.json()).to.deep.include({ verified: false, reason: "NO_MATCH_GTIN_SERIAL", provenance: null });
  });

  const malformed: [string, string, RegExp][] = [
    ["a bad GTIN check digit", "(01)00350090123457(17)270331(10)L(21)S", /check digit/],
    ["a code without a serial", "(01)00350090123456(17)270331(10)LOT2024A", /serial \(AI 21\)/],
    ["an unknown application identifier", "]d20100350090123456231234", /application identifier/],
    ["a Digital Link without a GTIN", "https://id.example.com/product/123", /\/01\/\{gtin\}/],
    ["text that is no GS1 code at all", "hello", /./],
  ];
  for (const [what, code, rule] of malformed) {
    it(`answers 400 naming the code for ${what}`, async () => {
      const res = await t.app.inject({ method: "POST", url: "/v1/verify/scan", headers: { "x-api-key": KEYS.pharmacy }, payload: { code } });
      expect(res.statusCode).to.equal(400);
      expect(res.json().field).to.equal("code");
      expect(res.json().message).to.match(rule);
      expect(t.ledger.calls).to.have.length(0);
    });
  }

  const refused: [string, string, string][] = [
    ["a serial in the query that would replace the path's", `${FORMS[3]?.[1]}&21=OTHER`, "code: Digital Link query must not carry AI 21: the primary key and its qualifiers belong in the path"],
    ["a GTIN in the query that would replace the path's", `${FORMS[3]?.[1]}&01=09521234543213`, "code: Digital Link query must not carry AI 01: the primary key and its qualifiers belong in the path"],
    ["an element string with a second, different serial", `]d20100350090123456172703311${"0LOT2024A"}${GS}21SN8X4K2Q9${GS}21OTHER`, "code: carries AI 21 twice with different values (SN8X4K2Q9 and OTHER)"],
    ["a bracketed code with a second, different GTIN", "(01)00350090123456(17)270331(10)LOT2024A(21)SN8X4K2Q9(01)09521234543213", "code: carries AI 01 twice with different values (00350090123456 and 09521234543213)"],
  ];
  for (const [what, code, message] of refused) {
    it(`answers 400 for ${what}, asking the ledger nothing`, async () => {
      const res = await t.app.inject({ method: "POST", url: "/v1/verify/scan", headers: { "x-api-key": KEYS.pharmacy }, payload: { code } });
      expect(res.statusCode).to.equal(400);
      expect(res.json()).to.deep.include({ code: "INVALID_ARGUMENT", field: "code", message });
      expect(t.ledger.calls).to.have.length(0);
    });
  }

  it("names the code once in the message and the part of it in the details", async () => {
    const unknown = await t.app.inject({ method: "POST", url: "/v1/verify/scan", headers: { "x-api-key": KEYS.pharmacy }, payload: { code: "hello" } });
    expect(unknown.json().message).to.equal("code: unknown application identifier at position 0: hell");
    const badSerial = await t.app.inject({ method: "POST", url: "/v1/verify/scan", headers: { "x-api-key": KEYS.pharmacy }, payload: { code: "(01)00350090123456(17)270331(10)L(21)S N" } });
    expect(badSerial.json()).to.deep.include({ field: "code", message: "serial: must use GS1 character set 82 only", details: { part: "serial", form: "bracketed" } });
  });

  it("verifies an element string as a keyboard scanner types it, with a trailing CR/LF", async () => {
    const res = await t.app.inject({ method: "POST", url: "/v1/verify/scan", headers: { "x-api-key": KEYS.pharmacy }, payload: { code: `${FORMS[0]?.[1]}\r\n` } });
    expect(res.statusCode).to.equal(200);
    expect(res.json().pack).to.deep.equal(PACK);
  });

  it("verifies a Digital Link read from a QR code with its ]Q1 symbology identifier", async () => {
    const res = await t.app.inject({ method: "POST", url: "/v1/verify/scan", headers: { "x-api-key": KEYS.pharmacy }, payload: { code: `]Q1${FORMS[3]?.[1]}` } });
    expect(res.statusCode).to.equal(200);
    expect(res.json().scanned.form).to.equal("digital-link");
    expect(res.json().pack).to.deep.equal(PACK);
  });

  it("answers 400 for an empty code", async () => {
    const res = await t.app.inject({ method: "POST", url: "/v1/verify/scan", headers: { "x-api-key": KEYS.pharmacy }, payload: { code: "" } });
    expect(res.statusCode).to.equal(400);
    expect(res.json().field).to.equal("code");
  });

  it("needs an API key", async () => {
    const res = await t.app.inject({ method: "POST", url: "/v1/verify/scan", payload: { code: FORMS[2]?.[1] } });
    expect(res.statusCode).to.equal(401);
  });
});

describe("verify by identifiers (GET /v1/verify)", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
    t.ledger.on("packs:VerifyWithProvenance", verifyWithProvenance);
  });
  afterEach(async () => t.close());

  it("reports a lot mismatch", async () => {
    const res = await t.app.inject({
      method: "GET",
      url: `/v1/verify?gtin=${PACK.gtin}&serial=${PACK.serial}&lot=OTHER&expiry=${PACK.expiry}`,
      headers: { "x-api-key": KEYS.pharmacy },
    });
    expect(res.statusCode).to.equal(200);
    expect(res.json()).to.deep.include({ verified: false, reason: "LOT_MISMATCH" });
  });

  it("verifies a good pack the manufacturer still sees on mfr-dist", async () => {
    const res = await t.app.inject({
      method: "GET",
      url: `/v1/verify?gtin=${PACK.gtin}&serial=${PACK.serial}&lot=${PACK.lot}&expiry=${PACK.expiry}`,
      headers: { "x-api-key": KEYS.manufacturer },
    });
    expect(res.json()).to.deep.include({ verified: true, channel: "mfr-dist", status: "HANDED_OFF" });
  });

  it("answers 400 naming a missing query field", async () => {
    const res = await t.app.inject({ method: "GET", url: `/v1/verify?gtin=${PACK.gtin}&serial=${PACK.serial}&lot=${PACK.lot}`, headers: { "x-api-key": KEYS.pharmacy } });
    expect(res.statusCode).to.equal(400);
    expect(res.json().field).to.equal("expiry");
  });

  it("refuses a channel the caller is not a member of", async () => {
    const res = await t.app.inject({
      method: "GET",
      url: `/v1/verify?gtin=${PACK.gtin}&serial=${PACK.serial}&lot=${PACK.lot}&expiry=${PACK.expiry}&channel=mfr-dist`,
      headers: { "x-api-key": KEYS.pharmacy },
    });
    expect(res.statusCode).to.equal(403);
    expect(res.json().field).to.equal("channel");
  });
});
