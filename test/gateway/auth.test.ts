import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { FileApiKeyStore, generateApiKey, hashApiKey } from "../../gateway/src/auth/api-keys.js";
import { isAllowed } from "../../gateway/src/auth/policy.js";
import type { Principal } from "../../gateway/src/auth/principal.js";
import { buildTestApp, KEY_RECORDS, KEYS, type TestApp } from "./support/app.js";
import { tempDir } from "./support/temp.js";

describe("authentication", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
  });
  afterEach(async () => t.close());

  it("rejects a request without an API key with 401", async () => {
    const res = await t.app.inject({ method: "GET", url: "/v1/whoami" });
    expect(res.statusCode).to.equal(401);
    expect(res.json()).to.include({ code: "UNAUTHENTICATED" });
  });

  it("rejects an unknown API key with 401", async () => {
    const res = await t.app.inject({ method: "GET", url: "/v1/whoami", headers: { "x-api-key": "nope" } });
    expect(res.statusCode).to.equal(401);
    expect(res.json().message).to.equal("unknown or revoked API key");
  });

  it("rejects a revoked API key with 401", async () => {
    const res = await t.app.inject({ method: "GET", url: "/v1/whoami", headers: { "x-api-key": KEYS.revoked } });
    expect(res.statusCode).to.equal(401);
  });

  it("maps a key in x-api-key to its org user and role, and says what kind of partner the org is", async () => {
    const res = await t.app.inject({ method: "GET", url: "/v1/whoami", headers: { "x-api-key": KEYS.pharmacy } });
    expect(res.statusCode).to.equal(200);
    expect(res.json()).to.deep.equal({ keyId: "k-pharm", user: "pharmacist", mspId: "PharmacyMSP", role: "pharmacist", partnerRole: "Pharmacy" });
  });

  it("accepts the key as an Authorization Bearer token", async () => {
    const res = await t.app.inject({ method: "GET", url: "/v1/whoami", headers: { authorization: `Bearer ${KEYS.regulator}` } });
    expect(res.statusCode).to.equal(200);
    expect(res.json().mspId).to.equal("RegulatorMSP");
  });
});

describe("API key store on file", () => {
  it("stores only hashes and picks up a revocation without restart", () => {
    const dir = tempDir("rxtrace-keys-");
    const file = path.join(dir, "keys.json");
    const plain = generateApiKey();
    const rec = { ...KEY_RECORDS[0]!, sha256: hashApiKey(plain) };
    writeFileSync(file, JSON.stringify({ version: 1, keys: [rec] }));
    const store = new FileApiKeyStore(file);
    expect(store.authenticate(plain)?.mspId).to.equal("ManufacturerMSP");

    writeFileSync(file, JSON.stringify({ version: 1, keys: [{ ...rec, revokedAt: "2026-03-01T00:00:00Z", createdAt: "x" }] }));
    expect(store.authenticate(plain)).to.equal(undefined);
  });

  it("refuses a keys file whose record breaks the schema, naming the field", () => {
    const dir = tempDir("rxtrace-keys-");
    const file = path.join(dir, "keys.json");
    writeFileSync(file, JSON.stringify({ version: 1, keys: [{ ...KEY_RECORDS[0], sha256: "plain-key" }] }));
    expect(() => new FileApiKeyStore(file)).to.throw(/\/keys\/0\/sha256/);
  });

  it("treats a missing keys file as no valid key", () => {
    const store = new FileApiKeyStore(path.join(tmpdir(), "rxtrace-no-such-dir", "keys.json"));
    expect(store.authenticate("anything")).to.equal(undefined);
  });

  it("generates distinct 256-bit keys", () => {
    const a = generateApiKey();
    expect(a).to.match(/^rxt_[A-Za-z0-9_-]{43}$/);
    expect(generateApiKey()).to.not.equal(a);
  });
});

describe("access policy", () => {
  const who = (mspId: Principal["mspId"], role: Principal["role"]): Principal => ({ keyId: "k", user: role, mspId, role });

  it("keeps the regulator's auditor read-only except recall, withdrawal and marks", () => {
    const auditor = who("RegulatorMSP", "auditor");
    expect(isAllowed(auditor, "read")).to.be.true;
    expect(isAllowed(auditor, "lot.recall")).to.be.true;
    expect(isAllowed(auditor, "gtin.withdraw")).to.be.true;
    expect(isAllowed(auditor, "pack.markSuspect")).to.be.true;
    expect(isAllowed(auditor, "pack.markIllegitimate")).to.be.true;
    for (const action of ["lot.commission", "shipment.ship", "shipment.receive", "pack.dispense", "document.write", "partner.register"] as const) {
      expect(isAllowed(auditor, action), action).to.be.false;
    }
  });

  it("lets only the manufacturer's quality function release a cold-chain hold", () => {
    expect(isAllowed(who("ManufacturerMSP", "quality"), "coldchain.release")).to.be.true;
    expect(isAllowed(who("ManufacturerMSP", "operator"), "coldchain.release")).to.be.false;
    expect(isAllowed(who("DistributorMSP", "operator"), "coldchain.release")).to.be.false;
    expect(isAllowed(who("RegulatorMSP", "auditor"), "coldchain.release")).to.be.true;
  });

  it("lets only the manufacturer's quality function decide a hold on dist-pharm from mfr-dist", () => {
    expect(isAllowed(who("ManufacturerMSP", "quality"), "coldchain.decideDownstream")).to.be.true;
    expect(isAllowed(who("ManufacturerMSP", "operator"), "coldchain.decideDownstream")).to.be.false;
    expect(isAllowed(who("DistributorMSP", "operator"), "coldchain.decideDownstream")).to.be.false;
    expect(isAllowed(who("RegulatorMSP", "auditor"), "coldchain.decideDownstream")).to.be.false;
  });

  it("lets only the pharmacy dispense", () => {
    expect(isAllowed(who("PharmacyMSP", "pharmacist"), "pack.dispense")).to.be.true;
    expect(isAllowed(who("DistributorMSP", "operator"), "pack.dispense")).to.be.false;
  });
});
