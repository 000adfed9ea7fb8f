import { expect } from "chai";
import { EVENTS } from "../../chaincode/src/index.js";
import { DIST, DOWNSTREAM, GTIN, LOT, MFR, PHARM, REG, SOURCE, deliverToPharmacy, lotWorld, refs, type World } from "./support/world.js";

const decoder = new TextDecoder();

/** A full journey over both channels: commission, ship, receive, cold chain, hand-off, import, dispense, recall, documents. */
async function journey(): Promise<World> {
  const world = await lotWorld(4);
  await deliverToPharmacy(world, ["SN000000", "SN000001"]);
  await world.manufacturer.submit("shipments:Ship", { shipmentId: "COLD", consignee: DIST, packs: refs(["SN000002"]) });
  await world.distributor.submit("coldchain:RecordReadings", { shipmentId: "COLD", intervalSeconds: 300, readings: [{ at: world.net.seconds - 600, centiCelsius: 2700 }] });
  await world.quality.submit("coldchain:ReleaseHold", { shipmentId: "COLD", reason: "stability data" });
  await world.pharmacy.submit("packs:Dispense", { gtin: GTIN, serial: "SN000000", lot: LOT, expiry: "281200" });
  await world.manufacturer.submit("documents:AnchorDocument", { sha256: "c".repeat(64), cid: `bafy${"a".repeat(50)}`, kind: "CERTIFICATE_OF_ANALYSIS", subject: { type: "lot", gtin: GTIN, lot: LOT } });
  await world.regulatorDown.submit("packs:SetMark", { gtin: GTIN, serial: "SN000001", mark: "QUARANTINED", reason: "audit" });
  await world.manufacturer.submit("packs:RecallLot", GTIN, LOT, "sterility");
  await world.distributorDown.submit("crosschannel:SyncRecall", GTIN, LOT);
  return world;
}

describe("ledger invariants over a full journey", () => {
  it("writes byte-identical state, policies and events when two peers execute the same transactions", async () => {
    const first = await journey();
    const second = await journey();
    for (const channel of [SOURCE, DOWNSTREAM]) {
      expect(second.net.ledger(channel).snapshot()).to.equal(first.net.ledger(channel).snapshot());
      expect(JSON.stringify(second.net.ledger(channel).events)).to.equal(JSON.stringify(first.net.ledger(channel).events));
    }
  });

  it("gives every key but the regulator's own partner record a policy of at least two orgs' peers, members of the channel", async () => {
    const world = await journey();
    for (const channel of [SOURCE, DOWNSTREAM]) {
      const ledger = world.net.ledger(channel);
      for (const key of ledger.state.keys()) {
        const policy = ledger.keyPolicy(key);
        if (key === `\u0000partner\u0000${REG}\u0000`) {
          // Written first, when the channel has no other member: the chaincode-level majority governs it.
          expect(policy, "the regulator's partner record").to.equal(undefined);
          continue;
        }
        expect(policy, JSON.stringify(key)).to.not.equal(undefined);
        const orgs = [...(policy?.all ?? []), ...(policy?.anyOf ?? [])];
        expect(new Set(policy?.all).size + (policy?.anyOf.length ? 1 : 0), JSON.stringify(key)).to.be.at.least(2);
        expect(policy?.roles.every((role) => role === "PEER"), JSON.stringify(key)).to.equal(true);
        expect(orgs.every((org) => [MFR, DIST, PHARM, REG].includes(org))).to.equal(true);
      }
    }
  });

  it("stores every record as key-sorted JSON", async () => {
    const world = await journey();
    const sorted = (value: unknown): boolean => {
      if (Array.isArray(value)) return value.every(sorted);
      if (value === null || typeof value !== "object") return true;
      const keys = Object.keys(value);
      return keys.join("\u0000") === [...keys].sort().join("\u0000") && Object.values(value).every(sorted);
    };
    for (const ledger of world.net.ledgers.values()) {
      for (const value of ledger.state.values()) expect(sorted(JSON.parse(decoder.decode(value)))).to.equal(true);
    }
  });

  it("emits exactly one event per committed state-changing transaction, named in the past tense", async () => {
    const world = await journey();
    for (const ledger of world.net.ledgers.values()) {
      const txIds = new Set([...ledger.history.values()].flat().map((h) => h.txId));
      expect(ledger.events.map((e) => e.txId).sort()).to.deep.equal([...txIds].sort());
      for (const event of ledger.events) {
        expect(Object.values(EVENTS)).to.include(event.name);
        expect(event.name).to.match(/^[A-Z][A-Za-z]+ed(Off)?$/);
        expect(event.payload).to.include({ type: event.name, txId: event.txId });
      }
    }
  });

  it("keeps every version of a pack: nothing on chain is deleted", async () => {
    const world = await journey();
    const history = await world.regulatorDown.submit<{ isDelete: boolean }[]>("packs:GetPackHistory", GTIN, "SN000000");
    expect(history.length).to.be.greaterThan(3);
    expect(history.some((h) => h.isDelete)).to.equal(false);
  });
});
