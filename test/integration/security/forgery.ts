/**
 * Tools of a dishonest member that holds one client certificate and its key:
 * take a transaction a peer endorsed honestly, edit its write set, sign the
 * "endorsement" with the client key instead of a peer's, re-sign the envelope
 * and hand it to the ordering service. Fabric checks none of this before the
 * commit; only the endorsement policies, evaluated by every committing peer,
 * can stop it.
 */
import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { type Contract, type Gateway, type Status } from "@hyperledger/fabric-gateway";
import { common, gateway, ledger, msp, peer } from "@hyperledger/fabric-protos";
import type { NetworkUser } from "../../../support/network-description.js";
import { fabricSigning } from "../../../gateway/src/adapters/fabric-signer.js";

/** A signing identity: what goes into a creator or endorser field, and the key that signs for it. */
export interface SigningIdentity {
  readonly mspId: string;
  readonly certificate: Uint8Array;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/** The identity of `user`'s certificate and key, claiming `mspId` (normally the user's own org). */
export function signingIdentity(user: NetworkUser, mspId: string): SigningIdentity {
  const { signer } = fabricSigning(createPrivateKey(readFileSync(user.keyPath)));
  return {
    mspId,
    certificate: readFileSync(user.certPath),
    // ECDSA P-256 over the SHA-256 digest, low-S DER: what an MSP verifies.
    sign: signer,
  };
}

/** msp.SerializedIdentity bytes, the form of every creator and endorser field. */
export function serializedIdentity(identity: Pick<SigningIdentity, "mspId" | "certificate">): Uint8Array {
  const serialized = new msp.SerializedIdentity();
  serialized.setMspid(identity.mspId);
  serialized.setIdBytes(identity.certificate);
  return serialized.serializeBinary();
}

/** A composite key as fabric-shim's createCompositeKey builds it. */
export function compositeKey(type: string, parts: readonly string[]): string {
  return `\u0000${type}\u0000${parts.map((p) => `${p}\u0000`).join("")}`;
}

const encoder = new TextEncoder();

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * An endorsed transaction taken apart down to the chaincode's write set, to be
 * edited and put back together. Built from fabric-gateway's prepared
 * transaction bytes (Transaction.getBytes()).
 */
export class EditableTransaction {
  readonly transactionId: string;
  readonly #prepared: gateway.PreparedTransaction;
  readonly #envelopePayload: common.Payload;
  readonly #transaction: peer.Transaction;
  readonly #actionPayload: peer.ChaincodeActionPayload;
  readonly #endorsedAction: peer.ChaincodeEndorsedAction;
  readonly #responsePayload: peer.ProposalResponsePayload;
  readonly #chaincodeAction: peer.ChaincodeAction;
  readonly #rwset: ledger.rwset.TxReadWriteSet;
  readonly #namespace: string;
  readonly #kv: ledger.rwset.kvrwset.KVRWSet;

  constructor(preparedBytes: Uint8Array, namespace: string) {
    this.#prepared = gateway.PreparedTransaction.deserializeBinary(preparedBytes);
    this.transactionId = this.#prepared.getTransactionId();
    const envelope = this.#prepared.getEnvelope();
    if (!envelope) throw new Error("prepared transaction without an envelope");
    this.#envelopePayload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
    this.#transaction = peer.Transaction.deserializeBinary(this.#envelopePayload.getData_asU8());
    const actions = this.#transaction.getActionsList();
    if (actions.length !== 1) throw new Error(`expected one transaction action, found ${actions.length}`);
    this.#actionPayload = peer.ChaincodeActionPayload.deserializeBinary(actions[0]!.getPayload_asU8());
    const endorsed = this.#actionPayload.getAction();
    if (!endorsed) throw new Error("transaction action without an endorsed action");
    this.#endorsedAction = endorsed;
    this.#responsePayload = peer.ProposalResponsePayload.deserializeBinary(endorsed.getProposalResponsePayload_asU8());
    this.#chaincodeAction = peer.ChaincodeAction.deserializeBinary(this.#responsePayload.getExtension_asU8());
    this.#rwset = ledger.rwset.TxReadWriteSet.deserializeBinary(this.#chaincodeAction.getResults_asU8());
    this.#namespace = namespace;
    const ns = this.#rwset.getNsRwsetList().find((n) => n.getNamespace() === namespace);
    this.#kv = ns ? ledger.rwset.kvrwset.KVRWSet.deserializeBinary(ns.getRwset_asU8()) : new ledger.rwset.kvrwset.KVRWSet();
  }

  /** The MSP ids of the identities that endorsed it. */
  endorserMspIds(): string[] {
    return this.#endorsedAction.getEndorsementsList().map((e) => msp.SerializedIdentity.deserializeBinary(e.getEndorser_asU8()).getMspid());
  }

  /** The keys the chaincode read, in order. */
  readKeys(): string[] {
    return this.#kv.getReadsList().map((r) => r.getKey());
  }

  /** The chaincode's writes: key to value (undefined for a delete). */
  writes(): Map<string, Uint8Array | undefined> {
    return new Map(this.#kv.getWritesList().map((w) => [w.getKey(), w.getIsDelete() ? undefined : w.getValue_asU8()]));
  }

  /** Keys whose endorsement policy (validation parameter) the chaincode set. */
  metadataWriteKeys(): string[] {
    return this.#kv.getMetadataWritesList().map((m) => m.getKey());
  }

  /** Adds or replaces the write of `key` with `value` (JSON for an object). */
  setWrite(key: string, value: Uint8Array | object): this {
    const bytes = value instanceof Uint8Array ? value : encoder.encode(JSON.stringify(value));
    const writes = this.#kv.getWritesList().filter((w) => w.getKey() !== key);
    const write = new ledger.rwset.kvrwset.KVWrite();
    write.setKey(key);
    write.setValue(bytes);
    writes.push(write);
    writes.sort((a, b) => (a.getKey() < b.getKey() ? -1 : a.getKey() > b.getKey() ? 1 : 0));
    this.#kv.setWritesList(writes);
    return this;
  }

  /** Replaces every endorsement with one signed by `identity` over the (edited) response payload. */
  async endorseAs(...identities: SigningIdentity[]): Promise<this> {
    this.#reassemble();
    const payload = this.#endorsedAction.getProposalResponsePayload_asU8();
    const endorsements: peer.Endorsement[] = [];
    for (const identity of identities) {
      const endorser = serializedIdentity(identity);
      const endorsement = new peer.Endorsement();
      endorsement.setEndorser(endorser);
      endorsement.setSignature(await identity.sign(concat(payload, endorser)));
      endorsements.push(endorsement);
    }
    this.#endorsedAction.setEndorsementsList(endorsements);
    return this;
  }

  /** Replaces the creator of the envelope (its signature header) with `identity`'s serialized identity. */
  claimCreator(identity: Pick<SigningIdentity, "mspId" | "certificate">): this {
    const header = this.#envelopePayload.getHeader();
    if (!header) throw new Error("envelope payload without a header");
    const signatureHeader = common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8());
    signatureHeader.setCreator(serializedIdentity(identity));
    header.setSignatureHeader(signatureHeader.serializeBinary());
    return this;
  }

  /** Puts the edited parts back together and signs the envelope as `identity` (the submitting client). */
  async signEnvelopeAs(identity: SigningIdentity): Promise<Uint8Array> {
    this.#reassemble();
    const action = this.#transaction.getActionsList()[0]!;
    action.setPayload(this.#actionPayload.serializeBinary());
    this.#envelopePayload.setData(this.#transaction.serializeBinary());
    const payloadBytes = this.#envelopePayload.serializeBinary();
    const envelope = new common.Envelope();
    envelope.setPayload(payloadBytes);
    envelope.setSignature(await identity.sign(payloadBytes));
    this.#prepared.setEnvelope(envelope);
    return this.#prepared.serializeBinary();
  }

  /** Serializes the write set up into the endorsed action's response payload. */
  #reassemble(): void {
    const namespaces = this.#rwset.getNsRwsetList();
    let ns = namespaces.find((n) => n.getNamespace() === this.#namespace);
    if (!ns) {
      ns = new ledger.rwset.NsReadWriteSet();
      ns.setNamespace(this.#namespace);
      namespaces.push(ns);
      this.#rwset.setNsRwsetList(namespaces);
    }
    ns.setRwset(this.#kv.serializeBinary());
    this.#chaincodeAction.setResults(this.#rwset.serializeBinary());
    this.#responsePayload.setExtension$(this.#chaincodeAction.serializeBinary());
    this.#endorsedAction.setProposalResponsePayload(this.#responsePayload.serializeBinary());
  }
}

/**
 * Has `contract`'s peers endorse `name(args)` (by default only the caller's own
 * org) without submitting it, and returns the transaction taken apart.
 */
export async function endorsedTransaction(contract: Contract, name: string, args: readonly string[], endorsingOrganizations?: string[]): Promise<EditableTransaction> {
  const proposal = contract.newProposal(name, { arguments: [...args], ...(endorsingOrganizations ? { endorsingOrganizations } : {}) });
  const transaction = await proposal.endorse();
  return new EditableTransaction(transaction.getBytes(), contract.getChaincodeName());
}

/** Sends signed prepared-transaction bytes to the ordering service through `via` and waits for the commit status. */
export async function submitPrepared(via: Gateway, bytes: Uint8Array): Promise<Status> {
  const submitted = await via.newTransaction(bytes).submit();
  return submitted.getStatus();
}

/** Endorses `name(args)` on the peers of `endorsingOrganizations` only, submits it, and returns its answer and commit status. */
export async function submitEndorsedBy(
  contract: Contract,
  name: string,
  args: readonly string[],
  endorsingOrganizations: string[],
): Promise<{ result: string; transactionId: string; status: Status }> {
  const transaction = await contract.newProposal(name, { arguments: [...args], endorsingOrganizations }).endorse();
  const submitted = await transaction.submit();
  return { result: new TextDecoder().decode(transaction.getResult()), transactionId: transaction.getTransactionId(), status: await submitted.getStatus() };
}
