/**
 * A dishonest member runs modified chaincode on its own peer. On the real
 * network one org's chaincode server is replaced by rogue-chaincode/ (no
 * partner, role, ownership or mark-right checks), the transaction is endorsed
 * by that org's peer alone and submitted. Each must be invalid at commit with
 * ENDORSEMENT_POLICY_FAILURE, on the regulator's peer too, and the regulator's
 * peer must verify the pack or lot exactly as before. The real server is put
 * back afterwards.
 */
import { expect } from "chai";
import {
  FabricSessions,
  chaincodeErrorCode,
  eventually,
  failureOf,
  runId,
  submitJson,
  type OrgSession,
} from "../../../support/fabric-client.js";
import { futureExpiry } from "../../../support/fixtures.js";
import { commissionLot, packOf, shipAndReceive, type Lot, type PackRef } from "../network/scenario.js";
import { submitEndorsedBy } from "./forgery.js";
import { lotRecord, packRecord, statusName, verification } from "./ledger-views.js";
import { ChaincodeServerSlot } from "./rogue-server.js";
import { validationCodeOn } from "./support.js";

const CHANNEL = "mfr-dist";
const REJECTED = "ENDORSEMENT_POLICY_FAILURE (10)";

/** Waits until `who`'s peer answers from the rogue (its errors say "rogue:"), so the attack never reaches the real chaincode. */
async function rogueServes(who: OrgSession): Promise<void> {
  await eventually(async () => {
    const error = await failureOf(() =>
      who.contract(CHANNEL).newProposal("packs:LiftRecall", { arguments: ["00000000000000", "NOSUCHLOT"], endorsingOrganizations: [who.org.mspId] }).endorse(),
    );
    const details = (error as { details?: { message?: string }[] }).details ?? [];
    expect(`${String(error)} ${details.map((d) => d.message).join(" ")}`).to.include("rogue: no lot");
  }, 60_000);
}

/** Submits through `who`'s own peer alone; returns the commit status on that peer and on the regulator's. */
async function attack(who: OrgSession, regulator: OrgSession, name: string, args: string[]): Promise<{ result: string; status: string; onRegulatorPeer: string }> {
  const { result, transactionId, status } = await submitEndorsedBy(who.contract(CHANNEL), name, args, [who.org.mspId]);
  return { result, status: statusName(status), onRegulatorPeer: statusName({ code: await validationCodeOn(regulator, CHANNEL, transactionId) }) };
}

/** The real chaincode answers on `who`'s peer again. */
async function realServes(who: OrgSession, ref: PackRef): Promise<void> {
  await eventually(() => packOf(who, CHANNEL, ref), 60_000);
}

describe("a rogue chaincode server on the distributor's peer", function () {
  this.timeout(300_000);
  const slot = new ChaincodeServerSlot("distributor");
  let sessions: FabricSessions;
  let manufacturer: OrgSession;
  let distributor: OrgSession;
  let regulator: OrgSession;
  let lot: Lot;
  let held: PackRef;
  const run = runId();

  before(async () => {
    sessions = new FabricSessions();
    manufacturer = sessions.as("ManufacturerMSP", "operator");
    distributor = sessions.as("DistributorMSP", "operator");
    regulator = sessions.as("RegulatorMSP", "auditor");
    lot = await commissionLot(manufacturer, `RD${run}`, 1);
    held = lot.packs[0]!;
    await eventually(() => packOf(distributor, CHANNEL, held));
    await shipAndReceive(manufacturer, distributor, CHANNEL, `SHRD${run}`, [held]);
    await eventually(async () => expect(await packOf(regulator, CHANNEL, held)).to.include({ owner: "DistributorMSP", status: "RECEIVED" }));
    await submitJson(regulator.contract(CHANNEL), "packs:SetMark", {
      arguments: [JSON.stringify({ ...held, mark: "ILLEGITIMATE", reason: "diverted from a tender" })],
    });
    await eventually(async () => expect((await packOf(distributor, CHANNEL, held)).marks).to.include("ILLEGITIMATE"));
    await slot.attachRogue();
    await rogueServes(distributor);
  });

  after(async () => {
    try {
      await slot.restore();
      if (distributor) await realServes(distributor, held);
    } finally {
      sessions?.close();
    }
  });

  it("cannot commission packs under the manufacturer's GTIN", async () => {
    const forged = { gtin: lot.gtin, lot: `LX${run}`.slice(0, 20), expiry: futureExpiry(), serials: [`X1${run}`.slice(0, 20), `X2${run}`.slice(0, 20)] };
    const before = await verification(regulator, CHANNEL, { ...forged, packs: [] }, { gtin: forged.gtin, serial: forged.serials[0]! });
    expect(before).to.include({ verified: false, reason: "NO_MATCH_GTIN_SERIAL" });

    const outcome = await attack(distributor, regulator, "packs:CommissionLot", [JSON.stringify(forged)]);
    expect(JSON.parse(outcome.result)).to.include({ rogue: true, commissioned: 2 });
    expect({ status: outcome.status, onRegulatorPeer: outcome.onRegulatorPeer }).to.deep.equal({ status: REJECTED, onRegulatorPeer: REJECTED });

    for (const serial of forged.serials) {
      const scan = await verification(regulator, CHANNEL, { ...forged, packs: [] }, { gtin: forged.gtin, serial });
      expect(scan).to.include({ verified: false, reason: "NO_MATCH_GTIN_SERIAL" });
      expect(chaincodeErrorCode(await failureOf(() => packRecord(manufacturer, CHANNEL, { gtin: forged.gtin, serial })))).to.equal("NOT_FOUND");
    }
    expect(chaincodeErrorCode(await failureOf(() => lotRecord(regulator, CHANNEL, forged.gtin, forged.lot)))).to.equal("NOT_FOUND");
  });

  it("cannot clear the regulator's ILLEGITIMATE mark on a pack the distributor holds", async () => {
    const before = await packRecord(regulator, CHANNEL, held);
    expect(before).to.deep.include({ owner: "DistributorMSP", marks: ["ILLEGITIMATE"] });

    const outcome = await attack(distributor, regulator, "packs:ClearMark", [JSON.stringify({ ...held, mark: "ILLEGITIMATE", reason: "all good" })]);
    expect(JSON.parse(outcome.result)).to.deep.include({ rogue: true });
    expect({ status: outcome.status, onRegulatorPeer: outcome.onRegulatorPeer }).to.deep.equal({ status: REJECTED, onRegulatorPeer: REJECTED });

    expect(await packRecord(regulator, CHANNEL, held)).to.deep.equal(before);
    expect(await verification(regulator, CHANNEL, lot, held)).to.include({ verified: false, reason: "ILLEGITIMATE" });
  });
});

describe("a rogue chaincode server on the manufacturer's peer", function () {
  this.timeout(300_000);
  const slot = new ChaincodeServerSlot("manufacturer");
  let sessions: FabricSessions;
  let manufacturer: OrgSession;
  let regulator: OrgSession;
  let recalled: Lot;

  before(async () => {
    sessions = new FabricSessions();
    manufacturer = sessions.as("ManufacturerMSP", "operator");
    regulator = sessions.as("RegulatorMSP", "auditor");
    recalled = await commissionLot(manufacturer, `RM${runId()}`, 1);
    await eventually(() => packOf(regulator, CHANNEL, recalled.packs[0]!));
    await submitJson(regulator.contract(CHANNEL), "packs:RecallLot", { arguments: [recalled.gtin, recalled.lot, "particles in solution"] });
    await eventually(async () => expect((await lotRecord(manufacturer, CHANNEL, recalled.gtin, recalled.lot)).recall).to.exist);
    await slot.attachRogue();
    await rogueServes(manufacturer);
  });

  after(async () => {
    try {
      await slot.restore();
      if (manufacturer) await realServes(manufacturer, recalled.packs[0]!);
    } finally {
      sessions?.close();
    }
  });

  it("cannot lift the regulator's recall of the manufacturer's lot", async () => {
    const before = await lotRecord(regulator, CHANNEL, recalled.gtin, recalled.lot);
    expect(before.recall?.by).to.equal("RegulatorMSP");

    const outcome = await attack(manufacturer, regulator, "packs:LiftRecall", [recalled.gtin, recalled.lot]);
    expect(JSON.parse(outcome.result)).to.deep.include({ rogue: true });
    expect({ status: outcome.status, onRegulatorPeer: outcome.onRegulatorPeer }).to.deep.equal({ status: REJECTED, onRegulatorPeer: REJECTED });

    expect(await lotRecord(regulator, CHANNEL, recalled.gtin, recalled.lot)).to.deep.equal(before);
    expect(await verification(regulator, CHANNEL, recalled, recalled.packs[0]!)).to.include({ verified: false, reason: "RECALLED" });
  });
});
