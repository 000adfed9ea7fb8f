/** Fuzzed REST requests: a valid request per route and the mutations that make it hostile. */
import fc from "fast-check";
import { gs1ish, hostileValue, wrongType } from "./hostile.js";

export interface Route {
  method: "GET" | "POST";
  /** Path template; :name segments come from `params`. */
  path: string;
  params: Record<string, string>;
  key: string;
  body?: Record<string, unknown>;
}

export interface Seed {
  gtin: string;
  lot: string;
  expiry: string;
  serials: readonly string[];
  shipmentId: string;
  shipped: readonly string[];
  /** A GTIN not yet registered, for product registration and withdrawal. */
  freeGtin: string;
}

export interface Keys {
  manufacturer: string;
  quality: string;
  distributor: string;
  pharmacy: string;
  regulator: string;
  regulatorAdmin: string;
}

/**
 * A valid request for each route on the seeded world. Recall, withdrawal and decommission aim at
 * the fuzz lot, the fuzz product and the last seeded pack, so an accepted one does not end the
 * seeded world's use for the other routes.
 */
export function routesFor(SEED: Seed, KEYS: Keys): Route[] {
  const pack = { gtin: SEED.gtin, serial: SEED.serials[5] ?? "" };
  return [
  { method: "POST", path: "/v1/products", params: {}, key: KEYS.manufacturer, body: {
    gtin: SEED.freeGtin, name: "Fuzz product", strength: "1 mg", form: "tablet", nationalCode: "NC-9",
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
  { method: "POST", path: "/v1/products/:gtin/withdrawal", params: { gtin: SEED.freeGtin }, key: KEYS.quality, body: { reason: "fuzz" } },
  { method: "POST", path: "/v1/verify/scan", params: {}, key: KEYS.pharmacy, body: { code: `]d201${SEED.gtin}17${SEED.expiry}10${SEED.lot}\u001d21${pack.serial}` } },
  { method: "POST", path: "/v1/partners", params: {}, key: KEYS.regulatorAdmin, body: { mspId: "ManufacturerMSP", name: "Fuzz", role: "Manufacturer", channel: "mfr-dist" } },
  { method: "GET", path: "/v1/packs/:gtin/:serial", params: pack, key: KEYS.regulator },
  { method: "GET", path: "/v1/lots/:gtin/:lot", params: { gtin: SEED.gtin, lot: SEED.lot }, key: KEYS.regulator },
  { method: "GET", path: "/v1/shipments/:shipmentId/terms", params: { shipmentId: SEED.shipmentId }, key: KEYS.distributor },
  ];
}

export function urlOf(route: Route, params: Record<string, string>): string {
  return route.path.replace(/:([A-Za-z]+)/g, (_, name: string) => encodeURIComponent(params[name] ?? ""));
}

export type Mutation =
  | { kind: "replace"; field: number; value: unknown }
  | { kind: "nested"; field: number; value: unknown }
  | { kind: "drop"; field: number }
  | { kind: "add"; name: string; value: unknown }
  | { kind: "body"; value: unknown }
  | { kind: "param"; field: number; value: string }
  | { kind: "raw"; text: string };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
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

/** The URL and body of `route` after mutation `m`. */
export function apply(route: Route, m: Mutation): { url: string; payload?: string } {
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

