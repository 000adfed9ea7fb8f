import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { Wallet } from "ethers";
import { addressOfKey, pingJsonRpc } from "../../gateway/src/adapters/evm-deployment.js";
import { newLazyEvm } from "../../gateway/src/adapters/evm-lazy.js";
import { newKuboContentStore } from "../../gateway/src/adapters/ipfs.js";
import type * as EvmAdapter from "../../gateway/src/adapters/evm.js";
import { GatewayError } from "../../gateway/src/errors.js";
import { tempDir } from "./support/temp.js";

const repoRoot = path.resolve(import.meta.dirname, "../..");
const run = promisify(execFile);
const ZERO_WORDS = `0x${"00".repeat(64)}`;

/** A JSON-RPC node that knows the block number and answers every eth_call with two zero words. */
async function fakeNode(): Promise<{ url: string; methods: string[]; server: Server }> {
  const methods: string[] = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      const calls = [JSON.parse(body) as { id: number; method: string } | { id: number; method: string }[]].flat();
      const answers = calls.map(({ id, method }) => {
        methods.push(method);
        const result = method === "eth_blockNumber" ? "0x7" : method === "eth_chainId" ? "0x539" : method === "eth_call" ? ZERO_WORDS : undefined;
        return result === undefined ? { jsonrpc: "2.0", id, error: { code: -32601, message: `no ${method}` } } : { jsonrpc: "2.0", id, result };
      });
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify(Array.isArray(JSON.parse(body)) ? answers : answers[0]));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, methods, server };
}

function writeDeployment(rpcUrl: string): string {
  const file = path.join(tempDir("rxtrace-evm-lazy-"), "deployment.json");
  const abi = ["function latestAnchor(bytes32 ledgerId) view returns (bool exists, uint64 blockNumber)"];
  writeFileSync(file, JSON.stringify({ address: `0x${"11".repeat(20)}`, abi, chainId: 1337, rpcUrl, accounts: {} }));
  return file;
}

type Loads = Readonly<Record<"ethers" | "kubo-rpc-client" | "bwip-js" | "esbuild", number>>;

/** How many modules of each lazily loaded package the child resolved while doing `args` (test/gateway/support/module-loads.ts). */
async function modulesAfter(...args: string[]): Promise<Loads> {
  const env = { ...process.env };
  delete env.RXTRACE_GATEWAY_ORG;
  delete env.RXTRACE_GATEWAY_TEST_ALL_ORGS;
  const child = await run(process.execPath, ["--import=tsx", path.join(repoRoot, "test/gateway/support/module-loads.ts"), ...args], { cwd: repoRoot, env }).catch(
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }),
  );
  const line = child.stdout.split("\n").find((l) => l.startsWith("{"));
  if (line === undefined) throw new Error(`the child printed no count: ${child.stdout}`);
  return JSON.parse(line) as Loads;
}

/** A stand-in for adapters/evm.ts whose registry answers `latest` with 7 and counts the loads. */
function countingAdapter(): { loads: () => number; load: () => Promise<typeof EvmAdapter> } {
  let loads = 0;
  const adapter = {
    EvmConnection: class {
      destroy(): void {}
    },
    newEvmAnchorRegistry: () => ({ latest: () => Promise.resolve(7n) }),
    newEvmSupplyChain: () => ({ verify: () => Promise.resolve({ verified: true }) }),
  } as unknown as typeof EvmAdapter;
  return {
    loads: () => loads,
    load: () => {
      loads += 1;
      return Promise.resolve(adapter);
    },
  };
}

describe("The EVM side loads ethers on first use", function () {
  this.timeout(60_000);
  let node: Awaited<ReturnType<typeof fakeNode>>;
  before(async () => (node = await fakeNode()));
  after(() => node.server.close());

  it("a gateway's start-up graph (gateway/src/main.ts and all it imports) loads none of ethers, the Kubo client, bwip-js and esbuild", async () => {
    expect(await modulesAfter("main")).to.deep.equal({ ethers: 0, "kubo-rpc-client": 0, "bwip-js": 0, esbuild: 0 });
  });

  it("a gateway without an EVM deployment never loads ethers, and its readiness names the missing file", async () => {
    const missing = path.join(tempDir("rxtrace-evm-lazy-"), "deployment.json");

    expect(() => newLazyEvm(missing, { pingTimeoutMs: 1_000 })).to.throw(GatewayError, `cannot read the deployment ${missing}`);
    expect((await modulesAfter("evm", missing)).ethers).to.equal(0);
  });

  it("with a deployment, readiness asks the node over JSON-RPC without loading ethers", async () => {
    expect((await modulesAfter("evm", writeDeployment(node.url))).ethers).to.equal(0);
  });

  it("the first EVM call after start loads ethers and is answered by the node", async () => {
    const evm = newLazyEvm(writeDeployment(node.url), { pingTimeoutMs: 5_000 });
    expect(evm.connected).to.equal(false);

    expect(await evm.anchorRegistry.latest("dist-pharm")).to.equal(undefined);
    expect(evm.connected).to.equal(true);
    expect(node.methods).to.include("eth_call");
    evm.destroy();
    expect((await modulesAfter("evm-call", writeDeployment(node.url))).ethers).to.be.greaterThan(0);
  });

  it("connects once for concurrent first calls and serves every later call from that connection", async () => {
    const adapter = countingAdapter();
    const evm = newLazyEvm(writeDeployment(node.url), { pingTimeoutMs: 5_000, load: adapter.load });
    await evm.ping();
    expect(adapter.loads()).to.equal(0);

    const answers = await Promise.all([evm.anchorRegistry.latest("a"), evm.publicChain.verify({ gtin: "09521234543213", serial: "S", lot: "L", expiry: "270331" })]);
    await evm.anchorRegistry.latest("b");

    expect(answers).to.deep.equal([7n, { verified: true }]);
    expect(adapter.loads()).to.equal(1);
  });

  it("a load that fails fails that call and is tried again on the next", async () => {
    const adapter = countingAdapter();
    let fail = true;
    const evm = newLazyEvm(writeDeployment(node.url), {
      pingTimeoutMs: 5_000,
      load: () => (fail ? Promise.reject(new Error("cannot load")) : adapter.load()),
    });

    let error: unknown;
    await evm.anchorRegistry.latest("a").catch((e: unknown) => (error = e));
    fail = false;

    expect((error as Error).message).to.equal("cannot load");
    expect(await evm.anchorRegistry.latest("a")).to.equal(7n);
    expect(evm.connected).to.equal(true);
  });
});

/** A Kubo RPC API that knows its id and holds one file, "hello". */
async function fakeKubo(): Promise<{ url: string; paths: string[]; server: Server }> {
  const paths: string[] = [];
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://kubo");
    paths.push(url.pathname);
    request.resume();
    if (request.method !== "POST") {
      response.statusCode = 405;
      response.end();
    } else if (url.pathname === "/api/v0/id") {
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ ID: "12D3KooWfake" }));
    } else if (url.pathname === "/api/v0/cat") {
      response.end("hello");
    } else {
      response.statusCode = 404;
      response.end("404 page not found");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths, server };
}

describe("The Kubo client loads on the first document call", function () {
  this.timeout(60_000);
  let kubo: Awaited<ReturnType<typeof fakeKubo>>;
  before(async () => (kubo = await fakeKubo()));
  after(() => kubo.server.close());
  const cid = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";

  it("readiness asks the daemon for its id without loading the client", async () => {
    const store = newKuboContentStore({ url: kubo.url, timeoutMs: 5_000 });

    await store.ping();

    expect(kubo.paths.at(-1)).to.equal("/api/v0/id");
    expect((await modulesAfter("ipfs", kubo.url))["kubo-rpc-client"]).to.equal(0);
  });

  it("refuses the readiness ping of an unreachable daemon as unavailable, naming the call", async () => {
    let error: unknown;
    await newKuboContentStore({ url: "http://127.0.0.1:9", timeoutMs: 5_000 })
      .ping()
      .catch((e: unknown) => (error = e));

    expect((error as Error).message).to.match(/^ipfs unavailable: IPFS id failed/);
  });

  it("the first document call after start loads the client and is answered by the daemon", async () => {
    const store = newKuboContentStore({ url: kubo.url, timeoutMs: 5_000 });

    expect(Buffer.from(await store.get(cid, { maxBytes: 1024 })).toString()).to.equal("hello");
    expect(kubo.paths.at(-1)).to.equal("/api/v0/cat");
    expect((await modulesAfter("ipfs-call", kubo.url))["kubo-rpc-client"]).to.be.greaterThan(0);
  });
});

describe("EVM readiness and keys without ethers", () => {
  it("answers the readiness ping when the node gives its block number", async () => {
    const node = await fakeNode();
    try {
      await pingJsonRpc(node.url, 5_000);
      expect(node.methods).to.deep.equal(["eth_blockNumber"]);
    } finally {
      node.server.close();
    }
  });

  it("refuses the readiness ping of an unreachable node with 503, naming the URL", async () => {
    let error: unknown;
    await pingJsonRpc("http://127.0.0.1:9", 5_000).catch((e: unknown) => (error = e));

    expect(error).to.be.instanceOf(GatewayError);
    expect((error as GatewayError).code).to.equal("UNAVAILABLE");
    expect((error as Error).message).to.include("JSON-RPC at http://127.0.0.1:9 does not answer");
  });

  it("derives a private key's address as ethers does (node:crypto secp256k1 and keccak-256)", () => {
    for (let i = 0; i < 5; i++) {
      const wallet = Wallet.createRandom();
      expect(addressOfKey(wallet.privateKey)).to.equal(wallet.address.toLowerCase());
    }
  });
});
