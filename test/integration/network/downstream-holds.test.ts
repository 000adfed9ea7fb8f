/**
 * A cold-chain hold on dist-pharm, where the manufacturer has no member, on the
 * real network: the manufacturer's quality decision is recorded on mfr-dist,
 * mirrored onto dist-pharm by the regulator with the distributor (the peers on
 * both channels, which can run the read-only cross-channel query; a new key
 * needs a majority), then applied with the distributor's and the pharmacy's
 * peers. The destroyed packs are then neither received nor dispensed.
 */
import { expect } from "chai";
import { FabricSessions, evaluateJson, eventually, runId, submitJson, type OrgSession } from "../../../support/fabric-client.js";
import { commissionLot, handOffAndImport, packOf, shipAndReceive, type Lot } from "./scenario.js";

describe("a dist-pharm hold decided by the manufacturer on mfr-dist", function () {
  this.timeout(180_000);
  const downstreamPeers = ["DistributorMSP", "PharmacyMSP"];
  let sessions: FabricSessions;
  let manufacturer: OrgSession;
  let quality: OrgSession;
  let distributor: OrgSession;
  let pharmacy: OrgSession;
  let regulator: OrgSession;
  let lot: Lot;
  let shipmentId: string;

  before(async () => {
    sessions = new FabricSessions();
    manufacturer = sessions.as("ManufacturerMSP", "operator");
    quality = sessions.as("ManufacturerMSP", "quality");
    distributor = sessions.as("DistributorMSP", "operator");
    pharmacy = sessions.as("PharmacyMSP", "pharmacist");
    regulator = sessions.as("RegulatorMSP", "auditor");
    const id = runId();
    lot = await commissionLot(manufacturer, `DH${id}`, 1);
    await shipAndReceive(manufacturer, distributor, "mfr-dist", `DHM-${id}`, lot.packs);
    await eventually(async () => expect(await packOf(distributor, "mfr-dist", lot.packs[0]!)).to.include({ status: "RECEIVED" }));
    await handOffAndImport(distributor, lot.packs);
    shipmentId = `DHP-${id}`;
    await submitJson(distributor.contract("dist-pharm"), "shipments:Ship", {
      arguments: [JSON.stringify({ shipmentId, consignee: "PharmacyMSP", packs: lot.packs })],
    });
    await eventually(() => pharmacy.contract("dist-pharm").evaluateTransaction("shipments:GetShipment", shipmentId));
  });
  after(() => sessions.close());

  it("holds the pack on dist-pharm on an excursion", async () => {
    const at = Math.floor(Date.now() / 1000) - 1200;
    const record = (await submitJson(distributor.contract("dist-pharm"), "coldchain:RecordReadings", {
      arguments: [JSON.stringify({ shipmentId, intervalSeconds: 600, readings: [{ at, centiCelsius: 4000 }] })],
      endorsingOrganizations: downstreamPeers,
    })) as { hold: { status: string } };
    expect(record.hold.status).to.equal("HELD");
  });

  it("records the manufacturer's destroy decision on mfr-dist and mirrors it with the regulator's and the distributor's peers", async () => {
    await submitJson(quality.contract("mfr-dist"), "coldchain:DecideDownstreamHold", {
      arguments: [JSON.stringify({ shipmentId, decision: "destroy", reason: "excursion beyond stability data" })],
      endorsingOrganizations: ["ManufacturerMSP", "RegulatorMSP"],
    });
    const mirrored = await eventually(
      async () =>
        (await submitJson(regulator.contract("dist-pharm"), "crosschannel:SyncHoldDecision", {
          arguments: [shipmentId],
          endorsingOrganizations: ["RegulatorMSP", "DistributorMSP"],
        })) as { decision: string; manufacturer: string },
      20_000,
    );
    expect(mirrored).to.include({ decision: "destroy", manufacturer: "ManufacturerMSP" });
  });

  it("applies the decision with the distributor's and the pharmacy's peers: the pack is destroyed", async () => {
    const record = (await eventually(() =>
      submitJson(regulator.contract("dist-pharm"), "coldchain:ApplyHoldDecision", { arguments: [shipmentId], endorsingOrganizations: downstreamPeers }),
    )) as { hold: { status: string; by: string } };
    expect(record.hold).to.include({ status: "DESTROYED", by: "ManufacturerMSP" });
    // The next receipt is endorsed by both downstream peers: each must have committed the decision,
    // or their answers differ ("ProposalResponsePayloads do not match").
    for (const peerOf of [distributor, pharmacy]) {
      await eventually(async () => expect(await packOf(peerOf, "dist-pharm", lot.packs[0]!)).to.include({ status: "DESTROYED" }));
    }
  });

  it("lets the pharmacy receive the shipment without the pack, and never dispense it", async () => {
    const shipment = (await submitJson(pharmacy.contract("dist-pharm"), "shipments:Receive", {
      arguments: [JSON.stringify({ shipmentId, packs: lot.packs })],
      endorsingOrganizations: downstreamPeers,
    })) as { status: string; notReceived?: { status: string }[] };
    expect(shipment.status).to.equal("RECEIVED");
    expect(shipment.notReceived?.map((entry) => entry.status)).to.deep.equal(["DESTROYED"]);
    const { gtin, serial } = lot.packs[0]!;
    const verification = (await evaluateJson(pharmacy.contract("dist-pharm"), "packs:Verify", gtin, serial, lot.lot, lot.expiry)) as { verified: boolean; reason?: string };
    expect(verification).to.include({ verified: false, reason: "ALREADY_DECOMMISSIONED" });
    const answer = (await submitJson(pharmacy.contract("dist-pharm"), "packs:Dispense", {
      arguments: [JSON.stringify({ gtin, serial, lot: lot.lot, expiry: lot.expiry })],
      endorsingOrganizations: ["PharmacyMSP", "RegulatorMSP"],
    })) as { alert?: { code: string } };
    expect(answer.alert?.code).to.equal("ALREADY_INACTIVE");
    expect(await packOf(pharmacy, "dist-pharm", lot.packs[0]!)).to.include({ status: "DESTROYED" });
  });
});
