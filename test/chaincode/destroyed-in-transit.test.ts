// A pack destroyed while in transit (cold-chain excursion, then coldchain:DestroyHeld)
// stays destroyed: the receipt does not bring it back, so it never verifies,
// moves on or reaches a patient.
import { expect } from "chai";
import { DIST, DOWNSTREAM, EXPIRY, GTIN, LOT, MFR, PHARM, SOURCE, deliverToDistributor, expectError, lotWorld, refs, type World } from "./support/world.js";

const INTERVAL = 300;
const PACKS = ["SN000000", "SN000001"];

/** Ships two packs to the distributor, records an excursion and destroys them on the way. */
async function destroyedOnTheWay(): Promise<World> {
  const world = await lotWorld(3);
  await world.manufacturer.submit("shipments:Ship", { shipmentId: "HOT-1", consignee: DIST, packs: refs(PACKS) });
  await world.distributor.submit("coldchain:RecordReadings", { shipmentId: "HOT-1", intervalSeconds: INTERVAL, readings: [{ at: world.net.seconds - 3600, centiCelsius: 7000 }] });
  await world.quality.submit("coldchain:DestroyHeld", { shipmentId: "HOT-1", reason: "70 °C in the truck" });
  return world;
}

describe("shipments:Receive of a shipment whose packs were destroyed in transit", () => {
  it("keeps the destroyed packs DESTROYED and the shipper's, and lists them on the received shipment", async () => {
    const world = await destroyedOnTheWay();
    const shipment = await world.distributor.submit("shipments:Receive", { shipmentId: "HOT-1", packs: refs(PACKS) });
    expect(shipment.status).to.equal("RECEIVED");
    expect(shipment.notReceived).to.have.length(2);
    expect(shipment.notReceived[0]).to.include({ gtin: GTIN, serial: "SN000000", status: "DESTROYED", by: MFR });
    for (const serial of PACKS) {
      const pack = await world.regulator.submit("packs:GetPack", GTIN, serial);
      expect(pack).to.include({ status: "DESTROYED", owner: MFR });
      expect(pack.decommission).to.include({ reason: "DESTROYED", previousStatus: "IN_TRANSIT" });
    }
    expect(world.net.ledger(SOURCE).lastEvent()?.payload).to.include({ type: "ShipmentReceived", count: 0 });
  });

  it("accepts a count that leaves out the destroyed packs", async () => {
    const world = await destroyedOnTheWay();
    await world.manufacturer.submit("shipments:Ship", { shipmentId: "MIXED", consignee: DIST, packs: refs(["SN000002"]) });
    const shipment = await world.distributor.submit("shipments:Receive", { shipmentId: "MIXED", packs: refs(["SN000002"]) });
    expect(shipment.status).to.equal("RECEIVED");
    expect(shipment.notReceived).to.equal(undefined);
    const hot = await world.distributor.submit("shipments:Receive", { shipmentId: "HOT-1", packs: refs(["SN000002"]) });
    expect(hot.status).to.equal("EXCEPTION");
    expect(hot.exception).to.deep.include({ missing: [], unexpected: refs(["SN000002"]) });
  });

  it("then answers the scan with not verified, ALREADY_DECOMMISSIONED, and refuses a hand-off towards the pharmacy", async () => {
    const world = await destroyedOnTheWay();
    await world.distributor.submit("shipments:Receive", { shipmentId: "HOT-1", packs: refs(PACKS) });
    const verification = await world.distributor.submit("packs:Verify", GTIN, "SN000000", LOT, EXPIRY);
    expect(verification).to.include({ verified: false, reason: "ALREADY_DECOMMISSIONED", status: "DESTROYED" });
    await expectError(world.distributor.submit("crosschannel:HandOff", { packs: refs(["SN000000"]), toChannel: "dist-pharm" }), "FORBIDDEN");
    await expectError(world.distributor.submit("shipments:Ship", { shipmentId: "ON", consignee: MFR, packs: refs(["SN000000"]) }), "FORBIDDEN");
  });
});

describe("a pack destroyed on its way to the pharmacy (dist-pharm)", () => {
  it("is not received, does not verify, and is never dispensed", async () => {
    const world = await lotWorld(2);
    await deliverToDistributor(world, "S-MD", PACKS);
    await world.distributor.submit("crosschannel:HandOff", { packs: refs(PACKS), toChannel: DOWNSTREAM });
    await world.distributorDown.submit("crosschannel:ImportPacks", { packs: refs(PACKS), fromChannel: SOURCE });
    await world.distributorDown.submit("shipments:Ship", { shipmentId: "S-DP", consignee: PHARM, packs: refs(PACKS) });
    await world.distributorDown.submit("coldchain:RecordReadings", { shipmentId: "S-DP", intervalSeconds: INTERVAL, readings: [{ at: world.net.seconds - 3600, centiCelsius: 7000 }] });
    await world.regulatorDown.submit("coldchain:DestroyHeld", { shipmentId: "S-DP", reason: "70 °C in the van" });

    const shipment = await world.pharmacy.submit("shipments:Receive", { shipmentId: "S-DP", packs: refs(PACKS) });
    expect(shipment.notReceived.map((entry: { status: string }) => entry.status)).to.deep.equal(["DESTROYED", "DESTROYED"]);
    const verification = await world.pharmacy.submit("packs:Verify", GTIN, "SN000000", LOT, EXPIRY);
    expect(verification).to.include({ verified: false, reason: "ALREADY_DECOMMISSIONED", status: "DESTROYED", owner: DIST });

    const answer = await world.pharmacy.submit("packs:Dispense", { gtin: GTIN, serial: "SN000000", lot: LOT, expiry: EXPIRY });
    expect(answer.alert).to.include({ code: "ALREADY_INACTIVE", by: PHARM });
    const pack = await world.pharmacy.submit("packs:GetPack", GTIN, "SN000000");
    expect(pack).to.include({ status: "DESTROYED", owner: DIST });
    expect(pack.marks).to.deep.equal([]);
    expect(world.net.ledger(DOWNSTREAM).events.some((event) => event.name === "PackDispensed")).to.equal(false);
  });
});
