import { expect } from "chai";
import { CERT_ROLES, TRANSACTION_ROLES, qualifiedTransaction, type CertRole } from "../../chaincode/src/index.js";
import { Client } from "../../support/fabric-double.js";
import { DIST, DOWNSTREAM, EXPIRY, GTIN, GTIN2, LOT, MFR, PHARM, REG, SOURCE, expectError, lotWorld, productInput, refs, type World } from "./support/world.js";

const CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
const KEY = Buffer.alloc(32, 7).toString("base64");
const pack = { gtin: GTIN, serial: "SN000000" };

/** For each restricted transaction: the org that calls it, the channel, and arguments its input parsing accepts. */
const CALLS: Record<string, { msp: string; channel: string; args: unknown[]; transient?: Record<string, string> }> = {
  "partners:RegisterPartner": { msp: REG, channel: SOURCE, args: [{ mspId: "NewMSP", name: "New", role: "Pharmacy" }] },
  "products:RegisterProduct": { msp: MFR, channel: SOURCE, args: [productInput(GTIN2)] },
  "products:WithdrawProduct": { msp: MFR, channel: SOURCE, args: [GTIN, "stability failure"] },
  "packs:CommissionLot": { msp: MFR, channel: SOURCE, args: [{ gtin: GTIN, lot: LOT, expiry: EXPIRY, serials: ["NEW0001"] }] },
  "packs:Dispense": { msp: PHARM, channel: DOWNSTREAM, args: [{ ...pack, lot: LOT, expiry: EXPIRY }] },
  "packs:Decommission": { msp: MFR, channel: SOURCE, args: [{ ...pack, reason: "DESTROYED" }] },
  "packs:UndoDecommission": { msp: MFR, channel: SOURCE, args: [GTIN, "SN000000"] },
  "packs:RecallLot": { msp: MFR, channel: SOURCE, args: [GTIN, LOT, "contamination"] },
  "packs:SetMark": { msp: MFR, channel: SOURCE, args: [{ ...pack, mark: "QUARANTINED", reason: "check" }] },
  "packs:ClearMark": { msp: MFR, channel: SOURCE, args: [{ ...pack, mark: "QUARANTINED", reason: "check" }] },
  "shipments:Ship": { msp: MFR, channel: SOURCE, args: [{ shipmentId: "S-ROLE", consignee: DIST, packs: refs(["SN000000"]) }] },
  "shipments:Receive": { msp: DIST, channel: SOURCE, args: [{ shipmentId: "S-ROLE", packs: refs(["SN000000"]) }] },
  "returns:ShipReturn": { msp: PHARM, channel: DOWNSTREAM, args: [{ returnId: "R-ROLE", distributor: DIST, packs: refs(["SN000000"]), reason: "overstock" }] },
  "returns:VerifyReturn": { msp: DIST, channel: DOWNSTREAM, args: [{ returnId: "R-ROLE", packs: [{ ...pack, lot: LOT, expiry: EXPIRY }] }] },
  "aggregation:Pack": { msp: MFR, channel: SOURCE, args: [{ sscc: "095212340000000013", packs: refs(["SN000000"]) }] },
  "aggregation:Unpack": { msp: MFR, channel: SOURCE, args: [{ sscc: "095212340000000013" }] },
  "coldchain:RecordReadings": { msp: DIST, channel: SOURCE, args: [{ shipmentId: "S-ROLE", intervalSeconds: 300, readings: [{ at: 1768470000, centiCelsius: 500 }] }] },
  // The regulator decides with any of its roles; a manufacturer only through quality (the contract's org rule).
  "coldchain:ReleaseHold": { msp: REG, channel: SOURCE, args: [{ shipmentId: "S-ROLE", reason: "ok" }] },
  "coldchain:DestroyHeld": { msp: REG, channel: SOURCE, args: [{ shipmentId: "S-ROLE", reason: "ok" }] },
  "coldchain:DecideDownstreamHold": { msp: MFR, channel: SOURCE, args: [{ shipmentId: "S-ROLE", decision: "release", reason: "ok" }] },
  "coldchain:ApplyHoldDecision": { msp: DIST, channel: DOWNSTREAM, args: ["S-ROLE"] },
  "crosschannel:HandOff": { msp: DIST, channel: SOURCE, args: [{ packs: refs(["SN000000"]), toChannel: DOWNSTREAM }] },
  "crosschannel:ImportPacks": { msp: DIST, channel: DOWNSTREAM, args: [{ packs: refs(["SN000000"]), fromChannel: SOURCE }] },
  "crosschannel:SyncRecall": { msp: DIST, channel: DOWNSTREAM, args: [GTIN, LOT] },
  "crosschannel:SyncWithdrawal": { msp: DIST, channel: DOWNSTREAM, args: [GTIN] },
  "crosschannel:SyncHoldDecision": { msp: REG, channel: DOWNSTREAM, args: ["S-ROLE"] },
  "documents:AnchorDocument": { msp: MFR, channel: SOURCE, args: [{ sha256: "1".repeat(64), cid: CID, kind: "OTHER", subject: { type: "product", gtin: GTIN } }] },
  "documents:PutDocumentKey": { msp: MFR, channel: SOURCE, args: [CID], transient: { key: KEY } },
  "documents:PurgeDocumentKey": { msp: MFR, channel: SOURCE, args: [CID] },
  // Investigations: the state checks refuse most of these in a fresh world; the role check comes first.
  "investigations:OpenInvestigation": { msp: MFR, channel: SOURCE, args: [{ investigationId: "I-ROLE", scope: { type: "lot", gtin: GTIN, lot: LOT }, reason: "suspect" }] },
  "investigations:DetermineInvestigation": { msp: REG, channel: SOURCE, args: [{ investigationId: "I-ROLE", outcome: "CLEARED", reason: "genuine" }] },
  "investigations:RecordRegulatorNotification": { msp: MFR, channel: SOURCE, args: [{ investigationId: "I-ROLE", reference: "FDA-1" }] },
  "investigations:DisposeInvestigationPacks": { msp: MFR, channel: SOURCE, args: [{ investigationId: "I-ROLE", action: "QUARANTINE" }] },
  "investigations:CloseInvestigation": { msp: REG, channel: SOURCE, args: [{ investigationId: "I-ROLE", reason: "done" }] },
  "investigations:OpenTracingRequest": { msp: REG, channel: SOURCE, args: [{ requestId: "T-ROLE", scope: { type: "lot", gtin: GTIN, lot: LOT }, reason: "trace" }] },
  "investigations:AnswerTracingRequest": { msp: MFR, channel: SOURCE, args: [{ requestId: "T-ROLE", statement: "commissioned here" }] },
};

const ALL_ROLES = Object.values(CERT_ROLES);

async function call(world: World, name: string, identity: { attrs: Record<string, string>; ou?: "client" | "admin" }): Promise<unknown> {
  const spec = CALLS[name];
  if (!spec) throw new Error(`no sample call for ${name}`);
  const client = new Client(world.net, spec.channel, spec.msp, identity.attrs, identity.ou);
  return client.submitWithTransient(name, spec.transient ?? {}, ...spec.args);
}

function asRole(role: CertRole): { attrs: Record<string, string>; ou?: "client" | "admin" } {
  return role === CERT_ROLES.ADMIN ? { attrs: {}, ou: "admin" } : { attrs: { "rxtrace.role": role } };
}

describe("role attributes enforced by the chaincode", () => {
  it("has a sample call for every restricted transaction", () => {
    expect(Object.keys(CALLS).sort()).to.deep.equal(Object.keys(TRANSACTION_ROLES).sort());
  });

  for (const [name, allowed] of Object.entries(TRANSACTION_ROLES)) {
    const refused = ALL_ROLES.filter((role) => !allowed.includes(role));

    it(`refuses ${name} to ${[...refused, "a certificate without a role"].join(", ")} and changes nothing`, async () => {
      const world = await lotWorld();
      const before = [SOURCE, DOWNSTREAM].map((c) => world.net.ledger(c).snapshot());
      for (const role of refused) {
        const error = await expectError(call(world, name, asRole(role)), "FORBIDDEN");
        expect(error.detail).to.include(`${name} requires certificate attribute`).and.to.include(`caller has ${role}`);
      }
      const error = await expectError(call(world, name, { attrs: {} }), "FORBIDDEN");
      expect(error.detail).to.include("caller has none");
      expect([SOURCE, DOWNSTREAM].map((c) => world.net.ledger(c).snapshot())).to.deep.equal(before);
    });

    it(`lets ${allowed.join(", ")} past the role check of ${name}`, async () => {
      for (const role of allowed) {
        const world = await lotWorld();
        // The org rules and state checks may still refuse; the role check must not.
        const outcome = await call(world, name, asRole(role)).then(
          () => "",
          (error: unknown) => (error instanceof Error ? error.message : String(error)),
        );
        expect(outcome, `${name} as ${role}`).not.to.include("requires certificate attribute");
      }
    });
  }

  it("counts an admin certificate (OU=admin) as admin and ignores a role attribute on it", async () => {
    const world = await lotWorld();
    const admin = new Client(world.net, SOURCE, REG, { "rxtrace.role": "operator" }, "admin");
    const partner = await admin.submit("partners:RegisterPartner", { mspId: "NewMSP", name: "New", role: "Pharmacy" });
    expect(partner).to.include({ mspId: "NewMSP" });
  });

  it("leaves reads open to every role", async () => {
    const world = await lotWorld();
    const noRole = new Client(world.net, SOURCE, DIST);
    expect(await noRole.submit("packs:GetPack", GTIN, "SN000000")).to.include({ owner: MFR });
  });

  it("names a function called without a contract prefix after the default contract", () => {
    expect(qualifiedTransaction("CommissionLot")).to.equal("packs:CommissionLot");
    expect(qualifiedTransaction("shipments:Ship")).to.equal("shipments:Ship");
  });
});
