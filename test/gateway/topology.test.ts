/**
 * network/topology.json is the one description of the network's layout: it
 * loads and matches its schema, a wrong one is refused naming the field, and
 * every file that still states part of the layout (configtx.yaml, the
 * collections the network scripts define, docs/conventions.md, the chaincode's constants) agrees
 * with it.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { CHAINCODE_NAME, DOWNSTREAM_CHANNEL, REGULATOR_MSP, SOURCE_CHANNEL, TERMS_COLLECTION, termsCollection } from "@rxtrace/domain";
import {
  CHANNELS,
  TOPOLOGY,
  channelMembers,
  channelsOf,
  hostOf,
  loadTopology,
  orgByName,
  orgPort,
  parseTopology,
  portOffset,
  topologyFile,
  type Topology,
} from "../../gateway/src/topology.js";
import { withPharmacy2 } from "../../support/joining-member.js";

const repo = path.resolve(import.meta.dirname, "../..");
const read = (file: string) => readFileSync(path.join(repo, file), "utf8");
/** The collection configuration scripts/network/lib/topology.sh gives a channel's definition. */
function tradeCollections(channel: string, env: NodeJS.ProcessEnv = process.env): { name: string; policy: string; memberOnlyRead: boolean; memberOnlyWrite: boolean }[] {
  const script = `ROOT=${JSON.stringify(repo)}; source "$ROOT/scripts/network/lib/topology.sh"; trade_collections ${JSON.stringify(channel)}`;
  return JSON.parse(execFileSync("bash", ["-c", script], { env, encoding: "utf8" })) as ReturnType<typeof tradeCollections>;
}
const copy = (): Record<string, unknown> & Topology => JSON.parse(read("network/topology.json")) as Record<string, unknown> & Topology;

describe("the network topology", () => {
  it("loads from network/topology.json: the founding orgs and the compiled-in channels", () => {
    expect(topologyFile({})).to.equal(path.join(repo, "network/topology.json"));
    expect(loadTopology().orgs.map((o) => o.mspId)).to.deep.equal(["ManufacturerMSP", "DistributorMSP", "PharmacyMSP", "RegulatorMSP"]);
    expect(TOPOLOGY.channels.map((c) => c.name)).to.deep.equal([...CHANNELS]);
  });

  it("answers channel membership both ways", () => {
    expect(channelMembers("mfr-dist")).to.deep.equal(["ManufacturerMSP", "DistributorMSP", "RegulatorMSP"]);
    expect(channelsOf("PharmacyMSP")).to.deep.equal(["dist-pharm"]);
    expect(channelsOf("RegulatorMSP")).to.deep.equal(["mfr-dist", "dist-pharm"]);
  });

  it("computes ports from the org's block and RXTRACE_PORT_OFFSET as network.sh does", () => {
    expect(orgPort("regulator", "peer")).to.equal(10051);
    expect(orgPort("manufacturer", "peerOps", 800)).to.equal(17851);
    expect(orgPort("pharmacy", "ccaas", portOffset({ RXTRACE_PORT_OFFSET: "20" }))).to.equal(9075);
    expect(() => portOffset({ RXTRACE_PORT_OFFSET: "15" })).to.throw("RXTRACE_PORT_OFFSET must be a multiple of 10 from 0 to 990, not '15'");
  });

  it("gives an org the loopback address unless the topology or RXTRACE_HOST_<ORG> names another", () => {
    expect(hostOf("pharmacy", {})).to.equal("127.0.0.1");
    expect(hostOf("pharmacy", { RXTRACE_HOST_PHARMACY: "10.0.0.9" })).to.equal("10.0.0.9");
    const t = copy();
    (t.orgs[2] as { host?: string }).host = "pharmacy.internal";
    expect(hostOf("pharmacy", {}, parseTopology(t))).to.equal("pharmacy.internal");
  });

  it("refuses a topology that breaks the schema, naming the field", () => {
    const t = copy();
    (t.ports.perOrg as Record<string, unknown>).peer = "7051";
    expect(() => parseTopology(t)).to.throw("topology /ports/perOrg/peer: must be integer");
  });

  it("refuses a channel member that is not an org of the topology", () => {
    const t = copy();
    (t.channels[0]!.orgs as string[])[0] = "wholesaler";
    expect(() => parseTopology(t)).to.throw("topology /channels/0/orgs/0: names no org of the topology: wholesaler");
  });

  it("refuses a renamed channel the code is not compiled for", () => {
    const t = copy();
    (t.channels[1] as { name: string }).name = "dist-retail";
    expect(() => parseTopology(t)).to.throw("topology /channels/*/name: must be mfr-dist, dist-pharm");
  });

  it("refuses an org GLN with a wrong check digit or one another org has, naming the field", () => {
    const t = copy();
    (t.orgs[1] as { gln: string }).gln = "9521234000021";
    expect(() => parseTopology(t)).to.throw("topology /orgs/1/gln: check digit must be 0");
    (t.orgs[1] as { gln: string }).gln = t.orgs[0]!.gln;
    expect(() => parseTopology(t)).to.throw("topology /orgs/*/gln: must be unique");
  });

  it("refuses two kinds of node on one port", () => {
    const t = copy();
    (t.ports.perOrg as Record<string, number>).gateway = 55;
    expect(() => parseTopology(t)).to.throw("topology /ports/perOrg: must give every kind of node its own port");
  });

  it("refuses an added peer node on the port of another kind of node", () => {
    const t = copy();
    (t.ports.addedPeers as Record<string, Record<string, number>>).peer1!.peerOps = t.ports.perOrg.peerOps;
    expect(() => parseTopology(t)).to.throw("topology /ports/perOrg: must give every kind of node its own port");
  });

  it("agrees with the chaincode's constants (the chaincode does not read the file)", () => {
    expect(TOPOLOGY.chaincode).to.equal(CHAINCODE_NAME);
    expect([SOURCE_CHANNEL, DOWNSTREAM_CHANNEL]).to.deep.equal(TOPOLOGY.channels.map((c) => c.name));
    expect(orgByName(TOPOLOGY.registrar).mspId).to.equal(REGULATOR_MSP);
  });

  for (const [what, topology] of [
    ["the founding consortium", TOPOLOGY],
    ["a consortium a second pharmacy has joined", withPharmacy2(TOPOLOGY)],
  ] as const) {
    it(`gives each trading pair of a channel the private data collection the chaincode names for it, and keeps tradeTerms (${what})`, () => {
      const dir = mkdtempSync(path.join(tmpdir(), "rxtrace-topology-"));
      try {
        const file = path.join(dir, "topology.json");
        writeFileSync(file, JSON.stringify(topology));
        for (const channel of topology.channels) {
          const collections = tradeCollections(channel.name, { ...process.env, RXTRACE_TOPOLOGY: file });
          const msps = channel.tradingPartners.map((o) => orgByName(o, topology).mspId);
          const or = (pair: readonly string[]) => `OR(${pair.map((m) => `'${m}.member'`).join(",")})`;
          const pairs = msps.flatMap((a, i) => msps.slice(i + 1).map((b) => [a, b].sort()));
          expect(collections.map((c) => [c.name, c.policy])).to.deep.equal([
            [TERMS_COLLECTION, or(msps.slice(0, 2))],
            ...pairs.map(([a, b]) => [termsCollection(a!, b!), or([a!, b!])]),
          ]);
          expect(collections.every((c) => c.memberOnlyRead && c.memberOnlyWrite)).to.equal(true);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  describe("network/configtx.yaml", () => {
    const configtx = read("network/configtx.yaml");
    /** Anchor name -> MSP id, from "- &Anchor\n    Name: XMSP". */
    const anchors = new Map([...configtx.matchAll(/- &(\w+)\n\s+Name: (\w+)\n\s+ID: (\w+)\n\s+MSPDir: @NET@\/orgs\/(\w+)\/msp/g)].map((m) => [m[1]!, { name: m[2]!, id: m[3]!, dir: m[4]! }]));

    it("defines every org's peer and orderer MSP from the org's own CA folder", () => {
      for (const org of TOPOLOGY.orgs) {
        for (const msp of [org.mspId, org.ordererMspId]) {
          const found = [...anchors.values()].find((a) => a.name === msp);
          expect(found, msp).to.deep.equal({ name: msp, id: msp, dir: org.name });
        }
      }
      expect(anchors.size).to.equal(2 * TOPOLOGY.orgs.length);
    });

    it("gives every channel profile, BFT and Raft, the channel's members", () => {
      for (const channel of TOPOLOGY.channels) {
        for (const profile of [channel.profile, `${channel.profile}Raft`]) {
          const section = new RegExp(`\\n  ${profile}:\\n([\\s\\S]*?)(?=\\n  \\w+:\\n|\\n*$)`).exec(configtx)?.[1];
          expect(section, profile).to.be.a("string");
          const application = section!.slice(section!.indexOf("Application:"));
          const members = [...application.matchAll(/- \*(\w+)/g)].map((m) => anchors.get(m[1]!)?.name);
          expect(members, profile).to.deep.equal(channelMembers(channel.name));
        }
      }
    });

    it("lists the BFT consenters and the Raft orderers of the topology's ordering", () => {
      const consenters = [...configtx.matchAll(/MSPID: (\w+)/g)].map((m) => m[1]);
      expect(consenters).to.deep.equal(TOPOLOGY.ordering.bft.map((o) => orgByName(o).ordererMspId));
      const raft = /Consenters: &RaftConsenters\n([\s\S]*?)\n\s+Organizations:/.exec(configtx)?.[1] ?? "";
      expect([...raft.matchAll(/Host: @HOST_(\w+)@/g)].map((m) => m[1])).to.deep.equal(TOPOLOGY.ordering.raft);
    });

    it("uses only placeholders network.sh fills for the topology's orgs", () => {
      const placeholders = new Set([...configtx.matchAll(/@(\w+?)@/g)].map((m) => m[1]!));
      const fills = new Set(["NET", ...TOPOLOGY.orgs.flatMap((o) => [`HOST_${o.name}`, `ORDERER_PORT_${o.name}`, `PEER_PORT_${o.name}`])]);
      expect([...placeholders].filter((p) => !fills.has(p))).to.deep.equal([]);
    });
  });

  it("is what docs/conventions.md points at for names and ports", () => {
    const conventions = read("docs/conventions.md");
    expect(conventions).to.include("network/topology.json");
    // The document states no port or MSP id of its own that could drift.
    expect(conventions).not.to.match(/\b(7051|8054|10050)\b/);
  });
});
