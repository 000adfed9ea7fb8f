/**
 * The pieces of `scripts/network.sh upgrade` that need no network: each
 * chaincode generation's definition, label and port slot, the ports its
 * servers are checked on from the network's recorded state, and bad
 * arguments refused naming what is wrong without touching the data folder.
 * The upgrade itself runs against the real network in
 * test/integration/network/upgrade.test.ts.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { orgPort } from "../../gateway/src/topology.js";

const repo = path.resolve(import.meta.dirname, "../..");
const modules = ["topology", "processes", "pki", "nodes", "channels", "chaincode"].map((m) => `source scripts/network/lib/${m}.sh`).join("; ");

describe("network.sh upgrade without a network", () => {
  let data: string;
  beforeEach(() => {
    data = mkdtempSync(path.join(tmpdir(), "rxtrace-upgrade-"));
  });
  afterEach(() => rmSync(data, { recursive: true, force: true }));

  const env = () => ({ ...process.env, RXTRACE_DATA: data, RXTRACE_PORT_OFFSET: "0" });
  /** Runs bash with the network modules sourced, as network.sh sources them. */
  const shell = (script: string): string =>
    execFileSync("bash", ["-c", `set -euo pipefail; ROOT=${repo}; ${modules}; ${script}`], { cwd: repo, env: env(), encoding: "utf8" }).trim();

  it("gives each generation sequence + 1, its own label and the other port slot in turn", () => {
    const definitions = shell('for n in 0 1 2; do use_rxtrace_generation "$n"; echo "$CC_LABEL $CC_VERSION $CC_SEQUENCE $CC_PORT_KIND $(cc_home manufacturer)"; done');
    const home = path.join(data, "fabric/chaincode");
    expect(definitions.split("\n")).to.deep.equal([
      `rxtrace 1.0 1 ccaas ${home}/manufacturer`,
      `rxtrace_1 1.1 2 ccaasNext ${home}/generation-1/manufacturer`,
      `rxtrace_2 1.2 3 ccaas ${home}/generation-2/manufacturer`,
    ]);
  });

  it("checks the running servers on the recorded generation's slot and the next generation's on the other", () => {
    expect(shell("ports_of chaincode-pharmacy; ports_of chaincode-next-pharmacy").split("\n").map(Number)).to.deep.equal([
      orgPort("pharmacy", "ccaas"),
      orgPort("pharmacy", "ccaasNext"),
    ]);
    mkdirSync(path.join(data, "fabric/chaincode"), { recursive: true });
    writeFileSync(path.join(data, "fabric/chaincode/generation"), "1\n");
    expect(shell("ports_of chaincode-pharmacy; ports_of chaincode-next-pharmacy; use_rxtrace_chaincode; echo $CC_SEQUENCE").split("\n").map(Number)).to.deep.equal([
      orgPort("pharmacy", "ccaasNext"),
      orgPort("pharmacy", "ccaas"),
      2,
    ]);
  });

  it("serves a generation from the folder its upgrade named, unless RXTRACE_CHAINCODE_DIR names another", () => {
    mkdirSync(path.join(data, "fabric/chaincode/generation-1"), { recursive: true });
    writeFileSync(path.join(data, "fabric/chaincode/generation-1/module"), "/srv/build-2\n");
    expect(shell("use_rxtrace_generation 0; echo $CHAINCODE_DIR; use_rxtrace_generation 1; echo $CHAINCODE_DIR").split("\n")).to.deep.equal([
      path.join(repo, "chaincode"),
      "/srv/build-2",
    ]);
    expect(shell("RXTRACE_CHAINCODE_DIR=/srv/test-build; use_rxtrace_generation 1; echo $CHAINCODE_DIR")).to.equal("/srv/test-build");
  });

  for (const [args, says] of [
    [["approve"], "upgrade approve: name the org (one of manufacturer distributor pharmacy regulator)"],
    [["approve", "nosuch"], "org 'nosuch' is not in"],
    [["--from"], "upgrade: --from needs a folder"],
    [["rollback"], "upgrade: unknown argument 'rollback'"],
    [["commit"], "upgrade: no network in"],
  ] as const) {
    it(`refuses 'upgrade ${args.join(" ")}' saying "${says}" and writes nothing`, () => {
      const result = spawnSync("bash", ["scripts/network.sh", "upgrade", ...args], { cwd: repo, env: env(), encoding: "utf8" });
      expect(result.status).to.equal(1);
      expect(result.stderr).to.include(says);
      expect(readdirSync(data)).to.deep.equal([]);
    });
  }
});
