/** Shared by the security tests on the real network. */
import { common, msp, peer } from "@hyperledger/fabric-protos";
import type { Answer } from "../../../support/gateway-harness.js";
import { eventually, type OrgSession } from "../../../support/fabric-client.js";

/**
 * Repeats a setup call while it answers 404: a write endorsed by another org's
 * peer right after a commit can reach that peer before the block does (the
 * gateway answers once the submitting org's peer has committed).
 */
export async function afterPropagation(send: () => Promise<Answer>, timeoutMs = 20_000): Promise<Answer> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await send();
    if (res.status !== 404 || Date.now() > until) return res;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * The validation code `who`'s own peer recorded for a transaction (qscc
 * GetTransactionByID), once that peer has committed its block: so a test
 * learns what every member's ledger says, not only the submitting org's.
 */
export async function validationCodeOn(who: OrgSession, channel: string, txId: string): Promise<number> {
  return (await processedTransaction(who, channel, txId)).getValidationcode();
}

/** The MSP id in the creator field of a committed transaction, as `who`'s own peer stored it. */
export async function creatorMspOn(who: OrgSession, channel: string, txId: string): Promise<string> {
  const envelope = (await processedTransaction(who, channel, txId)).getTransactionenvelope();
  if (!envelope) throw new Error(`transaction ${txId} has no envelope`);
  const header = common.Payload.deserializeBinary(envelope.getPayload_asU8()).getHeader();
  if (!header) throw new Error(`transaction ${txId} has no header`);
  const creator = common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8()).getCreator_asU8();
  return msp.SerializedIdentity.deserializeBinary(creator).getMspid();
}

async function processedTransaction(who: OrgSession, channel: string, txId: string): Promise<peer.ProcessedTransaction> {
  const qscc = who.network(channel).getContract("qscc");
  const bytes = await eventually(() => qscc.evaluateTransaction("GetTransactionByID", channel, txId), 30_000);
  return peer.ProcessedTransaction.deserializeBinary(bytes);
}
