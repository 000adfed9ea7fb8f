import { expect } from "chai";
import { common, ledger as ledgerProtos, peer } from "@hyperledger/fabric-protos";
import { committedBlockOf } from "../../gateway/src/adapters/fabric-events.js";
import { openSqliteReadModel } from "../../gateway/src/adapters/sqlite-read-model.js";
import type { CommittedBlock, CommittedBlockSource, ValidTransaction } from "../../gateway/src/ports/ledger-events.js";
import { VerifyReadModel } from "../../gateway/src/services/verify-read-model.js";
import { buildTestApp, KEYS, type TestApp } from "./support/app.js";
import { readModelContract } from "./support/store-contracts.js";

const CHANNEL = "dist-pharm";
const SCAN = { gtin: "00350090123456", serial: "SN8X4K2Q9", lot: "LOT2024A", expiry: "290331" };
const AT = "2026-06-01T10:00:00Z";
const key = (type: string, ...parts: string[]) => `\u0000${type}\u0000${parts.map((p) => `${p}\u0000`).join("")}`;
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

const product = { gtin: SCAN.gtin, name: "Amoxicillin", strength: "500 mg", form: "capsule", nationalCode: "1", manufacturer: "ManufacturerMSP", registeredAt: AT };
const lot = { gtin: SCAN.gtin, lot: SCAN.lot, expiry: SCAN.expiry, manufacturer: "ManufacturerMSP", packCount: 1, commissionedAt: AT };
const pack = { ...SCAN, status: "RECEIVED", owner: "PharmacyMSP", marks: [] as string[], updatedAt: AT, updatedBy: "PharmacyMSP", updatedTxId: "t1" };
const stamp = { at: AT, by: "ManufacturerMSP", txId: "t9" };

function tx(txId: string, writes: [string, unknown][]): ValidTransaction {
  return { txId, at: AT, writes: writes.map(([k, v]) => ({ key: k, value: v === undefined ? undefined : json(v) })) };
}
function block(number: number, ...transactions: ValidTransaction[]): CommittedBlock {
  return { channel: CHANNEL, number: BigInt(number), transactions };
}
const noSource: CommittedBlockSource = { open: () => Promise.reject(new Error("not used")) };
const newModel = (store = openSqliteReadModel(":memory:")) => new VerifyReadModel(noSource, store, { channels: [CHANNEL], retryInitialMs: 10, retryMaxMs: 10 });

/** The pack on the pharmacy's shelf by block 3: product, lot and pack records. */
async function shelved(model: VerifyReadModel): Promise<void> {
  await model.apply(block(1, tx("t0", [[key("product", SCAN.gtin), product], [key("lot", SCAN.gtin, SCAN.lot), lot]])));
  await model.apply(block(2, tx("t1", [[key("pack", SCAN.gtin, SCAN.serial), { ...pack, status: "IN_TRANSIT", owner: "DistributorMSP", updatedBy: "DistributorMSP" }]])));
  await model.apply(block(3, tx("t2", [[key("pack", SCAN.gtin, SCAN.serial), pack]])));
}

describe("read model store (SQLite)", () => {
  readModelContract(() => Promise.resolve(openSqliteReadModel(":memory:")));
});

describe("verify read model", () => {
  describe("answering a scan", () => {
    it("answers verified from the records as of its last block, naming that block", async () => {
      const model = newModel();
      await shelved(model);
      const answer = await model.answer(CHANNEL, SCAN, AT);
      expect(answer?.block).to.equal(3n);
      expect(answer?.verification).to.deep.include({ verified: true, status: "RECEIVED", owner: "PharmacyMSP" });
      expect(answer?.provenance?.custody.map((s) => `${s.status}:${s.owner}`)).to.deep.equal(["IN_TRANSIT:DistributorMSP", "RECEIVED:PharmacyMSP"]);
      expect(answer?.provenance?.product).to.deep.equal({ manufacturer: "ManufacturerMSP", name: "Amoxicillin", strength: "500 mg", form: "capsule" });
    });

    it("answers nothing before its first block, and no match for a pack it does not hold", async () => {
      const model = newModel();
      expect(await model.answer(CHANNEL, SCAN, AT)).to.equal(undefined);
      await shelved(model);
      expect(await model.answer(CHANNEL, { ...SCAN, serial: "OTHER" }, AT)).to.deep.include({ provenance: null });
      expect((await model.answer(CHANNEL, { ...SCAN, serial: "OTHER" }, AT))?.verification.reason).to.equal("NO_MATCH_GTIN_SERIAL");
    });

    const blocking: [string, [string, unknown], string][] = [
      ["a recall", [key("lot", SCAN.gtin, SCAN.lot), { ...lot, recall: { ...stamp, reason: "sterility" } }], "RECALLED"],
      ["a withdrawal", [key("product", SCAN.gtin), { ...product, withdrawal: { ...stamp, reason: "licence" } }], "WITHDRAWN"],
      ["a mark", [key("pack", SCAN.gtin, SCAN.serial), { ...pack, marks: ["SUSPECT"] }], "SUSPECT"],
      ["a decommission", [key("pack", SCAN.gtin, SCAN.serial), { ...pack, status: "DESTROYED" }], "ALREADY_DECOMMISSIONED"],
    ];
    for (const [what, write, reason] of blocking) {
      it(`never answers verified at or above the block where ${what} committed`, async () => {
        const model = newModel();
        await shelved(model);
        const answers: { block: bigint; verified: boolean; reason?: string }[] = [];
        const scan = async () => {
          const a = await model.answer(CHANNEL, SCAN, AT);
          if (a) answers.push({ block: a.block, verified: a.verification.verified, ...(a.verification.reason ? { reason: a.verification.reason } : {}) });
        };
        await scan();
        await model.apply(block(4, tx("t3", [[key("lotpacks", SCAN.gtin, SCAN.lot, "0"), { serials: [] }]])));
        await scan();
        await model.apply(block(5, tx("t4", [write])));
        await scan();
        await model.apply(block(6));
        await scan();
        expect(answers).to.deep.equal([
          { block: 3n, verified: true },
          { block: 4n, verified: true },
          { block: 5n, verified: false, reason },
          { block: 6n, verified: false, reason },
        ]);
      });
    }

    it("ignores a block at or below the last one applied (a reopened stream replays it)", async () => {
      const model = newModel();
      await shelved(model);
      await model.apply(block(3, tx("t9", [[key("pack", SCAN.gtin, SCAN.serial), { ...pack, status: "DESTROYED" }]])));
      expect((await model.answer(CHANNEL, SCAN, AT))?.verification.verified).to.equal(true);
    });

    it("keeps its records and its last block in the store, so a restarted gateway resumes after that block", async () => {
      const store = openSqliteReadModel(":memory:");
      await shelved(newModel(store));
      const starts: bigint[] = [];
      const source: CommittedBlockSource = {
        open: (_channel, start) => {
          starts.push(start);
          return Promise.reject(new Error("peer down"));
        },
      };
      const restarted = new VerifyReadModel(source, store, { channels: [CHANNEL], retryInitialMs: 5, retryMaxMs: 5 });
      expect((await restarted.answer(CHANNEL, SCAN, AT))?.verification.verified).to.equal(true);
      restarted.start();
      await new Promise((resolve) => setTimeout(resolve, 30));
      await restarted.stop();
      expect(starts[0]).to.equal(4n);
    });
  });

  describe("reading a committed block", () => {
    function envelope(txId: string, writes: [string, unknown][]): Uint8Array {
      const kv = new ledgerProtos.rwset.kvrwset.KVRWSet();
      kv.setWritesList(
        writes.map(([k, v]) => {
          const w = new ledgerProtos.rwset.kvrwset.KVWrite();
          w.setKey(k);
          w.setValue(json(v));
          return w;
        }),
      );
      const ns = new ledgerProtos.rwset.NsReadWriteSet();
      ns.setNamespace("rxtrace");
      ns.setRwset(kv.serializeBinary());
      const rwset = new ledgerProtos.rwset.TxReadWriteSet();
      rwset.setNsRwsetList([ns]);
      const action = new peer.ChaincodeAction();
      action.setResults(rwset.serializeBinary());
      const response = new peer.ProposalResponsePayload();
      response.setExtension$(action.serializeBinary());
      const endorsed = new peer.ChaincodeEndorsedAction();
      endorsed.setProposalResponsePayload(response.serializeBinary());
      const actionPayload = new peer.ChaincodeActionPayload();
      actionPayload.setAction(endorsed);
      const txAction = new peer.TransactionAction();
      txAction.setPayload(actionPayload.serializeBinary());
      const transaction = new peer.Transaction();
      transaction.setActionsList([txAction]);
      const channelHeader = new common.ChannelHeader();
      channelHeader.setType(common.HeaderType.ENDORSER_TRANSACTION);
      channelHeader.setTxId(txId);
      const header = new common.Header();
      header.setChannelHeader(channelHeader.serializeBinary());
      const payload = new common.Payload();
      payload.setHeader(header);
      payload.setData(transaction.serializeBinary());
      const env = new common.Envelope();
      env.setPayload(payload.serializeBinary());
      return env.serializeBinary();
    }

    it("takes the writes of VALID transactions only, as the block's validation codes say", () => {
      const b = new common.Block();
      const header = new common.BlockHeader();
      header.setNumber(7);
      b.setHeader(header);
      const data = new common.BlockData();
      data.setDataList([envelope("good", [[key("pack", SCAN.gtin, SCAN.serial), pack]]), envelope("bad", [[key("pack", SCAN.gtin, "FORGED"), pack]])]);
      b.setData(data);
      const metadata = new common.BlockMetadata();
      const lists: Uint8Array[] = [new Uint8Array(), new Uint8Array(), new Uint8Array(), new Uint8Array(), new Uint8Array()];
      // 0 is VALID; 11 is MVCC_READ_CONFLICT: the second transaction's writes never reached state.
      lists[common.BlockMetadataIndex.TRANSACTIONS_FILTER] = Uint8Array.from([0, 11]);
      metadata.setMetadataList(lists);
      b.setMetadata(metadata);
      const committed = committedBlockOf(CHANNEL, common.Block.deserializeBinary(b.serializeBinary()), "rxtrace");
      expect(committed.number).to.equal(7n);
      expect(committed.transactions.map((t) => [t.txId, t.writes.map((w) => w.key)])).to.deep.equal([["good", [key("pack", SCAN.gtin, SCAN.serial)]]]);
    });
  });

  describe("GET /v1/verify with a read model", () => {
    let t: TestApp;
    let model: VerifyReadModel;
    beforeEach(async () => {
      model = newModel();
      await shelved(model);
      t = await buildTestApp({ verifyReadModel: model });
      t.ledger.on("packs:VerifyWithProvenance", (call) => ({
        verification: { verified: false, reason: "NO_MATCH_GTIN_SERIAL", additionalInfo: [], gtin: call.args?.[0], serial: call.args?.[1], checkedAt: AT },
        provenance: null,
      }));
    });
    afterEach(async () => t.close());
    const url = (serial = SCAN.serial, extra = "") => `/v1/verify?gtin=${SCAN.gtin}&serial=${serial}&lot=${SCAN.lot}&expiry=${SCAN.expiry}${extra}`;

    it("answers from the read model without an evaluate, stating its block in asOf and X-Ledger-Block", async () => {
      const res = await t.app.inject({ method: "GET", url: url(), headers: { "x-api-key": KEYS.pharmacy } });
      expect(res.statusCode).to.equal(200);
      expect(res.json()).to.deep.include({ verified: true, channel: CHANNEL, asOf: { source: "read-model", blocks: [{ channel: CHANNEL, block: "3" }] } });
      expect(res.headers["x-ledger-block"]).to.equal("dist-pharm:3");
      expect(t.ledger.calls).to.have.length(0);
    });

    it("answers ?consistency=ledger with one evaluate, stating the read model's block as the least it reflects", async () => {
      const res = await t.app.inject({ method: "GET", url: url(SCAN.serial, "&consistency=ledger"), headers: { "x-api-key": KEYS.pharmacy } });
      expect(res.json()).to.deep.include({ asOf: { source: "ledger", blocks: [{ channel: CHANNEL, block: "3" }] } });
      expect(t.ledger.calls.map((c) => c.call.transaction)).to.deep.equal(["packs:VerifyWithProvenance"]);
    });

    it("asks the ledger about a pack the read model does not hold (it may be newer than its last block)", async () => {
      const res = await t.app.inject({ method: "GET", url: url("UNKNOWN"), headers: { "x-api-key": KEYS.pharmacy } });
      expect(res.json()).to.deep.include({ verified: false, reason: "NO_MATCH_GTIN_SERIAL", asOf: { source: "ledger", blocks: [{ channel: CHANNEL, block: "3" }] } });
      expect(t.ledger.calls).to.have.length(1);
    });

    it("asks the ledger when the read model's store does not answer", async () => {
      await t.close();
      const store = openSqliteReadModel(":memory:");
      const down = () => Promise.reject(new Error("connection refused"));
      store.lastBlock = down;
      store.record = down;
      t = await buildTestApp({ verifyReadModel: newModel(store) });
      t.ledger.on("packs:VerifyWithProvenance", () => ({ verification: { verified: true, additionalInfo: [], checkedAt: AT }, provenance: null }));
      const res = await t.app.inject({ method: "GET", url: url(), headers: { "x-api-key": KEYS.pharmacy } });
      expect(res.statusCode, res.body).to.equal(200);
      expect(res.json()).to.deep.include({ verified: true });
      expect(res.json().asOf).to.deep.equal({ source: "ledger", blocks: [] });
      expect(t.ledger.calls.map((c) => c.call.transaction)).to.deep.equal(["packs:VerifyWithProvenance"]);
    });

    it("answers 400 naming consistency for a value it does not know", async () => {
      const res = await t.app.inject({ method: "GET", url: url(SCAN.serial, "&consistency=eventual"), headers: { "x-api-key": KEYS.pharmacy } });
      expect(res.statusCode).to.equal(400);
      expect(res.json().field).to.equal("consistency");
    });
  });
});
