/**
 * A leaked client certificate on the real network. Its holder takes a
 * transaction its org's peer endorsed honestly (here a read-only query, which
 * any client may ask for), writes what it likes into the write set, signs the
 * "endorsement" with the client key instead of a peer's, signs the envelope
 * and hands it to the ordering service. Every such transaction must be invalid
 * at commit with ENDORSEMENT_POLICY_FAILURE and leave the ledger as it was,
 * as every member's peer (the regulator's included) records and reads it.
 */
import { expect } from "chai";
import { FabricSessions, eventually, runId, submitJson, type OrgSession } from "../../../support/fabric-client.js";
import { orgByMsp, userOf } from "../../../support/network-description.js";
import { commissionLot, type Lot, type PackRef } from "../network/scenario.js";
import { compositeKey, endorsedTransaction, signingIdentity, submitPrepared, type SigningIdentity } from "./forgery.js";
import { lotRecord, packRecord, statusName, verification, type PackRecord } from "./ledger-views.js";
import { validationCodeOn } from "./support.js";

const CHANNEL = "mfr-dist";
const REJECTED = "ENDORSEMENT_POLICY_FAILURE (10)";

/** The stored pack record: what GetPack answers without the flags it derives. */
function stored(pack: PackRecord): Record<string, unknown> {
  const { expired: _e, recalled: _r, withdrawn: _w, ...record } = pack;
  return record;
}

describe("an endorsement signed with a client key instead of a peer's", function () {
  this.timeout(180_000);
  let sessions: FabricSessions;
  let manufacturer: OrgSession;
  let regulator: OrgSession;
  /** The manufacturer's operator: a client certificate, never a peer's. */
  let leakedClient: SigningIdentity;
  let lot: Lot;
  let recalled: Lot;
  const [moved, marked, control] = [0, 1, 2];
  const pack = (i: number): PackRef => lot.packs[i]!;

  before(async () => {
    sessions = new FabricSessions();
    manufacturer = sessions.as("ManufacturerMSP", "operator");
    regulator = sessions.as("RegulatorMSP", "auditor");
    leakedClient = signingIdentity(userOf(orgByMsp(sessions.description, "ManufacturerMSP"), "operator"), "ManufacturerMSP");
    const run = runId();
    lot = await commissionLot(manufacturer, `CE${run}`, 3);
    recalled = await commissionLot(manufacturer, `CR${run}`, 1);
    // The regulator's peer simulates its own decisions, so it must hold the records first.
    await eventually(() => packRecord(regulator, CHANNEL, recalled.packs[0]!));
    await eventually(() => packRecord(regulator, CHANNEL, pack(marked)));
    await submitJson(regulator.contract(CHANNEL), "packs:SetMark", {
      arguments: [JSON.stringify({ ...pack(marked), mark: "ILLEGITIMATE", reason: "counterfeit reported by a pharmacy" })],
    });
    await submitJson(regulator.contract(CHANNEL), "packs:RecallLot", { arguments: [recalled.gtin, recalled.lot, "sterility failure"] });
    await eventually(async () => expect((await lotRecord(manufacturer, CHANNEL, recalled.gtin, recalled.lot)).recall).to.exist);
    await eventually(async () => expect((await packRecord(manufacturer, CHANNEL, pack(marked))).marks).to.include("ILLEGITIMATE"));
  });
  after(() => sessions?.close());

  /** Endorses `query` on the manufacturer's peer, writes `edits` into it, signs it all with the client key, submits it. */
  async function forge(query: string, args: string[], edits: Record<string, object>): Promise<{ status: string; onRegulatorPeer: string }> {
    const forged = await endorsedTransaction(manufacturer.contract(CHANNEL), query, args, ["ManufacturerMSP"]);
    for (const [key, value] of Object.entries(edits)) forged.setWrite(key, value);
    await forged.endorseAs(leakedClient);
    expect(forged.endorserMspIds()).to.deep.equal(["ManufacturerMSP"]);
    const status = await submitPrepared(manufacturer.gateway, await forged.signEnvelopeAs(leakedClient));
    return { status: statusName(status), onRegulatorPeer: statusName({ code: await validationCodeOn(regulator, CHANNEL, forged.transactionId) }) };
  }

  it("commits VALID when the peers' own endorsements are kept (the forging harness itself breaks nothing)", async () => {
    const quarantine = JSON.stringify({ ...pack(control), mark: "QUARANTINED", reason: "damaged carton" });
    const honest = await endorsedTransaction(manufacturer.contract(CHANNEL), "packs:SetMark", [quarantine]);
    expect(honest.writes().has(compositeKey("pack", [pack(control).gtin, pack(control).serial]))).to.equal(true);
    const status = await submitPrepared(manufacturer.gateway, await honest.signEnvelopeAs(leakedClient));
    expect(statusName(status)).to.equal("VALID (0)");
    await eventually(async () => expect((await packRecord(regulator, CHANNEL, pack(control))).marks).to.include("QUARANTINED"));
  });

  it("cannot move a manufacturer's pack to the distributor as RECEIVED without a shipment", async () => {
    const before = await packRecord(regulator, CHANNEL, pack(moved));
    const key = compositeKey("pack", [pack(moved).gtin, pack(moved).serial]);
    const result = await forge("packs:GetPack", [pack(moved).gtin, pack(moved).serial], {
      [key]: { ...stored(before), owner: "DistributorMSP", status: "RECEIVED", updatedBy: "DistributorMSP" },
    });
    expect(result).to.deep.equal({ status: REJECTED, onRegulatorPeer: REJECTED });
    expect(await packRecord(regulator, CHANNEL, pack(moved))).to.deep.equal(before);
    expect(await packRecord(manufacturer, CHANNEL, pack(moved))).to.deep.equal(before);
  });

  it("cannot clear the regulator's ILLEGITIMATE mark on the manufacturer's own pack", async () => {
    const before = await packRecord(regulator, CHANNEL, pack(marked));
    expect(before.marks).to.include("ILLEGITIMATE");
    const key = compositeKey("pack", [pack(marked).gtin, pack(marked).serial]);
    const result = await forge("packs:GetPack", [pack(marked).gtin, pack(marked).serial], {
      [key]: { ...stored(before), marks: before.marks.filter((m) => m !== "ILLEGITIMATE") },
    });
    expect(result).to.deep.equal({ status: REJECTED, onRegulatorPeer: REJECTED });
    expect(await packRecord(regulator, CHANNEL, pack(marked))).to.deep.equal(before);
    const scan = await verification(regulator, CHANNEL, lot, pack(marked));
    expect(scan).to.include({ verified: false, reason: "ILLEGITIMATE" });
  });

  it("cannot lift the regulator's recall of a lot", async () => {
    const before = await lotRecord(regulator, CHANNEL, recalled.gtin, recalled.lot);
    expect(before.recall?.by).to.equal("RegulatorMSP");
    const { recall: _lifted, ...unrecalled } = before;
    const result = await forge("packs:GetLot", [recalled.gtin, recalled.lot], { [compositeKey("lot", [recalled.gtin, recalled.lot])]: unrecalled });
    expect(result).to.deep.equal({ status: REJECTED, onRegulatorPeer: REJECTED });
    expect(await lotRecord(regulator, CHANNEL, recalled.gtin, recalled.lot)).to.deep.equal(before);
    const scan = await verification(regulator, CHANNEL, recalled, recalled.packs[0]!);
    expect(scan).to.include({ verified: false, reason: "RECALLED" });
  });
});
