import type {
  AggregationInput,
  ColdChain,
  Container,
  CommissionInput,
  DocumentInput,
  DocumentRecord,
  HandOff,
  HoldDecision,
  HoldDecisionKind,
  Lot,
  Pack,
  PackRef,
  Partner,
  Product,
  ProductInput,
  ReadingsInput,
  SaleableReturn,
  ScanInput,
  ShipReturnInput,
  ShipInput,
  Shipment,
  Subject,
  TradeTerms,
  VerifyReturnInput,
} from "./records";
import type {
  AnswerTracingInput,
  CloseInvestigationInput,
  DetermineInput,
  DisposeInput,
  Investigation,
  InvestigationFilter,
  NotifyRegulatorInput,
  OpenInvestigationInput,
  OpenTracingInput,
  TracingAnswer,
  TracingView,
} from "./investigations";
import type { PackVerification, Verification } from "./verification";
import {
  CERT_ROLES,
  DOCUMENT_KEY_TRANSIENT_KEY,
  EVENTS,
  TERMS_TRANSIENT_KEY,
  type CertRole,
  type DecommissionReason,
  type EventName,
  type OrgRole,
  type PackStatus,
  type SettableMark,
} from "./vocabulary";

/**
 * The catalog of every chaincode transaction: the one contract between the
 * chaincode and its clients. Each entry names the transaction, its contract,
 * whether clients submit or evaluate it, the events it may emit, the
 * certificate roles the chaincode accepts for it (ledger/access.ts), the
 * transient key it reads, and, as types only, its argument tuple and its
 * result. A JSON argument is typed as the object the chaincode parses; a
 * client encodes it with `encodeArguments`.
 */

const { OPERATOR, QUALITY, PHARMACIST, AUDITOR, ADMIN } = CERT_ROLES;
/** Every role a trading partner's users have. */
const TRADERS: readonly CertRole[] = [OPERATOR, QUALITY, PHARMACIST, ADMIN];
/** Every role: the transaction is open to any user of a member org with a role, the org rules decide. */
const ANY_ROLE: readonly CertRole[] = [...TRADERS, AUDITOR];

export const CONTRACTS = ["partners", "products", "packs", "shipments", "returns", "aggregation", "coldchain", "crosschannel", "documents", "investigations"] as const;
export type ContractName = (typeof CONTRACTS)[number];

export type TransactionKind = "submit" | "evaluate";

/** One transaction. `Args` and `Result` exist only as types (phantom fields). */
export interface TransactionSpec<C extends ContractName = ContractName, N extends string = string, Args extends readonly unknown[] = readonly unknown[], Result = unknown> {
  readonly contract: C;
  readonly name: N;
  /** `contract:Name`, what a client passes as the function name. */
  readonly qualified: `${C}:${N}`;
  readonly kind: TransactionKind;
  /** Events the transaction may emit, in no particular order. */
  readonly events: readonly EventName[];
  /** Certificate roles the chaincode accepts (submits only; reads are open to every role of a member). */
  readonly roles: readonly CertRole[];
  /** Transient map key the transaction reads, if any. */
  readonly transient?: string;
  readonly __args?: Args;
  readonly __result?: Result;
}

export type ArgsOf<T> = T extends TransactionSpec<ContractName, string, infer A, unknown> ? A : never;
export type ResultOf<T> = T extends TransactionSpec<ContractName, string, readonly unknown[], infer R> ? R : never;

interface Options {
  events?: readonly EventName[];
  roles?: readonly CertRole[];
  transient?: string;
}

/** Declares a transaction; curried so `Args` and `Result` are given while the names are inferred. */
function transaction<Args extends readonly unknown[], Result>() {
  return <C extends ContractName, N extends string>(contract: C, name: N, kind: TransactionKind, options: Options = {}): TransactionSpec<C, N, Args, Result> => {
    const spec: TransactionSpec<C, N, Args, Result> = {
      contract,
      name,
      qualified: `${contract}:${name}`,
      kind,
      events: options.events ?? [],
      roles: options.roles ?? (kind === "evaluate" ? ANY_ROLE : []),
    };
    return options.transient === undefined ? spec : { ...spec, transient: options.transient };
  };
}

/** A pack as packs:GetPack reports it: the record and the flags of its lot and product. */
export type PackView = Pack & { expired: boolean; recalled: boolean; withdrawn: boolean };
/** A second decommission of an inactive pack: the alert raised and the pack unchanged. */
export interface DecommissionAlert {
  code: string;
  gtin: string;
  serial: string;
  status: PackStatus;
  at: string;
  by: string;
  firstBy?: string;
  txId: string;
}
export interface AlertAnswer {
  alert: DecommissionAlert;
  pack: Pack;
}
export interface DispenseInput extends ScanInput {
  handedToPatient?: boolean;
}
export type DispenseAnswer = { verification: Verification; pack: Pack } | AlertAnswer;
export type DecommissionAnswer = { pack: Pack } | AlertAnswer;
export interface MarkInput extends PackRef {
  mark: SettableMark;
  reason: string;
}
export interface PackHistoryEntry {
  txId: string;
  at: string;
  isDelete: boolean;
  by?: string;
  pack?: Pack;
}
/** A receipt's count: loose packs scanned and containers scanned by SSCC (each counts every pack inside); one of them may be left out. */
export interface ReceiptInput {
  shipmentId: string;
  packs?: PackRef[];
  containers?: string[];
}
/** One pack inside a container as aggregation:GetContainer reports it. */
export interface ContainedPack extends PackRef {
  status: PackStatus;
  /** Active: not decommissioned, not recalled, withdrawn, expired or marked. */
  active: boolean;
  /** Why the pack is not active, when it is not. */
  cause?: string;
}
/** A container with everything inside it, nested, and the counts. */
export interface ContainerView extends Omit<Container, "packs" | "containers"> {
  packs: ContainedPack[];
  containers: ContainerView[];
  /** Packs inside, at every level. */
  packCount: number;
  /** Packs inside that are active. */
  activeCount: number;
}
/** What aggregation:Pack and Unpack accept: packs or containers may be left out (Unpack with neither empties the container). */
export type AggregationArgs = { sscc: string; packs?: AggregationInput["packs"]; containers?: string[] };
export interface HoldDecisionInput {
  shipmentId: string;
  reason: string;
}
export interface DownstreamHoldInput extends HoldDecisionInput {
  decision: HoldDecisionKind;
}
/** A page of returns:ListReturns: the returns in id order and the bookmark of the next page ("" after the last). */
export interface ReturnsPage {
  returns: SaleableReturn[];
  bookmark: string;
}
/** What VerifyReturn accepts: the scans, and the failure action when not QUARANTINE. */
export type VerifyReturnArgs = Omit<VerifyReturnInput, "onFailure"> & { onFailure?: VerifyReturnInput["onFailure"] };
/** A page of investigations:ListInvestigations and the bookmark of the next page ("" after the last). */
export interface InvestigationsPage {
  investigations: Investigation[];
  bookmark: string;
}
/** What OpenInvestigation accepts: evidence may be left out. */
export type OpenInvestigationArgs = Omit<OpenInvestigationInput, "evidence"> & { evidence?: OpenInvestigationInput["evidence"] };
/** What AnswerTracingRequest accepts: documents may be left out. */
export type AnswerTracingArgs = Omit<AnswerTracingInput, "documents"> & { documents?: AnswerTracingInput["documents"] };
export interface TermsAnswer {
  shipmentId: string;
  terms: TradeTerms;
  hashMatches: boolean;
}

export const CATALOG = {
  partners: {
    RegisterPartner: transaction<[partner: { mspId: string; name: string; role: OrgRole }], Partner>()("partners", "RegisterPartner", "submit", {
      events: [EVENTS.PARTNER_REGISTERED],
      roles: [ADMIN],
    }),
    GetPartner: transaction<[mspId: string], Partner>()("partners", "GetPartner", "evaluate"),
    ListPartners: transaction<[], Partner[]>()("partners", "ListPartners", "evaluate"),
  },
  products: {
    RegisterProduct: transaction<[product: ProductInput], Product>()("products", "RegisterProduct", "submit", {
      events: [EVENTS.PRODUCT_REGISTERED],
      roles: [OPERATOR, QUALITY, ADMIN],
    }),
    WithdrawProduct: transaction<[gtin: string, reason: string], Product>()("products", "WithdrawProduct", "submit", {
      events: [EVENTS.PRODUCT_WITHDRAWN],
      roles: [OPERATOR, QUALITY, ADMIN, AUDITOR],
    }),
    GetProduct: transaction<[gtin: string], Product>()("products", "GetProduct", "evaluate"),
  },
  packs: {
    CommissionLot: transaction<[lot: CommissionInput], { gtin: string; lot: string; expiry: string; commissioned: number }>()("packs", "CommissionLot", "submit", {
      events: [EVENTS.LOT_COMMISSIONED],
      roles: [OPERATOR, ADMIN],
    }),
    GetPack: transaction<[gtin: string, serial: string], PackView>()("packs", "GetPack", "evaluate"),
    GetLot: transaction<[gtin: string, lot: string], Lot>()("packs", "GetLot", "evaluate"),
    ListPacksByLot: transaction<[gtin: string, lot: string], Pack[]>()("packs", "ListPacksByLot", "evaluate"),
    Verify: transaction<[gtin: string, serial: string, lot: string, expiry: string], Verification>()("packs", "Verify", "evaluate"),
    // A scan's ledger answer in one evaluate: the verification and the channel's provenance of the pack.
    VerifyWithProvenance: transaction<[gtin: string, serial: string, lot: string, expiry: string], PackVerification>()("packs", "VerifyWithProvenance", "evaluate"),
    Dispense: transaction<[dispense: DispenseInput], DispenseAnswer>()("packs", "Dispense", "submit", {
      events: [EVENTS.PACK_DISPENSED, EVENTS.DECOMMISSION_ALERT_RAISED],
      roles: [PHARMACIST, OPERATOR, ADMIN],
    }),
    Decommission: transaction<[decommission: PackRef & { reason: DecommissionReason }], DecommissionAnswer>()("packs", "Decommission", "submit", {
      events: [EVENTS.PACK_DECOMMISSIONED, EVENTS.DECOMMISSION_ALERT_RAISED],
      roles: TRADERS,
    }),
    UndoDecommission: transaction<[gtin: string, serial: string], Pack>()("packs", "UndoDecommission", "submit", {
      events: [EVENTS.DECOMMISSION_UNDONE],
      // Whoever may decommission may undo it; the chaincode requires the org that decommissioned.
      roles: TRADERS,
    }),
    RecallLot: transaction<[gtin: string, lot: string, reason: string], Lot>()("packs", "RecallLot", "submit", {
      events: [EVENTS.LOT_RECALLED],
      roles: [OPERATOR, QUALITY, ADMIN, AUDITOR],
    }),
    SetMark: transaction<[mark: MarkInput], Pack>()("packs", "SetMark", "submit", { events: [EVENTS.PACK_MARKED], roles: ANY_ROLE }),
    ClearMark: transaction<[mark: MarkInput], Pack>()("packs", "ClearMark", "submit", { events: [EVENTS.PACK_MARK_CLEARED], roles: ANY_ROLE }),
    GetPackHistory: transaction<[gtin: string, serial: string], PackHistoryEntry[]>()("packs", "GetPackHistory", "evaluate"),
  },
  shipments: {
    Ship: transaction<[shipment: ShipInput], Shipment>()("shipments", "Ship", "submit", {
      events: [EVENTS.SHIPMENT_SHIPPED],
      roles: TRADERS,
      transient: TERMS_TRANSIENT_KEY,
    }),
    Receive: transaction<[receipt: ReceiptInput], Shipment>()("shipments", "Receive", "submit", {
      events: [EVENTS.SHIPMENT_RECEIVED, EVENTS.SHIPMENT_EXCEPTION_RECORDED],
      roles: TRADERS,
    }),
    GetShipment: transaction<[shipmentId: string], Shipment>()("shipments", "GetShipment", "evaluate"),
    GetTerms: transaction<[shipmentId: string], TermsAnswer>()("shipments", "GetTerms", "evaluate"),
  },
  returns: {
    // The org rules (a pharmacy ships a return, its distributor verifies it) are the contract's.
    ShipReturn: transaction<[saleableReturn: ShipReturnInput], SaleableReturn>()("returns", "ShipReturn", "submit", {
      events: [EVENTS.RETURN_SHIPPED],
      roles: TRADERS,
    }),
    VerifyReturn: transaction<[verification: VerifyReturnArgs], SaleableReturn>()("returns", "VerifyReturn", "submit", {
      events: [EVENTS.RETURN_VERIFIED],
      roles: TRADERS,
    }),
    GetReturn: transaction<[returnId: string], SaleableReturn>()("returns", "GetReturn", "evaluate"),
    // pageSize as decimal text (1-MAX_RETURNS_PAGE), bookmark "" for the first page.
    ListReturns: transaction<[pageSize: string, bookmark: string], ReturnsPage>()("returns", "ListReturns", "evaluate"),
  },
  aggregation: {
    // The caller must hold the container and everything put in or taken out (the contract's check).
    Pack: transaction<[aggregation: AggregationArgs], Container>()("aggregation", "Pack", "submit", {
      events: [EVENTS.CONTAINER_PACKED],
      roles: TRADERS,
    }),
    Unpack: transaction<[aggregation: AggregationArgs], Container>()("aggregation", "Unpack", "submit", {
      events: [EVENTS.CONTAINER_UNPACKED],
      roles: TRADERS,
    }),
    GetContainer: transaction<[sscc: string], ContainerView>()("aggregation", "GetContainer", "evaluate"),
  },
  coldchain: {
    RecordReadings: transaction<[readings: ReadingsInput], ColdChain>()("coldchain", "RecordReadings", "submit", {
      events: [EVENTS.COLD_CHAIN_READINGS_RECORDED],
      roles: TRADERS,
    }),
    // A hold decision is the manufacturer's quality function's or the regulator's (the contract checks which org).
    ReleaseHold: transaction<[decision: HoldDecisionInput], ColdChain>()("coldchain", "ReleaseHold", "submit", {
      events: [EVENTS.COLD_CHAIN_HOLD_RELEASED],
      roles: [QUALITY, AUDITOR, ADMIN],
    }),
    DestroyHeld: transaction<[decision: HoldDecisionInput], ColdChain>()("coldchain", "DestroyHeld", "submit", {
      events: [EVENTS.HELD_PACKS_DESTROYED],
      roles: [QUALITY, AUDITOR, ADMIN],
    }),
    DecideDownstreamHold: transaction<[decision: DownstreamHoldInput], HoldDecision>()("coldchain", "DecideDownstreamHold", "submit", {
      events: [EVENTS.HOLD_DECISION_RECORDED],
      roles: [QUALITY],
    }),
    GetHoldDecision: transaction<[shipmentId: string, manufacturer: string], HoldDecision>()("coldchain", "GetHoldDecision", "evaluate"),
    // Applying a mirrored decision copies what the manufacturer decided: any member may carry it.
    ApplyHoldDecision: transaction<[shipmentId: string], ColdChain>()("coldchain", "ApplyHoldDecision", "submit", {
      events: [EVENTS.COLD_CHAIN_HOLD_RELEASED, EVENTS.HELD_PACKS_DESTROYED],
      roles: ANY_ROLE,
    }),
    GetColdChain: transaction<[shipmentId: string], ColdChain>()("coldchain", "GetColdChain", "evaluate"),
  },
  crosschannel: {
    HandOff: transaction<[handOff: { packs: PackRef[]; toChannel: string }], { handedOff: number; toChannel: string }>()("crosschannel", "HandOff", "submit", {
      events: [EVENTS.PACKS_HANDED_OFF],
      roles: TRADERS,
    }),
    GetHandOffs: transaction<[query: { packs: PackRef[] }], (HandOff | null)[]>()("crosschannel", "GetHandOffs", "evaluate"),
    ImportPacks: transaction<[importing: { packs: PackRef[]; fromChannel: string }], { imported: number; fromChannel: string }>()("crosschannel", "ImportPacks", "submit", {
      events: [EVENTS.PACKS_IMPORTED],
      roles: TRADERS,
    }),
    // A sync copies what the source channel says: any member may carry it (the gateway's recall relay does).
    SyncRecall: transaction<[gtin: string, lot: string], Lot>()("crosschannel", "SyncRecall", "submit", { events: [EVENTS.LOT_RECALLED], roles: ANY_ROLE }),
    SyncWithdrawal: transaction<[gtin: string], Product>()("crosschannel", "SyncWithdrawal", "submit", { events: [EVENTS.PRODUCT_WITHDRAWN], roles: ANY_ROLE }),
    SyncHoldDecision: transaction<[shipmentId: string], HoldDecision>()("crosschannel", "SyncHoldDecision", "submit", {
      events: [EVENTS.HOLD_DECISION_SYNCED],
      roles: ANY_ROLE,
    }),
  },
  documents: {
    AnchorDocument: transaction<[document: DocumentInput], DocumentRecord>()("documents", "AnchorDocument", "submit", {
      events: [EVENTS.DOCUMENT_ANCHORED],
      roles: ANY_ROLE,
    }),
    ListDocuments: transaction<[subject: Subject], DocumentRecord[]>()("documents", "ListDocuments", "evaluate"),
    PutDocumentKey: transaction<[cid: string], { cid: string; storedAt: string }>()("documents", "PutDocumentKey", "submit", {
      events: [EVENTS.DOCUMENT_KEY_STORED],
      roles: ANY_ROLE,
      transient: DOCUMENT_KEY_TRANSIENT_KEY,
    }),
    GetDocumentKey: transaction<[cid: string], { cid: string; key: string }>()("documents", "GetDocumentKey", "evaluate"),
    PurgeDocumentKey: transaction<[cid: string], { cid: string; purgedAt: string }>()("documents", "PurgeDocumentKey", "submit", {
      events: [EVENTS.DOCUMENT_KEY_PURGED],
      roles: ANY_ROLE,
    }),
  },
  // ---- investigations: suspect/illegitimate product and tracing requests (DSCSA); the org rules are the contract's ----
  investigations: {
    // A holder of the packs or the regulator opens; the opener or the regulator determines and closes.
    OpenInvestigation: transaction<[investigation: OpenInvestigationArgs], Investigation>()("investigations", "OpenInvestigation", "submit", {
      events: [EVENTS.INVESTIGATION_OPENED],
      roles: ANY_ROLE,
    }),
    DetermineInvestigation: transaction<[determination: DetermineInput], Investigation>()("investigations", "DetermineInvestigation", "submit", {
      events: [EVENTS.INVESTIGATION_DETERMINED],
      roles: ANY_ROLE,
    }),
    RecordRegulatorNotification: transaction<[notification: NotifyRegulatorInput], Investigation>()("investigations", "RecordRegulatorNotification", "submit", {
      events: [EVENTS.REGULATOR_NOTIFIED],
      roles: TRADERS,
    }),
    // A holder quarantines or destroys the packs of an illegitimate determination it holds.
    DisposeInvestigationPacks: transaction<[disposal: DisposeInput], Investigation>()("investigations", "DisposeInvestigationPacks", "submit", {
      events: [EVENTS.INVESTIGATION_PACKS_DISPOSED],
      roles: TRADERS,
    }),
    CloseInvestigation: transaction<[closing: CloseInvestigationInput], Investigation>()("investigations", "CloseInvestigation", "submit", {
      events: [EVENTS.INVESTIGATION_CLOSED],
      roles: ANY_ROLE,
    }),
    GetInvestigation: transaction<[investigationId: string], Investigation>()("investigations", "GetInvestigation", "evaluate"),
    // pageSize as decimal text (1-MAX_INVESTIGATIONS_PAGE), bookmark "" for the first page, status "" for every status, ACTIVE for every one not closed.
    ListInvestigations: transaction<[pageSize: string, bookmark: string, status: InvestigationFilter | ""], InvestigationsPage>()("investigations", "ListInvestigations", "evaluate"),
    // Only the regulator asks (its auditor or admin); each asked holder answers once.
    OpenTracingRequest: transaction<[request: OpenTracingInput], TracingView>()("investigations", "OpenTracingRequest", "submit", {
      events: [EVENTS.TRACING_REQUESTED],
      roles: [AUDITOR, ADMIN],
    }),
    AnswerTracingRequest: transaction<[answer: AnswerTracingArgs], TracingAnswer>()("investigations", "AnswerTracingRequest", "submit", {
      events: [EVENTS.TRACING_ANSWERED],
      roles: TRADERS,
    }),
    GetTracingRequest: transaction<[requestId: string], TracingView>()("investigations", "GetTracingRequest", "evaluate"),
  },
} as const satisfies { readonly [C in ContractName]: Readonly<Record<string, TransactionSpec<C>>> };

export type Catalog = typeof CATALOG;
/** Every transaction of the catalog, as a union. */
export type AnyTransaction = { [C in ContractName]: Catalog[C][keyof Catalog[C]] }[ContractName];
/** Every `contract:Name` of the catalog. */
export type QualifiedTransaction = AnyTransaction["qualified"];

/** Every transaction of the catalog, in catalog order. */
export const TRANSACTIONS: readonly AnyTransaction[] = CONTRACTS.flatMap((contract) => Object.values(CATALOG[contract]) as AnyTransaction[]);

/** The catalog entry of a `contract:Name`, or undefined for a name the catalog does not know. */
export function findTransaction(qualified: string): AnyTransaction | undefined {
  return TRANSACTIONS.find((spec) => spec.qualified === qualified);
}

/** The string arguments a transaction is called with: strings as they are, objects as JSON. */
export function encodeArguments<T extends AnyTransaction>(_spec: T, args: ArgsOf<T>): string[] {
  return (args as readonly unknown[]).map((arg) => (typeof arg === "string" ? arg : JSON.stringify(arg)));
}
