/**
 * The regulator's audit view: a pack's or lot's history merged across both
 * channels into one timeline, and searches over the off-chain index. The
 * ledger's key history is the source of truth for a pack; the index adds the
 * block number and event name of each transaction and the lot- and
 * product-level events (recall, withdrawal, documents) that apply to it.
 */
import { CATALOG, EVENTS, type PackHistoryEntry } from "@rxtrace/domain";
import type { Principal } from "../auth/principal.js";
import { GatewayError, InvalidArgumentError } from "../errors.js";
import type { EventIndex, EventQuery, EventSubject, IndexedEvent } from "../ports/event-index.js";
import { CHANNELS, type ChannelName, type LedgerClient } from "../ports/ledger.js";
import { call, evaluate } from "./ledger-calls.js";

/** One line of a timeline. */
export interface TimelineEntry {
  readonly channel: string;
  readonly txId: string;
  /** Block of the transaction; null when the index has not seen it yet. */
  readonly blockNumber: number | null;
  readonly timestamp: string;
  /** MSP id of the submitting organisation. */
  readonly org: string;
  /** Chaincode event name; null when only the key history knows the transaction. */
  readonly event: string | null;
  /** The pack's status after the transaction (pack timelines, from the key history). */
  readonly status?: string;
  readonly subjects: readonly EventSubject[];
  readonly payload?: unknown;
}

export interface AuditOptions {
  /** Channels an org may read, in the order they are crossed (mfr-dist first). */
  readonly channelsOf: (mspId: string) => readonly ChannelName[];
  /** Most events a lot timeline or a search returns. */
  readonly maxEvents: number;
}

type HistoryEntry = PackHistoryEntry;

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Normalises an ISO 8601 time for range comparisons, naming the field when it is not one. */
export function isoTime(field: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!ISO.test(value) || Number.isNaN(Date.parse(value))) throw new InvalidArgumentError(field, "must be an ISO 8601 date-time, e.g. 2026-03-01T00:00:00Z");
  return new Date(value).toISOString();
}

export class AuditService {
  readonly #ledger: LedgerClient;
  readonly #index: EventIndex;
  readonly #options: AuditOptions;

  constructor(ledger: LedgerClient, index: EventIndex, options: AuditOptions) {
    this.#ledger = ledger;
    this.#index = index;
    this.#options = options;
  }

  /**
   * A pack's history on every channel the caller may read, oldest first.
   * @throws NotFoundError when no channel knows the pack
   */
  async packTimeline(as: Principal, gtin: string, serial: string): Promise<TimelineEntry[]> {
    const entries = new Map<string, TimelineEntry>();
    const lots = new Set<string>();
    const shipments = new Set<string>();
    let found = false;
    for (const channel of this.#options.channelsOf(as.mspId)) {
      const history = await this.#history(as, channel, gtin, serial);
      if (history === undefined) continue;
      found = true;
      for (const h of history) {
        if (h.pack?.lot !== undefined) lots.add(h.pack.lot);
        if (h.pack?.shipmentId !== undefined) shipments.add(h.pack.shipmentId);
        const indexed = this.#index.search({ channel, txId: h.txId, limit: 1 })[0];
        const base: TimelineEntry = {
          channel,
          txId: h.txId,
          blockNumber: indexed?.blockNumber ?? null,
          timestamp: indexed?.timestamp ?? new Date(h.at).toISOString(),
          org: indexed?.mspId ?? h.by ?? "unknown",
          event: indexed?.eventName ?? null,
          subjects: indexed?.subjects ?? [{ gtin, serial }],
          ...(indexed?.payload === undefined ? {} : { payload: indexed.payload }),
        };
        entries.set(`${channel}/${h.txId}`, h.pack?.status === undefined ? base : { ...base, status: h.pack.status });
      }
    }
    if (!found) throw new GatewayError("NOT_FOUND", `no pack ${gtin}/${serial} on the channels of ${as.mspId}`, { field: "serial" });
    // Lot-, product- and shipment-level events apply to the pack too (recall, withdrawal, documents, cold chain).
    const candidates = [
      ...this.#visible(as, { gtin, limit: this.#options.maxEvents }),
      ...[...shipments].flatMap((shipmentId) => this.#visible(as, { shipmentId, limit: this.#options.maxEvents })),
    ];
    for (const e of candidates) {
      const applies = e.subjects.some(
        (s) => s.gtin === gtin && s.serial === undefined && (s.lot === undefined ? s.shipmentId === undefined : lots.has(s.lot)),
      ) || e.subjects.some((s) => (s.gtin === gtin && s.serial === serial) || (s.gtin === undefined && s.shipmentId !== undefined && shipments.has(s.shipmentId)));
      if (applies && !entries.has(`${e.channel}/${e.txId}`)) entries.set(`${e.channel}/${e.txId}`, fromIndexed(e));
    }
    return sortTimeline([...entries.values()]);
  }

  /** Every indexed event about a lot or one of its packs, across the caller's channels, oldest first. */
  async lotTimeline(as: Principal, gtin: string, lot: string): Promise<TimelineEntry[]> {
    const serials = new Set<string>();
    for (const channel of this.#options.channelsOf(as.mspId)) {
      for (const serial of await this.#serialsOf(as, channel, gtin, lot)) serials.add(serial);
    }
    const events = this.#visible(as, { gtin, limit: this.#options.maxEvents }).filter((e) =>
      e.subjects.some((s) => s.gtin === gtin && (s.lot === lot || (s.serial !== undefined && serials.has(s.serial)) || (s.lot === undefined && s.serial === undefined && s.shipmentId === undefined))),
    );
    const shipments = new Set(events.flatMap((e) => e.subjects.map((s) => s.shipmentId)).filter((id): id is string => id !== undefined));
    const seen = new Set(events.map((e) => `${e.channel}/${e.txId}`));
    for (const shipmentId of shipments) {
      for (const e of this.#visible(as, { shipmentId, limit: this.#options.maxEvents })) {
        if (!seen.has(`${e.channel}/${e.txId}`)) {
          seen.add(`${e.channel}/${e.txId}`);
          events.push(e);
        }
      }
    }
    if (events.length === 0 && serials.size === 0) {
      throw new GatewayError("NOT_FOUND", `no lot ${gtin}/${lot} on the channels of ${as.mspId}`, { field: "lot" });
    }
    return sortTimeline(events.map(fromIndexed));
  }

  /** Index search limited to the caller's channels. */
  search(as: Principal, query: EventQuery): IndexedEvent[] {
    const visible = this.#options.channelsOf(as.mspId);
    if (query.channel !== undefined && !visible.includes(query.channel as ChannelName)) {
      throw new InvalidArgumentError("channel", `must be one of the channels of ${as.mspId}: ${visible.join(", ")}`);
    }
    return this.#visible(as, { ...query, limit: Math.min(query.limit, this.#options.maxEvents) });
  }

  #visible(as: Principal, query: EventQuery): IndexedEvent[] {
    const visible = new Set<string>(this.#options.channelsOf(as.mspId));
    return this.#index.search(query).filter((e) => visible.has(e.channel));
  }

  async #history(as: Principal, channel: ChannelName, gtin: string, serial: string): Promise<HistoryEntry[] | undefined> {
    try {
      const history = await evaluate(this.#ledger, as, channel, call(CATALOG.packs.GetPackHistory, [gtin, serial]));
      return history.length === 0 ? undefined : history;
    } catch (error) {
      if (error instanceof GatewayError && error.code === "NOT_FOUND") return undefined;
      throw error;
    }
  }

  async #serialsOf(as: Principal, channel: ChannelName, gtin: string, lot: string): Promise<string[]> {
    try {
      const packs = await evaluate(this.#ledger, as, channel, call(CATALOG.packs.ListPacksByLot, [gtin, lot]));
      return packs.map((p) => p.serial);
    } catch (error) {
      if (error instanceof GatewayError && error.code === "NOT_FOUND") return [];
      throw error;
    }
  }
}

function fromIndexed(e: IndexedEvent): TimelineEntry {
  return {
    channel: e.channel,
    txId: e.txId,
    blockNumber: e.blockNumber,
    timestamp: e.timestamp,
    org: e.mspId,
    event: e.eventName,
    subjects: e.subjects,
    ...(e.payload === undefined ? {} : { payload: e.payload }),
  };
}

const CHANNEL_ORDER: Readonly<Record<string, number>> = Object.fromEntries(CHANNELS.map((c, i) => [c, i]));

/**
 * Time first (the ledger keeps seconds); within one second the source channel
 * before the downstream one, then block order. An entry the index has not
 * seen keeps its place from the key history, which is in commit order.
 */
function sortTimeline(entries: TimelineEntry[]): TimelineEntry[] {
  const arrival = new Map(entries.map((e, i) => [e, i]));
  return entries.sort(
    (a, b) =>
      a.timestamp.localeCompare(b.timestamp) ||
      (CHANNEL_ORDER[a.channel] ?? 9) - (CHANNEL_ORDER[b.channel] ?? 9) ||
      (a.blockNumber !== null && b.blockNumber !== null ? a.blockNumber - b.blockNumber : 0) ||
      (arrival.get(a) ?? 0) - (arrival.get(b) ?? 0),
  );
}

const SHIPMENT_EVENTS: ReadonlySet<string> = new Set([EVENTS.SHIPMENT_SHIPPED, EVENTS.SHIPMENT_RECEIVED, EVENTS.SHIPMENT_EXCEPTION_RECORDED]);

/** Adds the packs of a shipment to its events' subjects, read from the ledger (listener enricher). */
export function shipmentEnricher(ledger: LedgerClient, as: Principal) {
  return async (event: { channel: string; eventName: string; payload: unknown }): Promise<EventSubject[]> => {
    if (!SHIPMENT_EVENTS.has(event.eventName)) return [];
    const shipmentId = (event.payload as { shipmentId?: unknown } | undefined)?.shipmentId;
    if (typeof shipmentId !== "string") return [];
    const shipment = await evaluate(ledger, as, event.channel as ChannelName, call(CATALOG.shipments.GetShipment, [shipmentId]));
    return shipment.packs.map((p) => ({ gtin: p.gtin, serial: p.serial, shipmentId }));
  };
}
