import { expect } from "chai";
import { Client, FakeNetwork } from "../../support/fabric-double.js";
import { DIST, MFR, REG, SOURCE, expectError, partnersWorld } from "./support/world.js";

describe("partners:RegisterPartner", () => {
  it("lets the regulator register itself first, then the other orgs, each record endorsed by the regulator and the org it names", async () => {
    const world = await partnersWorld();
    const ledger = world.net.ledger(SOURCE);
    const partner = await world.regulator.submit("partners:GetPartner", MFR);
    expect(partner).to.include({ mspId: MFR, role: "Manufacturer", registeredBy: REG });
    expect(ledger.keyPolicy("\u0000partner\u0000ManufacturerMSP\u0000")).to.deep.include({ all: [MFR, REG], anyOf: [] });
    expect(ledger.lastEvent()?.name).to.equal("PartnerRegistered");
    const all = await world.distributor.submit<{ mspId: string }[]>("partners:ListPartners");
    expect(all.map((p) => p.mspId)).to.deep.equal([DIST, MFR, REG]);
  });

  it("rejects registration by any org other than the regulator", async () => {
    const world = await partnersWorld();
    await expectError(world.manufacturer.submit("partners:RegisterPartner", { mspId: "OtherMSP", name: "Other", role: "Pharmacy" }), "FORBIDDEN");
  });

  it("rejects registering the same org twice", async () => {
    const world = await partnersWorld();
    await expectError(world.regulatorAdmin.submit("partners:RegisterPartner", { mspId: MFR, name: "Again", role: "Manufacturer" }), "ALREADY_EXISTS", "mspId");
  });

  it("requires the regulator to be registered before anyone else", async () => {
    const net = new FakeNetwork({ [SOURCE]: { tradingPartners: [] } });
    const regulator = new Client(net, SOURCE, REG, {}, "admin");
    await expectError(regulator.submit("partners:RegisterPartner", { mspId: MFR, name: "M", role: "Manufacturer" }), "FORBIDDEN");
    await expectError(regulator.submit("partners:RegisterPartner", { mspId: REG, name: "R", role: "Pharmacy" }), "INVALID_ARGUMENT", "role");
    expect(net.ledger(SOURCE).state.size).to.equal(0);
  });

  it("names the field and rule of bad input", async () => {
    const world = await partnersWorld();
    await expectError(world.regulatorAdmin.submit("partners:RegisterPartner", "{not json"), "INVALID_ARGUMENT", "partner");
    await expectError(world.regulatorAdmin.submit("partners:RegisterPartner", "[]"), "INVALID_ARGUMENT", "partner");
    await expectError(world.regulatorAdmin.submit("partners:RegisterPartner", { mspId: "1bad", name: "x", role: "Pharmacy" }), "INVALID_ARGUMENT", "mspId");
    await expectError(world.regulatorAdmin.submit("partners:RegisterPartner", { mspId: "NewMSP", name: "", role: "Pharmacy" }), "INVALID_ARGUMENT", "name");
    const error = await expectError(world.regulatorAdmin.submit("partners:RegisterPartner", { mspId: "NewMSP", name: "x", role: "Wholesaler" }), "INVALID_ARGUMENT", "role");
    expect(error.detail).to.match(/must be one of Manufacturer, Distributor, Pharmacy, Regulator/);
  });
});

describe("partners:GetPartner", () => {
  it("answers NOT_FOUND for an unregistered org and INVALID_ARGUMENT for a malformed id", async () => {
    const world = await partnersWorld();
    await expectError(world.regulator.submit("partners:GetPartner", "PharmacyMSP"), "NOT_FOUND", "mspId");
    await expectError(world.regulator.submit("partners:GetPartner", "no spaces"), "INVALID_ARGUMENT", "mspId");
  });
});
