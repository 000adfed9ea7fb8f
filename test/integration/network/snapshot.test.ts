/**
 * A ledger snapshot of mfr-dist taken on the manufacturer's peer, and a
 * second manufacturer peer joined from it (`scripts/network.sh snapshot`,
 * `add-peer`, `remove-peer`; runbook in docs/operations.md): the new peer
 * answers for packs committed before and after the snapshot, endorses and
 * commits, and receives the org's private data by reconciliation. Bad input
 * is refused with a sentence and changes nothing. The new peer is asked
 * directly with the peer CLI (a gateway would be free to answer from the
 * org's other peer).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { FabricSessions, eventually, runId, submitJsonOnceEndorsersCatchUp, type OrgSession } from "../../../support/fabric-client.js";
import { futureExpiry, gtinFor, productJson } from "../../../support/fixtures.js";
import { commissionLot, type Lot } from "./scenario.js";

const repo = path.resolve(import.meta.dirname, "../../..");
const data = process.env.RXTRACE_DATA ?? path.join(repo, ".rxtrace");
const modules = ["topology", "processes", "pki", "nodes", "channels", "chaincode", "upgrade", "snapshots"].map((m) => `source scripts/network/lib/${m}.sh`).join("; ");

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `scripts/network.sh ARGS...` on the test network. */
function network(...args: string[]): Run {
  const result = spawnSync("bash", ["scripts/network.sh", ...args], { cwd: repo, encoding: "utf8", timeout: 900_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A peer CLI command as one of the manufacturer's identities, sent to one of its peer nodes only. */
function peerCli(node: string, identity: string, ...args: string[]): Run {
  const script = `set -euo pipefail; ROOT=${repo}; ${modules}; source scripts/lib/fabric.sh >/dev/null; as_identity manufacturer "$@"`;
  const result = spawnSync("bash", ["-c", script, "_", node, identity, ...args], { cwd: repo, encoding: "utf8", timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function query(node: string, fn: string, ...args: string[]): unknown {
  const run = peerCli(node, "users/operator", "peer", "chaincode", "query", "-C", "mfr-dist", "-n", "rxtrace", "-c", JSON.stringify({ Args: [fn, ...args] }));
  if (run.status !== 0) throw new Error(`${fn} on ${node}-manufacturer: ${run.stderr.trim()}`);
  return JSON.parse(run.stdout) as unknown;
}

/** What a refused command must leave as it was: processes, nodes, identities, snapshots. */
function state(): string[] {
  const list = (dir: string) => (existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String).sort() : []);
  const top = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);
  return [
    ...top(path.join(data, "run")).map((f) => `run/${f}`),
    ...top(path.join(data, "fabric/nodes")).map((f) => `nodes/${f}`),
    ...list(path.join(data, "fabric/nodes/peer-manufacturer/snapshots")).map((f) => `snapshots/${f}`),
    ...top(path.join(data, "fabric/orgs/manufacturer")).map((f) => `orgs/${f}`),
  ];
}

const field = (out: string, name: string): string => {
  const value = new RegExp(`^${name}: (.+)$`, "m").exec(out)?.[1];
  if (value === undefined) throw new Error(`no '${name}:' in:\n${out}`);
  return value;
};

describe("a snapshot of mfr-dist and a manufacturer peer joined from it", function () {
  this.timeout(900_000);
  const terms = { price: "99.10", currency: "EUR", quantity: 1, invoiceRef: "INV-SNAP" };
  let sessions: FabricSessions;
  let manufacturer: OrgSession;
  let lotBefore: Lot;
  let lotAfter: Lot;
  let shipmentId: string;
  let snapshot: Run;
  let again: Run;
  let added: Run;
  let node: string;
  let joinedAt: number;
  const seconds: Record<string, number> = {};

  before(async () => {
    sessions = new FabricSessions();
    manufacturer = sessions.as("ManufacturerMSP", "operator");
    const id = runId();
    lotBefore = await commissionLot(manufacturer, `SNB${id}`, 1);
    shipmentId = `SNAP-${id}`;
    // The terms go to the collection's two members; the distributor's peer
    // may not have the commission's block yet (refused, nothing ordered).
    await submitJsonOnceEndorsersCatchUp(manufacturer.contract("mfr-dist"), "shipments:Ship", {
      arguments: [JSON.stringify({ shipmentId, consignee: "DistributorMSP", packs: lotBefore.packs })],
      transientData: { terms: JSON.stringify(terms) },
      endorsingOrganizations: ["ManufacturerMSP", "DistributorMSP"],
    });

    let t = Date.now();
    snapshot = network("snapshot", "manufacturer", "mfr-dist");
    seconds.snapshot = (Date.now() - t) / 1000;
    expect(snapshot.status, snapshot.stderr).to.equal(0);

    again = network("snapshot", "manufacturer", "mfr-dist");
    lotAfter = await commissionLot(manufacturer, `SNA${id}`, 1);

    t = Date.now();
    added = network("add-peer", "manufacturer", field(snapshot.stdout, "folder"));
    joinedAt = Date.now();
    seconds.addPeer = (joinedAt - t) / 1000;
    expect(added.status, `${added.stdout}\n${added.stderr}`).to.equal(0);
    node = field(added.stdout, "node");
  });

  after(() => {
    sessions.close();
    // Leave the network as the other specs expect it, even after a failure.
    if (node !== undefined && existsSync(path.join(data, "fabric/nodes", `${node}-manufacturer`))) network("remove-peer", "manufacturer", node);
    console.log(`      figures: snapshot at block ${/^block: (\d+)$/m.exec(snapshot?.stdout ?? "")?.[1] ?? "?"} ${seconds.snapshot}s, add-peer ${seconds.addPeer}s, reconciliation ${seconds.reconciliation}s, add-peer from genesis ${seconds.addPeerFromGenesis}s`);
  });

  it("reports the snapshot's folder, block, height and hash as the peer wrote them", () => {
    const folder = field(snapshot.stdout, "folder");
    const metadata = JSON.parse(readFileSync(path.join(folder, "_snapshot_signable_metadata.json"), "utf8")) as { channel_name: string; last_block_number: number };
    const hashes = JSON.parse(readFileSync(path.join(folder, "_snapshot_additional_metadata.json"), "utf8")) as { snapshot_hash: string };
    expect(folder).to.equal(path.join(data, "fabric/nodes/peer-manufacturer/snapshots/completed/mfr-dist", String(metadata.last_block_number)));
    expect(metadata.channel_name).to.equal("mfr-dist");
    expect(Number(field(snapshot.stdout, "block"))).to.equal(metadata.last_block_number);
    expect(Number(field(snapshot.stdout, "height"))).to.equal(metadata.last_block_number + 1);
    expect(field(snapshot.stdout, "hash")).to.match(/^[0-9a-f]{64}$/).and.to.equal(hashes.snapshot_hash);
  });

  it("reports the snapshot already taken when asked again with no block committed since", () => {
    expect(again.status, again.stderr).to.equal(0);
    // A block committed in between (nothing else writes now) would give a later snapshot.
    if (field(again.stdout, "block") === field(snapshot.stdout, "block")) {
      expect(field(again.stdout, "folder")).to.equal(field(snapshot.stdout, "folder"));
      expect(field(again.stdout, "hash")).to.equal(field(snapshot.stdout, "hash"));
    } else {
      expect(Number(field(again.stdout, "block"))).to.be.greaterThan(Number(field(snapshot.stdout, "block")));
    }
  });

  it("runs the added peer as the topology's first added node, healthy in status", () => {
    expect(node).to.equal("peer1");
    const status = network("status");
    expect(status.stdout).to.match(/peer1-manufacturer\s+\d+\s+OK/);
  });

  it("answers for a pack committed before the snapshot and one committed after it", () => {
    expect(query(node, "packs:GetPack", lotBefore.gtin, lotBefore.packs[0]!.serial)).to.include({ status: "IN_TRANSIT" });
    expect(query(node, "packs:GetPack", lotAfter.gtin, lotAfter.packs[0]!.serial)).to.include({ status: "COMMISSIONED" });
  });

  it("receives the org's private trade terms by reconciliation", async () => {
    const view = await eventually(async () => query(node, "shipments:GetTerms", shipmentId) as { terms: unknown; hashMatches: boolean }, 300_000);
    seconds.reconciliation = (Date.now() - joinedAt) / 1000;
    expect(view.terms).to.deep.equal(terms);
    expect(view.hashMatches).to.equal(true);
  });

  it("endorses and commits a new pack with the distributor's peer", async () => {
    const gtin = gtinFor(`SNE${runId()}`);
    await manufacturer.contract("mfr-dist").submitTransaction("products:RegisterProduct", productJson(gtin));
    const lot = { gtin, lot: "LSNAPNEW", expiry: futureExpiry(), serials: ["SNAPNEW1"] };
    const invoke = () => {
      const script = `set -euo pipefail; ROOT=${repo}; ${modules}; source scripts/lib/fabric.sh >/dev/null
        FABRIC_LOGGING_SPEC=info as_identity manufacturer "$1" users/operator peer chaincode invoke -C mfr-dist -n rxtrace -c "$2" $(orderer_opts manufacturer) \\
          --peerAddresses "$(host_of manufacturer):$(node_port manufacturer "$1" peer)" --tlsRootCertFiles "$(ca_cert manufacturer)" \\
          --peerAddresses "$(host_of distributor):$(peer_port distributor)" --tlsRootCertFiles "$(ca_cert distributor)" --waitForEvent`;
      const args = JSON.stringify({ Args: ["packs:CommissionLot", JSON.stringify(lot)] });
      const run = spawnSync("bash", ["-c", script, "_", node, args], { cwd: repo, encoding: "utf8", timeout: 120_000 });
      if (run.status !== 0) throw new Error(run.stderr);
      return run.stderr;
    };
    // The new peer may not have the product's block yet: a refused proposal
    // orders nothing. At info level the CLI names each peer's commit status.
    const out = await eventually(async () => invoke(), 60_000);
    expect(out.match(/committed with status \(VALID\)/g)).to.have.length(2);
    expect(query(node, "packs:GetPack", gtin, "SNAPNEW1")).to.include({ status: "COMMISSIONED", owner: "ManufacturerMSP" });
  });

  describe("bad input", () => {
    for (const [args, says] of [
      [["snapshot", "wholesaler", "mfr-dist"], "org 'wholesaler' is not in"],
      [["snapshot", "manufacturer", "mfr-retail"], "channel 'mfr-retail' is not in"],
      [["snapshot", "pharmacy", "mfr-dist"], "snapshot: pharmacy is not a member of mfr-dist"],
      [["add-peer", "wholesaler"], "org 'wholesaler' is not in"],
      [["add-peer", "manufacturer", "/nonexistent/snapshot"], "add-peer: no snapshot folder /nonexistent/snapshot"],
      [["add-peer", "pharmacy", "SNAPSHOT"], "where pharmacy is not a member"],
      [["remove-peer", "manufacturer", "peer"], "is the org's first peer"],
    ] as const) {
      it(`refuses '${args.join(" ")}' saying "${says}" and changes nothing`, () => {
        const argv = args.map((a) => (a === "SNAPSHOT" ? field(snapshot.stdout, "folder") : a));
        const was = state();
        const run = network(...argv);
        expect(run.status).to.equal(1);
        expect(run.stderr).to.include(says);
        expect(state()).to.deep.equal(was);
      });
    }
  });

  it("keeps the added peer through an up while running and installs an upgrade's package on it too", async () => {
    const up = network("up");
    expect(up.status, up.stderr).to.equal(0);
    expect(network("status").stdout).to.match(/peer1-manufacturer\s+\d+\s+OK/);
    const upgrade = network("upgrade");
    expect(upgrade.status, `${upgrade.stdout}\n${upgrade.stderr}`).to.equal(0);
    const installed = (n: string) => {
      const run = peerCli(n, "users/admin", "peer", "lifecycle", "chaincode", "queryinstalled", "--output", "json");
      expect(run.status, run.stderr).to.equal(0);
      return (JSON.parse(run.stdout) as { installed_chaincodes: { package_id: string }[] }).installed_chaincodes.map((c) => c.package_id).sort();
    };
    expect(installed(node)).to.deep.equal(installed("peer"));
    // Serving the committed definition needs the package the org approved for it.
    await eventually(async () => expect(query(node, "packs:GetPack", lotAfter.gtin, lotAfter.packs[0]!.serial)).to.include({ status: "COMMISSIONED" }), 60_000);
  });

  it("adds a distributor peer from the genesis blocks when no snapshot is given, on both its channels", () => {
    const t = Date.now();
    const run = network("add-peer", "distributor");
    seconds.addPeerFromGenesis = (Date.now() - t) / 1000;
    try {
      expect(run.status, `${run.stdout}\n${run.stderr}`).to.equal(0);
      expect(run.stdout).to.include("peer1-distributor joined mfr-dist from its genesis block");
      expect(run.stdout).to.include("peer1-distributor joined dist-pharm from its genesis block");
      expect(run.stdout).to.match(/peer1-distributor is at height \d+ on dist-pharm/);
    } finally {
      expect(network("remove-peer", "distributor", "peer1").status).to.equal(0);
    }
  });

  it("removes the added peer: its process and ledger are gone, the first peer serves on", async () => {
    const run = network("remove-peer", "manufacturer", node);
    expect(run.status, run.stderr).to.equal(0);
    expect(existsSync(path.join(data, "run", `${node}-manufacturer.pid`))).to.equal(false);
    expect(existsSync(path.join(data, "fabric/nodes", `${node}-manufacturer`))).to.equal(false);
    const pack = await eventually(async () => query("peer", "packs:GetPack", lotAfter.gtin, lotAfter.packs[0]!.serial));
    expect(pack).to.include({ status: "COMMISSIONED" });
  });
});
