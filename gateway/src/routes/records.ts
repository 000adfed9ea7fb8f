/**
 * Response schemas of the ledger records (TypeBox: the OpenAPI document and
 * the response serializer). Each is checked against the record type of
 * @rxtrace/domain at compile time (`describes`): a record that gains, loses or
 * retypes a field fails tsc until its schema follows.
 */
import type { FastifyInstance } from "fastify";
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import {
  ADDITIONAL_INFO,
  DOCUMENT_KINDS,
  MARKS,
  ORG_ROLES,
  PACK_STATUSES,
  RETURN_CHECKS,
  RETURN_OUTCOMES,
  type CATALOG,
  type ColdChain as ColdChainRecord,
  type Container as ContainerRecord,
  type ContainerView as ContainerViewRecord,
  type DecommissionAlert as DecommissionAlertRecord,
  type DocumentRecord as DocumentRecordType,
  type HoldDecision as HoldDecisionRecord,
  type Lot as LotRecord,
  type Pack as PackRecord,
  type PackHistoryEntry as PackHistoryEntryRecord,
  type PackView as PackViewRecord,
  type Partner as PartnerRecord,
  type Product as ProductRecord,
  type ResultOf,
  type ReturnsPage as ReturnsPageRecord,
  type SaleableReturn as SaleableReturnRecord,
  type Shipment as ShipmentRecord,
  type TermsAnswer as TermsAnswerRecord,
  type Verification,
  VERIFY_REASONS,
} from "@rxtrace/domain";

/**
 * The routes of a plugin that answers ledger records send them as the chaincode
 * returned them, not through the response schema's compiled serializer: that
 * one answers 500 for a record missing a required field (one written before
 * the field existed), and a 500 on a committed write invites a retry of a
 * write that is done. The schemas describe the records in the OpenAPI
 * document, and tsc ties them to the domain's types.
 */
export function sendRecordsAsReturned(app: FastifyInstance): void {
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
}

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** Returns the schema when its static type is exactly the record `R`; otherwise the call fails tsc. */
export function describes<R>() {
  return <S extends TSchema>(schema: S, ..._exact: Same<Static<S>, R> extends true ? [] : [mismatch: { schema: Static<S>; record: R }]): S => schema;
}

export const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));

const PackStatus = literals(Object.values(PACK_STATUSES));
const MarkName = literals(Object.values(MARKS));
export const Text = Type.String();
export const At = Type.String({ description: "transaction time, ISO 8601" });
export const Stamp = { at: At, by: Type.String({ description: "MSP id" }), txId: Type.String() };
const CentiRange = Type.Object({ minCentiCelsius: Type.Integer(), maxCentiCelsius: Type.Integer() });
export const PackRef = Type.Object({ gtin: Text, serial: Text });

export const Partner = describes<PartnerRecord>()(
  Type.Object({ mspId: Text, name: Text, role: literals(Object.values(ORG_ROLES)), registeredAt: At, registeredBy: Text }),
);

export const Product = describes<ProductRecord>()(
  Type.Object(
    {
      gtin: Text,
      name: Text,
      strength: Text,
      form: Text,
      nationalCode: Text,
      manufacturer: Text,
      storage: CentiRange,
      limits: CentiRange,
      stabilityBudgetMinutes: Type.Integer(),
      registeredAt: At,
      withdrawal: Type.Optional(Type.Object({ ...Stamp, reason: Text })),
    },
  ),
);

export const Lot = describes<LotRecord>()(
  Type.Object(
    {
      gtin: Text,
      lot: Text,
      expiry: Text,
      manufacturer: Text,
      packCount: Type.Integer(),
      commissionedAt: At,
      recall: Type.Optional(Type.Object({ ...Stamp, reason: Text })),
    },
  ),
);

const packFields = {
  gtin: Text,
  serial: Text,
  lot: Text,
  expiry: Text,
  status: PackStatus,
  owner: Text,
  marks: Type.Array(MarkName),
  shipmentId: Type.Optional(Text),
  consignee: Type.Optional(Text),
  receivedFrom: Type.Optional(Text),
  returnId: Type.Optional(Text),
  container: Type.Optional(Type.String({ description: "SSCC of the case the pack is packed in" })),
  decommission: Type.Optional(Type.Object({ ...Stamp, reason: PackStatus, previousStatus: PackStatus, handedToPatient: Type.Boolean() })),
  handOff: Type.Optional(Type.Object({ toChannel: Text, at: At, txId: Text })),
  importedFrom: Type.Optional(Type.Object({ channel: Text, txId: Text })),
  updatedAt: At,
  updatedBy: Text,
  updatedTxId: Text,
};

export const Pack = describes<PackRecord>()(Type.Object(packFields));

/** A pack as packs:GetPack reports it: the record and the flags of its lot and product. */
export const PackView = describes<PackViewRecord>()(
  Type.Object({ ...packFields, expired: Type.Boolean(), recalled: Type.Boolean(), withdrawn: Type.Boolean() }),
);

export const PackHistoryEntry = describes<PackHistoryEntryRecord>()(
  Type.Object({ txId: Text, at: At, isDelete: Type.Boolean(), by: Type.Optional(Text), pack: Type.Optional(Pack) }),
);

export const DecommissionAlert = describes<DecommissionAlertRecord>()(
  Type.Object({ code: Text, gtin: Text, serial: Text, status: PackStatus, at: At, by: Text, firstBy: Type.Optional(Text), txId: Text }),
);

/** packs:Decommission's answer: the pack, or (a second decommission) the alert raised and the pack unchanged. */
export const DecommissionAnswer = describes<ResultOf<typeof CATALOG.packs.Decommission>>()(
  Type.Union([Type.Object({ pack: Pack }), Type.Object({ alert: DecommissionAlert, pack: Pack })]),
);

/** The chaincode's verification of a pack (inside a dispense's answer; GET /v1/verify adds custody and blocks to it). */
export const VerificationRecord = describes<Verification>()(
  Type.Object({
    verified: Type.Boolean(),
    reason: Type.Optional(literals([...Object.values(VERIFY_REASONS), ...Object.values(ADDITIONAL_INFO)])),
    additionalInfo: Type.Array(literals(Object.values(ADDITIONAL_INFO))),
    status: Type.Optional(literals(Object.values(PACK_STATUSES))),
    gtin: Type.String(),
    serial: Type.String(),
    lot: Type.Optional(Type.String()),
    expiry: Type.Optional(Type.String()),
    owner: Type.Optional(Type.String()),
    checkedAt: Type.String(),
  }),
);

/** packs:Dispense's answer: the verification and the pack, or (already inactive) the alert and the pack. */
export const DispenseAnswer = describes<ResultOf<typeof CATALOG.packs.Dispense>>()(
  Type.Union([
    Type.Object({
      verification: VerificationRecord,
      pack: Pack,
    }),
    Type.Object({ alert: DecommissionAlert, pack: Pack }),
  ]),
);

export const CommissionAnswer = describes<ResultOf<typeof CATALOG.packs.CommissionLot>>()(
  Type.Object({ gtin: Text, lot: Text, expiry: Text, commissioned: Type.Integer() }),
);

export const Shipment = describes<ShipmentRecord>()(
  Type.Object(
    {
      shipmentId: Text,
      shipper: Text,
      consignee: Text,
      packs: Type.Array(PackRef, { description: "every pack shipped, those inside the containers too" }),
      containers: Type.Optional(Type.Array(Text, { description: "outer containers (SSCC) shipped" })),
      status: literals(["IN_TRANSIT", "RECEIVED", "EXCEPTION"] as const),
      transactionInfoHash: Type.Optional(Text),
      statementHash: Type.Optional(Text),
      termsHash: Type.Optional(Text),
      termsCollection: Type.Optional(Type.String({ description: "the trading pair's private data collection holding the terms" })),
      shippedAt: At,
      receivedAt: Type.Optional(At),
      exception: Type.Optional(
        Type.Object({
          missing: Type.Array(PackRef),
          unexpected: Type.Array(PackRef),
          missingContainers: Type.Optional(Type.Array(Text)),
          unexpectedContainers: Type.Optional(Type.Array(Text)),
          at: At,
          txId: Text,
        }),
      ),
      notReceived: Type.Optional(Type.Array(Type.Object({ gtin: Text, serial: Text, status: PackStatus, at: At, by: Text }))),
    },
  ),
);

export const SaleableReturn = describes<SaleableReturnRecord>()(
  Type.Object({
    returnId: Text,
    pharmacy: Text,
    distributor: Text,
    reason: Text,
    packs: Type.Array(PackRef),
    status: literals(["IN_TRANSIT", "VERIFIED"] as const),
    shippedAt: At,
    shippedTxId: Text,
    verifiedAt: Type.Optional(At),
    verifiedTxId: Type.Optional(Text),
    checks: Type.Optional(
      Type.Array(
        Type.Object({
          gtin: Text,
          serial: Text,
          verified: Type.Boolean(),
          reason: Type.Optional(literals([...Object.values(VERIFY_REASONS), ...Object.values(ADDITIONAL_INFO), ...Object.values(RETURN_CHECKS)])),
          additionalInfo: Type.Array(literals(Object.values(ADDITIONAL_INFO))),
          scannedLot: Text,
          scannedExpiry: Text,
          outcome: literals(RETURN_OUTCOMES),
        }),
      ),
    ),
  }),
);

export const ReturnsPage = describes<ReturnsPageRecord>()(
  Type.Object({ returns: Type.Array(SaleableReturn), bookmark: Type.String({ description: "pass as ?bookmark= for the next page; empty after the last" }) }),
);

export const TermsAnswer = describes<TermsAnswerRecord>()(
  Type.Object({
    shipmentId: Text,
    terms: Type.Object({ price: Text, currency: Text, quantity: Type.Integer(), invoiceRef: Text }),
    hashMatches: Type.Boolean({ description: "the private terms hash to the shipment's termsHash" }),
  }),
);

export const ColdChain = describes<ColdChainRecord>()(
  Type.Object(
    {
      shipmentId: Text,
      readingCount: Type.Integer(),
      firstAt: Type.Integer({ description: "first reading, Unix seconds" }),
      lastAt: Type.Integer({ description: "last reading, Unix seconds" }),
      minCentiCelsius: Type.Integer(),
      maxCentiCelsius: Type.Integer(),
      secondsOutOfRange: Type.Integer(),
      minutesOutOfRange: Type.Integer(),
      mktCentiCelsius: Type.Integer(),
      weightSeconds: Type.Integer(),
      mktSum: Type.String({ description: "the exact integer MKT sum as a decimal string" }),
      absoluteLimitBreached: Type.Boolean(),
      budgetExceeded: Type.Boolean(),
      hold: Type.Object({
        status: literals(["NONE", "HELD", "RELEASED", "DESTROYED"] as const),
        at: Type.Optional(At),
        by: Type.Optional(Text),
        reason: Type.Optional(Text),
      }),
    },
  ),
);

export const HoldDecision = describes<HoldDecisionRecord>()(
  Type.Object({ channel: Text, shipmentId: Text, decision: literals(["release", "destroy"] as const), reason: Text, manufacturer: Text, at: At, txId: Text }),
);

const DocumentSubject = Type.Union([
  Type.Object({ type: Type.Literal("product"), gtin: Text }),
  Type.Object({ type: Type.Literal("lot"), gtin: Text, lot: Text }),
  Type.Object({ type: Type.Literal("pack"), gtin: Text, serial: Text }),
  Type.Object({ type: Type.Literal("shipment"), shipmentId: Text }),
]);

export const DocumentRecord = describes<DocumentRecordType>()(
  Type.Object({
    sha256: Text,
    cid: Text,
    kind: literals(DOCUMENT_KINDS),
    subject: DocumentSubject,
    encrypted: Type.Boolean(),
    anchoredAt: At,
    anchoredBy: Text,
    txId: Text,
  }),
);

const containerFields = {
  sscc: Type.String({ description: "SSCC (AI 00), 18 digits" }),
  owner: Text,
  status: literals(["HELD", "IN_TRANSIT"] as const),
  level: Type.Integer({ description: "1 for a case of packs; one more than the highest container inside" }),
  parent: Type.Optional(Type.String({ description: "SSCC of the container this one is in" })),
  shipmentId: Type.Optional(Text),
  consignee: Type.Optional(Text),
  createdAt: At,
  createdBy: Text,
  updatedAt: At,
  updatedBy: Text,
  updatedTxId: Text,
};

/** A container as aggregation:Pack and Unpack write it: what it holds directly. */
export const Container = describes<ContainerRecord>()(Type.Object({ ...containerFields, packs: Type.Array(PackRef), containers: Type.Array(Text) }));

const ContainedPack = Type.Object({ gtin: Text, serial: Text, status: PackStatus, active: Type.Boolean(), cause: Type.Optional(Text) });

/** A container with everything inside, nested, each pack's status and activity, and the counts. */
export const ContainerView = describes<ContainerViewRecord>()(
  Type.Recursive(
    (Self) =>
      Type.Object({
        ...containerFields,
        packs: Type.Array(ContainedPack),
        containers: Type.Array(Self),
        packCount: Type.Integer(),
        activeCount: Type.Integer(),
      }),
    { $id: "ContainerView" },
  ),
);
