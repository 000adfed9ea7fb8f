import { expect } from "chai";
import { GS, parseGs1 } from "@rxtrace/domain";
import { NotFoundError } from "../../gateway/src/errors.js";
import type { LedgerCall } from "../../gateway/src/ports/ledger.js";
import { renderLabel } from "../../gateway/src/services/labels.js";
import { KEYS, buildTestApp, type TestApp } from "./support/app.js";
import { FakeLedger } from "./support/fake-ledger.js";
import { decodePng, rasterizeSvg, scanGrayscale, scanPng } from "./labels-decode.js";

const PACK = { gtin: "09521234543213", serial: "SN8X4K2Q9", lot: "LOT2024A", expiry: "270331" };
/** What a DataMatrix scanner returns: FNC1 as a leading GS, GS after the variable-length lot. */
const ELEMENT_STRING = `${GS}010952123454321317270331` + `10LOT2024A${GS}21SN8X4K2Q9`;

/** A ledger where the pack lives on `channel` only. */
function ledgerWithPackOn(channel: string): FakeLedger {
  return new FakeLedger().on("packs:GetPack", (call: LedgerCall) => {
    if (call.channel !== channel || call.args?.[0] !== PACK.gtin || call.args[1] !== PACK.serial) {
      throw new NotFoundError(`pack ${String(call.args?.[0])}/${String(call.args?.[1])} not found`);
    }
    return { ...PACK, status: "RECEIVED", owner: "PharmacyMSP", marks: [] };
  });
}

describe("label rendering", () => {
  it("renders a GS1 DataMatrix PNG that a scanner reads back as the pack's element string", async () => {
    const label = await renderLabel({ pack: PACK, symbology: "datamatrix", image: "png", digitalLinkOrigin: "http://x", scale: 4 });
    expect(label.contentType).to.equal("image/png");
    expect(scanPng(label.body)).to.equal(ELEMENT_STRING);
  });

  it("renders a GS1 DataMatrix SVG that reads back the same element string", async () => {
    const label = await renderLabel({ pack: PACK, symbology: "datamatrix", image: "svg", digitalLinkOrigin: "http://x", scale: 4 });
    expect(label.contentType).to.equal("image/svg+xml");
    expect(scanGrayscale(rasterizeSvg(label.body.toString("utf8")))).to.equal(ELEMENT_STRING);
  });

  it("renders a QR code holding the pack's GS1 Digital Link URL", async () => {
    const label = await renderLabel({ pack: PACK, symbology: "qr", image: "png", digitalLinkOrigin: "https://id.example.com/", scale: 3 });
    const text = scanPng(label.body);
    expect(text).to.equal("https://id.example.com/01/09521234543213/10/LOT2024A/21/SN8X4K2Q9?17=270331");
    expect(parseGs1(text)).to.deep.include({ gtin: PACK.gtin, serial: PACK.serial, lot: PACK.lot, expiry: PACK.expiry });
  });

  it("renders QR labels that read back for every gateway address, whatever mask and size the URL leads to", async () => {
    for (let port = 30000; port < 30020; port++) {
      for (const scale of [2, 4]) {
        const origin = `http://127.0.0.1:${port}`;
        const label = await renderLabel({ pack: PACK, symbology: "qr", image: "png", digitalLinkOrigin: origin, scale });
        expect(scanPng(label.body), `${origin} at scale ${scale}`).to.equal(`${origin}/01/09521234543213/10/LOT2024A/21/SN8X4K2Q9?17=270331`);
      }
    }
  }).timeout(60_000);

  it("percent-encodes lot and serial characters that are not URL-safe in the Digital Link", async () => {
    const pack = { ...PACK, serial: "A%B?C", lot: "L/1" };
    const label = await renderLabel({ pack, symbology: "qr", image: "png", digitalLinkOrigin: "https://id.example.com", scale: 3 });
    const text = scanPng(label.body);
    expect(text).to.contain("/10/L%2F1/21/A%25B%3FC?17=");
    expect(parseGs1(text)).to.deep.include({ serial: "A%B?C", lot: "L/1" });
  });

  it("leaves a quiet zone of white around the DataMatrix", async () => {
    const scale = 4;
    const label = await renderLabel({ pack: PACK, symbology: "datamatrix", image: "png", digitalLinkOrigin: "http://x", scale });
    const image = decodePng(label.body);
    const border = 2 * scale;
    for (let y = 0; y < image.height; y++) {
      for (let x = 0; x < image.width; x++) {
        const inMargin = x < border || y < border || x >= image.width - border || y >= image.height - border;
        if (inMargin) expect(image.pixels[y * image.width + x], `pixel ${x},${y}`).to.equal(255);
      }
    }
  });
});

describe("GET /v1/packs/{gtin}/{serial}/label.(png|svg)", () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });
  /** The channels the label read asked, each once (a miss is read again once the peer is known not to be behind). */
  const channelsRead = (): string[] => [...new Set((t?.ledger.calls ?? []).map((c) => c.call.channel))];

  it("answers a DataMatrix PNG of the pack as the ledger records it", async () => {
    t = await buildTestApp({ ledger: ledgerWithPackOn("dist-pharm") });
    const res = await t.app.inject({ method: "GET", url: `/v1/packs/${PACK.gtin}/${PACK.serial}/label.png`, headers: { "x-api-key": KEYS.pharmacy } });
    expect(res.statusCode).to.equal(200);
    expect(res.headers["content-type"]).to.equal("image/png");
    expect(scanPng(res.rawPayload)).to.equal(ELEMENT_STRING);
  });

  it("answers a Digital Link QR whose URL points back at the gateway it was asked from", async () => {
    t = await buildTestApp({ ledger: ledgerWithPackOn("dist-pharm") });
    const res = await t.app.inject({
      method: "GET",
      url: `/v1/packs/${PACK.gtin}/${PACK.serial}/label.svg?format=qr&scale=2`,
      headers: { "x-api-key": KEYS.pharmacy, host: "pharmacy.local:3000" },
    });
    expect(res.statusCode).to.equal(200);
    expect(res.headers["content-type"]).to.match(/^image\/svg\+xml/);
    expect(scanGrayscale(rasterizeSvg(res.body))).to.equal("http://pharmacy.local:3000/01/09521234543213/10/LOT2024A/21/SN8X4K2Q9?17=270331");
  });

  it("finds a pack the distributor holds on the manufacturer channel when the pharmacy channel does not know it", async () => {
    t = await buildTestApp({ ledger: ledgerWithPackOn("mfr-dist") });
    const res = await t.app.inject({ method: "GET", url: `/v1/packs/${PACK.gtin}/${PACK.serial}/label.png`, headers: { "x-api-key": KEYS.distributor } });
    expect(res.statusCode).to.equal(200);
    expect(scanPng(res.rawPayload)).to.equal(ELEMENT_STRING);
    expect(channelsRead()).to.have.members(["dist-pharm", "mfr-dist"]);
  });

  it("reads only the manufacturer's own channel for a manufacturer", async () => {
    t = await buildTestApp({ ledger: ledgerWithPackOn("dist-pharm") });
    const res = await t.app.inject({ method: "GET", url: `/v1/packs/${PACK.gtin}/${PACK.serial}/label.png`, headers: { "x-api-key": KEYS.manufacturer } });
    expect(res.statusCode).to.equal(404);
    expect(channelsRead()).to.deep.equal(["mfr-dist"]);
  });

  it("answers 404 naming the pack when no readable channel knows the serial", async () => {
    t = await buildTestApp({ ledger: ledgerWithPackOn("dist-pharm") });
    const res = await t.app.inject({ method: "GET", url: `/v1/packs/${PACK.gtin}/UNKNOWN1/label.png`, headers: { "x-api-key": KEYS.regulator } });
    expect(res.statusCode).to.equal(404);
    expect(res.json()).to.include({ code: "NOT_FOUND", field: "serial" });
    expect(res.json().message).to.contain(`${PACK.gtin}/UNKNOWN1`);
    expect(channelsRead()).to.have.members(["dist-pharm", "mfr-dist"]);
  });

  it("refuses a GTIN with a wrong check digit, naming the field and the rule, without asking the ledger", async () => {
    t = await buildTestApp({ ledger: ledgerWithPackOn("dist-pharm") });
    const res = await t.app.inject({ method: "GET", url: `/v1/packs/09521234543214/${PACK.serial}/label.png`, headers: { "x-api-key": KEYS.pharmacy } });
    expect(res.statusCode).to.equal(400);
    expect(res.json()).to.include({ code: "INVALID_ARGUMENT", field: "gtin" });
    expect(res.json().message).to.match(/^gtin: .*check digit/);
    expect(t.ledger.calls).to.have.length(0);
  });

  it("refuses an unknown barcode format, naming the query field", async () => {
    t = await buildTestApp({ ledger: ledgerWithPackOn("dist-pharm") });
    const res = await t.app.inject({ method: "GET", url: `/v1/packs/${PACK.gtin}/${PACK.serial}/label.png?format=ean13`, headers: { "x-api-key": KEYS.pharmacy } });
    expect(res.statusCode).to.equal(400);
    expect(res.json()).to.include({ code: "INVALID_ARGUMENT", field: "format" });
  });

  it("answers 401 without an API key", async () => {
    t = await buildTestApp({ ledger: ledgerWithPackOn("dist-pharm") });
    const res = await t.app.inject({ method: "GET", url: `/v1/packs/${PACK.gtin}/${PACK.serial}/label.png` });
    expect(res.statusCode).to.equal(401);
  });
});
