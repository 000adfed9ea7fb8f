import { expect } from "chai";
import { Client } from "../../support/fabric-double.js";
import { DIST, DOWNSTREAM, EXPIRY, GTIN, LOT, PHARM, REG, deliverToPharmacy, expectError, lotWorld, refs, type World } from "./support/world.js";

const OTHER_DIST = "OtherDistMSP";
const packKey = (serial: string): string => `\u0000pack\u0000${GTIN}\u0000${serial}\u0000`;
const scans = (list: string[], lot = LOT, expiry = EXPIRY) => list.map((serial) => ({ gtin: GTIN, serial, lot, expiry }));

/** Three packs sold by the distributor to the pharmacy on dist-pharm. */
async function soldWorld(count = 3): Promise<World> {
  const world = await lotWorld(count);
  await deliverToPharmacy(world, Array.from({ length: count }, (_, i) => `SN00000${i}`));
  return world;
}

async function shipReturn(world: World, returnId: string, list: string[], distributor = DIST): Promise<unknown> {
  return world.pharmacy.submit("returns:ShipReturn", { returnId, distributor, packs: refs(list), reason: "overstock" });
}

describe("returns:ShipReturn", () => {
  it("puts the pharmacy's packs in transit to the distributor, every key endorsed by both, the packs named in the event", async () => {
    const world = await soldWorld(2);
    const record = await shipReturn(world, "RMA-1", ["SN000000", "SN000001"]);
    expect(record).to.include({ returnId: "RMA-1", pharmacy: PHARM, distributor: DIST, status: "IN_TRANSIT", reason: "overstock" });
    const pack = await world.distributorDown.submit("packs:GetPack", GTIN, "SN000000");
    expect(pack).to.include({ status: "IN_TRANSIT", owner: PHARM, consignee: DIST, returnId: "RMA-1", receivedFrom: DIST });
    const ledger = world.net.ledger(DOWNSTREAM);
    expect(ledger.keyPolicy(packKey("SN000000"))).to.deep.include({ all: [DIST, PHARM], anyOf: [] });
    expect(ledger.keyPolicy("\u0000return\u0000RMA-1\u0000")).to.deep.include({ all: [DIST, PHARM], anyOf: [] });
    expect(ledger.lastEvent()?.payload).to.deep.include({ type: "ReturnShipped", returnId: "RMA-1", count: 2, packs: refs(["SN000000", "SN000001"]) });
  });

  it("refuses a return by an org that is not a pharmacy", async () => {
    const world = await soldWorld(1);
    await expectError(world.distributorDown.submit("returns:ShipReturn", { returnId: "R", distributor: DIST, packs: refs(["SN000000"]), reason: "r" }), "FORBIDDEN");
  });

  it("refuses an unknown distributor, or one that is not a distributor, naming the field", async () => {
    const world = await soldWorld(1);
    await expectError(shipReturn(world, "R", ["SN000000"], "NobodyMSP"), "NOT_FOUND", "distributor");
    await expectError(shipReturn(world, "R", ["SN000000"], REG), "INVALID_ARGUMENT", "distributor");
  });

  it("refuses a pack the pharmacy does not hold, and a dispensed one", async () => {
    const world = await soldWorld(2);
    await world.pharmacy.submit("packs:Dispense", { gtin: GTIN, serial: "SN000001", lot: LOT, expiry: EXPIRY });
    await expectError(shipReturn(world, "R", ["SN000001"]), "CONFLICT", "packs[0]");
    const other = await lotWorld(1);
    await expectError(other.pharmacy.submit("returns:ShipReturn", { returnId: "R", distributor: DIST, packs: refs(["SN000000"]), reason: "r" }), "NOT_FOUND", "packs[0]");
  });

  it("refuses a repeated return id so a retry cannot return twice", async () => {
    const world = await soldWorld(2);
    await shipReturn(world, "R", ["SN000000"]);
    await expectError(shipReturn(world, "R", ["SN000001"]), "ALREADY_EXISTS", "returnId");
  });

  it("refuses bad input with the field named and changes nothing", async () => {
    const world = await soldWorld(1);
    const before = world.net.ledger(DOWNSTREAM).snapshot();
    const submit = (body: unknown): Promise<unknown> => world.pharmacy.submit("returns:ShipReturn", body);
    await expectError(submit({ returnId: "R", distributor: DIST, packs: [{ gtin: "09521234543214", serial: "SN000000" }], reason: "r" }), "INVALID_ARGUMENT", "packs[0].gtin");
    await expectError(submit({ returnId: "R R", distributor: DIST, packs: refs(["SN000000"]), reason: "r" }), "INVALID_ARGUMENT", "returnId");
    await expectError(submit({ returnId: "R", distributor: DIST, packs: refs(["SN000000"]), reason: "" }), "INVALID_ARGUMENT", "reason");
    await expectError(submit({ returnId: "R", distributor: DIST, packs: [], reason: "r" }), "INVALID_ARGUMENT", "packs");
    expect(world.net.ledger(DOWNSTREAM).snapshot()).to.equal(before);
  });
});

describe("shipments:Ship from a pharmacy to a distributor", () => {
  it("is refused: packs go back only as a saleable return", async () => {
    const world = await soldWorld(1);
    const error = await expectError(world.pharmacy.submit("shipments:Ship", { shipmentId: "BACK", consignee: DIST, packs: refs(["SN000000"]) }), "INVALID_ARGUMENT", "consignee");
    expect(error.detail).to.match(/ShipReturn/);
  });

  it("records on receipt whom the pack was received from", async () => {
    const world = await soldWorld(1);
    expect(await world.pharmacy.submit("packs:GetPack", GTIN, "SN000000")).to.include({ owner: PHARM, receivedFrom: DIST });
  });
});

describe("returns:VerifyReturn", () => {
  it("returns verified packs to the distributor's saleable stock, which it may sell again", async () => {
    const world = await soldWorld(2);
    await shipReturn(world, "R", ["SN000000", "SN000001"]);
    const record = await world.distributorDown.submit("returns:VerifyReturn", { returnId: "R", packs: scans(["SN000001", "SN000000"]) });
    expect(record).to.include({ status: "VERIFIED" });
    expect(record.checks.map((c: { outcome: string; verified: boolean }) => [c.verified, c.outcome])).to.deep.equal([
      [true, "RESALEABLE"],
      [true, "RESALEABLE"],
    ]);
    const pack = await world.pharmacy.submit("packs:GetPack", GTIN, "SN000000");
    expect(pack).to.include({ status: "RECEIVED", owner: DIST, receivedFrom: PHARM });
    expect(pack).not.to.have.property("returnId");
    expect(pack).not.to.have.property("consignee");
    expect(world.net.ledger(DOWNSTREAM).lastEvent()?.payload).to.deep.include({ type: "ReturnVerified", resaleable: refs(["SN000001", "SN000000"]), quarantined: [], destroyed: [] });
    await world.distributorDown.submit("shipments:Ship", { shipmentId: "RESALE", consignee: PHARM, packs: refs(["SN000000"]) });
  });

  it("quarantines a pack whose lot or expiry differ from the ledger's, one recalled, one suspect, and one expired", async () => {
    const mismatch = await soldWorld(2);
    await shipReturn(mismatch, "R", ["SN000000", "SN000001"]);
    const [wrongLot, wrongExpiry] = [...scans(["SN000000"], "LOTX"), ...scans(["SN000001"], LOT, "281100")];
    const checked = await mismatch.distributorDown.submit("returns:VerifyReturn", { returnId: "R", packs: [wrongLot, wrongExpiry] });
    expect(checked.checks.map((c: { reason: string; outcome: string }) => [c.reason, c.outcome])).to.deep.equal([
      ["LOT_MISMATCH", "QUARANTINED"],
      ["EXPIRY_MISMATCH", "QUARANTINED"],
    ]);
    const pack = await mismatch.pharmacy.submit("packs:GetPack", GTIN, "SN000000");
    expect(pack).to.include({ owner: DIST, status: "RECEIVED" });
    expect(pack.marks).to.deep.equal(["QUARANTINED"]);
    await expectError(mismatch.distributorDown.submit("shipments:Ship", { shipmentId: "S", consignee: PHARM, packs: refs(["SN000000"]) }), "CONFLICT");

    const recalled = await soldWorld(1);
    await shipReturn(recalled, "R", ["SN000000"]);
    await recalled.manufacturer.submit("packs:RecallLot", GTIN, LOT, "sterility");
    await recalled.distributorDown.submit("crosschannel:SyncRecall", GTIN, LOT);
    expect((await recalled.distributorDown.submit("returns:VerifyReturn", { returnId: "R", packs: scans(["SN000000"]) })).checks[0]).to.include({ reason: "RECALLED", outcome: "QUARANTINED" });

    const expired = await soldWorld(1);
    await shipReturn(expired, "R", ["SN000000"]);
    expired.net.advance(3 * 366 * 24 * 3600);
    expect((await expired.distributorDown.submit("returns:VerifyReturn", { returnId: "R", packs: scans(["SN000000"]), onFailure: "DESTROY" })).checks[0]).to.include({
      reason: "EXPIRED",
      outcome: "DESTROYED",
    });
    expect(await expired.pharmacy.submit("packs:GetPack", GTIN, "SN000000")).to.include({ status: "DESTROYED", owner: DIST });
  });

  it("keeps a suspect pack quarantined even when asked to destroy failures, under the regulator's endorsement", async () => {
    const world = await soldWorld(1);
    await shipReturn(world, "R", ["SN000000"]);
    await world.regulatorDown.submit("packs:SetMark", { gtin: GTIN, serial: "SN000000", mark: "SUSPECT", reason: "tip-off" });
    const record = await world.distributorDown.submit("returns:VerifyReturn", { returnId: "R", packs: scans(["SN000000"]), onFailure: "DESTROY" });
    expect(record.checks[0]).to.include({ verified: false, reason: "SUSPECT", outcome: "QUARANTINED" });
    expect(world.net.ledger(DOWNSTREAM).keyPolicy(packKey("SN000000"))?.all).to.deep.equal([DIST, REG]);
  });

  it("quarantines a pack this distributor did not sell to the pharmacy", async () => {
    const world = await soldWorld(1);
    await world.regulatorAdminDown.submit("partners:RegisterPartner", { mspId: OTHER_DIST, name: "Other Ltd", role: "Distributor" });
    await shipReturn(world, "R", ["SN000000"], OTHER_DIST);
    const other = new Client(world.net, DOWNSTREAM, OTHER_DIST, { "rxtrace.role": "operator" });
    const record = await other.submit("returns:VerifyReturn", { returnId: "R", packs: scans(["SN000000"]) });
    expect(record.checks[0]).to.include({ verified: false, reason: "NOT_SOLD_TO_PHARMACY", outcome: "QUARANTINED" });
  });

  it("refuses a verification by the pharmacy, a repeated one, and scans that do not name exactly the return's packs", async () => {
    const world = await soldWorld(3);
    await shipReturn(world, "R", ["SN000000", "SN000001"]);
    const before = world.net.ledger(DOWNSTREAM).snapshot();
    await expectError(world.pharmacy.submit("returns:VerifyReturn", { returnId: "R", packs: scans(["SN000000", "SN000001"]) }), "FORBIDDEN");
    await expectError(world.distributorDown.submit("returns:VerifyReturn", { returnId: "R", packs: scans(["SN000000"]) }), "INVALID_ARGUMENT", "packs");
    await expectError(world.distributorDown.submit("returns:VerifyReturn", { returnId: "R", packs: scans(["SN000000", "SN000002"]) }), "INVALID_ARGUMENT", "packs[1]");
    await expectError(world.distributorDown.submit("returns:VerifyReturn", { returnId: "R", packs: scans(["SN000000", "SN000001"]), onFailure: "BURN" }), "INVALID_ARGUMENT", "onFailure");
    await expectError(world.distributorDown.submit("returns:VerifyReturn", { returnId: "R", packs: [{ gtin: GTIN, serial: "SN000000", lot: LOT, expiry: "28120" }] }), "INVALID_ARGUMENT", "packs[0].expiry");
    await expectError(world.distributorDown.submit("returns:VerifyReturn", { returnId: "NOPE", packs: scans(["SN000000"]) }), "NOT_FOUND", "returnId");
    expect(world.net.ledger(DOWNSTREAM).snapshot()).to.equal(before);
    await world.distributorDown.submit("returns:VerifyReturn", { returnId: "R", packs: scans(["SN000000", "SN000001"]) });
    await expectError(world.distributorDown.submit("returns:VerifyReturn", { returnId: "R", packs: scans(["SN000000", "SN000001"]) }), "CONFLICT", "returnId");
  });
});

describe("returns:GetReturn and returns:ListReturns", () => {
  it("reads a return, and lists the channel's returns a page at a time", async () => {
    const world = await soldWorld(3);
    for (const [i, serial] of ["SN000000", "SN000001", "SN000002"].entries()) await shipReturn(world, `R${i}`, [serial]);
    expect(await world.regulatorDown.submit("returns:GetReturn", "R1")).to.include({ returnId: "R1", pharmacy: PHARM });
    await expectError(world.regulatorDown.submit("returns:GetReturn", "NONE"), "NOT_FOUND", "returnId");
    const first = await world.regulatorDown.submit("returns:ListReturns", "2", "");
    expect(first.returns.map((r: { returnId: string }) => r.returnId)).to.deep.equal(["R0", "R1"]);
    const second = await world.regulatorDown.submit("returns:ListReturns", "2", first.bookmark);
    expect(second).to.deep.include({ bookmark: "" });
    expect(second.returns.map((r: { returnId: string }) => r.returnId)).to.deep.equal(["R2"]);
    await expectError(world.regulatorDown.submit("returns:ListReturns", "0", ""), "INVALID_ARGUMENT", "pageSize");
    await expectError(world.regulatorDown.submit("returns:ListReturns", "ten", ""), "INVALID_ARGUMENT", "pageSize");
    await expectError(world.regulatorDown.submit("returns:ListReturns", "5", "x".repeat(1001)), "INVALID_ARGUMENT", "bookmark");
  });
});
