/**
 * After test/integration/join/member-join.test.ts on the multi-host network
 * (scripts/test/multihost.sh runs both with RXTRACE_TOPOLOGY listing pharmacy2
 * and a host made for it by `hosts.sh add`): the new member's CA, peer and
 * chaincode server run in its own namespace, its host publishes only its peer
 * (it runs no orderer), the other hosts reach that peer, and clients are told
 * its address.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { readNetworkDescription } from "../../support/network-description.js";
import { PHARMACY2_ORG } from "../../support/joining-member.js";
import { orgPort, portOffset } from "../../gateway/src/topology.js";

const tag = process.env.RXTRACE_NETNS ?? "";
const data = process.env.RXTRACE_DATA ?? "";
const org = PHARMACY2_ORG.name;
const address = process.env[`RXTRACE_HOST_${org.toUpperCase()}`] ?? "";
const pidOf = (name: string): string => readFileSync(join(data, "run", `${name}.pid`), "utf8").trim();
const groupOf = (pid: string): string[] => execFileSync("pgrep", ["-g", pid], { encoding: "utf8" }).trim().split("\n");

describe("one host per org: the member that joined", () => {
  before(function () {
    if (!tag || !data || !address) throw new Error(`run through scripts/test/multihost.sh (RXTRACE_NETNS, RXTRACE_DATA or RXTRACE_HOST_${org.toUpperCase()} unset)`);
  });

  it(`runs the ${org}'s CA, peer and chaincode server in its own namespace`, () => {
    for (const kind of ["ca", "peer", "chaincode"]) {
      for (const pid of groupOf(pidOf(`${kind}-${org}`))) {
        expect(execFileSync("ip", ["netns", "identify", pid], { encoding: "utf8" }).trim(), `${kind}-${org} (pid ${pid})`).to.equal(`${tag}-${org}`);
      }
    }
  });

  it(`has the ${org}'s host publish only its peer on its own address, which another org's host reaches`, () => {
    const listening = execFileSync("ip", ["netns", "exec", `${tag}-${org}`, "ss", "-ltnH"], { encoding: "utf8" })
      .trim()
      .split("\n")
      .map((line) => line.trim().split(/\s+/)[3] ?? "");
    const peer = orgPort(org, "peer", portOffset());
    expect(listening.filter((l) => !l.startsWith("127.0.0.1:"))).to.deep.equal([`${address}:${peer}`]);
    const reaches = (port: number) => spawnSync("ip", ["netns", "exec", `${tag}-distributor`, "timeout", "3", "bash", "-c", `exec 3<>/dev/tcp/${address}/${port}`]).status === 0;
    expect(reaches(peer), "peer").to.equal(true);
    expect(reaches(orgPort(org, "peerOps", portOffset())), "peerOps").to.equal(false);
  });

  it(`tells clients the ${org}'s peer at its address`, () => {
    const description = readNetworkDescription();
    expect(description.orgs.find((o) => o.name === org)?.peer.endpoint).to.equal(`${address}:${orgPort(org, "peer", portOffset())}`);
  });
});
