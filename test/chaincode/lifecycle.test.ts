import { expect } from "chai";
import { Client } from "../../support/fabric-double.js";
import { DIST, DOWNSTREAM, EXPIRY, GTIN, LOT, MFR, PHARM, REG, SOURCE, deliverToDistributor, deliverToPharmacy, expectError, lotWorld } from "./support/world.js";

const DAY = 24 * 3600;
const scan = (serial: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ gtin: GTIN, serial, lot: LOT, expiry: EXPIRY, ...extra });

describe("packs:Verify", () => {
  it("verifies a genuine active pack", async () => {
    const world = await lotWorld(1);
    const answer = await world.distributor.submit("packs:Verify", GTIN, "SN000000", LOT, EXPIRY);
    expect(answer).to.include({ verified: true, status: "COMMISSIONED", owner: MFR });
    expect(answer.additionalInfo).to.deep.equal([]);
    expect(answer.reason).to.equal(undefined);
  });

  it("answers NO_MATCH_GTIN_SERIAL, LOT_MISMATCH, EXPIRY_MISMATCH and LOT_AND_EXPIRY_MISMATCH", async () => {
    const world = await lotWorld(1);
    expect((await world.distributor.submit("packs:Verify", GTIN, "FAKE1", LOT, EXPIRY)).reason).to.equal("NO_MATCH_GTIN_SERIAL");
    expect((await world.distributor.submit("packs:Verify", GTIN, "SN000000", "OTHER", EXPIRY)).reason).to.equal("LOT_MISMATCH");
    expect((await world.distributor.submit("packs:Verify", GTIN, "SN000000", LOT, "281130")).reason).to.equal("EXPIRY_MISMATCH");    expect((await world.distributor.submit("packs:Verify", GTIN, "SN000000", "OTHER", "281130")).reason).to.equal("LOT_AND_EXPIRY_MISMATCH");
  });

  it("treats day 00 and the explicit last day of the month as the same expiry", async () => {
    const world = await lotWorld(1);
    expect((await world.distributor.submit("packs:Verify", GTIN, "SN000000", LOT, "281231")).verified).to.equal(true);
  });

  it("answers the verification and the channel's custody in one query (packs:VerifyWithProvenance)", async () => {
    const world = await lotWorld(1);
    await deliverToDistributor(world, "S", ["SN000000"]);
    const answer = await world.distributor.submit("packs:VerifyWithProvenance", GTIN, "SN000000", LOT, EXPIRY);
    // The same verification as packs:Verify, but for the time of each query.
    const alone = await world.distributor.submit("packs:Verify", GTIN, "SN000000", LOT, EXPIRY);
    expect({ ...answer.verification, checkedAt: alone.checkedAt }).to.deep.equal(alone);
    expect(answer.provenance.product.manufacturer).to.equal(MFR);
    expect(answer.provenance.custody.map((s: { channel: string; status: string; owner: string }) => `${s.channel}:${s.status}:${s.owner}`)).to.deep.equal([
      `${SOURCE}:COMMISSIONED:${MFR}`,
      `${SOURCE}:IN_TRANSIT:${MFR}`,
      `${SOURCE}:RECEIVED:${DIST}`,
    ]);
    const unknown = await world.distributor.submit("packs:VerifyWithProvenance", GTIN, "FAKE1", LOT, EXPIRY);
    expect(unknown).to.deep.include({ provenance: null });
    expect(unknown.verification.reason).to.equal("NO_MATCH_GTIN_SERIAL");
  });

  it("reports RECALLED for every pack of a recalled lot, from the lot record alone", async () => {
    const world = await lotWorld(2);
    await world.manufacturer.submit("packs:RecallLot", GTIN, LOT, "sterility");
    for (const serial of ["SN000000", "SN000001"]) {
      const answer = await world.regulator.submit("packs:Verify", GTIN, serial, LOT, EXPIRY);
      expect(answer).to.include({ verified: false, reason: "RECALLED" });
    }
    const pack = await world.regulator.submit("packs:GetPack", GTIN, "SN000000");
    expect(pack.marks).to.deep.equal([]);
    expect(pack.recalled).to.equal(true);
  });

  it("lists every additional info that holds, the most serious as the reason", async () => {
    const world = await lotWorld(1);
    await world.manufacturer.submit("packs:SetMark", { gtin: GTIN, serial: "SN000000", mark: "QUARANTINED", reason: "q" });
    await world.regulator.submit("packs:SetMark", { gtin: GTIN, serial: "SN000000", mark: "ILLEGITIMATE", reason: "i" });
    await world.manufacturer.submit("products:WithdrawProduct", GTIN, "w");
    world.net.advance(3 * 366 * DAY);
    const answer = await world.regulator.submit("packs:Verify", GTIN, "SN000000", LOT, EXPIRY);
    expect(answer.reason).to.equal("ILLEGITIMATE");
    expect(answer.additionalInfo).to.deep.equal(["ILLEGITIMATE", "WITHDRAWN", "EXPIRED", "QUARANTINED"]);
  });

  it("refuses a caller that is not a partner and names malformed arguments", async () => {
    const world = await lotWorld(1);
    await expectError(new Client(world.net, SOURCE, PHARM).submit("packs:Verify", GTIN, "SN000000", LOT, EXPIRY), "FORBIDDEN");
    await expectError(world.distributor.submit("packs:Verify", GTIN, "SN000000", LOT, "2812"), "INVALID_ARGUMENT", "expiry");
    await expectError(world.distributor.submit("packs:Verify", GTIN, "S N", LOT, EXPIRY), "INVALID_ARGUMENT", "serial");
  });
});

describe("packs:Dispense", () => {
  it("verifies and decommissions the pharmacy's pack as DISPENSED in one transaction", async () => {
    const world = await lotWorld(1);
    await deliverToPharmacy(world, ["SN000000"]);
    const answer = await world.pharmacy.submit("packs:Dispense", scan("SN000000"));
    expect(answer.verification.verified).to.equal(true);
    expect(answer.pack).to.include({ status: "DISPENSED" });
    expect(answer.pack.decommission).to.include({ reason: "DISPENSED", by: PHARM, previousStatus: "RECEIVED", handedToPatient: false });
    expect(world.net.ledger(DOWNSTREAM).lastEvent()?.payload).to.include({ type: "PackDispensed", serial: "SN000000" });
    const verify = await world.pharmacy.submit("packs:Verify", GTIN, "SN000000", LOT, EXPIRY);
    expect(verify).to.include({ verified: false, reason: "ALREADY_DECOMMISSIONED" });
  });

  it("raises an already-inactive alert on a second dispense by the same pharmacy, without marking it suspect", async () => {
    const world = await lotWorld(1);
    await deliverToPharmacy(world, ["SN000000"]);
    await world.pharmacy.submit("packs:Dispense", scan("SN000000"));
    const second = await world.pharmacy.submit("packs:Dispense", scan("SN000000"));
    expect(second.alert).to.include({ code: "ALREADY_INACTIVE", by: PHARM, firstBy: PHARM });
    expect(second.pack.marks).to.deep.equal([]);
    expect(world.net.ledger(DOWNSTREAM).lastEvent()?.name).to.equal("DecommissionAlertRaised");
  });

  it("marks the pack SUSPECT when the regulator decommissions it again", async () => {
    const world = await lotWorld(1);
    await deliverToPharmacy(world, ["SN000000"]);
    await world.pharmacy.submit("packs:Dispense", scan("SN000000"));
    const second = await world.regulatorAdminDown.submit("packs:Decommission", { gtin: GTIN, serial: "SN000000", reason: "EXPORTED" });
    expect(second.alert).to.include({ by: REG, firstBy: PHARM });
    expect(second.pack.marks).to.deep.equal(["SUSPECT"]);
    expect((await world.regulatorDown.submit("packs:Verify", GTIN, "SN000000", LOT, EXPIRY)).additionalInfo).to.include("SUSPECT");
  });

  it("marks the pack SUSPECT when its manufacturer decommissions it again", async () => {
    const world = await lotWorld(1);
    await deliverToDistributor(world, "S1", ["SN000000"]);
    await world.distributor.submit("packs:Decommission", { gtin: GTIN, serial: "SN000000", reason: "DESTROYED" });
    const second = await world.manufacturer.submit("packs:Decommission", { gtin: GTIN, serial: "SN000000", reason: "DESTROYED" });
    expect(second.alert).to.include({ by: MFR, firstBy: DIST });
    expect(second.pack.marks).to.deep.equal(["SUSPECT"]);
  });

  it("raises the alert but leaves another org's pack unmarked when a partner that may not set SUSPECT decommissions it again", async () => {
    const world = await lotWorld(1);
    await deliverToPharmacy(world, ["SN000000"]);
    await world.pharmacy.submit("packs:Dispense", scan("SN000000"));
    const before = await world.regulatorDown.submit("packs:GetPack", GTIN, "SN000000");
    const second = await world.distributorDown.submit("packs:Decommission", { gtin: GTIN, serial: "SN000000", reason: "EXPORTED" });
    expect(second.alert).to.include({ code: "ALREADY_INACTIVE", by: DIST, firstBy: PHARM });
    expect(second.pack.marks).to.deep.equal([]);
    expect(await world.regulatorDown.submit("packs:GetPack", GTIN, "SN000000")).to.deep.equal(before);
    expect(world.net.ledger(DOWNSTREAM).lastEvent()?.payload).to.include({ type: "DecommissionAlertRaised", serial: "SN000000" });
  });

  it("rejects a dispense by a pharmacy that does not hold the pack, and by a non-pharmacy", async () => {
    const world = await lotWorld(2);
    await deliverToPharmacy(world, ["SN000000"]);
    await world.regulatorAdminDown.submit("partners:RegisterPartner", { mspId: "Pharmacy2MSP", name: "P2", role: "Pharmacy" });
    await expectError(new Client(world.net, DOWNSTREAM, "Pharmacy2MSP", { "rxtrace.role": "pharmacist" }).submit("packs:Dispense", scan("SN000000")), "FORBIDDEN");
    await expectError(world.distributorDown.submit("packs:Dispense", scan("SN000000")), "FORBIDDEN");
  });

  it("rejects a pack that fails verification, naming the mismatch", async () => {
    const world = await lotWorld(1);
    await deliverToPharmacy(world, ["SN000000"]);
    await expectError(world.pharmacy.submit("packs:Dispense", scan("SN000000", { lot: "WRONG" })), "CONFLICT", "lot");
    await expectError(world.pharmacy.submit("packs:Dispense", scan("SN000000", { expiry: "281130" })), "CONFLICT", "expiry");
    await expectError(world.pharmacy.submit("packs:Dispense", scan("SN000000", { lot: "WRONG", expiry: "281130" })), "CONFLICT", "lot");
    await expectError(world.pharmacy.submit("packs:Dispense", scan("NOPE")), "NOT_FOUND", "serial");
    await world.regulatorDown.submit("packs:RecallLot", GTIN, LOT, "recall");
    const error = await expectError(world.pharmacy.submit("packs:Dispense", scan("SN000000")), "CONFLICT", "serial");
    expect(error.detail).to.match(/RECALLED/);
  });

  it("rejects dispensing a pack still in transit to the pharmacy", async () => {
    const world = await lotWorld(1);
    await deliverToDistributor(world, "S", ["SN000000"]);
    await world.distributor.submit("crosschannel:HandOff", { packs: [{ gtin: GTIN, serial: "SN000000" }], toChannel: DOWNSTREAM });
    await world.distributorDown.submit("crosschannel:ImportPacks", { packs: [{ gtin: GTIN, serial: "SN000000" }], fromChannel: "mfr-dist" });
    await world.distributorDown.submit("shipments:Ship", { shipmentId: "DP", consignee: PHARM, packs: [{ gtin: GTIN, serial: "SN000000" }] });
    await expectError(world.pharmacy.submit("packs:Dispense", scan("SN000000")), "FORBIDDEN");
  });

  it("names malformed dispense input", async () => {
    const world = await lotWorld(1);
    await expectError(world.pharmacy.submit("packs:Dispense", scan("SN000000", { handedToPatient: "yes" })), "INVALID_ARGUMENT", "handedToPatient");
    await expectError(world.pharmacy.submit("packs:Dispense", { serial: "S" }), "INVALID_ARGUMENT", "gtin");
  });
});

describe("packs:Decommission", () => {
  for (const reason of ["EXPORTED", "CHECKED_OUT", "SAMPLE", "FREE_SAMPLE", "LOCKED", "DESTROYED", "STOLEN"]) {
    it(`decommissions a held pack as ${reason}`, async () => {
      const world = await lotWorld(1);
      const answer = await world.manufacturer.submit("packs:Decommission", { gtin: GTIN, serial: "SN000000", reason });
      expect(answer.pack).to.include({ status: reason });
      expect(world.net.ledger(SOURCE).lastEvent()?.payload).to.include({ type: "PackDecommissioned", reason });
    });
  }

  it("answers a repeated decommission by the same org with an already-inactive alert and no status change", async () => {
    const world = await lotWorld(1);
    await world.manufacturer.submit("packs:Decommission", { gtin: GTIN, serial: "SN000000", reason: "LOCKED" });
    const again = await world.manufacturer.submit("packs:Decommission", { gtin: GTIN, serial: "SN000000", reason: "DESTROYED" });
    expect(again.alert).to.include({ code: "ALREADY_INACTIVE", firstBy: MFR });
    expect(again.pack).to.include({ status: "LOCKED" });
    expect(again.pack.marks).to.deep.equal([]);
  });

  it("lets a distributor check out the pack it holds", async () => {
    const world = await lotWorld(1);
    await deliverToDistributor(world, "S", ["SN000000"]);
    const answer = await world.distributor.submit("packs:Decommission", { gtin: GTIN, serial: "SN000000", reason: "CHECKED_OUT" });
    expect(answer.pack).to.include({ status: "CHECKED_OUT", owner: DIST });
    expect(answer.pack.decommission).to.include({ reason: "CHECKED_OUT", by: DIST, previousStatus: "RECEIVED" });
  });

  it("lets only a manufacturer hand out a free sample, refusing the distributor holding the pack and changing nothing", async () => {
    const world = await lotWorld(1);
    await deliverToDistributor(world, "S", ["SN000000"]);
    const before = world.net.ledger(SOURCE).snapshot();
    const error = await expectError(world.distributor.submit("packs:Decommission", { gtin: GTIN, serial: "SN000000", reason: "FREE_SAMPLE" }), "FORBIDDEN");
    expect(error.detail).to.match(/FREE_SAMPLE requires role Manufacturer/);
    expect(world.net.ledger(SOURCE).snapshot()).to.equal(before);
  });

  it("rejects a decommission by an org that does not hold the pack", async () => {
    const world = await lotWorld(1);
    await expectError(world.distributor.submit("packs:Decommission", { gtin: GTIN, serial: "SN000000", reason: "STOLEN" }), "FORBIDDEN");
  });

  it("rejects decommissioning a pack in transit", async () => {
    const world = await lotWorld(1);
    await world.manufacturer.submit("shipments:Ship", { shipmentId: "S", consignee: DIST, packs: [{ gtin: GTIN, serial: "SN000000" }] });
    await expectError(world.manufacturer.submit("packs:Decommission", { gtin: GTIN, serial: "SN000000", reason: "STOLEN" }), "CONFLICT", "serial");
  });

  it("rejects DISPENSED and unknown reasons", async () => {
    const world = await lotWorld(1);
    await expectError(world.manufacturer.submit("packs:Decommission", { gtin: GTIN, serial: "SN000000", reason: "DISPENSED" }), "INVALID_ARGUMENT", "reason");
  });
});

describe("packs:UndoDecommission", () => {
  it("restores the previous status within 10 days, by the same org", async () => {
    const world = await lotWorld(1);
    await deliverToPharmacy(world, ["SN000000"]);
    await world.pharmacy.submit("packs:Dispense", scan("SN000000"));
    world.net.advance(9 * DAY);
    const pack = await world.pharmacy.submit("packs:UndoDecommission", GTIN, "SN000000");
    expect(pack.status).to.equal("RECEIVED");
    expect(pack.decommission).to.equal(undefined);
    expect(world.net.ledger(DOWNSTREAM).lastEvent()?.payload).to.include({ type: "DecommissionUndone", status: "RECEIVED" });
  });

  it("rejects a repeated undo: the pack is active again", async () => {
    const world = await lotWorld(1);
    await world.manufacturer.submit("packs:Decommission", { gtin: GTIN, serial: "SN000000", reason: "SAMPLE" });
    expect((await world.manufacturer.submit("packs:UndoDecommission", GTIN, "SN000000")).status).to.equal("COMMISSIONED");
    const error = await expectError(world.manufacturer.submit("packs:UndoDecommission", GTIN, "SN000000"), "CONFLICT", "serial");
    expect(error.detail).to.match(/not decommissioned/);
  });

  it("rejects an undo after 10 days", async () => {
    const world = await lotWorld(1);
    await world.manufacturer.submit("packs:Decommission", { gtin: GTIN, serial: "SN000000", reason: "SAMPLE" });
    world.net.advance(10 * DAY + 1);
    const error = await expectError(world.manufacturer.submit("packs:UndoDecommission", GTIN, "SN000000"), "CONFLICT");
    expect(error.detail).to.match(/10 days/);
  });

  for (const reason of ["CHECKED_OUT", "FREE_SAMPLE", "SAMPLE", "EXPORTED", "LOCKED"]) {
    it(`reactivates a ${reason} pack by the same org up to exactly 10 days after, from the transaction's timestamp`, async () => {
      const world = await lotWorld(1);
      await world.manufacturer.submit("packs:Decommission", { gtin: GTIN, serial: "SN000000", reason });
      // Each transaction is one second after the previous: the undo lands exactly 864,000 s after the decommission.
      world.net.advance(10 * DAY - 1);
      const pack = await world.manufacturer.submit("packs:UndoDecommission", GTIN, "SN000000");
      expect(pack).to.include({ status: "COMMISSIONED", owner: MFR });
      expect(pack.decommission).to.equal(undefined);
    });
  }

  it("rejects an undo one second after the 10 days, changing nothing", async () => {
    const world = await lotWorld(1);
    await world.manufacturer.submit("packs:Decommission", { gtin: GTIN, serial: "SN000000", reason: "FREE_SAMPLE" });
    world.net.advance(10 * DAY);
    const before = world.net.ledger(SOURCE).snapshot();
    const error = await expectError(world.manufacturer.submit("packs:UndoDecommission", GTIN, "SN000000"), "CONFLICT", "serial");
    expect(error.detail).to.match(/10 days/);
    expect(world.net.ledger(SOURCE).snapshot()).to.equal(before);
  });

  it("rejects an undo of a checked-out pack by another org, even the pack's manufacturer", async () => {
    const world = await lotWorld(1);
    await deliverToDistributor(world, "S", ["SN000000"]);
    await world.distributor.submit("packs:Decommission", { gtin: GTIN, serial: "SN000000", reason: "CHECKED_OUT" });
    await expectError(world.manufacturer.submit("packs:UndoDecommission", GTIN, "SN000000"), "FORBIDDEN");
    expect((await world.distributor.submit("packs:UndoDecommission", GTIN, "SN000000")).status).to.equal("RECEIVED");
  });

  it("applies the same rules to a dispense (supplied): another org and a late undo are refused", async () => {
    const world = await lotWorld(2);
    await deliverToPharmacy(world, ["SN000000", "SN000001"]);
    await world.pharmacy.submit("packs:Dispense", scan("SN000000"));
    await expectError(world.distributorDown.submit("packs:UndoDecommission", GTIN, "SN000000"), "FORBIDDEN");
    world.net.advance(10 * DAY);
    expect((await expectError(world.pharmacy.submit("packs:UndoDecommission", GTIN, "SN000000"), "CONFLICT")).detail).to.match(/10 days/);
  });

  it("rejects an undo by another org", async () => {
    const world = await lotWorld(1);
    await world.manufacturer.submit("packs:Decommission", { gtin: GTIN, serial: "SN000000", reason: "LOCKED" });
    await expectError(world.regulator.submit("packs:UndoDecommission", GTIN, "SN000000"), "FORBIDDEN");
  });

  it("rejects undoing a destroyed or stolen pack, a pack handed to a patient, and an active pack", async () => {
    const world = await lotWorld(4);
    await world.manufacturer.submit("packs:Decommission", { gtin: GTIN, serial: "SN000000", reason: "DESTROYED" });
    await expectError(world.manufacturer.submit("packs:UndoDecommission", GTIN, "SN000000"), "CONFLICT");
    await world.manufacturer.submit("packs:Decommission", { gtin: GTIN, serial: "SN000001", reason: "STOLEN" });
    await expectError(world.manufacturer.submit("packs:UndoDecommission", GTIN, "SN000001"), "CONFLICT");
    await expectError(world.manufacturer.submit("packs:UndoDecommission", GTIN, "SN000002"), "CONFLICT");
    await deliverToPharmacy(world, ["SN000003"]);
    await world.pharmacy.submit("packs:Dispense", scan("SN000003", { handedToPatient: true }));
    expect((await expectError(world.pharmacy.submit("packs:UndoDecommission", GTIN, "SN000003"), "CONFLICT")).detail).to.match(/patient/);
  });

  it("rejects undoing a pack of a recalled lot or an expired pack", async () => {
    const world = await lotWorld(1);
    await world.manufacturer.submit("packs:Decommission", { gtin: GTIN, serial: "SN000000", reason: "SAMPLE" });
    await world.manufacturer.submit("packs:RecallLot", GTIN, LOT, "r");
    expect((await expectError(world.manufacturer.submit("packs:UndoDecommission", GTIN, "SN000000"), "CONFLICT")).detail).to.match(/RECALLED/);
  });

  it("rejects undoing a pack that expired after its decommission", async () => {
    const world = await lotWorld(1);
    // The lot expires at the end of December 2028: decommission on its last day, undo the day after.
    world.net.seconds = Date.UTC(2028, 11, 31, 12, 0, 0) / 1000;
    await world.manufacturer.submit("packs:Decommission", { gtin: GTIN, serial: "SN000000", reason: "FREE_SAMPLE" });
    world.net.advance(DAY);
    expect((await expectError(world.manufacturer.submit("packs:UndoDecommission", GTIN, "SN000000"), "CONFLICT", "serial")).detail).to.match(/EXPIRED/);
  });

  it("rejects undoing a pack of a withdrawn GTIN", async () => {
    const world = await lotWorld(1);
    await world.manufacturer.submit("packs:Decommission", { gtin: GTIN, serial: "SN000000", reason: "CHECKED_OUT" });
    await world.manufacturer.submit("products:WithdrawProduct", GTIN, "marketing authorisation withdrawn");
    expect((await expectError(world.manufacturer.submit("packs:UndoDecommission", GTIN, "SN000000"), "CONFLICT", "serial")).detail).to.match(/WITHDRAWN/);
  });
});

describe("packs:RecallLot", () => {
  it("records the recall once on the lot, by the manufacturer, irreversibly", async () => {
    const world = await lotWorld(1);
    const lot = await world.manufacturer.submit("packs:RecallLot", GTIN, LOT, "contamination");
    expect(lot.recall).to.include({ by: MFR, reason: "contamination" });
    expect(world.net.ledger(SOURCE).lastEvent()?.payload).to.include({ type: "LotRecalled", lot: LOT });
    await expectError(world.manufacturer.submit("packs:RecallLot", GTIN, LOT, "again"), "CONFLICT", "lot");
  });

  it("lets the regulator recall and refuses the distributor", async () => {
    const world = await lotWorld(1);
    await expectError(world.distributor.submit("packs:RecallLot", GTIN, LOT, "no"), "FORBIDDEN");
    expect((await world.regulator.submit("packs:RecallLot", GTIN, LOT, "order")).recall.by).to.equal(REG);
  });

  it("blocks every movement of the lot's packs", async () => {
    const world = await lotWorld(1);
    await deliverToDistributor(world, "S", ["SN000000"]);
    await world.regulator.submit("packs:RecallLot", GTIN, LOT, "order");
    await expectError(world.distributor.submit("crosschannel:HandOff", { packs: [{ gtin: GTIN, serial: "SN000000" }], toChannel: DOWNSTREAM }), "CONFLICT");
  });

  it("names malformed arguments", async () => {
    const world = await lotWorld(1);
    await expectError(world.manufacturer.submit("packs:RecallLot", GTIN, "L OT", "r"), "INVALID_ARGUMENT", "lot");
    await expectError(world.manufacturer.submit("packs:RecallLot", GTIN, "NOLOT", "r"), "NOT_FOUND", "lot");
  });
});

describe("packs:SetMark and packs:ClearMark", () => {
  const mark = (serial: string, m: string, reason = "r"): Record<string, unknown> => ({ gtin: GTIN, serial, mark: m, reason });

  it("lets the holder quarantine and release its pack", async () => {
    const world = await lotWorld(1);
    const marked = await world.manufacturer.submit("packs:SetMark", mark("SN000000", "QUARANTINED"));
    expect(marked.marks).to.deep.equal(["QUARANTINED"]);
    expect(world.net.ledger(SOURCE).lastEvent()?.payload).to.include({ type: "PackMarked", mark: "QUARANTINED" });
    const cleared = await world.manufacturer.submit("packs:ClearMark", mark("SN000000", "QUARANTINED"));
    expect(cleared.marks).to.deep.equal([]);
    expect(world.net.ledger(SOURCE).lastEvent()?.name).to.equal("PackMarkCleared");
  });

  it("rejects setting a mark twice and clearing a mark that is not set", async () => {
    const world = await lotWorld(1);
    await world.manufacturer.submit("packs:SetMark", mark("SN000000", "QUARANTINED"));
    await expectError(world.manufacturer.submit("packs:SetMark", mark("SN000000", "QUARANTINED")), "CONFLICT", "mark");
    await expectError(world.manufacturer.submit("packs:ClearMark", mark("SN000000", "SUSPECT")), "FORBIDDEN");
    await expectError(world.regulator.submit("packs:ClearMark", mark("SN000000", "SUSPECT")), "CONFLICT", "mark");
  });

  it("lets the manufacturer flag a pack it no longer holds as SUSPECT, but only the regulator clears it", async () => {
    const world = await lotWorld(1);
    await deliverToDistributor(world, "S", ["SN000000"]);
    await world.manufacturer.submit("packs:SetMark", mark("SN000000", "SUSPECT"));
    await expectError(world.distributor.submit("packs:ClearMark", mark("SN000000", "SUSPECT")), "FORBIDDEN");
    await expectError(world.manufacturer.submit("packs:ClearMark", mark("SN000000", "SUSPECT")), "FORBIDDEN");
    expect((await world.regulator.submit("packs:ClearMark", mark("SN000000", "SUSPECT"))).marks).to.deep.equal([]);
  });

  it("keeps ILLEGITIMATE to the regulator and QUARANTINED away from non-holders", async () => {
    const world = await lotWorld(1);
    await expectError(world.manufacturer.submit("packs:SetMark", mark("SN000000", "ILLEGITIMATE")), "FORBIDDEN");
    await expectError(world.distributor.submit("packs:SetMark", mark("SN000000", "QUARANTINED")), "FORBIDDEN");
    await world.regulator.submit("packs:SetMark", mark("SN000000", "ILLEGITIMATE"));
    await expectError(world.manufacturer.submit("packs:ClearMark", mark("SN000000", "ILLEGITIMATE")), "FORBIDDEN");
    expect((await world.regulator.submit("packs:ClearMark", mark("SN000000", "ILLEGITIMATE"))).marks).to.deep.equal([]);
  });

  it("rejects COLD_CHAIN_HOLD, which only the cold-chain rules set, and malformed input", async () => {
    const world = await lotWorld(1);
    await expectError(world.manufacturer.submit("packs:SetMark", mark("SN000000", "COLD_CHAIN_HOLD")), "INVALID_ARGUMENT", "mark");
    await expectError(world.manufacturer.submit("packs:SetMark", mark("SN000000", "QUARANTINED", "")), "INVALID_ARGUMENT", "reason");
  });
});

describe("packs:GetPackHistory", () => {
  it("returns every version of the pack with transaction id, time and submitting MSP, oldest first", async () => {
    const world = await lotWorld(1);
    await deliverToDistributor(world, "S", ["SN000000"]);
    const history = await world.regulator.submit<{ txId: string; at: string; by: string; pack: { status: string } }[]>("packs:GetPackHistory", GTIN, "SN000000");
    expect(history.map((h) => [h.by, h.pack.status])).to.deep.equal([
      [MFR, "COMMISSIONED"],
      [MFR, "IN_TRANSIT"],
      [DIST, "RECEIVED"],
    ]);
    expect(new Set(history.map((h) => h.txId)).size).to.equal(3);
    expect(history[0]?.at).to.match(/^2026-01-15T10:00:\d\dZ$/);
  });
});
