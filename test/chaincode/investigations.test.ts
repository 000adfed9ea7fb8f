import { expect } from "chai";
import { DIST, DOWNSTREAM, EXPIRY, GTIN, LOT, MFR, PHARM, REG, SOURCE, deliverToDistributor, deliverToPharmacy, expectError, lotWorld, refs, type World } from "./support/world.js";

const SHA = "a".repeat(64);
const CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
const packKey = (serial: string): string => `\u0000pack\u0000${GTIN}\u0000${serial}\u0000`;
const invKey = (id: string): string => `\u0000investigation\u0000${id}\u0000`;

/** Three packs: two delivered to the distributor on mfr-dist, one left at the manufacturer. */
async function heldWorld(): Promise<World> {
  const world = await lotWorld(3);
  await deliverToDistributor(world, "S-1", ["SN000000", "SN000001"]);
  return world;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON document of the API's shapes, read field by field
async function openOnLot(world: World, id = "INV-1", by = world.distributor): Promise<any> {
  return by.submit("investigations:OpenInvestigation", {
    investigationId: id,
    scope: { type: "lot", gtin: GTIN, lot: LOT },
    reason: "label text does not match the product",
    evidence: [{ cid: CID, sha256: SHA }],
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON document of the API's shapes, read field by field
async function verify(world: World, serial: string): Promise<any> {
  return world.distributor.submit("packs:Verify", GTIN, serial, LOT, EXPIRY);
}

describe("investigations:OpenInvestigation", () => {
  it("opens on a lot by a holder: every pack SUSPECT, the partners that held them named, the record endorsed by opener and regulator", async () => {
    const world = await heldWorld();
    const record = await openOnLot(world);
    expect(record).to.include({ investigationId: "INV-1", status: "OPEN" });
    expect(record.opened).to.include({ by: DIST });
    expect(record.packs).to.deep.equal(refs(["SN000000", "SN000001", "SN000002"]));
    expect(record.marked).to.deep.equal(refs(["SN000000", "SN000001", "SN000002"]));
    expect(record.partners).to.deep.equal([DIST, MFR]);
    expect(record.evidence).to.deep.equal([{ cid: CID, sha256: SHA }]);
    const ledger = world.net.ledger(SOURCE);
    expect(ledger.keyPolicy(invKey("INV-1"))).to.deep.include({ all: [DIST, REG], anyOf: [] });
    // A SUSPECT pack is regulator-governed: its key needs the regulator's peer.
    expect(ledger.keyPolicy(packKey("SN000000"))).to.deep.include({ all: [DIST, REG] });
    expect(ledger.lastEvent()?.payload).to.deep.include({ type: "InvestigationOpened", investigationId: "INV-1", partners: [DIST, MFR] });
    expect(await verify(world, "SN000000")).to.include({ verified: false });
  });

  it("opens on a shipment's packs and on listed packs; the regulator opens too", async () => {
    const world = await heldWorld();
    const onShipment = await world.regulator.submit("investigations:OpenInvestigation", { investigationId: "INV-S", scope: { type: "shipment", shipmentId: "S-1" }, reason: "r" });
    expect(onShipment.packs).to.deep.equal(refs(["SN000000", "SN000001"]));
    expect(world.net.ledger(SOURCE).keyPolicy(invKey("INV-S"))?.all).to.deep.equal([REG]);
    const listed = await world.manufacturer.submit("investigations:OpenInvestigation", { investigationId: "INV-P", scope: { type: "packs", packs: refs(["SN000002", "SN000000"]) }, reason: "r" });
    expect(listed.packs).to.deep.equal(refs(["SN000000", "SN000002"]));
    // SN000000 was already SUSPECT by INV-S: this investigation marked only SN000002.
    expect(listed.marked).to.deep.equal(refs(["SN000002"]));
  });

  it("refuses an org that neither holds nor held the packs", async () => {
    const world = await lotWorld(1);
    await deliverToPharmacy(world, ["SN000000"]);
    const other = await lotWorld(1);
    await expectError(other.pharmacy.submit("investigations:OpenInvestigation", { investigationId: "X", scope: { type: "packs", packs: refs(["SN000000"]) }, reason: "r" }), "NOT_FOUND", "scope.packs[0]");
    // On mfr-dist the pharmacy is no partner of the pack.
    const world2 = await heldWorld();
    const stranger = world2.distributor;
    await world2.manufacturer.submit("investigations:OpenInvestigation", { investigationId: "M", scope: { type: "packs", packs: refs(["SN000002"]) }, reason: "r" });
    await expectError(stranger.submit("investigations:OpenInvestigation", { investigationId: "D", scope: { type: "packs", packs: refs(["SN000002"]) }, reason: "r" }), "FORBIDDEN");
  });

  it("refuses bad input with the field named and changes nothing", async () => {
    const world = await heldWorld();
    const before = world.net.ledger(SOURCE).snapshot();
    const open = (body: unknown): Promise<unknown> => world.distributor.submit("investigations:OpenInvestigation", body);
    const ok = { investigationId: "I", scope: { type: "lot", gtin: GTIN, lot: LOT }, reason: "r" };
    await expectError(open({ ...ok, investigationId: "I I" }), "INVALID_ARGUMENT", "investigationId");
    await expectError(open({ ...ok, scope: { type: "pallet" } }), "INVALID_ARGUMENT", "scope.type");
    await expectError(open({ ...ok, scope: { type: "lot", gtin: "09521234543214", lot: LOT } }), "INVALID_ARGUMENT", "scope.gtin");
    await expectError(open({ ...ok, scope: { type: "packs", packs: [] } }), "INVALID_ARGUMENT", "scope.packs");
    await expectError(open({ ...ok, reason: "" }), "INVALID_ARGUMENT", "reason");
    await expectError(open({ ...ok, evidence: [{ cid: "x", sha256: SHA }] }), "INVALID_ARGUMENT", "evidence[0].cid");
    await expectError(open({ ...ok, evidence: [{ cid: CID, sha256: "nothex" }] }), "INVALID_ARGUMENT", "evidence[0].sha256");
    await expectError(open({ ...ok, scope: { type: "lot", gtin: GTIN, lot: "NOPE" } }), "NOT_FOUND", "scope.lot");
    await expectError(open({ ...ok, scope: { type: "shipment", shipmentId: "NOPE" } }), "NOT_FOUND", "scope.shipmentId");
    expect(world.net.ledger(SOURCE).snapshot()).to.equal(before);
    await openOnLot(world, "I");
    await expectError(openOnLot(world, "I"), "ALREADY_EXISTS", "investigationId");
  });
});

describe("investigations:DetermineInvestigation", () => {
  it("ILLEGITIMATE by the opener: packs ILLEGITIMATE, verify fails, the 24 h deadline from the transaction time", async () => {
    const world = await heldWorld();
    await openOnLot(world);
    const record = await world.distributor.submit("investigations:DetermineInvestigation", { investigationId: "INV-1", outcome: "ILLEGITIMATE", reason: "counterfeit confirmed by the manufacturer" });
    expect(record.status).to.equal("DETERMINED");
    const at = Date.parse(record.determination.at);
    expect(Date.parse(record.determination.notifyBy) - at).to.equal(24 * 3600 * 1000);
    expect(record.regulatorNotified).to.equal(undefined);
    const pack = await world.distributor.submit("packs:GetPack", GTIN, "SN000000");
    expect(pack.marks).to.deep.equal(["ILLEGITIMATE"]);
    const answer = await verify(world, "SN000000");
    expect(answer.verified).to.equal(false);
    expect(answer.additionalInfo).to.include("ILLEGITIMATE");
    expect(world.net.ledger(SOURCE).lastEvent()?.payload).to.deep.include({ type: "InvestigationDetermined", outcome: "ILLEGITIMATE", notifyBy: record.determination.notifyBy, partners: [DIST, MFR] });
    // Cannot be determined twice.
    await expectError(world.distributor.submit("investigations:DetermineInvestigation", { investigationId: "INV-1", outcome: "CLEARED", reason: "r" }), "CONFLICT", "investigationId");
  });

  it("CLEARED lifts only the SUSPECT marks the investigation set", async () => {
    const world = await heldWorld();
    await world.regulator.submit("packs:SetMark", { gtin: GTIN, serial: "SN000001", mark: "SUSPECT", reason: "earlier" });
    await openOnLot(world);
    await world.regulator.submit("investigations:DetermineInvestigation", { investigationId: "INV-1", outcome: "CLEARED", reason: "genuine" });
    expect((await world.distributor.submit("packs:GetPack", GTIN, "SN000000")).marks).to.deep.equal([]);
    expect((await world.distributor.submit("packs:GetPack", GTIN, "SN000001")).marks).to.deep.equal(["SUSPECT"]);
    expect(await verify(world, "SN000000")).to.include({ verified: true });
  });

  it("refuses another org than the opener or regulator, and bad input with the field named", async () => {
    const world = await heldWorld();
    await openOnLot(world);
    await expectError(world.manufacturer.submit("investigations:DetermineInvestigation", { investigationId: "INV-1", outcome: "CLEARED", reason: "r" }), "FORBIDDEN");
    const before = world.net.ledger(SOURCE).snapshot();
    await expectError(world.distributor.submit("investigations:DetermineInvestigation", { investigationId: "INV-1", outcome: "MAYBE", reason: "r" }), "INVALID_ARGUMENT", "outcome");
    await expectError(world.distributor.submit("investigations:DetermineInvestigation", { investigationId: "NOPE", outcome: "CLEARED", reason: "r" }), "NOT_FOUND", "investigationId");
    expect(world.net.ledger(SOURCE).snapshot()).to.equal(before);
  });
});

describe("investigations: notification, disposal and closing", () => {
  it("records the regulator notification against the deadline, quarantines and destroys held packs, closes", async () => {
    const world = await heldWorld();
    await openOnLot(world);
    await world.distributor.submit("investigations:DetermineInvestigation", { investigationId: "INV-1", outcome: "ILLEGITIMATE", reason: "counterfeit" });
    await expectError(world.distributor.submit("investigations:CloseInvestigation", { investigationId: "INV-1", reason: "done" }), "CONFLICT", "investigationId");
    world.net.advance(3600);
    const notified = await world.distributor.submit("investigations:RecordRegulatorNotification", { investigationId: "INV-1", reference: "FDA-3911-0001" });
    expect(notified.regulatorNotified).to.include({ by: DIST, reference: "FDA-3911-0001", withinDeadline: true });
    await expectError(world.distributor.submit("investigations:RecordRegulatorNotification", { investigationId: "INV-1", reference: "again" }), "CONFLICT");
    const quarantined = await world.distributor.submit("investigations:DisposeInvestigationPacks", { investigationId: "INV-1", action: "QUARANTINE" });
    expect(quarantined.disposals[0]).to.deep.include({ action: "QUARANTINE", packs: refs(["SN000000", "SN000001"]), by: DIST });
    const destroyed = await world.manufacturer.submit("investigations:DisposeInvestigationPacks", { investigationId: "INV-1", action: "DESTROY" });
    expect(destroyed.disposals[1]).to.deep.include({ action: "DESTROY", packs: refs(["SN000002"]), by: MFR });
    expect(await world.manufacturer.submit("packs:GetPack", GTIN, "SN000002")).to.include({ status: "DESTROYED" });
    await expectError(world.manufacturer.submit("investigations:DisposeInvestigationPacks", { investigationId: "INV-1", action: "DESTROY" }), "CONFLICT", "investigationId");
    await expectError(world.manufacturer.submit("investigations:CloseInvestigation", { investigationId: "INV-1", reason: "done" }), "FORBIDDEN");
    const closed = await world.regulator.submit("investigations:CloseInvestigation", { investigationId: "INV-1", reason: "packs destroyed" });
    expect(closed).to.include({ status: "CLOSED" });
    expect(closed.closed).to.include({ by: REG, reason: "packs destroyed" });
    // Closed packs stay out of commerce.
    expect(await verify(world, "SN000000")).to.include({ verified: false });
  });

  it("a notification after the 24 h deadline is recorded as late; a regulator determination is its own notification", async () => {
    const world = await heldWorld();
    await openOnLot(world);
    await world.distributor.submit("investigations:DetermineInvestigation", { investigationId: "INV-1", outcome: "ILLEGITIMATE", reason: "r" });
    world.net.advance(25 * 3600);
    const late = await world.distributor.submit("investigations:RecordRegulatorNotification", { investigationId: "INV-1", reference: "late" });
    expect(late.regulatorNotified.withinDeadline).to.equal(false);
    await openOnLot(world, "INV-2", world.regulator);
    const byRegulator = await world.regulator.submit("investigations:DetermineInvestigation", { investigationId: "INV-2", outcome: "ILLEGITIMATE", reason: "r" });
    expect(byRegulator.regulatorNotified).to.include({ by: REG, withinDeadline: true });
  });

  it("refuses a notification before an illegitimate determination, or by an org that neither opened nor determined; reads the record back", async () => {
    const world = await heldWorld();
    await openOnLot(world);
    await expectError(world.distributor.submit("investigations:RecordRegulatorNotification", { investigationId: "INV-1", reference: "r" }), "CONFLICT", "investigationId");
    await world.distributor.submit("investigations:DetermineInvestigation", { investigationId: "INV-1", outcome: "ILLEGITIMATE", reason: "r" });
    await expectError(world.manufacturer.submit("investigations:RecordRegulatorNotification", { investigationId: "INV-1", reference: "r" }), "FORBIDDEN");
    await expectError(world.distributor.submit("investigations:RecordRegulatorNotification", { investigationId: "INV-1", reference: "" }), "INVALID_ARGUMENT", "reference");
    const read = await world.manufacturer.submit("investigations:GetInvestigation", "INV-1");
    expect(read).to.include({ investigationId: "INV-1", status: "DETERMINED" });
    await expectError(world.manufacturer.submit("investigations:GetInvestigation", "NOPE"), "NOT_FOUND", "investigationId");
    await expectError(world.manufacturer.submit("investigations:GetInvestigation", "bad id"), "INVALID_ARGUMENT", "investigationId");
  });

  it("refuses disposal of a cleared investigation", async () => {
    const world = await heldWorld();
    await openOnLot(world);
    await world.distributor.submit("investigations:DetermineInvestigation", { investigationId: "INV-1", outcome: "CLEARED", reason: "genuine" });
    await expectError(world.distributor.submit("investigations:DisposeInvestigationPacks", { investigationId: "INV-1", action: "DESTROY" }), "CONFLICT", "investigationId");
    await expectError(world.distributor.submit("investigations:DisposeInvestigationPacks", { investigationId: "INV-1", action: "BURN" }), "INVALID_ARGUMENT", "action");
    const closed = await world.distributor.submit("investigations:CloseInvestigation", { investigationId: "INV-1", reason: "cleared" });
    expect(closed.status).to.equal("CLOSED");
  });
});

describe("investigations:ListInvestigations", () => {
  it("pages the channel's investigations, and only the open ones when asked", async () => {
    const world = await heldWorld();
    for (const id of ["A", "B", "C"]) await openOnLot(world, id, world.regulator);
    await world.regulator.submit("investigations:DetermineInvestigation", { investigationId: "B", outcome: "CLEARED", reason: "r" });
    await world.regulator.submit("investigations:CloseInvestigation", { investigationId: "B", reason: "r" });
    const first = await world.regulator.submit("investigations:ListInvestigations", "2", "", "");
    expect(first.investigations.map((i: { investigationId: string }) => i.investigationId)).to.deep.equal(["A", "B"]);
    const second = await world.regulator.submit("investigations:ListInvestigations", "2", first.bookmark, "");
    expect(second.investigations.map((i: { investigationId: string }) => i.investigationId)).to.deep.equal(["C"]);
    expect(second.bookmark).to.equal("");
    const open = await world.regulator.submit("investigations:ListInvestigations", "2", "", "OPEN");
    expect(open.investigations.map((i: { investigationId: string }) => i.investigationId)).to.deep.equal(["A", "C"]);
    await world.regulator.submit("investigations:DetermineInvestigation", { investigationId: "C", outcome: "ILLEGITIMATE", reason: "r" });
    const active = await world.regulator.submit("investigations:ListInvestigations", "10", "", "ACTIVE");
    expect(active.investigations.map((i: { investigationId: string }) => i.investigationId)).to.deep.equal(["A", "C"]);
    await expectError(world.regulator.submit("investigations:ListInvestigations", "0", "", ""), "INVALID_ARGUMENT", "pageSize");
    await expectError(world.regulator.submit("investigations:ListInvestigations", "2", "", "PENDING"), "INVALID_ARGUMENT", "status");
  });
});

describe("investigations: tracing requests", () => {
  it("the regulator asks the holders of a pack; each asked holder answers once, timed against 24 h, endorsed by holder and regulator", async () => {
    const world = await lotWorld(1);
    await deliverToPharmacy(world, ["SN000000"]);
    const request = await world.regulatorDown.submit("investigations:OpenTracingRequest", { requestId: "T-1", scope: { type: "pack", gtin: GTIN, serial: "SN000000" }, reason: "trace" });
    expect(request.asked).to.deep.equal([DIST, PHARM]);
    expect(Date.parse(request.respondBy) - Date.parse(request.requested.at)).to.equal(24 * 3600 * 1000);
    const ledger = world.net.ledger(DOWNSTREAM);
    expect(ledger.lastEvent()?.payload).to.deep.include({ type: "TracingRequested", requestId: "T-1", partners: [DIST, PHARM] });
    const answer = await world.pharmacy.submit("investigations:AnswerTracingRequest", { requestId: "T-1", statement: "received from DistributorMSP on SHIP-DP-A", documents: [{ cid: CID, sha256: SHA }] });
    expect(answer).to.include({ holder: PHARM, withinDeadline: true });
    expect(ledger.keyPolicy(`\u0000tracinganswer\u0000T-1\u0000${PHARM}\u0000`)).to.deep.include({ all: [PHARM, REG], anyOf: [] });
    await expectError(world.pharmacy.submit("investigations:AnswerTracingRequest", { requestId: "T-1", statement: "again" }), "ALREADY_EXISTS", "requestId");
    world.net.advance(2 * 24 * 3600);
    const late = await world.distributorDown.submit("investigations:AnswerTracingRequest", { requestId: "T-1", statement: "shipped to PharmacyMSP" });
    expect(late.withinDeadline).to.equal(false);
    const view = await world.regulatorDown.submit("investigations:GetTracingRequest", "T-1");
    expect(view.answers.map((a: { holder: string }) => a.holder)).to.deep.equal([DIST, PHARM]);
  });

  it("only the regulator asks; only an asked holder answers; bad input is refused with the field named", async () => {
    const world = await heldWorld();
    await expectError(world.distributor.submit("investigations:OpenTracingRequest", { requestId: "T", scope: { type: "lot", gtin: GTIN, lot: LOT }, reason: "r" }), "FORBIDDEN");
    const request = await world.regulator.submit("investigations:OpenTracingRequest", { requestId: "T", scope: { type: "lot", gtin: GTIN, lot: LOT }, reason: "r", holders: [DIST] });
    expect(request.asked).to.deep.equal([DIST]);
    await expectError(world.manufacturer.submit("investigations:AnswerTracingRequest", { requestId: "T", statement: "s" }), "FORBIDDEN");
    const before = world.net.ledger(SOURCE).snapshot();
    const ask = (body: unknown): Promise<unknown> => world.regulator.submit("investigations:OpenTracingRequest", body);
    await expectError(ask({ requestId: "T2", scope: { type: "lot", gtin: GTIN, lot: LOT }, reason: "r", holders: ["NobodyMSP"] }), "NOT_FOUND", "holders[0]");
    await expectError(ask({ requestId: "T2", scope: { type: "lot", gtin: GTIN, lot: LOT }, reason: "r", holders: [REG] }), "INVALID_ARGUMENT", "holders[0]");
    await expectError(ask({ requestId: "T2", scope: { type: "case", gtin: GTIN }, reason: "r" }), "INVALID_ARGUMENT", "scope.type");
    await expectError(ask({ requestId: "T2", scope: { type: "pack", gtin: GTIN, serial: "NOPE" }, reason: "r" }), "NOT_FOUND", "scope.serial");
    await expectError(ask({ requestId: "T", scope: { type: "lot", gtin: GTIN, lot: LOT }, reason: "r" }), "ALREADY_EXISTS", "requestId");
    await expectError(world.distributor.submit("investigations:AnswerTracingRequest", { requestId: "T", statement: "" }), "INVALID_ARGUMENT", "statement");
    expect(world.net.ledger(SOURCE).snapshot()).to.equal(before);
  });
});
