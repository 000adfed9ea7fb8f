/**
 * scripts/lib/fabric.sh against real release archives: from FABRIC_DIST_DIR
 * (CI: ../shared/fabric), from a download mirror when that folder lacks them,
 * refusing a digest mismatch, and one clear sentence when no source works.
 * Each case installs into a fresh cache folder.
 */
import { execFile } from "node:child_process";
import { copyFileSync, createReadStream, existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, "../../..");
const script = path.join(repoRoot, "scripts/lib/fabric.sh");
const distDir = process.env.FABRIC_DIST_DIR ?? path.resolve(repoRoot, "../shared/fabric");
const FABRIC = "hyperledger-fabric-linux-amd64-3.1.5.tar.gz";
const FABRIC_CA = "hyperledger-fabric-ca-linux-amd64-1.5.21.tar.gz";

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function install(env: Record<string, string | undefined>): Promise<Outcome> {
  const { FABRIC_DIST_DIR: _unused, ...inherited } = process.env;
  try {
    const { stdout, stderr } = await run("bash", [script], { env: { ...inherited, ...env }, maxBuffer: 1 << 22 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

describe("installing the Fabric binaries (scripts/lib/fabric.sh)", function () {
  this.timeout(180_000);
  let work: string;

  before(function () {
    expect(existsSync(path.join(distDir, FABRIC)), `the release archives in ${distDir} (set FABRIC_DIST_DIR)`).to.equal(true);
    work = mkdtempSync(path.join(tmpdir(), "rxtrace-fabric-install-"));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it("installs both archives from FABRIC_DIST_DIR into a versioned cache, and peer reports 3.1.5", async () => {
    const cache = path.join(work, "cache-dist");
    const result = await install({ FABRIC_DIST_DIR: distDir, RXTRACE_CACHE: cache });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.contain("peer version: 3.1.5");
    expect(existsSync(path.join(cache, "fabric/3.1.5/builders/ccaas/bin/build"))).to.equal(true);
    expect(existsSync(path.join(cache, "fabric-ca/1.5.21/bin/fabric-ca-client"))).to.equal(true);
    const again = await install({ FABRIC_DIST_DIR: distDir, RXTRACE_CACHE: cache });
    expect(again.stderr, "a second run finds everything in place").to.not.contain("extracting");
  });

  it("refuses an archive whose sha256 differs from SHA256SUMS and leaves no cache behind", async () => {
    const dist = path.join(work, "dist-tampered");
    mkdirSync(dist);
    copyFileSync(path.join(distDir, FABRIC), path.join(dist, FABRIC));
    const sums = readFileSync(path.join(distDir, "SHA256SUMS"), "utf8").replace(/^[0-9a-f]{8}/gm, "00000000");
    writeFileSync(path.join(dist, "SHA256SUMS"), sums);
    const cache = path.join(work, "cache-tampered");
    const result = await install({ FABRIC_DIST_DIR: dist, RXTRACE_CACHE: cache });
    expect(result.code).to.not.equal(0);
    expect(result.stderr).to.match(/has sha256 [0-9a-f]{64} but 00000000[0-9a-f]{56} was expected; refusing to install it/);
    expect(existsSync(path.join(cache, "fabric/3.1.5"))).to.equal(false);
  });

  describe("from a download mirror", () => {
    let server: Server;
    let url: string;
    before(async () => {
      // Serves <project>/releases/download/v<version>/<file> like GitHub releases.
      server = createServer((req, res) => {
        const file = path.basename(req.url ?? "");
        if ((file === FABRIC && req.url?.startsWith("/fabric/")) || (file === FABRIC_CA && req.url?.startsWith("/fabric-ca/"))) {
          createReadStream(path.join(distDir, file)).pipe(res);
        } else {
          res.writeHead(404).end();
        }
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const address = server.address();
      url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    });
    after(() => server.close());

    it("downloads what FABRIC_DIST_DIR lacks and checks it against the folder's SHA256SUMS", async () => {
      const dist = path.join(work, "dist-sums-only");
      mkdirSync(dist);
      copyFileSync(path.join(distDir, "SHA256SUMS"), path.join(dist, "SHA256SUMS"));
      const result = await install({ FABRIC_DIST_DIR: dist, RXTRACE_CACHE: path.join(work, "cache-mirror"), FABRIC_RELEASES_URL: url });
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stderr).to.contain(`downloading ${url}/fabric/releases/download/v3.1.5/${FABRIC}`);
      expect(result.stderr).to.contain(`sha256 of ${FABRIC} verified`);
      expect(result.stdout).to.contain("peer version: 3.1.5");
    });

    it("fails with one sentence naming both sources when neither has the archive", async () => {
      const result = await install({ RXTRACE_CACHE: path.join(work, "cache-none"), FABRIC_RELEASES_URL: `${url}/nowhere` });
      expect(result.code).to.not.equal(0);
      const lines = result.stderr.split("\n").filter((l) => l.startsWith("rxtrace:") && !l.includes("downloading"));
      expect(lines).to.have.length(1);
      expect(lines[0]).to.match(/cannot get .* it is not in FABRIC_DIST_DIR \(unset\) and .* cannot be downloaded; set FABRIC_DIST_DIR/);
    });
  });
});
