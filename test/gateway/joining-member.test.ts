/**
 * A member that joins after launch (support/joining-member.ts: a second
 * pharmacy on dist-pharm) is an org of the topology like the founding four:
 * the loader accepts it, channel membership includes it, the access policy
 * grants it what a pharmacy gets (grants go by partner role), and an MSP id no
 * org of the topology has is refused wherever one comes in.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { PHARMACY2_ORG, withPharmacy2 } from "../../support/joining-member.js";
import { parseKeyFile } from "../../gateway/src/auth/api-keys.js";
import { ACTIONS, isAllowed, type Action } from "../../gateway/src/auth/policy.js";
import { isMspId, ROLES, type Principal, type Role } from "../../gateway/src/auth/principal.js";
import { MspId as MspIdSchema } from "../../gateway/src/routes/schemas.js";
import { channelMembers, channelsOf, parseTopology, type Topology } from "../../gateway/src/topology.js";
import { KEY_RECORDS } from "./support/app.js";

const repo = path.resolve(import.meta.dirname, "../..");
const read = (file: string) => readFileSync(path.join(repo, file), "utf8");
const founding = (): Topology => JSON.parse(read("network/topology.json")) as Topology;
/** network/topology.json with the second pharmacy, as plain JSON to break. */
const joined = () => JSON.parse(JSON.stringify(withPharmacy2(founding()))) as { orgs: Record<string, unknown>[]; channels: { orgs: string[]; tradingPartners: string[] }[] };
const who = (mspId: string, role: Role): Principal => ({ keyId: "k", user: role, mspId, role });

/** The grants by MSP id as they were before they went by partner role: the founding orgs keep exactly these. */
const TRADERS = ["operator", "quality", "pharmacist", "admin"];
const ANY_TRADER = { ManufacturerMSP: TRADERS, DistributorMSP: TRADERS, PharmacyMSP: TRADERS };
const REGULATOR = ["auditor", "admin"];
const FOUNDING_GRANTS: Readonly<Record<Action, Readonly<Record<string, readonly string[]>>>> = {
  read: { ...ANY_TRADER, RegulatorMSP: REGULATOR },
  "partner.register": { RegulatorMSP: ["admin"] },
  "product.register": { ManufacturerMSP: ["operator", "quality", "admin"] },
  "lot.commission": { ManufacturerMSP: ["operator", "admin"] },
  "shipment.ship": ANY_TRADER,
  "shipment.receive": ANY_TRADER,
  "return.ship": { PharmacyMSP: TRADERS },
  "return.verify": { DistributorMSP: TRADERS },
  "container.pack": ANY_TRADER,
  "pack.handoff": { DistributorMSP: TRADERS },
  "coldchain.record": ANY_TRADER,
  "coldchain.release": { ManufacturerMSP: ["quality"], RegulatorMSP: REGULATOR },
  "coldchain.decideDownstream": { ManufacturerMSP: ["quality"] },
  "pack.dispense": { PharmacyMSP: ["pharmacist", "operator", "admin"] },
  "pack.undoDecommission": ANY_TRADER,
  "pack.decommission": ANY_TRADER,
  "lot.recall": { ManufacturerMSP: ["quality", "operator", "admin"], RegulatorMSP: REGULATOR },
  "gtin.withdraw": { ManufacturerMSP: ["quality", "operator", "admin"], RegulatorMSP: REGULATOR },
  "pack.mark": { ...ANY_TRADER, RegulatorMSP: REGULATOR },
  "pack.quarantine": ANY_TRADER,
  "pack.markSuspect": { ...ANY_TRADER, RegulatorMSP: REGULATOR },
  "pack.markIllegitimate": { RegulatorMSP: REGULATOR, ManufacturerMSP: ["quality", "admin"] },
  "document.write": ANY_TRADER,
  "document.erase": ANY_TRADER,
  "evm.anchor": { ...ANY_TRADER, RegulatorMSP: ["admin"] },
  "investigation.open": { ...ANY_TRADER, RegulatorMSP: REGULATOR },
  "investigation.determine": { ...ANY_TRADER, RegulatorMSP: REGULATOR },
  "investigation.notify": ANY_TRADER,
  "investigation.dispose": ANY_TRADER,
  "investigation.close": { ...ANY_TRADER, RegulatorMSP: REGULATOR },
  "tracing.request": { RegulatorMSP: REGULATOR },
  "tracing.answer": ANY_TRADER,
};

describe("a member that joins after launch (a second pharmacy on dist-pharm)", () => {
  const topology = parseTopology(withPharmacy2(founding()));

  describe("the topology loader", () => {
    it("accepts the extra org, a member and trading partner of dist-pharm only, outside the ordering service", () => {
      expect(topology.orgs.map((o) => o.mspId)).to.deep.equal(["ManufacturerMSP", "DistributorMSP", "PharmacyMSP", "RegulatorMSP", "Pharmacy2MSP"]);
      expect(channelMembers("dist-pharm", topology)).to.deep.equal(["DistributorMSP", "PharmacyMSP", "RegulatorMSP", "Pharmacy2MSP"]);
      expect(channelMembers("mfr-dist", topology)).not.to.include("Pharmacy2MSP");
      expect(channelsOf("Pharmacy2MSP", topology)).to.deep.equal(["dist-pharm"]);
      expect(topology.ordering.bft).not.to.include(PHARMACY2_ORG.name);
    });

    it("leaves the topology it extends as it was", () => {
      const before = founding();
      withPharmacy2(before);
      expect(before).to.deep.equal(founding());
    });

    it("refuses a partner role the policy does not know, naming the field", () => {
      const t = joined();
      t.orgs[4]!.partner = { name: "Wholesaler", role: "Wholesaler" };
      expect(() => parseTopology(t)).to.throw("topology /orgs/4/partner/role: must be equal to one of the allowed values");
    });

    for (const [field, value, rule] of [
      ["mspId", "PharmacyMSP", "/orgs/*/mspId: must be unique"],
      ["name", "pharmacy", "/orgs/*/name: must be unique"],
      ["portBlock", 9, "/orgs/*/portBlock: must be unique"],
    ] as const) {
      it(`refuses an org whose ${field} another org has`, () => {
        const t = joined();
        t.orgs[4]![field] = value;
        expect(() => parseTopology(t)).to.throw(`topology ${rule}`);
      });
    }

    it("refuses a trading partner that is not a member of the channel, naming the field", () => {
      const t = joined();
      t.channels[0]!.tradingPartners.push(PHARMACY2_ORG.name);
      expect(() => parseTopology(t)).to.throw("topology /channels/0/tradingPartners/2: must be a member of mfr-dist: pharmacy2");
    });

    it("refuses a channel member that is not an org, naming the field", () => {
      const t = joined();
      t.channels[1]!.orgs[3] = "pharmacy3";
      expect(() => parseTopology(t)).to.throw("topology /channels/1/orgs/3: names no org of the topology: pharmacy3");
    });
  });

  describe("the access policy, by partner role", () => {
    it("lets the second pharmacy's pharmacist dispense, receive and ship returns, and nothing of a manufacturer or the regulator", () => {
      const pharmacist = who("Pharmacy2MSP", "pharmacist");
      for (const action of ["pack.dispense", "shipment.receive", "return.ship"] as const) expect(isAllowed(pharmacist, action, topology), action).to.be.true;
      for (const action of ["lot.commission", "product.register", "partner.register"] as const) expect(isAllowed(pharmacist, action, topology), action).to.be.false;
    });

    it("grants the second pharmacy exactly what the founding pharmacy gets", () => {
      const differences: string[] = [];
      for (const action of ACTIONS) {
        for (const role of ROLES) {
          if (isAllowed(who("Pharmacy2MSP", role), action, topology) !== isAllowed(who("PharmacyMSP", role), action, topology)) differences.push(`${action} ${role}`);
        }
      }
      expect(differences).to.deep.equal([]);
    });

    it("grants the founding orgs exactly what they were granted by MSP id, with and without the new member", () => {
      const differences: string[] = [];
      for (const t of [undefined, topology]) {
        for (const action of ACTIONS) {
          for (const mspId of ["ManufacturerMSP", "DistributorMSP", "PharmacyMSP", "RegulatorMSP"]) {
            for (const role of ROLES) {
              const expected = FOUNDING_GRANTS[action][mspId]?.includes(role) ?? false;
              if (isAllowed(who(mspId, role), action, t) !== expected) differences.push(`${action}: ${mspId} ${role}`);
            }
          }
        }
      }
      expect(differences).to.deep.equal([]);
    });

    it("grants nothing to an MSP id the topology does not name", () => {
      for (const action of ACTIONS) {
        expect(isAllowed(who("Pharmacy2MSP", "pharmacist"), action), action).to.be.false;
        expect(isAllowed(who("EvilMSP", "admin"), action, topology), action).to.be.false;
      }
    });
  });

  describe("MSP ids at runtime", () => {
    it("knows an MSP id by the topology it is checked against", () => {
      expect(isMspId("Pharmacy2MSP", topology)).to.be.true;
      expect(isMspId("Pharmacy2MSP")).to.be.false;
      expect(isMspId("EvilMSP", topology)).to.be.false;
      expect(isMspId(7, topology)).to.be.false;
    });

    it("accepts API keys of the new member's org and refuses an unknown MSP id naming the record's field", () => {
      const record = { ...KEY_RECORDS[0]!, id: "k-pharm2", mspId: "Pharmacy2MSP", user: "pharmacist", role: "pharmacist" as const };
      const file = { version: 1, keys: [KEY_RECORDS[0], record] };
      expect(parseKeyFile(file, topology).keys.map((k) => k.mspId)).to.deep.equal(["ManufacturerMSP", "Pharmacy2MSP"]);
      expect(() => parseKeyFile(file)).to.throw(/^keys file \/keys\/1\/mspId: names no org of the topology \(ManufacturerMSP, DistributorMSP, PharmacyMSP, RegulatorMSP\): Pharmacy2MSP$/);
      expect(() => parseKeyFile({ version: 1, keys: [{ ...record, mspId: "EvilMSP" }] }, topology)).to.throw(/\/keys\/0\/mspId: names no org of the topology .*: EvilMSP$/);
    });

    it("checks a request's MSP id against the pattern network/topology.schema.json gives MSP ids", () => {
      const schema = JSON.parse(read("network/topology.schema.json")) as { properties: { orgs: { items: { properties: { mspId: { pattern: string } } } } } };
      expect(MspIdSchema.pattern).to.equal(schema.properties.orgs.items.properties.mspId.pattern);
    });
  });
});
