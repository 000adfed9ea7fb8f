import { expect } from "chai";
import { MAX_AGGREGATION_DEPTH, MAX_PACKS_PER_CONTAINER, ssccOf, type Container, type ContainerView, type Shipment } from "@rxtrace/domain";
import { DIST, DOWNSTREAM, EXPIRY, GTIN, LOT, MFR, PHARM, SOURCE, expectError, lotWorld, refs, serials, type World } from "./support/world.js";

/** SSCCs with valid check digits: extension 0, company prefix 9521234, serial reference n. */
const sscc = (n: number): string => ssccOf(`09521234${String(n).padStart(9, "0")}`);
const PALLET = sscc(1);
const CASE_A = sscc(2);
const CASE_B = sscc(3);
const containerKey = (code: string): string => `\u0000container\u0000${code}\u0000`;

async function pack(world: World, code: string, list: string[] = [], containers: string[] = []): Promise<Container> {
  return await world.manufacturer.submit<Container>("aggregation:Pack", { sscc: code, packs: refs(list), containers });
}

/** Six packs: two cases of three on one pallet, held by the manufacturer. */
async function palletWorld(): Promise<World> {
  const world = await lotWorld(6);
  await pack(world, CASE_A, ["SN000000", "SN000001", "SN000002"]);
  await pack(world, CASE_B, ["SN000003", "SN000004", "SN000005"]);
  await pack(world, PALLET, [], [CASE_A, CASE_B]);
  return world;
}

describe("aggregation:Pack", () => {
  it("packs packs into a case and cases into a pallet, each key under its holder's policy, and reports what it holds", async () => {
    const world = await palletWorld();
    const view = await world.manufacturer.submit<ContainerView>("aggregation:GetContainer", PALLET);
    expect(view).to.include({ sscc: PALLET, owner: MFR, status: "HELD", level: 2, packCount: 6, activeCount: 6 });
    expect(view.containers.map((c) => c.sscc)).to.deep.equal([CASE_A, CASE_B]);
    expect(view.containers[0]?.packs[0]).to.deep.equal({ gtin: GTIN, serial: "SN000000", status: "COMMISSIONED", active: true });
    expect(await world.manufacturer.submit("packs:GetPack", GTIN, "SN000000")).to.include({ container: CASE_A });
    const ledger = world.net.ledger(SOURCE);
    expect(ledger.keyPolicy(containerKey(PALLET))?.all).to.deep.equal([MFR]);
    expect(ledger.keyPolicy(containerKey(PALLET))?.anyOf).to.not.include(MFR);
    expect(ledger.lastEvent()?.payload).to.deep.include({ type: "ContainerPacked", sscc: PALLET, containers: [CASE_A, CASE_B], packs: [] });
  });

  it("adds packs to a case that already holds some", async () => {
    const world = await lotWorld(3);
    await pack(world, CASE_A, ["SN000000"]);
    const added = await pack(world, CASE_A, ["SN000002", "SN000001"]);
    expect(added.packs).to.deep.equal(refs(["SN000000", "SN000001", "SN000002"]));
  });

  it("refuses a bad check digit, an empty request and a container inside itself, naming the field, changing nothing", async () => {
    const world = await lotWorld(2);
    const before = world.net.ledger(SOURCE).snapshot();
    const bad = `${PALLET.slice(0, 17)}${(Number(PALLET[17]) + 1) % 10}`;
    await expectError(world.manufacturer.submit("aggregation:Pack", { sscc: bad, packs: refs(["SN000000"]) }), "INVALID_ARGUMENT", "sscc");
    await expectError(world.manufacturer.submit("aggregation:Pack", { sscc: "12345", packs: refs(["SN000000"]) }), "INVALID_ARGUMENT", "sscc");
    await expectError(world.manufacturer.submit("aggregation:Pack", { sscc: PALLET }), "INVALID_ARGUMENT", "packs");
    await expectError(world.manufacturer.submit("aggregation:Pack", { sscc: PALLET, containers: [PALLET] }), "INVALID_ARGUMENT", "containers[0]");
    await expectError(world.manufacturer.submit("aggregation:Pack", { sscc: PALLET, containers: [bad] }), "INVALID_ARGUMENT", "containers[0]");
    await expectError(world.manufacturer.submit("aggregation:Pack", { sscc: PALLET, packs: refs(["SN000000", "SN000000"]) }), "INVALID_ARGUMENT", "packs[1]");
    expect(world.net.ledger(SOURCE).snapshot()).to.equal(before);
  });

  it("refuses a pack the caller does not hold, one already in another container, and an unknown one", async () => {
    const world = await lotWorld(3);
    await pack(world, CASE_A, ["SN000000"]);
    const before = world.net.ledger(SOURCE).snapshot();
    await expectError(world.distributor.submit("aggregation:Pack", { sscc: CASE_B, packs: refs(["SN000001"]) }), "FORBIDDEN");
    await expectError(pack(world, CASE_B, ["SN000000"]), "CONFLICT", "packs[0]");
    await expectError(pack(world, CASE_B, ["SN999999"]), "NOT_FOUND", "packs[0]");
    // A case another org holds is not the caller's to fill.
    await expectError(world.distributor.submit("aggregation:Pack", { sscc: CASE_A, packs: refs(["SN000001"]) }), "FORBIDDEN");
    expect(world.net.ledger(SOURCE).snapshot()).to.equal(before);
  });

  it("refuses a decommissioned pack, a container already on a pallet, and filling a case that is on a pallet", async () => {
    const world = await palletWorld();
    await world.manufacturer.submit("packs:CommissionLot", { gtin: GTIN, lot: LOT, expiry: EXPIRY, serials: ["X1", "X2"] });
    await world.manufacturer.submit("packs:Decommission", { gtin: GTIN, serial: "X1", reason: "DESTROYED" });
    await expectError(pack(world, sscc(9), ["X1"]), "CONFLICT", "packs[0]");
    await expectError(pack(world, sscc(9), [], [CASE_A]), "CONFLICT", "containers[0]");
    await expectError(pack(world, CASE_A, ["X2"]), "CONFLICT", "sscc");
  });

  it(`nests at most ${MAX_AGGREGATION_DEPTH} levels`, async () => {
    const world = await lotWorld(1);
    await pack(world, sscc(11), ["SN000000"]);
    await pack(world, sscc(12), [], [sscc(11)]);
    await pack(world, sscc(13), [], [sscc(12)]);
    expect((await world.manufacturer.submit<ContainerView>("aggregation:GetContainer", sscc(13))).level).to.equal(3);
    await expectError(pack(world, sscc(14), [], [sscc(13)]), "CONFLICT", "containers[0]");
  });

  it(`holds at most ${MAX_PACKS_PER_CONTAINER} packs, counting those of the cases inside`, async () => {
    const world = await lotWorld(MAX_PACKS_PER_CONTAINER + 1);
    const list = serials(MAX_PACKS_PER_CONTAINER + 1);
    await pack(world, CASE_A, list.slice(0, 600));
    await pack(world, CASE_B, list.slice(600, MAX_PACKS_PER_CONTAINER));
    await pack(world, PALLET, [], [CASE_A, CASE_B]);
    await expectError(pack(world, sscc(20), [list[MAX_PACKS_PER_CONTAINER] ?? ""], [PALLET]), "INVALID_ARGUMENT", "packs");
  });
});

describe("aggregation:Unpack", () => {
  it("takes some packs out of a case, which are loose again", async () => {
    const world = await palletWorld();
    const after = await world.manufacturer.submit<Container>("aggregation:Unpack", { sscc: CASE_A, packs: refs(["SN000001"]) });
    expect(after.packs).to.deep.equal(refs(["SN000000", "SN000002"]));
    expect(await world.manufacturer.submit("packs:GetPack", GTIN, "SN000001")).to.not.have.property("container");
    expect(world.net.ledger(SOURCE).lastEvent()?.payload).to.deep.include({ type: "ContainerUnpacked", sscc: CASE_A, packs: refs(["SN000001"]), emptied: false });
  });

  it("empties a pallet with nothing named: the cases are outermost again and the pallet's level drops", async () => {
    const world = await palletWorld();
    const after = await world.manufacturer.submit<Container>("aggregation:Unpack", { sscc: PALLET });
    expect(after).to.include({ level: 1 });
    expect(after.containers).to.deep.equal([]);
    expect(await world.manufacturer.submit("aggregation:GetContainer", CASE_A)).to.not.have.property("parent");
    expect(world.net.ledger(SOURCE).lastEvent()?.payload).to.deep.include({ emptied: true, containers: [CASE_A, CASE_B] });
  });

  it("refuses a pack or case not in the container, another org's container and a container in transit", async () => {
    const world = await palletWorld();
    const before = world.net.ledger(SOURCE).snapshot();
    await expectError(world.manufacturer.submit("aggregation:Unpack", { sscc: CASE_A, packs: refs(["SN000004"]) }), "INVALID_ARGUMENT", "packs[0]");
    await expectError(world.manufacturer.submit("aggregation:Unpack", { sscc: CASE_A, containers: [CASE_B] }), "INVALID_ARGUMENT", "containers[0]");
    await expectError(world.distributor.submit("aggregation:Unpack", { sscc: CASE_A }), "FORBIDDEN");
    await expectError(world.manufacturer.submit("aggregation:Unpack", { sscc: sscc(99) }), "NOT_FOUND", "sscc");
    expect(world.net.ledger(SOURCE).snapshot()).to.equal(before);
    await world.manufacturer.submit("shipments:Ship", { shipmentId: "S1", consignee: DIST, containers: [PALLET] });
    await expectError(world.manufacturer.submit("aggregation:Unpack", { sscc: PALLET }), "CONFLICT", "sscc");
  });
});

describe("shipments:Ship and Receive by SSCC", () => {
  it("ships a pallet by its code, every pack and case moving, and the distributor receives it by the same code", async () => {
    const world = await palletWorld();
    const shipped = await world.manufacturer.submit<Shipment>("shipments:Ship", { shipmentId: "S1", consignee: DIST, containers: [PALLET] });
    expect(shipped.packs).to.have.length(6);
    expect(shipped.containers).to.deep.equal([PALLET]);
    expect(await world.manufacturer.submit("aggregation:GetContainer", CASE_B)).to.include({ status: "IN_TRANSIT", consignee: DIST, shipmentId: "S1" });
    expect(world.net.ledger(SOURCE).keyPolicy(containerKey(CASE_B))?.all).to.deep.equal([DIST, MFR]);
    expect(world.net.ledger(SOURCE).lastEvent()?.payload).to.deep.include({ type: "ShipmentShipped", count: 6, containers: [PALLET] });
    const received = await world.distributor.submit<Shipment>("shipments:Receive", { shipmentId: "S1", containers: [PALLET] });
    expect(received.status).to.equal("RECEIVED");
    const view = await world.distributor.submit<ContainerView>("aggregation:GetContainer", PALLET);
    expect(view).to.include({ owner: DIST, status: "HELD", packCount: 6 });
    expect(view).to.not.have.property("shipmentId");
    expect(view.containers[1]).to.include({ owner: DIST, status: "HELD" });
    expect(await world.distributor.submit("packs:GetPack", GTIN, "SN000005")).to.include({ owner: DIST, status: "RECEIVED", container: CASE_B });
    expect(world.net.ledger(SOURCE).keyPolicy(containerKey(CASE_B))?.all).to.deep.equal([DIST]);
  });

  it("counts a receipt by case codes and loose packs as well as by the pallet's", async () => {
    const world = await palletWorld();
    await world.manufacturer.submit("shipments:Ship", { shipmentId: "S1", consignee: DIST, containers: [PALLET] });
    const received = await world.distributor.submit<Shipment>("shipments:Receive", { shipmentId: "S1", containers: [CASE_A], packs: refs(["SN000003", "SN000004", "SN000005"]) });
    expect(received.status).to.equal("RECEIVED");
  });

  it("records a partial receipt as an exception naming each missing pack and the missing case, moving nothing", async () => {
    const world = await palletWorld();
    await world.manufacturer.submit("shipments:Ship", { shipmentId: "S1", consignee: DIST, containers: [PALLET] });
    const recorded = await world.distributor.submit<Shipment>("shipments:Receive", { shipmentId: "S1", containers: [CASE_A, sscc(77)] });
    expect(recorded.status).to.equal("EXCEPTION");
    expect(recorded.exception?.missing).to.deep.equal(refs(["SN000003", "SN000004", "SN000005"]));
    expect(recorded.exception?.missingContainers).to.deep.equal([CASE_B]);
    expect(recorded.exception?.unexpectedContainers).to.deep.equal([sscc(77)]);
    expect(world.net.ledger(SOURCE).lastEvent()?.payload).to.deep.include({ type: "ShipmentExceptionRecorded", missingContainers: [CASE_B] });
    expect(await world.distributor.submit("aggregation:GetContainer", PALLET)).to.include({ owner: MFR, status: "IN_TRANSIT" });
    // Counted again in full, the shipment is received.
    expect(await world.distributor.submit("shipments:Receive", { shipmentId: "S1", containers: [PALLET] })).to.include({ status: "RECEIVED" });
  });

  it("names the whole pallet missing when nothing of it arrived", async () => {
    const world = await palletWorld();
    await world.manufacturer.submit("packs:CommissionLot", { gtin: GTIN, lot: LOT, expiry: EXPIRY, serials: ["L1"] });
    await world.manufacturer.submit("shipments:Ship", { shipmentId: "S1", consignee: DIST, containers: [PALLET], packs: refs(["L1"]) });
    const recorded = await world.distributor.submit<Shipment>("shipments:Receive", { shipmentId: "S1", packs: refs(["L1"]) });
    expect(recorded.exception?.missingContainers).to.deep.equal([PALLET]);
    expect(recorded.exception?.missing).to.have.length(6);
  });

  it("refuses shipping a case that is on a pallet, a pack that is in a case, an unknown, empty or another org's container, naming the field", async () => {
    const world = await palletWorld();
    const before = world.net.ledger(SOURCE).snapshot();
    const ship = (body: Record<string, unknown>): Promise<unknown> => world.manufacturer.submit("shipments:Ship", { shipmentId: "S1", consignee: DIST, ...body });
    await expectError(ship({ containers: [CASE_A] }), "CONFLICT", "containers[0]");
    await expectError(ship({ packs: refs(["SN000000"]) }), "CONFLICT", "packs[0]");
    await expectError(ship({ containers: [sscc(98)] }), "NOT_FOUND", "containers[0]");
    await expectError(ship({ containers: ["123"] }), "INVALID_ARGUMENT", "containers[0]");
    await expectError(world.distributor.submit("shipments:Ship", { shipmentId: "S2", consignee: MFR, containers: [PALLET] }), "FORBIDDEN");
    expect(world.net.ledger(SOURCE).snapshot()).to.equal(before);
    await world.manufacturer.submit("aggregation:Unpack", { sscc: CASE_A });
    await world.manufacturer.submit("aggregation:Unpack", { sscc: PALLET, containers: [CASE_A] });
    await expectError(ship({ containers: [CASE_A] }), "CONFLICT", "containers[0]");
  });

  it("refuses a pallet holding a quarantined pack, naming the container", async () => {
    const world = await palletWorld();
    await world.manufacturer.submit("packs:SetMark", { gtin: GTIN, serial: "SN000004", mark: "QUARANTINED", reason: "check" });
    await expectError(world.manufacturer.submit("shipments:Ship", { shipmentId: "S1", consignee: DIST, containers: [PALLET] }), "CONFLICT", "containers[0]");
  });

  it("ships and receives a pallet of 1,000 packs in one transaction each", async () => {
    const world = await lotWorld(MAX_PACKS_PER_CONTAINER);
    const list = serials(MAX_PACKS_PER_CONTAINER);
    for (let c = 0; c < 10; c++) await pack(world, sscc(100 + c), list.slice(c * 100, (c + 1) * 100));
    await pack(world, PALLET, [], Array.from({ length: 10 }, (_, c) => sscc(100 + c)));
    const shipped = await world.manufacturer.submit<Shipment>("shipments:Ship", { shipmentId: "BIG", consignee: DIST, containers: [PALLET] });
    expect(shipped.packs).to.have.length(MAX_PACKS_PER_CONTAINER);
    expect(await world.distributor.submit("shipments:Receive", { shipmentId: "BIG", containers: [PALLET] })).to.include({ status: "RECEIVED" });
  });
});

describe("a pack leaving the supply from an opened case", () => {
  /** A case packed by the distributor on dist-pharm, shipped to and received by the pharmacy by its SSCC. */
  async function caseAtPharmacy(): Promise<World> {
    const world = await lotWorld(3);
    const list = ["SN000000", "SN000001", "SN000002"];
    await world.manufacturer.submit("shipments:Ship", { shipmentId: "S1", consignee: DIST, packs: refs(list) });
    await world.distributor.submit("shipments:Receive", { shipmentId: "S1", packs: refs(list) });
    await world.distributor.submit("crosschannel:HandOff", { packs: refs(list), toChannel: DOWNSTREAM });
    await world.distributorDown.submit("crosschannel:ImportPacks", { packs: refs(list), fromChannel: SOURCE });
    await world.distributorDown.submit("aggregation:Pack", { sscc: CASE_A, packs: refs(list) });
    await world.distributorDown.submit("shipments:Ship", { shipmentId: "S2", consignee: PHARM, containers: [CASE_A] });
    await world.pharmacy.submit("shipments:Receive", { shipmentId: "S2", containers: [CASE_A] });
    return world;
  }

  it("dispensing takes the pack out of the case: the case no longer lists or counts it", async () => {
    const world = await caseAtPharmacy();
    await world.pharmacy.submit("packs:Dispense", { gtin: GTIN, serial: "SN000001", lot: LOT, expiry: EXPIRY });
    const view = await world.pharmacy.submit<ContainerView>("aggregation:GetContainer", CASE_A);
    expect(view).to.include({ owner: PHARM, packCount: 2, activeCount: 2 });
    expect(view.packs.map((p) => p.serial)).to.deep.equal(["SN000000", "SN000002"]);
    expect(await world.pharmacy.submit("packs:GetPack", GTIN, "SN000001")).to.not.have.property("container");
    expect(world.net.ledger(DOWNSTREAM).lastEvent()?.payload).to.deep.include({ type: "PackDispensed", container: CASE_A });
  });

  it("a decommission does the same; a pack in a case is neither returned nor handed off until unpacked", async () => {
    const world = await caseAtPharmacy();
    await world.pharmacy.submit("packs:Decommission", { gtin: GTIN, serial: "SN000000", reason: "DESTROYED" });
    expect((await world.pharmacy.submit<ContainerView>("aggregation:GetContainer", CASE_A)).packCount).to.equal(2);
    await expectError(world.pharmacy.submit("returns:ShipReturn", { returnId: "R", distributor: DIST, packs: refs(["SN000001"]), reason: "r" }), "CONFLICT", "packs[0]");
  });

  it("a cold-chain destroy takes every destroyed pack out of its case, written once for all of them", async () => {
    const world = await palletWorld();
    await world.manufacturer.submit("shipments:Ship", { shipmentId: "COLD", consignee: DIST, containers: [PALLET] });
    await world.distributor.submit("coldchain:RecordReadings", { shipmentId: "COLD", intervalSeconds: 300, readings: [{ at: world.net.seconds - 3600, centiCelsius: 2600 }] });
    await world.quality.submit("coldchain:DestroyHeld", { shipmentId: "COLD", reason: "excursion" });
    const view = await world.distributor.submit<ContainerView>("aggregation:GetContainer", PALLET);
    expect(view.packCount).to.equal(0);
    expect(view.containers.map((c) => c.packs.length)).to.deep.equal([0, 0]);
    expect(await world.distributor.submit("packs:GetPack", GTIN, "SN000004")).to.include({ status: "DESTROYED" }).and.not.have.property("container");
  });

  it("verifying a case code reports a recalled pack inside as not active", async () => {
    const world = await caseAtPharmacy();
    await world.regulatorDown.submit("packs:SetMark", { gtin: GTIN, serial: "SN000002", mark: "SUSPECT", reason: "check" });
    const view = await world.pharmacy.submit<ContainerView>("aggregation:GetContainer", CASE_A);
    expect(view).to.include({ packCount: 3, activeCount: 2 });
    expect(view.packs[2]).to.include({ serial: "SN000002", active: false });
  });

  it("a hand-off carries the hierarchy: the import packs the cases and pallet again on dist-pharm, and the pallet ships on by its SSCC", async () => {
    const world = await palletWorld();
    await world.manufacturer.submit("shipments:Ship", { shipmentId: "S1", consignee: DIST, containers: [PALLET] });
    await world.distributor.submit("shipments:Receive", { shipmentId: "S1", containers: [PALLET] });
    const all = serials(6);
    await world.distributor.submit("crosschannel:HandOff", { packs: refs(all), toChannel: DOWNSTREAM });
    // On mfr-dist the handed-off packs left their cases.
    expect(await world.distributor.submit<ContainerView>("aggregation:GetContainer", PALLET)).to.include({ packCount: 0 });
    const [handOff] = await world.distributor.submit<{ containers?: string[] }[]>("crosschannel:GetHandOffs", { packs: refs(["SN000004"]) });
    expect(handOff?.containers).to.deep.equal([CASE_B, PALLET]);
    // Imported in two calls: the second joins the pallet the first rebuilt.
    await world.distributorDown.submit("crosschannel:ImportPacks", { packs: refs(all.slice(0, 4)), fromChannel: SOURCE });
    await world.distributorDown.submit("crosschannel:ImportPacks", { packs: refs(all.slice(4)), fromChannel: SOURCE });
    const view = await world.distributorDown.submit<ContainerView>("aggregation:GetContainer", PALLET);
    expect(view).to.include({ owner: DIST, status: "HELD", level: 2, packCount: 6, activeCount: 6 });
    expect(view.containers.map((c) => [c.sscc, c.parent, c.packs.map((p) => p.serial)])).to.deep.equal([
      [CASE_A, PALLET, all.slice(0, 3)],
      [CASE_B, PALLET, all.slice(3)],
    ]);
    expect(await world.distributorDown.submit("packs:GetPack", GTIN, "SN000005")).to.include({ container: CASE_B, owner: DIST });
    await world.distributorDown.submit("shipments:Ship", { shipmentId: "S2", consignee: PHARM, containers: [PALLET] });
    expect(await world.pharmacy.submit("shipments:Receive", { shipmentId: "S2", containers: [PALLET] })).to.include({ status: "RECEIVED" });
  });

  it("refuses importing a pack into its case once that case left for the pharmacy, changing nothing", async () => {
    const world = await lotWorld(2);
    const two = ["SN000000", "SN000001"];
    await world.manufacturer.submit("shipments:Ship", { shipmentId: "S1", consignee: DIST, packs: refs(two) });
    await world.distributor.submit("shipments:Receive", { shipmentId: "S1", packs: refs(two) });
    await world.distributor.submit("aggregation:Pack", { sscc: CASE_A, packs: refs(two) });
    await world.distributor.submit("crosschannel:HandOff", { packs: refs(two), toChannel: DOWNSTREAM });
    await world.distributorDown.submit("crosschannel:ImportPacks", { packs: refs(["SN000000"]), fromChannel: SOURCE });
    await world.distributorDown.submit("shipments:Ship", { shipmentId: "S2", consignee: PHARM, containers: [CASE_A] });
    const before = world.net.ledger(DOWNSTREAM).snapshot();
    await expectError(world.distributorDown.submit("crosschannel:ImportPacks", { packs: refs(["SN000001"]), fromChannel: SOURCE }), "CONFLICT", "packs[0]");
    expect(world.net.ledger(DOWNSTREAM).snapshot()).to.equal(before);
  });

  it("refuses packing by the regulator", async () => {
    const world = await lotWorld(1);
    await expectError(world.regulator.submit("aggregation:Pack", { sscc: CASE_A, packs: refs(["SN000000"]) }), "FORBIDDEN");
  });
});
