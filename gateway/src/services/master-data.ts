/**
 * Partners, products, lots: registration, commissioning, recall and
 * withdrawal. Master data on mfr-dist is endorsed by its manufacturer; the
 * mirrors on dist-pharm by the regulator. A regulator's recall or withdrawal
 * is applied on every channel that holds the lot or product; a manufacturer's
 * (not a member of dist-pharm) is carried onto dist-pharm's mirror by a relay
 * identity whose peer is on both channels (crosschannel:SyncRecall), through
 * a durable outbox that retries the copy until it commits. A manufacturer's
 * decision on a cold-chain hold of a dist-pharm shipment travels the same
 * way: recorded on mfr-dist, then mirrored and applied on dist-pharm by the
 * relay (crosschannel:SyncHoldDecision, coldchain:ApplyHoldDecision).
 */
import type { MspId, Principal } from "../auth/principal.js";
import { ConflictError, ForbiddenError, GatewayError, NotYetVisibleError } from "../errors.js";
import { SqliteOutbox } from "../adapters/outbox-sqlite.js";
import { DOWNSTREAM_CHANNEL, SOURCE_CHANNEL, type ChannelName, type LedgerClient } from "../ports/ledger.js";
import { channelMembers } from "../topology.js";
import type { EventSubject, LedgerEvent } from "../ports/event-index.js";
import type { OutboxItem } from "../ports/outbox.js";
import { orgs, readChannels, resolveChannel } from "./channels.js";
import { call, evaluate, readEverywhere, readFirst, submit, type ChannelResult, type Committed, type TypedCall } from "./ledger-calls.js";
import { KeyLanes, laneKey, lotLanes } from "./key-lanes.js";
import { OutboxRelay, type HandlerOutcome, type PendingWork } from "./outbox-relay.js";
import {
  CATALOG,
  EVENTS,
  REGULATOR_MSP,
  type CommissionInput,
  type Lot,
  type OrgRole,
  type Partner,
  type Product,
  type ProductInput,
  type ResultOf,
} from "@rxtrace/domain";

const SOURCE: ChannelName = SOURCE_CHANNEL;
const MIRROR: ChannelName = DOWNSTREAM_CHANNEL;
/** The orgs on both channels (the distributor, the regulator): only their peers can run SyncHoldDecision's query of the source channel. */
const BRIDGES: readonly MspId[] = channelMembers(MIRROR).filter((m) => channelMembers(SOURCE).includes(m));

/** Carries a manufacturer's recall or withdrawal onto dist-pharm: the regulator, whose peer is on both channels. */
export const RECALL_RELAY: Principal = { keyId: "system:recall-relay", user: "auditor", mspId: REGULATOR_MSP, role: "auditor" };

/** Outbox kinds of the copies onto dist-pharm's mirror. */
export const RELAY_KINDS = { recall: "recall-sync", withdrawal: "withdrawal-sync" } as const;
type RelayKind = (typeof RELAY_KINDS)[keyof typeof RELAY_KINDS];

/** Outbox kind of a manufacturer's hold decision carried onto dist-pharm and applied there. */
export const HOLD_DECISION_KIND = "hold-decision-sync";

interface HoldDecisionPayload {
  shipmentId: string;
  manufacturer: string;
  decision: "release" | "destroy";
}

/** The transactions the hold-decision relay runs on dist-pharm, in order. */
const HOLD_SYNC = CATALOG.crosschannel.SyncHoldDecision.qualified;
const HOLD_APPLY = CATALOG.coldchain.ApplyHoldDecision.qualified;

interface SyncPayload {
  gtin: string;
  lot?: string;
}

/** A stamp the relay looks for on a record: a recall on a lot, a withdrawal on a product. */
type Stamped = { read: TypedCall<typeof CATALOG.packs.GetLot>; stamp: "recall" } | { read: TypedCall<typeof CATALOG.products.GetProduct>; stamp: "withdrawal" };

interface RelaySpec {
  /** The record on the source channel whose stamp is copied. */
  source: Stamped;
  /** The copy onto the mirror. */
  sync: TypedCall<typeof CATALOG.crosschannel.SyncRecall | typeof CATALOG.crosschannel.SyncWithdrawal>;
  lanes: string[];
}

function syncSpec(kind: RelayKind, payload: SyncPayload): RelaySpec {
  if (kind === RELAY_KINDS.recall) {
    const lot = payload.lot ?? "";
    return {
      source: { read: call(CATALOG.packs.GetLot, [payload.gtin, lot]), stamp: "recall" },
      sync: call(CATALOG.crosschannel.SyncRecall, [payload.gtin, lot]),
      lanes: lotLanes(MIRROR, payload.gtin, lot),
    } satisfies RelaySpec;
  }
  return {
    source: { read: call(CATALOG.products.GetProduct, [payload.gtin]), stamp: "withdrawal" },
    sync: call(CATALOG.crosschannel.SyncWithdrawal, [payload.gtin]),
    lanes: [laneKey.product(MIRROR, payload.gtin)],
  } satisfies RelaySpec;
}

/**
 * The copy onto dist-pharm's mirror that a recall or withdrawal event on
 * mfr-dist calls for: the relay's gateway enqueues it for each such event it
 * indexes, so a manufacturer's recall committed through the manufacturer's
 * own gateway still reaches the pharmacies. Undefined for any other event,
 * for a copy already on the mirror, and for the relay org's own recalls
 * (those are applied on every channel by the call itself).
 */
export function relayWorkFor(
  event: LedgerEvent,
  relay: Principal = RECALL_RELAY,
): { kind: RelayKind | typeof HOLD_DECISION_KIND; key: string; payload: SyncPayload | HoldDecisionPayload } | undefined {
  if (event.channel !== SOURCE || event.mspId === relay.mspId) return undefined;
  if (event.eventName === EVENTS.HOLD_DECISION_RECORDED) {
    const recorded = event.payload as { shipmentId?: unknown; decision?: unknown } | undefined;
    if (typeof recorded?.shipmentId !== "string" || (recorded.decision !== "release" && recorded.decision !== "destroy")) return undefined;
    const payload: HoldDecisionPayload = { shipmentId: recorded.shipmentId, manufacturer: event.mspId, decision: recorded.decision };
    return { kind: HOLD_DECISION_KIND, key: `${MIRROR}/holddecision/${payload.shipmentId}/${payload.manufacturer}`, payload };
  }
  const payload = event.payload as { gtin?: unknown; lot?: unknown } | undefined;
  if (typeof payload?.gtin !== "string") return undefined;
  if (event.eventName === EVENTS.LOT_RECALLED && typeof payload.lot === "string") {
    return { kind: RELAY_KINDS.recall, key: laneKey.lot(MIRROR, payload.gtin, payload.lot), payload: { gtin: payload.gtin, lot: payload.lot } };
  }
  if (event.eventName === EVENTS.PRODUCT_WITHDRAWN) {
    return { kind: RELAY_KINDS.withdrawal, key: laneKey.product(MIRROR, payload.gtin), payload: { gtin: payload.gtin } };
  }
  return undefined;
}

/** The event name of the alert raised when a copy onto the mirror is still pending after the stated time. */
export const RELAY_PENDING_EVENT = "RelayStillPending";

/**
 * The alert for a recall, withdrawal or hold-decision copy still pending, as an event on the
 * channel it has not reached (so SSE and webhook subscribers of that channel
 * see it); undefined for other outbox kinds.
 */
export function relayPendingAlert(item: OutboxItem, now: number, relay: Principal = RECALL_RELAY): { event: LedgerEvent; subjects: EventSubject[] } | undefined {
  let transaction: string;
  let payload: object;
  let subject: EventSubject;
  if (item.kind === HOLD_DECISION_KIND) {
    const decision = JSON.parse(item.payload) as HoldDecisionPayload;
    transaction = HOLD_SYNC;
    payload = decision;
    subject = { shipmentId: decision.shipmentId };
  } else if (item.kind === RELAY_KINDS.recall || item.kind === RELAY_KINDS.withdrawal) {
    const sync = JSON.parse(item.payload) as SyncPayload;
    transaction = syncSpec(item.kind, sync).sync.spec.qualified;
    payload = sync;
    subject = sync.lot === undefined ? { gtin: sync.gtin } : { gtin: sync.gtin, lot: sync.lot };
  } else {
    return undefined;
  }
  return {
    event: {
      channel: MIRROR,
      blockNumber: 0,
      txId: `relay-pending-${item.id}`,
      eventName: RELAY_PENDING_EVENT,
      timestamp: new Date(now).toISOString(),
      mspId: relay.mspId,
      payload: {
        transaction,
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
  /**
   * Whether this gateway holds the relay's identity (the regulator's
   * gateway, or the multi-org test mode). When it does not, a recall by an
   * org off dist-pharm answers with dist-pharm pending: the relay's gateway
   * copies it once its listener sees the recall (relayWorkFor). Default true.
   */
  relayHere?: boolean;
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
  readonly #relayHere: boolean;

  constructor(
    private readonly ledger: LedgerClient,
    private readonly lanes: KeyLanes = new KeyLanes(),
    options: MasterDataOptions = {},
  ) {
    this.#relay = options.relay ?? RECALL_RELAY;
    this.#timeoutMs = options.propagationTimeoutMs ?? 10_000;
    this.#pollMs = options.pollIntervalMs ?? 200;
    this.#relayHere = options.relayHere ?? true;
    this.#outbox = options.outbox ?? new OutboxRelay(new SqliteOutbox(":memory:"), { initialDelayMs: 1_000, maxDelayMs: 60_000, pollMs: 1_000, alertAfterMs: 300_000 });
    for (const kind of Object.values(RELAY_KINDS)) this.#outbox.handle(kind, (item) => this.#sync(item));
    this.#outbox.handle(HOLD_DECISION_KIND, (item) => this.#syncHoldDecision(item));
  }

  async registerPartner(as: Principal, channel: ChannelName, partner: { mspId: string; name: string; role: OrgRole }): Promise<Committed<Partner>> {
    const ch = resolveChannel(as, channel, "register a partner");
    return submit(this.ledger, as, ch, call(CATALOG.partners.RegisterPartner, [partner], { endorsingOrganizations: [REGULATOR_MSP] }));
  }

  async listPartners(as: Principal, channel?: ChannelName): Promise<ChannelResult<Partner[]>[]> {
    return readEverywhere(this.ledger, as, readChannels(as, channel), call(CATALOG.partners.ListPartners, []));
  }

  async registerProduct(as: Principal, product: ProductInput): Promise<Committed<Product>> {
    return submit(this.ledger, as, SOURCE, call(CATALOG.products.RegisterProduct, [product], { endorsingOrganizations: [as.mspId] }));
  }

  async getProduct(as: Principal, gtin: string, channel?: ChannelName): Promise<ChannelResult<Product>> {
    return readFirst(this.ledger, as, readChannels(as, channel), call(CATALOG.products.GetProduct, [gtin]), `product ${gtin}`);
  }

  /** Commissions into one lot run one at a time: each rewrites the lot record. */
  async commissionLot(as: Principal, input: CommissionInput): Promise<Committed<ResultOf<typeof CATALOG.packs.CommissionLot>>> {
    return this.lanes.run(lotLanes(SOURCE, input.gtin, input.lot), () =>
      submit(this.ledger, as, SOURCE, call(CATALOG.packs.CommissionLot, [input], { endorsingOrganizations: [as.mspId] })),
    );
  }

  async getLot(as: Principal, gtin: string, lot: string, channel?: ChannelName): Promise<ChannelResult<Lot>> {
    return readFirst(this.ledger, as, readChannels(as, channel), call(CATALOG.packs.GetLot, [gtin, lot]), `lot ${gtin}/${lot}`);
  }

  async listLotPacks(as: Principal, gtin: string, lot: string, channel?: ChannelName): Promise<ChannelResult<ResultOf<typeof CATALOG.packs.ListPacksByLot>>[]> {
    return readEverywhere(this.ledger, as, readChannels(as, channel), call(CATALOG.packs.ListPacksByLot, [gtin, lot]));
  }

  /**
   * Recalls the lot on every channel of the caller that holds it; a channel
   * the caller is not on is reached through the relay, and named in `pending`
   * until the relay's write commits there.
   */
  async recallLot(as: Principal, gtin: string, lot: string, reason: string): Promise<RelayedWrite> {
    const holders = await readEverywhere(this.ledger, as, readChannels(as, undefined), call(CATALOG.packs.GetLot, [gtin, lot]));
    const committed = await this.lanes.run(holders.flatMap((h) => lotLanes(h.channel, gtin, lot)), () =>
      this.#applyEverywhere(as, holders, gtin, call(CATALOG.packs.RecallLot, [gtin, lot, reason])),
    );
    if (readChannels(as, undefined).includes(MIRROR)) return { commits: committed, pending: [] };
    return this.#relayToMirror(committed, RELAY_KINDS.recall, laneKey.lot(MIRROR, gtin, lot), { gtin, lot });
  }

  /** Withdraws the GTIN on every channel of the caller that holds it; the mirror as a recall's. */
  async withdrawProduct(as: Principal, gtin: string, reason: string): Promise<RelayedWrite> {
    const holders = await readEverywhere(this.ledger, as, readChannels(as, undefined), call(CATALOG.products.GetProduct, [gtin]));
    const committed = await this.lanes.run(holders.map((h) => laneKey.product(h.channel, gtin)), () =>
      this.#applyEverywhere(as, holders, gtin, call(CATALOG.products.WithdrawProduct, [gtin, reason])),
    );
    if (readChannels(as, undefined).includes(MIRROR)) return { commits: committed, pending: [] };
    return this.#relayToMirror(committed, RELAY_KINDS.withdrawal, laneKey.product(MIRROR, gtin), { gtin });
  }

  /**
   * The manufacturer's decision on a cold-chain hold of a dist-pharm shipment.
   * The manufacturer has no member on dist-pharm: the decision is recorded on
   * mfr-dist, then the relay mirrors it onto dist-pharm and applies it there;
   * dist-pharm is named in `pending` until both have committed. A shipment
   * dist-pharm does not have, one not on hold, or one of another
   * manufacturer's GTINs is refused before anything is recorded.
   */
  async decideDownstreamHold(as: Principal, shipmentId: string, decision: HoldDecisionPayload["decision"], reason: string): Promise<RelayedWrite> {
    // Only the relay's gateway holds an identity that reads dist-pharm; elsewhere the chaincode's own checks on dist-pharm decide when it is applied.
    if (this.#relayHere) await this.#requireDecidable(as, shipmentId);
    const committed = await submit(this.ledger, as, SOURCE, call(CATALOG.coldchain.DecideDownstreamHold, [{ shipmentId, decision, reason }], { endorsingOrganizations: [as.mspId] }));
    const payload: HoldDecisionPayload = { shipmentId, manufacturer: as.mspId, decision };
    if (!this.#relayHere) return this.#owedByRelayGateway([committed], HOLD_SYNC);
    const item = await this.#outbox.enqueue(HOLD_DECISION_KIND, `${MIRROR}/holddecision/${shipmentId}/${as.mspId}`, payload);
    return this.#attemptNow(
      [committed],
      item,
      () => this.#hasDecision(SOURCE, payload),
      async () => ((await this.#hasDecision(MIRROR, payload)) ? HOLD_APPLY : HOLD_SYNC),
    );
  }

  /** Reads dist-pharm as the relay: the shipment exists, is held, and holds only the caller's GTINs. */
  async #requireDecidable(as: Principal, shipmentId: string): Promise<void> {
    const asRelay = { endorsingOrganizations: [this.#relay.mspId] };
    const shipment = await evaluate(this.ledger, this.#relay, MIRROR, call(CATALOG.shipments.GetShipment, [shipmentId], asRelay));
    for (const gtin of new Set(shipment.packs.map((p) => p.gtin))) {
      const product = await evaluate(this.ledger, this.#relay, MIRROR, call(CATALOG.products.GetProduct, [gtin], asRelay));
      if (product.manufacturer !== as.mspId) throw new ForbiddenError(`GTIN ${gtin} of shipment ${shipmentId} belongs to ${product.manufacturer}`);
    }
    const coldChain = await evaluate(this.ledger, this.#relay, MIRROR, call(CATALOG.coldchain.GetColdChain, [shipmentId], asRelay)).catch((error: unknown) => {
      if (error instanceof GatewayError && error.code === "NOT_FOUND") return undefined;
      throw error;
    });
    if (coldChain?.hold?.status !== "HELD") throw new ConflictError(`shipment ${shipmentId} is not on cold-chain hold on ${MIRROR}`, { field: "shipmentId" });
  }

  /**
   * One attempt at carrying a hold decision onto dist-pharm: the mirror
   * (skipped when dist-pharm already has it), then the decision applied with
   * the peers of the packs' holders. Done when the apply commits, or when the
   * hold is no longer HELD (applied already, or decided by the regulator
   * there); a decision older than the hold can never apply and is given up.
   */
  async #syncHoldDecision(item: OutboxItem): Promise<HandlerOutcome> {
    const payload = JSON.parse(item.payload) as HoldDecisionPayload;
    const { shipmentId } = payload;
    const commits: Committed[] = [];
    try {
      if (!(await this.#hasDecision(MIRROR, payload))) {
        if (!(await this.#hasDecision(SOURCE, payload))) {
          return { outcome: "retry", reason: `the hold decision is not yet on ${this.#relay.mspId}'s peer of ${SOURCE}` };
        }
        try {
          const synced = await submit(this.ledger, this.#relay, MIRROR, call(CATALOG.crosschannel.SyncHoldDecision, [shipmentId], { endorsingOrganizations: orgs(this.#relay.mspId, ...BRIDGES) }));
          commits.push(synced);
        } catch (error) {
          // "already on dist-pharm": another attempt (or gateway) mirrored it.
          if (!(error instanceof GatewayError && error.code === "CONFLICT" && (await this.#hasDecision(MIRROR, payload)))) throw error;
        }
      }
      const shipment = await evaluate(this.ledger, this.#relay, MIRROR, call(CATALOG.shipments.GetShipment, [shipmentId], { endorsingOrganizations: [this.#relay.mspId] }));
      try {
        const applied = await this.lanes.run([laneKey.coldChain(MIRROR, shipmentId)], () =>
          submit(this.ledger, this.#relay, MIRROR, call(CATALOG.coldchain.ApplyHoldDecision, [shipmentId], { endorsingOrganizations: orgs(shipment.shipper, shipment.consignee) })),
        );
        commits.push(applied);
      } catch (error) {
        if (!(error instanceof GatewayError) || error.code !== "CONFLICT") throw error;
        if (!(await this.#held(shipmentId))) return { outcome: "done", value: commits };
        if (/predates the hold/.test(error.message)) return { outcome: "abandon", reason: `${error.code}: ${error.message}` };
        throw error;
      }
      return { outcome: "done", value: commits };
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      return { outcome: "retry", reason: `${error.code}: ${error.message}` };
    }
  }

  /** Whether the relay's peer of `channel` has the manufacturer's decision on the shipment. */
  async #hasDecision(channel: ChannelName, payload: HoldDecisionPayload): Promise<boolean> {
    try {
      await evaluate(this.ledger, this.#relay, channel, call(CATALOG.coldchain.GetHoldDecision, [payload.shipmentId, payload.manufacturer], { endorsingOrganizations: [this.#relay.mspId] }));
      return true;
    } catch (error) {
      if (error instanceof GatewayError && (error.code === "NOT_FOUND" || error instanceof NotYetVisibleError)) return false;
      throw error;
    }
  }

  /** Whether the shipment's cold-chain record on dist-pharm is still HELD, as the relay's peer sees it. */
  async #held(shipmentId: string): Promise<boolean> {
    const coldChain = await evaluate(this.ledger, this.#relay, MIRROR, call(CATALOG.coldchain.GetColdChain, [shipmentId], { endorsingOrganizations: [this.#relay.mspId] }));
    return coldChain.hold.status === "HELD";
  }

  /**
   * Records the copy onto dist-pharm's mirror in the outbox before trying it,
   * then tries it once now: the sync reads mfr-dist through the relay's own
   * peer, so it first waits (bounded) until that peer has committed the stamp.
   * Whatever is not done yet stays in the outbox, retried until it commits.
   */
  async #relayToMirror(committed: Committed[], kind: RelayKind, key: string, payload: SyncPayload): Promise<RelayedWrite> {
    const spec = syncSpec(kind, payload);
    if (!this.#relayHere) return this.#owedByRelayGateway(committed, spec.sync.spec.qualified);
    const item = await this.#outbox.enqueue(kind, key, payload);
    return this.#attemptNow(committed, item, () => this.#stamped(SOURCE, spec.source), async () => spec.sync.spec.qualified);
  }

  /**
   * On a gateway that does not run the relay: the write committed on the
   * source channel, and the relay's gateway owes the copy onto the mirror (it
   * enqueues it when its event listener sees the source write).
   */
  #owedByRelayGateway(committed: Committed[], transaction: string): RelayedWrite {
    const since = new Date().toISOString();
    return { commits: committed, pending: [{ channel: MIRROR, transaction, since, attempts: 0, lastError: undefined }] };
  }

  /**
   * Waits (bounded) until the relay's peer shows the source channel's write,
   * tries the item once, and answers what committed and what is still owed.
   */
  async #attemptNow(committed: Committed[], item: OutboxItem, onRelayPeer: () => Promise<boolean>, owed: () => Promise<string>): Promise<RelayedWrite> {
    const deadline = Date.now() + this.#timeoutMs;
    while (!(await onRelayPeer().catch(() => false)) && Date.now() < deadline) await sleep(this.#pollMs);
    const outcome = await this.#outbox.attempt(item);
    if (outcome.outcome === "done") {
      const relayed = outcome.value as Committed | Committed[] | undefined;
      return { commits: relayed === undefined ? committed : committed.concat(relayed), pending: [] };
    }
    const now = (await this.#outbox.outbox.get(item.id).catch(() => undefined)) ?? item;
    return {
      commits: committed,
      pending: [
        {
          channel: MIRROR,
          transaction: await owed().catch(() => "unknown"),
          since: new Date(now.createdAt).toISOString(),
          attempts: now.attempts,
          lastError: outcome.outcome === "abandon" ? outcome.reason : now.lastError,
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
      const committed = await this.lanes.run(spec.lanes, () => submit(this.ledger, this.#relay, MIRROR, { ...spec.sync, endorsingOrganizations: [this.#relay.mspId] }));
      return { outcome: "done", value: committed satisfies Committed };
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      if (error.code === "NOT_FOUND") return { outcome: "done" };
      if (error.code === "CONFLICT" && (await this.#stamped(MIRROR, spec.source))) return { outcome: "done" };
      return { outcome: "retry", reason: `${error.code}: ${error.message}` };
    }
  }

  /** Whether the relay's peer shows the stamp (recall, withdrawal) on the record of `channel`. */
  async #stamped(channel: ChannelName, source: Stamped): Promise<boolean> {
    const asRelay = { endorsingOrganizations: [this.#relay.mspId] };
    if (source.stamp === "recall") return (await evaluate(this.ledger, this.#relay, channel, { ...source.read, ...asRelay })).recall !== undefined;
    return (await evaluate(this.ledger, this.#relay, channel, { ...source.read, ...asRelay })).withdrawal !== undefined;
  }

  /** A recall or withdrawal on every holder's channel; `holders` are the lot's or the product's records there. */
  async #applyEverywhere(
    as: Principal,
    holders: ChannelResult<Lot | Product>[],
    gtin: string,
    write: TypedCall<typeof CATALOG.packs.RecallLot | typeof CATALOG.products.WithdrawProduct>,
  ): Promise<Committed[]> {
    if (holders.length === 0) {
      // Let the chaincode answer NOT_FOUND with its own wording on the caller's first channel.
      return [await submit(this.ledger, as, readChannels(as, undefined)[0] ?? SOURCE, write)];
    }
    // Both records name their manufacturer, who endorses master data on the source channel.
    const manufacturer = holders.find((h) => h.channel === SOURCE)?.result.manufacturer;
    const results: Committed[] = [];
    // The source channel first: a recall there must not wait on the mirror.
    for (const holder of [...holders].sort((a) => (a.channel === SOURCE ? -1 : 1))) {
      const endorser = holder.channel === SOURCE ? (manufacturer ?? as.mspId) : REGULATOR_MSP;
      results.push(await submit(this.ledger, as, holder.channel, { ...write, endorsingOrganizations: [endorser] }));
    }
    return results;
  }
}
