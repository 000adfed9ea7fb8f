/**
 * Property-based fuzzing of the chaincode's argument parsing: every
 * transaction, called by every org with hostile arguments (raw text, JSON of
 * the wrong shape, valid documents with one field made hostile). A rejection
 * must be a ChaincodeError with a stable code (INVALID_ARGUMENT naming its
 * field), never a TypeError or other crash, and must leave both channels'
 * state, endorsement policies, private data and events as they were.
 * FUZZ_RUNS sets the runs per property (default 200).
 */
import { expect } from "chai";
import fc from "fast-check";
import { parseChaincodeError } from "../../chaincode/src/index.js";
import type { Client } from "../../support/fabric-double.js";
import { deliverToDistributor, EXPIRY, GTIN, LOT, lotWorld, productInput, serials, type World } from "../chaincode/support/world.js";
import { Tally } from "./support/app.js";
import { hostileValue, wrongType } from "./support/hostile.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const CODES = ["INVALID_ARGUMENT", "NOT_FOUND", "ALREADY_EXISTS", "FORBIDDEN", "CONFLICT"];
const SHIPMENT = "SHIP-ARGS-1";
const ref = { gtin: GTIN, serial: "SN000005" };

/** Each transaction with a valid argument list; objects are sent as JSON text. */
const TRANSACTIONS: { fn: string; args: unknown[] }[] = [
  { fn: "partners:RegisterPartner", args: [{ mspId: "PharmacyMSP", name: "Pharmacy Ltd", role: "Pharmacy" }] },
  { fn: "partners:GetPartner", args: ["ManufacturerMSP"] },
  { fn: "products:RegisterProduct", args: [productInput("00350090123456")] },
  { fn: "products:WithdrawProduct", args: ["00350090123456", "fuzz"] },
  { fn: "products:GetProduct", args: [GTIN] },
  { fn: "packs:CommissionLot", args: [{ gtin: GTIN, lot: "LOTARGS", expiry: "291200", serials: ["A1", "A2"] }] },
  { fn: "packs:GetPack", args: [GTIN, "SN000001"] },
  { fn: "packs:GetLot", args: [GTIN, LOT] },
  { fn: "packs:ListPacksByLot", args: [GTIN, LOT] },
  { fn: "packs:Verify", args: [GTIN, "SN000001", LOT, EXPIRY] },
  { fn: "packs:Dispense", args: [{ gtin: GTIN, serial: "SN000001", lot: LOT, expiry: EXPIRY }] },
  { fn: "packs:Decommission", args: [{ gtin: GTIN, serial: "SN000009", reason: "SAMPLE" }] },
  { fn: "packs:UndoDecommission", args: [GTIN, "SN000009"] },
  { fn: "packs:RecallLot", args: [GTIN, "LOTARGS", "fuzz"] },
  { fn: "packs:SetMark", args: [{ gtin: GTIN, serial: "SN000008", mark: "QUARANTINED", reason: "fuzz" }] },
  { fn: "packs:ClearMark", args: [{ gtin: GTIN, serial: "SN000008", mark: "QUARANTINED", reason: "fuzz" }] },
  { fn: "packs:GetPackHistory", args: [GTIN, "SN000001"] },
  { fn: "shipments:Ship", args: [{ shipmentId: "SHIP-ARGS-2", consignee: "DistributorMSP", packs: [ref] }] },
  { fn: "shipments:Receive", args: [{ shipmentId: SHIPMENT, packs: [{ gtin: GTIN, serial: "SN000000" }] }] },
  { fn: "shipments:GetShipment", args: [SHIPMENT] },
  { fn: "shipments:GetTerms", args: [SHIPMENT] },
  { fn: "aggregation:Pack", args: [{ sscc: "095212340000000013", packs: [{ gtin: GTIN, serial: "SN000007" }] }] },
  { fn: "aggregation:Pack", args: [{ sscc: "095212340000000020", containers: ["095212340000000013"] }] },
  { fn: "aggregation:Unpack", args: [{ sscc: "095212340000000013", packs: [{ gtin: GTIN, serial: "SN000007" }] }] },
  { fn: "aggregation:GetContainer", args: ["095212340000000013"] },
  { fn: "shipments:Ship", args: [{ shipmentId: "SHIP-ARGS-3", consignee: "DistributorMSP", containers: ["095212340000000020"] }] },
  { fn: "crosschannel:HandOff", args: [{ packs: [{ gtin: GTIN, serial: "SN000000" }], toChannel: "dist-pharm" }] },
  { fn: "crosschannel:GetHandOffs", args: [{ packs: [ref] }] },
  { fn: "coldchain:RecordReadings", args: [{ shipmentId: SHIPMENT, intervalSeconds: 600, readings: [{ at: 1_768_471_000, centiCelsius: 450 }] }] },
  { fn: "coldchain:ReleaseHold", args: [{ shipmentId: SHIPMENT, reason: "fuzz" }] },
  { fn: "coldchain:DestroyHeld", args: [{ shipmentId: SHIPMENT, reason: "fuzz" }] },
  { fn: "coldchain:GetColdChain", args: [SHIPMENT] },
  { fn: "documents:AnchorDocument", args: [{ sha256: "a".repeat(64), cid: "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy", kind: "certificate", subject: { type: "lot", gtin: GTIN, lot: LOT } }] },
  { fn: "documents:ListDocuments", args: [{ type: "lot", gtin: GTIN, lot: LOT }] },
  { fn: "documents:PurgeDocumentKey", args: ["bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"] },
  { fn: "investigations:OpenInvestigation", args: [{ investigationId: "INV-ARGS", scope: { type: "packs", packs: [{ gtin: GTIN, serial: "SN000007" }] }, reason: "fuzz" }] },
  { fn: "investigations:DetermineInvestigation", args: [{ investigationId: "INV-ARGS", outcome: "CLEARED", reason: "fuzz" }] },
  { fn: "investigations:GetInvestigation", args: ["INV-ARGS"] },
  { fn: "investigations:ListInvestigations", args: ["10", "", "ACTIVE"] },
  { fn: "investigations:OpenTracingRequest", args: [{ requestId: "TR-ARGS", scope: { type: "lot", gtin: GTIN, lot: LOT }, reason: "fuzz" }] },
  { fn: "investigations:AnswerTracingRequest", args: [{ requestId: "TR-ARGS", statement: "fuzz" }] },
];

type ArgMutation =
  | { kind: "raw"; text: string }
  | { kind: "json"; value: unknown }
  | { kind: "field"; field: number; value: unknown }
  | { kind: "drop"; field: number }
  | { kind: "extra"; name: string; value: unknown };

const argMutation: fc.Arbitrary<ArgMutation> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("raw" as const), text: fc.oneof(fc.string({ unit: "binary", maxLength: 50 }), fc.constantFrom("", "{", "null", "[]", "1e999", '{"__proto__":{"x":1}}', "\u0000")) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("json" as const), value: fc.jsonValue({ maxDepth: 3 }) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("field" as const), field: fc.nat(), value: hostileValue }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("drop" as const), field: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("extra" as const), name: fc.string({ minLength: 1, maxLength: 10 }), value: wrongType }) },
);

function mutate(arg: unknown, m: ArgMutation): string {
  if (m.kind === "raw") return m.text;
  if (m.kind === "json") return JSON.stringify(m.value) ?? "null";
  if (arg === null || typeof arg !== "object") {
    // A plain text argument: the hostile value itself, as text.
    return m.kind === "field" ? (typeof m.value === "string" ? m.value : JSON.stringify(m.value) ?? "") : "";
  }
  const copy: Record<string, unknown> = { ...(arg as Record<string, unknown>) };
  const fields = Object.keys(copy);
  const name = fields[("field" in m ? m.field : 0) % Math.max(fields.length, 1)];
  if (m.kind === "field" && name) copy[name] = m.value;
  if (m.kind === "drop" && name) delete copy[name];
  if (m.kind === "extra") copy[m.name] = m.value;
  return JSON.stringify(copy);
}

describe("chaincode argument parsing under fuzzed input", function () {
  this.timeout(600_000);
  let world: World;
  let callers: Client[];
  const tally = new Tally("chaincode argument fuzz");

  before(async () => {
    world = await lotWorld(10);
    await deliverToDistributor(world, SHIPMENT, serials(3));
    callers = [world.manufacturer, world.quality, world.distributor, world.regulator, world.pharmacy, world.distributorDown, world.regulatorDown];
  });
  after(() => console.log(`      ${tally.toString()}`));

  it("rejects every hostile argument with a coded ChaincodeError naming the field of an INVALID_ARGUMENT, and changes nothing when it rejects", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: TRANSACTIONS.length - 1 }),
        fc.integer({ min: 0, max: 6 }),
        fc.nat(),
        argMutation,
        async (t, c, position, m) => {
          const tx = TRANSACTIONS[t];
          const caller = callers[c];
          if (!tx || !caller) return;
          const args = tx.args.map((a) => (typeof a === "string" ? a : JSON.stringify(a)));
          const at = position % args.length;
          args[at] = mutate(tx.args[at], m);
          const snapshot = () => [...world.net.ledgers.values()].map((l) => l.snapshot()).join("\n");
          const before = snapshot();
          try {
            await world.net.run(caller.channel, caller.identity, tx.fn, args);
            tally.count(200, "accepted");
          } catch (error) {
            const name = error instanceof Error ? error.name : typeof error;
            const message = error instanceof Error ? error.message : String(error);
            if (name !== "ChaincodeError") tally.count(500, `crash:${name}`);
            expect(name, `${tx.fn}(${args.join(", ")}) crashed: ${message}`).to.equal("ChaincodeError");
            const body = parseChaincodeError(message);
            expect(body?.code).to.be.oneOf(CODES);
            tally.count(400, body?.code ?? "uncoded");
            if (body?.code === "INVALID_ARGUMENT") expect(body.field, message).to.be.a("string").and.not.empty;
            expect(snapshot(), `${tx.fn} failed and changed the ledger`).to.equal(before);
          }
        },
      ),
      { numRuns: RUNS * 5 },
    );
  });
});
