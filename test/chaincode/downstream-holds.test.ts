// Cold-chain holds on dist-pharm, where the manufacturer is not a member: the
// regulator decides there directly, or the manufacturer's quality decision,
// recorded on mfr-dist, travels down the way a recall does (sync, then apply).
import { expect } from "chai";
import { soleManufacturer } from "../../chaincode/src/contracts/coldchain.js";
import { ChaincodeError, type Product } from "../../chaincode/src/index.js";
import { Client } from "../../support/fabric-double.js";
import { DIST, DOWNSTREAM, EXPIRY, GTIN, LOT, MFR, PHARM, REG, SOURCE, deliverToDistributor, expectError, lotWorld, refs, type World } from "./support/world.js";

const PACKS = ["SN000000", "SN000001"];
const decision = (kind: string, reason = "stability data reviewed"): Record<string, unknown> => ({ shipmentId: "S-DP", decision: kind, reason });

/** Moves two packs to dist-pharm and ships them to the pharmacy; nothing held yet. */
async function inTransitToPharmacy(): Promise<World> {
  const world = await lotWorld(2);
  await deliverToDistributor(world, "S-MD", PACKS);
  await world.distributor.submit("crosschannel:HandOff", { packs: refs(PACKS), toChannel: DOWNSTREAM });
  await world.distributorDown.submit("crosschannel:ImportPacks", { packs: refs(PACKS), fromChannel: SOURCE });
  await world.distributorDown.submit("shipments:Ship", { shipmentId: "S-DP", consignee: PHARM, packs: refs(PACKS) });
  return world;
}

async function excursion(world: World): Promise<void> {
  await world.pharmacy.submit("coldchain:RecordReadings", { shipmentId: "S-DP", intervalSeconds: 300, readings: [{ at: world.net.seconds - 600, centiCelsius: 4000 }] });
}

/** The dist-pharm shipment to the pharmacy on cold-chain hold. */
async function heldDownstream(): Promise<World> {
  const world = await inTransitToPharmacy();
  await excursion(world);
  return world;
}

const marksOf = async (world: World, serial: string): Promise<string[]> => (await world.pharmacy.submit("packs:GetPack", GTIN, serial)).marks as string[];

describe("coldchain:ReleaseHold and coldchain:DestroyHeld by the regulator", () => {
  it("lets the regulator release a hold on dist-pharm, where the manufacturer is not a member", async () => {
    const world = await heldDownstream();
    const record = await world.regulatorDown.submit("coldchain:ReleaseHold", { shipmentId: "S-DP", reason: "manufacturer's stability data" });
    expect(record.hold).to.include({ status: "RELEASED", by: REG });
    expect(await marksOf(world, "SN000000")).to.deep.equal([]);
    expect(world.net.ledger(DOWNSTREAM).lastEvent()?.payload).to.include({ type: "ColdChainHoldReleased", count: 2, decidedBy: REG });
    await world.pharmacy.submit("shipments:Receive", { shipmentId: "S-DP", packs: refs(PACKS) });
    expect((await world.pharmacy.submit("packs:Dispense", { gtin: GTIN, serial: "SN000000", lot: LOT, expiry: EXPIRY })).pack.status).to.equal("DISPENSED");
  });

  it("lets the regulator destroy held packs on mfr-dist too", async () => {
    const world = await lotWorld(1);
    await world.manufacturer.submit("shipments:Ship", { shipmentId: "S", consignee: DIST, packs: refs(["SN000000"]) });
    await world.distributor.submit("coldchain:RecordReadings", { shipmentId: "S", intervalSeconds: 300, readings: [{ at: world.net.seconds - 600, centiCelsius: 4000 }] });
    const record = await world.regulator.submit("coldchain:DestroyHeld", { shipmentId: "S", reason: "no stability data" });
    expect(record.hold).to.include({ status: "DESTROYED", by: REG });
    expect((await world.regulator.submit("packs:GetPack", GTIN, "SN000000")).status).to.equal("DESTROYED");
  });

  it("refuses the distributor and the pharmacy on dist-pharm, whatever their certificate says", async () => {
    const world = await heldDownstream();
    const before = world.net.ledger(DOWNSTREAM).snapshot();
    await expectError(world.distributorDown.submit("coldchain:ReleaseHold", { shipmentId: "S-DP", reason: "r" }), "FORBIDDEN");
    await expectError(new Client(world.net, DOWNSTREAM, PHARM, { "rxtrace.role": "quality" }).submit("coldchain:DestroyHeld", { shipmentId: "S-DP", reason: "r" }), "FORBIDDEN");
    expect(world.net.ledger(DOWNSTREAM).snapshot()).to.equal(before);
  });
});

describe("the manufacturer's decision on a dist-pharm hold", () => {
  it("is recorded on mfr-dist, mirrored to dist-pharm by the regulator's sync, then applied: the packs are destroyed", async () => {
    const world = await heldDownstream();
    const recorded = await world.quality.submit("coldchain:DecideDownstreamHold", decision("destroy", "excursion beyond stability data"));
    expect(recorded).to.include({ channel: DOWNSTREAM, shipmentId: "S-DP", decision: "destroy", manufacturer: MFR });
    expect(world.net.ledger(SOURCE).lastEvent()?.payload).to.include({ type: "HoldDecisionRecorded", decision: "destroy" });
    expect(world.net.ledger(SOURCE).keyPolicy("\u0000holddecision\u0000S-DP\u0000ManufacturerMSP\u0000")).to.deep.include({ all: [MFR], anyOf: [DIST, REG] });

    const synced = await world.regulatorDown.submit("crosschannel:SyncHoldDecision", "S-DP");
    expect(synced).to.deep.equal(recorded);
    expect(world.net.ledger(DOWNSTREAM).keyPolicy("\u0000holddecision\u0000S-DP\u0000ManufacturerMSP\u0000")).to.deep.include({ all: [REG], anyOf: [DIST, PHARM] });
    expect(world.net.ledger(DOWNSTREAM).lastEvent()?.payload).to.include({ type: "HoldDecisionSynced", manufacturer: MFR, syncedFrom: SOURCE });
    expect(await marksOf(world, "SN000000")).to.deep.equal(["COLD_CHAIN_HOLD"]);

    const applied = await world.pharmacy.submit("coldchain:ApplyHoldDecision", "S-DP");
    expect(applied.hold).to.include({ status: "DESTROYED", by: MFR, reason: "excursion beyond stability data" });
    expect(world.net.ledger(DOWNSTREAM).lastEvent()?.payload).to.include({ type: "HeldPacksDestroyed", count: 2, decidedBy: MFR });
    expect((await world.pharmacy.submit("packs:GetPack", GTIN, "SN000001")).status).to.equal("DESTROYED");
    expect(await world.regulatorDown.submit("coldchain:GetHoldDecision", "S-DP", MFR)).to.deep.equal(recorded);
  });

  it("releases the hold when the manufacturer decided so", async () => {
    const world = await heldDownstream();
    await world.quality.submit("coldchain:DecideDownstreamHold", decision("release"));
    await world.regulatorDown.submit("crosschannel:SyncHoldDecision", "S-DP");
    const applied = await world.regulatorDown.submit("coldchain:ApplyHoldDecision", "S-DP");
    expect(applied.hold).to.include({ status: "RELEASED", by: MFR });
    expect(await marksOf(world, "SN000001")).to.deep.equal([]);
  });

  it("is recorded only on mfr-dist, by the manufacturer's quality function, once", async () => {
    const world = await heldDownstream();
    await expectError(world.manufacturer.submit("coldchain:DecideDownstreamHold", decision("release")), "FORBIDDEN");
    await expectError(new Client(world.net, SOURCE, DIST, { "rxtrace.role": "quality" }).submit("coldchain:DecideDownstreamHold", decision("release")), "FORBIDDEN");
    await expectError(new Client(world.net, DOWNSTREAM, MFR, { "rxtrace.role": "quality" }).submit("coldchain:DecideDownstreamHold", decision("release")), "CONFLICT");
    await expectError(world.quality.submit("coldchain:DecideDownstreamHold", decision("keep")), "INVALID_ARGUMENT", "decision");
    await expectError(world.quality.submit("coldchain:DecideDownstreamHold", { ...decision("release"), reason: "" }), "INVALID_ARGUMENT", "reason");
    await world.quality.submit("coldchain:DecideDownstreamHold", decision("release"));
    await expectError(world.quality.submit("coldchain:DecideDownstreamHold", decision("destroy")), "ALREADY_EXISTS", "shipmentId");
    await expectError(world.regulator.submit("coldchain:GetHoldDecision", "S-DP", DIST), "NOT_FOUND", "shipmentId");
  });

  it("is synced only on dist-pharm, from a decision that exists on a reachable mfr-dist, once", async () => {
    const world = await heldDownstream();
    await expectError(world.regulatorDown.submit("crosschannel:SyncHoldDecision", "S-DP"), "CONFLICT");
    await world.quality.submit("coldchain:DecideDownstreamHold", decision("release"));
    await expectError(world.regulator.submit("crosschannel:SyncHoldDecision", "S-DP"), "CONFLICT");
    world.net.crossChannelReachable = false;
    await expectError(world.regulatorDown.submit("crosschannel:SyncHoldDecision", "S-DP"), "CONFLICT");
    world.net.crossChannelReachable = true;
    await world.regulatorDown.submit("crosschannel:SyncHoldDecision", "S-DP");
    await expectError(world.regulatorDown.submit("crosschannel:SyncHoldDecision", "S-DP"), "CONFLICT", "shipmentId");
    await expectError(world.regulatorDown.submit("crosschannel:SyncHoldDecision", "NOPE"), "NOT_FOUND", "shipmentId");
  });

  it("is not applied before it is synced, when it predates the hold, or when the hold was already decided", async () => {
    const world = await inTransitToPharmacy();
    await world.quality.submit("coldchain:DecideDownstreamHold", decision("release"));
    await excursion(world);
    await expectError(world.regulatorDown.submit("coldchain:ApplyHoldDecision", "S-DP"), "NOT_FOUND", "shipmentId");
    await world.regulatorDown.submit("crosschannel:SyncHoldDecision", "S-DP");
    const early = await expectError(world.regulatorDown.submit("coldchain:ApplyHoldDecision", "S-DP"), "CONFLICT", "shipmentId");
    expect(early.detail).to.include("predates the hold");
    await world.regulatorDown.submit("coldchain:DestroyHeld", { shipmentId: "S-DP", reason: "regulator's call" });
    await expectError(world.regulatorDown.submit("coldchain:ApplyHoldDecision", "S-DP"), "CONFLICT", "shipmentId");
  });

  it("belongs to the one manufacturer of the shipment's GTINs: with several, only the regulator decides", () => {
    const products = [{ manufacturer: MFR }, { manufacturer: "OtherPharmaMSP" }] as Product[];
    expect(() => soleManufacturer(products, "S-DP")).to.throw(ChaincodeError).with.property("code", "CONFLICT");
    expect(soleManufacturer([{ manufacturer: MFR }] as Product[], "S-DP")).to.equal(MFR);
  });
});
