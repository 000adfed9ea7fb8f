import { expect } from "chai";
import { Client } from "../../support/fabric-double.js";
import { DIST, EXPIRY, GTIN, LOT, MFR, REG, SOURCE, expectError, lotWorld, partnersWorld, productInput, serials } from "./support/world.js";

describe("packs:CommissionLot", () => {
  it("commissions 1,000 serials in one transaction, each pack owned and endorsed by the manufacturer", async () => {
    const world = await partnersWorld();
    await world.manufacturer.submit("products:RegisterProduct", productInput());
    const answer = await world.manufacturer.submit("packs:CommissionLot", { gtin: GTIN, lot: LOT, expiry: EXPIRY, serials: serials(1000) });
    expect(answer).to.deep.equal({ gtin: GTIN, lot: LOT, expiry: EXPIRY, commissioned: 1000 });
    const pack = await world.distributor.submit("packs:GetPack", GTIN, "SN000999");
    expect(pack).to.include({ status: "COMMISSIONED", owner: MFR, lot: LOT, expiry: EXPIRY, expired: false, recalled: false, withdrawn: false });
    expect(world.net.ledger(SOURCE).keyPolicy(`\u0000pack\u0000${GTIN}\u0000SN000999\u0000`)).to.deep.include({ all: [MFR], anyOf: [DIST, REG] });
    const lot = await world.distributor.submit("packs:GetLot", GTIN, LOT);
    expect(lot).to.include({ packCount: 1000, manufacturer: MFR });
    const event = world.net.ledger(SOURCE).lastEvent();
    expect(event?.name).to.equal("LotCommissioned");
    expect(event?.payload).to.include({ gtin: GTIN, lot: LOT, count: 1000, by: MFR });
  });

  it("commissions 10,000 serials, the batch bound, within a few seconds", async function () {
    this.timeout(20_000);
    const world = await partnersWorld();
    await world.manufacturer.submit("products:RegisterProduct", productInput());
    const started = process.hrtime.bigint();
    await world.manufacturer.submit("packs:CommissionLot", { gtin: GTIN, lot: LOT, expiry: EXPIRY, serials: serials(10_000) });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    expect(seconds).to.be.lessThan(10);
    expect((await world.manufacturer.submit("packs:GetLot", GTIN, LOT)).packCount).to.equal(10_000);
  });

  it("adds a second batch to the same lot and lists the lot's packs", async () => {
    const world = await lotWorld(2);
    await world.manufacturer.submit("packs:CommissionLot", { gtin: GTIN, lot: LOT, expiry: EXPIRY, serials: ["B1"] });
    const packs = await world.regulator.submit<{ serial: string }[]>("packs:ListPacksByLot", GTIN, LOT);
    expect(packs.map((p) => p.serial)).to.deep.equal(["B1", "SN000000", "SN000001"]);
    expect((await world.regulator.submit("packs:GetLot", GTIN, LOT)).packCount).to.equal(3);
  });

  it("rejects the whole batch when one serial already exists, naming it, and writes nothing", async () => {
    const world = await lotWorld(3);
    const before = world.net.ledger(SOURCE).snapshot();
    const error = await expectError(
      world.manufacturer.submit("packs:CommissionLot", { gtin: GTIN, lot: LOT, expiry: EXPIRY, serials: ["NEW1", "SN000001", "NEW2"] }),
      "ALREADY_EXISTS",
      "serials[1]",
    );
    expect(error.detail).to.include(`${GTIN}/SN000001`);
    expect(world.net.ledger(SOURCE).snapshot()).to.equal(before);
    await expectError(world.manufacturer.submit("packs:GetPack", GTIN, "NEW1"), "NOT_FOUND");
  });

  it("rejects a batch with an invalid or repeated serial, naming which", async () => {
    const world = await lotWorld(1);
    const bad = await expectError(world.manufacturer.submit("packs:CommissionLot", { gtin: GTIN, lot: LOT, expiry: EXPIRY, serials: ["A", "B#", "C"] }), "INVALID_ARGUMENT", "serials[1]");
    expect(bad.detail).to.match(/character set 82/);
    const repeated = await expectError(world.manufacturer.submit("packs:CommissionLot", { gtin: GTIN, lot: LOT, expiry: EXPIRY, serials: ["A", "B", "A"] }), "INVALID_ARGUMENT", "serials[2]");
    expect(repeated.detail).to.match(/repeats serial A/);
  });

  it("bounds the batch size to 1-10,000 serials", async () => {
    const world = await lotWorld(1);
    const base = { gtin: GTIN, lot: "L2", expiry: EXPIRY };
    await expectError(world.manufacturer.submit("packs:CommissionLot", { ...base, serials: [] }), "INVALID_ARGUMENT", "serials");
    const error = await expectError(world.manufacturer.submit("packs:CommissionLot", { ...base, serials: serials(10_001) }), "INVALID_ARGUMENT", "serials");
    expect(error.detail).to.equal("serials: must hold 1-10000 items");
    await expectError(world.manufacturer.submit("packs:CommissionLot", { ...base, serials: "SN1" }), "INVALID_ARGUMENT", "serials");
  });

  it("rejects a bad GTIN, lot or expiry and a past expiry", async () => {
    const world = await lotWorld(1);
    await expectError(world.manufacturer.submit("packs:CommissionLot", { gtin: "09521234543214", lot: LOT, expiry: EXPIRY, serials: ["X"] }), "INVALID_ARGUMENT", "gtin");
    await expectError(world.manufacturer.submit("packs:CommissionLot", { gtin: GTIN, lot: "L OT", expiry: EXPIRY, serials: ["X"] }), "INVALID_ARGUMENT", "lot");
    await expectError(world.manufacturer.submit("packs:CommissionLot", { gtin: GTIN, lot: LOT, expiry: "281232", serials: ["X"] }), "INVALID_ARGUMENT", "expiry");
    await expectError(world.manufacturer.submit("packs:CommissionLot", { gtin: GTIN, lot: "OLD", expiry: "251231", serials: ["X"] }), "INVALID_ARGUMENT", "expiry");
  });

  it("rejects a lot commissioned again with another expiry", async () => {
    const world = await lotWorld(1);
    await expectError(world.manufacturer.submit("packs:CommissionLot", { gtin: GTIN, lot: LOT, expiry: "290100", serials: ["X"] }), "CONFLICT", "expiry");
  });

  it("rejects commissioning by an org that did not register the GTIN", async () => {
    const world = await lotWorld(1);
    await expectError(world.distributor.submit("packs:CommissionLot", { gtin: GTIN, lot: LOT, expiry: EXPIRY, serials: ["X"] }), "FORBIDDEN");
    await world.regulatorAdmin.submit("partners:RegisterPartner", { mspId: "OtherPharmaMSP", name: "Other", role: "Manufacturer" });
    const rival = new Client(world.net, SOURCE, "OtherPharmaMSP", { "rxtrace.role": "operator" });
    const error = await expectError(rival.submit("packs:CommissionLot", { gtin: GTIN, lot: LOT, expiry: EXPIRY, serials: ["X"] }), "FORBIDDEN");
    expect(error.detail).to.include(`only ${MFR}`);
  });

  it("rejects commissioning into a recalled lot or a withdrawn GTIN, or of an unknown GTIN", async () => {
    const world = await lotWorld(1);
    await world.manufacturer.submit("packs:RecallLot", GTIN, LOT, "contamination");
    await expectError(world.manufacturer.submit("packs:CommissionLot", { gtin: GTIN, lot: LOT, expiry: EXPIRY, serials: ["X"] }), "CONFLICT", "lot");
    await world.manufacturer.submit("products:WithdrawProduct", GTIN, "ended");
    await expectError(world.manufacturer.submit("packs:CommissionLot", { gtin: GTIN, lot: "L9", expiry: EXPIRY, serials: ["X"] }), "CONFLICT", "gtin");
    await expectError(world.manufacturer.submit("packs:CommissionLot", { gtin: "00350090123456", lot: "L9", expiry: EXPIRY, serials: ["X"] }), "NOT_FOUND", "gtin");
  });
});

describe("packs queries", () => {
  it("answer NOT_FOUND for an unknown pack or lot and INVALID_ARGUMENT for malformed keys", async () => {
    const world = await lotWorld(1);
    await expectError(world.regulator.submit("packs:GetPack", GTIN, "NOPE"), "NOT_FOUND", "serial");
    await expectError(world.regulator.submit("packs:GetLot", GTIN, "NOPE"), "NOT_FOUND", "lot");
    await expectError(world.regulator.submit("packs:ListPacksByLot", GTIN, "NOPE"), "NOT_FOUND", "lot");
    await expectError(world.regulator.submit("packs:GetPack", "123", "S"), "INVALID_ARGUMENT", "gtin");
    await expectError(world.regulator.submit("packs:GetPackHistory", GTIN, "NOPE"), "NOT_FOUND", "serial");
  });
});
