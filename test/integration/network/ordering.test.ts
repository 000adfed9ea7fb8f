/**
 * The BFT orderers' answer for a transaction they have already ordered, on
 * the real network, and how the gateway's adapter reads it
 * (gateway/src/adapters/fabric-order.ts). A transaction sent again after it
 * committed stands for the race a loaded host produces: the peer's broadcast
 * reaching orderers that have already put the transaction in a block.
 */
import { status as GrpcStatus } from "@grpc/grpc-js";
import { common, peer } from "@hyperledger/fabric-protos";
import { GatewayError as FabricGatewayError, type Transaction } from "@hyperledger/fabric-gateway";
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { ALREADY_PROCESSED, commitFor, order } from "../../../gateway/src/adapters/fabric-order.js";
import { userOf } from "../../../support/network-description.js";
import { FabricSessions, runId, type OrgSession } from "../../../support/fabric-client.js";
import { productJson, gtinFor } from "../../../support/fixtures.js";

describe("ordering on the BFT orderers: a transaction sent again after it committed", function () {
  this.timeout(120_000);
  let sessions: FabricSessions;
  let manufacturer: OrgSession;
  let transaction: Transaction;
  let firstBlock: bigint;

  before(async () => {
    sessions = new FabricSessions();
    manufacturer = sessions.as("ManufacturerMSP", "operator");
    const proposal = manufacturer.contract("mfr-dist").newProposal("products:RegisterProduct", { arguments: [productJson(gtinFor(`ORD${runId()}`))] });
    transaction = await proposal.endorse();
    const status = await (await transaction.submit()).getStatus();
    expect(status.successful, "the first send commits").to.equal(true);
    firstBlock = status.blockNumber;
  });
  after(() => sessions.close());

  it("is answered UNAVAILABLE by the peer, as the orderers say 'already processed' and the peer counts that as a failure (Fabric 3.1)", async () => {
    const error = await transaction.submit().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, "the peer's gateway refuses the second send").to.be.instanceOf(FabricGatewayError);
    const submit = error as FabricGatewayError;
    expect(submit.name).to.equal("SubmitError");
    expect(submit.code).to.equal(GrpcStatus.UNAVAILABLE);
    expect(submit.details.length, "at least f+1 = 2 orderers refused").to.be.at.least(2);
    expect(submit.details.every((d) => d.message.includes(ALREADY_PROCESSED)), submit.details.map((d) => d.message).join("; ")).to.equal(true);
  });

  it("is read as ordered by the adapter, which returns the first send's VALID commit without putting a second copy on the ledger", async () => {
    const told: string[] = [];
    const identity = { mspId: "ManufacturerMSP", credentials: readFileSync(userOf(manufacturer.org, "operator").certPath) };

    const commit = await order(manufacturer.gateway, transaction, { channel: "mfr-dist", identity, onRecovered: (what) => void told.push(what) });
    const status = await commit.getStatus();

    expect(told).to.deep.equal(["ordered-despite-unavailable"]);
    expect(status.transactionId).to.equal(transaction.getTransactionId());
    expect(status.successful).to.equal(true);
    expect(status.blockNumber).to.equal(firstBlock);
    // The peer's ledger holds the transaction once, valid, in the block of the first send.
    const qscc = manufacturer.network("mfr-dist").getContract("qscc");
    const processed = peer.ProcessedTransaction.deserializeBinary(await qscc.evaluateTransaction("GetTransactionByID", "mfr-dist", transaction.getTransactionId()));
    expect(processed.getValidationcode()).to.equal(peer.TxValidationCode.VALID);
    const block = common.Block.deserializeBinary(await qscc.evaluateTransaction("GetBlockByTxID", "mfr-dist", transaction.getTransactionId()));
    expect(BigInt(block.getHeader()!.getNumber())).to.equal(firstBlock);
  });

  it("gets no status for an id that is not on the ledger: the commit status the adapter reads never stands in for ordering", async () => {
    const identity = { mspId: "ManufacturerMSP", credentials: readFileSync(userOf(manufacturer.org, "operator").certPath) };
    const unknown = commitFor(manufacturer.gateway, "mfr-dist", "0".repeat(64), identity);
    const error = await unknown.getStatus({ deadline: Date.now() + 1_500 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, "no status for a transaction that is not on the ledger").to.be.instanceOf(FabricGatewayError);
    // The wait ends at the deadline: grpc-js reports DEADLINE_EXCEEDED, or
    // CANCELLED when the peer's side of the stream, which got the same
    // deadline, closes first (seen once in a full suite).
    expect((error as FabricGatewayError).code).to.be.oneOf([GrpcStatus.DEADLINE_EXCEEDED, GrpcStatus.CANCELLED]);
  });
});
