/**
 * Partners, products, lots: registration, commissioning, recall and
 * withdrawal. Master data on mfr-dist is endorsed by its manufacturer; the
 * mirrors on dist-pharm by the regulator. A regulator's recall or withdrawal
 * is applied on every channel that holds the lot or product; a manufacturer's
 * (not a member of dist-pharm) is carried onto dist-pharm's mirror by a relay
 * identity whose peer is on both channels (crosschannel:SyncRecall), through
 * a durable outbox that retries the copy until it commits.
 */
import type { Principal } from "../auth/principal.js";
import { GatewayError } from "../errors.js";
import { SqliteOutbox } from "../adapters/outbox-sqlite.js";
import { DOWNSTREAM_CHANNEL, SOURCE_CHANNEL, type ChannelName, type LedgerClient } from "../ports/ledger.js";
import type { EventSubject, LedgerEvent } from "../ports/event-index.js";
import type { OutboxItem } from "../ports/outbox.js";
import { readChannels, resolveChannel } from "./channels.js";
import { asProduct, readEverywhere, readFirst, type ChannelResult } from "./ledger-views.js";
import { KeyLanes, laneKey, lotLanes } from "./key-lanes.js";
import { OutboxRelay, type HandlerOutcome, type PendingWork } from "./outbox-relay.js";
import type { Committed } from "./packs.js";
import { CATALOG, type QualifiedTransaction } from "@rxtrace/domain";

const SOURCE: ChannelName = SOURCE_CHANNEL;
const MIRROR: ChannelName = DOWNSTREAM_CHANNEL;

/** Carries a manufacturer's recall or withdrawal onto dist-pharm: the regulator, whose peer is on both channels. */
export const RECALL_RELAY: Principal = { keyId: "system:recall-relay", user: "auditor", mspId: "RegulatorMSP", role: "auditor" };

/** Outbox kinds of the copies onto dist-pharm's mirror. */
export const RELAY_KINDS = { recall: "recall-sync", withdrawal: "withdrawal-sync" } as const;
type RelayKind = (typeof RELAY_KINDS)[keyof typeof RELAY_KINDS];

interface SyncPayload {
  gtin: string;
  lot?: string;
}

function syncSpec(kind: RelayKind, payload: SyncPayload) {
  if (kind === RELAY_KINDS.recall) {
    const args = [payload.gtin, payload.lot ?? ""];
    return {
      source: { transaction: CATALOG.packs.GetLot.qualified, args, stamp: "recall" },
      sync: { transaction: CATALOG.crosschannel.SyncRecall.qualified, args },
      lanes: lotLanes(MIRROR, payload.gtin, payload.lot ?? ""),
    };
  }
  return {
    source: { transaction: CATALOG.products.GetProduct.qualified, args: [payload.gtin], stamp: "withdrawal" },
    sync: { transaction: CATALOG.crosschannel.SyncWithdrawal.qualified, args: [payload.gtin] },
    lanes: [laneKey.product(MIRROR, payload.gtin)],
  };
}

/** The event name of the alert raised when a copy onto the mirror is still pending after the stated time. */
export const RELAY_PENDING_EVENT = "RelayStillPending";

/**
 * The alert for a recall or withdrawal copy still pending, as an event on the
 * channel it has not reached (so SSE and webhook subscribers of that channel
 * see it); undefined for other outbox kinds.
 */
export function relayPendingAlert(item: OutboxItem, now: number, relay: Principal = RECALL_RELAY): { event: LedgerEvent; subjects: EventSubject[] } | undefined {
  if (item.kind !== RELAY_KINDS.recall && item.kind !== RELAY_KINDS.withdrawal) return undefined;
  const payload = JSON.parse(item.payload) as SyncPayload;
  const spec = syncSpec(item.kind, payload);
  const subject: EventSubject = payload.lot === undefined ? { gtin: payload.gtin } : { gtin: payload.gtin, lot: payload.lot };
  return {
    event: {
      channel: MIRROR,
      blockNumber: 0,
      txId: `relay-pending-${item.id}`,
      eventName: RELAY_PENDING_EVENT,
      timestamp: new Date(now).toISOString(),
      mspId: relay.mspId,
      payload: {
        transaction: spec.sync.transaction,
        ...payload,
        since: new Date(item.createdAt).toISOString(),
        attempts: item.attempts,
        ...(item.lastError === undefined ? {} : { lastError: item.lastError }),
      },
    },
    subjects: [subject],
  };
}

/** A recall or withdrawal: what committed, and the channels the relay has not reached yet. */
export interface RelayedWrite {
  readonly commits: Committed[];
  readonly pending: PendingWork[];
}

export interface MasterDataOptions {
  relay?: Principal;
  /** The durable outbox worker that carries stamps onto the mirror (an in-memory one when none is given). */
  outbox?: OutboxRelay;
  /** How long the relay waits for its own peer to commit the source channel's recall block. */
  propagationTimeoutMs?: number;
  pollIntervalMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class MasterDataService {
  readonly #relay: Principal;
  readonly #timeoutMs: number;
  readonly #pollMs: number;
  readonly #outbox: OutboxRelay;

  constructor(
    private readonly ledger: LedgerClient,
    private readonly lanes: KeyLanes = new KeyLanes(),
    options: MasterDataOptions = {},
  ) {
    this.#relay = options.relay ?? RECALL_RELAY;
    this.#timeoutMs = options.propagationTimeoutMs ?? 10_000;
    this.#pollMs = options.pollIntervalMs ?? 200;
    this.#outbox = options.outbox ?? new OutboxRelay(new SqliteOutbox(":memory:"), { initialDelayMs: 1_000, maxDelayMs: 60_000, pollMs: 1_000, alertAfterMs: 300_000 });
    for (const kind of Object.values(RELAY_KINDS)) this.#outbox.handle(kind, (item) => this.#sync(item));
  }

  async registerPartner(as: Principal, channel: ChannelName, partner: { mspId: string; name: string; role: string }): Promise<Committed> {
    const ch = resolveChannel(as, channel, "register a partner");
    const committed = await this.ledger.submit(as, {
      channel: ch,
      transaction: CATALOG.partners.RegisterPartner.qualified,
      args: [JSON.stringify(partner)],
      endorsingOrganizations: ["RegulatorMSP"],
    });
    return { ...committed, channel: ch };
  }

  async listPartners(as: Principal, channel?: ChannelName): Promise<ChannelResult[]> {
    return readEverywhere(this.ledger, as, readChannels(as, channel), { transaction: CATALOG.partners.ListPartners.qualified });
  }

  async registerProduct(as: Principal, product: object): Promise<Committed> {
    const committed = await this.ledger.submit(as, {
      channel: SOURCE,
      transaction: CATALOG.products.RegisterProduct.qualified,
      args: [JSON.stringify(product)],
      endorsingOrganizations: [as.mspId],
    });
    return { ...committed, channel: SOURCE };
  }

  async getProduct(as: Principal, gtin: string, channel?: ChannelName): Promise<ChannelResult> {
    return readFirst(this.ledger, as, readChannels(as, channel), { transaction: CATALOG.products.GetProduct.qualified, args: [gtin] }, `product ${gtin}`);
  }

  /** Commissions into one lot run one at a time: each rewrites the lot record. */
  async commissionLot(as: Principal, input: { gtin: string; lot: string; expiry: string; serials: string[] }): Promise<Committed> {
    const committed = await this.lanes.run(lotLanes(SOURCE, input.gtin, input.lot), () =>
      this.ledger.submit(as, {
        channel: SOURCE,
        transaction: CATALOG.packs.CommissionLot.qualified,
        args: [JSON.stringify(input)],
        endorsingOrganizations: [as.mspId],
      }),
    );
    return { ...committed, channel: SOURCE };
  }

  async getLot(as: Principal, gtin: string, lot: string, channel?: ChannelName): Promise<ChannelResult> {
    return readFirst(this.ledger, as, readChannels(as, channel), { transaction: CATALOG.packs.GetLot.qualified, args: [gtin, lot] }, `lot ${gtin}/${lot}`);
  }

  async listLotPacks(as: Principal, gtin: string, lot: string, channel?: ChannelName): Promise<ChannelResult[]> {
    return readEverywhere(this.ledger, as, readChannels(as, channel), { transaction: CATALOG.packs.ListPacksByLot.qualified, args: [gtin, lot] });
  }

  /**
   * Recalls the lot on every channel of the caller that holds it; a channel
   * the caller is not on is reached through the relay, and named in `pending`
   * until the relay's write commits there.
   */
  async recallLot(as: Principal, gtin: string, lot: string, reason: string): Promise<RelayedWrite> {
    const holders = await readEverywhere(this.ledger, as, readChannels(as, undefined), { transaction: CATALOG.packs.GetLot.qualified, args: [gtin, lot] });
    const committed = await this.lanes.run(holders.flatMap((h) => lotLanes(h.channel, gtin, lot)), () =>
      this.#applyEverywhere(as, holders, gtin, CATALOG.packs.RecallLot.qualified, [gtin, lot, reason]),
    );
    if (readChannels(as, undefined).includes(MIRROR)) return { commits: committed, pending: [] };
    return this.#relayToMirror(committed, RELAY_KINDS.recall, laneKey.lot(MIRROR, gtin, lot), { gtin, lot });
  }

  /** Withdraws the GTIN on every channel of the caller that holds it; the mirror as a recall's. */
  async withdrawProduct(as: Principal, gtin: string, reason: string): Promise<RelayedWrite> {
    const holders = await readEverywhere(this.ledger, as, readChannels(as, undefined), { transaction: CATALOG.products.GetProduct.qualified, args: [gtin] });
    const committed = await this.lanes.run(holders.map((h) => laneKey.product(h.channel, gtin)), () =>
      this.#applyEverywhere(as, holders, gtin, CATALOG.products.WithdrawProduct.qualified, [gtin, reason]),
    );
    if (readChannels(as, undefined).includes(MIRROR)) return { commits: committed, pending: [] };
    return this.#relayToMirror(committed, RELAY_KINDS.withdrawal, laneKey.product(MIRROR, gtin), { gtin });
  }

  /**
   * Records the copy onto dist-pharm's mirror in the outbox before trying it,
   * then tries it once now: the sync reads mfr-dist through the relay's own
   * peer, so it first waits (bounded) until that peer has committed the stamp.
   * Whatever is not done yet stays in the outbox, retried until it commits.
   */
  async #relayToMirror(committed: Committed[], kind: RelayKind, key: string, payload: SyncPayload): Promise<RelayedWrite> {
    const item = this.#outbox.enqueue(kind, key, payload);
    const spec = syncSpec(kind, payload);
    const deadline = Date.now() + this.#timeoutMs;
    while (!(await this.#stamped(SOURCE, spec.source).catch(() => false)) && Date.now() < deadline) await sleep(this.#pollMs);
    const outcome = await this.#outbox.attempt(item);
    if (outcome.outcome === "done") {
      const relayed = outcome.value as Committed | undefined;
      return { commits: relayed ? [...committed, relayed] : committed, pending: [] };
    }
    const now = this.#outbox.outbox.get(item.id) ?? item;
    return {
      commits: committed,
      pending: [
        {
          channel: MIRROR,
          transaction: spec.sync.transaction,
          since: new Date(now.createdAt).toISOString(),
          attempts: now.attempts,
          lastError: now.lastError,
        },
      ],
    };
  }

  /**
   * One attempt at copying a stamp onto the mirror. Done when the sync
   * commits, when there is no mirror (never handed off), or when the mirror
   * already carries the stamp; anything else (the stamp not yet on the relay's
   * peer, a failed cross-channel query, an unreachable peer) is tried again.
   */
  async #sync(item: OutboxItem): Promise<HandlerOutcome> {
    const kind = item.kind as RelayKind;
    const spec = syncSpec(kind, JSON.parse(item.payload) as SyncPayload);
    if (!(await this.#stamped(SOURCE, spec.source))) {
      return { outcome: "retry", reason: `the ${spec.source.stamp} is not yet on ${this.#relay.mspId}'s peer of ${SOURCE}` };
    }
    try {
      const committed = await this.lanes.run(spec.lanes, () =>
        this.ledger.submit(this.#relay, {
          channel: MIRROR,
          transaction: spec.sync.transaction,
          args: spec.sync.args,
          endorsingOrganizations: [this.#relay.mspId],
        }),
      );
      return { outcome: "done", value: { ...committed, channel: MIRROR } satisfies Committed };
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      if (error.code === "NOT_FOUND") return { outcome: "done" };
      if (error.code === "CONFLICT" && (await this.#stamped(MIRROR, spec.source))) return { outcome: "done" };
      return { outcome: "retry", reason: `${error.code}: ${error.message}` };
    }
  }

  /** Whether the relay's peer shows the stamp (recall, withdrawal) on the record of `channel`. */
  async #stamped(channel: ChannelName, read: { transaction: QualifiedTransaction; args: string[]; stamp: string }): Promise<boolean> {
    const { result } = await this.ledger.evaluate(this.#relay, {
      channel,
      transaction: read.transaction,
      args: read.args,
      endorsingOrganizations: [this.#relay.mspId],
    });
    return typeof result === "object" && result !== null && (result as Record<string, unknown>)[read.stamp] !== undefined;
  }

  async #applyEverywhere(as: Principal, holders: ChannelResult[], gtin: string, transaction: QualifiedTransaction, args: string[]): Promise<Committed[]> {
    if (holders.length === 0) {
      // Let the chaincode answer NOT_FOUND with its own wording on the caller's first channel.
      const channel = readChannels(as, undefined)[0] ?? SOURCE;
      const committed = await this.ledger.submit(as, { channel, transaction, args });
      return [{ ...committed, channel }];
    }
    let manufacturer: string | undefined;
    const product = holders.find((h) => h.channel === SOURCE);
    if (product) {
      const record = product.result as { manufacturer?: unknown };
      manufacturer = typeof record.manufacturer === "string" ? record.manufacturer : undefined;
    }
    if (manufacturer === undefined && holders.some((h) => h.channel === SOURCE)) {
      manufacturer = asProduct((await this.getProduct(as, gtin, SOURCE)).result).manufacturer;
    }
    const results: Committed[] = [];
    // The source channel first: a recall there must not wait on the mirror.
    for (const holder of [...holders].sort((a) => (a.channel === SOURCE ? -1 : 1))) {
      const endorser = holder.channel === SOURCE ? (manufacturer ?? as.mspId) : "RegulatorMSP";
      const committed = await this.ledger.submit(as, {
        channel: holder.channel,
        transaction,
        args,
        endorsingOrganizations: [endorser as Principal["mspId"]],
      });
      results.push({ ...committed, channel: holder.channel });
    }
    return results;
  }
}
