/**
 * Suspect and illegitimate product investigations, and the regulator's
 * product tracing requests (DSCSA, FD&C Act sec. 582; docs/chaincode-api.md,
 * "Investigations"). Records, inputs and their validation; the chaincode's
 * investigations contract writes them, the gateway reads them.
 */
import { invalidArgument } from "./errors";
import { validateGtin, validateLot, validateSerial } from "./gs1";
import { requireArray, requireMspId, requireObject, requireOneOf, requirePattern, requireSha256, requireShipmentId, requireString, type Fields } from "./input";
import { MAX_REASON_LENGTH } from "./limits";
import { comparePackRefs, packRefKey, parseCid, parsePackRefs, type PackRef, type Stamp } from "./records";

/** Packs one investigation or tracing request may cover: its events list them. */
export const MAX_PACKS_PER_INVESTIGATION = 500;
/** Evidence documents one call may reference. */
export const MAX_EVIDENCE_DOCUMENTS = 20;
/** Holders one tracing request may ask. */
export const MAX_TRACING_HOLDERS = 20;
/** Investigations or tracing requests one list page may hold. */
export const MAX_INVESTIGATIONS_PAGE = 100;

/**
 * DSCSA (FD&C Act sec. 582(b)(4)(B), (c)(4)(B), (d)(4)(B), (e)(4)(B)): upon
 * determining that a product is illegitimate, a trading partner notifies FDA
 * and the immediate trading partners it believes may have received it within
 * 24 hours; it also answers a verification or tracing request from FDA within
 * 24 hours. Both clocks start at the ledger's transaction timestamp.
 */
export const DSCSA_NOTIFY_SECONDS = 24 * 3600;

export const INVESTIGATION_STATUSES = ["OPEN", "DETERMINED", "CLOSED"] as const;
export type InvestigationStatus = (typeof INVESTIGATION_STATUSES)[number];
/** What investigations:ListInvestigations filters on: a status, or ACTIVE (every one not yet closed: OPEN or DETERMINED). */
export const INVESTIGATION_FILTERS = [...INVESTIGATION_STATUSES, "ACTIVE"] as const;
export type InvestigationFilter = (typeof INVESTIGATION_FILTERS)[number];
export const DETERMINATIONS = ["CLEARED", "ILLEGITIMATE"] as const;
export type Determination = (typeof DETERMINATIONS)[number];
export const DISPOSITIONS = ["QUARANTINE", "DESTROY"] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

/** What an investigation covers: listed packs, a lot, or a shipment's packs. */
export type InvestigationScope =
  | { type: "packs"; packs: PackRef[] }
  | { type: "lot"; gtin: string; lot: string }
  | { type: "shipment"; shipmentId: string };

/** A document on IPFS the record references: its CID and the sha256 of its bytes (anchored with documents:AnchorDocument or not). */
export interface EvidenceRef {
  cid: string;
  sha256: string;
}

export interface InvestigationDetermination extends Stamp {
  outcome: Determination;
  reason: string;
  /** DSCSA: determination + 24 h, by when FDA and the trading partners are notified (illegitimate only). */
  notifyBy?: string;
}

export interface RegulatorNotification extends Stamp {
  reference: string;
  /** Recorded at or before determination.notifyBy. */
  withinDeadline: boolean;
}

export interface InvestigationDisposal extends Stamp {
  action: Disposition;
  packs: PackRef[];
}

export interface Investigation {
  investigationId: string;
  scope: InvestigationScope;
  reason: string;
  evidence: EvidenceRef[];
  /** Every pack the scope covers on this channel, in key order. */
  packs: PackRef[];
  /** The packs this investigation marked SUSPECT (a determination of CLEARED lifts only these). */
  marked: PackRef[];
  /** The trading partners that held, hold or were sent the packs on this channel, as the ledger shows them; the event names them. */
  partners: string[];
  status: InvestigationStatus;
  opened: Stamp;
  determination?: InvestigationDetermination;
  regulatorNotified?: RegulatorNotification;
  disposals: InvestigationDisposal[];
  closed?: Stamp & { reason: string };
}

export interface OpenInvestigationInput {
  investigationId: string;
  scope: InvestigationScope;
  reason: string;
  evidence: EvidenceRef[];
}

export interface DetermineInput {
  investigationId: string;
  outcome: Determination;
  reason: string;
}

export interface NotifyRegulatorInput {
  investigationId: string;
  /** The notification's reference at the regulator (e.g. an FDA Form 3911 number). */
  reference: string;
}

export interface DisposeInput {
  investigationId: string;
  action: Disposition;
}

export interface CloseInvestigationInput {
  investigationId: string;
  reason: string;
}

/** What a tracing request covers: one pack or one lot. */
export type TracingScope = { type: "pack"; gtin: string; serial: string } | { type: "lot"; gtin: string; lot: string };

export interface TracingRequest {
  requestId: string;
  scope: TracingScope;
  reason: string;
  /** The holders asked to answer, each once. */
  asked: string[];
  investigationId?: string;
  requested: Stamp;
  /** requested.at + 24 h. */
  respondBy: string;
}

export interface TracingAnswer {
  requestId: string;
  holder: string;
  statement: string;
  documents: EvidenceRef[];
  answered: Stamp;
  withinDeadline: boolean;
}

export interface OpenTracingInput {
  requestId: string;
  scope: TracingScope;
  reason: string;
  /** Holders to ask; when absent, every trading partner the ledger shows holding the product on this channel. */
  holders?: string[];
  investigationId?: string;
}

export interface AnswerTracingInput {
  requestId: string;
  statement: string;
  documents: EvidenceRef[];
}

/** A tracing request with the answers given so far. */
export interface TracingView extends TracingRequest {
  answers: TracingAnswer[];
}

const ID = /^[A-Za-z0-9._:-]{1,64}$/;
const ID_RULE = "must be 1-64 characters of A-Z a-z 0-9 . _ : -";

export function requireInvestigationId(field: string, value: unknown): string {
  return requirePattern(field, value, ID, ID_RULE);
}

export function requireTracingId(field: string, value: unknown): string {
  return requirePattern(field, value, ID, ID_RULE);
}

function parseEvidence(field: string, value: unknown): EvidenceRef[] {
  if (value === undefined) return [];
  const items = requireArray(field, value, 0, MAX_EVIDENCE_DOCUMENTS);
  const seen = new Set<string>();
  return items.map((item, i) => {
    const doc = requireObject(`${field}[${i}]`, item);
    const ref = { cid: parseCid(doc.cid, `${field}[${i}].cid`), sha256: requireSha256(`${field}[${i}].sha256`, doc.sha256) };
    if (seen.has(ref.sha256)) throw invalidArgument(`${field}[${i}]`, "repeats a document already listed");
    seen.add(ref.sha256);
    return ref;
  });
}

function parseScope(value: unknown): InvestigationScope {
  const scope = requireObject("scope", value);
  const type = requireOneOf("scope.type", scope.type, ["packs", "lot", "shipment"] as const);
  if (type === "packs") return { type, packs: parsePackRefs("scope.packs", scope.packs, MAX_PACKS_PER_INVESTIGATION) };
  if (type === "lot") return { type, gtin: validateGtin("scope.gtin", scope.gtin), lot: validateLot("scope.lot", scope.lot) };
  return { type, shipmentId: requireShipmentId("scope.shipmentId", scope.shipmentId) };
}

function reasonOf(fields: Fields): string {
  return requireString("reason", fields.reason, 1, MAX_REASON_LENGTH);
}

export function parseOpenInvestigationInput(fields: Fields): OpenInvestigationInput {
  return {
    investigationId: requireInvestigationId("investigationId", fields.investigationId),
    scope: parseScope(fields.scope),
    reason: reasonOf(fields),
    evidence: parseEvidence("evidence", fields.evidence),
  };
}

export function parseDetermineInput(fields: Fields): DetermineInput {
  return {
    investigationId: requireInvestigationId("investigationId", fields.investigationId),
    outcome: requireOneOf("outcome", fields.outcome, DETERMINATIONS),
    reason: reasonOf(fields),
  };
}

export function parseNotifyRegulatorInput(fields: Fields): NotifyRegulatorInput {
  return {
    investigationId: requireInvestigationId("investigationId", fields.investigationId),
    reference: requireString("reference", fields.reference, 1, 200),
  };
}

export function parseDisposeInput(fields: Fields): DisposeInput {
  return {
    investigationId: requireInvestigationId("investigationId", fields.investigationId),
    action: requireOneOf("action", fields.action, DISPOSITIONS),
  };
}

export function parseCloseInvestigationInput(fields: Fields): CloseInvestigationInput {
  return { investigationId: requireInvestigationId("investigationId", fields.investigationId), reason: reasonOf(fields) };
}

function parseTracingScope(value: unknown): TracingScope {
  const scope = requireObject("scope", value);
  const type = requireOneOf("scope.type", scope.type, ["pack", "lot"] as const);
  if (type === "pack") return { type, gtin: validateGtin("scope.gtin", scope.gtin), serial: validateSerial("scope.serial", scope.serial) };
  return { type, gtin: validateGtin("scope.gtin", scope.gtin), lot: validateLot("scope.lot", scope.lot) };
}

export function parseOpenTracingInput(fields: Fields): OpenTracingInput {
  const input: OpenTracingInput = {
    requestId: requireTracingId("requestId", fields.requestId),
    scope: parseTracingScope(fields.scope),
    reason: reasonOf(fields),
  };
  if (fields.holders !== undefined) {
    const items = requireArray("holders", fields.holders, 1, MAX_TRACING_HOLDERS);
    const holders = items.map((item, i) => requireMspId(`holders[${i}]`, item));
    const repeated = holders.findIndex((h, i) => holders.indexOf(h) !== i);
    if (repeated >= 0) throw invalidArgument(`holders[${repeated}]`, "repeats a holder already listed");
    input.holders = [...holders].sort();
  }
  if (fields.investigationId !== undefined) input.investigationId = requireInvestigationId("investigationId", fields.investigationId);
  return input;
}

export function parseAnswerTracingInput(fields: Fields): AnswerTracingInput {
  return {
    requestId: requireTracingId("requestId", fields.requestId),
    statement: requireString("statement", fields.statement, 1, 2000),
    documents: parseEvidence("documents", fields.documents),
  };
}

/** The ISO time `seconds` after an ISO time (second precision, as Tx.at). */
export function isoAfter(atIso: string, seconds: number): string {
  return new Date(Date.parse(atIso) + seconds * 1000).toISOString().replace(".000Z", "Z");
}

/** Distinct pack refs in key order. */
export function distinctPacks(refs: readonly PackRef[]): PackRef[] {
  const byKey = new Map(refs.map((r) => [packRefKey(r), { gtin: r.gtin, serial: r.serial }]));
  return [...byKey.values()].sort(comparePackRefs);
}
