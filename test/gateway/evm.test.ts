import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { AbiCoder, keccak256, makeError, Wallet } from "ethers";
import type { FastifyInstance } from "fastify";
import { EvmConnection, evmKeyFile, ledgerIdOf, lotKeyOf, packIdOf, readEvmDeployment, shipmentIdOf, toEvmError, writeEvmActorKeys } from "../../gateway/src/adapters/evm.js";
import { blockDataHash, blockHeaderBytes, blockHeaderHash } from "../../gateway/src/crypto/block-hash.js";
import { GatewayError } from "../../gateway/src/errors.js";
import type { AnchorRegistry } from "../../gateway/src/ports/anchor-registry.js";
import type { BlockSource, LedgerBlock } from "../../gateway/src/ports/ledger-events.js";
import type { PublicSupplyChain } from "../../gateway/src/ports/public-chain.js";
import { evmRoutes } from "../../gateway/src/routes/evm.js";
import { AnchoringService } from "../../gateway/src/services/anchoring.js";
import { testApp } from "./documents-fakes.js";
import { buildTestApp, KEYS, type TestApp } from "./support/app.js";

/** A channel's chain of blocks, linked by the real Fabric hash rules; blocks serialize as JSON. */
class FakeChain implements BlockSource {
  readonly blocks: LedgerBlock[] = [];

  constructor(count: number) {
    for (let i = 0; i < count; i += 1) this.append([`tx-${i}-a`, `tx-${i}-b`]);
  }

  append(envelopes: string[]): void {
    const data = envelopes.map((e) => Buffer.from(e));
    const prev = this.blocks.at(-1);
    const previousHash = prev === undefined ? Buffer.alloc(0) : blockHeaderHash(prev.number, prev.previousHash, prev.dataHash);
    this.blocks.push({ number: BigInt(this.blocks.length), previousHash, dataHash: blockDataHash(data), data });
  }

  async height(): Promise<bigint> {
    return BigInt(this.blocks.length);
  }

  async block(_channel: string, number: bigint): Promise<LedgerBlock> {
    const block = this.blocks[Number(number)];
    if (block === undefined) throw new GatewayError("NOT_FOUND", `no block ${number.toString()}`);
    return block;
  }

  async raw(channel: string, number: bigint): Promise<Uint8Array> {
    return Buffer.from(FakeChain.encode(await this.block(channel, number)));
  }

  decode(bytes: Uint8Array): LedgerBlock {
    const j = JSON.parse(Buffer.from(bytes).toString()) as { number: string; previousHash: string; dataHash: string; data: string[] };
    return { number: BigInt(j.number), previousHash: Buffer.from(j.previousHash, "hex"), dataHash: Buffer.from(j.dataHash, "hex"), data: j.data.map((d) => Buffer.from(d, "hex")) };
  }

  static encode(b: LedgerBlock): string {
    const hex = (x: Uint8Array) => Buffer.from(x).toString("hex");
    return JSON.stringify({ number: b.number.toString(), previousHash: hex(b.previousHash), dataHash: hex(b.dataHash), data: b.data.map(hex) });
  }
}

class MemoryAnchors implements AnchorRegistry {
  readonly anchors = new Map<string, Map<bigint, Uint8Array>>();
  sent = 0;

  async anchor(ledgerId: string, blockNumber: bigint, blockHash: Uint8Array) {
    const latest = await this.latest(ledgerId);
    if (latest !== undefined && blockNumber <= latest) throw new GatewayError("CONFLICT", "AnchorOutOfOrder");
    const m = this.anchors.get(ledgerId) ?? new Map<bigint, Uint8Array>();
    m.set(blockNumber, blockHash);
    this.anchors.set(ledgerId, m);
    this.sent += 1;
    return { transactionHash: `0x${this.sent}`, chainBlockNumber: this.sent };
  }
  async anchoredHash(ledgerId: string, blockNumber: bigint) {
    return this.anchors.get(ledgerId)?.get(blockNumber);
  }
  async latest(ledgerId: string) {
    const keys = [...(this.anchors.get(ledgerId)?.keys() ?? [])];
    return keys.length === 0 ? undefined : keys.reduce((a, b) => (a > b ? a : b));
  }
  async nextAnchored(ledgerId: string, blockNumber: bigint) {
    const keys = [...(this.anchors.get(ledgerId)?.keys() ?? [])].filter((k) => k >= blockNumber);
    return keys.length === 0 ? undefined : keys.reduce((a, b) => (a < b ? a : b));
  }
  async ping() {}
}

describe("Fabric block hash", () => {
  it("DER-encodes the header as SEQUENCE of INTEGER number and two OCTET STRINGs", () => {
    const bytes = blockHeaderBytes(1n, Buffer.alloc(32, 1), Buffer.alloc(32, 2));

    expect(bytes.toString("hex")).to.equal(`3047020101` + `0420${"01".repeat(32)}` + `0420${"02".repeat(32)}`);
  });

  it("adds a leading zero byte to a block number whose top bit is set", () => {
    expect(blockHeaderBytes(128n, Buffer.alloc(0), Buffer.alloc(0)).toString("hex")).to.equal("30080202008004000400");
    expect(blockHeaderBytes(0n, Buffer.alloc(0), Buffer.alloc(0)).toString("hex")).to.equal("3007020100" + "04000400");
  });

  it("hashes the DER bytes with sha256", () => {
    const expected = createHash("sha256").update(blockHeaderBytes(7n, Buffer.alloc(32, 3), Buffer.alloc(32, 4))).digest("hex");

    expect(blockHeaderHash(7n, Buffer.alloc(32, 3), Buffer.alloc(32, 4)).toString("hex")).to.equal(expected);
  });

  it("hashes a block's data as its envelopes concatenated", () => {
    expect(blockDataHash([Buffer.from("ab"), Buffer.from("c")]).toString("hex")).to.equal(createHash("sha256").update("abc").digest("hex"));
  });
});

describe("anchoring service", () => {
  let chain: FakeChain;
  let anchors: MemoryAnchors;
  let service: AnchoringService;

  beforeEach(() => {
    chain = new FakeChain(6);
    anchors = new MemoryAnchors();
    service = new AnchoringService(chain, anchors, { channels: ["mfr-dist", "dist-pharm"], intervalMs: 0, maxWalk: 100 });
  });

  it("anchors the latest block's hash of a channel", async () => {
    const run = await service.anchorLatest("mfr-dist");

    const last = chain.blocks[5] as LedgerBlock;
    expect(run).to.include({ channel: "mfr-dist", blockNumber: "5", blockHash: blockHeaderHash(last.number, last.previousHash, last.dataHash).toString("hex") });
    expect(run.receipt?.transactionHash).to.equal("0x1");
  });

  it("does not anchor the same block twice", async () => {
    await service.anchorLatest("mfr-dist");

    const again = await service.anchorLatest("mfr-dist");

    expect(again.receipt).to.be.undefined;
    expect(anchors.sent).to.equal(1);
  });

  it("anchors every channel in one run and skips one already anchored at or above its latest block", async () => {
    const failing = new AnchoringService(chain, anchors, { channels: ["mfr-dist", "dist-pharm"], intervalMs: 0, maxWalk: 100 });
    anchors.anchors.set(await failing.ledgerId("dist-pharm"), new Map([[99n, Buffer.alloc(32, 9)]]));

    await failing.anchorAll();

    expect(failing.status()["mfr-dist"]?.run?.receipt).to.not.be.undefined;
    expect(failing.status()["dist-pharm"]?.run?.receipt).to.be.undefined;
  });

  it("anchors every channel periodically once started, and stops", async () => {
    const periodic = new AnchoringService(chain, anchors, { channels: ["mfr-dist", "dist-pharm"], intervalMs: 10, maxWalk: 100 });

    periodic.start();
    const until = Date.now() + 5000;
    while (anchors.sent < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    await periodic.stop();
    const sent = anchors.sent;
    chain.append(["late"]);
    await new Promise((r) => setTimeout(r, 50));

    expect(sent).to.equal(2);
    expect(anchors.sent).to.equal(sent);
    expect(Object.keys(periodic.status()).sort()).to.deep.equal(["dist-pharm", "mfr-dist"]);
  });

  it("keeps a channel's anchors under its name and genesis hash, so a recreated channel starts afresh", async () => {
    const recreated = new FakeChain(0);
    for (let i = 0; i < 6; i += 1) recreated.append([`other-${i}`]);
    const other = new AnchoringService(recreated, anchors, { channels: ["mfr-dist"], intervalMs: 0, maxWalk: 100 });

    const first = await service.anchorLatest("mfr-dist");
    const second = await other.anchorLatest("mfr-dist");

    expect(first.ledgerId).to.match(/^mfr-dist:[0-9a-f]{12}$/);
    expect(second.ledgerId).to.not.equal(first.ledgerId);
    expect(second.receipt).to.not.be.undefined;
    expect(first.ledgerId.length).to.be.at.most(31);
  });

  it("verifies an anchored block", async () => {
    await service.anchorLatest("mfr-dist");

    const check = await service.check("mfr-dist", 5n);

    expect(check).to.include({ verified: true, anchoredBlockNumber: "5", linksChecked: 0 });
  });

  it("verifies an older block by walking the hash chain up to the next anchor", async () => {
    await service.anchorLatest("mfr-dist");

    const check = await service.check("mfr-dist", 2n);

    expect(check).to.include({ verified: true, anchoredBlockNumber: "5", linksChecked: 3 });
  });

  it("refuses a copy of a block whose transactions were changed", async () => {
    await service.anchorLatest("mfr-dist");
    const copy = chain.blocks[3] as LedgerBlock;
    const tampered = FakeChain.encode({ ...copy, data: [Buffer.from("tx-3-a"), Buffer.from("tx-3-FORGED")] });

    const check = await service.check("mfr-dist", 3n, Buffer.from(tampered));

    expect(check).to.include({ verified: false, reason: "DATA_HASH_MISMATCH" });
  });

  it("refuses a rewritten block whose header was recomputed to match the changed data", async () => {
    await service.anchorLatest("mfr-dist");
    const copy = chain.blocks[3] as LedgerBlock;
    const data = [Buffer.from("tx-3-FORGED")];
    const rewritten = FakeChain.encode({ ...copy, data, dataHash: blockDataHash(data) });

    const check = await service.check("mfr-dist", 3n, Buffer.from(rewritten));

    expect(check).to.include({ verified: false, reason: "HASH_CHAIN_BROKEN" });
  });

  it("refuses a chain rewritten up to the anchored block", async () => {
    await service.anchorLatest("mfr-dist");
    // Rewrite the whole history consistently: every link holds, but the anchor does not.
    const forged = new FakeChain(0);
    for (let i = 0; i < 6; i += 1) forged.append([`tx-${i}-a`, i === 1 ? "FORGED" : `tx-${i}-b`]);
    const forgedService = new AnchoringService(forged, anchors, { channels: ["mfr-dist"], intervalMs: 0, maxWalk: 100 });

    const check = await forgedService.check("mfr-dist", 1n);

    expect(check).to.include({ verified: false, reason: "ANCHOR_MISMATCH", anchoredBlockNumber: "5" });
  });

  it("says when a block has no anchor at or above it yet", async () => {
    const check = await service.check("mfr-dist", 2n);

    expect(check).to.include({ verified: false, reason: "NOT_ANCHORED_YET" });
  });

  it("rejects a channel it does not anchor, naming the field", async () => {
    const error = await service.check("other", 1n).catch((e: unknown) => e);

    expect(error).to.be.instanceOf(GatewayError).with.property("field", "channel");
  });

  it("rejects a supplied block whose number differs from the one asked", async () => {
    await service.anchorLatest("mfr-dist");

    const error = await service.check("mfr-dist", 2n, await chain.raw("mfr-dist", 3n)).catch((e: unknown) => e);

    expect(error).to.be.instanceOf(GatewayError).with.property("field", "block");
  });
});

describe("EVM error mapping", () => {
  const revert = (name: string) => makeError("execution reverted", "CALL_EXCEPTION", { action: "call", data: "0x", reason: null, transaction: { to: null, data: "0x" }, invocation: null, revert: { signature: `${name}()`, name, args: [] } });

  it("maps the contract's custom errors to 404, 403, 409 and 400 by name", () => {
    expect(toEvmError(revert("PackNotFound"), "x").code).to.equal("NOT_FOUND");
    expect(toEvmError(revert("NotPackHolder"), "x").code).to.equal("FORBIDDEN");
    expect(toEvmError(revert("AccessControlUnauthorizedAccount"), "x").code).to.equal("FORBIDDEN");
    expect(toEvmError(revert("PackAlreadyCommissioned"), "x").code).to.equal("CONFLICT");
    expect(toEvmError(revert("InvalidTransition"), "x").code).to.equal("CONFLICT");
    expect(toEvmError(revert("GtinCheckDigitInvalid"), "x").code).to.equal("INVALID_ARGUMENT");
  });

  it("maps the refusals of decommission, undo and shipment exceptions as the chaincode answers them", () => {
    expect(toEvmError(revert("NotDecommissioner"), "x").code).to.equal("FORBIDDEN");
    expect(toEvmError(revert("PackNotDecommissioned"), "x").code).to.equal("CONFLICT");
    expect(toEvmError(revert("UndoWindowClosed"), "x").code).to.equal("CONFLICT");
    expect(toEvmError(revert("PackExpectedInShipment"), "x").code).to.equal("CONFLICT");
    expect(toEvmError(revert("InvalidDecommissionReason"), "x").code).to.equal("INVALID_ARGUMENT");
    expect(toEvmError(revert("InvalidShipmentId"), "x").code).to.equal("INVALID_ARGUMENT");
  });

  it("maps an unreachable node to 503 naming the EVM", () => {
    const error = toEvmError(new Error("connect ECONNREFUSED 127.0.0.1:8545"), "anchor");

    expect(error.code).to.equal("UNAVAILABLE");
    expect(error.message).to.match(/^evm unavailable/);
  });
});

describe("EVM deployment and keys", () => {
  const anchorer = Wallet.createRandom();
  const manufacturer = Wallet.createRandom();
  const distributor = Wallet.createRandom();
  const admin = Wallet.createRandom();
  const other = Wallet.createRandom();
  let dir: string;
  const write = (name: string, value: unknown) => {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), JSON.stringify(value));
  };
  const accounts = {
    admin: admin.address,
    ANCHORER_ROLE: anchorer.address,
    MANUFACTURER_ROLE: manufacturer.address,
    DISTRIBUTOR_ROLE: distributor.address,
    REGISTRY_ROLE: admin.address,
  };
  const deployment = { address: `0x${"11".repeat(20)}`, abi: [], chainId: 1337, rpcUrl: "http://127.0.0.1:9", accounts };
  const file = () => path.join(dir, "deployment.json");
  /** The deployer's key store split into one file per actor, as scripts/evm/deploy.ts leaves it on geth. */
  const splitKeys = () =>
    writeEvmActorKeys(file(), {
      [anchorer.address]: anchorer.privateKey,
      [manufacturer.address]: manufacturer.privateKey,
      [distributor.address]: distributor.privateKey,
    });

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "rxtrace-evm-"));
    write("deployment.json", deployment);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("reads no keys when the node signs for every account (no key files beside the deployment)", () => {
    const read = readEvmDeployment(file());

    expect(read.accounts).to.include({ anchorer: anchorer.address, ManufacturerMSP: manufacturer.address });
    expect(read.keys).to.deep.equal({});
  });

  it("writes each actor's key to a file of its own, owner-only, holding that key alone", () => {
    expect(splitKeys().sort()).to.deep.equal(["DistributorMSP", "ManufacturerMSP", "anchorer"]);
    const own = evmKeyFile(file(), "DistributorMSP");
    expect(JSON.parse(readFileSync(own, "utf8"))).to.deep.equal({ [distributor.address]: distributor.privateKey });
    expect(statSync(own).mode & 0o777).to.equal(0o600);
    expect(statSync(path.dirname(own)).mode & 0o777).to.equal(0o700);
  });

  it("gives an org's gateway its own org's key only, and the anchorer's only on the anchoring gateway", () => {
    splitKeys();

    const distributorGateway = readEvmDeployment(file(), { mspId: "DistributorMSP", anchors: false });
    expect(distributorGateway.keys).to.deep.equal({ [distributor.address.toLowerCase()]: distributor.privateKey });
    expect(distributorGateway.actors).to.deep.equal(["DistributorMSP", "registry"]);

    const regulatorGateway = readEvmDeployment(file(), { mspId: "RegulatorMSP", anchors: true });
    expect(regulatorGateway.keys).to.deep.equal({ [anchorer.address.toLowerCase()]: anchorer.privateKey });
  });

  it("refuses to sign for another org's account, before any call to the node", async () => {
    splitKeys();
    const connection = new EvmConnection(readEvmDeployment(file(), { mspId: "DistributorMSP", anchors: false }));
    try {
      const error = (await connection.send("ManufacturerMSP", "registerGtin", [1n, "x"]).catch((e: unknown) => e)) as GatewayError;
      expect(error).to.be.instanceOf(GatewayError);
      expect(error.status).to.equal(403);
      expect(error.message).to.equal("this gateway signs on the public chain for DistributorMSP, registry only, not for ManufacturerMSP");
      expect(connection.mayActAs("anchorer")).to.equal(false);
    } finally {
      connection.destroy();
    }
  });

  it("signs for the registry only where the node's own admin account is the registry (a development node)", () => {
    const distinct = { ...deployment, accounts: { ...accounts, REGISTRY_ROLE: other.address } };
    write("deployment.json", distinct);
    expect(readEvmDeployment(file(), { mspId: "ManufacturerMSP", anchors: false }).actors).to.deep.equal(["ManufacturerMSP"]);
  });

  it("refuses a key file holding another account's key, naming the file and the actor", () => {
    write("keys/ManufacturerMSP.json", { [other.address]: other.privateKey });

    expect(() => readEvmDeployment(file(), { mspId: "ManufacturerMSP", anchors: false })).to.throw(`keys/ManufacturerMSP.json: holds the key of ${other.address.toLowerCase()}, not of ManufacturerMSP's account`);
  });

  it("refuses a key that belongs to another address, naming the address", () => {
    write("keys/anchorer.json", { [anchorer.address]: other.privateKey });

    expect(() => readEvmDeployment(file())).to.throw(`the key of ${anchorer.address} belongs to another address`);
  });

  it("refuses a key that is not 32 bytes of hex, naming the address", () => {
    write("keys/anchorer.json", { [anchorer.address]: "0x1234" });

    expect(() => readEvmDeployment(file())).to.throw(`the key of ${anchorer.address} must be a 0x-prefixed 32-byte hex private key`);
  });
});

describe("EVM identifiers", () => {
  const printed = { gtin: "09521234543213", serial: "SN1", lot: "L1", expiry: "270331" };

  it("derives the pack id as the commitment keccak256(abi.encode(gtin, serial, lot, expiry)), which changes with each identifier", () => {
    const id = packIdOf(printed);
    expect(id).to.equal(
      keccak256(AbiCoder.defaultAbiCoder().encode(["uint64", "string", "string", "uint24"], [9521234543213n, "SN1", "L1", 270331])),
    );
    for (const other of [{ serial: "SN2" }, { lot: "L2" }, { expiry: "270330" }]) {
      expect(packIdOf({ ...printed, ...other })).to.not.equal(id);
    }
  });

  it("derives the lot key as keccak256(abi.encode(gtin, lot))", () => {
    expect(lotKeyOf("09521234543213", "L1")).to.equal(keccak256(AbiCoder.defaultAbiCoder().encode(["uint64", "string"], [9521234543213n, "L1"])));
  });

  it("keeps a ship transaction's hash as the shipment reference and hashes any other text", () => {
    const txHash = `0x${"AB".repeat(32)}`;

    expect(shipmentIdOf(txHash)).to.equal(txHash.toLowerCase());
    expect(shipmentIdOf("SHIP-2026-0001")).to.equal(keccak256(Buffer.from("SHIP-2026-0001")));
    expect(() => shipmentIdOf("")).to.throw(GatewayError).with.property("field", "shipmentId");
  });

  it("names a channel's ledger as its bytes32 text", () => {
    expect(ledgerIdOf("mfr-dist")).to.equal(`0x${Buffer.from("mfr-dist").toString("hex").padEnd(64, "0")}`);
  });

  it("rejects a GTIN that is not 14 digits, naming the field", () => {
    expect(() => packIdOf({ ...printed, gtin: "123" })).to.throw(GatewayError).with.property("field", "gtin");
  });

  it("rejects an expiry that is not YYMMDD, naming the field", () => {
    expect(() => packIdOf({ ...printed, expiry: "2027-03" })).to.throw(GatewayError).with.property("field", "expiry");
  });
});

const PACK = { gtin: "09521234543213", serial: "SN1", lot: "L1", expiry: "270331" };

describe("evm routes", () => {
  let app: FastifyInstance;
  let chain: FakeChain;
  let shipped: unknown[];
  let lifecycle: unknown[];

  const publicChain = (): PublicSupplyChain => {
    const tx = { transactionHash: "0xabc", chainBlockNumber: 7 };
    return {
      registerProduct: async () => tx,
      registerLot: async () => ({ ...tx, lotId: 1 }),
      commission: async (_as, _g, _l, serials) => ({ ...tx, commissioned: serials.length }),
      ship: async (as, packs, consignee) => {
        shipped.push({ as, packs, consignee });
        return tx;
      },
      receive: async () => tx,
      dispense: async () => ({ ...tx, dispensed: true }),
      decommission: async (as, pack, reason) => {
        lifecycle.push({ op: "decommission", as, pack, reason });
        return { ...tx, decommissioned: true };
      },
      undoDecommission: async (as, pack) => {
        lifecycle.push({ op: "undo", as, pack });
        return tx;
      },
      recordShipmentException: async (as, shipmentId, missing, unexpected, evidence) => {
        lifecycle.push({ op: "exception", as, shipmentId, missing, unexpected, evidence });
        return tx;
      },
      recallLot: async () => tx,
      pack: async (p) => ({ ...p, packId: "0x1", status: "COMMISSIONED", holder: "0x2", lotId: 1 }),
      verify: async () => ({ verified: false, reason: "RECALLED" }),
    };
  };

  async function build(withChain: boolean): Promise<void> {
    chain = new FakeChain(4);
    shipped = [];
    lifecycle = [];
    const anchors = new MemoryAnchors();
    app = testApp();
    await app.register(evmRoutes, {
      prefix: "/v1",
      anchoring: new AnchoringService(chain, anchors, { channels: ["mfr-dist", "dist-pharm"], intervalMs: 0, maxWalk: 100 }),
      blocks: chain,
      channelsOf: (msp) => (msp === "PharmacyMSP" ? ["dist-pharm"] : ["mfr-dist", "dist-pharm"]),
      ...(withChain ? { publicChain: publicChain() } : {}),
    });
    await app.ready();
  }

  afterEach(async () => app.close());

  it("anchors on request and then checks the ledger's block as verified", async () => {
    await build(true);

    const anchored = await app.inject({ method: "POST", url: "/v1/evm/anchors", headers: { "x-test-user": "regulator" }, payload: { channel: "mfr-dist" } });
    const check = await app.inject({ method: "POST", url: "/v1/evm/anchors/check", headers: { "x-test-user": "regulator" }, payload: { channel: "mfr-dist", blockNumber: "1" } });

    expect(anchored.statusCode).to.equal(200);
    expect(check.statusCode).to.equal(200);
    expect(check.json()).to.include({ verified: true, anchoredBlockNumber: "3" });
  });

  it("answers verified false for a tampered copy of a block", async () => {
    await build(true);
    await app.inject({ method: "POST", url: "/v1/evm/anchors", headers: { "x-test-user": "regulator" }, payload: { channel: "mfr-dist" } });
    const raw = await app.inject({ method: "GET", url: "/v1/evm/blocks/mfr-dist/2", headers: { "x-test-user": "regulator" } });
    const copy = JSON.parse(Buffer.from(raw.json().block, "base64").toString()) as { data: string[] };
    copy.data[0] = Buffer.from("forged").toString("hex");

    const check = await app.inject({
      method: "POST",
      url: "/v1/evm/anchors/check",
      headers: { "x-test-user": "regulator" },
      payload: { channel: "mfr-dist", blockNumber: "2", block: Buffer.from(JSON.stringify(copy)).toString("base64") },
    });

    expect(check.json()).to.include({ verified: false, reason: "DATA_HASH_MISMATCH" });
  });

  it("answers 400 naming the channel when an org checks a channel it is not in", async () => {
    await build(true);

    const res = await app.inject({ method: "POST", url: "/v1/evm/anchors/check", headers: { "x-test-user": "pharmacy" }, payload: { channel: "mfr-dist", blockNumber: "1" } });

    expect(res.statusCode).to.equal(400);
    expect(res.json()).to.include({ field: "channel" });
  });

  it("answers 400 naming blockNumber when it is not a number", async () => {
    await build(true);

    const res = await app.inject({ method: "POST", url: "/v1/evm/anchors/check", headers: { "x-test-user": "regulator" }, payload: { channel: "mfr-dist", blockNumber: "-1" } });

    expect(res.statusCode).to.equal(400);
    expect(res.json().field).to.match(/blockNumber/);
  });

  it("ships on the public chain as the caller's org", async () => {
    await build(true);

    const res = await app.inject({
      method: "POST",
      url: "/v1/evm/shipments",
      headers: { "x-test-user": "manufacturer" },
      payload: { consignee: "DistributorMSP", packs: [PACK] },
    });

    expect(res.statusCode).to.equal(200);
    expect(shipped).to.deep.equal([{ as: "ManufacturerMSP", packs: [PACK], consignee: "DistributorMSP" }]);
  });

  it("answers 400 for a pack without its lot and expiry, which the commitment needs", async () => {
    await build(true);

    const res = await app.inject({
      method: "POST",
      url: "/v1/evm/shipments",
      headers: { "x-test-user": "manufacturer" },
      payload: { consignee: "DistributorMSP", packs: [{ gtin: "09521234543213", serial: "SN1" }] },
    });

    expect(res.statusCode).to.equal(400);
    expect(shipped).to.deep.equal([]);
  });

  it("reads and dispenses a pack by its printed identifiers, lot and expiry included", async () => {
    await build(true);

    const read = await app.inject({ method: "GET", url: "/v1/evm/packs/09521234543213/SN1?lot=L1&expiry=270331", headers: { "x-test-user": "pharmacy" } });
    const dispensed = await app.inject({
      method: "POST",
      url: "/v1/evm/packs/09521234543213/SN1/dispense",
      headers: { "x-test-user": "pharmacy" },
      payload: { lot: "L1", expiry: "270331" },
    });
    const withoutLot = await app.inject({ method: "GET", url: "/v1/evm/packs/09521234543213/SN1", headers: { "x-test-user": "pharmacy" } });

    expect(read.json()).to.include(PACK);
    expect(dispensed.json()).to.include({ dispensed: true });
    expect(withoutLot.statusCode).to.equal(400);
  });

  it("decommissions a pack for an EU reason as the caller's org, then undoes it", async () => {
    await build(true);
    const { gtin, serial, lot, expiry } = PACK;

    const done = await app.inject({
      method: "POST",
      url: `/v1/evm/packs/${gtin}/${serial}/decommission`,
      headers: { "x-test-user": "distributor" },
      payload: { lot, expiry, reason: "CHECKED_OUT" },
    });
    const undone = await app.inject({
      method: "POST",
      url: `/v1/evm/packs/${gtin}/${serial}/undo-decommission`,
      headers: { "x-test-user": "distributor" },
      payload: { lot, expiry },
    });

    expect(done.statusCode).to.equal(200);
    expect(done.json()).to.include({ decommissioned: true });
    expect(undone.statusCode).to.equal(200);
    expect(lifecycle).to.deep.equal([
      { op: "decommission", as: "DistributorMSP", pack: PACK, reason: "CHECKED_OUT" },
      { op: "undo", as: "DistributorMSP", pack: PACK },
    ]);
  });

  it("answers 400 naming reason for DISPENSED, which has its own route, and for an unknown reason", async () => {
    await build(true);

    for (const reason of ["DISPENSED", "LOST"]) {
      const res = await app.inject({
        method: "POST",
        url: "/v1/evm/packs/09521234543213/SN1/decommission",
        headers: { "x-test-user": "pharmacy" },
        payload: { lot: "L1", expiry: "270331", reason },
      });

      expect(res.statusCode).to.equal(400);
      expect(res.json().field).to.match(/reason/);
    }
    expect(lifecycle).to.deep.equal([]);
  });

  it("records a shipment exception as the consignee, with the missing and the unexpected packs", async () => {
    await build(true);
    const stranger = { ...PACK, serial: "SN999" };
    const evidence = "ab".repeat(32);

    const res = await app.inject({
      method: "POST",
      url: "/v1/evm/shipment-exceptions",
      headers: { "x-test-user": "pharmacy" },
      payload: { shipmentId: "SHIP-1", missing: [PACK], unexpected: [stranger], evidence },
    });

    expect(res.statusCode).to.equal(200);
    expect(lifecycle).to.deep.equal([{ op: "exception", as: "PharmacyMSP", shipmentId: "SHIP-1", missing: [PACK], unexpected: [stranger], evidence }]);
  });

  it("answers 400 for a shipment exception that lists no pack, or evidence that is no sha256", async () => {
    await build(true);

    const empty = await app.inject({
      method: "POST",
      url: "/v1/evm/shipment-exceptions",
      headers: { "x-test-user": "pharmacy" },
      payload: { shipmentId: "SHIP-1", missing: [], unexpected: [] },
    });
    const badEvidence = await app.inject({
      method: "POST",
      url: "/v1/evm/shipment-exceptions",
      headers: { "x-test-user": "pharmacy" },
      payload: { shipmentId: "SHIP-1", missing: [PACK], unexpected: [], evidence: "not-a-digest" },
    });

    expect(empty.statusCode).to.equal(400);
    expect(empty.json()).to.include({ field: "missing" });
    expect(badEvidence.statusCode).to.equal(400);
    expect(badEvidence.json().field).to.match(/evidence/);
    expect(lifecycle).to.deep.equal([]);
  });

  it("answers 400 naming consignee for an unknown org", async () => {
    await build(true);

    const res = await app.inject({
      method: "POST",
      url: "/v1/evm/shipments",
      headers: { "x-test-user": "manufacturer" },
      payload: { consignee: "EvilMSP", packs: [PACK] },
    });

    expect(res.statusCode).to.equal(400);
    expect(res.json().field).to.match(/consignee/);
  });

  it("verifies on the public chain with the chaincode's reason codes", async () => {
    await build(true);

    const res = await app.inject({ method: "GET", url: "/v1/evm/verify?gtin=09521234543213&serial=SN1&lot=L1&expiry=270331", headers: { "x-test-user": "pharmacy" } });

    expect(res.json()).to.deep.equal({ verified: false, reason: "RECALLED" });
  });

  it("answers 503 naming the EVM when no deployment is configured", async () => {
    await build(false);

    const res = await app.inject({ method: "GET", url: "/v1/evm/packs/09521234543213/SN1?lot=L1&expiry=270331", headers: { "x-test-user": "pharmacy" } });

    expect(res.statusCode).to.equal(503);
    expect(res.json().message).to.match(/evm/);
  });
});

describe("evm anchoring access", () => {
  let t: TestApp;
  let anchors: MemoryAnchors;
  beforeEach(async () => {
    const chain = new FakeChain(4);
    anchors = new MemoryAnchors();
    const anchoring = new AnchoringService(chain, anchors, { channels: ["mfr-dist", "dist-pharm"], intervalMs: 0, maxWalk: 100 });
    t = await buildTestApp({ evm: { anchoring, blocks: chain, channelsOf: () => ["mfr-dist", "dist-pharm"] } });
  });
  afterEach(async () => t.close());

  const anchorNow = (key: string) => t.app.inject({ method: "POST", url: "/v1/evm/anchors", headers: { "x-api-key": key }, payload: { channel: "mfr-dist" } });

  it("refuses an anchoring run, which spends gas, to the regulator's read-only auditor with 403 and anchors nothing", async () => {
    const res = await anchorNow(KEYS.regulator);

    expect(res.statusCode).to.equal(403);
    expect(res.json()).to.include({ code: "FORBIDDEN" });
    expect(anchors.sent).to.equal(0);
  });

  it("runs it for a role that may write: a trader's operator or the regulator's admin", async () => {
    expect((await anchorNow(KEYS.distributor)).statusCode).to.equal(200);
    expect((await anchorNow(KEYS.regulatorAdmin)).statusCode).to.equal(200);
    expect(anchors.sent).to.equal(1);
  });

  it("still lets the auditor read the anchors and check a block", async () => {
    const res = await t.app.inject({ method: "GET", url: "/v1/evm/anchors", headers: { "x-api-key": KEYS.regulator } });

    expect(res.statusCode).to.equal(200);
  });
});

