/**
 * The network brought up by scripts/test/multihost.sh: every org's CA, orderer,
 * peer and chaincode server runs in that org's own network namespace, publishes
 * only its peer and orderer on that org's address (the rest stays on the
 * host's loopback), and is handed no other org's private files.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { readNetworkDescription } from "../../support/network-description.js";

const tag = process.env.RXTRACE_NETNS ?? "";
const data = process.env.RXTRACE_DATA ?? "";
const orgs = ["manufacturer", "distributor", "pharmacy", "regulator"];
const kinds = ["ca", "orderer", "peer", "chaincode"];
const addressOf = (org: string): string => process.env[`RXTRACE_HOST_${org.toUpperCase()}`] ?? "";
const topology = JSON.parse(readFileSync("network/topology.json", "utf8")) as { orgs: { name: string; portBlock: number }[]; ports: { perOrg: Record<string, number> } };
/** An org's port of a kind (a ports.perOrg key), at offset 0 as the suite runs it. */
const portOf = (org: string, kind: string): number =>
  (topology.orgs.find((o) => o.name === org)?.portBlock ?? 0) * 1000 + (topology.ports.perOrg[kind] ?? 0) + Number(process.env.RXTRACE_PORT_OFFSET ?? 0);
const pidOf = (name: string): string => readFileSync(join(data, "run", `${name}.pid`), "utf8").trim();
/** The pids of a process group: the node itself may be a child of its supervisor. */
const groupOf = (pid: string): string[] => execFileSync("pgrep", ["-g", pid], { encoding: "utf8" }).trim().split("\n");

describe("one host per org: where each org's nodes run", () => {
  before(function () {
    if (!tag || !data) throw new Error("run through scripts/test/multihost.sh (RXTRACE_NETNS and RXTRACE_DATA unset)");
  });

  for (const org of orgs) {
    it(`runs the ${org}'s CA, orderer, peer and chaincode server in its own namespace`, () => {
      for (const kind of kinds) {
        for (const pid of groupOf(pidOf(`${kind}-${org}`))) {
          expect(execFileSync("ip", ["netns", "identify", pid], { encoding: "utf8" }).trim(), `${kind}-${org} (pid ${pid})`).to.equal(`${tag}-${org}`);
        }
      }
    });

    it(`has the ${org}'s host publish its peer and orderer on its own address and keep every other port on its loopback`, () => {
      const listening = execFileSync("ip", ["netns", "exec", `${tag}-${org}`, "ss", "-ltnH"], { encoding: "utf8" })
        .trim().split("\n").map((line) => line.trim().split(/\s+/)[3] ?? "");
      expect(listening.length).to.be.greaterThan(8);
      const published = listening.filter((l) => !l.startsWith("127.0.0.1:")).sort();
      expect(published).to.deep.equal([`${addressOf(org)}:${portOf(org, "orderer")}`, `${addressOf(org)}:${portOf(org, "peer")}`]);
    });

    it(`lets another org's host reach the ${org}'s peer and orderer, and nothing else`, () => {
      const other = orgs.find((o) => o !== org) ?? "";
      const answers = (port: number) => spawnSync("ip", ["netns", "exec", `${tag}-${other}`, "timeout", "3", "bash", "-c", `exec 3<>/dev/tcp/${addressOf(org)}/${port}`]).status === 0;
      expect(answers(portOf(org, "peer")), "peer").to.equal(true);
      expect(answers(portOf(org, "orderer")), "orderer").to.equal(true);
      for (const kind of ["ca", "caOps", "ordererAdmin", "ordererOps", "peerChaincode", "peerOps", "ccaas"]) expect(answers(portOf(org, kind)), kind).to.equal(false);
    });

    it(`hands the ${org}'s nodes no other org's keys, only their CA certificates`, () => {
      for (const kind of kinds) {
        const environ = readFileSync(`/proc/${pidOf(`${kind}-${org}`)}/environ`, "utf8").split("\0").join(" ");
        for (const other of orgs.filter((o) => o !== org)) {
          expect(environ, `${kind}-${org}`).to.not.include(join(data, "fabric", "orgs", other));
          const caFiles = environ.match(new RegExp(`${join(data, "fabric", "ca", other)}/\\S*`, "g")) ?? [];
          for (const file of caFiles) expect(file.replace(/[,\]]+$/, ""), `${kind}-${org}`).to.match(/\/ca-cert\.pem$/);
        }
      }
    });
  }

  it("tells clients each org's peer and orderer at that org's address", () => {
    const description = readNetworkDescription();
    for (const org of description.orgs) expect(org.peer.endpoint.split(":")[0]).to.equal(addressOf(org.name));
    for (const orderer of description.orderers) expect(orderer.endpoint.split(":")[0]).to.equal(addressOf(orderer.name));
  });
});
