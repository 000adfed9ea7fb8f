/**
 * A smaller run of the REST fuzzer against the real network (the broad run is
 * in process: test/fuzz/rest-api.fuzz.test.ts). Every answer is below 500,
 * every 400 names a field, and after every rejection the seeded records read
 * back exactly as before (product, lot, its packs, the shipment, a pack's
 * history, and the fuzz lot and product). FUZZ_RUNS_NETWORK sets the number of
 * requests (default 60).
 */
import { expect } from "chai";
import fc from "fast-check";
import { apply, mutation, routesFor, type Seed } from "../../fuzz/support/requests.js";
import { call, freshGtin, futureExpiry, startGateway, type Gateway } from "../../../support/gateway-harness.js";
import { afterPropagation } from "./support.js";

const RUNS = Number(process.env.FUZZ_RUNS_NETWORK ?? 60);
const RUN = Date.now().toString(36).toUpperCase();

describe("REST API under fuzzed input on the real network", function () {
  this.timeout(900_000);
  let gw: Gateway;
  let seed: Seed;
  const key = (who: string): string => {
    const k = gw.keys[who];
    if (!k) throw new Error(`no key for ${who}`);
    return k;
  };

  before(async () => {
    gw = await startGateway();
    const serials = Array.from({ length: 10 }, (_, i) => `FZ${RUN}${i}`.slice(0, 20));
    seed = { gtin: freshGtin(), lot: `LF${RUN}`.slice(0, 20), expiry: futureExpiry(), serials, shipmentId: `SF-${RUN}`, shipped: serials.slice(0, 3), freeGtin: freshGtin() };
    const mfr = key("ManufacturerMSP/operator");
    const steps = [
      await call(gw, "POST", "/v1/products", mfr, {
        gtin: seed.gtin, name: "Fuzz vaccine", strength: "1 ml", form: "suspension", nationalCode: "NC-F",
        storage: { minCentiCelsius: 200, maxCentiCelsius: 800 }, limits: { minCentiCelsius: 0, maxCentiCelsius: 2500 }, stabilityBudgetMinutes: 60,
      }),
      await call(gw, "POST", "/v1/lots", mfr, { gtin: seed.gtin, lot: seed.lot, expiry: seed.expiry, serials }),
      await afterPropagation(() => call(gw, "POST", "/v1/shipments", mfr, { shipmentId: seed.shipmentId, consignee: "DistributorMSP", packs: seed.shipped.map((serial) => ({ gtin: seed.gtin, serial })) })),
      await call(gw, "POST", `/v1/shipments/${seed.shipmentId}/receive`, key("DistributorMSP/operator"), { packs: seed.shipped.map((serial) => ({ gtin: seed.gtin, serial })) }),
    ];
    for (const s of steps) expect(s.status, JSON.stringify(s.body)).to.be.oneOf([200, 201]);
  });
  after(async () => gw?.close());

  /** The seeded records as the regulator reads them. */
  async function fingerprint(): Promise<string> {
    const reg = key("RegulatorMSP/auditor");
    const paths = [
      `/v1/products/${seed.gtin}?channel=mfr-dist`,
      `/v1/lots/${seed.gtin}/${seed.lot}/packs?channel=mfr-dist`,
      `/v1/shipments/${seed.shipmentId}?channel=mfr-dist`,
      `/v1/packs/${seed.gtin}/${seed.serials[5] ?? ""}/history?channel=mfr-dist`,
      `/v1/lots/${seed.gtin}/LOTFUZZ?channel=mfr-dist`,
      `/v1/products/${seed.freeGtin}?channel=mfr-dist`,
    ];
    const answers = await Promise.all(paths.map((p) => call(gw, "GET", p, reg)));
    return JSON.stringify(answers.map((a): unknown[] => [a.status, a.body as unknown]));
  }

  /** Waits until the fingerprint reads the same twice, half a second apart. */
  async function settled(): Promise<void> {
    let last = await fingerprint();
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const now = await fingerprint();
      if (now === last) return;
      last = now;
    }
  }

  it("answers every mutated request below 500, names the field of every 400 and leaves the seeded records unchanged on rejection", async () => {
    const routes = routesFor(seed, {
      manufacturer: key("ManufacturerMSP/operator"),
      quality: key("ManufacturerMSP/quality"),
      distributor: key("DistributorMSP/operator"),
      pharmacy: key("PharmacyMSP/pharmacist"),
      regulator: key("RegulatorMSP/auditor"),
      regulatorAdmin: key("RegulatorMSP/admin"),
    });
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: routes.length - 1 }), mutation, async (index, m) => {
        const route = routes[index];
        if (!route) return;
        const applied = apply(route, m);
        const url = applied.url;
        // fetch sends no body with a GET (the in-process fuzzer covers that case).
        const payload = route.method === "GET" ? undefined : applied.payload;
        const before = await fingerprint();
        const res = await fetch(`${gw.url}${url}`, {
          method: route.method,
          headers: { "x-api-key": route.key, ...(payload === undefined ? {} : { "content-type": "application/json" }) },
          ...(payload === undefined ? {} : { body: payload }),
        });
        const text = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect(res.status, `${route.method} ${url}: ${text}`).to.be.below(500);
        if (res.status < 400) {
          // An accepted write reaches the regulator's peer a moment later: let it land before the next input.
          if (route.method !== "GET") await settled();
          return;
        }
        const body = JSON.parse(text) as { code?: unknown; field?: unknown };
        expect(body.code, text).to.be.a("string");
        if (res.status === 400) expect(body.field, `400 without a field: ${text}`).to.be.a("string").and.not.empty;
        expect(await fingerprint(), `a rejected ${route.method} ${url} (${res.status}) changed the seeded records`).to.equal(before);
      }),
      { numRuns: RUNS },
    );
    const list = [...statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}:${n}`).join(" ");
    console.log(`      REST fuzz (real network): ${RUNS} inputs, ${[...statuses].filter(([s]) => s >= 500).length} statuses >= 500 (${list})`);
  });
});
