/**
 * A member that joins the consortium after launch: a second pharmacy
 * (Pharmacy2MSP, partner role Pharmacy) on dist-pharm, a member and trading
 * partner there and no orderer of the ordering service. One definition for the
 * gateway's unit tests and the integration test of a joining member.
 */
import { readFileSync } from "node:fs";
import { DOWNSTREAM_CHANNEL, type Topology, type TopologyOrg } from "../gateway/src/topology.js";

export const PHARMACY2_ORG: TopologyOrg = {
  name: "pharmacy2",
  gln: "9521234000051",
  mspId: "Pharmacy2MSP",
  ordererMspId: "Pharmacy2OrdererMSP",
  partner: { name: "Pharmacy 2", role: "Pharmacy" },
  portBlock: 11,
  users: [{ name: "pharmacist", role: "pharmacist" }],
};

/** `topology` with PHARMACY2_ORG among its orgs and appended to dist-pharm's members and trading partners (not to ordering); `topology` is left as it was. */
export function withPharmacy2<T extends Topology>(topology: T): T {
  return {
    ...topology,
    orgs: [...topology.orgs, PHARMACY2_ORG],
    channels: topology.channels.map((c) =>
      c.name === DOWNSTREAM_CHANNEL ? { ...c, orgs: [...c.orgs, PHARMACY2_ORG.name], tradingPartners: [...c.tradingPartners, PHARMACY2_ORG.name] } : c,
    ),
  };
}

// `npx tsx support/joining-member.ts TOPOLOGY_FILE` prints that topology with
// pharmacy2 added (scripts/test/integration.sh writes the joining spec's topology so).
if (process.argv[1] === import.meta.filename) {
  const [file] = process.argv.slice(2);
  if (!file) throw new Error("usage: npx tsx support/joining-member.ts TOPOLOGY_FILE");
  process.stdout.write(`${JSON.stringify(withPharmacy2(JSON.parse(readFileSync(file, "utf8")) as Topology), null, 2)}\n`);
}
