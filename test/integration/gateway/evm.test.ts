/**
 * The EVM side on the real parts: Fabric block hashes recomputed from real
 * blocks, anchored on SupplyChain on the Hardhat node and checked back
 * (a tampered block is refused), and the pack lifecycle on the public variant.
 */
import { common } from "@hyperledger/fabric-protos";
import { expect } from "chai";
import { EvmConnection, newEvmAnchorRegistry, newEvmSupplyChain, readEvmDeployment } from "../../../gateway/src/adapters/evm.js";
import { newLazyEvm } from "../../../gateway/src/adapters/evm-lazy.js";
import { newFabricBlockSource } from "../../../gateway/src/adapters/fabric-events.js";
import type { FabricLedgerClient } from "../../../gateway/src/adapters/fabric.js";
import { blockDataHash, blockHeaderHash } from "../../../gateway/src/crypto/block-hash.js";
import { GatewayError } from "../../../gateway/src/errors.js";
import type { BlockSource } from "../../../gateway/src/ports/ledger-events.js";
import type { PublicSupplyChain } from "../../../gateway/src/ports/public-chain.js";
import { AnchoringService } from "../../../gateway/src/services/anchoring.js";
import { EVM_DEPLOYMENT, expiryAhead, fabricLedger, gtinFor, registerProduct, RUN } from "./support.js";

describe("EVM anchoring and public variant on the real parts", function () {
  this.timeout(180_000);
  let ledger: FabricLedgerClient;
  let blocks: BlockSource;
  let evm: EvmConnection;

  before(() => {
    ledger = fabricLedger();
    blocks = newFabricBlockSource((c) => ledger.observerNetwork(c));
    evm = new EvmConnection(readEvmDeployment(EVM_DEPLOYMENT));
  });

  after(() => {
    evm.destroy();
    ledger.close();
  });

  describe("Fabric block hashes", () => {
    for (const channel of ["mfr-dist", "dist-pharm"]) {
      it(`recomputes the data hash and the header hash that the next block of ${channel} names`, async () => {
        const height = await blocks.height(channel);
        const first = height > 40n ? height - 40n : 0n;
        let links = 0;
        for (let n = first; n + 1n < height; n += 1n) {
          const block = await blocks.block(channel, n);
          const next = await blocks.block(channel, n + 1n);
          expect(blockDataHash(block.data).equals(Buffer.from(block.dataHash)), `data hash of block ${n}`).to.be.true;
          expect(blockHeaderHash(block.number, block.previousHash, block.dataHash).equals(Buffer.from(next.previousHash)), `link ${n} -> ${n + 1n}`).to.be.true;
          links += 1;
        }
        expect(links).to.be.greaterThan(0);
      });
    }
  });

  describe("anchors", () => {
    let anchoring: AnchoringService;
    let anchored: bigint;

    before(async () => {
      anchoring = new AnchoringService(blocks, newEvmAnchorRegistry(evm), { channels: ["mfr-dist", "dist-pharm"], intervalMs: 0, maxWalk: 1000 });
      // A fresh block, so this run's anchor is above any earlier one.
      await registerProduct(ledger, gtinFor("anchor"));
      const run = await anchoring.anchorLatest("mfr-dist");
      anchored = BigInt(run.blockNumber);
      expect(run.receipt?.transactionHash).to.match(/^0x[0-9a-f]{64}$/);
    });

    it("stores the block hash on the contract and verifies the anchored block", async () => {
      const check = await anchoring.check("mfr-dist", anchored);

      expect(check).to.include({ verified: true, anchoredBlockNumber: anchored.toString(), linksChecked: 0 });
      expect(await newEvmAnchorRegistry(evm).latest(await anchoring.ledgerId("mfr-dist"))).to.equal(anchored);
    });

    it("answers the same anchor through a gateway's EVM side on its first call after start (connected on first use)", async () => {
      const lazy = newLazyEvm(EVM_DEPLOYMENT, { pingTimeoutMs: 10_000 });
      await lazy.ping();
      expect(lazy.connected).to.equal(false);

      expect(await lazy.anchorRegistry.latest(await anchoring.ledgerId("mfr-dist"))).to.equal(anchored);
      expect(lazy.connected).to.equal(true);
      lazy.destroy();
    });

    it("verifies an older block through the hash chain up to the anchor", async () => {
      const check = await anchoring.check("mfr-dist", anchored - 3n);

      expect(check).to.include({ verified: true, linksChecked: 3 });
    });

    it("does not anchor the same block twice", async () => {
      // Another process (an earlier spec's relay) may commit on mfr-dist at any
      // time, so anchor twice in a row until both runs saw the same latest
      // block: the second of such a pair must send nothing.
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const first = await anchoring.anchorLatest("mfr-dist");
        const again = await anchoring.anchorLatest("mfr-dist");
        if (again.blockNumber !== first.blockNumber) continue;
        expect(BigInt(again.blockNumber) >= anchored).to.be.true;
        expect(again.receipt, `block ${again.blockNumber} anchored a second time`).to.be.undefined;
        expect(await newEvmAnchorRegistry(evm).latest(await anchoring.ledgerId("mfr-dist"))).to.equal(BigInt(again.blockNumber));
        return;
      }
      expect.fail("mfr-dist grew between every pair of anchor runs");
    });

    it("refuses a copy of a block whose transaction bytes were changed", async () => {
      const raw = await blocks.raw("mfr-dist", anchored - 1n);
      const block = common.Block.deserializeBinary(raw);
      const envelopes = block.getData()?.getDataList_asU8() ?? [];
      const forged = Buffer.from(envelopes[0] ?? new Uint8Array());
      forged[forged.length - 10] = (forged[forged.length - 10] ?? 0) ^ 0xff;
      block.getData()?.setDataList([forged, ...envelopes.slice(1)]);

      const check = await anchoring.check("mfr-dist", anchored - 1n, block.serializeBinary());

      expect(check).to.include({ verified: false, reason: "DATA_HASH_MISMATCH" });
    });

    it("refuses a rewritten block whose header was recomputed to hide the change", async () => {
      const raw = await blocks.raw("mfr-dist", anchored - 1n);
      const block = common.Block.deserializeBinary(raw);
      const envelopes = block.getData()?.getDataList_asU8() ?? [];
      const forged = [Buffer.from("a transaction that never happened"), ...envelopes.slice(1)];
      block.getData()?.setDataList(forged);
      block.getHeader()?.setDataHash(blockDataHash(forged));

      const check = await anchoring.check("mfr-dist", anchored - 1n, block.serializeBinary());

      expect(check).to.include({ verified: false, reason: "HASH_CHAIN_BROKEN" });
    });
  });

  describe("pack lifecycle on the public variant", () => {
    let chain: PublicSupplyChain;
    const gtin = gtinFor("public");
    const lot = `P${RUN}`.slice(0, 20);
    const expiry = expiryAhead();
    const packs = [`X${RUN}`.slice(0, 20), `Y${RUN}`.slice(0, 20)].map((serial) => ({ gtin, serial, lot, expiry }));

    before(async () => {
      chain = newEvmSupplyChain(evm);
      await chain.registerProduct("ManufacturerMSP", gtin, "Insulin glargine");
      await chain.registerLot("ManufacturerMSP", gtin, lot, expiry);
      await chain.commission("ManufacturerMSP", gtin, lot, packs.map((p) => p.serial));
    });

    it("moves packs manufacturer -> distributor -> pharmacy and dispenses one", async () => {
      await chain.ship("ManufacturerMSP", packs, "DistributorMSP");
      await chain.receive("DistributorMSP", packs);
      await chain.ship("DistributorMSP", packs, "PharmacyMSP");
      await chain.receive("PharmacyMSP", packs);
      const before = await chain.verify(packs[0]!);
      const dispensed = await chain.dispense("PharmacyMSP", packs[0]!);
      const after = await chain.verify(packs[0]!);

      expect(before).to.deep.equal({ verified: true });
      expect(dispensed.dispensed).to.be.true;
      expect(after).to.deep.equal({ verified: false, reason: "ALREADY_DECOMMISSIONED" });
      expect(await chain.pack(packs[0]!)).to.include({ status: "DISPENSED" });
      expect(await chain.pack(packs[1]!)).to.include({ status: "RECEIVED", holder: evm.deployment.accounts.PharmacyMSP });
    });

    it("answers a wrong lot or expiry as no such pack: the commitment binds all four identifiers", async () => {
      const noMatch = { verified: false, reason: "NO_MATCH_GTIN_SERIAL" };
      expect(await chain.verify({ ...packs[1]!, lot: "WRONG" })).to.deep.equal(noMatch);
      expect(await chain.verify({ ...packs[1]!, expiry: "991231" })).to.deep.equal(noMatch);
    });

    it("keeps serials, lot numbers and the shipping parties out of every event of the contract", async () => {
      const logs = await evm.provider.getLogs({ address: evm.deployment.address, fromBlock: 0, toBlock: "latest" });
      const text = logs.map((log) => [...log.topics, log.data].join("")).join("").toLowerCase();
      for (const secret of [...packs.map((p) => p.serial), lot]) {
        expect(text).to.not.include(Buffer.from(secret).toString("hex"));
      }
      const shipped = evm.interface.getEvent("PackShipped")?.topicHash;
      for (const log of logs.filter((l) => l.topics[0] === shipped)) expect(log.topics).to.have.length(2);
    });

    it("maps the contract's refusal of a non-holder to FORBIDDEN", async () => {
      const error = await chain.ship("DistributorMSP", [packs[1]!], "PharmacyMSP").catch((e: unknown) => e);

      expect(error).to.be.instanceOf(GatewayError).with.property("code", "FORBIDDEN");
      expect((error as GatewayError).details).to.include({ revert: "NotPackHolder" });
    });

    it("maps a pack never commissioned to NOT_FOUND", async () => {
      const error = await chain.pack({ gtin, serial: "NEVER", lot, expiry }).catch((e: unknown) => e);

      expect(error).to.be.instanceOf(GatewayError).with.property("code", "NOT_FOUND");
    });

    it("fails verification with RECALLED once the lot is recalled", async () => {
      await chain.recallLot("RegulatorMSP", gtin, lot);

      expect(await chain.verify({ ...packs[1]!, lot, expiry })).to.deep.equal({ verified: false, reason: "RECALLED" });
    });
  });

  it("answers UNAVAILABLE naming the EVM when the node does not answer", async () => {
    const down = new EvmConnection({ ...evm.deployment, rpcUrl: "http://127.0.0.1:9" });

    const error = await down.ping().catch((e: unknown) => e);
    down.destroy();

    expect(error).to.be.instanceOf(GatewayError).with.property("code", "UNAVAILABLE");
    expect((error as Error).message).to.match(/^evm unavailable/);
  });

  it("moves a pack on the public variant through a gateway's EVM side as its first call after start", async () => {
    const lazy = newLazyEvm(EVM_DEPLOYMENT, { pingTimeoutMs: 10_000 });
    const gtin = gtinFor("lazy-evm");
    const lot = `LZ${RUN}`.slice(0, 20);
    const expiry = expiryAhead();

    await lazy.publicChain.registerProduct("ManufacturerMSP", gtin, "Lazy EVM");
    await lazy.publicChain.registerLot("ManufacturerMSP", gtin, lot, expiry);
    await lazy.publicChain.commission("ManufacturerMSP", gtin, lot, ["S1"]);
    const verification = await lazy.publicChain.verify({ gtin, serial: "S1", lot, expiry });
    lazy.destroy();

    expect(verification).to.deep.equal({ verified: true });
  });
});
