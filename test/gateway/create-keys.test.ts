/**
 * scripts/gateway/create-keys.ts against a network.json of fake org users: a
 * plain key is shown once and never kept; only hashes stay in keys.json.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { FileApiKeyStore, parseKeyFile } from "../../gateway/src/auth/api-keys.js";
import { tempDir } from "./support/temp.js";

const repoRoot = path.resolve(import.meta.dirname, "../..");
// network.json as the network scripts write it (absolute paths; the script never opens them).
const user = (name: string, role: string) => ({
  name,
  role,
  certPath: "/fake/cert.pem",
  keyPath: "/fake/key.pem",
  tlsCertPath: "/fake/tls.crt",
  tlsKeyPath: "/fake/tls.key",
});
const org = (name: string, mspId: string, users: ReturnType<typeof user>[]) => ({
  name,
  mspId,
  peer: { endpoint: "127.0.0.1:1", hostOverride: "peer", tlsCaCertPath: "/fake/ca.pem" },
  clientTls: { certPath: "/fake/client.crt", keyPath: "/fake/client.key" },
  users,
  admin: user("admin", "admin"),
});

describe("create-keys script", function () {
  this.timeout(30_000);
  let data: string;
  let keysDir: string;

  /** Runs the script on the fake network; answers its stdout. */
  const run = (...args: string[]): string =>
    execFileSync(process.execPath, ["--import=tsx", path.join(repoRoot, "scripts/gateway/create-keys.ts"), ...args], {
      env: { ...process.env, RXTRACE_DATA: data, RXTRACE_GATEWAY_CONFIG: "" },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  /** Plain keys by "MSPID/user" in a tab-separated listing. */
  const plainKeys = (text: string): Map<string, string> =>
    new Map(
      text
        .split("\n")
        .filter((l) => l !== "" && !l.startsWith("#"))
        .map((l) => l.split("\t"))
        .map(([mspId, name, , , key]) => [`${mspId}/${name}`, key ?? ""]),
    );
  const plainFile = () => path.join(keysDir, "api-keys.txt");

  beforeEach(() => {
    data = tempDir("rxtrace-keys-");
    keysDir = path.join(data, "gateway");
    writeFileSync(
      path.join(data, "network.json"),
      JSON.stringify({
        chaincode: "rxtrace",
        mutualTls: true,
        orderers: [],
        channels: [{ name: "mfr-dist", orgs: ["ManufacturerMSP", "DistributorMSP"] }],
        orgs: [org("manufacturer", "ManufacturerMSP", [user("operator", "operator")]), org("distributor", "DistributorMSP", [user("operator", "operator")])],
      }),
    );
  });

  it("writes the new plain keys to api-keys.txt (0600) once, says to delete it, and keeps only hashes in keys.json", () => {
    const stdout = run();

    const issued = plainKeys(readFileSync(plainFile(), "utf8"));
    const stored = readFileSync(path.join(keysDir, "keys.json"), "utf8");
    // One key per client user and per org admin.
    expect([...issued.keys()]).to.deep.equal(["ManufacturerMSP/operator", "ManufacturerMSP/admin", "DistributorMSP/operator", "DistributorMSP/admin"]);
    expect(stdout).to.match(/shown this once/).and.match(/delete the file/);
    expect(statSync(plainFile()).mode & 0o777).to.equal(0o600);
    for (const key of issued.values()) {
      expect(stored).to.not.include(key);
      expect(new FileApiKeyStore(path.join(keysDir, "keys.json")).authenticate(key)).to.not.equal(undefined);
    }
  });

  it("never writes a plain key again once issued: a rotation replaces the file with the new keys only", () => {
    run();
    const first = plainKeys(readFileSync(plainFile(), "utf8"));

    run("--rotate");

    const text = readFileSync(plainFile(), "utf8");
    const second = plainKeys(text);
    expect(second.size).to.equal(4);
    for (const old of first.values()) expect(text).to.not.include(old);
    expect(second.get("ManufacturerMSP/operator")).to.not.equal(first.get("ManufacturerMSP/operator"));
  });

  it("leaves a deleted api-keys.txt deleted when no key is issued", () => {
    run();
    rmSync(plainFile());

    const stdout = run();

    expect(existsSync(plainFile())).to.be.false;
    expect(stdout).to.match(/no new key/);
  });

  it("takes a revoked key's line out of api-keys.txt", () => {
    run();

    run("revoke", "ManufacturerMSP/operator");

    expect([...plainKeys(readFileSync(plainFile(), "utf8")).keys()]).to.deep.equal(["ManufacturerMSP/admin", "DistributorMSP/operator", "DistributorMSP/admin"]);
  });

  it("prints the new keys on stdout instead with --stdout, and writes no plain file", () => {
    const stdout = run("--stdout");

    const keys = parseKeyFile(JSON.parse(readFileSync(path.join(keysDir, "keys.json"), "utf8"))).keys;
    expect(existsSync(plainFile())).to.be.false;
    expect(plainKeys(stdout).size).to.equal(4);
    expect(keys.map((k) => k.id)).to.have.length(4);
  });

  it("issues one org's keys only, into that org's own gateway folder, when RXTRACE_GATEWAY_ORG names it", () => {
    execFileSync(process.execPath, ["--import=tsx", path.join(repoRoot, "scripts/gateway/create-keys.ts")], {
      env: { ...process.env, RXTRACE_DATA: data, RXTRACE_GATEWAY_CONFIG: "", RXTRACE_GATEWAY_ORG: "distributor" },
      stdio: ["ignore", "pipe", "pipe"],
    });

    const orgDir = path.join(keysDir, "distributor");
    const keys = parseKeyFile(JSON.parse(readFileSync(path.join(orgDir, "keys.json"), "utf8"))).keys;
    expect(keys.map((k) => `${k.mspId}/${k.user}`).sort()).to.deep.equal(["DistributorMSP/admin", "DistributorMSP/operator"]);
    expect([...plainKeys(readFileSync(path.join(orgDir, "api-keys.txt"), "utf8")).keys()].sort()).to.deep.equal(["DistributorMSP/admin", "DistributorMSP/operator"]);
    expect(existsSync(path.join(keysDir, "keys.json"))).to.be.false;
  });
});
