/**
 * A second pharmacy joins dist-pharm on the running network
 * (`scripts/network.sh join pharmacy2`, with RXTRACE_TOPOLOGY naming the
 * topology that lists it; scripts/test/integration.sh writes that file and
 * runs this spec after every other, since the channel has four members
 * afterwards). The channel's configuration gains its MSP by a majority of
 * the admins, its peer runs the chaincode the consortium approved, the
 * regulator registers it, and the next definition sequence gives it its own
 * collection with the distributor. It then receives a shipment through its
 * own gateway, verifies and dispenses; the first pharmacy's peer never holds
 * the new pair's terms.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { termsCollection } from "@rxtrace/domain";
import { PHARMACY2_ORG } from "../../../support/joining-member.js";
import { FabricSessions, chaincodeErrorCode, evaluateJson, eventually, failureOf, runId, submitJsonOnceEndorsersCatchUp, withDetails, type OrgSession } from "../../../support/fabric-client.js";
import { orgByMsp } from "../../../support/network-description.js";
import { call, startOrgGateways, type OrgGateway } from "../../../support/gateway-harness.js";
import { commissionLot, handOffAndImport, packOf, shipAndReceive, type PackRef } from "../network/scenario.js";

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, "../../..");
const network = (...args: string[]) => run("bash", [path.join(repoRoot, "scripts/network.sh"), ...args], { env: process.env, maxBuffer: 1 << 22 });
/** A bash script with the network scripts' helpers loaded (as_admin ORG COMMAND: a peer CLI command as the org's admin). */
async function withNetworkHelpers(script: string): Promise<string> {
  const prelude = `set -e; ROOT=${JSON.stringify(repoRoot)}; for m in topology processes pki nodes members; do source "$ROOT/scripts/network/lib/$m.sh"; done; source "$ROOT/scripts/lib/fabric.sh" >/dev/null;`;
  return (await run("bash", ["-c", `${prelude} ${script}`], { env: process.env, maxBuffer: 1 << 24 })).stdout;
}

const PHARM2 = PHARMACY2_ORG.mspId;
const TERMS = { price: "980.00", currency: "EUR", quantity: 2, invoiceRef: "INV-P2-1" };

describe("a second pharmacy joins dist-pharm", function () {
  this.timeout(600_000);
  const id = runId();
  let joinOutput = "";
  let sequenceBefore = 0;
  let firstOrderer = "";
  let sessions: FabricSessions;
  let gateway: OrgGateway;
  let distributor: OrgSession;
  let packs: readonly PackRef[] = [];
  let lot = { lot: "", expiry: "" };

  /** The definition committed on dist-pharm, as `peer lifecycle chaincode querycommitted` prints it. */
  interface Committed {
    readonly sequence: number;
    readonly approvals: Record<string, boolean>;
    readonly collections: { readonly config: readonly { readonly Payload: { readonly StaticCollectionConfig: { readonly name: string } } }[] };
  }
  const committed = async (): Promise<Committed> =>
    JSON.parse(await withNetworkHelpers("as_admin distributor peer lifecycle chaincode querycommitted --channelID dist-pharm --name rxtrace --output json")) as Committed;

  before(async function () {
    if (!process.env.RXTRACE_TOPOLOGY) throw new Error("RXTRACE_TOPOLOGY must name the topology with pharmacy2 (scripts/test/integration.sh writes it)");
    sequenceBefore = (await committed()).sequence;
    // The orderer the new member's admin asks first (it runs none: the first ordering org's, SmartBFT's
    // leader of view 0) is down for the whole join. Four BFT orderers tolerate one (f = 1): each update,
    // approval and registration goes on through another, and `up` restarts it afterwards.
    firstOrderer = (await withNetworkHelpers('echo "${ORDERER_ORGS[0]}"')).trim();
    await withNetworkHelpers(`stop_processes orderer-${firstOrderer}`);
    // A failed join is the error to report: `up` still restarts the orderer, but its own failure
    // then must not take the join's place.
    const joined = await network("join", PHARMACY2_ORG.name).then((out) => ({ out }), (error: unknown) => ({ error }));
    const restarted = network("up");
    if ("error" in joined) {
      await restarted.catch(() => undefined);
      throw joined.error;
    }
    await restarted;
    joinOutput = joined.out.stdout + joined.out.stderr;
    console.log(`      ${/pharmacy2 joined in \d+s/.exec(joinOutput)?.[0] ?? "pharmacy2 joined"}, orderer-${firstOrderer} down throughout`);
    for (const line of joinOutput.split("\n").filter((l) => l.includes("not ordered through"))) console.log(`      ${line}`);
    sessions = new FabricSessions();
    distributor = sessions.as("DistributorMSP", "operator");
    const gateways = await startOrgGateways([PHARMACY2_ORG.name]);
    gateway = gateways[PHARMACY2_ORG.name] as OrgGateway;
  });
  after(async () => {
    await gateway?.close();
    sessions?.close();
  });

  it("is added to the channel's configuration by a majority of its admins, and names its anchor peer", async () => {
    expect(joinOutput).to.match(/Pharmacy2MSP added to dist-pharm, signed by the admins of RegulatorMSP, DistributorMSP \(2 of 3\)/);
    // From an orderer that has the update: the one restarted after the join may still be catching up.
    const has = `.channel_group.groups.Application.groups | has("${PHARM2}")`;
    const config = JSON.parse(await withNetworkHelpers(`d=$(mktemp -d); fetch_config pharmacy2 dist-pharm "$d" '${has}'; cat "$d/config.json"; rm -rf "$d"`)) as {
      channel_group: { groups: { Application: { groups: Record<string, { values: Record<string, { value: unknown }> }> } } };
    };
    const groups = config.channel_group.groups.Application.groups;
    expect(Object.keys(groups).sort()).to.deep.equal(["DistributorMSP", PHARM2, "PharmacyMSP", "RegulatorMSP"].sort());
    expect(groups[PHARM2]?.values.AnchorPeers?.value).to.have.property("anchor_peers").with.length(1);
  });

  it("joins while the orderer its admin asks first is down: the updates are ordered through the others", () => {
    expect(joinOutput).to.include(`the anchor peer update of ${PHARM2} on dist-pharm: not ordered through orderer-${firstOrderer}`);
    expect(joinOutput).to.include(`the approval of rxtrace by ${PHARM2} on dist-pharm: not ordered through orderer-${firstOrderer}`);
    expect(joinOutput).to.match(/pharmacy2 joined in \d+s/);
  });

  it("refuses a configuration update signed by one admin alone: the distributor cannot evict the first pharmacy", async () => {
    const answer = await withNetworkHelpers(
      [
        "dir=$(mktemp -d); fetch_config distributor dist-pharm \"$dir\"",
        "jq 'del(.channel_group.groups.Application.groups.PharmacyMSP)' \"$dir/config.json\" >\"$dir/modified.json\"",
        "config_update dist-pharm \"$dir\"",
        'as_admin distributor peer channel update -f "$dir/update.pb" -c dist-pharm $(orderer_opts distributor) 2>&1 && echo UPDATED || echo "REFUSED $?"',
      ].join("; "),
    );
    expect(answer).to.include("REFUSED").and.to.include("requires 3 of the 'Admins' sub-policies to be satisfied");
    const members = await withNetworkHelpers(`for m in PharmacyMSP ${PHARM2}; do has_member dist-pharm $m && echo "$m"; done; true`);
    expect(members.trim().split("\n")).to.deep.equal(["PharmacyMSP", PHARM2]);
  });

  it("approves the definition at the current sequence, and the next sequence adds its pair collections with every member's approval", async () => {
    expect(joinOutput).to.include(`${PHARM2} approved rxtrace on dist-pharm`);
    const now = await committed();
    expect(now.sequence).to.equal(sequenceBefore + 1);
    expect(now.approvals).to.deep.equal({ DistributorMSP: true, PharmacyMSP: true, RegulatorMSP: true, [PHARM2]: true });
    const names = now.collections.config.map((c) => c.Payload.StaticCollectionConfig.name);
    expect(names).to.include.members([termsCollection("DistributorMSP", PHARM2), termsCollection("DistributorMSP", "PharmacyMSP"), "tradeTerms"]);
  });

  it("is registered by the regulator as a pharmacy", async () => {
    const regulator = sessions.as("RegulatorMSP", "auditor");
    expect(await evaluateJson(regulator.contract("dist-pharm"), "partners:GetPartner", PHARM2)).to.deep.include({ mspId: PHARM2, role: "Pharmacy" });
  });

  it("receives a shipment from the distributor through its own gateway, verifies and dispenses", async () => {
    const manufacturer = sessions.as("ManufacturerMSP", "operator");
    const made = await commissionLot(manufacturer, `J${id}`, 2);
    packs = made.packs;
    lot = made;
    await shipAndReceive(manufacturer, distributor, "mfr-dist", `JM-${id}`, packs);
    await handOffAndImport(distributor, packs);
    // pharmacy2's peer endorses right after the import committed, and may not have its block yet.
    await submitJsonOnceEndorsersCatchUp(distributor.contract("dist-pharm"), "shipments:Ship", {
      arguments: [JSON.stringify({ shipmentId: `JP2-${id}`, consignee: PHARM2, packs: [packs[0]] })],
      endorsingOrganizations: ["DistributorMSP", PHARM2],
      transientData: { terms: JSON.stringify(TERMS) },
    });
    const pharmacist = gateway.keys[`${PHARM2}/pharmacist`];
    expect(pharmacist, "create-keys issued the pharmacist's key").to.be.a("string");
    const received = await eventually(async () => {
      const res = await call(gateway, "POST", `/v1/shipments/JP2-${id}/receive`, pharmacist, { packs: [packs[0]] });
      if (res.status === 404 || res.status === 503) throw new Error(`not yet visible: ${JSON.stringify(res.body)}`);
      return res;
    }, 60_000);
    expect(received.status, JSON.stringify(received.body)).to.equal(200);
    const pack = packs[0] as PackRef;
    const scan = await call(gateway, "GET", `/v1/verify?gtin=${pack.gtin}&serial=${pack.serial}&lot=${lot.lot}&expiry=${lot.expiry}`, pharmacist);
    expect(scan.status, JSON.stringify(scan.body)).to.equal(200);
    expect(scan.body.verified).to.equal(true);
    const dispensed = await call(gateway, "POST", `/v1/packs/${pack.gtin}/${pack.serial}/dispense`, pharmacist, { lot: lot.lot, expiry: lot.expiry });
    expect(dispensed.status, JSON.stringify(dispensed.body)).to.equal(200);
    expect(await packOf(distributor, "dist-pharm", pack)).to.include({ status: "DISPENSED", owner: PHARM2 });
  });

  it("keeps the new pair's terms off the first pharmacy's peer, while the pair reads them", async () => {
    const shipmentId = `JP2-${id}`;
    const viaNewPharmacy = sessions.as("DistributorMSP", "operator", { via: PHARM2 });
    expect(await evaluateJson(viaNewPharmacy.contract("dist-pharm"), "shipments:GetTerms", shipmentId)).to.deep.equal({ shipmentId, terms: TERMS, hashMatches: true });
    // The distributor may read the terms (it shipped them), but the first pharmacy's peer holds only
    // their hash (on the channel) and never received them: Fabric says so on that peer.
    const viaFirstPharmacy = sessions.as("DistributorMSP", "operator", { via: "PharmacyMSP" });
    const onFirstPharmacysPeer = String(withDetails(await failureOf(() => evaluateJson(viaFirstPharmacy.contract("dist-pharm"), "shipments:GetTerms", shipmentId))));
    const pharmacyPeer = orgByMsp(sessions.description, "PharmacyMSP").peer.endpoint;
    expect(onFirstPharmacysPeer).to.include(`${pharmacyPeer}: chaincode response 500`).and.to.include("private data matching public hash version is not available");
    const firstPharmacy = sessions.as("PharmacyMSP", "pharmacist");
    const asFirstPharmacy = await failureOf(() => evaluateJson(firstPharmacy.contract("dist-pharm"), "shipments:GetTerms", shipmentId));
    expect(chaincodeErrorCode(asFirstPharmacy), String(withDetails(asFirstPharmacy))).to.equal("FORBIDDEN");
  });

  it("still ships to the first pharmacy with terms in that pair's own collection", async () => {
    const shipmentId = `JP1-${id}`;
    const shipment = (await submitJsonOnceEndorsersCatchUp(distributor.contract("dist-pharm"), "shipments:Ship", {
      arguments: [JSON.stringify({ shipmentId, consignee: "PharmacyMSP", packs: [packs[1]] })],
      endorsingOrganizations: ["DistributorMSP", "PharmacyMSP"],
      transientData: { terms: JSON.stringify(TERMS) },
    })) as { termsCollection: string };
    expect(shipment.termsCollection).to.equal(termsCollection("DistributorMSP", "PharmacyMSP"));
    const firstPharmacy = sessions.as("PharmacyMSP", "pharmacist");
    const read = await eventually(async () => evaluateJson(firstPharmacy.contract("dist-pharm"), "shipments:GetTerms", shipmentId));
    expect(read).to.deep.include({ terms: TERMS, hashMatches: true });
  });
});
