/**
 * Commercial terms of a shipment live in the trading pair's private data
 * collection `tradeTerms`: the two partners read them, the regulator sees only
 * their hash on the channel, and the pharmacy is not even on the channel.
 */
import { expect } from "chai";
import { FabricSessions, chaincodeErrorCode, evaluateJson, eventually, failureOf, runId, submitJsonOnceEndorsersCatchUp, type OrgSession } from "../../../support/fabric-client.js";
import { commissionLot } from "./scenario.js";

interface TermsView {
  shipmentId: string;
  terms: Record<string, unknown>;
  hashMatches: boolean;
}

describe("private trade terms on mfr-dist", function () {
  this.timeout(120_000);
  const terms = { price: "1234.50", currency: "EUR", quantity: 2, invoiceRef: "INV-42" };
  let sessions: FabricSessions;
  let manufacturer: OrgSession;
  let distributor: OrgSession;
  let regulator: OrgSession;
  let shipmentId: string;

  before(async () => {
    sessions = new FabricSessions();
    manufacturer = sessions.as("ManufacturerMSP", "operator");
    distributor = sessions.as("DistributorMSP", "operator");
    regulator = sessions.as("RegulatorMSP", "auditor");
    const id = runId();
    const lot = await commissionLot(manufacturer, `PDC${id}`, 2);
    shipmentId = `PDC-${id}`;
    // Transient data goes only to the orgs named here: the shipper's and the
    // consignee's peers, the collection's two members (a new shipment needs a
    // majority of the channel's peers; the regulator's is not asked).
    // The distributor's peer may not have the commission's block yet.
    await submitJsonOnceEndorsersCatchUp(manufacturer.contract("mfr-dist"), "shipments:Ship", {
      arguments: [JSON.stringify({ shipmentId, consignee: "DistributorMSP", packs: lot.packs })],
      transientData: { terms: JSON.stringify(terms) },
      endorsingOrganizations: ["ManufacturerMSP", "DistributorMSP"],
    });
  });
  after(() => sessions.close());

  it("lets the shipper read the terms, matching the hash on the channel", async () => {
    const view = (await evaluateJson(manufacturer.contract("mfr-dist"), "shipments:GetTerms", shipmentId)) as TermsView;
    expect(view.terms).to.deep.equal(terms);
    expect(view.hashMatches).to.equal(true);
  });

  it("lets the consignee read the same terms from its own peer", async () => {
    const view = await eventually(async () => (await evaluateJson(distributor.contract("mfr-dist"), "shipments:GetTerms", shipmentId)) as TermsView);
    expect(view.terms).to.deep.equal(terms);
    expect(view.hashMatches).to.equal(true);
  });

  it("shows the regulator only the hash of the terms, never the terms", async () => {
    const shipment = await eventually(async () => (await evaluateJson(regulator.contract("mfr-dist"), "shipments:GetShipment", shipmentId)) as { termsHash?: string });
    expect(shipment.termsHash).to.match(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(shipment)).to.not.contain("INV-42");
    const error = await failureOf(() => regulator.contract("mfr-dist").evaluateTransaction("shipments:GetTerms", shipmentId));
    expect(chaincodeErrorCode(error)).to.be.oneOf(["FORBIDDEN", "NOT_FOUND"]);
  });

  it("keeps the pharmacy out: it cannot query mfr-dist at all", async () => {
    const pharmacy = sessions.as("PharmacyMSP", "pharmacist");
    const error = await failureOf(() => pharmacy.contract("mfr-dist").evaluateTransaction("shipments:GetTerms", shipmentId));
    expect((error as Error).message).to.match(/mfr-dist/);
  });
});
