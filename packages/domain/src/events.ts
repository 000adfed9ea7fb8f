import type { DecommissionAlert } from "./catalog";
import type { Determination, Disposition, InvestigationScope, TracingScope } from "./investigations";
import type { HoldDecisionKind, Partner, PackRef, Subject } from "./records";
import type { DecommissionReason, DocumentKind, EventEnvelope, EventName, PackStatus, SettableMark } from "./vocabulary";
import { EVENTS } from "./vocabulary";

/** Requires a key for every event name: an event without its payload type fails tsc. */
type EveryEvent<T extends { [N in EventName]: object }> = T;

/**
 * The fields each chaincode event carries (ledger/state.ts adds the envelope:
 * type, txId, at, by). The chaincode emits through this type and the gateway
 * reads through it (events/subjects.ts, services/epcis.ts).
 */
export type EventFields = EveryEvent<{
  [EVENTS.PARTNER_REGISTERED]: { partner: Partner };
  [EVENTS.PRODUCT_REGISTERED]: { gtin: string };
  /** `syncedFrom`: copied onto the mirror from the source channel. */
  [EVENTS.PRODUCT_WITHDRAWN]: { gtin: string; reason: string; syncedFrom?: string };
  [EVENTS.LOT_COMMISSIONED]: { gtin: string; lot: string; expiry: string; count: number };
  [EVENTS.LOT_RECALLED]: { gtin: string; lot: string; reason: string; syncedFrom?: string };
  /** `container`: the SSCC the pack was taken out of (it no longer lists the pack). */
  [EVENTS.PACK_DISPENSED]: { gtin: string; serial: string; container?: string };
  [EVENTS.PACK_DECOMMISSIONED]: { gtin: string; serial: string; reason: DecommissionReason; container?: string };
  [EVENTS.DECOMMISSION_ALERT_RAISED]: { gtin: string; serial: string; alert: DecommissionAlert };
  [EVENTS.DECOMMISSION_UNDONE]: { gtin: string; serial: string; status: PackStatus };
  [EVENTS.PACK_MARKED]: { gtin: string; serial: string; mark: SettableMark; reason: string };
  [EVENTS.PACK_MARK_CLEARED]: { gtin: string; serial: string; mark: SettableMark; reason: string };
  /** `containers`: the outer SSCCs shipped; `count` counts every pack, those inside them too. */
  [EVENTS.SHIPMENT_SHIPPED]: { shipmentId: string; shipper: string; consignee: string; count: number; containers?: string[] };
  [EVENTS.SHIPMENT_RECEIVED]: { shipmentId: string; count: number; notReceived: (PackRef & { status: PackStatus; at: string; by: string })[] };
  [EVENTS.SHIPMENT_EXCEPTION_RECORDED]: { shipmentId: string; missing: PackRef[]; unexpected: PackRef[]; missingContainers?: string[]; unexpectedContainers?: string[] };
  [EVENTS.PACKS_HANDED_OFF]: { toChannel: string; count: number; holder: string };
  [EVENTS.PACKS_IMPORTED]: { fromChannel: string; count: number; holder: string };
  [EVENTS.COLD_CHAIN_READINGS_RECORDED]: {
    shipmentId: string;
    count: number;
    minCentiCelsius: number;
    maxCentiCelsius: number;
    minutesOutOfRange: number;
    mktCentiCelsius: number;
    holdSet: boolean;
  };
  [EVENTS.COLD_CHAIN_HOLD_RELEASED]: { shipmentId: string; count: number; reason: string; decidedBy: string };
  [EVENTS.HELD_PACKS_DESTROYED]: { shipmentId: string; count: number; reason: string; decidedBy: string };
  [EVENTS.HOLD_DECISION_RECORDED]: { shipmentId: string; decision: HoldDecisionKind; reason: string; channel: string };
  [EVENTS.HOLD_DECISION_SYNCED]: { shipmentId: string; manufacturer: string; decision: HoldDecisionKind; reason: string; syncedFrom: string };
  [EVENTS.DOCUMENT_ANCHORED]: { sha256: string; cid: string; kind: DocumentKind; subject: Subject };
  [EVENTS.DOCUMENT_KEY_STORED]: { cid: string };
  [EVENTS.DOCUMENT_KEY_PURGED]: { cid: string };
  [EVENTS.RETURN_SHIPPED]: { returnId: string; pharmacy: string; distributor: string; packs: PackRef[]; count: number };
  /** The packs of the return by outcome, so each pack's timeline shows what became of it. */
  [EVENTS.RETURN_VERIFIED]: { returnId: string; pharmacy: string; distributor: string; resaleable: PackRef[]; quarantined: PackRef[]; destroyed: PackRef[] };
  // ---- investigations: each names the trading partners concerned, so their webhooks and SSE filters fire ----
  [EVENTS.INVESTIGATION_OPENED]: { investigationId: string; scope: InvestigationScope; reason: string; packs: PackRef[]; partners: string[] };
  /** `notifyBy`: the DSCSA 24 h deadline (illegitimate only). */
  [EVENTS.INVESTIGATION_DETERMINED]: { investigationId: string; outcome: Determination; reason: string; packs: PackRef[]; partners: string[]; notifyBy?: string };
  [EVENTS.REGULATOR_NOTIFIED]: { investigationId: string; reference: string; withinDeadline: boolean; partners: string[] };
  [EVENTS.INVESTIGATION_PACKS_DISPOSED]: { investigationId: string; action: Disposition; packs: PackRef[]; partners: string[] };
  [EVENTS.INVESTIGATION_CLOSED]: { investigationId: string; reason: string; partners: string[] };
  [EVENTS.TRACING_REQUESTED]: { requestId: string; scope: TracingScope; asked: string[]; respondBy: string; partners: string[] };
  [EVENTS.TRACING_ANSWERED]: { requestId: string; holder: string; withinDeadline: boolean; partners: string[] };
  /** What was put into the container (EPCIS AggregationEvent ADD): packs and child containers. */
  [EVENTS.CONTAINER_PACKED]: { sscc: string; owner: string; packs: PackRef[]; containers: string[] };
  /** What was taken out (EPCIS AggregationEvent DELETE); `emptied` when nothing is left inside. */
  [EVENTS.CONTAINER_UNPACKED]: { sscc: string; owner: string; packs: PackRef[]; containers: string[]; emptied: boolean };
}>;

/** An event's payload as it is in the block: its fields and the envelope. */
export type EventPayload<N extends EventName = EventName> = EventFields[N] & EventEnvelope;

/** Every event name, in EVENTS order. */
export const EVENT_NAMES: readonly EventName[] = Object.values(EVENTS);

/** Whether `name` is an event the chaincode emits. */
export function isEventName(name: string): name is EventName {
  return (EVENT_NAMES as readonly string[]).includes(name);
}
