/**
 * The local chain of `npm start` keeps its state: geth in dev mode (scripts/evm.sh)
 * with its chain in the data folder. Anchors and packs written through the
 * gateway's EVM adapter are there after the node is stopped and started again,
 * the deployment is reused rather than redeployed, and a deployment whose
 * contract is not on the chain is replaced.
 * Run by scripts/test/evm.sh, which sets RXTRACE_DATA and EVM_PORT.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { EvmConnection, evmKeyFile, newEvmAnchorRegistry, newEvmSupplyChain, readEvmDeployment } from "../../gateway/src/adapters/evm.js";
import { futureExpiry, gtinFor } from "../../support/fixtures.js";

const repoRoot = path.resolve(import.meta.dirname, "../..");
const DATA = process.env.RXTRACE_DATA ?? "";
const deploymentFile = path.join(DATA, "evm", "deployment.json");

/** Runs scripts/evm.sh ACTION with this process's environment; resolves with its output and duration. */
function evmScript(action: "start" | "stop"): Promise<{ output: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["scripts/evm.sh", action], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("close", (code) => (code === 0 ? resolve({ output, ms: Date.now() - started }) : reject(new Error(`evm.sh ${action} exited ${code}: ${output}`))));
  });
}

const deployment = () => JSON.parse(readFileSync(deploymentFile, "utf8")) as { address: string; deployedAt: string };

describe("the local EVM chain across a restart (geth in dev mode)", function () {
  this.timeout(300_000);
  const ledger = `persist-${Date.now()}`;
  const hash = randomBytes(32);
  const gtin = gtinFor(ledger);
  const lot = `P${Date.now() % 1e9}`;
  const pack = { gtin, serial: "PERSIST1", lot, expiry: futureExpiry() };
  let original: { address: string; deployedAt: string };
  let restart: { output: string; ms: number };

  before(async () => {
    if (DATA === "") throw new Error("RXTRACE_DATA must name the suite's data folder (scripts/test/evm.sh sets it)");
    await evmScript("start");
    original = deployment();
    const connection = new EvmConnection(readEvmDeployment(deploymentFile));
    try {
      await newEvmAnchorRegistry(connection).anchor(ledger, 7n, hash);
      const chain = newEvmSupplyChain(connection);
      await chain.registerProduct("ManufacturerMSP", gtin, "Persistol 10 mg");
      await chain.registerLot("ManufacturerMSP", gtin, lot, pack.expiry);
      await chain.commission("ManufacturerMSP", gtin, lot, [pack.serial]);
      await chain.ship("ManufacturerMSP", [pack], "DistributorMSP");
    } finally {
      connection.destroy();
    }
    await evmScript("stop");
    // A deployment made before each role account's key had a file of its own: the restart writes them.
    rmSync(path.join(DATA, "evm", "keys"), { recursive: true, force: true });
    restart = await evmScript("start");
    console.log(`      evm.sh start after a stop took ${restart.ms} ms`);
  });

  after(async () => {
    await evmScript("stop");
  });

  it("keeps the deployment instead of deploying again", () => {
    expect(restart.output).to.include(`SupplyChain already deployed at ${original.address}`);
    expect(deployment()).to.deep.equal(original);
  });

  it("still holds the anchored block hash, and the anchor checks", async () => {
    const connection = new EvmConnection(readEvmDeployment(deploymentFile));
    try {
      const registry = newEvmAnchorRegistry(connection);
      expect(Buffer.from((await registry.anchoredHash(ledger, 7n)) ?? []).equals(hash)).to.be.true;
      expect(await registry.latest(ledger)).to.equal(7n);
      expect(await registry.nextAnchored(ledger, 3n)).to.equal(7n);
    } finally {
      connection.destroy();
    }
  });

  it("still holds the pack where it was, in transit to the distributor", async () => {
    const connection = new EvmConnection(readEvmDeployment(deploymentFile));
    try {
      const stored = await newEvmSupplyChain(connection).pack(pack);
      expect(stored).to.include({ status: "IN_TRANSIT", holder: connection.deployment.accounts.DistributorMSP });
      expect(await newEvmSupplyChain(connection).verify(pack)).to.deep.equal({ verified: true });
    } finally {
      connection.destroy();
    }
  });

  it("gives each role account's key a file of its own again on the restart, owner-only, one key each", () => {
    const { accounts } = readEvmDeployment(deploymentFile);
    for (const actor of ["ManufacturerMSP", "DistributorMSP", "PharmacyMSP", "RegulatorMSP", "anchorer"]) {
      const file = evmKeyFile(deploymentFile, actor);
      expect(Object.keys(JSON.parse(readFileSync(file, "utf8")) as object), actor).to.deep.equal([accounts[actor]]);
      expect(statSync(file).mode & 0o777, actor).to.equal(0o600);
    }
  });

  it("goes on from there through the distributor's and the regulator's own keys: the pack is received, the anchors move forward", async () => {
    // What each org's gateway holds: its own key (and the anchorer's on the regulator's, which anchors).
    const distributor = new EvmConnection(readEvmDeployment(deploymentFile, { mspId: "DistributorMSP", anchors: false }));
    const regulator = new EvmConnection(readEvmDeployment(deploymentFile, { mspId: "RegulatorMSP", anchors: true }));
    try {
      expect(Object.keys(distributor.deployment.keys ?? {})).to.deep.equal([distributor.deployment.accounts.DistributorMSP!.toLowerCase()]);
      const chain = newEvmSupplyChain(distributor);
      const refused = (await chain.ship("ManufacturerMSP", [pack], "PharmacyMSP").catch((e: unknown) => e)) as Error;
      expect(refused.message).to.include("not for ManufacturerMSP");
      await chain.receive("DistributorMSP", [pack]);
      // Two anchors from the same locally signed account at once: each gets its own nonce.
      const other = `${ledger}-b`;
      await Promise.all([newEvmAnchorRegistry(regulator).anchor(ledger, 8n, randomBytes(32)), newEvmAnchorRegistry(regulator).anchor(other, 1n, randomBytes(32))]);

      expect((await chain.pack(pack)).status).to.equal("RECEIVED");
      expect(await newEvmAnchorRegistry(regulator).latest(ledger)).to.equal(8n);
      expect(await newEvmAnchorRegistry(regulator).latest(other)).to.equal(1n);
    } finally {
      distributor.destroy();
      regulator.destroy();
    }
  });

  it("deploys again when the deployment names a contract that is not on the chain", async () => {
    const file = deployment();
    writeFileSync(deploymentFile, JSON.stringify({ ...file, address: "0x00000000000000000000000000000000000000e1" }));
    await evmScript("stop");
    const { output } = await evmScript("start");

    const redeployed = deployment();
    expect(output).to.match(/SupplyChain at 0x[0-9a-fA-F]{40}/);
    expect(redeployed.address).to.not.equal("0x00000000000000000000000000000000000000e1");
    const connection = new EvmConnection(readEvmDeployment(deploymentFile));
    try {
      expect(await connection.provider.getCode(redeployed.address)).to.not.equal("0x");
    } finally {
      connection.destroy();
    }
  });
});
