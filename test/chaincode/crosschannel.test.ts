import { expect } from "chai";
import { Client } from "../../support/fabric-double.js";
import { DIST, DOWNSTREAM, EXPIRY, GTIN, LOT, MFR, PHARM, REG, SOURCE, deliverToDistributor, deliverToPharmacy, expectError, lotWorld, refs } from "./support/world.js";

describe("crosschannel:HandOff", () => {
  it("freezes the distributor's received packs on mfr-dist and records the hand-off", async () => {
    const world = await lotWorld(2);
    await deliverToDistributor(world, "S", ["SN000000", "SN000001"]);
    const answer = await world.distributor.submit("crosschannel:HandOff", { packs: refs(["SN000000"]), toChannel: DOWNSTREAM });
    expect(answer).to.deep.equal({ handedOff: 1, toChannel: DOWNSTREAM });
    const pack = await world.regulator.submit("packs:GetPack", GTIN, "SN000000");
    expect(pack.status).to.equal("HANDED_OFF");
    expect(pack.handOff.toChannel).to.equal(DOWNSTREAM);
    const [record, none] = await world.regulator.submit("crosschannel:GetHandOffs", { packs: refs(["SN000000", "SN000001"]) });
    expect(none).to.equal(null);
    expect(record).to.include({ holder: DIST, lot: LOT, expiry: EXPIRY, fromChannel: SOURCE, toChannel: DOWNSTREAM });
    expect(world.net.ledger(SOURCE).lastEvent()?.payload).to.include({ type: "PacksHandedOff", count: 1, holder: DIST });
    await expectError(world.distributor.submit("shipments:Ship", { shipmentId: "S2", consignee: MFR, packs: refs(["SN000000"]) }), "CONFLICT", "packs[0]");
  });

  it("rejects a hand-off of a pack twice", async () => {
    const world = await lotWorld(1);
    await deliverToDistributor(world, "S", ["SN000000"]);
    await world.distributor.submit("crosschannel:HandOff", { packs: refs(["SN000000"]), toChannel: DOWNSTREAM });
    await expectError(world.distributor.submit("crosschannel:HandOff", { packs: refs(["SN000000"]), toChannel: DOWNSTREAM }), "CONFLICT", "packs[0]");
  });

  it("rejects a hand-off by the manufacturer, by a non-holder, of a pack not yet received, or of a blocked pack", async () => {
    const world = await lotWorld(3);
    await expectError(world.manufacturer.submit("crosschannel:HandOff", { packs: refs(["SN000000"]), toChannel: DOWNSTREAM }), "FORBIDDEN");
    await expectError(world.distributor.submit("crosschannel:HandOff", { packs: refs(["SN000000"]), toChannel: DOWNSTREAM }), "FORBIDDEN");
    await world.manufacturer.submit("shipments:Ship", { shipmentId: "S", consignee: DIST, packs: refs(["SN000001"]) });
    await expectError(world.distributor.submit("crosschannel:HandOff", { packs: refs(["SN000001"]), toChannel: DOWNSTREAM }), "FORBIDDEN");
    await deliverToDistributor(world, "S2", ["SN000002"]);
    await world.regulator.submit("packs:SetMark", { gtin: GTIN, serial: "SN000002", mark: "SUSPECT", reason: "tip-off" });
    await expectError(world.distributor.submit("crosschannel:HandOff", { packs: refs(["SN000002"]), toChannel: DOWNSTREAM }), "CONFLICT", "packs[0]");
  });

  it("rejects an unknown target channel and a hand-off run on the downstream channel", async () => {
    const world = await lotWorld(1);
    await expectError(world.distributor.submit("crosschannel:HandOff", { packs: refs(["SN000000"]), toChannel: "elsewhere" }), "INVALID_ARGUMENT", "toChannel");
    await expectError(world.distributorDown.submit("crosschannel:HandOff", { packs: refs(["SN000000"]), toChannel: DOWNSTREAM }), "CONFLICT");
  });
});

describe("crosschannel:GetHandOffs", () => {
  it("answers in the order asked, null where a pack was not handed off", async () => {
    const world = await lotWorld(2);
    await deliverToDistributor(world, "S", ["SN000000", "SN000001"]);
    await world.distributor.submit("crosschannel:HandOff", { packs: refs(["SN000000"]), toChannel: DOWNSTREAM });
    const answers = await world.distributor.submit<({ serial: string } | null)[]>("crosschannel:GetHandOffs", { packs: refs(["SN000001", "SN000000"]) });
    expect(answers.map((a) => a?.serial ?? null)).to.deep.equal([null, "SN000000"]);
  });
});

describe("crosschannel:ImportPacks", () => {
  it("creates the handed-off packs on dist-pharm as RECEIVED by the distributor, with mirrored product and lot", async () => {
    const world = await lotWorld(2);
    await deliverToDistributor(world, "S", ["SN000000", "SN000001"]);
    await world.distributor.submit("crosschannel:HandOff", { packs: refs(["SN000000", "SN000001"]), toChannel: DOWNSTREAM });
    const answer = await world.distributorDown.submit("crosschannel:ImportPacks", { packs: refs(["SN000000", "SN000001"]), fromChannel: SOURCE });
    expect(answer).to.deep.equal({ imported: 2, fromChannel: SOURCE });
    const pack = await world.pharmacy.submit("packs:GetPack", GTIN, "SN000001");
    expect(pack).to.include({ status: "RECEIVED", owner: DIST, lot: LOT, expiry: EXPIRY });
    expect(pack.importedFrom.channel).to.equal(SOURCE);
    const down = world.net.ledger(DOWNSTREAM);
    expect(down.keyPolicy(`\u0000pack\u0000${GTIN}\u0000SN000001\u0000`)).to.deep.include({ all: [DIST], anyOf: [PHARM, REG] });
    expect(down.keyPolicy(`\u0000lot\u0000${GTIN}\u0000${LOT}\u0000`)).to.deep.include({ all: [REG], anyOf: [DIST, PHARM] });
    expect((await world.pharmacy.submit("products:GetProduct", GTIN)).manufacturer).to.equal(MFR);
    expect((await world.pharmacy.submit("packs:GetLot", GTIN, LOT)).packCount).to.equal(2);
    expect(down.lastEvent()?.payload).to.include({ type: "PacksImported", count: 2, holder: DIST });
  });

  it("rejects a second import of the same pack", async () => {
    const world = await lotWorld(1);
    await deliverToPharmacy(world, ["SN000000"]);
    await expectError(world.distributorDown.submit("crosschannel:ImportPacks", { packs: refs(["SN000000"]), fromChannel: SOURCE }), "ALREADY_EXISTS", "packs[0]");
  });

  it("rejects a pack that was never handed off", async () => {
    const world = await lotWorld(1);
    await deliverToDistributor(world, "S", ["SN000000"]);
    await expectError(world.distributorDown.submit("crosschannel:ImportPacks", { packs: refs(["SN000000"]), fromChannel: SOURCE }), "NOT_FOUND", "packs[0]");
  });

  it("rejects an import by an org that is not the distributor holding the hand-off", async () => {
    const world = await lotWorld(1);
    await deliverToDistributor(world, "S", ["SN000000"]);
    await world.distributor.submit("crosschannel:HandOff", { packs: refs(["SN000000"]), toChannel: DOWNSTREAM });
    await expectError(world.pharmacy.submit("crosschannel:ImportPacks", { packs: refs(["SN000000"]), fromChannel: SOURCE }), "FORBIDDEN");
    await world.regulatorAdmin.submit("partners:RegisterPartner", { mspId: "Distributor2MSP", name: "D2", role: "Distributor" });
    await world.regulatorAdminDown.submit("partners:RegisterPartner", { mspId: "Distributor2MSP", name: "D2", role: "Distributor" });
    const other = new Client(world.net, DOWNSTREAM, "Distributor2MSP", { "rxtrace.role": "operator" });
    const error = await expectError(other.submit("crosschannel:ImportPacks", { packs: refs(["SN000000"]), fromChannel: SOURCE }), "FORBIDDEN");
    expect(error.detail).to.include(`handed off by ${DIST}`);
  });

  it("fails with CONFLICT when the source channel cannot be queried, writing nothing", async () => {
    const world = await lotWorld(1);
    await deliverToDistributor(world, "S", ["SN000000"]);
    await world.distributor.submit("crosschannel:HandOff", { packs: refs(["SN000000"]), toChannel: DOWNSTREAM });
    world.net.crossChannelReachable = false;
    const before = world.net.ledger(DOWNSTREAM).snapshot();
    const error = await expectError(world.distributorDown.submit("crosschannel:ImportPacks", { packs: refs(["SN000000"]), fromChannel: SOURCE }), "CONFLICT");
    expect(error.detail).to.match(/cross-channel query to mfr-dist failed/);
    expect(world.net.ledger(DOWNSTREAM).snapshot()).to.equal(before);
  });

  it("rejects an import on the source channel or from an unknown channel", async () => {
    const world = await lotWorld(1);
    await expectError(world.distributor.submit("crosschannel:ImportPacks", { packs: refs(["SN000000"]), fromChannel: SOURCE }), "CONFLICT");
    await expectError(world.distributorDown.submit("crosschannel:ImportPacks", { packs: refs(["SN000000"]), fromChannel: "x" }), "INVALID_ARGUMENT", "fromChannel");
  });

  it("carries a recall and a withdrawal made on mfr-dist after the hand-off onto the imported packs", async () => {
    const world = await lotWorld(1);
    await deliverToDistributor(world, "S", ["SN000000"]);
    await world.distributor.submit("crosschannel:HandOff", { packs: refs(["SN000000"]), toChannel: DOWNSTREAM });
    await world.manufacturer.submit("packs:RecallLot", GTIN, LOT, "found after shipping");
    await world.manufacturer.submit("products:WithdrawProduct", GTIN, "authorisation ended");
    await world.distributorDown.submit("crosschannel:ImportPacks", { packs: refs(["SN000000"]), fromChannel: SOURCE });
    const verification = await world.distributorDown.submit("packs:Verify", GTIN, "SN000000", LOT, EXPIRY);
    expect(verification).to.include({ verified: false, reason: "RECALLED" });
    expect(verification.additionalInfo).to.deep.equal(["RECALLED", "WITHDRAWN"]);
  });

  it("adds a source withdrawal to a product mirror that predates it", async () => {
    const world = await lotWorld(2);
    await deliverToPharmacy(world, ["SN000000"], "A");
    await deliverToDistributor(world, "S-B", ["SN000001"]);
    await world.distributor.submit("crosschannel:HandOff", { packs: refs(["SN000001"]), toChannel: DOWNSTREAM });
    await world.manufacturer.submit("products:WithdrawProduct", GTIN, "authorisation ended");
    await world.distributorDown.submit("crosschannel:ImportPacks", { packs: refs(["SN000001"]), fromChannel: SOURCE });
    expect((await world.pharmacy.submit("products:GetProduct", GTIN)).withdrawal.reason).to.equal("authorisation ended");
  });

  it("keeps a recall already recorded on dist-pharm when more packs of the lot arrive", async () => {
    const world = await lotWorld(2);
    await deliverToPharmacy(world, ["SN000000"], "A");
    await world.regulatorDown.submit("packs:RecallLot", GTIN, LOT, "regulator recall");
    await deliverToDistributor(world, "S-B", ["SN000001"]);
    await world.distributor.submit("crosschannel:HandOff", { packs: refs(["SN000001"]), toChannel: DOWNSTREAM });
    await world.distributorDown.submit("crosschannel:ImportPacks", { packs: refs(["SN000001"]), fromChannel: SOURCE });
    const lot = await world.pharmacy.submit("packs:GetLot", GTIN, LOT);
    expect(lot.recall.reason).to.equal("regulator recall");
    expect(lot.packCount).to.equal(2);
  });
});

describe("crosschannel:SyncRecall and crosschannel:SyncWithdrawal", () => {
  it("copies the manufacturer's recall from mfr-dist onto the dist-pharm lot, so the pharmacy's verify fails", async () => {
    const world = await lotWorld(1);
    await deliverToPharmacy(world, ["SN000000"]);
    await world.manufacturer.submit("packs:RecallLot", GTIN, LOT, "sterility deviation");
    expect((await world.pharmacy.submit("packs:Verify", GTIN, "SN000000", LOT, EXPIRY)).verified).to.equal(true);
    const lot = await world.distributorDown.submit("crosschannel:SyncRecall", GTIN, LOT);
    expect(lot.recall).to.include({ by: MFR, reason: "sterility deviation" });
    expect(world.net.ledger(DOWNSTREAM).lastEvent()?.payload).to.include({ type: "LotRecalled", syncedFrom: SOURCE });
    expect((await world.pharmacy.submit("packs:Verify", GTIN, "SN000000", LOT, EXPIRY)).reason).to.equal("RECALLED");
  });

  it("rejects a sync when the source has no recall, when it is already synced, and on the source channel", async () => {
    const world = await lotWorld(1);
    await deliverToPharmacy(world, ["SN000000"]);
    await expectError(world.distributorDown.submit("crosschannel:SyncRecall", GTIN, LOT), "CONFLICT", "lot");
    await world.manufacturer.submit("packs:RecallLot", GTIN, LOT, "r");
    await world.regulatorDown.submit("crosschannel:SyncRecall", GTIN, LOT);
    await expectError(world.distributorDown.submit("crosschannel:SyncRecall", GTIN, LOT), "CONFLICT", "lot");
    await expectError(world.distributor.submit("crosschannel:SyncRecall", GTIN, LOT), "CONFLICT");
    await expectError(world.distributorDown.submit("crosschannel:SyncRecall", GTIN, "NOLOT"), "NOT_FOUND", "lot");
  });

  it("copies a GTIN withdrawal once and refuses a second or groundless sync", async () => {
    const world = await lotWorld(1);
    await deliverToPharmacy(world, ["SN000000"]);
    await expectError(world.distributorDown.submit("crosschannel:SyncWithdrawal", GTIN), "CONFLICT", "gtin");
    await world.manufacturer.submit("products:WithdrawProduct", GTIN, "authorisation ended");
    const product = await world.distributorDown.submit("crosschannel:SyncWithdrawal", GTIN);
    expect(product.withdrawal).to.include({ by: MFR, reason: "authorisation ended" });
    expect((await world.pharmacy.submit("packs:Verify", GTIN, "SN000000", LOT, EXPIRY)).additionalInfo).to.deep.equal(["WITHDRAWN"]);
    await expectError(world.distributorDown.submit("crosschannel:SyncWithdrawal", GTIN), "CONFLICT", "gtin");
    await expectError(world.distributor.submit("crosschannel:SyncWithdrawal", GTIN), "CONFLICT");
  });

  it("refuses an org that is not a partner, and fails when the source channel is unreachable", async () => {
    const world = await lotWorld(1);
    await deliverToPharmacy(world, ["SN000000"]);
    await world.manufacturer.submit("packs:RecallLot", GTIN, LOT, "r");
    await expectError(world.manufacturer.on(DOWNSTREAM).submit("crosschannel:SyncRecall", GTIN, LOT), "FORBIDDEN");
    world.net.crossChannelReachable = false;
    await expectError(world.distributorDown.submit("crosschannel:SyncRecall", GTIN, LOT), "CONFLICT");
  });
});
