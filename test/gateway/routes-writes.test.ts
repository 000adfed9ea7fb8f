import { expect } from "chai";
import { SqliteIdempotencyStore } from "../../gateway/src/adapters/idempotency-sqlite.js";
import { GatewayError, UnavailableError } from "../../gateway/src/errors.js";
import { buildTestApp, KEYS, type TestApp } from "./support/app.js";

const GTIN = "09521234543213";
const LOT = { gtin: GTIN, lot: "LOT2024A", expiry: "270331", serials: ["SN1", "SN2"] };
const json = (key: string, extra: Record<string, string> = {}) => ({ "x-api-key": key, "content-type": "application/json", ...extra });

describe("POST /v1/lots (commission)", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
    t.ledger.on("packs:CommissionLot", (call) => ({ ...JSON.parse(call.args?.[0] ?? "{}"), commissioned: 2 }));
  });
  afterEach(async () => t.close());

  it("submits CommissionLot on mfr-dist as the manufacturer's user, endorsed by its org, and answers 201", async () => {
    const res = await t.app.inject({ method: "POST", url: "/v1/lots", headers: json(KEYS.manufacturer), payload: LOT });
    expect(res.statusCode).to.equal(201);
    expect(res.json()).to.deep.include({ channel: "mfr-dist", transactionId: "tx1", blockNumber: "1" });
    const [submitted] = t.ledger.submitted("packs:CommissionLot");
    expect(submitted?.as.user).to.equal("operator");
    expect(submitted?.call.channel).to.equal("mfr-dist");
    expect(JSON.parse(submitted?.call.args?.[0] ?? "")).to.deep.equal(LOT);
    expect(submitted?.call.endorsingOrganizations).to.deep.equal(["ManufacturerMSP"]);
  });

  it("refuses the regulator with 403 before anything reaches the ledger", async () => {
    const res = await t.app.inject({ method: "POST", url: "/v1/lots", headers: json(KEYS.regulator), payload: LOT });
    expect(res.statusCode).to.equal(403);
    expect(res.json().code).to.equal("FORBIDDEN");
    expect(t.ledger.calls).to.have.length(0);
  });

  it("answers 401 without a key even when the body is malformed", async () => {
    const res = await t.app.inject({ method: "POST", url: "/v1/lots", headers: { "content-type": "application/json" }, payload: "{" });
    expect(res.statusCode).to.equal(401);
  });

  const bad: [string, unknown, string, RegExp][] = [
    ["a GTIN sent as a number", { ...LOT, gtin: 9521234543213 }, "gtin", /must be string/],
    ["a GTIN of 13 digits", { ...LOT, gtin: "0952123454321" }, "gtin", /must match pattern/],
    ["a missing serial list", { gtin: GTIN, lot: "L1", expiry: "270331" }, "serials", /is required/],
    ["an empty serial list", { ...LOT, serials: [] }, "serials", /fewer than 1/],
    ["a serial with a space", { ...LOT, serials: ["SN 1"] }, "serials.0", /must match pattern/],
    ["an unknown property", { ...LOT, price: 3 }, "price", /is not an accepted property/],
    ["an expiry with letters", { ...LOT, expiry: "27MAR1" }, "expiry", /must match pattern/],
  ];
  for (const [what, payload, field, rule] of bad) {
    it(`answers 400 naming ${field} for ${what}, and writes nothing`, async () => {
      const res = await t.app.inject({ method: "POST", url: "/v1/lots", headers: json(KEYS.manufacturer), payload: payload as object });
      expect(res.statusCode).to.equal(400);
      expect(res.json().code).to.equal("INVALID_ARGUMENT");
      expect(res.json().field).to.equal(field);
      expect(res.json().message).to.match(rule);
      expect(t.ledger.calls).to.have.length(0);
    });
  }

  it("answers 400 naming the body for malformed JSON", async () => {
    const res = await t.app.inject({ method: "POST", url: "/v1/lots", headers: json(KEYS.manufacturer), payload: '{"gtin": ' });
    expect(res.statusCode).to.equal(400);
    expect(res.json()).to.deep.include({ code: "INVALID_ARGUMENT", field: "body" });
  });

  it("answers 415 for a body that is not JSON", async () => {
    const res = await t.app.inject({ method: "POST", url: "/v1/lots", headers: { "x-api-key": KEYS.manufacturer, "content-type": "text/xml" }, payload: "<lot/>" });
    expect(res.statusCode).to.equal(415);
    expect(res.json().code).to.equal("UNSUPPORTED_MEDIA_TYPE");
  });

  it("passes a chaincode ALREADY_EXISTS through as 409 with its field and transaction id", async () => {
    t.ledger.on("packs:CommissionLot", () => {
      throw new GatewayError("ALREADY_EXISTS", "serials[1]: pack 09521234543213/SN2 already exists", { field: "serials[1]", transactionId: "abc" });
    });
    const res = await t.app.inject({ method: "POST", url: "/v1/lots", headers: json(KEYS.manufacturer), payload: LOT });
    expect(res.statusCode).to.equal(409);
    expect(res.json()).to.deep.equal({
      code: "ALREADY_EXISTS",
      field: "serials[1]",
      message: "serials[1]: pack 09521234543213/SN2 already exists",
      transactionId: "abc",
    });
  });

  it("answers 503 naming Fabric when the network is down, then succeeds when it is back", async () => {
    t.ledger.down(new UnavailableError("fabric", "ManufacturerMSP peer 127.0.0.1:7051 unreachable"));
    const down = await t.app.inject({ method: "POST", url: "/v1/lots", headers: json(KEYS.manufacturer), payload: LOT });
    expect(down.statusCode).to.equal(503);
    expect(down.json().details).to.deep.equal({ dependency: "fabric" });
    t.ledger.up();
    const up = await t.app.inject({ method: "POST", url: "/v1/lots", headers: json(KEYS.manufacturer), payload: LOT });
    expect(up.statusCode).to.equal(201);
  });

  it("hides an unexpected failure behind a 500 without internals", async () => {
    t.ledger.on("packs:CommissionLot", () => {
      throw new TypeError("cannot read properties of undefined (reading 'x')");
    });
    const res = await t.app.inject({ method: "POST", url: "/v1/lots", headers: json(KEYS.manufacturer), payload: LOT });
    expect(res.statusCode).to.equal(500);
    expect(res.json()).to.deep.equal({ code: "INTERNAL", message: "internal error; see the gateway log" });
  });
});

describe("body size limit", () => {
  it("answers 413 for a body above the limit, and writes nothing", async () => {
    const t = await buildTestApp({ bodyLimitBytes: 2048 });
    const serials = Array.from({ length: 400 }, (_, i) => `SERIAL${i}`);
    const res = await t.app.inject({ method: "POST", url: "/v1/lots", headers: json(KEYS.manufacturer), payload: { ...LOT, serials } });
    expect(res.statusCode).to.equal(413);
    expect(res.json()).to.deep.include({ code: "PAYLOAD_TOO_LARGE", field: "body" });
    expect(t.ledger.calls).to.have.length(0);
    await t.close();
  });
});

describe("Idempotency-Key on writes", () => {
  let t: TestApp;
  let commissions: number;
  beforeEach(async () => {
    t = await buildTestApp();
    commissions = 0;
    t.ledger.on("packs:CommissionLot", () => ({ commissioned: ++commissions }));
  });
  afterEach(async () => t.close());

  const post = (key: string, payload: object) =>
    t.app.inject({ method: "POST", url: "/v1/lots", headers: json(KEYS.manufacturer, { "idempotency-key": key }), payload });

  it("commissions once and replays the first answer for a retried request", async () => {
    const first = await post("order-1", LOT);
    const second = await post("order-1", LOT);
    expect(first.statusCode).to.equal(201);
    expect(second.statusCode).to.equal(201);
    expect(second.headers["idempotent-replayed"]).to.equal("true");
    expect(second.json()).to.deep.equal(first.json());
    expect(t.ledger.submitted("packs:CommissionLot")).to.have.length(1);
  });

  it("treats the same body with keys in another order as the same request", async () => {
    await post("order-2", LOT);
    const reordered = await post("order-2", { serials: LOT.serials, expiry: LOT.expiry, lot: LOT.lot, gtin: LOT.gtin });
    expect(reordered.headers["idempotent-replayed"]).to.equal("true");
  });

  it("refuses the same key with a different body with 422", async () => {
    await post("order-3", LOT);
    const res = await post("order-3", { ...LOT, serials: ["SN9"] });
    expect(res.statusCode).to.equal(422);
    expect(res.json()).to.deep.include({ code: "IDEMPOTENCY_KEY_REUSED", field: "Idempotency-Key" });
    expect(t.ledger.submitted("packs:CommissionLot")).to.have.length(1);
  });

  it("keeps the keys of different callers apart", async () => {
    t.ledger
      .on("packs:RecallLot", () => ({}))
      .on("packs:GetLot", () => ({ manufacturer: "ManufacturerMSP", recall: {} }))
      .on("crosschannel:SyncRecall", () => ({}));
    const recall = (apiKey: string) =>
      t.app.inject({ method: "POST", url: `/v1/lots/${GTIN}/L1/recall`, headers: json(apiKey, { "idempotency-key": "shared" }), payload: { reason: "r" } });
    await recall(KEYS.manufacturer);
    const other = await recall(KEYS.quality);
    expect(other.headers["idempotent-replayed"]).to.equal(undefined);
    expect(t.ledger.submitted("packs:RecallLot")).to.have.length(2);
  });

  it("forgets a key whose request failed, so the client can retry it", async () => {
    t.ledger.down(new UnavailableError("fabric", "down"));
    expect((await post("order-4", LOT)).statusCode).to.equal(503);
    t.ledger.up();
    const retry = await post("order-4", LOT);
    expect(retry.statusCode).to.equal(201);
    expect(retry.headers["idempotent-replayed"]).to.equal(undefined);
  });

  it("refuses a request with a key with 503 before it writes when the store does not answer", async () => {
    await t.close();
    const store = new SqliteIdempotencyStore(":memory:");
    store.claim = () => Promise.reject(new Error("connection refused"));
    t = await buildTestApp({ idempotency: store });
    const res = await post("order-5", LOT);
    expect(res.statusCode).to.equal(503);
    expect(res.json()).to.deep.include({ code: "UNAVAILABLE", field: "Idempotency-Key" });
    expect(t.ledger.calls).to.have.length(0);
  });

  it("answers a write done even when its answer cannot be stored; the key stays claimed", async () => {
    await t.close();
    const store = new SqliteIdempotencyStore(":memory:");
    store.complete = () => Promise.reject(new Error("connection reset"));
    t = await buildTestApp({ idempotency: store });
    t.ledger.on("packs:CommissionLot", () => ({ commissioned: ++commissions }));
    expect((await post("order-6", LOT)).statusCode).to.equal(201);
    expect((await post("order-6", LOT)).statusCode).to.equal(409);
    expect(t.ledger.submitted("packs:CommissionLot")).to.have.length(1);
  });

  it("refuses a key with spaces naming the header", async () => {
    const res = await post("has space", LOT);
    expect(res.statusCode).to.equal(400);
    expect(res.json().field).to.equal("Idempotency-Key");
  });
});

describe("POST /v1/products and withdrawal", () => {
  let t: TestApp;
  const product = {
    gtin: GTIN,
    name: "Amoxicillin 500 mg",
    strength: "500 mg",
    form: "capsule",
    nationalCode: "PZN-1234567",
    storage: { minCentiCelsius: 200, maxCentiCelsius: 800 },
    limits: { minCentiCelsius: 0, maxCentiCelsius: 2500 },
    stabilityBudgetMinutes: 120,
  };
  beforeEach(async () => {
    t = await buildTestApp();
  });
  afterEach(async () => t.close());

  it("registers a product on mfr-dist", async () => {
    t.ledger.on("products:RegisterProduct", (call) => JSON.parse(call.args?.[0] ?? ""));
    const res = await t.app.inject({ method: "POST", url: "/v1/products", headers: json(KEYS.manufacturer), payload: product });
    expect(res.statusCode).to.equal(201);
    expect(res.json().result.gtin).to.equal(GTIN);
  });

  it("refuses a stability budget sent as text instead of coercing it", async () => {
    const res = await t.app.inject({ method: "POST", url: "/v1/products", headers: json(KEYS.manufacturer), payload: { ...product, stabilityBudgetMinutes: "120" } });
    expect(res.statusCode).to.equal(400);
    expect(res.json().field).to.equal("stabilityBudgetMinutes");
  });

  it("names the nested field of a bad temperature", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/products",
      headers: json(KEYS.manufacturer),
      payload: { ...product, storage: { minCentiCelsius: 2.5, maxCentiCelsius: 800 } },
    });
    expect(res.statusCode).to.equal(400);
    expect(res.json().field).to.equal("storage.minCentiCelsius");
  });

  it("withdraws a GTIN on both channels when the regulator asks, each endorsed by the key's owner", async () => {
    t.ledger
      .on("products:GetProduct", () => ({ gtin: GTIN, manufacturer: "ManufacturerMSP" }))
      .on("products:WithdrawProduct", () => ({ gtin: GTIN, withdrawal: {} }));
    const res = await t.app.inject({ method: "POST", url: `/v1/products/${GTIN}/withdrawal`, headers: json(KEYS.regulator), payload: { reason: "falsified" } });
    expect(res.statusCode).to.equal(200);
    const subs = t.ledger.submitted("products:WithdrawProduct").map((s) => [s.call.channel, s.call.endorsingOrganizations]);
    expect(subs).to.deep.equal([
      ["mfr-dist", ["ManufacturerMSP"]],
      ["dist-pharm", ["RegulatorMSP"]],
    ]);
  });
});

describe("POST /v1/lots/{gtin}/{lot}/recall", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
    t.ledger.on("packs:RecallLot", () => ({ recall: {} }));
  });
  afterEach(async () => t.close());

  it("recalls on mfr-dist when the manufacturer asks, and has the regulator carry it onto dist-pharm's mirror", async () => {
    // The regulator's peer already sees the recall stamp that the relay waits for.
    t.ledger.on("packs:GetLot", (_call, as) => ({ gtin: GTIN, lot: "L1", manufacturer: "ManufacturerMSP", ...(as.mspId === "RegulatorMSP" ? { recall: {} } : {}) }));
    t.ledger.on("crosschannel:SyncRecall", () => ({ recall: {} }));
    const res = await t.app.inject({ method: "POST", url: `/v1/lots/${GTIN}/L1/recall`, headers: json(KEYS.quality), payload: { reason: "contamination" } });
    expect(res.statusCode).to.equal(200);
    expect(t.ledger.submitted("packs:RecallLot").map((s) => s.call.channel)).to.deep.equal(["mfr-dist"]);
    expect(t.ledger.submitted("packs:RecallLot")[0]?.call.args).to.deep.equal([GTIN, "L1", "contamination"]);
    const sync = t.ledger.submitted("crosschannel:SyncRecall");
    expect(sync.map((s) => [s.call.channel, s.as.mspId, s.call.endorsingOrganizations])).to.deep.equal([["dist-pharm", "RegulatorMSP", ["RegulatorMSP"]]]);
    expect(res.json().commits.map((c: { channel: string }) => c.channel)).to.deep.equal(["mfr-dist", "dist-pharm"]);
  });

  it("answers a manufacturer's recall of a lot never handed off with the mfr-dist commit alone", async () => {
    t.ledger.on("packs:GetLot", (_call, as) => ({ gtin: GTIN, lot: "L1", manufacturer: "ManufacturerMSP", ...(as.mspId === "RegulatorMSP" ? { recall: {} } : {}) }));
    t.ledger.on("crosschannel:SyncRecall", () => {
      throw new GatewayError("NOT_FOUND", "no lot mirror on dist-pharm");
    });
    const res = await t.app.inject({ method: "POST", url: `/v1/lots/${GTIN}/L1/recall`, headers: json(KEYS.quality), payload: { reason: "contamination" } });
    expect(res.statusCode).to.equal(200);
    expect(res.json().commits.map((c: { channel: string }) => c.channel)).to.deep.equal(["mfr-dist"]);
  });

  it("names dist-pharm as pending, not done, when the relay's SyncRecall fails its cross-channel query", async () => {
    // The recall stamp is on the regulator's peer of mfr-dist; dist-pharm's mirror does not carry it.
    t.ledger.on("packs:GetLot", (call, as) => ({
      gtin: GTIN,
      lot: "L1",
      manufacturer: "ManufacturerMSP",
      ...(as.mspId === "RegulatorMSP" && call.channel === "mfr-dist" ? { recall: {} } : {}),
    }));
    t.ledger.on("crosschannel:SyncRecall", () => {
      throw new GatewayError("CONFLICT", "cross-channel query to mfr-dist failed (500): no peer");
    });
    const res = await t.app.inject({ method: "POST", url: `/v1/lots/${GTIN}/L1/recall`, headers: json(KEYS.quality), payload: { reason: "contamination" } });
    expect(res.statusCode).to.equal(200);
    expect(res.json().commits.map((c: { channel: string }) => c.channel)).to.deep.equal(["mfr-dist"]);
    expect(res.json().pending.map((p: { channel: string; transaction: string }) => [p.channel, p.transaction])).to.deep.equal([["dist-pharm", "crosschannel:SyncRecall"]]);
  });

  it("recalls on every channel holding the lot when the regulator asks", async () => {
    t.ledger.on("packs:GetLot", (call) => {
      if (call.channel === "dist-pharm") throw new GatewayError("NOT_FOUND", "no lot");
      return { gtin: GTIN, lot: "L1", manufacturer: "ManufacturerMSP" };
    });
    const res = await t.app.inject({ method: "POST", url: `/v1/lots/${GTIN}/L1/recall`, headers: json(KEYS.regulator), payload: { reason: "contamination" } });
    expect(res.statusCode).to.equal(200);
    expect(res.json().commits).to.have.length(1);
    expect(t.ledger.submitted("packs:RecallLot")[0]?.call.endorsingOrganizations).to.deep.equal(["ManufacturerMSP"]);
  });

  it("refuses the distributor with 403", async () => {
    const res = await t.app.inject({ method: "POST", url: `/v1/lots/${GTIN}/L1/recall`, headers: json(KEYS.distributor), payload: { reason: "x" } });
    expect(res.statusCode).to.equal(403);
  });
});

describe("POST /v1/partners", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
    t.ledger.on("partners:RegisterPartner", (call) => JSON.parse(call.args?.[0] ?? ""));
  });
  afterEach(async () => t.close());

  it("lets the regulator's admin register a partner on the named channel, endorsed by the regulator", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/partners",
      headers: json(KEYS.regulatorAdmin),
      payload: { channel: "dist-pharm", mspId: "PharmacyMSP", name: "City Pharmacy", role: "Pharmacy" },
    });
    expect(res.statusCode).to.equal(201);
    const [s] = t.ledger.submitted("partners:RegisterPartner");
    expect(s?.call.channel).to.equal("dist-pharm");
    expect(s?.call.endorsingOrganizations).to.deep.equal(["RegulatorMSP"]);
  });

  it("keeps the regulator's auditor read-only", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/partners",
      headers: json(KEYS.regulator),
      payload: { channel: "dist-pharm", mspId: "PharmacyMSP", name: "City Pharmacy", role: "Pharmacy" },
    });
    expect(res.statusCode).to.equal(403);
  });
});
