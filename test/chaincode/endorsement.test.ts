import { expect } from "chai";
import { KeyEndorsementPolicy } from "fabric-shim";
import { common } from "@hyperledger/fabric-protos";
import { decodeKeyPolicy, encodeKeyPolicy, isRegulatorGoverned, keyPolicy } from "../../chaincode/src/ledger/endorsement.js";
import { KEY_TYPES } from "../../chaincode/src/ledger/keys.js";
import type { FakeLedger } from "../../support/fabric-double.js";
import { DIST, DOWNSTREAM, GTIN, LOT, MFR, PHARM, REG, SOURCE, deliverToDistributor, deliverToPharmacy, lotWorld, refs } from "./support/world.js";

const key = (...parts: string[]): string => `\u0000${parts.map((p) => `${p}\u0000`).join("")}`;
const packKey = (serial: string): string => key("pack", GTIN, serial);
const CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";

/** The decoded policy of the one key starting with `prefix`. */
function policyOf(ledger: FakeLedger, prefix: string): { all: readonly string[]; anyOf: readonly string[] } | undefined {
  const keys = [...ledger.state.keys()].filter((k) => k.startsWith(prefix));
  expect(keys, prefix).to.have.length(1);
  const policy = ledger.keyPolicy(keys[0] ?? "");
  return policy && { all: policy.all, anyOf: policy.anyOf };
}

describe("key-level endorsement policies", () => {
  it("needs the owner's peer and one other member's for master data, packs and their lot", async () => {
    const world = await lotWorld();
    const ledger = world.net.ledger(SOURCE);
    const ownerAndOne = { all: [MFR], anyOf: [DIST, REG] };
    expect(policyOf(ledger, key("product", GTIN))).to.deep.equal(ownerAndOne);
    expect(policyOf(ledger, key("lot", GTIN, LOT))).to.deep.equal(ownerAndOne);
    expect(policyOf(ledger, key("lotpacks", GTIN, LOT))).to.deep.equal(ownerAndOne);
    expect(policyOf(ledger, packKey("SN000000"))).to.deep.equal(ownerAndOne);
  });

  it("needs shipper and consignee for a shipment, its packs in transit and its cold chain; the consignee alone with another after receipt", async () => {
    const world = await lotWorld();
    const ledger = world.net.ledger(SOURCE);
    await world.manufacturer.submit("shipments:Ship", { shipmentId: "S1", consignee: DIST, packs: refs(["SN000000"]) });
    await world.manufacturer.submit("coldchain:RecordReadings", { shipmentId: "S1", intervalSeconds: 300, readings: [{ at: world.net.seconds - 600, centiCelsius: 500 }] });
    const both = { all: [DIST, MFR], anyOf: [] };
    expect(policyOf(ledger, key("shipment", "S1"))).to.deep.equal(both);
    expect(policyOf(ledger, key("coldchain", "S1"))).to.deep.equal(both);
    expect(policyOf(ledger, packKey("SN000000"))).to.deep.equal(both);
    await world.distributor.submit("shipments:Receive", { shipmentId: "S1", packs: refs(["SN000000"]) });
    expect(policyOf(ledger, packKey("SN000000"))).to.deep.equal({ all: [DIST], anyOf: [MFR, REG] });
  });

  it("needs the regulator for a pack carrying a mark only the regulator clears, and lets go of it once cleared", async () => {
    const world = await lotWorld();
    const ledger = world.net.ledger(SOURCE);
    await world.regulator.submit("packs:SetMark", { gtin: GTIN, serial: "SN000000", mark: "ILLEGITIMATE", reason: "counterfeit" });
    await world.manufacturer.submit("packs:SetMark", { gtin: GTIN, serial: "SN000001", mark: "SUSPECT", reason: "damaged seal" });
    await world.manufacturer.submit("packs:SetMark", { gtin: GTIN, serial: "SN000002", mark: "QUARANTINED", reason: "check" });
    expect(policyOf(ledger, packKey("SN000000"))).to.deep.equal({ all: [MFR, REG], anyOf: [] });
    expect(policyOf(ledger, packKey("SN000001"))).to.deep.equal({ all: [MFR, REG], anyOf: [] });
    expect(policyOf(ledger, packKey("SN000002"))).to.deep.equal({ all: [MFR], anyOf: [DIST, REG] });
    await world.regulator.submit("packs:ClearMark", { gtin: GTIN, serial: "SN000000", mark: "ILLEGITIMATE", reason: "genuine" });
    expect(policyOf(ledger, packKey("SN000000"))).to.deep.equal({ all: [MFR], anyOf: [DIST, REG] });
  });

  it("needs the regulator to change a recalled lot or a withdrawn product, whoever recalled it", async () => {
    const world = await lotWorld();
    const ledger = world.net.ledger(SOURCE);
    await world.manufacturer.submit("packs:RecallLot", GTIN, LOT, "contamination");
    await world.regulator.submit("products:WithdrawProduct", GTIN, "unsafe");
    expect(policyOf(ledger, key("lot", GTIN, LOT))).to.deep.equal({ all: [MFR, REG], anyOf: [] });
    expect(policyOf(ledger, key("product", GTIN))).to.deep.equal({ all: [MFR, REG], anyOf: [] });
  });

  it("keeps the downstream mirror under the regulator and one other member, hand-offs under the distributor and one other", async () => {
    const world = await lotWorld();
    await deliverToPharmacy(world, ["SN000000"]);
    const down = world.net.ledger(DOWNSTREAM);
    expect(policyOf(world.net.ledger(SOURCE), key("handoff", GTIN, "SN000000"))).to.deep.equal({ all: [DIST], anyOf: [MFR, REG] });
    expect(policyOf(down, key("lot", GTIN, LOT))).to.deep.equal({ all: [REG], anyOf: [DIST, PHARM] });
    expect(policyOf(down, key("product", GTIN))).to.deep.equal({ all: [REG], anyOf: [DIST, PHARM] });
    expect(policyOf(down, packKey("SN000000"))).to.deep.equal({ all: [PHARM], anyOf: [DIST, REG] });
    await world.manufacturer.submit("packs:RecallLot", GTIN, LOT, "contamination");
    await world.distributorDown.submit("crosschannel:SyncRecall", GTIN, LOT);
    expect(policyOf(down, key("lot", GTIN, LOT))).to.deep.equal({ all: [REG], anyOf: [DIST, PHARM] });
  });

  it("puts alerts and documents under their author and one other member", async () => {
    const world = await lotWorld();
    const ledger = world.net.ledger(SOURCE);
    await deliverToDistributor(world, "S1", ["SN000000"]);
    await world.distributor.submit("packs:Decommission", { gtin: GTIN, serial: "SN000000", reason: "DESTROYED" });
    await world.manufacturer.submit("packs:Decommission", { gtin: GTIN, serial: "SN000000", reason: "DESTROYED" });
    await world.manufacturer.submit("documents:AnchorDocument", { sha256: "1".repeat(64), cid: CID, kind: "OTHER", subject: { type: "product", gtin: GTIN } });
    expect(policyOf(ledger, key("alert", GTIN, "SN000000"))).to.deep.equal({ all: [MFR], anyOf: [DIST, REG] });
    expect(policyOf(ledger, key("document"))).to.deep.equal({ all: [MFR], anyOf: [DIST, REG] });
  });

  it("needs the regulator and the org named for a partner record; the regulator's own stays under the chaincode-level majority", async () => {
    const world = await lotWorld();
    const ledger = world.net.ledger(SOURCE);
    expect(policyOf(ledger, key("partner", MFR))).to.deep.equal({ all: [MFR, REG], anyOf: [] });
    expect(policyOf(ledger, key("partner", REG))).to.equal(undefined);
  });
});

describe("the validation parameter bytes", () => {
  it("name PEER principals only, in one NOutOf that Fabric's own decoder lists", () => {
    const bytes = encodeKeyPolicy({ all: [MFR], anyOf: [DIST, REG] });
    const decoded = decodeKeyPolicy(bytes);
    expect(decoded).to.deep.equal({ all: [MFR], anyOf: [DIST, REG], roles: ["PEER", "PEER", "PEER"] });
    expect(new KeyEndorsementPolicy(bytes).listOrgs().sort()).to.deep.equal([DIST, MFR, REG]);
    const rule = common.SignaturePolicyEnvelope.deserializeBinary(bytes).getRule()?.getNOutOf();
    expect(rule?.getN()).to.equal(2);
  });

  it("require every org of `all` when there is no `anyOf`", () => {
    const bytes = encodeKeyPolicy({ all: [DIST, MFR], anyOf: [] });
    expect(decodeKeyPolicy(bytes)).to.deep.equal({ all: [DIST, MFR], anyOf: [], roles: ["PEER", "PEER"] });
    expect(common.SignaturePolicyEnvelope.deserializeBinary(bytes).getRule()?.getNOutOf()?.getN()).to.equal(2);
  });

  it("are refused by the decoder in any other shape, such as fabric-shim's MEMBER policy of one org", () => {
    const member = new KeyEndorsementPolicy();
    member.addOrgs("MEMBER", MFR);
    expect(decodeKeyPolicy(member.getPolicy()).roles).to.deep.equal(["MEMBER"]);
    const envelope = new common.SignaturePolicyEnvelope();
    envelope.setRule(new common.SignaturePolicy());
    expect(() => decodeKeyPolicy(envelope.serializeBinary())).to.throw(/not NOutOf/);
  });
});

describe("keyPolicy", () => {
  it("adds the regulator to regulator-governed records only", () => {
    expect(isRegulatorGoverned(KEY_TYPES.PACK, { marks: ["QUARANTINED"] })).to.equal(false);
    expect(isRegulatorGoverned(KEY_TYPES.PACK, { marks: ["ILLEGITIMATE"] })).to.equal(true);
    expect(isRegulatorGoverned(KEY_TYPES.SHIPMENT, { recall: {} })).to.equal(false);
    expect(isRegulatorGoverned(KEY_TYPES.LOT, null)).to.equal(false);
    expect(keyPolicy(KEY_TYPES.LOT, { recall: {} }, [MFR], [MFR, DIST, REG])).to.deep.equal({ all: [MFR, REG], anyOf: [] });
  });

  it("leaves a lone org's key to the chaincode-level policy when the channel has no other member", () => {
    expect(keyPolicy(KEY_TYPES.PARTNER, {}, [REG], [])).to.equal(undefined);
    expect(keyPolicy(KEY_TYPES.PARTNER, {}, [REG], [REG])).to.equal(undefined);
  });
});
