/**
 * A pack destroyed in transit on the real network stays destroyed: the
 * excursion holds it, the manufacturer's quality function destroys it while it
 * is still on the truck, and the distributor's ordinary receipt neither revives
 * it nor lets it verify or move on towards the pharmacy.
 */
import { expect } from "chai";
import { FabricSessions, chaincodeErrorCode, evaluateJson, eventually, failureOf, runId, submitJson, type OrgSession } from "../../../support/fabric-client.js";
import { commissionLot, packOf, type Lot } from "./scenario.js";

interface Shipment { status: string; notReceived?: { gtin: string; serial: string; status: string; at: string; by: string }[] }
interface Verification { verified: boolean; reason?: string; status?: string }

describe("a pack destroyed in transit on the real network", function () {
  this.timeout(180_000);
  // Pack and cold-chain writes in transit need the shipper's and the consignee's peers.
  const bothPeers = ["ManufacturerMSP", "DistributorMSP"];
  let sessions: FabricSessions;
  let manufacturer: OrgSession;
  let quality: OrgSession;
  let distributor: OrgSession;
  let lot: Lot;
  let shipmentId: string;

  before(async () => {
    sessions = new FabricSessions();
    manufacturer = sessions.as("ManufacturerMSP", "operator");
    quality = sessions.as("ManufacturerMSP", "quality");
    distributor = sessions.as("DistributorMSP", "operator");
    const id = runId();
    lot = await commissionLot(manufacturer, `DIT${id}`, 1);
    shipmentId = `DIT-${id}`;
    await submitJson(manufacturer.contract("mfr-dist"), "shipments:Ship", {
      arguments: [JSON.stringify({ shipmentId, consignee: "DistributorMSP", packs: lot.packs })],
    });
    await eventually(() => distributor.contract("mfr-dist").evaluateTransaction("shipments:GetShipment", shipmentId));
  });
  after(() => sessions.close());

  it("holds the pack on an excursion and lets quality destroy it in transit", async () => {
    const at = Math.floor(Date.now() / 1000) - 1200;
    await submitJson(distributor.contract("mfr-dist"), "coldchain:RecordReadings", {
      arguments: [JSON.stringify({ shipmentId, intervalSeconds: 600, readings: [{ at, centiCelsius: 500 }, { at: at + 600, centiCelsius: 7000 }] })],
      endorsingOrganizations: bothPeers,
    });
    await eventually(async () => expect((await packOf(quality, "mfr-dist", lot.packs[0]!)).marks).to.include("COLD_CHAIN_HOLD"));
    const record = (await submitJson(quality.contract("mfr-dist"), "coldchain:DestroyHeld", {
      arguments: [JSON.stringify({ shipmentId, reason: "70 °C in the truck" })],
      endorsingOrganizations: bothPeers,
    })) as { hold: { status: string } };
    expect(record.hold.status).to.equal("DESTROYED");
    await eventually(async () => expect(await packOf(distributor, "mfr-dist", lot.packs[0]!)).to.include({ status: "DESTROYED" }));
  });

  it("receives the shipment without reviving the pack, and says so on the shipment", async () => {
    const shipment = (await submitJson(distributor.contract("mfr-dist"), "shipments:Receive", {
      arguments: [JSON.stringify({ shipmentId, packs: lot.packs })],
      endorsingOrganizations: bothPeers,
    })) as Shipment;
    expect(shipment.status).to.equal("RECEIVED");
    expect(shipment.notReceived).to.deep.equal([{ ...lot.packs[0], status: "DESTROYED", at: shipment.notReceived?.[0]?.at, by: "ManufacturerMSP" }]);
    expect(await packOf(distributor, "mfr-dist", lot.packs[0]!)).to.include({ status: "DESTROYED", owner: "ManufacturerMSP" });
  });

  it("answers the distributor's scan with not verified and refuses the hand-off towards the pharmacy", async () => {
    const { gtin, serial } = lot.packs[0]!;
    const verification = (await evaluateJson(distributor.contract("mfr-dist"), "packs:Verify", gtin, serial, lot.lot, lot.expiry)) as Verification;
    expect(verification).to.include({ verified: false, reason: "ALREADY_DECOMMISSIONED", status: "DESTROYED" });
    const error = await failureOf(() =>
      submitJson(distributor.contract("mfr-dist"), "crosschannel:HandOff", { arguments: [JSON.stringify({ packs: lot.packs, toChannel: "dist-pharm" })] }),
    );
    expect(chaincodeErrorCode(error)).to.equal("FORBIDDEN");
  });
});
