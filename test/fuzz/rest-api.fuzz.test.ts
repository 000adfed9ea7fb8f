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
import { absurdNumber } from "./support/hostile.js";
import { apply, mutation, routesFor } from "./support/requests.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const ROUTES = routesFor({ ...SEED, freeGtin: "00350090123456" }, KEYS);

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
