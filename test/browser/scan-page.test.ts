/**
 * The scan page in a real browser (Debian Chromium through playwright-core)
 * against the gateway app with an in-memory ledger behind its port: label
 * images rendered by the label endpoint are fed to the page as an uploaded
 * image, through the fake camera, or typed as a handheld scanner would.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import type { Page } from "playwright-core";
import { GS } from "@rxtrace/chaincode";
import { renderLabel } from "../../gateway/src/services/labels.js";
import { decodePng } from "../gateway/labels-decode.js";
import { KEYS, buildTestApp, type TestApp } from "../gateway/support/app.js";
import { launchBrowser, type Browser } from "./support/browser.js";
import { PackWorld, PRODUCT } from "./support/pack-world.js";
import { stillToY4m } from "./support/y4m.js";

const LOT = "LOT2024A";
const RECALLED_LOT = "LOT2023R";
const EXPIRY = "271200";

describe("scan page in Chromium", function () {
  this.timeout(60_000);

  let world: PackWorld;
  let gateway: TestApp;
  let base: string;
  let browser: Browser;
  let files: string;

  before(async () => {
    world = new PackWorld();
    world.receivedAtPharmacy("SN-AUTH-1", LOT, EXPIRY);
    world.receivedAtPharmacy("SN-AUTH-2", LOT, EXPIRY);
    world.receivedAtPharmacy("SN-AUTH-3", LOT, EXPIRY);
    world.receivedAtPharmacy("SN-AUTH-4", LOT, EXPIRY);
    world.receivedAtPharmacy("SN-RECALL-1", RECALLED_LOT, EXPIRY);
    world.recallLot(RECALLED_LOT);
    gateway = await buildTestApp({ ledger: world.ledger });
    await gateway.app.listen({ host: "127.0.0.1", port: 0 });
    base = `http://127.0.0.1:${(gateway.app.server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
    files = mkdtempSync(path.join(tmpdir(), "rxtrace-labels-"));
  });

  after(async () => {
    await browser?.close();
    await gateway?.close();
    if (files) rmSync(files, { recursive: true, force: true });
  });

  /** Downloads a pack's label from the gateway's label endpoint into a file. */
  async function labelFile(serial: string, format: "datamatrix" | "qr" = "datamatrix"): Promise<string> {
    const res = await fetch(`${base}/v1/packs/${PRODUCT.gtin}/${serial}/label.png?format=${format}`, { headers: { "x-api-key": KEYS.pharmacy } });
    expect(res.status, `label of ${serial}`).to.equal(200);
    const file = path.join(files, `${serial}-${format}.png`);
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    return file;
  }

  async function openSignedIn(key: string = KEYS.pharmacy): Promise<Page> {
    const page = await browser.context.newPage();
    await page.goto(`${base}/scan`);
    await page.getByRole("textbox", { name: /^API key/ }).fill(key);
    await page.getByRole("button", { name: "Use this key" }).click();
    await page.locator("#who").filter({ hasText: "Signed in as" }).waitFor();
    return page;
  }

  async function verdictOf(page: Page): Promise<{ title: string; reason: string }> {
    await page.locator("#result:not([hidden]), #error:not(:empty)").first().waitFor();
    expect(await page.locator("#error").textContent(), "error shown instead of a verdict").to.equal("");
    return { title: (await page.locator("#verdict-title").textContent()) ?? "", reason: (await page.locator("#verdict-reason").textContent()) ?? "" };
  }

  it("shows an authentic pack as verified with its product, lot, expiry, status, cold chain and provenance", async () => {
    const page = await openSignedIn();
    await page.getByLabel("Or choose a photo or image of the label").setInputFiles(await labelFile("SN-AUTH-1"));
    const verdict = await verdictOf(page);
    expect(verdict.title).to.equal("Verified");
    expect(await page.locator("#verdict").getAttribute("class")).to.contain("ok");
    expect(await page.locator("#fact-product").textContent()).to.contain(PRODUCT.name);
    expect(await page.locator("#fact-serial").textContent()).to.equal("SN-AUTH-1");
    expect(await page.locator("#fact-lot").textContent()).to.equal(LOT);
    expect(await page.locator("#fact-expiry").textContent()).to.equal("31 Dec 2027");
    expect(await page.locator("#fact-status").textContent()).to.equal("Received, in stock");
    expect(await page.locator("#fact-coldchain").textContent()).to.match(/^No cold-chain hold/);
    const steps = await page.locator("#timeline li").allTextContents();
    expect(steps).to.have.length(5);
    expect(steps[0]).to.contain("Commissioned by the manufacturer");
    expect(steps[4]).to.contain("PharmacyMSP");
    await page.close();
  });

  it("shows a pack of a recalled lot as not verified, saying it was recalled, and offers no dispense", async () => {
    const page = await openSignedIn();
    await page.getByLabel("Or choose a photo or image of the label").setInputFiles(await labelFile("SN-RECALL-1"));
    const verdict = await verdictOf(page);
    expect(verdict.title).to.equal("Not verified");
    expect(verdict.reason).to.contain("has been recalled");
    expect(await page.locator("#verdict").getAttribute("class")).to.contain("bad");
    expect(await page.locator("#dispense").isVisible()).to.equal(false);
    await page.close();
  });

  it("shows a label whose serial no one commissioned as an unknown pack", async () => {
    const counterfeit = await renderLabel({
      pack: { gtin: PRODUCT.gtin, serial: "SN-FAKE-9", lot: LOT, expiry: EXPIRY },
      symbology: "datamatrix",
      image: "png",
      digitalLinkOrigin: base,
      scale: 4,
    });
    const file = path.join(files, "counterfeit.png");
    writeFileSync(file, counterfeit.body);
    const page = await openSignedIn();
    await page.getByLabel("Or choose a photo or image of the label").setInputFiles(file);
    const verdict = await verdictOf(page);
    expect(verdict.title).to.equal("Not verified");
    expect(verdict.reason).to.match(/^Unknown pack/);
    expect(await page.locator("#fact-serial").textContent()).to.equal("SN-FAKE-9");
    await page.close();
  });

  it("dispenses a verified pack from the page, and the ledger records the dispense with the printed lot and expiry", async () => {
    const page = await openSignedIn();
    await page.getByLabel("Or choose a photo or image of the label").setInputFiles(await labelFile("SN-AUTH-2"));
    expect((await verdictOf(page)).title).to.equal("Verified");
    await page.getByRole("button", { name: "Dispense this pack" }).click();
    await page.locator("#dispense-result").filter({ hasText: "Dispensed" }).waitFor();
    expect(await page.locator("#fact-status").textContent()).to.equal("Dispensed");

    const dispensed = world.ledger.submitted("packs:Dispense");
    expect(dispensed).to.have.length(1);
    expect(dispensed[0]?.as.mspId).to.equal("PharmacyMSP");
    expect(JSON.parse(dispensed[0]?.call.args?.[0] ?? "{}")).to.deep.include({ gtin: PRODUCT.gtin, serial: "SN-AUTH-2", lot: LOT, expiry: EXPIRY });
    expect(world.pack("SN-AUTH-2")?.status).to.equal("DISPENSED");

    // Scanning the same pack again now says it is no longer in the supply chain.
    await page.getByLabel("Or choose a photo or image of the label").setInputFiles(await labelFile("SN-AUTH-2"));
    await page.locator("#verdict-title").filter({ hasText: "Not verified" }).waitFor();
    expect(await page.locator("#verdict-reason").textContent()).to.contain("already been decommissioned");
    await page.close();
  });

  it("tells the second of two pharmacists dispensing the same pack at once that it was already inactive", async () => {
    const first = await openSignedIn();
    const second = await openSignedIn();
    for (const page of [first, second]) {
      await page.getByLabel("Or choose a photo or image of the label").setInputFiles(await labelFile("SN-AUTH-4"));
      expect((await verdictOf(page)).title).to.equal("Verified");
    }
    await first.getByRole("button", { name: "Dispense this pack" }).click();
    await first.locator("#dispense-result").filter({ hasText: "Dispensed" }).waitFor();
    await second.getByRole("button", { name: "Dispense this pack" }).click();
    await second.locator("#dispense-result").filter({ hasText: "Not dispensed" }).waitFor();
    expect(await second.locator("#dispense-result").textContent()).to.contain("already inactive");
    expect(await second.locator("#dispense-result").textContent()).to.contain("ALREADY_INACTIVE");
    expect(world.ledger.submitted("packs:Dispense").filter((c) => c.call.args?.[0]?.includes("SN-AUTH-4"))).to.have.length(2);
    await first.close();
    await second.close();
  });

  it("does not offer dispensing to a user of another org, even for a verified pack", async () => {
    const page = await openSignedIn(KEYS.regulator);
    await page.getByLabel("Or choose a photo or image of the label").setInputFiles(await labelFile("SN-AUTH-3"));
    expect((await verdictOf(page)).title).to.equal("Verified");
    expect(await page.locator("#dispense").isVisible()).to.equal(false);
    await page.close();
  });

  it("verifies a Digital Link QR label", async () => {
    const page = await openSignedIn();
    await page.getByLabel("Or choose a photo or image of the label").setInputFiles(await labelFile("SN-AUTH-3", "qr"));
    expect((await verdictOf(page)).title).to.equal("Verified");
    expect(await page.locator("#read").textContent()).to.contain(`${base}/01/${PRODUCT.gtin}/10/${LOT}/21/SN-AUTH-3`);
    await page.close();
  });

  it("opens a Digital Link URL of the gateway on the scan page and verifies it once the key is given", async () => {
    const page = await browser.context.newPage();
    await page.goto(`${base}/01/${PRODUCT.gtin}/10/${LOT}/21/SN-AUTH-3?17=${EXPIRY}`);
    expect(new URL(page.url()).pathname).to.equal("/scan");
    expect(await page.locator("#result").isHidden()).to.equal(true);
    await page.getByRole("textbox", { name: /^API key/ }).fill(KEYS.pharmacy);
    await page.getByRole("button", { name: "Use this key" }).click();
    expect((await verdictOf(page)).title).to.equal("Verified");
    expect(await page.locator("#fact-serial").textContent()).to.equal("SN-AUTH-3");
    await page.close();
  });

  it("verifies what a handheld scanner types, with the group separator typed as <GS> or sent as ASCII 29", async () => {
    const page = await openSignedIn();
    for (const separator of ["<GS>", GS]) {
      await page.getByLabel("Code from a handheld scanner, or typed by hand").fill(`]d201${PRODUCT.gtin}17${EXPIRY}10${LOT}${separator}21SN-AUTH-3`);
      await page.getByLabel("Code from a handheld scanner, or typed by hand").press("Enter");
      expect((await verdictOf(page)).title, separator).to.equal("Verified");
      expect(await page.locator("#fact-serial").textContent()).to.equal("SN-AUTH-3");
      await page.evaluate(() => {
        const result = document.getElementById("result");
        if (result) result.hidden = true;
      });
    }
    await page.close();
  });

  it("works from the keyboard alone: key, code, verdict in focus, dispense", async () => {
    world.receivedAtPharmacy("SN-KEYS-1", LOT, EXPIRY);
    const page = await browser.context.newPage();
    await page.goto(`${base}/scan`);
    const focused = async (): Promise<string> => ((await page.locator(":focus").count()) === 0 ? "" : ((await page.locator(":focus").getAttribute("id")) ?? ""));
    await page.keyboard.press("Tab");
    expect(await focused()).to.equal("api-key");
    await page.keyboard.type(KEYS.pharmacy);
    await page.keyboard.press("Enter");
    await page.locator("#who").filter({ hasText: "Signed in as" }).waitFor();
    for (let i = 0; i < 5 && (await focused()) !== "code"; i++) await page.keyboard.press("Tab");
    expect(await focused()).to.equal("code");
    await page.keyboard.type(`01${PRODUCT.gtin}17${EXPIRY}10${LOT}<GS>21SN-KEYS-1`);
    await page.keyboard.press("Enter");
    expect((await verdictOf(page)).title).to.equal("Verified");
    expect(await focused()).to.equal("verdict-title");
    await page.keyboard.press("Tab");
    expect(await focused()).to.equal("dispense");
    await page.keyboard.press("Enter");
    await page.locator("#dispense-result").filter({ hasText: "Dispensed" }).waitFor();
    expect(world.pack("SN-KEYS-1")?.status).to.equal("DISPENSED");
    await page.close();
  });

  it("names the field and the rule when a typed code is malformed", async () => {
    const page = await openSignedIn();
    await page.getByLabel("Code from a handheld scanner, or typed by hand").fill(`01${PRODUCT.gtin.slice(0, 13)}9`);
    await page.getByRole("button", { name: "Verify", exact: true }).click();
    await page.locator("#error").filter({ hasText: "INVALID_ARGUMENT" }).waitFor();
    expect(await page.locator("#error").textContent()).to.match(/gtin/i);
    expect(await page.locator("#result").isHidden()).to.equal(true);
    await page.close();
  });

  it("says so when the API key is not accepted", async () => {
    const page = await browser.context.newPage();
    await page.goto(`${base}/scan`);
    await page.getByRole("textbox", { name: /^API key/ }).fill("not-a-key");
    await page.getByRole("button", { name: "Use this key" }).click();
    await page.locator("#who").filter({ hasText: "not accepted" }).waitFor();
    expect(await page.locator("#who").textContent()).to.contain("unknown or revoked API key");
    await page.close();
  });

  it("reads a DataMatrix label shown to the camera", async () => {
    const label = await renderLabel({ pack: { gtin: PRODUCT.gtin, serial: "SN-AUTH-3", lot: LOT, expiry: EXPIRY }, symbology: "datamatrix", image: "png", digitalLinkOrigin: base, scale: 6 });
    const video = path.join(files, "camera.y4m");
    writeFileSync(video, stillToY4m(decodePng(label.body)));
    const withCamera = await launchBrowser({ cameraFile: video });
    try {
      const page = await withCamera.context.newPage();
      await page.goto(`${base}/scan`);
      await page.getByRole("textbox", { name: /^API key/ }).fill(KEYS.pharmacy);
      await page.getByRole("button", { name: "Use this key" }).click();
      await page.locator("#who").filter({ hasText: "Signed in as" }).waitFor();
      await page.getByRole("button", { name: "Scan with the camera" }).click();
      expect((await verdictOf(page)).title).to.equal("Verified");
      expect(await page.locator("#fact-serial").textContent()).to.equal("SN-AUTH-3");
      expect(await page.locator("#video").isHidden()).to.equal(true);
    } finally {
      await withCamera.close();
    }
  });
});
