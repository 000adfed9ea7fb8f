/**
 * scripts/lib/fabric.sh on a machine with internet and no FABRIC_DIST_DIR,
 * against a local mirror of GitHub's release downloads and release API, with
 * small stand-in archives. The three ways a download's sha256 is checked: a
 * digest known locally, the digest the release API publishes, and trust on
 * first use (printed and recorded in the cache) when neither has one.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { expect } from "chai";
import { freshEnv, repoRoot, run, said, scratch, type Outcome } from "./support.js";

const script = path.join(repoRoot, "scripts/lib/fabric.sh");
const platform = `${process.platform === "darwin" ? "darwin" : "linux"}-${process.arch === "arm64" ? "arm64" : "amd64"}`;
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** A release archive holding one executable that prints `peer version`'s Version line. */
function archive(dir: string, tool: string, version: string, flavour = ""): Buffer {
  const root = path.join(dir, `${tool}-${version}${flavour}`);
  mkdirSync(path.join(root, "bin"), { recursive: true });
  writeFileSync(path.join(root, `bin/${tool}`), `#!/bin/sh\necho " Version: ${version}${flavour}"\n`, { mode: 0o755 });
  const file = `${root}.tar.gz`;
  execFileSync("tar", ["czf", file, "-C", root, "bin"]);
  return readFileSync(file);
}

describe("downloading the Fabric release archives (scripts/lib/fabric.sh) with digests from three sources", function () {
  this.timeout(60_000);
  const work = scratch("rxtrace-fabric-download-");
  const FABRIC = "9.9.9";
  const CA = "8.8.8";
  const fabricName = `hyperledger-fabric-${platform}-${FABRIC}.tar.gz`;
  const caName = `hyperledger-fabric-ca-${platform}-${CA}.tar.gz`;
  /** What the mirror serves: download path -> bytes, and release API path -> description. */
  const files = new Map<string, Buffer>();
  const releases = new Map<string, unknown>();
  const requests: string[] = [];
  let server: Server;
  let base: string;
  let fabric: Buffer;
  let ca: Buffer;

  const download = (project: string, version: string, name: string) => `/download/${project}/releases/download/v${version}/${name}`;
  const release = (project: string, version: string) => `/api/${project}/releases/tags/v${version}`;
  /** A release description as GitHub's API gives it; `digest` null as for assets uploaded before digests existed. */
  const describeRelease = (version: string, assets: Array<[string, string | null]>) => ({
    tag_name: `v${version}`,
    assets: assets.map(([name, digest]) => ({ name, size: 1, digest, browser_download_url: `https://example.invalid/${name}` })),
  });

  function install(cache: string, extra: Record<string, string> = {}): Promise<Outcome> {
    const env = freshEnv(path.join(work.dir, "home"), cache, {
      FABRIC_VERSION: FABRIC,
      FABRIC_CA_VERSION: CA,
      FABRIC_RELEASES_URL: `${base}/download`,
      FABRIC_RELEASES_API: `${base}/api`,
      ...extra,
    });
    // The scripts need some node for the release API answer; the test's own is fine.
    env.PATH = `${path.dirname(process.execPath)}:${env.PATH}`;
    return run("bash", [script], { env, timeout: 55_000 });
  }

  before(async () => {
    mkdirSync(path.join(work.dir, "home"));
    fabric = archive(work.dir, "peer", FABRIC);
    ca = archive(work.dir, "fabric-ca-server", CA);
    server = createServer((req, res) => {
      const url = req.url ?? "";
      requests.push(url);
      const bytes = files.get(url);
      if (bytes) return void res.writeHead(200, { "content-type": "application/octet-stream" }).end(bytes);
      const description = releases.get(url);
      if (description) return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(description));
      res.writeHead(404, { "content-type": "application/json" }).end('{"message":"Not Found"}');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.close();
    work.remove();
  });
  beforeEach(() => {
    files.clear();
    releases.clear();
    requests.length = 0;
    files.set(download("fabric", FABRIC, fabricName), fabric);
    files.set(download("fabric-ca", CA, caName), ca);
  });

  describe("a digest known locally", () => {
    it("checks the download against FABRIC_DIST_DIR's SHA256SUMS and does not ask the release API", async () => {
      const dist = path.join(work.dir, "dist-sums-only");
      mkdirSync(dist);
      writeFileSync(path.join(dist, "SHA256SUMS"), `${sha256(fabric)}  ${fabricName}\n${sha256(ca)}  ${caName}\n`);
      const result = await install(path.join(work.dir, "cache-known"), { FABRIC_DIST_DIR: dist });
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stderr).to.contain(`rxtrace: sha256 of ${fabricName} verified (${dist}/SHA256SUMS)`);
      expect(result.stdout).to.contain(`peer version: ${FABRIC}`);
      expect(requests.filter((url) => url.startsWith("/api/"))).to.deep.equal([]);
    });

    it("refuses an archive that differs from the official digest in network/fabric-release.sha256, and installs nothing", async () => {
      const official = readFileSync(path.join(repoRoot, "network/fabric-release.sha256"), "utf8");
      const name = `hyperledger-fabric-${platform}-3.1.5.tar.gz`;
      const digest = official.split("\n").find((line) => line.endsWith(`  ${name}`))?.split(" ")[0];
      expect(digest, `network/fabric-release.sha256 lists ${name}`).to.match(/^[0-9a-f]{64}$/);
      files.set(download("fabric", "3.1.5", name), fabric);
      const cache = path.join(work.dir, "cache-official");
      const result = await install(cache, { FABRIC_VERSION: "3.1.5" });
      expect(result.code).to.equal(1);
      expect(said(result.stderr).at(-1)).to.equal(
        `rxtrace: ${name} has sha256 ${sha256(fabric)} but ${digest} was expected; refusing to install it (the digest is from ${repoRoot}/network/fabric-release.sha256).`,
      );
      expect(existsSync(path.join(cache, "fabric/3.1.5"))).to.equal(false);
    });
  });

  describe("the digest the release API publishes", () => {
    it("checks each download against the sha256 digest of its asset in the release description", async () => {
      releases.set(release("fabric", FABRIC), describeRelease(FABRIC, [[fabricName, `sha256:${sha256(fabric)}`]]));
      releases.set(release("fabric-ca", CA), describeRelease(CA, [["other.tar.gz", "sha256:" + "0".repeat(64)], [caName, `sha256:${sha256(ca)}`]]));
      const cache = path.join(work.dir, "cache-api");
      const result = await install(cache);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stderr).to.contain(`rxtrace: sha256 of ${fabricName} verified against the digest the release API publishes (${base}/api/fabric/releases/tags/v${FABRIC})`);
      expect(result.stderr).to.contain(`rxtrace: sha256 of ${caName} verified against the digest the release API publishes (${base}/api/fabric-ca/releases/tags/v${CA})`);
      expect(result.stdout).to.contain(`peer version: ${FABRIC}`);
      expect(existsSync(path.join(cache, "fabric-release.sha256")), "nothing trusted on first use").to.equal(false);
    });

    it("refuses a download whose sha256 differs from the published one, and installs nothing", async () => {
      const published = "ab".repeat(32);
      releases.set(release("fabric", FABRIC), describeRelease(FABRIC, [[fabricName, `sha256:${published}`]]));
      const cache = path.join(work.dir, "cache-api-mismatch");
      const result = await install(cache);
      expect(result.code).to.equal(1);
      expect(said(result.stderr).at(-1)).to.equal(
        `rxtrace: ${fabricName} has sha256 ${sha256(fabric)} but ${published} was expected; refusing to install it (the digest is the one the release API publishes at ${base}/api/fabric/releases/tags/v${FABRIC}).`,
      );
      expect(existsSync(path.join(cache, `fabric/${FABRIC}`))).to.equal(false);
      expect(existsSync(path.join(cache, "fabric-release.sha256"))).to.equal(false);
    });
  });

  describe("trust on first use", () => {
    const cache = path.join(work.dir, "cache-tofu");

    it("installs a download no source has a digest for, printing its sha256 and recording it in the cache", async () => {
      // No digest for the Fabric asset (published before GitHub computed them); no release at all for the CA.
      releases.set(release("fabric", FABRIC), describeRelease(FABRIC, [[fabricName, null]]));
      const result = await install(cache);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stderr).to.contain(
        `rxtrace: no sha256 is known for ${fabricName} and the release API (${base}/api/fabric/releases/tags/v${FABRIC}) publishes none; trusting this first download: sha256 ${sha256(fabric)}, recorded in ${cache}/fabric-release.sha256`,
      );
      expect(readFileSync(path.join(cache, "fabric-release.sha256"), "utf8")).to.equal(`${sha256(fabric)}  ${fabricName}\n${sha256(ca)}  ${caName}\n`);
      expect(result.stdout).to.contain(`peer version: ${FABRIC}`);
    });

    it("holds a later download of the same archive to the recorded digest", async () => {
      rmSync(path.join(cache, `fabric/${FABRIC}`), { recursive: true });
      const other = archive(work.dir, "peer", FABRIC, "-other");
      files.set(download("fabric", FABRIC, fabricName), other);
      const result = await install(cache);
      expect(result.code).to.equal(1);
      expect(said(result.stderr).at(-1)).to.equal(
        `rxtrace: ${fabricName} has sha256 ${sha256(other)} but ${sha256(fabric)} was expected; refusing to install it (the digest is from ${cache}/fabric-release.sha256).`,
      );
    });

    it("refuses instead when RXTRACE_TRUST_DOWNLOAD=0", async () => {
      const strict = path.join(work.dir, "cache-strict");
      const result = await install(strict, { RXTRACE_TRUST_DOWNLOAD: "0" });
      expect(result.code).to.equal(1);
      expect(said(result.stderr).at(-1)).to.match(new RegExp(`^rxtrace: no sha256 is known for ${fabricName.replace(/\./g, "\\.")} \\(got [0-9a-f]{64}\\) and the release API .* publishes none; `));
      expect(existsSync(path.join(strict, `fabric/${FABRIC}`))).to.equal(false);
    });
  });
});
