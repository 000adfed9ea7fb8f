/**
 * scripts/network/hosts.sh: one network namespace per org on a bridge, links
 * that can be cut and healed, and nothing left behind afterwards.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import type { Topology } from "../../gateway/src/topology.js";
import { withPharmacy2 } from "../../support/joining-member.js";

const script = "scripts/network/hosts.sh";

function hosts(...args: string[]): string {
  return execFileSync("bash", [script, ...args], { encoding: "utf8" });
}

/** hosts.sh with the topology a second pharmacy has joined. */
function hostsJoined(...args: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), "rxtrace-hosts-"));
  try {
    const file = path.join(dir, "topology.json");
    writeFileSync(file, JSON.stringify(withPharmacy2(JSON.parse(readFileSync("network/topology.json", "utf8")) as Topology)));
    return execFileSync("bash", [script, ...args], { encoding: "utf8", env: { ...process.env, RXTRACE_TOPOLOGY: file } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function settingsOf(output: string): Record<string, string> {
  return Object.fromEntries(output.trim().split("\n").map((line) => line.split("=") as [string, string]));
}

/** Connects from one namespace to port 9 of an address: "refused" means the host answered, so the link works. */
function reach(namespace: string, address: string): "refused" | "unreachable" {
  const probe = spawnSync("ip", ["netns", "exec", namespace, "timeout", "4", "bash", "-c", `exec 3<>/dev/tcp/${address}/9`], { encoding: "utf8" });
  return /refused/i.test(probe.stderr) ? "refused" : "unreachable";
}

function namespacesOf(tag: string): string[] {
  return execFileSync("ip", ["netns", "list"], { encoding: "utf8" }).split("\n").map((l) => l.split(" ")[0] ?? "").filter((n) => n.startsWith(`${tag}-`));
}

describe("one host per org (scripts/network/hosts.sh)", function () {
  this.timeout(60_000);
  let settings: Record<string, string>;
  let tag: string;

  before(() => {
    settings = settingsOf(hosts("up"));
    tag = settings.RXTRACE_NETNS ?? "";
  });

  after(() => {
    if (tag) hosts("down", tag);
  });

  it("gives every org a namespace and an address of its own on one private /24", () => {
    expect(namespacesOf(tag).sort()).to.deep.equal(["distributor", "manufacturer", "pharmacy", "regulator"].map((o) => `${tag}-${o}`));
    const addresses = ["MANUFACTURER", "DISTRIBUTOR", "PHARMACY", "REGULATOR"].map((o) => settings[`RXTRACE_HOST_${o}`] ?? "");
    expect(new Set(addresses).size).to.equal(4);
    for (const a of addresses) expect(a).to.match(/^10\.77\.\d+\.[1-4]$/);
    expect(new Set(addresses.map((a) => a.split(".").slice(0, 3).join("."))).size).to.equal(1);
  });

  it("lets each org's host reach another org's host over the bridge", () => {
    expect(reach(`${tag}-manufacturer`, settings.RXTRACE_HOST_REGULATOR ?? "")).to.equal("refused");
    expect(reach(`${tag}-pharmacy`, settings.RXTRACE_HOST_DISTRIBUTOR ?? "")).to.equal("refused");
  });

  it("cuts one org off and heals it", () => {
    hosts("cut", tag, "distributor");
    expect(reach(`${tag}-manufacturer`, settings.RXTRACE_HOST_DISTRIBUTOR ?? "")).to.equal("unreachable");
    expect(reach(`${tag}-manufacturer`, settings.RXTRACE_HOST_REGULATOR ?? "")).to.equal("refused");
    hosts("heal", tag, "distributor");
    expect(reach(`${tag}-manufacturer`, settings.RXTRACE_HOST_DISTRIBUTOR ?? "")).to.equal("refused");
  });

  it("adds a host on the same bridge for an org that joins later, reachable from the others, once", () => {
    const added = settingsOf(hostsJoined("add", tag, "pharmacy2"));
    const subnet = settings.RXTRACE_HOST_MANUFACTURER?.split(".").slice(0, 3).join(".");
    expect(added.RXTRACE_HOST_PHARMACY2).to.equal(`${subnet}.5`);
    expect(namespacesOf(tag)).to.include(`${tag}-pharmacy2`);
    expect(reach(`${tag}-distributor`, added.RXTRACE_HOST_PHARMACY2 ?? "")).to.equal("refused");
    expect(reach(`${tag}-pharmacy2`, settings.RXTRACE_HOST_REGULATOR ?? "")).to.equal("refused");
    const again = spawnSync("bash", [script, "add", tag, "pharmacy"], { encoding: "utf8" });
    expect(again.status).to.equal(1);
    expect(again.stderr).to.match(/pharmacy already has a host in/);
  });

  it("gives a second set of hosts a subnet of its own", () => {
    const second = settingsOf(hosts("up"));
    try {
      expect(second.RXTRACE_NETNS).to.not.equal(tag);
      expect(second.RXTRACE_HOST_MANUFACTURER?.split(".")[2]).to.not.equal(settings.RXTRACE_HOST_MANUFACTURER?.split(".")[2]);
    } finally {
      hosts("down", second.RXTRACE_NETNS ?? "");
    }
    expect(namespacesOf(second.RXTRACE_NETNS ?? "")).to.deep.equal([]);
  });

  it("says why namespaces cannot be made for a user who is not root", () => {
    const result = spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "bash", script, "check"], { encoding: "utf8" });
    expect(result.status).to.equal(1);
    expect(result.stdout).to.match(/need root \(this is uid 65534\)/);
  });

  it("says why namespaces cannot be made without the ip command", () => {
    const bin = mkdtempSync(path.join(tmpdir(), "rx-noip-"));
    try {
      for (const tool of ["jq", "id", "cat", "dirname", "tr", "grep"]) symlinkSync(execFileSync("bash", ["-c", `command -v ${tool}`], { encoding: "utf8" }).trim(), path.join(bin, tool));
      const result = spawnSync("/bin/bash", [script, "check"], { encoding: "utf8", env: { PATH: bin } });
      expect(result.status).to.equal(1);
      expect(result.stdout).to.match(/'ip' command \(iproute2\) is not installed/);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it("refuses a tag it did not make", () => {
    const result = spawnSync("bash", [script, "down", "eth0"], { encoding: "utf8" });
    expect(result.status).to.not.equal(0);
    expect(result.stderr).to.match(/not a tag made by this script/);
  });

  it("removes every namespace, veth and the bridge on down", () => {
    const n = tag.replace("rxn", "");
    hosts("down", tag);
    expect(namespacesOf(tag)).to.deep.equal([]);
    const links = execFileSync("ip", ["-o", "link", "show"], { encoding: "utf8" });
    expect(links).to.not.match(new RegExp(`rxbr${n}[:@]|rxv${n}-`));
    tag = "";
  });
});
