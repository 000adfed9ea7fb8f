/**
 * EPCIS 2.0 JSON-LD export of a pack's or lot's timeline. Identifiers are
 * GS1 Digital Link URIs (allowed by EPCIS 2.0), so no company-prefix length
 * is needed; cold-chain readings become a `sensorElementList`; what EPCIS has
 * no field for (channel, transaction id, block) goes under the `rxtrace:`
 * namespace declared in the context.
 */
import { createHash } from "node:crypto";
import { DECOMMISSION_REASONS, EVENTS, isValidSscc, ssccEpc, type DecommissionReason, type EventName } from "@rxtrace/domain";
import type { EventSubject } from "../ports/event-index.js";
import type { TimelineEntry } from "./audit.js";

export const EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";
export const RXTRACE_NAMESPACE = "https://rxtrace.example.org/epcis/";
const DIGITAL_LINK = "https://id.gs1.org";

export type ExportTarget = { readonly type: "pack"; readonly gtin: string; readonly serial: string } | { readonly type: "lot"; readonly gtin: string; readonly lot: string };

interface Mapping {
  readonly action: "ADD" | "OBSERVE" | "DELETE";
  readonly bizStep: string;
  readonly disposition?: string;
}

/**
 * CBV 2.0 business steps and dispositions per rxtrace event; undefined for an
 * event that is not an EPCIS observation of the packs. Keyed by every event
 * name, so a new event without a decision here fails tsc.
 */
const MAPPINGS: Readonly<Record<EventName, Mapping | undefined>> = {
  [EVENTS.LOT_COMMISSIONED]: { action: "ADD", bizStep: "commissioning", disposition: "active" },
  [EVENTS.SHIPMENT_SHIPPED]: { action: "OBSERVE", bizStep: "shipping", disposition: "in_transit" },
  [EVENTS.SHIPMENT_RECEIVED]: { action: "OBSERVE", bizStep: "receiving", disposition: "in_progress" },
  [EVENTS.SHIPMENT_EXCEPTION_RECORDED]: { action: "OBSERVE", bizStep: "receiving", disposition: "mismatch_instance" },
  [EVENTS.PACKS_HANDED_OFF]: { action: "OBSERVE", bizStep: "departing", disposition: "in_transit" },
  [EVENTS.PACKS_IMPORTED]: { action: "OBSERVE", bizStep: "arriving", disposition: "in_progress" },
  [EVENTS.PACK_DISPENSED]: { action: "DELETE", bizStep: "dispensing", disposition: "dispensed" },
  [EVENTS.PACK_DECOMMISSIONED]: { action: "DELETE", bizStep: "decommissioning", disposition: "inactive" },
  [EVENTS.DECOMMISSION_ALERT_RAISED]: { action: "OBSERVE", bizStep: "inspecting", disposition: "non_sellable_other" },
  [EVENTS.DECOMMISSION_UNDONE]: { action: "OBSERVE", bizStep: "inspecting", disposition: "active" },
  [EVENTS.LOT_RECALLED]: { action: "OBSERVE", bizStep: "holding", disposition: "recalled" },
  [EVENTS.PRODUCT_WITHDRAWN]: { action: "OBSERVE", bizStep: "holding", disposition: "recalled" },
  [EVENTS.PACK_MARKED]: { action: "OBSERVE", bizStep: "holding", disposition: "non_sellable_other" },
  [EVENTS.PACK_MARK_CLEARED]: { action: "OBSERVE", bizStep: "inspecting", disposition: "active" },
  [EVENTS.COLD_CHAIN_READINGS_RECORDED]: { action: "OBSERVE", bizStep: "sensor_reporting" },
  [EVENTS.COLD_CHAIN_HOLD_RELEASED]: { action: "OBSERVE", bizStep: "inspecting", disposition: "active" },
  [EVENTS.HELD_PACKS_DESTROYED]: { action: "DELETE", bizStep: "destroying", disposition: "destroyed" },
  [EVENTS.DOCUMENT_ANCHORED]: { action: "OBSERVE", bizStep: "inspecting" },
  [EVENTS.RETURN_SHIPPED]: { action: "OBSERVE", bizStep: "shipping", disposition: "returned" },
  // The distributor's check on receipt; the disposition is each pack's outcome (RETURN_DISPOSITIONS).
  [EVENTS.RETURN_VERIFIED]: { action: "OBSERVE", bizStep: "receiving" },
  // Investigations: opening holds the packs as suspect; the determination and a disposal set each pack's disposition (below).
  [EVENTS.INVESTIGATION_OPENED]: { action: "OBSERVE", bizStep: "holding", disposition: "non_sellable_other" },
  [EVENTS.INVESTIGATION_DETERMINED]: { action: "OBSERVE", bizStep: "inspecting", disposition: "non_sellable_other" },
  [EVENTS.INVESTIGATION_PACKS_DISPOSED]: { action: "OBSERVE", bizStep: "holding", disposition: "sellable_not_accessible" },
  // A notification, a closing and tracing are records about the packs, not observations of them.
  [EVENTS.REGULATOR_NOTIFIED]: undefined,
  [EVENTS.INVESTIGATION_CLOSED]: undefined,
  [EVENTS.TRACING_REQUESTED]: undefined,
  [EVENTS.TRACING_ANSWERED]: undefined,
  // Exported as AggregationEvents: the container's SSCC is the parent, what was put in or taken out the children.
  [EVENTS.CONTAINER_PACKED]: { action: "ADD", bizStep: "packing" },
  [EVENTS.CONTAINER_UNPACKED]: { action: "DELETE", bizStep: "unpacking" },
  // Master data, a decision before it is applied, and key custody: nothing happens to the packs.
  [EVENTS.PARTNER_REGISTERED]: undefined,
  [EVENTS.PRODUCT_REGISTERED]: undefined,
  [EVENTS.HOLD_DECISION_RECORDED]: undefined,
  [EVENTS.HOLD_DECISION_SYNCED]: undefined,
  [EVENTS.DOCUMENT_KEY_STORED]: undefined,
  [EVENTS.DOCUMENT_KEY_PURGED]: undefined,
};

/**
 * CBV 2.0 disposition per decommission reason, keyed by every reason so a new
 * one without a decision here fails tsc. CBV has no sample, free-sample,
 * checked-out or export disposition: those are `inactive`, and the event
 * carries the reason as `rxtrace:reason`.
 */
const DECOMMISSION_DISPOSITIONS: Readonly<Record<DecommissionReason, string>> = {
  DESTROYED: "destroyed",
  STOLEN: "stolen",
  EXPORTED: "inactive",
  CHECKED_OUT: "inactive",
  SAMPLE: "inactive",
  FREE_SAMPLE: "inactive",
  LOCKED: "inactive",
};

const MARK_DISPOSITIONS: Readonly<Record<string, string>> = {
  QUARANTINED: "sellable_not_accessible",
  SUSPECT: "non_sellable_other",
  ILLEGITIMATE: "non_sellable_other",
  COLD_CHAIN_HOLD: "sellable_not_accessible",
};

export function packUri(gtin: string, serial: string): string {
  return `${DIGITAL_LINK}/01/${gtin}/21/${encodeURIComponent(serial)}`;
}

export function lotClassUri(gtin: string, lot: string): string {
  return `${DIGITAL_LINK}/01/${gtin}/10/${encodeURIComponent(lot)}`;
}

/** CBV 2.0 disposition of a returned pack by its outcome: saleable again, quarantined, destroyed. */
const RETURN_DISPOSITIONS = { resaleable: "sellable_accessible", quarantined: "sellable_not_accessible", destroyed: "destroyed" } as const;

/** The exported pack's outcome in a ReturnVerified payload, as a disposition; undefined for a lot or a pack not listed. */
function returnDisposition(payload: Record<string, unknown>, target: ExportTarget): string | undefined {
  if (target.type !== "pack") return undefined;
  for (const [list, disposition] of Object.entries(RETURN_DISPOSITIONS)) {
    const refs = payload[list];
    if (Array.isArray(refs) && refs.some((r) => record(r).gtin === target.gtin && record(r).serial === target.serial)) return disposition;
  }
  return undefined;
}

function partyUri(mspId: string): string {
  return `urn:rxtrace:org:${mspId}`;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

function decommissionReason(value: unknown): DecommissionReason | undefined {
  return DECOMMISSION_REASONS.find((reason) => reason === value);
}

function celsius(centi: unknown): number | undefined {
  return typeof centi === "number" ? centi / 100 : undefined;
}

/** What the entry's EPCIS event is about, restricted to the exported pack or lot. */
function objects(entry: TimelineEntry, target: ExportTarget): { epcList: string[]; quantityList: { epcClass: string }[] } {
  const packs = new Set<string>();
  const classes = new Set<string>();
  const matches = (s: EventSubject): boolean => s.gtin === target.gtin && (target.type === "pack" ? s.serial === undefined || s.serial === target.serial : true);
  for (const s of entry.subjects) {
    if (!matches(s)) continue;
    if (s.serial !== undefined) packs.add(packUri(target.gtin, s.serial));
    else if (s.lot !== undefined) classes.add(lotClassUri(target.gtin, s.lot));
  }
  if (target.type === "pack" && packs.size === 0) packs.add(packUri(target.gtin, target.serial));
  if (target.type === "lot" && packs.size === 0 && classes.size === 0) classes.add(lotClassUri(target.gtin, target.lot));
  return { epcList: [...packs].sort(), quantityList: [...classes].sort().map((epcClass) => ({ epcClass })) };
}

function sensorElements(payload: Record<string, unknown>, time: string): unknown[] {
  const reports: Record<string, unknown>[] = [];
  const min = celsius(payload.minCentiCelsius);
  const max = celsius(payload.maxCentiCelsius);
  const mkt = celsius(payload.mktCentiCelsius);
  if (min !== undefined || max !== undefined) {
    reports.push({ type: "gs1:Temperature", ...(min === undefined ? {} : { minValue: min }), ...(max === undefined ? {} : { maxValue: max }), uom: "CEL" });
  }
  if (mkt !== undefined) reports.push({ type: "gs1:Temperature", value: mkt, uom: "CEL", "rxtrace:statistic": "meanKineticTemperature" });
  if (typeof payload.minutesOutOfRange === "number") {
    reports.push({ type: "gs1:Time", value: payload.minutesOutOfRange, uom: "MIN", "rxtrace:statistic": "minutesOutOfLabelledRange" });
  }
  return [
    {
      sensorMetadata: { time, ...(typeof payload.count === "number" ? { "rxtrace:readingCount": payload.count } : {}) },
      sensorReport: reports,
    },
  ];
}

/**
 * EPC URI of an SSCC (urn:epc:id:sscc:...). The URI splits the company
 * prefix from the serial reference, which the 18 digits do not say: rxtrace's
 * members use 7-digit GS1 company prefixes (as the GTINs of the demo data).
 */
export const SSCC_COMPANY_PREFIX_LENGTH = 7;

export function ssccUri(sscc: string): string {
  return ssccEpc(sscc, SSCC_COMPANY_PREFIX_LENGTH);
}

/** The children an aggregation event names: the packs by Digital Link, the containers by SSCC URI. */
function childEpcs(payload: Record<string, unknown>): string[] {
  const packs = Array.isArray(payload.packs) ? payload.packs.map(record).filter((r) => typeof r.gtin === "string" && typeof r.serial === "string") : [];
  const containers = Array.isArray(payload.containers) ? payload.containers.filter((c): c is string => typeof c === "string" && isValidSscc(c)) : [];
  return [...packs.map((r) => packUri(r.gtin as string, r.serial as string)), ...containers.map(ssccUri)];
}

/** Maps one timeline entry to an EPCIS ObjectEvent, or an AggregationEvent for packing and unpacking (undefined for entries without an event). */
export function toEpcisEvent(entry: TimelineEntry, target: ExportTarget): Record<string, unknown> | undefined {
  if (entry.event === null) return undefined;
  const mapping = Object.hasOwn(MAPPINGS, entry.event) ? MAPPINGS[entry.event as EventName] : undefined;
  if (mapping === undefined) return undefined;
  const payload = record(entry.payload);
  let disposition = mapping.disposition;
  const reason = entry.event === EVENTS.PACK_DECOMMISSIONED ? decommissionReason(payload.reason) : undefined;
  if (reason !== undefined) disposition = DECOMMISSION_DISPOSITIONS[reason];
  if (entry.event === EVENTS.PACK_MARKED && typeof payload.mark === "string") disposition = MARK_DISPOSITIONS[payload.mark] ?? disposition;
  if (entry.event === EVENTS.COLD_CHAIN_READINGS_RECORDED && payload.holdSet === true) disposition = "sellable_not_accessible";
  if (entry.event === EVENTS.RETURN_VERIFIED) disposition = returnDisposition(payload, target);
  if (entry.event === EVENTS.INVESTIGATION_DETERMINED && payload.outcome === "CLEARED") disposition = "active";
  if (entry.event === EVENTS.INVESTIGATION_PACKS_DISPOSED && payload.action === "DESTROY") disposition = "destroyed";
  const action = disposition === "destroyed" ? "DELETE" : mapping.action;
  const { epcList, quantityList } = objects(entry, target);
  const aggregation = entry.event === EVENTS.CONTAINER_PACKED || entry.event === EVENTS.CONTAINER_UNPACKED;
  if (aggregation && (typeof payload.sscc !== "string" || !isValidSscc(payload.sscc))) return undefined;
  const what = aggregation
    ? { parentID: ssccUri(payload.sscc as string), childEPCs: childEpcs(payload) }
    : { epcList, ...(quantityList.length > 0 ? { quantityList } : {}) };
  const event: Record<string, unknown> = {
    type: aggregation ? "AggregationEvent" : "ObjectEvent",
    // A stable id: the same transaction always exports the same event id.
    eventID: `ni:///sha-256;${createHash("sha256").update(`${entry.channel}/${entry.txId}/${target.type}`).digest("hex")}?ver=CBV2.0`,
    eventTime: entry.timestamp,
    eventTimeZoneOffset: "+00:00",
    ...what,
    action,
    bizStep: mapping.bizStep,
    ...(disposition === undefined ? {} : { disposition }),
    readPoint: { id: `${partyUri(entry.org)}:channel:${entry.channel}` },
    sourceList: [{ type: "owning_party", source: partyUri(entry.org) }],
    "rxtrace:event": entry.event,
    "rxtrace:channel": entry.channel,
    "rxtrace:txId": entry.txId,
    ...(reason === undefined ? {} : { "rxtrace:reason": reason }),
    ...(entry.blockNumber === null ? {} : { "rxtrace:blockNumber": entry.blockNumber }),
  };
  if (typeof payload.consignee === "string") event.destinationList = [{ type: "owning_party", destination: partyUri(payload.consignee) }];
  if (typeof payload.shipmentId === "string") event.bizTransactionList = [{ type: "desadv", bizTransaction: `urn:rxtrace:shipment:${payload.shipmentId}` }];
  if (typeof payload.returnId === "string") event.bizTransactionList = [{ type: "rma", bizTransaction: `urn:rxtrace:return:${payload.returnId}` }];
  // A return goes from the pharmacy (source) to the distributor (destination).
  if (typeof payload.pharmacy === "string" && typeof payload.distributor === "string") {
    event.sourceList = [{ type: "owning_party", source: partyUri(payload.pharmacy) }];
    event.destinationList = [{ type: "owning_party", destination: partyUri(payload.distributor) }];
  }
  if (entry.event === EVENTS.COLD_CHAIN_READINGS_RECORDED) event.sensorElementList = sensorElements(payload, entry.timestamp);
  if (entry.event === EVENTS.DOCUMENT_ANCHORED && typeof payload.sha256 === "string") {
    event["rxtrace:document"] = { sha256: payload.sha256, cid: payload.cid, kind: payload.kind };
  }
  return event;
}

/**
 * A pack dispensed or decommissioned out of a case leaves it in the same
 * transaction (its event names the `container`): that is a disaggregation
 * too, exported as an AggregationEvent DELETE before the pack's own event.
 */
function takenOutOfContainer(entry: TimelineEntry): Record<string, unknown> | undefined {
  if (entry.event !== EVENTS.PACK_DISPENSED && entry.event !== EVENTS.PACK_DECOMMISSIONED) return undefined;
  const payload = record(entry.payload);
  const { container, gtin, serial } = payload;
  if (typeof container !== "string" || !isValidSscc(container) || typeof gtin !== "string" || typeof serial !== "string") return undefined;
  return {
    type: "AggregationEvent",
    eventID: `ni:///sha-256;${createHash("sha256").update(`${entry.channel}/${entry.txId}/unpacking`).digest("hex")}?ver=CBV2.0`,
    eventTime: entry.timestamp,
    eventTimeZoneOffset: "+00:00",
    parentID: ssccUri(container),
    childEPCs: [packUri(gtin, serial)],
    action: "DELETE",
    bizStep: "unpacking",
    readPoint: { id: `${partyUri(entry.org)}:channel:${entry.channel}` },
    "rxtrace:event": entry.event,
    "rxtrace:channel": entry.channel,
    "rxtrace:txId": entry.txId,
    ...(entry.blockNumber === null ? {} : { "rxtrace:blockNumber": entry.blockNumber }),
  };
}

/** The EPCIS 2.0 document of a timeline. */
export function epcisDocument(entries: readonly TimelineEntry[], target: ExportTarget, creationDate: Date): Record<string, unknown> {
  return {
    "@context": [EPCIS_CONTEXT, { rxtrace: RXTRACE_NAMESPACE }],
    type: "EPCISDocument",
    schemaVersion: "2.0",
    creationDate: creationDate.toISOString(),
    epcisBody: {
      eventList: entries.flatMap((e) => [takenOutOfContainer(e), toEpcisEvent(e, target)]).filter((e): e is Record<string, unknown> => e !== undefined),
    },
  };
}
