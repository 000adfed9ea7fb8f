/**
 * Property-based fuzzing of the REST API, in process, over the real chaincode
 * (in-memory Fabric double): valid requests with one field made hostile, a
 * field dropped or added, whole bodies and path parameters replaced. Every
 * answer must be below 500; every 400 names a field; any rejection leaves the
 * ledger (state, endorsement policies, private data, events) as it was.
 * FUZZ_RUNS sets the runs per property (default 200).
 */
import { expect } from "chai";
import fc from "fast-check";
import type { LightMyRequestResponse } from "fastify";
import { buildFuzzApp, KEYS, SEED, Tally, type FuzzApp } from "./support/app.js";
import { absurdNumber, gs1ish, hostileValue, wrongType } from "./support/hostile.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 200);

interface Route {
  method: "GET" | "POST";
  /** Path template; :name segments come from `params`. */
  path: string;
  params: Record<string, string>;
  key: string;
  body?: Record<string, unknown>;
}

const pack = { gtin: SEED.gtin, serial: SEED.serials[5] ?? "" };
// Recall, withdrawal and decommission aim at the fuzz lot, the fuzz product and the last seeded
// pack, so an accepted one does not end the seeded world's use for the other routes.
const ROUTES: Route[] = [
  { method: "POST", path: "/v1/products", params: {}, key: KEYS.manufacturer, body: {
    gtin: "00350090123456", name: "Fuzz product", strength: "1 mg", form: "tablet", nationalCode: "NC-9",
    storage: { minCentiCelsius: 200, maxCentiCelsius: 800 }, limits: { minCentiCelsius: 0, maxCentiCelsius: 2500 }, stabilityBudgetMinutes: 60 } },
  { method: "POST", path: "/v1/lots", params: {}, key: KEYS.manufacturer, body: { gtin: SEED.gtin, lot: "LOTFUZZ", expiry: "291231", serials: ["FZ1", "FZ2"] } },
  { method: "POST", path: "/v1/shipments", params: {}, key: KEYS.manufacturer, body: { shipmentId: "SHIP-FUZZ-2", consignee: "DistributorMSP", packs: [pack],
    terms: { price: "12.50", currency: "EUR", quantity: 1, invoiceRef: "INV-1" } } },
  { method: "POST", path: "/v1/shipments/:shipmentId/receive", params: { shipmentId: SEED.shipmentId }, key: KEYS.distributor, body: { packs: [pack] } },
  { method: "POST", path: "/v1/shipments/:shipmentId/readings", params: { shipmentId: SEED.shipmentId }, key: KEYS.distributor, body: {
    intervalSeconds: 600, readings: [{ at: 1_768_471_000, centiCelsius: 450 }, { at: 1_768_471_600, centiCelsius: 500 }] } },
  { method: "POST", path: "/v1/shipments/:shipmentId/cold-chain/release", params: { shipmentId: SEED.shipmentId }, key: KEYS.quality, body: { reason: "checked" } },
  { method: "POST", path: "/v1/handoffs", params: {}, key: KEYS.distributor, body: { packs: [{ gtin: SEED.gtin, serial: SEED.shipped[0] ?? "" }] } },
  { method: "POST", path: "/v1/packs/:gtin/:serial/dispense", params: pack, key: KEYS.pharmacy, body: { lot: SEED.lot, expiry: SEED.expiry } },
  { method: "POST", path: "/v1/packs/:gtin/:serial/decommission", params: { gtin: SEED.gtin, serial: SEED.serials[9] ?? "" }, key: KEYS.manufacturer, body: { reason: "SAMPLE" } },
  { method: "POST", path: "/v1/packs/:gtin/:serial/marks", params: pack, key: KEYS.manufacturer, body: { mark: "QUARANTINED", reason: "fuzz" } },
  { method: "POST", path: "/v1/lots/:gtin/:lot/recall", params: { gtin: SEED.gtin, lot: "LOTFUZZ" }, key: KEYS.quality, body: { reason: "fuzz" } },
  { method: "POST", path: "/v1/products/:gtin/withdrawal", params: { gtin: "00350090123456" }, key: KEYS.quality, body: { reason: "fuzz" } },
  { method: "POST", path: "/v1/verify/scan", params: {}, key: KEYS.pharmacy, body: { code: `]d201${SEED.gtin}17${SEED.expiry}10${SEED.lot}\u001d21${pack.serial}` } },
  { method: "POST", path: "/v1/partners", params: {}, key: KEYS.regulatorAdmin, body: { mspId: "ManufacturerMSP", name: "Fuzz", role: "Manufacturer", channel: "mfr-dist" } },
  { method: "GET", path: "/v1/packs/:gtin/:serial", params: pack, key: KEYS.regulator },
  { method: "GET", path: "/v1/lots/:gtin/:lot", params: { gtin: SEED.gtin, lot: SEED.lot }, key: KEYS.regulator },
  { method: "GET", path: "/v1/shipments/:shipmentId/terms", params: { shipmentId: SEED.shipmentId }, key: KEYS.distributor },
];

function urlOf(route: Route, params: Record<string, string>): string {
  return route.path.replace(/:([A-Za-z]+)/g, (_, name: string) => encodeURIComponent(params[name] ?? ""));
}

type Mutation =
  | { kind: "replace"; field: number; value: unknown }
  | { kind: "nested"; field: number; value: unknown }
  | { kind: "drop"; field: number }
  | { kind: "add"; name: string; value: unknown }
  | { kind: "body"; value: unknown }
  | { kind: "param"; field: number; value: string }
  | { kind: "raw"; text: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("replace" as const), field: fc.nat(), value: hostileValue }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("nested" as const), field: fc.nat(), value: hostileValue }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("drop" as const), field: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("add" as const), name: fc.string({ minLength: 1, maxLength: 12 }), value: wrongType }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("body" as const), value: fc.jsonValue({ maxDepth: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("param" as const), field: fc.nat(), value: fc.oneof(gs1ish, fc.string({ unit: "binary", minLength: 1, maxLength: 30 })) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("raw" as const), text: fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom("{", "[]", "null", '{"a":', "\u0000", "{}".repeat(3))) }) },
);

/** Replaces the first scalar found inside a nested object or array of the body. */
function replaceNested(value: unknown, hostile: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? [hostile] : [replaceNested(value[0], hostile), ...value.slice(1)];
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    const [first, ...rest] = entries;
    if (!first) return hostile;
    return Object.fromEntries([[first[0], replaceNested(first[1], hostile)], ...rest]);
  }
  return hostile;
}

function apply(route: Route, m: Mutation): { url: string; payload?: string } {
  const params = { ...route.params };
  const body: Record<string, unknown> = { ...(route.body ?? {}) };
  const fields = Object.keys(body);
  const pick = (i: number) => fields[i % Math.max(fields.length, 1)];
  switch (m.kind) {
    case "replace": {
      const f = pick(m.field);
      if (f) body[f] = m.value;
      break;
    }
    case "nested": {
      const f = pick(m.field);
      if (f) body[f] = replaceNested(body[f], m.value);
      break;
    }
    case "drop": {
      const f = pick(m.field);
      if (f) delete body[f];
      break;
    }
    case "add":
      body[m.name] = m.value;
      break;
    case "param": {
      const names = Object.keys(params);
      const name = names[m.field % Math.max(names.length, 1)];
      if (name) params[name] = m.value;
      break;
    }
    case "body":
      return { url: urlOf(route, params), payload: JSON.stringify(m.value) };
    case "raw":
      return { url: urlOf(route, params), payload: m.text };
  }
  return { url: urlOf(route, params), ...(route.method === "POST" ? { payload: JSON.stringify(body) } : {}) };
}

/** The rules every answer to a fuzzed request obeys; returns the status. */
function checkAnswer(res: LightMyRequestResponse, before: string, after: string, tally: Tally): void {
  tally.count(res.statusCode);
  expect(res.statusCode, `5xx answer: ${res.body}`).to.be.below(500);
  if (res.statusCode < 400) return;
  const body = res.json<{ code?: unknown; field?: unknown; message?: unknown }>();
  expect(body.code, res.body).to.be.a("string");
  expect(body.message, res.body).to.be.a("string");
  if (res.statusCode === 400 || res.statusCode === 413) expect(body.field, `400 without a field: ${res.body}`).to.be.a("string").and.not.empty;
  expect(after, `a rejected request (${res.statusCode} ${res.body}) changed the ledger`).to.equal(before);
}

describe("REST API under fuzzed input (in process, real chaincode)", function () {
  this.timeout(600_000);
  let f: FuzzApp;
  const tally = new Tally("REST fuzz (in process)");

  before(async () => {
    f = await buildFuzzApp();
  });
  after(async () => {
    console.log(`      ${tally.toString()}`);
    await f.close();
  });

  it("answers every mutated request with a status below 500, names the field of every 400 and leaves the ledger unchanged on rejection", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: ROUTES.length - 1 }), mutation, async (index, m) => {
        const route = ROUTES[index];
        if (!route) return;
        const { url, payload } = apply(route, m);
        const before = f.ledger.snapshot();
        const res = await f.app.inject({
          method: route.method,
          url,
          headers: { "x-api-key": route.key, ...(payload === undefined ? {} : { "content-type": "application/json" }) },
          ...(payload === undefined ? {} : { payload }),
        });
        const after = f.ledger.snapshot();
        checkAnswer(res, before, after, tally);
      }),
      { numRuns: RUNS * 4 },
    );
  });

  it("refuses cold-chain readings with absurd temperatures, timestamps out of order or before 2000 with a 4xx naming the reading", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ at: fc.oneof(absurdNumber, fc.integer({ min: 946_684_800, max: 1_900_000_000 })), centiCelsius: absurdNumber }), { minLength: 1, maxLength: 50 }),
        fc.oneof(fc.integer({ min: 1, max: 86_400 }), absurdNumber),
        async (readings, intervalSeconds) => {
          const before = f.ledger.snapshot();
          const res = await f.app.inject({
            method: "POST",
            url: `/v1/shipments/${SEED.shipmentId}/readings`,
            headers: { "x-api-key": KEYS.distributor, "content-type": "application/json" },
            payload: { intervalSeconds, readings },
          });
          const after = f.ledger.snapshot();
          const ascending = readings.every((r, i) => i === 0 || r.at > (readings[i - 1]?.at ?? 0));
          const sane = readings.every((r) => Number.isInteger(r.centiCelsius) && Math.abs(r.centiCelsius) <= 8000 && Number.isInteger(r.at) && r.at >= 946_684_800);
          if (!ascending || !sane) expect(res.statusCode, `accepted: ${JSON.stringify({ intervalSeconds, readings })}`).to.be.within(400, 499);
          checkAnswer(res, before, after, tally);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("refuses a serial batch above 10,000 or a body above the size limit with 400 or 413 and writes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 10_001, max: 60_000 }), fc.integer({ min: 1, max: 20 }), async (count, width) => {
        const serialList = Array.from({ length: count }, (_, i) => `S${String(i).padStart(width, "0")}`.slice(0, 20));
        const before = f.ledger.snapshot();
        const res = await f.app.inject({
          method: "POST",
          url: "/v1/lots",
          headers: { "x-api-key": KEYS.manufacturer, "content-type": "application/json" },
          payload: { gtin: SEED.gtin, lot: "HUGE", expiry: "291231", serials: serialList },
        });
        expect(res.statusCode).to.be.oneOf([400, 413]);
        checkAnswer(res, before, f.ledger.snapshot(), tally);
      }),
      { numRuns: Math.max(5, Math.floor(RUNS / 20)) },
    );
  });
});
