/**
 * The `rxtrace.role` attribute that the org's Fabric CA writes into a client
 * certificate reaches the chaincode: only the manufacturer's identity with
 * role `quality` may release a cold-chain hold.
 */
import { expect } from "chai";
import { FabricSessions, chaincodeErrorCode, eventually, failureOf, runId, submitJson, type OrgSession } from "../../../support/fabric-client.js";
import { commissionLot, packOf, type Lot } from "./scenario.js";

describe("the certificate role attribute at a cold-chain release", function () {
  this.timeout(120_000);
  // Pack writes here need the shipper's and the consignee's peers (see lifecycle.test.ts on naming them).
  const bothPeers = ["ManufacturerMSP", "DistributorMSP"];
  let sessions: FabricSessions;
  let operator: OrgSession;
  let quality: OrgSession;
  let lot: Lot;
  let shipmentId: string;

  before(async () => {
    sessions = new FabricSessions();
    operator = sessions.as("ManufacturerMSP", "operator");
    quality = sessions.as("ManufacturerMSP", "quality");
    const distributor = sessions.as("DistributorMSP", "operator");
    const id = runId();
    lot = await commissionLot(operator, `ROLE${id}`, 1);
    shipmentId = `ROLE-${id}`;
    await submitJson(operator.contract("mfr-dist"), "shipments:Ship", {
      arguments: [JSON.stringify({ shipmentId, consignee: "DistributorMSP", packs: lot.packs })],
    });
    await eventually(() => distributor.contract("mfr-dist").evaluateTransaction("shipments:GetShipment", shipmentId));
    const at = Math.floor(Date.now() / 1000) - 1200;
    await submitJson(distributor.contract("mfr-dist"), "coldchain:RecordReadings", {
      arguments: [JSON.stringify({ shipmentId, intervalSeconds: 600, readings: [{ at, centiCelsius: 500 }, { at: at + 600, centiCelsius: 3000 }] })],
      endorsingOrganizations: bothPeers,
    });
  });
  after(() => sessions.close());

  it("refuses the release to a manufacturer identity whose role is operator", async () => {
    const error = await failureOf(() =>
      submitJson(operator.contract("mfr-dist"), "coldchain:ReleaseHold", {
        arguments: [JSON.stringify({ shipmentId, reason: "logger fault" })],
        endorsingOrganizations: bothPeers,
      }),
    );
    expect(chaincodeErrorCode(error)).to.equal("FORBIDDEN");
    // The hold was written through the distributor's peer; the manufacturer's may commit it a moment later.
    await eventually(async () => expect((await packOf(operator, "mfr-dist", lot.packs[0]!)).marks).to.include("COLD_CHAIN_HOLD"));
  });

  it("lets the manufacturer identity with role quality release the hold", async () => {
    const record = (await submitJson(quality.contract("mfr-dist"), "coldchain:ReleaseHold", {
      arguments: [JSON.stringify({ shipmentId, reason: "stability data reviewed" })],
      endorsingOrganizations: bothPeers,
    })) as { hold: { status: string } };
    expect(record.hold.status).to.equal("RELEASED");
    expect((await packOf(quality, "mfr-dist", lot.packs[0]!)).marks).to.not.include("COLD_CHAIN_HOLD");
  });
});
