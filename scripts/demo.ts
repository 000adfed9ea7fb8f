/**
 * The demo data set, loaded through the gateway's REST API as the orgs' users
 * would: two products, three lots, a shipment manufacturer -> distributor on
 * mfr-dist (with private trade terms), a refrigerated shipment with one
 * cold-chain excursion (hold), the hand-off to dist-pharm, a shipment
 * distributor -> pharmacy, a recall by the regulator and one dispense. It ends
 * by printing scan-page and label links for packs in each state.
 *
 * Each org's steps go to that org's own gateway (the port of its `gateway`
 * node in network/topology.json, shifted by RXTRACE_PORT_OFFSET) with a key
 * from that org's key file, $RXTRACE_DATA/gateway/<org>/api-keys.txt, as
 * npm start leaves them.
 *
 *   npm run demo
 *   npx tsx scripts/demo.ts --host 10.0.0.5     gateways on another host
 *
 * Every step is safe to run again: what already exists (409) is left as it is.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ssccOf } from "@rxtrace/domain";
import { gatewayPort, gatewayStateDir } from "../gateway/src/config.js";
import { orgByName } from "../gateway/src/topology.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dataDir = path.resolve(process.env.RXTRACE_DATA ?? path.join(repoRoot, ".rxtrace"));
function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
}
const host = option("--host") ?? process.env.RXTRACE_GATEWAY_HOST ?? "127.0.0.1";

type Who = "manufacturer" | "quality" | "distributor" | "pharmacy" | "regulator";
/** Who acts in the demo: an org of network/topology.json and one of its users. */
const USERS: Record<Who, [org: string, user: string]> = {
  manufacturer: ["manufacturer", "operator"],
  quality: ["manufacturer", "quality"],
  distributor: ["distributor", "operator"],
  pharmacy: ["pharmacy", "pharmacist"],
  regulator: ["regulator", "auditor"],
};

/** The gateway of an org: its own process, on its own port. */
const gatewayOf = (org: string): string => `http://${host}:${gatewayPort(org, process.env)}`;
const keysFileOf = (org: string): string => path.join(gatewayStateDir(dataDir, org), "api-keys.txt");

/** The newest key of each org user in api-keys.txt (mspId, user, role, key id, key; tab-separated). */
export function latestKeys(text: string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const [mspId, user, , , key] = line.split("\t");
    if (mspId && user && key) keys.set(`${mspId}/${user}`, key);
  }
  return keys;
}

/** Who acts: the gateway of the user's org and the user's key from that org's key file. */
interface Actor {
  gateway: string;
  key: string;
}

function loadActors(): Record<Who, Actor> {
  const out = {} as Record<Who, Actor>;
  for (const [who, [org, user]] of Object.entries(USERS) as [Who, [string, string]][]) {
    const file = keysFileOf(org);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      throw new Error(
        `no API keys at ${file}; the first npm start writes each org's keys there once (if the file was deleted, issue new ones with RXTRACE_GATEWAY_ORG=${org} npx tsx scripts/gateway/create-keys.ts --rotate)`,
      );
    }
    const mspId = orgByName(org).mspId;
    const key = latestKeys(text).get(`${mspId}/${user}`);
    if (!key) throw new Error(`${file} has no key for ${mspId}/${user}`);
    out[who] = { gateway: gatewayOf(org), key };
  }
  return out;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function call(actor: Actor, method: "GET" | "POST", url: string, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = { "x-api-key": actor.key };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${actor.gateway}/v1${url}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  const parsed: unknown = text === "" ? undefined : JSON.parse(text);
  if (!res.ok) {
    const err = (parsed ?? {}) as { code?: string; message?: string };
    throw new ApiError(res.status, err.code ?? String(res.status), `${method} ${url}: ${res.status} ${err.code ?? ""} ${err.message ?? text}`);
  }
  return parsed;
}

/**
 * Runs one step; an answer 409 (already exists / already done) counts as done.
 * A 404 is retried for a few seconds: a pack imported on dist-pharm a moment
 * ago may not yet be on every peer the next call reads from.
 */
async function step(title: string, run: () => Promise<unknown>): Promise<void> {
  process.stdout.write(`  ${title} ... `);
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await run();
        break;
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 404 || attempt === 10) throw err;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    process.stdout.write("done\n");
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) {
      process.stdout.write(`already there (${err.code})\n`);
      return;
    }
    process.stdout.write("FAILED\n");
    throw err;
  }
}

const AMOXICILLIN = "09521234543213";
const INSULIN = "14567815983469";
/** SSCCs of the demo's pallet and cases (extension 0, company prefix 9521234, check digit computed). */
const DEMO_PALLET = ssccOf("09521234000000100");
const DEMO_CASE_A = ssccOf("09521234000000101");
const DEMO_CASE_B = ssccOf("09521234000000102");
const packs = (gtin: string, prefix: string, from: number, to: number): { gtin: string; serial: string }[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ gtin, serial: `${prefix}-${String(from + i).padStart(3, "0")}` }));

async function main(): Promise<void> {
  const key = loadActors();
  console.log(`rxtrace demo data -> ${Object.entries(USERS).map(([who, [org]]) => (who === "quality" ? "" : `${org} ${gatewayOf(org)}`)).filter(Boolean).join(", ")}`);

  await step("manufacturer registers Amoxicillin 500 mg (controlled room temperature)", () =>
    call(key.manufacturer, "POST", "/products", {
      gtin: AMOXICILLIN,
      name: "Amoxicillin 500 mg capsules",
      strength: "500 mg",
      form: "capsule",
      nationalCode: "NDC 0000-1111-22",
      storage: { minCentiCelsius: 2000, maxCentiCelsius: 2500 },
      limits: { minCentiCelsius: 1500, maxCentiCelsius: 3000 },
      stabilityBudgetMinutes: 1440,
    }),
  );
  await step("manufacturer registers Insulin glargine pens (refrigerated 2-8 °C)", () =>
    call(key.manufacturer, "POST", "/products", {
      gtin: INSULIN,
      name: "Insulin glargine 100 U/ml pen",
      strength: "100 U/ml",
      form: "pre-filled pen",
      nationalCode: "NDC 0000-3333-44",
      storage: { minCentiCelsius: 200, maxCentiCelsius: 800 },
      limits: { minCentiCelsius: 0, maxCentiCelsius: 2500 },
      stabilityBudgetMinutes: 60,
    }),
  );

  const lots = [
    { gtin: AMOXICILLIN, lot: "AMX2601", expiry: "281231", serials: packs(AMOXICILLIN, "AMX", 1, 6) },
    { gtin: AMOXICILLIN, lot: "AMX2602", expiry: "281100", serials: packs(AMOXICILLIN, "AMXR", 1, 3) },
    { gtin: INSULIN, lot: "INS2601", expiry: "271000", serials: packs(INSULIN, "INS", 1, 4) },
    { gtin: AMOXICILLIN, lot: "AMX2603", expiry: "281231", serials: packs(AMOXICILLIN, "AMXP", 1, 6) },
  ];
  for (const lot of lots) {
    await step(`manufacturer commissions lot ${lot.lot} (${lot.serials.length} packs)`, () =>
      call(key.manufacturer, "POST", "/lots", { gtin: lot.gtin, lot: lot.lot, expiry: lot.expiry, serials: lot.serials.map((p) => p.serial) }),
    );
  }

  const s1 = [...packs(AMOXICILLIN, "AMX", 1, 6), ...packs(AMOXICILLIN, "AMXR", 1, 3)];
  await step("manufacturer ships DEMO-S1 to the distributor (mfr-dist, private trade terms)", () =>
    call(key.manufacturer, "POST", "/shipments", {
      shipmentId: "DEMO-S1",
      consignee: "DistributorMSP",
      packs: s1,
      terms: { price: "412.50", currency: "EUR", quantity: s1.length, invoiceRef: "INV-DEMO-0001" },
    }),
  );
  await step("distributor receives DEMO-S1", () => call(key.distributor, "POST", "/shipments/DEMO-S1/receive", { packs: s1 }));

  // Aggregation: two cases of three packs on a pallet, shipped and received by the pallet's SSCC alone.
  const [caseA, caseB] = [packs(AMOXICILLIN, "AMXP", 1, 3), packs(AMOXICILLIN, "AMXP", 4, 6)];
  // Once packed (and shipped on), a container is the distributor's: a second run finds it and leaves it.
  const packOnce = async (sscc: string, body: Record<string, unknown>): Promise<unknown> => {
    try {
      await call(key.manufacturer, "GET", `/containers/${sscc}`);
      throw new ApiError(409, "ALREADY_EXISTS", `container ${sscc} already packed`);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 404) throw err;
    }
    return call(key.manufacturer, "POST", `/containers/${sscc}/pack`, body);
  };
  await step(`manufacturer packs AMXP-001..003 into case ${DEMO_CASE_A}`, () => packOnce(DEMO_CASE_A, { packs: caseA }));
  await step(`manufacturer packs AMXP-004..006 into case ${DEMO_CASE_B}`, () => packOnce(DEMO_CASE_B, { packs: caseB }));
  await step(`manufacturer puts both cases on pallet ${DEMO_PALLET}`, () => packOnce(DEMO_PALLET, { containers: [DEMO_CASE_A, DEMO_CASE_B] }));
  await step(`manufacturer ships DEMO-S4 to the distributor by the pallet's SSCC alone`, () =>
    call(key.manufacturer, "POST", "/shipments", { shipmentId: "DEMO-S4", consignee: "DistributorMSP", containers: [DEMO_PALLET] }),
  );
  await step("distributor receives DEMO-S4 by scanning the pallet's SSCC (the 6 packs inside are counted)", () =>
    call(key.distributor, "POST", "/shipments/DEMO-S4/receive", { containers: [DEMO_PALLET], channel: "mfr-dist" }),
  );

  const s2 = packs(INSULIN, "INS", 1, 4);
  await step("manufacturer ships refrigerated DEMO-S2 to the distributor", () =>
    call(key.manufacturer, "POST", "/shipments", { shipmentId: "DEMO-S2", consignee: "DistributorMSP", packs: s2 }),
  );
  await step("distributor's data logger reports DEMO-S2 temperatures with a 90-minute excursion to 12 °C", async () => {
    try {
      await call(key.distributor, "GET", "/shipments/DEMO-S2/cold-chain");
      throw new ApiError(409, "ALREADY_EXISTS", "readings already recorded");
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 404) throw err;
    }
    const start = Math.floor(Date.now() / 1000) - 6 * 3600;
    const readings = Array.from({ length: 30 }, (_, i) => ({ at: start + i * 600, centiCelsius: i >= 12 && i < 21 ? 1200 : 500 }));
    return call(key.distributor, "POST", "/shipments/DEMO-S2/readings", { intervalSeconds: 600, readings });
  });
  await step("distributor receives DEMO-S2 (its packs stay on cold-chain hold)", () =>
    call(key.distributor, "POST", "/shipments/DEMO-S2/receive", { packs: s2 }),
  );

  const toPharmacy = [...packs(AMOXICILLIN, "AMX", 1, 4), ...packs(AMOXICILLIN, "AMXR", 1, 3)];
  await step("distributor hands packs off from mfr-dist to dist-pharm", () => call(key.distributor, "POST", "/handoffs", { packs: toPharmacy }));
  await step("distributor ships DEMO-S3 to the pharmacy (dist-pharm)", () =>
    call(key.distributor, "POST", "/shipments", {
      shipmentId: "DEMO-S3",
      consignee: "PharmacyMSP",
      packs: toPharmacy,
      terms: { price: "301.00", currency: "EUR", quantity: toPharmacy.length, invoiceRef: "INV-DEMO-0002" },
    }),
  );
  await step("pharmacy receives DEMO-S3", () => call(key.pharmacy, "POST", "/shipments/DEMO-S3/receive", { packs: toPharmacy }));

  const returned = packs(AMOXICILLIN, "AMX", 3, 4);
  await step("pharmacy returns AMX-003 and AMX-004 to the distributor (saleable return DEMO-R1)", () =>
    call(key.pharmacy, "POST", "/returns", { returnId: "DEMO-R1", distributor: "DistributorMSP", packs: returned, reason: "Demo: overstock" }),
  );
  await step("distributor verifies each returned pack against the ledger; both are saleable again", () =>
    call(key.distributor, "POST", "/returns/DEMO-R1/verify", { packs: returned.map((p) => ({ ...p, lot: "AMX2601", expiry: "281231" })) }),
  );

  await step("regulator recalls lot AMX2602 on both channels", () =>
    call(key.regulator, "POST", `/lots/${AMOXICILLIN}/AMX2602/recall`, { reason: "Demo: out-of-specification dissolution results" }),
  );
  await step("pharmacy dispenses AMX-001", async () => {
    // A second dispense is not refused: it records an "already inactive" alert, which a re-run must not cause.
    const pack = (await call(key.pharmacy, "GET", `/packs/${AMOXICILLIN}/AMX-001`)) as { result?: { status?: string } };
    if (pack.result?.status === "DISPENSED") throw new ApiError(409, "CONFLICT", "already dispensed");
    return call(key.pharmacy, "POST", `/packs/${AMOXICILLIN}/AMX-001/dispense`, { lot: "AMX2601", expiry: "281231" });
  });

  // ---- investigation (#18 part 4): suspect, then cleared; AMX-002 stays the authentic pack of the scan page ----
  const suspect = packs(AMOXICILLIN, "AMX", 2, 2);
  await step("pharmacy opens investigation DEMO-INV1 on AMX-002 (suspect: carton print looks wrong); the pack is SUSPECT", () =>
    call(key.pharmacy, "POST", "/investigations", { investigationId: "DEMO-INV1", scope: { type: "packs", packs: suspect }, reason: "Demo: carton print looks wrong" }),
  );
  await step("regulator determines DEMO-INV1 CLEARED (genuine); the suspect mark is lifted", () =>
    call(key.regulator, "POST", "/investigations/DEMO-INV1/determination", { outcome: "CLEARED", reason: "Demo: genuine, printing variation", channel: "dist-pharm" }),
  );
  await step("pharmacy closes DEMO-INV1", () => call(key.pharmacy, "POST", "/investigations/DEMO-INV1/close", { reason: "Demo: cleared by the regulator" }));

  const pharmacy = gatewayOf("pharmacy");
  const label = (gtin: string, serial: string): string => `${pharmacy}/v1/packs/${gtin}/${serial}/label.png`;
  console.log(`
Demo data loaded. Open the pharmacy's gateway ${pharmacy}/scan with the pharmacist's key (in ${keysFileOf("pharmacy")}) and scan or upload:
  authentic, in stock at the pharmacy  ${label(AMOXICILLIN, "AMX-002")}
  recalled lot AMX2602                 ${label(AMOXICILLIN, "AMXR-001")}
  already dispensed                    ${label(AMOXICILLIN, "AMX-001")}
  on cold-chain hold (distributor)     ${gatewayOf("distributor")}/v1/packs/${INSULIN}/INS-001/label.png  (the distributor's gateway and key)
Label images need an API key of the gateway's own org (x-api-key header), e.g.
  curl -H "x-api-key: <key>" -o pack.png '${label(AMOXICILLIN, "AMX-002")}'
Type a code instead: 01${AMOXICILLIN}17281231` + `10AMX2601<GS>21AMX-002`);
}

main().catch((err: unknown) => {
  process.stderr.write(`rxtrace demo: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
