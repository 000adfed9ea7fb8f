/**
 * The endpoint x role matrix on the real network: every /v1 route the gateway
 * publishes in its OpenAPI document, called by every org user's API key, with
 * no key and with a revoked key. The expectations are written here from the
 * domain rules (docs/security.md, docs/chaincode-api.md), not read from the gateway's policy
 * table, so a policy change that lets the wrong role in fails this test.
 * A refusal by the gateway's policy is a 403 whose details name the action; an
 * allowed caller may still be refused by the chaincode (ownership), but never
 * by the policy and never with 401.
 */
import { expect } from "chai";
import { call, freshGtin, keysScript, startGateway, type Gateway } from "../../../support/gateway-harness.js";

const CALLERS = [
  "ManufacturerMSP/operator",
  "ManufacturerMSP/quality",
  "ManufacturerMSP/admin",
  "DistributorMSP/operator",
  "DistributorMSP/admin",
  "PharmacyMSP/pharmacist",
  "PharmacyMSP/admin",
  "RegulatorMSP/auditor",
  "RegulatorMSP/admin",
] as const;
type Caller = (typeof CALLERS)[number];

const ALL: readonly Caller[] = CALLERS;
const TRADERS: readonly Caller[] = CALLERS.filter((c) => !c.startsWith("RegulatorMSP"));
const REGULATOR: readonly Caller[] = ["RegulatorMSP/auditor", "RegulatorMSP/admin"];
const MFR_WRITERS: readonly Caller[] = ["ManufacturerMSP/operator", "ManufacturerMSP/quality", "ManufacturerMSP/admin"];

/** Who may call each write route, from the domain rules; every GET is open to every org user. */
const WRITES: Readonly<Record<string, readonly Caller[]>> = {
  "POST /v1/partners": ["RegulatorMSP/admin"], // partners are registered by the regulator's admin only
  "POST /v1/products": MFR_WRITERS, // master data belongs to the manufacturer
  "POST /v1/products/{gtin}/withdrawal": [...MFR_WRITERS, ...REGULATOR], // rule 7
  "POST /v1/lots": ["ManufacturerMSP/operator", "ManufacturerMSP/admin"], // commissioning is operations, not QA
  "POST /v1/lots/{gtin}/{lot}/recall": [...MFR_WRITERS, ...REGULATOR], // rule 7
  "POST /v1/shipments": TRADERS, // rule 2: owners ship; the regulator never does
  "POST /v1/shipments/{shipmentId}/receive": TRADERS,
  "POST /v1/shipments/{shipmentId}/readings": TRADERS, // loggers report through a trading partner
  "POST /v1/shipments/{shipmentId}/cold-chain/release": ["ManufacturerMSP/quality", "RegulatorMSP/auditor", "RegulatorMSP/admin"], // rule 9: quality or the regulator
  "POST /v1/shipments/{shipmentId}/cold-chain/destroy": ["ManufacturerMSP/quality", "RegulatorMSP/auditor", "RegulatorMSP/admin"], // rule 9: quality or the regulator
  "POST /v1/shipments/{shipmentId}/cold-chain/downstream-decision": ["ManufacturerMSP/quality"], // rule 9 on dist-pharm: the manufacturer decides on mfr-dist, the relay applies
  "POST /v1/handoffs": ["DistributorMSP/operator", "DistributorMSP/admin"], // the distributor crosses channels
  "POST /v1/packs/{gtin}/{serial}/dispense": ["PharmacyMSP/pharmacist", "PharmacyMSP/admin"], // rule 5
  "POST /v1/packs/{gtin}/{serial}/undo-decommission": TRADERS, // the org that dispensed or decommissioned, whoever it is
  "POST /v1/packs/{gtin}/{serial}/decommission": TRADERS, // the holding org, whoever it is
  "POST /v1/packs/{gtin}/{serial}/marks": ALL, // quarantine by traders, suspect/illegitimate also by the regulator
  "POST /v1/packs/{gtin}/{serial}/marks/{mark}/clear": ALL,
  "POST /v1/returns": ["PharmacyMSP/pharmacist", "PharmacyMSP/admin"], // a pharmacy returns saleable packs to its distributor
  "POST /v1/returns/{returnId}/verify": ["DistributorMSP/operator", "DistributorMSP/admin"], // the distributor checks each returned pack before resale
  // Investigations (#18 part 4): holders or the regulator open, determine and close; traders notify and dispose; the regulator asks for tracing, holders answer.
  "POST /v1/investigations": ALL,
  "POST /v1/investigations/{investigationId}/determination": ALL,
  "POST /v1/investigations/{investigationId}/regulator-notification": TRADERS,
  "POST /v1/investigations/{investigationId}/disposal": TRADERS,
  "POST /v1/investigations/{investigationId}/close": ALL,
  "POST /v1/tracing-requests": REGULATOR,
  "POST /v1/tracing-requests/{requestId}/answers": TRADERS,
  "POST /v1/containers/{sscc}/pack": TRADERS, // any trading org packs cases and pallets of what it holds; the regulator never does
  "POST /v1/containers/{sscc}/unpack": TRADERS,
  "POST /v1/verify/scan": ALL, // a scan is a read
  "POST /v1/gs1/verification": ALL, // a verification in the GS1 form is the same read
};

function concretePath(template: string, gtin: string): string {
  const values: Record<string, string> = { gtin, serial: "SNMATRIX1", lot: "LOTMATRIX", shipmentId: "SHIP-MATRIX", mark: "SUSPECT", sha256: "a".repeat(64), sscc: "095212340000000013" };
  return template.replace(/\{([A-Za-z0-9]+)\}/g, (_, name: string) => values[name] ?? "x");
}

describe("endpoint x role matrix on the real network", function () {
  this.timeout(600_000);
  let gw: Gateway;
  let routes: { method: string; path: string }[];
  const gtin = freshGtin();

  before(async () => {
    gw = await startGateway();
    const docs = await call(gw, "GET", "/docs/json");
    expect(docs.status).to.equal(200);
    routes = Object.entries(docs.body.paths as Record<string, Record<string, unknown>>)
      .filter(([path]) => path.startsWith("/v1/"))
      .flatMap(([path, ops]) => Object.keys(ops).filter((m) => ["get", "post", "put", "patch", "delete"].includes(m)).map((m) => ({ method: m.toUpperCase(), path })));
  });
  after(async () => gw?.close());

  it("publishes the routes it is tested on, and has an expectation for every write", () => {
    expect(routes.length).to.be.greaterThan(20);
    for (const r of routes.filter((r) => r.method !== "GET")) {
      expect(WRITES, `no expectation for ${r.method} ${r.path}`).to.have.property(`${r.method} ${r.path}`);
    }
  });

  it("answers 401 on every route without a key", async () => {
    for (const r of routes) {
      const res = await call(gw, r.method, concretePath(r.path, gtin), undefined, r.method === "GET" ? undefined : {});
      expect(res.status, `${r.method} ${r.path}`).to.equal(401);
      expect(res.body.code).to.equal("UNAUTHENTICATED");
    }
  });

  it("lets exactly the expected org users through the policy on every route, and refuses the rest with 403 naming the action", async () => {
    const refusedWrongly: string[] = [];
    const letThroughWrongly: string[] = [];
    let cells = 0;
    for (const r of routes) {
      const allowed = r.method === "GET" ? ALL : (WRITES[`${r.method} ${r.path}`] ?? []);
      for (const caller of CALLERS) {
        const key = gw.keys[caller];
        expect(key, `no key issued for ${caller}`).to.be.a("string");
        const res = await call(gw, r.method, concretePath(r.path, gtin), key, r.method === "GET" ? undefined : {});
        cells += 1;
        const byPolicy = res.status === 403 && res.body?.details?.action !== undefined;
        const cell = `${caller} ${r.method} ${r.path} -> ${res.status} ${res.body?.code ?? ""}`;
        expect(res.status, cell).to.not.equal(401);
        expect(res.status, cell).to.be.below(500);
        if (allowed.includes(caller) && byPolicy) refusedWrongly.push(cell);
        if (!allowed.includes(caller) && !byPolicy) letThroughWrongly.push(cell);
      }
    }
    console.log(`      matrix: ${routes.length} routes x ${CALLERS.length} callers = ${cells} cells (plus no key and a revoked key on every route)`);
    expect(refusedWrongly, "allowed callers refused by the policy").to.deep.equal([]);
    expect(letThroughWrongly, "callers the policy should have refused").to.deep.equal([]);
  });

  it("answers 401 on every route to a key the script revoked", async () => {
    const key = gw.keys["PharmacyMSP/admin"];
    keysScript(gw.env, "revoke", "PharmacyMSP/admin");
    for (const r of routes) {
      const res = await call(gw, r.method, concretePath(r.path, gtin), key, r.method === "GET" ? undefined : {});
      expect(res.status, `${r.method} ${r.path}`).to.equal(401);
    }
  });
});
