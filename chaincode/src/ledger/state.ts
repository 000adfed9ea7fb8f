import { createHash } from "node:crypto";
import { canonicalJson, type EventEnvelope, type EventFields, type EventName } from "@rxtrace/domain";
import { encodeKeyPolicy, keyPolicy } from "./endorsement";
import { KEY_TYPES, type KeyType } from "./keys";
import type { ChaincodeStub } from "fabric-shim";
import type { Tx } from "./tx";

export { KEY_TYPES, type KeyType } from "./keys";

export interface HistoryEntry<T> {
  txId: string;
  at: string;
  isDelete: boolean;
  value: T | undefined;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Every JSON record an iterator of the peer yields, in its order; the iterator is closed. */
async function drain<T>(iterator: Awaited<ReturnType<ChaincodeStub["getStateByPartialCompositeKey"]>>): Promise<T[]> {
  const values: T[] = [];
  try {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      values.push(JSON.parse(decoder.decode(next.value.value)) as T);
    }
  } finally {
    await iterator.close();
  }
  return values;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * The one module that reads and writes world state: composite keys,
 * deterministic JSON, the key-level endorsement policy on every write, and the
 * transaction's single event.
 */
export class State {
  readonly #tx: Tx;
  #memberIds: readonly string[] | undefined;
  readonly #policies = new Map<string, Uint8Array>();

  constructor(tx: Tx) {
    this.#tx = tx;
  }

  key(type: KeyType, parts: readonly string[]): string {
    return this.#tx.stub.createCompositeKey(type, [...parts]);
  }

  // Records read back were written by this module from values the validated
  // factories of domain/records.ts produced, so they are typed, not re-validated.
  async get<T>(type: KeyType, parts: readonly string[]): Promise<T | undefined> {
    const bytes = await this.#tx.stub.getState(this.key(type, parts));
    return bytes.length === 0 ? undefined : (JSON.parse(decoder.decode(bytes)) as T);
  }

  async exists(type: KeyType, parts: readonly string[]): Promise<boolean> {
    const bytes = await this.#tx.stub.getState(this.key(type, parts));
    return bytes.length > 0;
  }

  /**
   * Writes a record and sets its key-level endorsement policy (ledger/endorsement.ts):
   * the peers of all of `owners`, the regulator's for regulator-governed
   * records, and one other channel member's when that leaves one org.
   */
  async put(type: KeyType, parts: readonly string[], value: unknown, owners: readonly string[]): Promise<void> {
    const key = this.key(type, parts);
    await this.#tx.stub.putState(key, encoder.encode(canonicalJson(value)));
    const policy = keyPolicy(type, value, owners, await this.#members());
    if (!policy) return;
    const id = `${policy.all.join(",")}|${policy.anyOf.join(",")}`;
    let bytes = this.#policies.get(id);
    if (!bytes) {
      bytes = encodeKeyPolicy(policy);
      this.#policies.set(id, bytes);
    }
    await this.#tx.stub.setStateValidationParameter(key, bytes);
  }

  /** The channel's registered partners (its member orgs), read once per transaction. */
  async #members(): Promise<readonly string[]> {
    this.#memberIds ??= (await this.list<{ mspId: string }>(KEY_TYPES.PARTNER, [])).map((p) => p.mspId);
    return this.#memberIds;
  }

  /** All records whose composite key starts with the given attributes, in key order. */
  async list<T>(type: KeyType, partial: readonly string[]): Promise<T[]> {
    return drain<T>(await this.#tx.stub.getStateByPartialCompositeKey(type, [...partial]));
  }

  /**
   * One page of the records whose composite key starts with the given
   * attributes, in key order, and the bookmark of the next page ("" after the
   * last). Fabric pages only in read-only transactions (evaluate).
   */
  async page<T>(type: KeyType, partial: readonly string[], pageSize: number, bookmark: string): Promise<{ values: T[]; bookmark: string }> {
    const { iterator, metadata } = await this.#tx.stub.getStateByPartialCompositeKeyWithPagination(type, [...partial], pageSize, bookmark);
    const values = await drain<T>(iterator);
    return { values, bookmark: values.length < pageSize ? "" : metadata.bookmark };
  }

  async history<T>(type: KeyType, parts: readonly string[]): Promise<HistoryEntry<T>[]> {
    const entries: HistoryEntry<T>[] = [];
    const iterator = await this.#tx.stub.getHistoryForKey(this.key(type, parts));
    try {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        const { txId, isDelete, value, timestamp } = next.value;
        const at = new Date(Number(timestamp.seconds) * 1000).toISOString().replace(".000Z", "Z");
        entries.push({ txId, at, isDelete, value: value.length === 0 ? undefined : (JSON.parse(decoder.decode(value)) as T) });
      }
    } finally {
      await iterator.close();
    }
    // Fabric (since 2.0) answers newest first; the API promises oldest first.
    return entries.reverse();
  }

  /** Writes private data as canonical JSON; returns the sha256 Fabric records on the channel. */
  async putPrivate(collection: string, key: string, value: unknown): Promise<string> {
    const bytes = encoder.encode(canonicalJson(value));
    await this.#tx.stub.putPrivateData(collection, key, bytes);
    return sha256Hex(bytes);
  }

  async getPrivate<T>(collection: string, key: string): Promise<{ value: T; hash: string } | undefined> {
    const bytes = await this.#tx.stub.getPrivateData(collection, key);
    if (bytes.length === 0) return undefined;
    return { value: JSON.parse(decoder.decode(bytes)) as T, hash: sha256Hex(bytes) };
  }

  /** Purges private data: the value is removed from every peer's private store, only its hash history stays. */
  async purgePrivate(collection: string, key: string): Promise<void> {
    await this.#tx.stub.purgePrivateData(collection, key);
  }

  /** Sets the transaction's one event. */
  emit<N extends EventName>(type: N, fields: EventFields[N]): void {
    const envelope: EventEnvelope = { type, txId: this.#tx.txId, at: this.#tx.at, by: this.#tx.msp };
    this.#tx.stub.setEvent(type, encoder.encode(canonicalJson({ ...fields, ...envelope })));
  }
}

/** Canonical JSON text returned by every transaction. */
export function result(value: unknown): string {
  return canonicalJson(value);
}
