/**
 * What a chaincode event is about, read from its payload by event name: one
 * extractor per event of the catalog (@rxtrace/domain EventFields), so a new
 * event without one fails tsc. The shipment events name the shipment; their
 * packs are added by the listener's enricher (services/audit.ts), which reads
 * the shipment record.
 *
 * A payload is in a committed block, but a member may endorse alone a
 * transaction that touches only its own keys (a document key) with modified
 * chaincode, so its payload is not trusted to match its type: only string
 * fields become subjects, and a payload that does not fit gives none.
 */
import { EVENTS, isEventName, type EventFields, type EventName, type InvestigationScope, type PackRef, type Subject } from "@rxtrace/domain";
import type { EventSubject } from "../ports/event-index.js";

type Extractors = { readonly [N in EventName]: (payload: EventFields[N]) => EventSubject[] };

const none = (): EventSubject[] => [];
const product = (p: { gtin: string }): EventSubject[] => [{ gtin: p.gtin }];
const lot = (p: { gtin: string; lot: string }): EventSubject[] => [{ gtin: p.gtin, lot: p.lot }];
const pack = (p: PackRef): EventSubject[] => [{ gtin: p.gtin, serial: p.serial }];
const shipment = (p: { shipmentId: string }): EventSubject[] => [{ shipmentId: p.shipmentId }];
/** The packs an event lists (a list that is not one lists none). */
const packList = (...lists: readonly PackRef[][]): EventSubject[] =>
  lists.flatMap((refs) => (Array.isArray(refs) ? refs.map((r) => ({ gtin: r.gtin, serial: r.serial })) : []));
/** The packs a shipment event lists, each with the shipment. */
const packsOf = (shipmentId: string, ...lists: readonly PackRef[][]): EventSubject[] => packList(...lists).map((s) => ({ ...s, shipmentId }));

function documentSubject(subject: Subject): EventSubject[] {
  switch (subject.type) {
    case "product":
      return product(subject);
    case "lot":
      return lot(subject);
    case "pack":
      return pack(subject);
    case "shipment":
      return shipment(subject);
  }
}

export const SUBJECTS: Extractors = {
  [EVENTS.PARTNER_REGISTERED]: none,
  [EVENTS.PRODUCT_REGISTERED]: product,
  [EVENTS.PRODUCT_WITHDRAWN]: product,
  [EVENTS.LOT_COMMISSIONED]: lot,
  [EVENTS.LOT_RECALLED]: lot,
  [EVENTS.PACK_DISPENSED]: pack,
  [EVENTS.PACK_DECOMMISSIONED]: pack,
  [EVENTS.DECOMMISSION_ALERT_RAISED]: pack,
  [EVENTS.DECOMMISSION_UNDONE]: pack,
  [EVENTS.PACK_MARKED]: pack,
  [EVENTS.PACK_MARK_CLEARED]: pack,
  [EVENTS.SHIPMENT_SHIPPED]: shipment,
  [EVENTS.SHIPMENT_RECEIVED]: (p) => [...shipment(p), ...packsOf(p.shipmentId, p.notReceived)],
  [EVENTS.SHIPMENT_EXCEPTION_RECORDED]: (p) => [...shipment(p), ...packsOf(p.shipmentId, p.missing, p.unexpected)],
  // Hand-offs and imports name only a count: their packs are in the transaction's arguments, not the event.
  [EVENTS.PACKS_HANDED_OFF]: none,
  [EVENTS.PACKS_IMPORTED]: none,
  [EVENTS.COLD_CHAIN_READINGS_RECORDED]: shipment,
  [EVENTS.COLD_CHAIN_HOLD_RELEASED]: shipment,
  [EVENTS.HELD_PACKS_DESTROYED]: shipment,
  [EVENTS.HOLD_DECISION_RECORDED]: shipment,
  [EVENTS.HOLD_DECISION_SYNCED]: shipment,
  [EVENTS.DOCUMENT_ANCHORED]: (p) => documentSubject(p.subject),
  [EVENTS.DOCUMENT_KEY_STORED]: none,
  [EVENTS.DOCUMENT_KEY_PURGED]: none,
  // A return is not a shipment: its events name their packs, which carry them into each pack's timeline.
  [EVENTS.RETURN_SHIPPED]: (p) => packList(p.packs),
  [EVENTS.RETURN_VERIFIED]: (p) => packList(p.resaleable, p.quarantined, p.destroyed),
  // Investigations name their packs (and a lot or shipment scope); the partners to notify are in the payload.
  [EVENTS.INVESTIGATION_OPENED]: (p) => [...investigationScope(p.scope), ...packList(p.packs)],
  [EVENTS.INVESTIGATION_DETERMINED]: (p) => packList(p.packs),
  [EVENTS.REGULATOR_NOTIFIED]: none,
  [EVENTS.INVESTIGATION_PACKS_DISPOSED]: (p) => packList(p.packs),
  [EVENTS.INVESTIGATION_CLOSED]: none,
  [EVENTS.TRACING_REQUESTED]: (p) => (p.scope.type === "pack" ? pack(p.scope) : lot(p.scope)),
  [EVENTS.TRACING_ANSWERED]: none,
  // Packing and unpacking name the packs put in or taken out directly (not those of a case put on a pallet).
  [EVENTS.CONTAINER_PACKED]: (p) => packList(p.packs),
  [EVENTS.CONTAINER_UNPACKED]: (p) => packList(p.packs),
};

function investigationScope(scope: InvestigationScope): EventSubject[] {
  if (scope.type === "lot") return lot(scope);
  if (scope.type === "shipment") return shipment(scope);
  return [];
}

function isText(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}

/** Keeps a subject only with string fields, and only the fields that are strings. */
function clean(subject: EventSubject): EventSubject | undefined {
  const kept = Object.fromEntries(Object.entries(subject).filter(([, value]) => isText(value))) as EventSubject;
  return Object.keys(kept).length === 0 ? undefined : kept;
}

/** The subjects of an event: none for an event the catalog does not know or a payload that does not fit its type. */
export function subjectsOf(event: { readonly eventName: string; readonly payload: unknown }): EventSubject[] {
  const { eventName, payload } = event;
  if (!isEventName(eventName) || typeof payload !== "object" || payload === null) return [];
  let found: EventSubject[];
  try {
    found = (SUBJECTS[eventName] as (payload: unknown) => EventSubject[])(payload);
  } catch {
    return [];
  }
  const seen = new Map<string, EventSubject>();
  for (const subject of found.map(clean)) {
    if (subject !== undefined) seen.set(JSON.stringify([subject.gtin, subject.serial, subject.lot, subject.shipmentId]), subject);
  }
  return [...seen.values()];
}
