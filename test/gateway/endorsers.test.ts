import { expect } from "chai";
import { endorsersFor } from "../../gateway/src/adapters/endorsers.js";
import type { NetworkDescription } from "../../gateway/src/adapters/fabric-network.js";

const network = {
  channels: [
    { name: "mfr-dist", orgs: ["ManufacturerMSP", "DistributorMSP", "RegulatorMSP"] },
    { name: "dist-pharm", orgs: ["DistributorMSP", "PharmacyMSP", "RegulatorMSP"] },
  ],
  orgs: [],
} as unknown as NetworkDescription;

const call = (channel: string, transaction: string, endorsingOrganizations?: string[]) => ({ channel, transaction, endorsingOrganizations });

describe("endorsersFor", () => {
  it("adds the regulator's peer to a call naming only its caller's org", () => {
    expect(endorsersFor(network, call("mfr-dist", "packs:CommissionLot", ["ManufacturerMSP"]), "ManufacturerMSP")).to.deep.equal(["ManufacturerMSP", "RegulatorMSP"]);
    expect(endorsersFor(network, call("dist-pharm", "packs:Dispense"), "PharmacyMSP")).to.deep.equal(["PharmacyMSP", "RegulatorMSP"]);
  });

  it("adds the member joined to most channels when the regulator is the one org named, so a cross-channel read can be endorsed", () => {
    expect(endorsersFor(network, call("dist-pharm", "crosschannel:SyncRecall", ["RegulatorMSP"]), "RegulatorMSP")).to.deep.equal(["RegulatorMSP", "DistributorMSP"]);
    expect(endorsersFor(network, call("mfr-dist", "partners:RegisterPartner"), "RegulatorMSP")).to.deep.equal(["RegulatorMSP", "DistributorMSP"]);
  });

  it("keeps a call that already names two orgs, such as a shipment's shipper and consignee (the regulator never sees its terms)", () => {
    expect(endorsersFor(network, call("mfr-dist", "shipments:Ship", ["ManufacturerMSP", "DistributorMSP"]), "ManufacturerMSP")).to.deep.equal(["ManufacturerMSP", "DistributorMSP"]);
  });

  it("asks two orgs on a channel a fourth member has joined too, the second one on both channels where the call reads across them", () => {
    const joined = {
      ...network,
      channels: [network.channels[0], { name: "dist-pharm", orgs: ["DistributorMSP", "PharmacyMSP", "RegulatorMSP", "Pharmacy2MSP"] }],
    } as unknown as NetworkDescription;
    expect(endorsersFor(joined, call("dist-pharm", "shipments:Ship", ["DistributorMSP", "Pharmacy2MSP"]), "DistributorMSP")).to.deep.equal(["DistributorMSP", "Pharmacy2MSP"]);
    expect(endorsersFor(joined, call("dist-pharm", "packs:Dispense"), "Pharmacy2MSP")).to.deep.equal(["Pharmacy2MSP", "RegulatorMSP"]);
    expect(endorsersFor(joined, call("dist-pharm", "crosschannel:SyncRecall", ["RegulatorMSP"]), "RegulatorMSP")).to.deep.equal(["RegulatorMSP", "DistributorMSP"]);
  });

  it("keeps the caller's org alone for writes to its own implicit collection", () => {
    expect(endorsersFor(network, call("mfr-dist", "documents:PutDocumentKey", ["ManufacturerMSP"]), "ManufacturerMSP")).to.deep.equal(["ManufacturerMSP"]);
    expect(endorsersFor(network, call("mfr-dist", "documents:PurgeDocumentKey"), "ManufacturerMSP")).to.deep.equal(["ManufacturerMSP"]);
  });

  it("names what it can on a channel with no other member", () => {
    expect(endorsersFor(network, call("solo", "packs:CommissionLot", ["ManufacturerMSP"]), "ManufacturerMSP")).to.deep.equal(["ManufacturerMSP"]);
  });
});
