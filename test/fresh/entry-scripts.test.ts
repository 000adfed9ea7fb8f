/**
 * The two commands on a fresh machine: npm start and npm test, and the
 * scripts/lib/node.sh they source, run with an empty RXTRACE_CACHE, a fresh
 * HOME and the machine's own Node (not 24). Each either prints what it is
 * doing and exits 0, or prints one sentence and exits non-zero; never a
 * silent exit.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { expect } from "chai";
import { freshEnv, pathWithoutCachedNode, repoRoot, run, said, scratch } from "./support.js";

const nodeSh = path.join(repoRoot, "scripts/lib/node.sh");
/** Sources node.sh the way start.sh and .ci/run do, then prints the Node on PATH. */
const sourceNode = `set -euo pipefail; source "${nodeSh}"; echo "node on PATH: $(node --version)"`;
/** The ports npm start checks, from this run's settings so parallel checkouts do not collide. */
const portSettings: Record<string, string> = {};
for (const name of ["RXTRACE_PORT_OFFSET", "KUBO_API_PORT", "KUBO_GATEWAY_PORT", "EVM_PORT", "RXTRACE_GATEWAY_PORT"]) {
  const value = process.env[name];
  if (value !== undefined) portSettings[name] = value;
}

describe("the entry scripts on a fresh machine (empty cache, fresh HOME, the machine's own Node)", function () {
  this.timeout(110_000);
  const work = scratch("rxtrace-fresh-");
  /** One cache that the first test fills with Node 24, reused where the fetch is not the point. */
  const warmCache = path.join(work.dir, "warm-cache");

  before(function () {
    const own = execFileSync("bash", ["-c", "node --version 2>/dev/null || echo none"], {
      env: { PATH: pathWithoutCachedNode(), SHLVL: "1" },
      encoding: "utf8",
    }).trim();
    expect(own, "this check needs the machine's own Node to be another major than 24, so that the fetch is exercised").to.not.match(/^v24\./);
  });
  after(() => work.remove());

  /**
   * One fresh HOME for the suite: npm keeps the Node package it downloads in
   * ~/.npm, so only the first fetch into an empty cache goes to the registry.
   */
  const freshHome = path.join(work.dir, "home");
  mkdirSync(freshHome);
  const home = () => freshHome;

  describe("source scripts/lib/node.sh", () => {
    it("fetches Node 24 from the npm registry into the empty cache, says so, and puts it on PATH under set -euo pipefail", async () => {
      const result = await run("bash", ["-c", sourceNode], { env: freshEnv(home(), warmCache) });
      expect(result.code, result.stderr).to.equal(0);
      expect(said(result.stderr)[0]).to.match(/^rxtrace: fetching Node 24 \(node-[a-z]+-[a-z0-9]+\) from the npm registry into .*warm-cache\/node/);
      expect(result.stderr).to.match(/rxtrace: using Node v24\.\d+\.\d+ from .*warm-cache\/node\/24\.\d+\.\d+\/bin/);
      expect(result.stdout).to.match(/^node on PATH: v24\./m);
    });

    it("uses the cached Node 24 the second time without fetching it again", async () => {
      const result = await run("bash", ["-c", sourceNode], { env: freshEnv(home(), warmCache) });
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stderr).to.not.contain("fetching");
      expect(said(result.stderr)).to.have.length(1);
      expect(result.stdout).to.match(/^node on PATH: v24\./m);
    });

    it("prints one sentence and exits 1 when the npm registry cannot be reached", async () => {
      const env = freshEnv(home(), path.join(work.dir, "cache-no-registry"), {
        npm_config_registry: "http://127.0.0.1:9/",
        npm_config_fetch_retries: "0",
      });
      const result = await run("bash", ["-c", sourceNode], { env });
      expect(result.code).to.equal(1);
      expect(result.stdout).to.not.contain("node on PATH");
      const lines = said(result.stderr);
      expect(lines, result.stderr).to.have.length(2);
      expect(lines[0]).to.match(/^rxtrace: fetching Node 24 /);
      expect(lines[1]).to.match(
        /^rxtrace: could not fetch node-\S+@24 from the npm registry \(http:\/\/127\.0\.0\.1:9\/\); check the network or npm's registry setting, or install Node 24 and put it on PATH\.$/,
      );
    });
  });

  describe("the npm packages (rxtrace_packages)", () => {
    const project = path.join(work.dir, "project");
    const marker = path.join(project, "node_modules/.rxtrace-node-major");
    const packages = (dir: string, extra: Record<string, string> = {}) =>
      run("bash", ["-c", `set -euo pipefail; source "${nodeSh}"; rxtrace_packages "$1"; echo packages ready`, "packages", dir], {
        env: freshEnv(home(), warmCache, extra),
      });

    before(() => {
      // A project whose one dependency is a local folder: npm installs it without a registry.
      mkdirSync(path.join(project, "dep"), { recursive: true });
      writeFileSync(path.join(project, "dep/package.json"), JSON.stringify({ name: "dep", version: "1.0.0" }));
      writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "p", version: "1.0.0", private: true, dependencies: { dep: "file:./dep" } }));
    });

    it("installs them with a progress line when node_modules is missing, and records Node 24 in it", async () => {
      const result = await packages(project);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stderr).to.match(/rxtrace: installing the npm packages under Node v24\.\S+ \(node_modules is missing\)/);
      expect(existsSync(path.join(project, "node_modules/dep/package.json"))).to.equal(true);
      expect(readFileSync(marker, "utf8").trim()).to.equal("24");
      expect(result.stdout).to.contain("packages ready");
    });

    it("leaves them alone when they were installed under Node 24", async () => {
      const result = await packages(project);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stderr).to.not.contain("installing");
    });

    it("reinstalls them when they were installed under another Node major", async () => {
      writeFileSync(marker, "20\n");
      const result = await packages(project);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stderr).to.contain("(node_modules was installed under Node 20)");
      expect(readFileSync(marker, "utf8").trim()).to.equal("24");
    });

    it("prints one sentence and exits 1 when npm cannot install them", async () => {
      const broken = path.join(work.dir, "broken");
      mkdirSync(broken);
      writeFileSync(path.join(broken, "package.json"), JSON.stringify({ name: "b", version: "1.0.0", private: true, dependencies: { "left-pad": "1.3.0" } }));
      const result = await packages(broken, { npm_config_registry: "http://127.0.0.1:9/", npm_config_fetch_retries: "0" });
      expect(result.code).to.equal(1);
      expect(result.stdout).to.not.contain("packages ready");
      expect(said(result.stderr).at(-1)).to.equal(
        `rxtrace: installing the npm packages failed (npm install --no-audit --no-fund in ${broken}, its output is above); fix the cause it names and run again.`,
      );
    });
  });

  describe("npm install by hand under the machine's own Node", () => {
    it("stops before installing anything, and its error says to run npm start or npm test", async () => {
      // The repository's own package.json, .npmrc and lockfile, in a folder of their own.
      const copy = path.join(work.dir, "install-by-hand");
      mkdirSync(copy);
      for (const file of ["package.json", ".npmrc", "package-lock.json"]) copyFileSync(path.join(repoRoot, file), path.join(copy, file));
      const result = await run("npm", ["install"], { env: freshEnv(home(), warmCache), cwd: copy });
      expect(result.code).to.equal(1);
      expect(result.stderr).to.contain("npm error code EBADENGINE");
      expect(result.stderr).to.contain(
        '"rxtrace":"Node 24 is needed: run npm start or npm test instead, which fetch Node 24 and install the packages under it (or source scripts/lib/node.sh, then npm install)."',
      );
      expect(existsSync(path.join(copy, "node_modules")), "nothing installed").to.equal(false);
    });
  });

  describe("npm start -- --check and npm test -- --check", () => {
    let mirror: Server;
    let mirrorUrl: string;
    before(async () => {
      // Stands in for GitHub's release downloads: npm start only asks whether it answers.
      mirror = createServer((_req, res) => res.writeHead(200).end());
      await new Promise<void>((resolve) => mirror.listen(0, "127.0.0.1", resolve));
      mirrorUrl = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}`;
    });
    after(() => mirror.close());

    it("npm start -- --check fetches Node 24, checks the packages and every prerequisite, and stops before any service starts", async () => {
      const data = path.join(work.dir, "data-start");
      const env = freshEnv(home(), path.join(work.dir, "cache-start"), { ...portSettings, RXTRACE_DATA: data, FABRIC_RELEASES_URL: mirrorUrl });
      const result = await run("npm", ["start", "--", "--check"], { env });
      expect(result.code, result.stdout + result.stderr).to.equal(0);
      expect(result.stderr).to.contain("rxtrace: fetching Node 24");
      expect(result.stdout).to.contain("[1/6] checking prerequisites");
      expect(result.stdout).to.match(/rxtrace: --check: Node v24\.\S+, the npm packages and every prerequisite are in place; stopping before any service starts\./);
      expect(result.stdout).to.not.contain("[2/6]");
      expect(existsSync(path.join(data, "run/gateway.pid"))).to.equal(false);
    });

    it("npm start -- --check prints one sentence and exits 1 when the Fabric binaries can be neither found nor downloaded", async () => {
      const env = freshEnv(home(), warmCache, { ...portSettings, RXTRACE_DATA: path.join(work.dir, "data-nofabric"), FABRIC_RELEASES_URL: "http://127.0.0.1:9" });
      const result = await run("npm", ["start", "--", "--check"], { env });
      expect(result.code).to.equal(1);
      expect(said(result.stderr).filter((line) => !line.startsWith("rxtrace: using Node"))).to.deep.equal([
        "rxtrace: the Fabric binaries are not installed and cannot be downloaded; set FABRIC_DIST_DIR to a folder holding the Fabric release archives (see docs/start.md) and run npm start again.",
      ]);
      expect(result.stdout).to.not.contain("--check:");
    });

    it("npm test -- --check uses the cached Node 24, checks the packages, then stops before the build", async () => {
      // Only Node in the cache (the first test fetched it; npm start's check above fetched its own).
      const cache = path.join(work.dir, "cache-test");
      mkdirSync(cache);
      symlinkSync(path.join(warmCache, "node"), path.join(cache, "node"));
      const result = await run("npm", ["test", "--", "--check"], { env: freshEnv(home(), cache) });
      expect(result.code, result.stdout + result.stderr).to.equal(0);
      expect(result.stderr).to.match(/rxtrace: using Node v24\.\S+ from .*cache-test\/node\/24\.\S+\/bin/);
      expect(result.stdout).to.match(/rxtrace: --check: Node v24\.\S+ and the npm packages are in place; stopping before the build\./);
      expect(result.stdout).to.not.contain("== build");
    });
  });
});
