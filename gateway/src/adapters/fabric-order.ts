/**
 * Ordering an endorsed transaction on the BFT ordering service, and telling
 * "not ordered" from "ordered, but the peer said otherwise".
 *
 * Fabric's gateway service (3.1, internal/pkg/gateway/submit.go) sends a
 * transaction to every orderer and answers UNAVAILABLE "insufficient number
 * of orderers could successfully process transaction to satisfy quorum
 * requirement" unless a quorum (3 of 4 here) accepted it. An orderer that has
 * already ordered the transaction answers "request already processed", and
 * the peer counts that as a failure (only "request already exists" counts as
 * a success). On a loaded host an orderer often receives the transaction from
 * the leader, and sees it decided, before the peer's own broadcast reaches it
 * (bench logs: one such answer per few hundred writes); when two of four do,
 * the peer answers UNAVAILABLE for a transaction that is in a block. A client
 * that believed the answer would report a committed write as failed.
 *
 * So: an answer naming "request already processed" means ordered (SmartBFT
 * records a request as processed once a decision holding it is delivered),
 * and the outcome is read from the peer's commit status for the transaction
 * id. Any other UNAVAILABLE (an orderer restarting, a view change) sends the
 * same signed envelope again, a bounded number of times: the same transaction
 * id, so at most one copy can ever be valid on the ledger. Anything else is
 * the caller's to map (fabric-errors.ts).
 */
import { status as GrpcStatus } from "@grpc/grpc-js";
import { gateway as gatewayProtos, msp } from "@hyperledger/fabric-protos";
import { GatewayError as FabricGatewayError, type Commit, type Gateway, type Identity, type Transaction } from "@hyperledger/fabric-gateway";

/** An orderer's answer for a transaction it has already put in a block (SmartBFT's ErrReqAlreadyProcessed). */
export const ALREADY_PROCESSED = "request already processed";

/** How many times a transaction the orderers did not take is sent again, and the first pause (doubled each time). */
export const RESUBMITS = 2;
export const RESUBMIT_PAUSE_MS = 400;

/** What the gateway did with an orderers' answer it did not take at its word. */
export type OrderRecovery = "resubmitted" | "ordered-despite-unavailable";

export interface OrderOptions {
  /** The channel the transaction was endorsed on. */
  readonly channel: string;
  /** The identity the Gateway signs as: the commit status request names it. */
  readonly identity: Identity;
  /** Waits between sends (a test passes a fast one). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Told each time an answer is not taken at its word, for the log. */
  readonly onRecovered?: (what: OrderRecovery, transactionId: string, detail: string) => void;
}

function submitErrorOf(err: unknown): FabricGatewayError | undefined {
  return err instanceof FabricGatewayError && err.name === "SubmitError" ? err : undefined;
}

/** True when at least one orderer said it has already ordered this transaction. */
export function orderedDespiteError(err: unknown): boolean {
  const submit = submitErrorOf(err);
  return submit !== undefined && submit.details.some((d) => d.message.includes(ALREADY_PROCESSED));
}

/** The commit of a transaction the peer would not return one for: a commit status request for its id, signed by the Gateway. */
export function commitFor(gateway: Gateway, channel: string, transactionId: string, identity: Identity): Commit {
  const creator = new msp.SerializedIdentity();
  creator.setMspid(identity.mspId);
  creator.setIdBytes(identity.credentials);
  const request = new gatewayProtos.CommitStatusRequest();
  request.setChannelId(channel);
  request.setTransactionId(transactionId);
  request.setIdentity(creator.serializeBinary());
  const signed = new gatewayProtos.SignedCommitStatusRequest();
  signed.setRequest(request.serializeBinary());
  return gateway.newCommit(signed.serializeBinary());
}

/**
 * Submits `transaction` to the orderers and returns its commit, also when the
 * peer answered UNAVAILABLE for a transaction an orderer has ordered.
 * @throws what fabric-gateway threw, when the transaction was not ordered
 */
export async function order(gateway: Gateway, transaction: Transaction, options: OrderOptions): Promise<Commit> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const transactionId = transaction.getTransactionId();
  for (let resubmit = 0; ; resubmit++) {
    try {
      return await transaction.submit();
    } catch (err) {
      const submit = submitErrorOf(err);
      if (!submit) throw err;
      if (orderedDespiteError(submit)) {
        options.onRecovered?.("ordered-despite-unavailable", transactionId, submit.details.map((d) => `${d.address}: ${d.message}`).join("; "));
        return commitFor(gateway, options.channel, transactionId, options.identity);
      }
      if (submit.code !== Number(GrpcStatus.UNAVAILABLE) || resubmit >= RESUBMITS) throw err;
      options.onRecovered?.("resubmitted", transactionId, submit.message);
      await sleep(RESUBMIT_PAUSE_MS * 2 ** resubmit);
    }
  }
}
