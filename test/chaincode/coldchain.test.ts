import { expect } from "chai";
import { Client } from "../../support/fabric-double.js";
import { DIST, DOWNSTREAM, GTIN, GTIN2, MFR, SOURCE, deliverToDistributor, deliverToPharmacy, expectError, lotWorld, productInput, refs } from "./support/world.js";

const INTERVAL = 300;

/** Readings every 5 minutes ending before the current transaction time. */
function readingsAt(start: number, temps: number[]): { at: number; centiCelsius: number }[] {
  return temps.map((centiCelsius, i) => ({ at: start + i * INTERVAL, centiCelsius }));
}

async function shippedWorld(): Promise<{ world: Awaited<ReturnType<typeof lotWorld>>; start: number }> {
  const world = await lotWorld(3);
  await world.manufacturer.submit("shipments:Ship", { shipmentId: "COLD-1", consignee: DIST, packs: refs(["SN000000", "SN000001"]) });
  const start = world.net.seconds - 24 * 3600;
  return { world, start };
}

describe("coldchain:RecordReadings", () => {
  it("computes min, max, minutes out of range and MKT deterministically, without a hold inside the budget", async () => {
    const { world, start } = await shippedWorld();
    const record = await world.distributor.submit("coldchain:RecordReadings", { shipmentId: "COLD-1", intervalSeconds: INTERVAL, readings: readingsAt(start, [500, 500, 900, 500]) });
    expect(record).to.include({ readingCount: 4, minCentiCelsius: 500, maxCentiCelsius: 900, secondsOutOfRange: 300, minutesOutOfRange: 5, budgetExceeded: false });
    expect(record.hold.status).to.equal("NONE");
    // USP <1079> by hand: three quarters of the time at 5 °C, one quarter at 9 °C.
    const term = (c: number): number => Math.exp(-10_000 / (c + 273.15));
    const expected = 10_000 / -Math.log((3 * term(5) + term(9)) / 4) - 273.15;
    expect(record.mktCentiCelsius).to.equal(Math.round(expected * 100));
    expect(record.mktSum).to.match(/^[1-9]\d*$/);
    expect(record).to.not.have.property("expSum");
    const again = await world.regulator.submit("coldchain:GetColdChain", "COLD-1");
    expect(again).to.deep.equal(record);
    expect(world.net.ledger(SOURCE).lastEvent()?.payload).to.include({ type: "ColdChainReadingsRecorded", count: 4, holdSet: false, minutesOutOfRange: 5 });
    expect(world.net.ledger(SOURCE).keyPolicy("\u0000coldchain\u0000COLD-1\u0000")).to.deep.include({ all: [DIST, MFR], anyOf: [] });
  });

  it("matches the design's MKT vector 23 h at 5 °C + 1 h at 15 °C = 5.76 °C over two batches", async () => {
    const world = await lotWorld(1);
    await world.manufacturer.submit("products:RegisterProduct", { ...productInput(GTIN2), storage: { minCentiCelsius: 200, maxCentiCelsius: 2000 }, limits: { minCentiCelsius: 0, maxCentiCelsius: 2500 } });
    await world.manufacturer.submit("packs:CommissionLot", { gtin: GTIN2, lot: "L2", expiry: "290100", serials: ["X1"] });
    await world.manufacturer.submit("shipments:Ship", { shipmentId: "MKT", consignee: DIST, packs: refs(["X1"], GTIN2) });
    const start = world.net.seconds - 48 * 3600;
    const hour = 3600;
    await world.manufacturer.submit("coldchain:RecordReadings", { shipmentId: "MKT", intervalSeconds: hour, readings: Array.from({ length: 23 }, (_, i) => ({ at: start + i * hour, centiCelsius: 500 })) });
    const record = await world.manufacturer.submit("coldchain:RecordReadings", { shipmentId: "MKT", intervalSeconds: hour, readings: [{ at: start + 23 * hour, centiCelsius: 1500 }] });
    expect(record.mktCentiCelsius).to.equal(576);
    expect(record.weightSeconds).to.equal(24 * hour);
  });

  it("holds every pack of the shipment when a reading crosses an absolute limit", async () => {
    const { world, start } = await shippedWorld();
    const record = await world.distributor.submit("coldchain:RecordReadings", { shipmentId: "COLD-1", intervalSeconds: INTERVAL, readings: readingsAt(start, [500, 2600]) });
    expect(record.hold).to.include({ status: "HELD", reason: "absolute limit crossed" });
    for (const serial of ["SN000000", "SN000001"]) {
      expect((await world.regulator.submit("packs:GetPack", GTIN, serial)).marks).to.deep.equal(["COLD_CHAIN_HOLD"]);
    }
    expect((await world.regulator.submit("packs:GetPack", GTIN, "SN000002")).marks).to.deep.equal([]);
    expect(world.net.ledger(SOURCE).lastEvent()?.payload).to.include({ holdSet: true });
    expect((await world.regulator.submit("packs:Verify", GTIN, "SN000000", "LOT2026A", "281200")).reason).to.equal("COLD_CHAIN_HOLD");
  });

  it("holds the packs once cumulative time out of range exceeds the stability budget across batches", async () => {
    const { world, start } = await shippedWorld();
    const first = await world.distributor.submit("coldchain:RecordReadings", { shipmentId: "COLD-1", intervalSeconds: INTERVAL, readings: readingsAt(start, Array<number>(12).fill(900)) });
    expect(first).to.include({ minutesOutOfRange: 60, budgetExceeded: false });
    expect(first.hold.status).to.equal("NONE");
    const second = await world.distributor.submit("coldchain:RecordReadings", { shipmentId: "COLD-1", intervalSeconds: INTERVAL, readings: readingsAt(start + 12 * INTERVAL, [100]) });
    expect(second).to.include({ minutesOutOfRange: 65, budgetExceeded: true });
    expect(second.hold).to.include({ status: "HELD", reason: "stability budget exceeded" });
  });

  it("rejects readings from an org that is neither shipper nor consignee", async () => {
    const { world, start } = await shippedWorld();
    await expectError(world.regulator.submit("coldchain:RecordReadings", { shipmentId: "COLD-1", intervalSeconds: INTERVAL, readings: readingsAt(start, [500]) }), "FORBIDDEN");
  });

  it("rejects a batch that repeats or precedes readings already recorded", async () => {
    const { world, start } = await shippedWorld();
    await world.distributor.submit("coldchain:RecordReadings", { shipmentId: "COLD-1", intervalSeconds: INTERVAL, readings: readingsAt(start, [500, 500]) });
    await expectError(world.distributor.submit("coldchain:RecordReadings", { shipmentId: "COLD-1", intervalSeconds: INTERVAL, readings: readingsAt(start, [500, 500]) }), "CONFLICT", "readings[0].at");
  });

  it("names invalid readings: order, temperature range, timestamps in the future or before 2000, batch size", async () => {
    const { world, start } = await shippedWorld();
    const record = (body: Record<string, unknown>): Promise<unknown> => world.distributor.submit("coldchain:RecordReadings", { shipmentId: "COLD-1", intervalSeconds: INTERVAL, ...body });
    await expectError(record({ readings: [{ at: start, centiCelsius: 500 }, { at: start, centiCelsius: 500 }] }), "INVALID_ARGUMENT", "readings[1].at");
    await expectError(record({ readings: [{ at: start, centiCelsius: 8001 }] }), "INVALID_ARGUMENT", "readings[0].centiCelsius");
    await expectError(record({ readings: [{ at: start, centiCelsius: 5.5 }] }), "INVALID_ARGUMENT", "readings[0].centiCelsius");
    await expectError(record({ readings: [{ at: world.net.seconds + 3600, centiCelsius: 500 }] }), "INVALID_ARGUMENT", "readings[0].at");
    await expectError(record({ readings: [{ at: 900_000_000, centiCelsius: 500 }] }), "INVALID_ARGUMENT", "readings[0].at");
    await expectError(record({ readings: [{ at: "2026-01-01T00:00:00Z", centiCelsius: 500 }] }), "INVALID_ARGUMENT", "readings[0].at");
    await expectError(record({ readings: [] }), "INVALID_ARGUMENT", "readings");
    await expectError(record({ readings: readingsAt(start - 30 * 24 * 3600, Array<number>(5001).fill(500)) }), "INVALID_ARGUMENT", "readings");
    await expectError(record({ intervalSeconds: 0, readings: [{ at: start, centiCelsius: 500 }] }), "INVALID_ARGUMENT", "intervalSeconds");
    await expectError(record({ shipmentId: "NOPE", readings: [{ at: start, centiCelsius: 500 }] }), "NOT_FOUND", "shipmentId");
    await expectError(world.regulator.submit("coldchain:GetColdChain", "COLD-1"), "NOT_FOUND", "shipmentId");
  });
});

describe("coldchain:RecordReadings after the receipt", () => {
  const DAY = 24 * 3600;

  it("refuses readings five days after the pharmacy received its stock and leaves its packs unheld", async () => {
    const world = await lotWorld(2);
    await deliverToPharmacy(world, ["SN000000", "SN000001"]);
    const receivedAt = world.net.seconds;
    world.net.advance(5 * DAY);
    const before = world.net.ledger(DOWNSTREAM).snapshot();
    const error = await expectError(
      world.distributorDown.submit("coldchain:RecordReadings", { shipmentId: "SHIP-DP-A", intervalSeconds: INTERVAL, readings: [{ at: receivedAt - 600, centiCelsius: 7000 }] }),
      "CONFLICT",
      "shipmentId",
    );
    expect(error.detail).to.include("24 h after receipt");
    expect(world.net.ledger(DOWNSTREAM).snapshot()).to.equal(before);
    expect((await world.pharmacy.submit("packs:GetPack", GTIN, "SN000000")).marks).to.deep.equal([]);
  });

  it("accepts a logger upload within 24 h of the receipt for the time in transit, and holds the consignee's packs", async () => {
    const world = await lotWorld(2);
    await deliverToPharmacy(world, ["SN000000", "SN000001"]);
    const receivedAt = world.net.seconds;
    world.net.advance(DAY - 60);
    const record = await world.pharmacy.submit("coldchain:RecordReadings", { shipmentId: "SHIP-DP-A", intervalSeconds: INTERVAL, readings: [{ at: receivedAt - 600, centiCelsius: 7000 }] });
    expect(record.hold.status).to.equal("HELD");
    expect((await world.pharmacy.submit("packs:GetPack", GTIN, "SN000001")).marks).to.deep.equal(["COLD_CHAIN_HOLD"]);
  });

  it("refuses readings taken after the receipt, naming the first one", async () => {
    const world = await lotWorld(1);
    await deliverToPharmacy(world, ["SN000000"]);
    const receivedAt = world.net.seconds;
    world.net.advance(3600);
    const readings = [{ at: receivedAt - 300, centiCelsius: 500 }, { at: receivedAt + 300, centiCelsius: 7000 }];
    await expectError(world.pharmacy.submit("coldchain:RecordReadings", { shipmentId: "SHIP-DP-A", intervalSeconds: INTERVAL, readings }), "CONFLICT", "readings[1].at");
    expect((await world.pharmacy.submit("packs:GetPack", GTIN, "SN000000")).marks).to.deep.equal([]);
  });

  it("never holds packs that have moved on to another org, in transit to it or received by it", async () => {
    const world = await lotWorld(3);
    await deliverToDistributor(world, "S", ["SN000000", "SN000001", "SN000002"]);
    const receivedAt = world.net.seconds;
    await world.regulatorAdmin.submit("partners:RegisterPartner", { mspId: "Dist2MSP", name: "D2", role: "Distributor" });
    const dist2 = new Client(world.net, SOURCE, "Dist2MSP", { "rxtrace.role": "operator" });
    await world.distributor.submit("shipments:Ship", { shipmentId: "ON-1", consignee: "Dist2MSP", packs: refs(["SN000000"]) });
    await world.distributor.submit("shipments:Ship", { shipmentId: "ON-2", consignee: "Dist2MSP", packs: refs(["SN000001"]) });
    await dist2.submit("shipments:Receive", { shipmentId: "ON-2", packs: refs(["SN000001"]) });
    await world.manufacturer.submit("coldchain:RecordReadings", { shipmentId: "S", intervalSeconds: INTERVAL, readings: [{ at: receivedAt - 600, centiCelsius: 7000 }] });
    expect((await world.regulator.submit("packs:GetPack", GTIN, "SN000000")).marks).to.deep.equal([]);
    expect((await world.regulator.submit("packs:GetPack", GTIN, "SN000001")).marks).to.deep.equal([]);
    expect((await world.regulator.submit("packs:GetPack", GTIN, "SN000002")).marks).to.deep.equal(["COLD_CHAIN_HOLD"]);
  });
});

describe("coldchain:ReleaseHold and coldchain:DestroyHeld", () => {
  async function heldWorld(): Promise<Awaited<ReturnType<typeof shippedWorld>>> {
    const setup = await shippedWorld();
    await setup.world.distributor.submit("coldchain:RecordReadings", { shipmentId: "COLD-1", intervalSeconds: INTERVAL, readings: readingsAt(setup.start, [2600]) });
    return setup;
  }

  it("lets the manufacturer's quality function release the hold on every pack", async () => {
    const { world } = await heldWorld();
    const record = await world.quality.submit("coldchain:ReleaseHold", { shipmentId: "COLD-1", reason: "stability data supports use" });
    expect(record.hold).to.include({ status: "RELEASED", by: MFR });
    expect((await world.regulator.submit("packs:GetPack", GTIN, "SN000000")).marks).to.deep.equal([]);
    expect(world.net.ledger(SOURCE).lastEvent()?.payload).to.include({ type: "ColdChainHoldReleased", count: 2 });
  });

  it("lets the quality function destroy the held packs", async () => {
    const { world } = await heldWorld();
    const record = await world.quality.submit("coldchain:DestroyHeld", { shipmentId: "COLD-1", reason: "excursion" });
    expect(record.hold.status).to.equal("DESTROYED");
    const pack = await world.regulator.submit("packs:GetPack", GTIN, "SN000001");
    expect(pack).to.include({ status: "DESTROYED" });
    expect(pack.decommission).to.include({ reason: "DESTROYED", previousStatus: "IN_TRANSIT" });
    expect(world.net.ledger(SOURCE).lastEvent()?.payload).to.include({ type: "HeldPacksDestroyed", count: 2 });
  });

  it("refuses a manufacturer identity without the quality attribute, the distributor and another manufacturer", async () => {
    const { world } = await heldWorld();
    const error = await expectError(world.manufacturer.submit("coldchain:ReleaseHold", { shipmentId: "COLD-1", reason: "r" }), "FORBIDDEN");
    expect(error.detail).to.match(/rxtrace.role=quality/);
    await expectError(new Client(world.net, SOURCE, MFR).submit("coldchain:ReleaseHold", { shipmentId: "COLD-1", reason: "r" }), "FORBIDDEN");
    await expectError(new Client(world.net, SOURCE, DIST, { "rxtrace.role": "quality" }).submit("coldchain:ReleaseHold", { shipmentId: "COLD-1", reason: "r" }), "FORBIDDEN");
    await world.regulatorAdmin.submit("partners:RegisterPartner", { mspId: "OtherPharmaMSP", name: "O", role: "Manufacturer" });
    const rival = new Client(world.net, SOURCE, "OtherPharmaMSP", { "rxtrace.role": "quality" });
    expect((await expectError(rival.submit("coldchain:DestroyHeld", { shipmentId: "COLD-1", reason: "r" }), "FORBIDDEN")).detail).to.include(MFR);
  });

  it("rejects a release without a hold and a second release", async () => {
    const { world } = await heldWorld();
    await world.quality.submit("coldchain:ReleaseHold", { shipmentId: "COLD-1", reason: "ok" });
    await expectError(world.quality.submit("coldchain:ReleaseHold", { shipmentId: "COLD-1", reason: "ok" }), "CONFLICT", "shipmentId");
    const clean = await lotWorld(1);
    await clean.manufacturer.submit("shipments:Ship", { shipmentId: "S", consignee: DIST, packs: refs(["SN000000"]) });
    await expectError(clean.quality.submit("coldchain:DestroyHeld", { shipmentId: "S", reason: "x" }), "CONFLICT", "shipmentId");
  });

  it("holds again on a new excursion after a release, but not on old out-of-range time", async () => {
    const { world, start } = await heldWorld();
    await world.quality.submit("coldchain:ReleaseHold", { shipmentId: "COLD-1", reason: "ok" });
    const calm = await world.distributor.submit("coldchain:RecordReadings", { shipmentId: "COLD-1", intervalSeconds: INTERVAL, readings: readingsAt(start + 3600, [500]) });
    expect(calm.hold.status).to.equal("RELEASED");
    const hot = await world.distributor.submit("coldchain:RecordReadings", { shipmentId: "COLD-1", intervalSeconds: INTERVAL, readings: readingsAt(start + 7200, [2700]) });
    expect(hot.hold.status).to.equal("HELD");
  });

  it("does not hold packs that were already received and dispensed or handed off", async () => {
    const world = await lotWorld(2);
    await deliverToDistributor(world, "S", ["SN000000", "SN000001"]);
    await world.distributor.submit("crosschannel:HandOff", { packs: refs(["SN000000"]), toChannel: "dist-pharm" });
    await world.distributor.submit("coldchain:RecordReadings", { shipmentId: "S", intervalSeconds: INTERVAL, readings: readingsAt(world.net.seconds - 3600, [3000]) });
    expect((await world.regulator.submit("packs:GetPack", GTIN, "SN000000")).marks).to.deep.equal([]);
    expect((await world.regulator.submit("packs:GetPack", GTIN, "SN000001")).marks).to.deep.equal(["COLD_CHAIN_HOLD"]);
  });
});
