/**
 * The whole path of a pack on the real network, step by step: register a
 * product, commission a lot, ship and receive on mfr-dist, hand off, import on
 * dist-pharm, ship and receive to the pharmacy, verify, dispense, dispense
 * again (alert), recall the lot and see it at verification. A second shipment
 * on mfr-dist gets cold-chain readings that put it on hold.
 */
import { expect } from "chai";
import { FabricSessions, chaincodeErrorCode, evaluateJson, eventually, failureOf, runId, submitJson, type OrgSession } from "../../../support/fabric-client.js";
import { futureExpiry, gtinFor, productJson } from "../../../support/fixtures.js";

interface Pack { status: string; owner: string; marks: string[] }
interface Verification { verified: boolean; reason?: string; additionalInfo: string[] }

describe("the whole path of a pack from manufacturer to patient", function () {
  this.timeout(120_000);
  const id = runId();
  const gtin = gtinFor(`path-${id}`);
  const lot = `L${id}`.slice(0, 20);
  const expiry = futureExpiry();
  const serials = ["A", "B", "C"].map((s) => `${s}${id}`.slice(0, 20));
  const refs = serials.map((serial) => ({ gtin, serial }));
  const [dispensed, recalledLater, held] = refs as [typeof refs[0], typeof refs[0], typeof refs[0]];
  let sessions: FabricSessions;
  let manufacturer: OrgSession;
  let distributor: OrgSession;
  let pharmacy: OrgSession;
  let regulator: OrgSession;

  before(() => {
    sessions = new FabricSessions();
    manufacturer = sessions.as("ManufacturerMSP", "operator");
    distributor = sessions.as("DistributorMSP", "operator");
    pharmacy = sessions.as("PharmacyMSP", "pharmacist");
    regulator = sessions.as("RegulatorMSP", "auditor");
  });
  after(() => sessions.close());

  const packOn = async (who: OrgSession, channel: string, ref: { gtin: string; serial: string }): Promise<Pack> =>
    (await evaluateJson(who.contract(channel), "packs:GetPack", ref.gtin, ref.serial)) as Pack;

  it("registers the product and commissions a lot of three packs on mfr-dist", async () => {
    await manufacturer.contract("mfr-dist").submitTransaction("products:RegisterProduct", productJson(gtin));
    const commissioned = await submitJson(manufacturer.contract("mfr-dist"), "packs:CommissionLot", {
      arguments: [JSON.stringify({ gtin, lot, expiry, serials })],
    });
    expect(commissioned).to.include({ gtin, lot, commissioned: 3 });
    await eventually(async () => expect(await packOn(distributor, "mfr-dist", dispensed)).to.include({ status: "COMMISSIONED", owner: "ManufacturerMSP" }));
  });

  it("ships two packs to the distributor, who receives them", async () => {
    const shipmentId = `S1-${id}`;
    await submitJson(manufacturer.contract("mfr-dist"), "shipments:Ship", {
      arguments: [JSON.stringify({ shipmentId, consignee: "DistributorMSP", packs: [dispensed, recalledLater] })],
    });
    await eventually(async () => expect(await packOn(distributor, "mfr-dist", dispensed)).to.include({ status: "IN_TRANSIT" }));
    const shipment = await submitJson(distributor.contract("mfr-dist"), "shipments:Receive", {
      arguments: [JSON.stringify({ shipmentId, packs: [dispensed, recalledLater] })],
    });
    expect(shipment).to.include({ status: "RECEIVED" });
    await eventually(async () => expect(await packOn(manufacturer, "mfr-dist", dispensed)).to.include({ status: "RECEIVED", owner: "DistributorMSP" }));
  });

  it("puts a shipment on cold-chain hold when its readings leave the product's absolute limits", async () => {
    const shipmentId = `S2-${id}`;
    await submitJson(manufacturer.contract("mfr-dist"), "shipments:Ship", {
      arguments: [JSON.stringify({ shipmentId, consignee: "DistributorMSP", packs: [held] })],
    });
    await eventually(() => distributor.contract("mfr-dist").evaluateTransaction("shipments:GetShipment", shipmentId));
    const start = Math.floor(Date.now() / 1000) - 3600;
    const readings = [500, 600, 3000, 700].map((centiCelsius, i) => ({ at: start + i * 600, centiCelsius }));
    // The endorsers are named: Fabric 3.1.5's gateway otherwise plans the
    // manufacturer's peer twice for this write set (the pack's policy and the
    // new cold-chain record's overlap) and fails with "txid exists".
    const coldChain = await submitJson(distributor.contract("mfr-dist"), "coldchain:RecordReadings", {
      arguments: [JSON.stringify({ shipmentId, intervalSeconds: 600, readings })],
      endorsingOrganizations: ["ManufacturerMSP", "DistributorMSP"],
    });
    expect(coldChain).to.deep.include({ absoluteLimitBreached: true });
    expect((coldChain as { hold: { status: string } }).hold.status).to.equal("HELD");
    await eventually(async () => expect((await packOn(regulator, "mfr-dist", held)).marks).to.include("COLD_CHAIN_HOLD"));
  });

  it("hands the received packs off from mfr-dist and imports them on dist-pharm", async () => {
    await submitJson(distributor.contract("mfr-dist"), "crosschannel:HandOff", {
      arguments: [JSON.stringify({ packs: [dispensed, recalledLater], toChannel: "dist-pharm" })],
    });
    await eventually(async () => expect(await packOn(manufacturer, "mfr-dist", dispensed)).to.include({ status: "HANDED_OFF" }));
    const imported = await submitJson(distributor.contract("dist-pharm"), "crosschannel:ImportPacks", {
      arguments: [JSON.stringify({ packs: [dispensed, recalledLater], fromChannel: "mfr-dist" })],
    });
    expect(imported).to.include({ imported: 2 });
    await eventually(async () => expect(await packOn(pharmacy, "dist-pharm", dispensed)).to.include({ status: "RECEIVED", owner: "DistributorMSP" }));
  });

  it("ships the packs to the pharmacy, which receives them", async () => {
    const shipmentId = `S3-${id}`;
    await submitJson(distributor.contract("dist-pharm"), "shipments:Ship", {
      arguments: [JSON.stringify({ shipmentId, consignee: "PharmacyMSP", packs: [dispensed, recalledLater] })],
    });
    await eventually(async () => expect(await packOn(pharmacy, "dist-pharm", dispensed)).to.include({ status: "IN_TRANSIT" }));
    await submitJson(pharmacy.contract("dist-pharm"), "shipments:Receive", {
      arguments: [JSON.stringify({ shipmentId, packs: [dispensed, recalledLater] })],
    });
    expect(await packOn(pharmacy, "dist-pharm", dispensed)).to.include({ status: "RECEIVED", owner: "PharmacyMSP" });
  });

  it("verifies the pack at the pharmacy and dispenses it", async () => {
    const verification = (await evaluateJson(pharmacy.contract("dist-pharm"), "packs:Verify", gtin, dispensed.serial, lot, expiry)) as Verification;
    expect(verification.verified).to.equal(true);
    const result = (await submitJson(pharmacy.contract("dist-pharm"), "packs:Dispense", {
      arguments: [JSON.stringify({ ...dispensed, lot, expiry })],
    })) as { pack?: Pack; alert?: unknown };
    expect(result.pack).to.include({ status: "DISPENSED" });
    expect(result.alert).to.equal(undefined);
  });

  it("raises an already-inactive alert when the same pack is dispensed again", async () => {
    const again = (await submitJson(pharmacy.contract("dist-pharm"), "packs:Dispense", {
      arguments: [JSON.stringify({ ...dispensed, lot, expiry })],
    })) as { alert?: { code: string } };
    expect(again.alert?.code).to.equal("ALREADY_INACTIVE");
    const verification = (await evaluateJson(pharmacy.contract("dist-pharm"), "packs:Verify", gtin, dispensed.serial, lot, expiry)) as Verification;
    expect(verification.verified).to.equal(false);
    expect(verification.additionalInfo).to.include("ALREADY_DECOMMISSIONED");
  });

  it("recalls the lot and every pack of it then fails verification as recalled, on both channels", async () => {
    await manufacturer.contract("mfr-dist").submitTransaction("packs:RecallLot", gtin, lot, "sterility deviation");
    await regulator.contract("dist-pharm").submitTransaction("packs:RecallLot", gtin, lot, "sterility deviation");
    await eventually(async () => {
      const atPharmacy = (await evaluateJson(pharmacy.contract("dist-pharm"), "packs:Verify", gtin, recalledLater.serial, lot, expiry)) as Verification;
      expect(atPharmacy).to.include({ verified: false, reason: "RECALLED" });
    });
    await eventually(async () => {
      const upstream = (await evaluateJson(distributor.contract("mfr-dist"), "packs:Verify", gtin, held.serial, lot, expiry)) as Verification;
      expect(upstream.verified).to.equal(false);
      expect(upstream.additionalInfo).to.include("RECALLED");
    });
  });

  it("refuses to dispense a pack of the recalled lot", async () => {
    const error = await failureOf(() =>
      pharmacy.contract("dist-pharm").submitTransaction("packs:Dispense", JSON.stringify({ ...recalledLater, lot, expiry })),
    );
    expect(chaincodeErrorCode(error)).to.equal("CONFLICT");
  });
});
