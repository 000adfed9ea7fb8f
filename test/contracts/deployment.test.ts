// The deploy script against a real Hardhat node (a separate process on a free loopback port):
// it must write deployment.json with a usable address and ABI, and the deployed contract must
// run a pack's whole lifecycle and anchor a block hash through plain JSON-RPC.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { Contract, JsonRpcProvider, id, sha256, toUtf8Bytes } from "ethers";

const repoRoot = path.resolve(import.meta.dirname, "../..");
const hardhatBin = path.join(repoRoot, "node_modules/.bin/hardhat");

interface Deployment {
  contract: string;
  address: string;
  chainId: number;
  rpcUrl: string;
  deployBlock: number;
  accounts: Record<string, string>;
  abi: unknown[];
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(hardhatBin, args, { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("close", (code) => (code === 0 ? resolve(output) : reject(new Error(`hardhat ${args.join(" ")} exited ${code}: ${output}`))));
  });
}

async function waitForRpc(url: string, deadlineMs: number): Promise<void> {
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] });
  for (const start = Date.now(); Date.now() - start < deadlineMs; ) {
    try {
      const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no JSON-RPC answer at ${url} within ${deadlineMs} ms`);
}

describe("deploy script against a running Hardhat node", function () {
  this.timeout(180_000);
  let node: ChildProcess | undefined;
  let dataDir = "";
  let rpcUrl = "";
  let provider: JsonRpcProvider | undefined;

  before(async function () {
    const port = await freePort();
    rpcUrl = `http://127.0.0.1:${port}`;
    dataDir = await mkdtemp(path.join(tmpdir(), "rxtrace-evm-"));
    node = spawn(hardhatBin, ["node", "--hostname", "127.0.0.1", "--port", String(port)], {
      cwd: repoRoot,
      stdio: "ignore",
    });
    await waitForRpc(rpcUrl, 60_000);
    await run(["run", "--network", "localhost", "scripts/evm/deploy.ts"], {
      ...process.env,
      RXTRACE_DATA: dataDir,
      RXTRACE_EVM_RPC_URL: rpcUrl,
    });
    provider = new JsonRpcProvider(rpcUrl);
  });

  after(async function () {
    provider?.destroy();
    node?.kill("SIGTERM");
    if (dataDir !== "") await rm(dataDir, { recursive: true, force: true });
  });

  async function deployment(): Promise<Deployment> {
    return JSON.parse(await readFile(path.join(dataDir, "evm", "deployment.json"), "utf8")) as Deployment;
  }

  it("writes the address, ABI, chain id, RPC URL and deploy block to RXTRACE_DATA/evm/deployment.json", async function () {
    const written = await deployment();
    expect(written.contract).to.equal("SupplyChain");
    expect(written.rpcUrl).to.equal(rpcUrl);
    expect(written.chainId).to.equal(31337);
    expect(written.deployBlock).to.be.greaterThan(0);
    expect(await provider!.getCode(written.address)).to.not.equal("0x");
    expect(written.abi.length).to.be.greaterThan(20);
  });

  it("grants each role to the account it names", async function () {
    const written = await deployment();
    const chain = new Contract(written.address, written.abi, provider);
    for (const role of ["MANUFACTURER_ROLE", "DISTRIBUTOR_ROLE", "PHARMACY_ROLE", "REGULATOR_ROLE", "ANCHORER_ROLE", "REGISTRY_ROLE", "PAUSER_ROLE"]) {
      const account = written.accounts[role];
      expect(account, role).to.be.a("string");
      expect(await chain.getFunction("hasRole")(id(role), account), role).to.equal(true);
    }
  });

  it("runs a pack from commissioning to dispense and anchors a block hash over JSON-RPC", async function () {
    const written = await deployment();
    const as = async (role: string) =>
      new Contract(written.address, written.abi, await provider!.getSigner(written.accounts[role]));
    const send = async (contract: Contract, fn: string, ...args: unknown[]) => {
      const tx = (await contract.getFunction(fn)(...args)) as { wait: () => Promise<unknown> };
      await tx.wait();
    };
    const gtin = 9521234543213n;
    const manufacturer = await as("MANUFACTURER_ROLE");
    const pharmacy = await as("PHARMACY_ROLE");
    await send(await as("REGISTRY_ROLE"), "assignGtin", gtin, written.accounts.MANUFACTURER_ROLE);
    await send(manufacturer, "registerGtin", gtin, "Aspirin 100mg");
    await send(manufacturer, "registerLot", gtin, await manufacturer.getFunction("lotKeyOf")(gtin, "LOT1"), 301231);
    const packId = (await manufacturer.getFunction("packIdOf")(gtin, "SN1", "LOT1", 301231)) as string;
    await send(manufacturer, "commissionPack", 1, packId);
    await send(manufacturer, "ship", packId, written.accounts.PHARMACY_ROLE);
    await send(pharmacy, "receivePack", packId);
    expect(await pharmacy.getFunction("verify")(gtin, "SN1", "LOT1", 301231)).to.deep.equal([true, 0n]);
    await send(pharmacy, "dispense", packId);
    expect(await pharmacy.getFunction("verify")(gtin, "SN1", "LOT1", 301231)).to.deep.equal([false, 9n]);

    const anchorer = await as("ANCHORER_ROLE");
    const blockHash = sha256(toUtf8Bytes("fabric block 7"));
    await send(anchorer, "anchor", id("fabric:mfr-dist"), 7, blockHash);
    expect(await anchorer.getFunction("anchoredBlockHash")(id("fabric:mfr-dist"), 7)).to.equal(blockHash);
  });
});
