import { invalidArgument } from "./errors";
import { validateExpiry, validateGtin, validateLot, validateSerial, validateSscc } from "./gs1";
import {
  optionalBoolean,
  optionalSha256,
  requireArray,
  requireInteger,
  requireMspId,
  requireObject,
  requireOneOf,
  requirePattern,
  requireSha256,
  requireShipmentId,
  requireString,
  type Fields,
} from "./input";
import {
  MAX_CHILD_CONTAINERS,
  MAX_CONTAINERS_PER_CALL,
  MAX_INVOICE_REF_LENGTH,
  MAX_NATIONAL_CODE_LENGTH,
  MAX_PACKS_PER_CONTAINER,
  MAX_PACKS_PER_RETURN,
  MAX_REASON_LENGTH,
} from "./limits";
import type { CentiRange } from "./mkt";
import {
  DECOMMISSION_REASONS,
  DOCUMENT_KINDS,
  ORG_ROLES,
  RETURN_FAILURE_ACTIONS,
  SETTABLE_MARKS,
  type DecommissionReason,
  type AdditionalInfo,
  type DocumentKind,
  type Mark,
  type OrgRole,
  type PackStatus,
  type ReturnCheckReason,
  type ReturnFailureAction,
  type ReturnOutcome,
  type SettableMark,
} from "./vocabulary";

/** Who did something and when (from the transaction). */
export interface Stamp {
  at: string;
  by: string;
  txId: string;
}

export interface Partner {
  mspId: string;
  name: string;
  role: OrgRole;
  registeredAt: string;
  registeredBy: string;
}

export interface Product {
  gtin: string;
  name: string;
  strength: string;
  form: string;
  nationalCode: string;
  manufacturer: string;
  storage: CentiRange;
  limits: CentiRange;
  stabilityBudgetMinutes: number;
  registeredAt: string;
  withdrawal?: Stamp & { reason: string };
}

export interface Lot {
  gtin: string;
  lot: string;
  expiry: string;
  manufacturer: string;
  packCount: number;
  commissionedAt: string;
  recall?: Stamp & { reason: string };
}

export interface Decommission extends Stamp {
  reason: PackStatus;
  previousStatus: PackStatus;
  handedToPatient: boolean;
}

export interface Pack {
  gtin: string;
  serial: string;
  lot: string;
  expiry: string;
  status: PackStatus;
  owner: string;
  marks: Mark[];
  shipmentId?: string;
  consignee?: string;
  /** The trading partner whose shipment the holder received the pack from (shipments:Receive). */
  receivedFrom?: string;
  /** The saleable return the pack travels in, while it does (returns:ShipReturn until returns:VerifyReturn). */
  returnId?: string;
  /** The SSCC of the container (case) the pack is packed in, while it is (aggregation:Pack until Unpack or it leaves the supply). */
  container?: string;
  decommission?: Decommission;
  handOff?: { toChannel: string; at: string; txId: string };
  importedFrom?: { channel: string; txId: string };
  updatedAt: string;
  updatedBy: string;
  updatedTxId: string;
}

export interface PackRef {
  gtin: string;
  serial: string;
}

export interface Shipment {
  shipmentId: string;
  shipper: string;
  consignee: string;
  /** Every pack shipped: those named, and those inside the named containers. */
  packs: PackRef[];
  /** The outer containers (SSCCs) shipped, each moving with every container and pack inside it. */
  containers?: string[];
  status: "IN_TRANSIT" | "RECEIVED" | "EXCEPTION";
  transactionInfoHash?: string;
  statementHash?: string;
  termsHash?: string;
  /** The private data collection holding the terms (termsCollection of the pair; absent on shipments from before pairs had their own). */
  termsCollection?: string;
  shippedAt: string;
  receivedAt?: string;
  /** A count that differed: every missing pack by its code (those of a missing container too), and the containers missing or not shipped. */
  exception?: { missing: PackRef[]; unexpected: PackRef[]; missingContainers?: string[]; unexpectedContainers?: string[]; at: string; txId: string };
  /** Packs of the shipment no longer in transit at receipt (destroyed on the way), with their status then. */
  notReceived?: (PackRef & { status: PackStatus; at: string; by: string })[];
}

export interface HandOff {
  gtin: string;
  serial: string;
  lot: string;
  expiry: string;
  holder: string;
  fromChannel: string;
  toChannel: string;
  at: string;
  txId: string;
  product: Product;
  lotRecord: Lot;
  /** The SSCCs the pack was packed in when handed off, innermost first: the import packs it the same way downstream. */
  containers?: string[];
}

export type HoldStatus = "NONE" | "HELD" | "RELEASED" | "DESTROYED";

export interface ColdChain {
  shipmentId: string;
  readingCount: number;
  firstAt: number;
  lastAt: number;
  minCentiCelsius: number;
  maxCentiCelsius: number;
  secondsOutOfRange: number;
  minutesOutOfRange: number;
  mktCentiCelsius: number;
  weightSeconds: number;
  /** The exact integer MKT sum (domain/mkt.ts), as a decimal string: JSON has no big integers. */
  mktSum: string;
  absoluteLimitBreached: boolean;
  budgetExceeded: boolean;
  hold: { status: HoldStatus; at?: string; by?: string; reason?: string };
}

export type HoldDecisionKind = "release" | "destroy";

/**
 * A manufacturer's quality decision on a cold-chain hold of a shipment on the
 * downstream channel, recorded on the source channel (the manufacturer is not a
 * member downstream) and mirrored downstream by crosschannel:SyncHoldDecision.
 */
export interface HoldDecision {
  channel: string;
  shipmentId: string;
  decision: HoldDecisionKind;
  reason: string;
  manufacturer: string;
  at: string;
  txId: string;
}

export function parseHoldDecisionInput(fields: Fields): { shipmentId: string; decision: HoldDecisionKind; reason: string } {
  return {
    shipmentId: requireShipmentId("shipmentId", fields.shipmentId),
    decision: requireOneOf("decision", fields.decision, ["release", "destroy"] as const),
    reason: parseReason(fields.reason),
  };
}

export type Subject =
  | { type: "product"; gtin: string }
  | { type: "lot"; gtin: string; lot: string }
  | { type: "pack"; gtin: string; serial: string }
  | { type: "shipment"; shipmentId: string };

export interface DocumentRecord {
  sha256: string;
  cid: string;
  kind: DocumentKind;
  subject: Subject;
  encrypted: boolean;
  anchoredAt: string;
  anchoredBy: string;
  txId: string;
}

// ---- validated inputs --------------------------------------------------------

export function parsePartnerInput(fields: Fields): { mspId: string; name: string; role: OrgRole } {
  return {
    mspId: requireMspId("mspId", fields.mspId),
    name: requireString("name", fields.name),
    role: requireOneOf("role", fields.role, Object.values(ORG_ROLES)),
  };
}

const CENTI_MIN = -8000;
const CENTI_MAX = 8000;

function parseRange(field: string, value: unknown): CentiRange {
  const range = requireObject(field, value);
  const min = requireInteger(`${field}.minCentiCelsius`, range.minCentiCelsius, CENTI_MIN, CENTI_MAX);
  const max = requireInteger(`${field}.maxCentiCelsius`, range.maxCentiCelsius, CENTI_MIN, CENTI_MAX);
  if (min >= max) throw invalidArgument(`${field}.maxCentiCelsius`, `must be greater than ${field}.minCentiCelsius`);
  return { minCentiCelsius: min, maxCentiCelsius: max };
}

export type ProductInput = Omit<Product, "manufacturer" | "registeredAt" | "withdrawal">;

export function parseProductInput(fields: Fields): ProductInput {
  const storage = parseRange("storage", fields.storage);
  const limits = parseRange("limits", fields.limits);
  if (limits.minCentiCelsius > storage.minCentiCelsius || limits.maxCentiCelsius < storage.maxCentiCelsius) {
    throw invalidArgument("limits", "must contain the storage range");
  }
  return {
    gtin: validateGtin("gtin", fields.gtin),
    name: requireString("name", fields.name),
    strength: requireString("strength", fields.strength),
    form: requireString("form", fields.form),
    nationalCode: requireString("nationalCode", fields.nationalCode, 1, MAX_NATIONAL_CODE_LENGTH),
    storage,
    limits,
    stabilityBudgetMinutes: requireInteger("stabilityBudgetMinutes", fields.stabilityBudgetMinutes, 0, 525_600),
  };
}

export function parsePackRef(field: string, value: unknown): PackRef {
  const ref = requireObject(field, value);
  return { gtin: validateGtin(`${field}.gtin`, ref.gtin), serial: validateSerial(`${field}.serial`, ref.serial) };
}

export function packRefKey(ref: PackRef): string {
  return `${ref.gtin}\u0000${ref.serial}`;
}

export function comparePackRefs(a: PackRef, b: PackRef): number {
  const ka = packRefKey(a);
  const kb = packRefKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** A non-empty list of distinct pack references, sorted unless `keepOrder`. */
export function parsePackRefs(field: string, value: unknown, max: number, keepOrder = false): PackRef[] {
  const items = requireArray(field, value, 1, max);
  const seen = new Set<string>();
  const refs = items.map((item, i) => {
    const ref = parsePackRef(`${field}[${i}]`, item);
    const key = packRefKey(ref);
    if (seen.has(key)) throw invalidArgument(`${field}[${i}]`, "repeats a pack already listed");
    seen.add(key);
    return ref;
  });
  return keepOrder ? refs : refs.sort(comparePackRefs);
}

export interface CommissionInput {
  gtin: string;
  lot: string;
  expiry: string;
  serials: string[];
}

export function parseCommissionInput(fields: Fields, max: number): CommissionInput {
  const gtin = validateGtin("gtin", fields.gtin);
  const lot = validateLot("lot", fields.lot);
  const expiry = validateExpiry("expiry", fields.expiry);
  const items = requireArray("serials", fields.serials, 1, max);
  const seen = new Set<string>();
  const serials = items.map((item, i) => {
    const serial = validateSerial(`serials[${i}]`, item);
    if (seen.has(serial)) throw invalidArgument(`serials[${i}]`, `repeats serial ${serial} within the batch`);
    seen.add(serial);
    return serial;
  });
  return { gtin, lot, expiry, serials };
}

export interface ScanInput {
  gtin: string;
  serial: string;
  lot: string;
  expiry: string;
}

export function parseScanInput(fields: Fields): ScanInput {
  return {
    gtin: validateGtin("gtin", fields.gtin),
    serial: validateSerial("serial", fields.serial),
    lot: validateLot("lot", fields.lot),
    expiry: validateExpiry("expiry", fields.expiry),
  };
}

export function parseDecommissionReason(value: unknown): DecommissionReason {
  return requireOneOf("reason", value, DECOMMISSION_REASONS);
}

export function parseMarkInput(fields: Fields): PackRef & { mark: SettableMark; reason: string } {
  return {
    gtin: validateGtin("gtin", fields.gtin),
    serial: validateSerial("serial", fields.serial),
    mark: requireOneOf("mark", fields.mark, SETTABLE_MARKS),
    reason: requireString("reason", fields.reason, 1, MAX_REASON_LENGTH),
  };
}

export function parseReason(value: unknown): string {
  return requireString("reason", value, 1, MAX_REASON_LENGTH);
}

export interface ShipInput {
  shipmentId: string;
  consignee: string;
  /** Loose packs; may be left out when containers are named. */
  packs: PackRef[];
  /** Outer containers by SSCC; every pack inside moves. */
  containers?: string[];
  transactionInfoHash?: string;
  statementHash?: string;
}

/**
 * The packs and containers of a shipment or receipt: packs may be left out
 * (or empty) when containers are named, and the reverse; one is required.
 */
export function parseGoods(fields: Fields, maxPacks: number): { packs: PackRef[]; containers: string[] } {
  const containers = fields.containers === undefined ? [] : parseSsccs("containers", fields.containers, 1, MAX_CONTAINERS_PER_CALL);
  const noPacks = fields.packs === undefined || (Array.isArray(fields.packs) && fields.packs.length === 0);
  const packs = noPacks && containers.length > 0 ? [] : parsePackRefs("packs", fields.packs, maxPacks);
  return { packs, containers };
}

export function parseShipInput(fields: Fields, max: number): ShipInput {
  const { packs, containers } = parseGoods(fields, max);
  const input: ShipInput = {
    shipmentId: requireShipmentId("shipmentId", fields.shipmentId),
    consignee: requireMspId("consignee", fields.consignee),
    packs,
  };
  if (containers.length > 0) input.containers = containers;
  const info = optionalSha256("transactionInfoHash", fields.transactionInfoHash);
  const statement = optionalSha256("statementHash", fields.statementHash);
  if (info !== undefined) input.transactionInfoHash = info;
  if (statement !== undefined) input.statementHash = statement;
  return input;
}

export interface TradeTerms {
  price: string;
  currency: string;
  quantity: number;
  invoiceRef: string;
}

export function parseTerms(fields: Fields): TradeTerms {
  return {
    price: requirePattern("terms.price", fields.price, /^\d{1,12}(\.\d{1,4})?$/, "must be a decimal string such as 1250.00"),
    currency: requirePattern("terms.currency", fields.currency, /^[A-Z]{3}$/, "must be an ISO 4217 code of 3 capital letters"),
    quantity: requireInteger("terms.quantity", fields.quantity, 1, 10_000_000),
    invoiceRef: requireString("terms.invoiceRef", fields.invoiceRef, 1, MAX_INVOICE_REF_LENGTH),
  };
}

export interface Reading {
  at: number;
  centiCelsius: number;
}

export interface ReadingsInput {
  shipmentId: string;
  intervalSeconds: number;
  readings: Reading[];
}

/** Earliest accepted reading time: 2000-01-01T00:00:00Z. */
export const EARLIEST_READING = 946_684_800;
/** Allowed clock skew of a logger ahead of the transaction time. */
export const READING_SKEW_SECONDS = 300;

export function parseReadingsInput(fields: Fields, nowSeconds: number, max: number): ReadingsInput {
  const shipmentId = requireShipmentId("shipmentId", fields.shipmentId);
  const intervalSeconds = requireInteger("intervalSeconds", fields.intervalSeconds, 1, 86_400);
  const items = requireArray("readings", fields.readings, 1, max);
  let previous = Number.NEGATIVE_INFINITY;
  const readings = items.map((item, i) => {
    const reading = requireObject(`readings[${i}]`, item);
    const at = requireInteger(`readings[${i}].at`, reading.at, EARLIEST_READING, nowSeconds + READING_SKEW_SECONDS);
    if (at <= previous) throw invalidArgument(`readings[${i}].at`, "must be later than the previous reading");
    previous = at;
    return { at, centiCelsius: requireInteger(`readings[${i}].centiCelsius`, reading.centiCelsius, CENTI_MIN, CENTI_MAX) };
  });
  return { shipmentId, intervalSeconds, readings };
}

export function parseSubject(value: unknown, field = "subject"): Subject {
  const fields = requireObject(field, value);
  const type = requireOneOf(`${field}.type`, fields.type, ["product", "lot", "pack", "shipment"] as const);
  switch (type) {
    case "product":
      return { type, gtin: validateGtin(`${field}.gtin`, fields.gtin) };
    case "lot":
      return { type, gtin: validateGtin(`${field}.gtin`, fields.gtin), lot: validateLot(`${field}.lot`, fields.lot) };
    case "pack":
      return { type, gtin: validateGtin(`${field}.gtin`, fields.gtin), serial: validateSerial(`${field}.serial`, fields.serial) };
    case "shipment":
      return { type, shipmentId: requireShipmentId(`${field}.shipmentId`, fields.shipmentId) };
  }
}

/** The subject's identity as composite-key attributes. */
export function subjectKeyParts(subject: Subject): string[] {
  switch (subject.type) {
    case "product":
      return [subject.type, subject.gtin];
    case "lot":
      return [subject.type, subject.gtin, subject.lot];
    case "pack":
      return [subject.type, subject.gtin, subject.serial];
    case "shipment":
      return [subject.type, subject.shipmentId];
  }
}

const CID = /^[A-Za-z0-9]{46,100}$/;

export function parseCid(value: unknown, field = "cid"): string {
  return requirePattern(field, value, CID, "must be an IPFS CID: 46-100 letters and digits");
}

/** A document encryption key: AES-256, 32 bytes, sent base64-encoded. */
export function parseDocumentKey(base64: string, field = "key"): string {
  const canonical = /^[A-Za-z0-9+/]{43}=$/.test(base64) ? Buffer.from(base64, "base64") : undefined;
  if (canonical?.length !== 32) throw invalidArgument(field, "must be 32 bytes (AES-256) encoded as base64");
  return base64;
}

export interface DocumentInput {
  sha256: string;
  cid: string;
  kind: DocumentKind;
  subject: Subject;
  encrypted: boolean;
}

export function parseDocumentInput(fields: Fields): DocumentInput {
  return {
    sha256: requireSha256("sha256", fields.sha256),
    cid: parseCid(fields.cid),
    kind: requireOneOf("kind", fields.kind, DOCUMENT_KINDS),
    subject: parseSubject(fields.subject),
    encrypted: optionalBoolean("encrypted", fields.encrypted, false),
  };
}

// ---- saleable returns ------------------------------------------------------

/** The distributor's check of one returned pack and what became of it. */
export interface ReturnCheck {
  gtin: string;
  serial: string;
  verified: boolean;
  /** The first failing reason: a verification reason, or NOT_SOLD_TO_PHARMACY. */
  reason?: ReturnCheckReason;
  /** Every verification condition that held for the pack (domain/verification.ts). */
  additionalInfo: AdditionalInfo[];
  /** The lot and expiry the distributor scanned. */
  scannedLot: string;
  scannedExpiry: string;
  outcome: ReturnOutcome;
}

/**
 * A saleable return: packs a pharmacy sends back to the distributor that sold
 * them, in transit until the distributor verifies each one; then resaleable,
 * quarantined or destroyed.
 */
export interface SaleableReturn {
  returnId: string;
  pharmacy: string;
  distributor: string;
  reason: string;
  packs: PackRef[];
  status: "IN_TRANSIT" | "VERIFIED";
  shippedAt: string;
  shippedTxId: string;
  verifiedAt?: string;
  verifiedTxId?: string;
  checks?: ReturnCheck[];
}

export interface ShipReturnInput {
  returnId: string;
  distributor: string;
  packs: PackRef[];
  reason: string;
}

export function requireReturnId(field: string, value: unknown): string {
  return requirePattern(field, value, /^[A-Za-z0-9._:-]{1,64}$/, "must be 1-64 characters of A-Z a-z 0-9 . _ : -");
}

export function parseShipReturnInput(fields: Fields): ShipReturnInput {
  return {
    returnId: requireReturnId("returnId", fields.returnId),
    distributor: requireMspId("distributor", fields.distributor),
    packs: parsePackRefs("packs", fields.packs, MAX_PACKS_PER_RETURN),
    reason: parseReason(fields.reason),
  };
}

export interface VerifyReturnInput {
  returnId: string;
  /** Each returned pack as the distributor scanned it; the set must equal the return's packs. */
  packs: ScanInput[];
  /** What becomes of a pack that fails the check (default QUARANTINE). */
  onFailure: ReturnFailureAction;
}

export function parseVerifyReturnInput(fields: Fields): VerifyReturnInput {
  const returnId = requireReturnId("returnId", fields.returnId);
  const items = requireArray("packs", fields.packs, 1, MAX_PACKS_PER_RETURN);
  const seen = new Set<string>();
  const packs = items.map((item, i) => {
    const scan = requireObject(`packs[${i}]`, item);
    const parsed: ScanInput = {
      gtin: validateGtin(`packs[${i}].gtin`, scan.gtin),
      serial: validateSerial(`packs[${i}].serial`, scan.serial),
      lot: validateLot(`packs[${i}].lot`, scan.lot),
      expiry: validateExpiry(`packs[${i}].expiry`, scan.expiry),
    };
    if (seen.has(packRefKey(parsed))) throw invalidArgument(`packs[${i}]`, "repeats a pack already listed");
    seen.add(packRefKey(parsed));
    return parsed;
  });
  const onFailure = fields.onFailure === undefined ? "QUARANTINE" : requireOneOf("onFailure", fields.onFailure, RETURN_FAILURE_ACTIONS);
  return { returnId, packs, onFailure };
}

// ---- aggregation -----------------------------------------------------------

/**
 * A logistic unit identified by an SSCC: a case holding packs, or a pallet
 * (or case) holding cases, up to MAX_AGGREGATION_DEPTH levels. It lists only
 * what it holds directly; a pack and a container inside it name it
 * (Pack.container, Container.parent). Its holder is always its packs' holder:
 * a shipment moves both.
 */
export interface Container {
  sscc: string;
  owner: string;
  status: "HELD" | "IN_TRANSIT";
  packs: PackRef[];
  containers: string[];
  /** 1 for a container of packs only; one more than the highest container inside. */
  level: number;
  parent?: string;
  shipmentId?: string;
  consignee?: string;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
  updatedTxId: string;
}

/** A non-empty (unless min is 0) list of distinct SSCCs, sorted. */
export function parseSsccs(field: string, value: unknown, min: number, max: number): string[] {
  const items = requireArray(field, value, min, max);
  const seen = new Set<string>();
  return items
    .map((item, i) => {
      const sscc = validateSscc(`${field}[${i}]`, item);
      if (seen.has(sscc)) throw invalidArgument(`${field}[${i}]`, "repeats a container already listed");
      seen.add(sscc);
      return sscc;
    })
    .sort();
}

/** What aggregation:Pack and aggregation:Unpack take: the container and the packs and containers put in or taken out. */
export interface AggregationInput {
  sscc: string;
  packs: PackRef[];
  containers: string[];
}

/** Packs and child containers to put into a container; at least one of them. */
export function parseAggregationInput(fields: Fields, emptyMeansAll: boolean): AggregationInput {
  const sscc = validateSscc("sscc", fields.sscc);
  const packs = fields.packs === undefined ? [] : requireArray("packs", fields.packs, 0, MAX_PACKS_PER_CONTAINER).length === 0 ? [] : parsePackRefs("packs", fields.packs, MAX_PACKS_PER_CONTAINER);
  const containers = fields.containers === undefined ? [] : parseSsccs("containers", fields.containers, 0, MAX_CHILD_CONTAINERS);
  if (!emptyMeansAll && packs.length === 0 && containers.length === 0) throw invalidArgument("packs", "must name at least one pack or container to pack");
  const self = containers.indexOf(sscc);
  if (self >= 0) throw invalidArgument(`containers[${self}]`, "is the container itself");
  return { sscc, packs, containers };
}
