// In-memory doubles of a Fabric channel ledger, a ChaincodeStub and a client
// identity, enough to run the rxtrace contracts in process: world state with
// composite keys and range scans, key history, key endorsement parameters,
// private data with hashes, the transient map, one event per transaction, and
// read-only invokeChaincode to another channel. Writes are buffered and applied
// only when the transaction succeeds, and reads see committed state, as in Fabric.
import { createHash } from "node:crypto";
import type { Context } from "fabric-contract-api";
import { KeyEndorsementPolicy } from "fabric-shim";
import { TERMS_COLLECTION, termsCollection } from "@rxtrace/domain";
import { contracts } from "../chaincode/src/index.js";
import { decodeKeyPolicy, type DecodedKeyPolicy } from "../chaincode/src/ledger/endorsement.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface HistoryRecord {
  txId: string;
  seconds: number;
  isDelete: boolean;
  value: Uint8Array;
}

export interface EmittedEvent {
  name: string;
  payload: Record<string, unknown>;
  txId: string;
}

/** The committed state of one channel. */
export class FakeLedger {
  readonly channel: string;
  readonly state = new Map<string, Uint8Array>();
  readonly endorsement = new Map<string, Uint8Array>();
  readonly history = new Map<string, HistoryRecord[]>();
  readonly privateData = new Map<string, Map<string, Uint8Array>>();
  readonly events: EmittedEvent[] = [];

  constructor(channel: string) {
    this.channel = channel;
  }

  /** The orgs of a key's state-based endorsement policy. */
  endorsers(key: string): string[] {
    const policy = this.endorsement.get(key);
    return policy ? new KeyEndorsementPolicy(policy).listOrgs().sort() : [];
  }

  /** A key's state-based endorsement policy, decoded; undefined when it has none. */
  keyPolicy(key: string): DecodedKeyPolicy | undefined {
    const policy = this.endorsement.get(key);
    return policy ? decodeKeyPolicy(policy) : undefined;
  }

  /** A snapshot of everything a transaction can change, to prove a failure left no trace. */
  snapshot(): string {
    const entries = [...this.state.entries()].map(([k, v]) => [k, decoder.decode(v)]);
    const sbe = [...this.endorsement.keys()];
    const pdc = [...this.privateData.entries()].map(([c, m]) => [c, [...m.keys()]]);
    return JSON.stringify({ entries, sbe, pdc, events: this.events.length });
  }

  lastEvent(): EmittedEvent | undefined {
    return this.events[this.events.length - 1];
  }
}

interface Iterator<T> {
  next(): Promise<{ value: T; done: boolean }>;
  close(): Promise<void>;
}

function iterator<T>(items: T[]): Iterator<T> {
  let i = 0;
  return {
    async next() {
      const value = items[i++];
      return value === undefined ? { value: undefined as unknown as T, done: true } : { value, done: false };
    },
    async close() {},
  };
}

/** The pending writes of one transaction over a ledger. */
class FakeStub {
  readonly #ledger: FakeLedger;
  readonly #network: FakeNetwork;
  readonly #txId: string;
  readonly #seconds: number;
  readonly #transient: Map<string, Uint8Array>;
  readonly #identity: FakeIdentity;
  readonly writes = new Map<string, Uint8Array>();
  readonly sbeWrites = new Map<string, Uint8Array>();
  readonly privateWrites = new Map<string, Map<string, Uint8Array>>();
  readonly purges: [string, string][] = [];
  event: { name: string; payload: Uint8Array } | undefined;
  /** Raw arguments and creator, as the peer sends them (used by fabric-shim's dispatcher). */
  bufferArgs: Buffer[] = [];
  creator: { mspid: string; idBytes: Uint8Array } | undefined;
  /** The called function when run directly (run); through the dispatcher it is the first raw argument. */
  fcn = "";

  constructor(network: FakeNetwork, ledger: FakeLedger, identity: FakeIdentity, txId: string, seconds: number, transient: Map<string, Uint8Array>) {
    this.#network = network;
    this.#ledger = ledger;
    this.#identity = identity;
    this.#txId = txId;
    this.#seconds = seconds;
    this.#transient = transient;
  }

  getTxID(): string {
    return this.#txId;
  }
  getBufferArgs(): Buffer[] {
    return this.bufferArgs;
  }
  getFunctionAndParameters(): { fcn: string; params: string[] } {
    if (this.bufferArgs.length === 0) return { fcn: this.fcn, params: [] };
    const [fcn, ...params] = this.bufferArgs.map((b) => b.toString("utf8"));
    return { fcn: fcn ?? "", params };
  }
  getCreator(): { mspid: string; idBytes: Uint8Array } | undefined {
    return this.creator;
  }
  getChannelID(): string {
    return this.#ledger.channel;
  }
  getDateTimestamp(): Date {
    return new Date(this.#seconds * 1000);
  }
  getTransient(): Map<string, Uint8Array> {
    return this.#transient;
  }
  createCompositeKey(objectType: string, attributes: string[]): string {
    return `\u0000${objectType}\u0000${attributes.map((a) => `${a}\u0000`).join("")}`;
  }
  async getState(key: string): Promise<Uint8Array> {
    return this.#ledger.state.get(key) ?? new Uint8Array();
  }
  async putState(key: string, value: Uint8Array): Promise<void> {
    if (value.length === 0) throw new Error("putState of an empty value deletes the key in Fabric; refuse it here");
    this.writes.set(key, value);
  }
  async setStateValidationParameter(key: string, policy: Uint8Array): Promise<void> {
    this.sbeWrites.set(key, policy);
  }
  async getStateByPartialCompositeKey(objectType: string, attributes: string[]): Promise<Iterator<{ namespace: string; key: string; value: Uint8Array }>> {
    const prefix = this.createCompositeKey(objectType, attributes);
    const keys = [...this.#ledger.state.keys()].filter((k) => k.startsWith(prefix)).sort();
    return iterator(keys.map((key) => ({ namespace: "rxtrace", key, value: this.#ledger.state.get(key) ?? new Uint8Array() })));
  }
  /** As a LevelDB peer pages: the bookmark is the key the next page starts at, "" after the last. */
  async getStateByPartialCompositeKeyWithPagination(
    objectType: string,
    attributes: string[],
    pageSize: number,
    bookmark = "",
  ): Promise<{ iterator: Iterator<{ namespace: string; key: string; value: Uint8Array }>; metadata: { fetchedRecordsCount: number; bookmark: string } }> {
    const prefix = this.createCompositeKey(objectType, attributes);
    const keys = [...this.#ledger.state.keys()].filter((k) => k.startsWith(prefix) && k >= bookmark).sort();
    const page = keys.slice(0, pageSize);
    const items = page.map((key) => ({ namespace: "rxtrace", key, value: this.#ledger.state.get(key) ?? new Uint8Array() }));
    return { iterator: iterator(items), metadata: { fetchedRecordsCount: page.length, bookmark: keys[pageSize] ?? "" } };
  }
  async getHistoryForKey(key: string): Promise<Iterator<{ txId: string; isDelete: boolean; value: Uint8Array; timestamp: { seconds: number; nanos: number } }>> {
    const records = this.#ledger.history.get(key) ?? [];
    // Newest first, as a Fabric 2+ peer answers.
    return iterator([...records].reverse().map((r) => ({ txId: r.txId, isDelete: r.isDelete, value: r.value, timestamp: { seconds: r.seconds, nanos: 0 } })));
  }
  async getPrivateData(collection: string, key: string): Promise<Uint8Array> {
    this.#network.requireCollection(this.#ledger.channel, collection);
    if (!this.#network.isMember(this.#ledger.channel, collection, this.#identity.mspId)) {
      throw new Error(`private data matching public hash version is not available: ${collection} (peer of ${this.#identity.mspId} is not a member)`);
    }
    return this.#ledger.privateData.get(collection)?.get(key) ?? new Uint8Array();
  }
  async getPrivateDataHash(collection: string, key: string): Promise<Uint8Array> {
    this.#network.requireCollection(this.#ledger.channel, collection);
    const value = this.#ledger.privateData.get(collection)?.get(key);
    return value ? createHash("sha256").update(value).digest() : new Uint8Array();
  }
  async putPrivateData(collection: string, key: string, value: Uint8Array): Promise<void> {
    this.#network.requireCollection(this.#ledger.channel, collection);
    const writes = this.privateWrites.get(collection) ?? new Map<string, Uint8Array>();
    writes.set(key, value);
    this.privateWrites.set(collection, writes);
  }
  async purgePrivateData(collection: string, key: string): Promise<void> {
    this.purges.push([collection, key]);
  }
  setEvent(name: string, payload: Uint8Array): void {
    this.event = { name, payload };
  }
  async invokeChaincode(name: string, args: string[], channel: string): Promise<{ status: number; message?: string; payload?: Uint8Array }> {
    return this.#network.crossChannelQuery(name, args, channel, this.#identity);
  }
}

export interface FakeIdentity {
  mspId: string;
  attrs: Record<string, string>;
  /** The NodeOUs class in the certificate's subject: client (default) or admin. */
  ou?: "client" | "admin";
}

type Method = (ctx: Context, ...args: string[]) => Promise<string>;

/** Channels of one network, each a ledger, and the deployed contracts. */
export class FakeNetwork {
  readonly ledgers = new Map<string, FakeLedger>();
  /** Transaction time in epoch seconds; each transaction advances it by one second. */
  seconds = Date.UTC(2026, 0, 15, 10, 0, 0) / 1000;
  readonly #collections = new Map<string, string[]>();
  #txCounter = 0;
  /** Set false to make the source channel unreachable from the other (peer not joined). */
  crossChannelReachable = true;

  /**
   * Each channel with the collections scripts/network/lib/topology.sh defines
   * for its trading partners (MSP ids): the founding pair's `tradeTerms` (the
   * first two) and one per pair.
   */
  constructor(channels: Record<string, { tradingPartners: string[] }>) {
    for (const [channel, { tradingPartners }] of Object.entries(channels)) {
      this.ledgers.set(channel, new FakeLedger(channel));
      this.#collections.set(`${channel}/${TERMS_COLLECTION}`, tradingPartners.slice(0, 2));
      tradingPartners.forEach((a, i) => {
        for (const b of tradingPartners.slice(i + 1)) this.#collections.set(`${channel}/${termsCollection(a, b)}`, [a, b]);
      });
    }
  }

  /** A member that joins the channel's trading partners: a new definition adds a collection for its pair with each of them. */
  addTradingPartner(channel: string, mspId: string): void {
    const founding = this.#collections.get(`${channel}/${TERMS_COLLECTION}`);
    if (!founding) throw new Error(`no channel ${channel}`);
    const partners = new Set(founding);
    for (const key of this.#collections.keys()) {
      if (key.startsWith(`${channel}/${TERMS_COLLECTION}-`)) for (const m of this.#collections.get(key) ?? []) partners.add(m);
    }
    for (const other of partners) this.#collections.set(`${channel}/${termsCollection(other, mspId)}`, [other, mspId]);
  }

  /** As a peer refuses private data calls on a collection the chaincode definition does not define. */
  requireCollection(channel: string, collection: string): void {
    if (!collection.startsWith("_implicit_org_") && !this.#collections.has(`${channel}/${collection}`)) {
      throw new Error(`collection ${collection} is not defined for chaincode rxtrace on channel ${channel}`);
    }
  }

  ledger(channel: string): FakeLedger {
    const ledger = this.ledgers.get(channel);
    if (!ledger) throw new Error(`no channel ${channel}`);
    return ledger;
  }

  isMember(channel: string, collection: string, mspId: string): boolean {
    if (collection.startsWith("_implicit_org_")) return collection === `_implicit_org_${mspId}`;
    return this.#collections.get(`${channel}/${collection}`)?.includes(mspId) ?? false;
  }

  advance(seconds: number): void {
    this.seconds += seconds;
  }

  #method(fn: string): { contract: object; method: Method } {
    const [contractName, methodName] = fn.split(":");
    for (const Contract of contracts) {
      const contract = new Contract();
      if (contract.getName() === contractName && methodName) {
        const method = (contract as unknown as Record<string, unknown>)[methodName];
        if (typeof method === "function") return { contract, method: method as Method };
      }
    }
    throw new Error(`no transaction ${fn}`);
  }

  /** Runs one transaction; commits its writes and event only if it succeeds. */
  async run(channel: string, identity: FakeIdentity, fn: string, args: string[], transient: Record<string, string> = {}, commit = true): Promise<string> {
    const ledger = this.ledger(channel);
    this.seconds += 1;
    const txId = `tx${String(++this.#txCounter).padStart(6, "0")}`;
    const transientMap = new Map(Object.entries(transient).map(([k, v]) => [k, encoder.encode(v)]));
    const stub = new FakeStub(this, ledger, identity, txId, this.seconds, transientMap);
    stub.fcn = fn;
    const clientIdentity = {
      getMSPID: () => identity.mspId,
      getAttributeValue: (name: string) => identity.attrs[name] ?? null,
      getID: () => `x509::/OU=${identity.ou ?? "client"}/CN=user::/CN=ca.${identity.mspId}`,
    };
    const ctx = { stub, clientIdentity } as unknown as Context;
    const { contract, method } = this.#method(fn);
    const payload = await method.call(contract, ctx, ...args);
    if (commit) this.#commit(ledger, stub, txId);
    return payload;
  }

  /**
   * Runs one transaction through a chaincode object as the peer would (fabric-shim's
   * Invoke with raw arguments and the creator's certificate); commits on status 200.
   */
  async invokeShim(
    chaincode: { Invoke(stub: unknown): Promise<{ status: number; message?: string; payload?: Uint8Array }> },
    channel: string,
    creator: { mspId: string; certificatePem: string },
    args: string[],
    transient: Record<string, string> = {},
  ): Promise<{ status: number; message: string; payload: string }> {
    const ledger = this.ledger(channel);
    this.seconds += 1;
    const txId = `tx${String(++this.#txCounter).padStart(6, "0")}`;
    const transientMap = new Map(Object.entries(transient).map(([k, v]) => [k, encoder.encode(v)]));
    const stub = new FakeStub(this, ledger, { mspId: creator.mspId, attrs: {} }, txId, this.seconds, transientMap);
    stub.bufferArgs = args.map((a) => Buffer.from(a));
    stub.creator = { mspid: creator.mspId, idBytes: encoder.encode(creator.certificatePem) };
    const response = await chaincode.Invoke(stub);
    if (response.status === 200) this.#commit(ledger, stub, txId);
    return { status: response.status, message: response.message ?? "", payload: response.payload ? decoder.decode(response.payload) : "" };
  }

  #commit(ledger: FakeLedger, stub: FakeStub, txId: string): void {
    for (const [key, value] of stub.writes) {
      ledger.state.set(key, value);
      const records = ledger.history.get(key) ?? [];
      records.push({ txId, seconds: this.seconds, isDelete: false, value });
      ledger.history.set(key, records);
    }
    for (const [key, policy] of stub.sbeWrites) ledger.endorsement.set(key, policy);
    for (const [collection, writes] of stub.privateWrites) {
      const data = ledger.privateData.get(collection) ?? new Map<string, Uint8Array>();
      for (const [key, value] of writes) data.set(key, value);
      ledger.privateData.set(collection, data);
    }
    for (const [collection, key] of stub.purges) ledger.privateData.get(collection)?.delete(key);
    if (stub.event) {
      ledger.events.push({ name: stub.event.name, payload: JSON.parse(decoder.decode(stub.event.payload)) as Record<string, unknown>, txId });
    }
  }

  /** A read-only call on another channel as the same identity, as the peer does for invokeChaincode. */
  async crossChannelQuery(_name: string, args: string[], channel: string, identity: FakeIdentity): Promise<{ status: number; message?: string; payload?: Uint8Array }> {
    if (!this.crossChannelReachable) return { status: 500, message: `peer is not joined to channel ${channel}` };
    const [fn, ...rest] = args;
    try {
      const payload = await this.run(channel, identity, fn ?? "", rest, {}, false);
      return { status: 200, payload: encoder.encode(payload) };
    } catch (error) {
      return { status: 500, message: error instanceof Error ? error.message : String(error) };
    }
  }
}

/** A client of one org on one channel. */
export class Client {
  readonly #network: FakeNetwork;
  readonly channel: string;
  readonly identity: FakeIdentity;

  constructor(network: FakeNetwork, channel: string, mspId: string, attrs: Record<string, string> = {}, ou: FakeIdentity["ou"] = "client") {
    this.#network = network;
    this.channel = channel;
    this.identity = { mspId, attrs, ou };
  }

  get msp(): string {
    return this.identity.mspId;
  }

  /** Submits a transaction and returns its parsed JSON result (tests read it field by field). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON document of the API's shapes
  async submit<T = any>(fn: string, ...args: unknown[]): Promise<T> {
    return this.submitWithTransient<T>(fn, {}, ...args);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON document of the API's shapes
  async submitWithTransient<T = any>(fn: string, transient: Record<string, string>, ...args: unknown[]): Promise<T> {
    const strings = args.map((a) => (typeof a === "string" ? a : JSON.stringify(a)));
    const payload = await this.#network.run(this.channel, this.identity, fn, strings, transient);
    return JSON.parse(payload) as T;
  }

  on(channel: string): Client {
    return new Client(this.#network, channel, this.identity.mspId, this.identity.attrs, this.identity.ou);
  }
}
