/**
 * The pieces of `scripts/network.sh snapshot`, `add-peer` and `remove-peer`
 * that need no network: the added peer nodes' ports from the topology (the
 * shell and TypeScript readers agree, no port shared with another node), and
 * bad arguments refused naming what is wrong without touching the data
 * folder. The commands themselves run against the real network in
 * test/integration/network/snapshot.test.ts.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { TOPOLOGY, nodePort, orgPort, type OrgPortKind } from "../../gateway/src/topology.js";

const repo = path.resolve(import.meta.dirname, "../..");
const modules = ["topology", "processes", "pki", "nodes", "channels", "chaincode", "upgrade", "snapshots"].map((m) => `source scripts/network/lib/${m}.sh`).join("; ");

describe("network.sh snapshot, add-peer and remove-peer without a network", () => {
  let data: string;
  beforeEach(() => {
    data = mkdtempSync(path.join(tmpdir(), "rxtrace-snapshot-"));
  });
  afterEach(() => rmSync(data, { recursive: true, force: true }));

  const env = () => ({ ...process.env, RXTRACE_DATA: data, RXTRACE_PORT_OFFSET: "400" });
  const shell = (script: string): string =>
    execFileSync("bash", ["-c", `set -euo pipefail; ROOT=${repo}; ${modules}; ${script}`], { cwd: repo, env: env(), encoding: "utf8" }).trim();

  it("gives each added peer node the topology's ports, the same in bash and TypeScript", () => {
    const nodes = Object.keys(TOPOLOGY.ports.addedPeers ?? {});
    expect(nodes).to.deep.equal(["peer1", "peer2"]);
    for (const node of ["peer", ...nodes]) {
      const fromShell = shell(`for k in peer peerChaincode peerOps; do node_port distributor ${node} $k; done`).split("\n").map(Number);
      expect(fromShell, node).to.deep.equal((["peer", "peerChaincode", "peerOps"] as const).map((k) => nodePort("distributor", node, k, 400)));
    }
    expect(nodePort("regulator", "peer", "peerOps")).to.equal(orgPort("regulator", "peerOps"));
    expect(() => nodePort("regulator", "peer7", "peer")).to.throw("peer node 'peer7' is not in the topology (peer, peer1, peer2)");
  });

  it("puts no added node's port where any other node of any org listens, whatever two networks' offsets", () => {
    const ports: (readonly [number, string])[] = TOPOLOGY.orgs.flatMap((org) => [
      ...(Object.keys(TOPOLOGY.ports.perOrg) as OrgPortKind[]).map((k) => [orgPort(org.name, k), `${org.name} ${k}`] as const),
      ...Object.keys(TOPOLOGY.ports.addedPeers ?? {}).flatMap((node) =>
        (["peer", "peerChaincode", "peerOps"] as const).map((k) => [nodePort(org.name, node, k), `${org.name} ${node} ${k}`] as const),
      ),
    ]);
    // Offsets are multiples of 10 from 0 to 990: two ports meet at some pair
    // of offsets when they differ by a multiple of 10 up to 990.
    const clashes = ports.flatMap(([p, a], i) => ports.slice(i + 1).filter(([q]) => Math.abs(p - q) <= 990 && (p - q) % 10 === 0).map(([q, b]) => `${a} ${p} / ${b} ${q}`));
    expect(clashes).to.deep.equal([]);
  });

  it("lists an org's first peer, then the added nodes that have a ledger folder", () => {
    expect(shell("peer_nodes pharmacy")).to.equal("peer");
    mkdirSync(path.join(data, "fabric/nodes/peer2-pharmacy"), { recursive: true });
    expect(shell("peer_nodes pharmacy").split("\n")).to.deep.equal(["peer", "peer2"]);
    expect(shell("ports_of peer2-pharmacy").split(" ").map(Number)).to.deep.equal((["peer", "peerChaincode", "peerOps"] as const).map((k) => nodePort("pharmacy", "peer2", k, 400)));
  });

  it("reads a snapshot folder's channel from its metadata", () => {
    const folder = path.join(data, "snap");
    mkdirSync(folder);
    writeFileSync(path.join(folder, "_snapshot_signable_metadata.json"), JSON.stringify({ channel_name: "dist-pharm", last_block_number: 7 }));
    expect(shell(`snapshot_channel ${folder}`)).to.equal("dist-pharm");
  });

  const usage = (folder: string) =>
    [
      [["snapshot"], "usage: scripts/network.sh snapshot ORG CHANNEL"],
      [["snapshot", "nosuch", "mfr-dist"], "org 'nosuch' is not in"],
      [["snapshot", "manufacturer", "nochannel"], "channel 'nochannel' is not in"],
      [["snapshot", "pharmacy", "mfr-dist"], "snapshot: pharmacy is not a member of mfr-dist"],
      [["snapshot", "manufacturer", "mfr-dist"], "snapshot: no network in"],
      [["add-peer"], "usage: scripts/network.sh add-peer ORG"],
      [["add-peer", "nosuch"], "org 'nosuch' is not in"],
      [["add-peer", "manufacturer", "/nonexistent"], "add-peer: no snapshot folder /nonexistent"],
      [["add-peer", "manufacturer", folder], "is not a ledger snapshot"],
      [["add-peer", "manufacturer"], "add-peer: no network in"],
      [["remove-peer", "manufacturer"], "usage: scripts/network.sh remove-peer ORG NODE"],
      [["remove-peer", "manufacturer", "peer"], "is the org's first peer"],
      [["remove-peer", "manufacturer", "peer9"], "'peer9' is not a peer node of the topology"],
      [["remove-peer", "manufacturer", "peer1"], "manufacturer runs no peer1"],
    ] as const;
  for (const [args, says] of usage("EMPTY")) {
    it(`refuses '${args.join(" ")}' saying "${says}" and writes nothing`, () => {
      const empty = path.join(tmpdir(), `rxtrace-empty-${process.pid}`);
      mkdirSync(empty, { recursive: true });
      try {
        const argv = args.map((a) => (a === "EMPTY" ? empty : a));
        const result = spawnSync("bash", ["scripts/network.sh", ...argv], { cwd: repo, env: env(), encoding: "utf8" });
        expect(result.status).to.equal(1);
        expect(result.stderr).to.include(says);
        expect(readdirSync(data)).to.deep.equal([]);
      } finally {
        rmSync(empty, { recursive: true, force: true });
      }
    });
  }

  it("refuses a snapshot of a channel the org is not on", () => {
    const folder = path.join(data, "snap");
    mkdirSync(folder);
    writeFileSync(path.join(folder, "_snapshot_signable_metadata.json"), JSON.stringify({ channel_name: "dist-pharm" }));
    const result = spawnSync("bash", ["scripts/network.sh", "add-peer", "manufacturer", folder], { cwd: repo, env: env(), encoding: "utf8" });
    expect(result.status).to.equal(1);
    expect(result.stderr).to.include(`add-peer: ${folder} is a snapshot of dist-pharm, where manufacturer is not a member`);
    expect(readdirSync(data)).to.deep.equal(["snap"]);
  });
});
