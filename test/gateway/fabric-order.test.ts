import { status as GrpcStatus } from "@grpc/grpc-js";
import { gateway as gatewayProtos, msp } from "@hyperledger/fabric-protos";
import { GatewayError as FabricGatewayError, type Commit, type ErrorDetail, type Gateway, type Transaction } from "@hyperledger/fabric-gateway";
import { expect } from "chai";
import { ALREADY_PROCESSED, order, RESUBMIT_PAUSE_MS, RESUBMITS } from "../../gateway/src/adapters/fabric-order.js";
import { toGatewayError } from "../../gateway/src/adapters/fabric-errors.js";

const QUORUM_MESSAGE = "insufficient number of orderers could successfully process transaction to satisfy quorum requirement";
const identity = { mspId: "ManufacturerMSP", credentials: new TextEncoder().encode("-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n") };

/** What the peer's gateway throws for a submit the orderers did not take, as fabric-gateway builds it (a SubmitError). */
function submitError(code: number, details: ErrorDetail[], message = `${code} ${QUORUM_MESSAGE}`): FabricGatewayError {
  const err = new FabricGatewayError({ code, details, cause: Object.assign(new Error(message), { code, details: message, metadata: undefined }) as never, message });
  err.name = "SubmitError";
  Object.assign(err, { transactionId: "tx-ordered" });
  return err;
}

const orderer = (n: number, message: string): ErrorDetail => ({ address: `127.0.0.1:${n}050`, mspId: `Org${n}MSP`, message });
const processed = (n: number) => orderer(n, `received unsuccessful response from orderer: status=SERVICE_UNAVAILABLE, info=failed to submit request: ${ALREADY_PROCESSED}`);
const refused = (n: number) => orderer(n, "rpc error: code = Unavailable desc = connection refused");

/** A transaction double whose sends answer with the scripted outcomes in turn, and a Gateway double that records newCommit. */
function doubles(outcomes: (Error | "ok")[]) {
  const sent: number[] = [];
  const submitted = { getStatus: async () => ({ successful: true }) } as unknown as Commit;
  const transaction = {
    getTransactionId: () => "tx-ordered",
    submit: async () => {
      sent.push(sent.length);
      const outcome = outcomes.shift() ?? "ok";
      if (outcome !== "ok") throw outcome;
      return submitted;
    },
  } as unknown as Transaction;
  const commits: Uint8Array[] = [];
  const recovered = { getStatus: async () => ({ successful: true }) } as unknown as Commit;
  const gateway = {
    newCommit: (bytes: Uint8Array) => {
      commits.push(bytes);
      return recovered;
    },
  } as unknown as Gateway;
  const pauses: number[] = [];
  const told: string[] = [];
  const options = {
    channel: "mfr-dist",
    identity,
    sleep: async (ms: number) => void pauses.push(ms),
    onRecovered: (what: string) => void told.push(what),
  };
  return { transaction, gateway, sent, commits, pauses, told, options, submitted, recovered };
}

describe("ordering a transaction on the BFT orderers (fabric-order.ts)", () => {
  it("returns the submit's own commit when the orderers take the transaction, sending it once", async () => {
    const d = doubles(["ok"]);
    expect(await order(d.gateway, d.transaction, d.options)).to.equal(d.submitted);
    expect(d.sent).to.have.length(1);
    expect(d.commits).to.have.length(0);
    expect(d.told).to.deep.equal([]);
  });

  it("reads the commit status of a transaction two orderers answered 'already processed' for, instead of reporting it failed or sending it again", async () => {
    const d = doubles([submitError(GrpcStatus.UNAVAILABLE, [processed(1), processed(3)])]);

    const commit = await order(d.gateway, d.transaction, d.options);

    expect(commit).to.equal(d.recovered);
    expect(d.sent, "no second send of a transaction already in a block").to.have.length(1);
    expect(d.told).to.deep.equal(["ordered-despite-unavailable"]);
    // The commit status request names the channel, the transaction and the identity the Gateway signs as.
    const signed = gatewayProtos.SignedCommitStatusRequest.deserializeBinary(d.commits[0]!);
    const request = gatewayProtos.CommitStatusRequest.deserializeBinary(signed.getRequest_asU8());
    expect(request.getChannelId()).to.equal("mfr-dist");
    expect(request.getTransactionId()).to.equal("tx-ordered");
    const creator = msp.SerializedIdentity.deserializeBinary(request.getIdentity_asU8());
    expect(creator.getMspid()).to.equal("ManufacturerMSP");
    expect(Buffer.from(creator.getIdBytes_asU8()).toString()).to.equal(Buffer.from(identity.credentials).toString());
    expect(signed.getSignature_asU8(), "left for the Gateway's signer").to.have.length(0);
  });

  it("sends the same transaction again, with growing pauses, when the orderers did not take it, and returns the commit once they do", async () => {
    const d = doubles([submitError(GrpcStatus.UNAVAILABLE, [refused(1), refused(2)]), submitError(GrpcStatus.UNAVAILABLE, [refused(1), refused(2)]), "ok"]);

    expect(await order(d.gateway, d.transaction, d.options)).to.equal(d.submitted);

    expect(d.sent).to.have.length(3);
    expect(d.pauses).to.deep.equal([RESUBMIT_PAUSE_MS, 2 * RESUBMIT_PAUSE_MS]);
    expect(d.told).to.deep.equal(["resubmitted", "resubmitted"]);
  });

  it("takes 'already processed' on a later send as ordered too", async () => {
    const d = doubles([submitError(GrpcStatus.UNAVAILABLE, [refused(1), refused(2)]), submitError(GrpcStatus.UNAVAILABLE, [processed(1), processed(2)])]);
    expect(await order(d.gateway, d.transaction, d.options)).to.equal(d.recovered);
    expect(d.sent).to.have.length(2);
  });

  it(`gives up after ${RESUBMITS} further sends, throwing the orderers' last answer`, async () => {
    const last = submitError(GrpcStatus.UNAVAILABLE, [refused(1), refused(4)]);
    const d = doubles([submitError(GrpcStatus.UNAVAILABLE, []), submitError(GrpcStatus.UNAVAILABLE, []), last]);
    expect(await order(d.gateway, d.transaction, d.options).catch((e: unknown) => e)).to.equal(last);
    expect(d.sent).to.have.length(RESUBMITS + 1);
    expect(d.commits).to.have.length(0);
  });

  it("does not send again after an answer other than UNAVAILABLE (a refused signature is not cured by waiting)", async () => {
    const denied = submitError(GrpcStatus.PERMISSION_DENIED, [orderer(1, "implicit policy evaluation failed")], "7 PERMISSION_DENIED");
    const d = doubles([denied]);
    expect(await order(d.gateway, d.transaction, d.options).catch((e: unknown) => e)).to.equal(denied);
    expect(d.sent).to.have.length(1);
  });

  it("rethrows an error that is not the orderers' answer", async () => {
    const bug = new TypeError("not a submit error");
    const d = doubles([bug]);
    expect(await order(d.gateway, d.transaction, d.options).catch((e: unknown) => e)).to.equal(bug);
    expect(d.sent).to.have.length(1);
  });

  it("names each orderer's answer in the 503 when the transaction was not ordered", () => {
    const err = toGatewayError(submitError(GrpcStatus.UNAVAILABLE, [refused(1), refused(2)]), "ManufacturerMSP peer 127.0.0.1:7051");
    expect(err.status).to.equal(503);
    expect(err.message).to.include("orderer unreachable").and.include("Org1MSP@127.0.0.1:1050: rpc error").and.include("Org2MSP@127.0.0.1:2050");
  });
});
