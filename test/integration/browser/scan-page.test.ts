/**
 * The scan page in Debian Chromium against the real system: the gateway in
 * process over the Fabric network that scripts/test/integration.sh brings up,
 * packs moved through both channels by the orgs' API keys, labels rendered by
 * the gateway and uploaded to the page.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import type { Page } from "playwright-core";
import { renderLabel } from "../../../gateway/src/services/labels.js";
import { launchBrowser, type Browser } from "../../browser/support/browser.js";
import { call, freshGtin, futureExpiry, startGateway, type Gateway } from "../../../support/gateway-harness.js";

describe("scan page on the real network", function () {
  this.timeout(300_000);

  const run = `${Date.now().toString(36)}`.toUpperCase();
  const gtin = freshGtin();
  const expiry = futureExpiry();
  const lot = `SC${run}`.slice(0, 20);
  const recalledLot = `SR${run}`.slice(0, 20);
  const authentic = [`SA1${run}`, `SA2${run}`];
  const recalled = `SR1${run}`;
  let gw: Gateway;
  let browser: Browser;
  let files: string;
  let key: (who: string) => string;

  async function ok(method: string, url: string, who: string, body?: unknown): Promise<void> {
    const res = await call(gw, method, url, key(who), body);
    expect(res.status, `${method} ${url} as ${who}: ${JSON.stringify(res.body)}`).to.be.oneOf([200, 201]);
  }

  before(async () => {
    gw = await startGateway();
    key = (who) => {
      const found = gw.keys[who];
      if (!found) throw new Error(`no API key for ${who}`);
      return found;
    };
    const packs = [...authentic.map((serial) => ({ gtin, serial })), { gtin, serial: recalled }];
    await ok("POST", "/v1/products", "ManufacturerMSP/operator", {
      gtin,
      name: "Scan test tablets 10 mg",
      strength: "10 mg",
      form: "tablet",
      nationalCode: `NC-${run}`,
      storage: { minCentiCelsius: 1500, maxCentiCelsius: 2500 },
      limits: { minCentiCelsius: 0, maxCentiCelsius: 4000 },
      stabilityBudgetMinutes: 600,
    });
    await ok("POST", "/v1/lots", "ManufacturerMSP/operator", { gtin, lot, expiry, serials: authentic });
    await ok("POST", "/v1/lots", "ManufacturerMSP/operator", { gtin, lot: recalledLot, expiry, serials: [recalled] });
    await ok("POST", "/v1/shipments", "ManufacturerMSP/operator", { shipmentId: `SCM-${run}`, consignee: "DistributorMSP", packs });
    await ok("POST", `/v1/shipments/SCM-${run}/receive`, "DistributorMSP/operator", { packs });
    await ok("POST", "/v1/handoffs", "DistributorMSP/operator", { packs });
    await ok("POST", "/v1/shipments", "DistributorMSP/operator", { shipmentId: `SCD-${run}`, consignee: "PharmacyMSP", packs });
    await ok("POST", `/v1/shipments/SCD-${run}/receive`, "PharmacyMSP/pharmacist", { packs });
    await ok("POST", `/v1/lots/${gtin}/${recalledLot}/recall`, "RegulatorMSP/auditor", { reason: "scan page integration test" });
    browser = await launchBrowser();
    files = mkdtempSync(path.join(tmpdir(), "rxtrace-it-labels-"));
  });

  after(async () => {
    await browser?.close();
    await gw?.close();
    if (files) rmSync(files, { recursive: true, force: true });
  });

  async function labelFile(serial: string): Promise<string> {
    const res = await fetch(`${gw.url}/v1/packs/${gtin}/${serial}/label.png`, { headers: { "x-api-key": key("PharmacyMSP/pharmacist") } });
    expect(res.status, `label of ${serial}`).to.equal(200);
    const file = path.join(files, `${serial}.png`);
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    return file;
  }

  async function scan(file: string, who = "PharmacyMSP/pharmacist"): Promise<Page> {
    const page = await browser.context.newPage();
    await page.goto(`${gw.url}/scan`);
    await page.getByRole("textbox", { name: /^API key/ }).fill(key(who));
    await page.getByRole("button", { name: "Use this key" }).click();
    await page.locator("#who").filter({ hasText: "Signed in as" }).waitFor();
    await page.getByLabel("Or choose a photo or image of the label").setInputFiles(file);
    await page.locator("#result:not([hidden]), #error:not(:empty)").first().waitFor();
    expect(await page.locator("#error").textContent(), "error shown instead of a verdict").to.equal("");
    return page;
  }

  it("shows the pharmacy a pack that reached it through both channels as verified, with its custody on the pharmacy channel", async () => {
    const page = await scan(await labelFile(authentic[1] ?? ""));
    expect(await page.locator("#verdict-title").textContent()).to.equal("Verified");
    expect(await page.locator("#fact-product").textContent()).to.contain("Scan test tablets 10 mg");
    expect(await page.locator("#fact-lot").textContent()).to.equal(lot);
    expect(await page.locator("#fact-status").textContent()).to.equal("Received, in stock");
    const steps = await page.locator("#timeline li").allTextContents();
    expect(steps.at(-1)).to.contain("Received, in stock · PharmacyMSP (dist-pharm)");
    expect(steps.join("\n")).to.contain("DistributorMSP (dist-pharm)");
    expect(await page.locator("#dispense").isVisible()).to.equal(true);
    await page.close();
  });

  it("shows the regulator the same pack's custody across both channels, without a dispense button", async () => {
    const page = await scan(await labelFile(authentic[1] ?? ""), "RegulatorMSP/auditor");
    expect(await page.locator("#verdict-title").textContent()).to.equal("Verified");
    const steps = (await page.locator("#timeline li").allTextContents()).join("\n");
    expect(steps).to.contain("Commissioned by the manufacturer · ManufacturerMSP (mfr-dist)");
    expect(steps).to.contain("PharmacyMSP (dist-pharm)");
    expect(await page.locator("#dispense").isVisible()).to.equal(false);
    await page.close();
  });

  it("shows a pack of a lot the regulator recalled as not verified, saying it was recalled", async () => {
    const page = await scan(await labelFile(recalled));
    expect(await page.locator("#verdict-title").textContent()).to.equal("Not verified");
    expect(await page.locator("#verdict-reason").textContent()).to.contain("has been recalled");
    await page.close();
  });

  it("shows a label with a serial that was never commissioned as an unknown pack", async () => {
    const label = await renderLabel({ pack: { gtin, serial: `FAKE${run}`, lot, expiry }, symbology: "datamatrix", image: "png", digitalLinkOrigin: gw.url, scale: 4 });
    const file = path.join(files, "counterfeit.png");
    writeFileSync(file, label.body);
    const page = await scan(file);
    expect(await page.locator("#verdict-title").textContent()).to.equal("Not verified");
    expect(await page.locator("#verdict-reason").textContent()).to.match(/^Unknown pack/);
    await page.close();
  });

  it("dispenses from the page, and the ledger then holds the pack as dispensed", async () => {
    const page = await scan(await labelFile(authentic[0] ?? ""));
    expect(await page.locator("#verdict-title").textContent()).to.equal("Verified");
    await page.getByRole("button", { name: "Dispense this pack" }).click();
    await page.locator("#dispense-result").filter({ hasText: /Dispensed|Not dispensed/ }).waitFor({ timeout: 120_000 });
    expect(await page.locator("#dispense-result").textContent()).to.match(/^Dispensed\. Ledger transaction [0-9a-f]{64}/);
    const pack = await call(gw, "GET", `/v1/packs/${gtin}/${authentic[0] ?? ""}`, key("RegulatorMSP/auditor"));
    expect(pack.status).to.equal(200);
    expect(pack.body.result.status).to.equal("DISPENSED");
    await page.close();
  });
});
