/** Pack lifecycle statuses (docs/chaincode-api.md). */
export const PACK_STATUSES = {
  COMMISSIONED: "COMMISSIONED",
  IN_TRANSIT: "IN_TRANSIT",
  RECEIVED: "RECEIVED",
  HANDED_OFF: "HANDED_OFF",
  DISPENSED: "DISPENSED",
  EXPORTED: "EXPORTED",
  CHECKED_OUT: "CHECKED_OUT",
  SAMPLE: "SAMPLE",
  FREE_SAMPLE: "FREE_SAMPLE",
  LOCKED: "LOCKED",
  DESTROYED: "DESTROYED",
  STOLEN: "STOLEN",
} as const;
export type PackStatus = (typeof PACK_STATUSES)[keyof typeof PACK_STATUSES];

/**
 * Reasons accepted by packs:Decommission, the EU FMD pack statuses other than
 * supplied (dispensing has its own transaction): exported out of the EU, checked
 * out of the verified supply (to a hospital or another party outside the
 * system), a sample for the authorities, a free sample, locked, destroyed, stolen.
 */
export const DECOMMISSION_REASONS = ["EXPORTED", "CHECKED_OUT", "SAMPLE", "FREE_SAMPLE", "LOCKED", "DESTROYED", "STOLEN"] as const;
export type DecommissionReason = (typeof DECOMMISSION_REASONS)[number];

export const DECOMMISSIONED_STATUSES: readonly PackStatus[] = ["DISPENSED", ...DECOMMISSION_REASONS];
export const TERMINAL_STATUSES: readonly PackStatus[] = ["DESTROYED", "STOLEN"];

export function isDecommissioned(status: PackStatus): boolean {
  return DECOMMISSIONED_STATUSES.includes(status);
}

/** Statuses a pack may be shipped from. */
export const SHIPPABLE_STATUSES: readonly PackStatus[] = ["COMMISSIONED", "RECEIVED"];

/** Overlays kept on the pack; each blocks movement. */
export const MARKS = {
  QUARANTINED: "QUARANTINED",
  COLD_CHAIN_HOLD: "COLD_CHAIN_HOLD",
  SUSPECT: "SUSPECT",
  ILLEGITIMATE: "ILLEGITIMATE",
} as const;
export type Mark = (typeof MARKS)[keyof typeof MARKS];
/** Marks callers may set and clear through packs:SetMark / ClearMark. */
export const SETTABLE_MARKS = ["QUARANTINED", "SUSPECT", "ILLEGITIMATE"] as const;
export type SettableMark = (typeof SETTABLE_MARKS)[number];

/** Organisation roles in the consortium. */
export const ORG_ROLES = {
  MANUFACTURER: "Manufacturer",
  DISTRIBUTOR: "Distributor",
  PHARMACY: "Pharmacy",
  REGULATOR: "Regulator",
} as const;
export type OrgRole = (typeof ORG_ROLES)[keyof typeof ORG_ROLES];

/**
 * Decommission reasons only some org roles may set; any holder sets the others.
 * Free samples are handed out by the manufacturer (Delegated Regulation (EU)
 * 2016/161, Art. 41), never by a wholesaler or a pharmacy.
 */
export const DECOMMISSION_REASON_ROLES: Readonly<Partial<Record<DecommissionReason, readonly OrgRole[]>>> = {
  FREE_SAMPLE: [ORG_ROLES.MANUFACTURER],
};

/** Certificate attribute naming the user's function within its org. */
export const ROLE_ATTRIBUTE = "rxtrace.role";
export const CERT_ROLES = { OPERATOR: "operator", QUALITY: "quality", PHARMACIST: "pharmacist", AUDITOR: "auditor", ADMIN: "admin" } as const;
/** A user's function: its `rxtrace.role` attribute, or `admin` for an org admin certificate (OU admin). */
export type CertRole = (typeof CERT_ROLES)[keyof typeof CERT_ROLES];

/** The regulator's MSP id: registers partners. */
export const REGULATOR_MSP = "RegulatorMSP";

/** Verification failure reasons in the order they are reported. */
export const VERIFY_REASONS = {
  NO_MATCH_GTIN_SERIAL: "NO_MATCH_GTIN_SERIAL",
  LOT_MISMATCH: "LOT_MISMATCH",
  EXPIRY_MISMATCH: "EXPIRY_MISMATCH",
  /** Both the lot and the expiry differ from the ledger's (GS1's No_match_GTIN_Serial_Lot_Expiry). */
  LOT_AND_EXPIRY_MISMATCH: "LOT_AND_EXPIRY_MISMATCH",
} as const;

/** Additional information in a verification answer, in priority order. */
export const ADDITIONAL_INFO = {
  ILLEGITIMATE: "ILLEGITIMATE",
  RECALLED: "RECALLED",
  WITHDRAWN: "WITHDRAWN",
  SUSPECT: "SUSPECT",
  ALREADY_DECOMMISSIONED: "ALREADY_DECOMMISSIONED",
  EXPIRED: "EXPIRED",
  COLD_CHAIN_HOLD: "COLD_CHAIN_HOLD",
  QUARANTINED: "QUARANTINED",
} as const;
export type AdditionalInfo = (typeof ADDITIONAL_INFO)[keyof typeof ADDITIONAL_INFO];
export type VerifyReason = (typeof VERIFY_REASONS)[keyof typeof VERIFY_REASONS] | AdditionalInfo;

/**
 * Why a returned pack fails the distributor's check beyond a pack verification:
 * the ledger does not show it received by the returning pharmacy from this
 * distributor (a saleable return goes back only to the wholesaler that sold it).
 */
export const RETURN_CHECKS = { NOT_SOLD_TO_PHARMACY: "NOT_SOLD_TO_PHARMACY" } as const;
export type ReturnCheckReason = VerifyReason | (typeof RETURN_CHECKS)[keyof typeof RETURN_CHECKS];

/**
 * What a distributor does with a returned pack that fails its check: keep it
 * out of saleable stock (QUARANTINE, the default) or destroy it. A pack marked
 * SUSPECT or ILLEGITIMATE is always quarantined: it is the regulator's evidence.
 */
export const RETURN_FAILURE_ACTIONS = ["QUARANTINE", "DESTROY"] as const;
export type ReturnFailureAction = (typeof RETURN_FAILURE_ACTIONS)[number];
/** The outcome of each returned pack: back in saleable stock, quarantined or destroyed. */
export const RETURN_OUTCOMES = ["RESALEABLE", "QUARANTINED", "DESTROYED"] as const;
export type ReturnOutcome = (typeof RETURN_OUTCOMES)[number];

/** Alert raised by a second decommission. */
export const ALERT_ALREADY_INACTIVE = "ALREADY_INACTIVE";

export const DOCUMENT_KINDS = [
  "CERTIFICATE_OF_ANALYSIS",
  "TRANSACTION_INFORMATION",
  "TRANSACTION_STATEMENT",
  "TRANSACTION_HISTORY",
  "SHIPPING_DOCUMENT",
  "TEMPERATURE_LOG",
  "RECALL_NOTICE",
  "OTHER",
] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/** Chaincode event names: one per transaction, past tense. */
export const EVENTS = {
  PARTNER_REGISTERED: "PartnerRegistered",
  PRODUCT_REGISTERED: "ProductRegistered",
  PRODUCT_WITHDRAWN: "ProductWithdrawn",
  LOT_COMMISSIONED: "LotCommissioned",
  LOT_RECALLED: "LotRecalled",
  PACK_DISPENSED: "PackDispensed",
  PACK_DECOMMISSIONED: "PackDecommissioned",
  DECOMMISSION_ALERT_RAISED: "DecommissionAlertRaised",
  DECOMMISSION_UNDONE: "DecommissionUndone",
  PACK_MARKED: "PackMarked",
  PACK_MARK_CLEARED: "PackMarkCleared",
  SHIPMENT_SHIPPED: "ShipmentShipped",
  SHIPMENT_RECEIVED: "ShipmentReceived",
  SHIPMENT_EXCEPTION_RECORDED: "ShipmentExceptionRecorded",
  PACKS_HANDED_OFF: "PacksHandedOff",
  PACKS_IMPORTED: "PacksImported",
  COLD_CHAIN_READINGS_RECORDED: "ColdChainReadingsRecorded",
  COLD_CHAIN_HOLD_RELEASED: "ColdChainHoldReleased",
  HELD_PACKS_DESTROYED: "HeldPacksDestroyed",
  HOLD_DECISION_RECORDED: "HoldDecisionRecorded",
  HOLD_DECISION_SYNCED: "HoldDecisionSynced",
  DOCUMENT_ANCHORED: "DocumentAnchored",
  DOCUMENT_KEY_STORED: "DocumentKeyStored",
  DOCUMENT_KEY_PURGED: "DocumentKeyPurged",
  RETURN_SHIPPED: "ReturnShipped",
  RETURN_VERIFIED: "ReturnVerified",
  // ---- investigations (docs/chaincode-api.md, "Investigations") ----
  INVESTIGATION_OPENED: "InvestigationOpened",
  INVESTIGATION_DETERMINED: "InvestigationDetermined",
  REGULATOR_NOTIFIED: "RegulatorNotified",
  INVESTIGATION_PACKS_DISPOSED: "InvestigationPacksDisposed",
  INVESTIGATION_CLOSED: "InvestigationClosed",
  TRACING_REQUESTED: "TracingRequested",
  TRACING_ANSWERED: "TracingAnswered",
  CONTAINER_PACKED: "ContainerPacked",
  CONTAINER_UNPACKED: "ContainerUnpacked",
} as const;
export type EventName = (typeof EVENTS)[keyof typeof EVENTS];

/** Envelope every event payload shares. */
export interface EventEnvelope {
  type: EventName;
  txId: string;
  at: string;
  by: string;
}

/**
 * Chaincode name and channels. Constants, never read from the peer's
 * environment: every endorsing peer must compute the same write set, whatever
 * its process was started with.
 */
export const CHAINCODE_NAME = "rxtrace";
export const SOURCE_CHANNEL = "mfr-dist";
export const DOWNSTREAM_CHANNEL = "dist-pharm";
/**
 * Private data collection of a channel's founding trading pair, where terms
 * were kept before each pair had its own collection. Fabric never drops a
 * collection from a definition, so it stays defined; only old shipments
 * (without `termsCollection`) read from it.
 */
export const TERMS_COLLECTION = "tradeTerms";
/**
 * The private data collection of one trading pair: a shipment's terms live
 * where only its shipper's and consignee's peers hold them, so a member that
 * joins a channel later never reads the terms of pairs it is not part of.
 * Named by the two MSP ids in code-point order (scripts/network/lib/topology.sh
 * defines one for every pair of a channel's trading partners).
 */
export function termsCollection(a: string, b: string): string {
  return [TERMS_COLLECTION, ...[a, b].sort()].join("-");
}
/** An org's own implicit private data collection (document keys). */
export function implicitOrgCollection(mspId: string): string {
  return `_implicit_org_${mspId}`;
}
/** Transient map key holding a document's encryption key (base64). */
export const DOCUMENT_KEY_TRANSIENT_KEY = "key";
/** Transient map key holding a shipment's commercial terms. */
export const TERMS_TRANSIENT_KEY = "terms";

/**
 * How long after a shipment's receipt its readings are still accepted: 24 h, so
 * a data logger read out at the consignee can be uploaded. Only readings taken
 * up to the receipt count; after it the packs are the consignee's stock.
 */
export const READINGS_GRACE_SECONDS = 24 * 3600;
/** Undo window for a decommission: 10 days. */
export const UNDO_WINDOW_SECONDS = 10 * 24 * 3600;
