import { createHash } from "node:crypto";
import { expect } from "chai";
import { canonicalJson } from "../../chaincode/src/index.js";
import { Client } from "../../support/fabric-double.js";
import { CATALOG, TERMS_COLLECTION, termsCollection } from "@rxtrace/domain";
import { DIST, DOWNSTREAM, GTIN, LOT, MFR, PHARM, REG, SOURCE, deliverToDistributor, expectError, lotWorld, refs } from "./support/world.js";

const TERMS = { price: "1250.00", currency: "EUR", quantity: 3, invoiceRef: "INV-2026-001" };
const HASH = "a".repeat(64);

describe("shipments:Ship", () => {
  it("moves the owner's packs into transit, endorsed by shipper and consignee, with terms only as a hash on the channel", async () => {
    const world = await lotWorld(3);
    const list = ["SN000000", "SN000001"];
    const shipment = await world.manufacturer.submitWithTransient(
      "shipments:Ship",
      { terms: JSON.stringify(TERMS) },
      { shipmentId: "SHIP-1", consignee: DIST, packs: refs(list), transactionInfoHash: HASH, statementHash: HASH },
    );
    expect(shipment).to.include({ shipmentId: "SHIP-1", shipper: MFR, consignee: DIST, status: "IN_TRANSIT", transactionInfoHash: HASH });
    const termsBytes = new TextEncoder().encode(canonicalJson(TERMS));
    expect(shipment.termsHash).to.equal(createHash("sha256").update(termsBytes).digest("hex"));
    const ledger = world.net.ledger(SOURCE);
    expect(JSON.stringify([...ledger.state.values()].map((v) => new TextDecoder().decode(v)))).not.to.include("INV-2026-001");
    const pack = await world.distributor.submit("packs:GetPack", GTIN, "SN000000");
    expect(pack).to.include({ status: "IN_TRANSIT", owner: MFR, consignee: DIST, shipmentId: "SHIP-1" });
    expect(ledger.keyPolicy(`\u0000pack\u0000${GTIN}\u0000SN000000\u0000`)).to.deep.include({ all: [DIST, MFR], anyOf: [] });
    expect(ledger.lastEvent()?.payload).to.include({ type: "ShipmentShipped", shipmentId: "SHIP-1", count: 2, consignee: DIST });
    const read = await world.distributor.submit("shipments:GetTerms", "SHIP-1");
    expect(read).to.deep.equal({ shipmentId: "SHIP-1", terms: TERMS, hashMatches: true });
  });

  it("keeps the terms in the trading pair's own collection and says which on the shipment", async () => {
    const world = await lotWorld(1);
    const shipment = await world.manufacturer.submitWithTransient("shipments:Ship", { terms: JSON.stringify(TERMS) }, { shipmentId: "S", consignee: DIST, packs: refs(["SN000000"]) });
    expect(shipment.termsCollection).to.equal(`${TERMS_COLLECTION}-${DIST}-${MFR}`).and.to.equal(termsCollection(MFR, DIST));
    const ledger = world.net.ledger(SOURCE);
    expect([...(ledger.privateData.get(termsCollection(DIST, MFR))?.keys() ?? [])]).to.deep.equal(["terms\u0000S"]);
    expect(ledger.privateData.get(TERMS_COLLECTION)).to.equal(undefined);
  });

  it("reads the terms of a shipment from before pairs had their own collection from tradeTerms", async () => {
    const world = await lotWorld(1);
    await world.manufacturer.submitWithTransient("shipments:Ship", { terms: JSON.stringify(TERMS) }, { shipmentId: "S", consignee: DIST, packs: refs(["SN000000"]) });
    // As an older chaincode wrote it: no termsCollection, the terms in tradeTerms.
    const ledger = world.net.ledger(SOURCE);
    const key = "\u0000shipment\u0000S\u0000";
    const { termsCollection: pair, ...old } = JSON.parse(new TextDecoder().decode(ledger.state.get(key)));
    ledger.state.set(key, new TextEncoder().encode(JSON.stringify(old)));
    ledger.privateData.set(TERMS_COLLECTION, new Map(ledger.privateData.get(pair)));
    ledger.privateData.delete(pair);
    expect(await world.distributor.submit("shipments:GetTerms", "S")).to.deep.equal({ shipmentId: "S", terms: TERMS, hashMatches: true });
  });

  it("keeps a later member's terms from the first pharmacy, and refuses terms for a pair the definition has no collection for", async () => {
    const world = await lotWorld(2);
    const PHARM2 = "Pharmacy2MSP";
    const pharmacy2 = new Client(world.net, DOWNSTREAM, PHARM2, { "rxtrace.role": "pharmacist" });
    await world.regulatorAdminDown.submit(CATALOG.partners.RegisterPartner.qualified, { mspId: PHARM2, name: "Pharmacy 2", role: "Pharmacy" });
    await deliverToDistributor(world, "SHIP-MD", ["SN000000", "SN000001"]);
    await world.distributor.submit(CATALOG.crosschannel.HandOff.qualified, { packs: refs(["SN000000", "SN000001"]), toChannel: DOWNSTREAM });
    await world.distributorDown.submit(CATALOG.crosschannel.ImportPacks.qualified, { packs: refs(["SN000000", "SN000001"]), fromChannel: SOURCE });
    const ship = { shipmentId: "SHIP-P2", consignee: PHARM2, packs: refs(["SN000000"]) };
    // Before the definition that adds the pair's collection, terms for the pair cannot be written, and nothing is.
    const refused = await world.distributorDown.submitWithTransient("shipments:Ship", { terms: JSON.stringify(TERMS) }, ship).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(String(refused)).to.include(`collection ${termsCollection(DIST, PHARM2)} is not defined`);
    expect((await world.distributorDown.submit("packs:GetPack", GTIN, "SN000000")).status).to.equal("RECEIVED");
    world.net.addTradingPartner(DOWNSTREAM, PHARM2);
    const shipment = await world.distributorDown.submitWithTransient("shipments:Ship", { terms: JSON.stringify(TERMS) }, ship);
    expect(shipment.termsCollection).to.equal(termsCollection(DIST, PHARM2));
    expect(world.net.isMember(DOWNSTREAM, shipment.termsCollection, PHARM)).to.equal(false);
    expect(world.net.isMember(DOWNSTREAM, shipment.termsCollection, PHARM2)).to.equal(true);
    expect(await pharmacy2.submit("shipments:GetTerms", "SHIP-P2")).to.deep.include({ terms: TERMS, hashMatches: true });
    await expectError(world.pharmacy.submit("shipments:GetTerms", "SHIP-P2"), "FORBIDDEN");
    // The founding pair's shipments still use their own collection.
    await world.distributorDown.submitWithTransient("shipments:Ship", { terms: JSON.stringify(TERMS) }, { shipmentId: "SHIP-P1", consignee: PHARM, packs: refs(["SN000001"]) });
    expect(await world.pharmacy.submit("shipments:GetTerms", "SHIP-P1")).to.deep.include({ terms: TERMS, hashMatches: true });
  });

  it("keeps the terms from the regulator, which is not a member of the collection", async () => {
    const world = await lotWorld(1);
    await world.manufacturer.submitWithTransient("shipments:Ship", { terms: JSON.stringify(TERMS) }, { shipmentId: "S", consignee: DIST, packs: refs(["SN000000"]) });
    await expectError(world.regulator.submit("shipments:GetTerms", "S"), "FORBIDDEN");
  });

  it("ships without terms when the transient map has none", async () => {
    const world = await lotWorld(1);
    const shipment = await world.manufacturer.submit("shipments:Ship", { shipmentId: "S", consignee: DIST, packs: refs(["SN000000"]) });
    expect(shipment.termsHash).to.equal(undefined);
    await expectError(world.distributor.submit("shipments:GetTerms", "S"), "NOT_FOUND", "shipmentId");
  });

  it("rejects a pack shipped by an org that does not hold it", async () => {
    const world = await lotWorld(1);
    await expectError(world.distributor.submit("shipments:Ship", { shipmentId: "S", consignee: MFR, packs: refs(["SN000000"]) }), "FORBIDDEN");
  });

  it("rejects a repeated shipment id so a client retry cannot ship twice", async () => {
    const world = await lotWorld(2);
    await world.manufacturer.submit("shipments:Ship", { shipmentId: "S", consignee: DIST, packs: refs(["SN000000"]) });
    await expectError(world.manufacturer.submit("shipments:Ship", { shipmentId: "S", consignee: DIST, packs: refs(["SN000001"]) }), "ALREADY_EXISTS", "shipmentId");
  });

  it("rejects a pack already in transit", async () => {
    const world = await lotWorld(2);
    await world.manufacturer.submit("shipments:Ship", { shipmentId: "S1", consignee: DIST, packs: refs(["SN000000"]) });
    await expectError(world.manufacturer.submit("shipments:Ship", { shipmentId: "S2", consignee: DIST, packs: refs(["SN000001", "SN000000"]) }), "CONFLICT", "packs[0]");
  });

  it("rejects packs of a recalled lot, a withdrawn GTIN, a marked pack and an expired pack", async () => {
    const recalled = await lotWorld(1);
    await recalled.manufacturer.submit("packs:RecallLot", GTIN, LOT, "r");
    const error = await expectError(recalled.manufacturer.submit("shipments:Ship", { shipmentId: "S", consignee: DIST, packs: refs(["SN000000"]) }), "CONFLICT", "packs[0]");
    expect(error.detail).to.match(/recalled/);
    const withdrawn = await lotWorld(1);
    await withdrawn.manufacturer.submit("products:WithdrawProduct", GTIN, "w");
    expect((await expectError(withdrawn.manufacturer.submit("shipments:Ship", { shipmentId: "S", consignee: DIST, packs: refs(["SN000000"]) }), "CONFLICT")).detail).to.match(/withdrawn/);
    const marked = await lotWorld(1);
    await marked.manufacturer.submit("packs:SetMark", { gtin: GTIN, serial: "SN000000", mark: "QUARANTINED", reason: "check" });
    expect((await expectError(marked.manufacturer.submit("shipments:Ship", { shipmentId: "S", consignee: DIST, packs: refs(["SN000000"]) }), "CONFLICT")).detail).to.match(/QUARANTINED/);
    const expired = await lotWorld(1);
    expired.net.advance(3 * 366 * 24 * 3600);
    expect((await expectError(expired.manufacturer.submit("shipments:Ship", { shipmentId: "S", consignee: DIST, packs: refs(["SN000000"]) }), "CONFLICT")).detail).to.match(/expired/);
  });

  it("rejects an unknown, unregistered, regulator or self consignee", async () => {
    const world = await lotWorld(1);
    const ship = (consignee: string): Promise<unknown> => world.manufacturer.submit("shipments:Ship", { shipmentId: "S", consignee, packs: refs(["SN000000"]) });
    await expectError(ship(PHARM), "NOT_FOUND", "consignee");
    await expectError(ship(REG), "INVALID_ARGUMENT", "consignee");
    await expectError(ship(MFR), "INVALID_ARGUMENT", "consignee");
    await expectError(ship("bad msp"), "INVALID_ARGUMENT", "consignee");
  });

  it("names the field of malformed shipments and terms", async () => {
    const world = await lotWorld(1);
    const base = { shipmentId: "S", consignee: DIST, packs: refs(["SN000000"]) };
    await expectError(world.manufacturer.submit("shipments:Ship", { ...base, shipmentId: "has space" }), "INVALID_ARGUMENT", "shipmentId");
    await expectError(world.manufacturer.submit("shipments:Ship", { ...base, packs: [] }), "INVALID_ARGUMENT", "packs");
    await expectError(world.manufacturer.submit("shipments:Ship", { ...base, packs: [{ gtin: GTIN, serial: "SN000000" }, { gtin: GTIN, serial: "SN000000" }] }), "INVALID_ARGUMENT", "packs[1]");
    await expectError(world.manufacturer.submit("shipments:Ship", { ...base, packs: [{ gtin: GTIN }] }), "INVALID_ARGUMENT", "packs[0].serial");
    await expectError(world.manufacturer.submit("shipments:Ship", { ...base, packs: ["x"] }), "INVALID_ARGUMENT", "packs[0]");
    await expectError(world.manufacturer.submit("shipments:Ship", { ...base, statementHash: "ABC" }), "INVALID_ARGUMENT", "statementHash");
    await expectError(world.manufacturer.submit("shipments:Ship", { ...base, packs: refs(["NOPE"]) }), "NOT_FOUND", "packs[0]");
    const withTerms = (terms: unknown): Promise<unknown> => world.manufacturer.submitWithTransient("shipments:Ship", { terms: JSON.stringify(terms) }, base);
    await expectError(withTerms({ ...TERMS, price: "12,50" }), "INVALID_ARGUMENT", "terms.price");
    await expectError(withTerms({ ...TERMS, currency: "eur" }), "INVALID_ARGUMENT", "terms.currency");
    await expectError(withTerms({ ...TERMS, quantity: 0 }), "INVALID_ARGUMENT", "terms.quantity");
    await expectError(withTerms({ ...TERMS, invoiceRef: "" }), "INVALID_ARGUMENT", "terms.invoiceRef");
    await expectError(world.manufacturer.submitWithTransient("shipments:Ship", { terms: "{" }, base), "INVALID_ARGUMENT", "terms");
  });

  it("rejects an org that is not a partner on the channel", async () => {
    const world = await lotWorld(1);
    const stranger = new Client(world.net, SOURCE, PHARM, { "rxtrace.role": "operator" });
    await expectError(stranger.submit("shipments:Ship", { shipmentId: "S", consignee: DIST, packs: refs(["SN000000"]) }), "FORBIDDEN");
  });
});

describe("shipments:Receive", () => {
  it("accepts the exact shipped set: packs become RECEIVED, owned and endorsed by the consignee", async () => {
    const world = await lotWorld(2);
    await world.manufacturer.submit("shipments:Ship", { shipmentId: "S", consignee: DIST, packs: refs(["SN000000", "SN000001"]) });
    const shipment = await world.distributor.submit("shipments:Receive", { shipmentId: "S", packs: refs(["SN000001", "SN000000"]) });
    expect(shipment).to.include({ status: "RECEIVED" });
    const pack = await world.distributor.submit("packs:GetPack", GTIN, "SN000001");
    expect(pack).to.include({ status: "RECEIVED", owner: DIST });
    expect(pack.consignee).to.equal(undefined);
    expect(world.net.ledger(SOURCE).keyPolicy(`\u0000pack\u0000${GTIN}\u0000SN000001\u0000`)).to.deep.include({ all: [DIST], anyOf: [MFR, REG] });
    expect(world.net.ledger(SOURCE).lastEvent()?.payload).to.include({ type: "ShipmentReceived", count: 2 });
  });

  it("records an exception for a different set, leaves the packs in transit, and accepts a later correct recount", async () => {
    const world = await lotWorld(3);
    await world.manufacturer.submit("shipments:Ship", { shipmentId: "S", consignee: DIST, packs: refs(["SN000000", "SN000001"]) });
    const exception = await world.distributor.submit("shipments:Receive", { shipmentId: "S", packs: refs(["SN000000", "SN000002"]) });
    expect(exception.status).to.equal("EXCEPTION");
    expect(exception.exception.missing).to.deep.equal(refs(["SN000001"]));
    expect(exception.exception.unexpected).to.deep.equal(refs(["SN000002"]));
    expect(world.net.ledger(SOURCE).lastEvent()?.name).to.equal("ShipmentExceptionRecorded");
    expect((await world.distributor.submit("packs:GetPack", GTIN, "SN000000")).status).to.equal("IN_TRANSIT");
    const recount = await world.distributor.submit("shipments:Receive", { shipmentId: "S", packs: refs(["SN000000", "SN000001"]) });
    expect(recount.status).to.equal("RECEIVED");
  });

  it("rejects a receipt by anyone but the consignee", async () => {
    const world = await lotWorld(1);
    await world.manufacturer.submit("shipments:Ship", { shipmentId: "S", consignee: DIST, packs: refs(["SN000000"]) });
    await expectError(world.manufacturer.submit("shipments:Receive", { shipmentId: "S", packs: refs(["SN000000"]) }), "FORBIDDEN");
    await expectError(world.regulator.submit("shipments:Receive", { shipmentId: "S", packs: refs(["SN000000"]) }), "FORBIDDEN");
  });

  it("rejects receiving a shipment twice", async () => {
    const world = await lotWorld(1);
    await deliverToDistributor(world, "S", ["SN000000"]);
    await expectError(world.distributor.submit("shipments:Receive", { shipmentId: "S", packs: refs(["SN000000"]) }), "CONFLICT", "shipmentId");
  });

  it("rejects an unknown shipment and malformed input", async () => {
    const world = await lotWorld(1);
    await expectError(world.distributor.submit("shipments:Receive", { shipmentId: "NOPE", packs: refs(["SN000000"]) }), "NOT_FOUND", "shipmentId");
    await expectError(world.distributor.submit("shipments:GetShipment", "NOPE"), "NOT_FOUND", "shipmentId");
    await expectError(world.distributor.submit("shipments:Receive", { shipmentId: "S" }), "INVALID_ARGUMENT", "packs");
  });

  it("lets a received pack ship onward from RECEIVED", async () => {
    const world = await lotWorld(1);
    await deliverToDistributor(world, "S", ["SN000000"]);
    await world.regulatorAdmin.submit("partners:RegisterPartner", { mspId: "Distributor2MSP", name: "D2", role: "Distributor" });
    const onward = await world.distributor.submit("shipments:Ship", { shipmentId: "S2", consignee: "Distributor2MSP", packs: refs(["SN000000"]) });
    expect(onward.shipper).to.equal(DIST);
    expect((await world.regulator.submit("shipments:GetShipment", "S")).status).to.equal("RECEIVED");
  });
});
