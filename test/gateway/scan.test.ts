import { Script } from "node:vm";
import { expect } from "chai";
import { ADDITIONAL_INFO, GS, PACK_STATUSES, VERIFY_REASONS, parseGs1 } from "@rxtrace/domain";
import { normaliseTypedCode, showSeparators } from "../../gateway/src/web/scan/typed-input.mjs";
import { coldChainWords, expiryWords, reasonWords, REASON_WORDS, STATUS_WORDS, statusWords } from "../../gateway/src/web/scan/words.mjs";
import { buildTestApp, type TestApp } from "./support/app.js";

describe("scan page", () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
  });
  after(async () => {
    await t.close();
  });

  it("serves the page without an API key, with a labelled code field, image input and camera button", async () => {
    const res = await t.app.inject({ method: "GET", url: "/scan" });
    expect(res.statusCode).to.equal(200);
    expect(res.headers["content-type"]).to.match(/^text\/html/);
    expect(res.body).to.match(/<label for="code">/);
    expect(res.body).to.match(/<input id="code"/);
    expect(res.body).to.match(/<input id="image"[^>]*type="file"/);
    expect(res.body).to.contain('id="camera-start"');
    expect(res.body).to.contain('<script type="module" src="/scan/app.js">');
  });

  it("forbids inline and foreign scripts through its content security policy", async () => {
    const res = await t.app.inject({ method: "GET", url: "/scan" });
    expect(res.headers["content-security-policy"]).to.contain("script-src 'self'");
    expect(res.headers["content-security-policy"]).to.contain("connect-src 'self'");
  });

  it("serves one bundled script that needs no module loader and carries ZXing's DataMatrix reader", async () => {
    const res = await t.app.inject({ method: "GET", url: "/scan/app.js" });
    expect(res.statusCode).to.equal(200);
    expect(res.headers["content-type"]).to.match(/^text\/javascript/);
    expect(() => new Script(res.body)).not.to.throw();
    expect(res.body).not.to.match(/^\s*import\s/m);
    expect(res.body).to.contain("/v1/verify/scan");
    expect(res.body.length).to.be.greaterThan(50_000);
  }).timeout(60_000);

  it("opens a GS1 Digital Link path of this gateway on the scan page with that link as the code", async () => {
    const res = await t.app.inject({ method: "GET", url: "/01/09521234543213/10/LOT1/21/SN1?17=270331", headers: { host: "gw.local:3000" } });
    expect(res.statusCode).to.equal(302);
    const target = new URL(res.headers.location ?? "", "http://gw.local:3000");
    expect(target.pathname).to.equal("/scan");
    const code = target.searchParams.get("code") ?? "";
    expect(code).to.equal("http://gw.local:3000/01/09521234543213/10/LOT1/21/SN1?17=270331");
    expect(parseGs1(code)).to.deep.include({ gtin: "09521234543213", lot: "LOT1", serial: "SN1", expiry: "270331" });
  });
});

describe("typed scanner input", () => {
  const expected = { gtin: "00350090123456", expiry: "270331", lot: "LOT2024A", serial: "SN8X4K2Q9" };

  for (const placeholder of ["<GS>", "<gs>", "{GS}", "[GS]", "^]", "\\x1d", "\\u001d", "\u241d", GS]) {
    it(`reads ${JSON.stringify(placeholder)} as the GS1 group separator`, () => {
      const code = normaliseTypedCode(`]d2010035009012345617270331 10LOT2024A${placeholder}21SN8X4K2Q9\r\n`.replace(" ", ""));
      expect(code).to.equal(`]d2010035009012345617270331` + `10LOT2024A${GS}21SN8X4K2Q9`);
      expect(parseGs1(code)).to.deep.include(expected);
    });
  }

  it("leaves a Digital Link URL and the bracketed form unchanged apart from edge spaces", () => {
    expect(normaliseTypedCode("  (01)00350090123456(21)SN1 ")).to.equal("(01)00350090123456(21)SN1");
    expect(normaliseTypedCode("https://id.example/01/00350090123456/21/SN1\n")).to.equal("https://id.example/01/00350090123456/21/SN1");
  });

  it("shows the separators it read so the user can see them", () => {
    expect(showSeparators(`0100350090123456${GS}21SN1`)).to.equal("0100350090123456<GS>21SN1");
  });
});

describe("scan page words", () => {
  it("has a sentence for every verification reason and additional-info code the chaincode can answer", () => {
    for (const code of [...Object.values(VERIFY_REASONS), ...Object.values(ADDITIONAL_INFO)]) {
      expect(REASON_WORDS, code).to.have.property(code);
      expect(reasonWords(code)).to.match(/^[A-Z].*\.$/);
    }
  });

  it("has words for every pack status", () => {
    for (const status of Object.values(PACK_STATUSES)) expect(STATUS_WORDS, status).to.have.property(status);
    expect(statusWords("RECEIVED")).to.equal("Received, in stock");
  });

  const TODAY = "2026-12-03T12:00:00Z";

  it("shows an expiry with day 00 as the last day of that month, leap years included", () => {
    expect(expiryWords("270331", TODAY)).to.equal("31 Mar 2027");
    expect(expiryWords("270200", TODAY)).to.equal("28 Feb 2027");
    expect(expiryWords("280200", TODAY)).to.equal("29 Feb 2028");
  });

  it("shows a two-digit year in the century GS1's sliding window gives around today, as the ledger reads it", () => {
    expect(expiryWords("991231", TODAY)).to.equal("31 Dec 1999");
    expect(expiryWords("760131", TODAY)).to.equal("31 Jan 2076");
    expect(expiryWords("100131", "2090-01-01T00:00:00Z")).to.equal("31 Jan 2110");
  });

  it("shows an impossible expiry as printed rather than inventing a date", () => {
    expect(expiryWords("271301", TODAY)).to.equal("271301");
    expect(expiryWords("270231", TODAY)).to.equal("270231");
    expect(expiryWords("27033", TODAY)).to.equal("27033");
  });

  it("reports a cold-chain hold only when the verification says so", () => {
    expect(coldChainWords(["COLD_CHAIN_HOLD"])).to.match(/^On hold/);
    expect(coldChainWords(["RECALLED"])).to.match(/^No cold-chain hold/);
  });
});
