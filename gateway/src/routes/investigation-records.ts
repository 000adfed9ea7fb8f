/** Response schemas of investigations and tracing requests, tied to the domain's types as records.ts does (`describes`). */
import { Type } from "@sinclair/typebox";
import {
  DETERMINATIONS,
  DISPOSITIONS,
  INVESTIGATION_STATUSES,
  type Investigation as InvestigationRecord,
  type TracingAnswer as TracingAnswerRecord,
  type TracingView as TracingViewRecord,
} from "@rxtrace/domain";
import type { InvestigationClock, InvestigationView as InvestigationViewRecord, InvestigationViewsPage, TracingClock, TracingRequestView } from "../services/investigations.js";
import { At, describes, literals, PackRef, Stamp, Text } from "./records.js";

const Evidence = Type.Object({ cid: Text, sha256: Text });

export const InvestigationScope = Type.Union([
  Type.Object({ type: Type.Literal("packs"), packs: Type.Array(PackRef) }),
  Type.Object({ type: Type.Literal("lot"), gtin: Text, lot: Text }),
  Type.Object({ type: Type.Literal("shipment"), shipmentId: Text }),
]);

export const TracingScope = Type.Union([
  Type.Object({ type: Type.Literal("pack"), gtin: Text, serial: Text }),
  Type.Object({ type: Type.Literal("lot"), gtin: Text, lot: Text }),
]);

const investigationFields = {
  investigationId: Text,
  scope: InvestigationScope,
  reason: Text,
  evidence: Type.Array(Evidence),
  packs: Type.Array(PackRef),
  marked: Type.Array(PackRef, { description: "the packs this investigation marked SUSPECT" }),
  partners: Type.Array(Text, { description: "trading partners that held, hold or were sent the packs on this channel" }),
  status: literals(INVESTIGATION_STATUSES),
  opened: Type.Object(Stamp),
  determination: Type.Optional(
    Type.Object({ ...Stamp, outcome: literals(DETERMINATIONS), reason: Text, notifyBy: Type.Optional(Type.String({ description: "DSCSA: determination + 24 h" })) }),
  ),
  regulatorNotified: Type.Optional(Type.Object({ ...Stamp, reference: Text, withinDeadline: Type.Boolean() })),
  disposals: Type.Array(Type.Object({ ...Stamp, action: literals(DISPOSITIONS), packs: Type.Array(PackRef) })),
  closed: Type.Optional(Type.Object({ ...Stamp, reason: Text })),
};

export const Investigation = describes<InvestigationRecord>()(Type.Object(investigationFields));

const Clock = describes<InvestigationClock>()(
  Type.Object({
    now: At,
    ageSeconds: Type.Integer({ description: "since opening (to closing once closed), at read time" }),
    notifyBy: Type.Optional(At),
    secondsToDeadline: Type.Optional(Type.Integer({ description: "negative once past; absent once the regulator's notification is recorded" })),
    overdue: Type.Boolean(),
  }),
);

export const InvestigationView = describes<InvestigationViewRecord>()(Type.Object({ ...investigationFields, clock: Clock }));

export const InvestigationsPage = describes<InvestigationViewsPage>()(
  Type.Object({ investigations: Type.Array(InvestigationView), bookmark: Type.String({ description: "pass as ?bookmark= for the next page; empty after the last" }) }),
);

const answerFields = { requestId: Text, holder: Text, statement: Text, documents: Type.Array(Evidence), answered: Type.Object(Stamp), withinDeadline: Type.Boolean() };
export const TracingAnswer = describes<TracingAnswerRecord>()(Type.Object(answerFields));

const tracingFields = {
  requestId: Text,
  scope: TracingScope,
  reason: Text,
  asked: Type.Array(Text),
  investigationId: Type.Optional(Text),
  requested: Type.Object(Stamp),
  respondBy: At,
  answers: Type.Array(TracingAnswer),
};
export const TracingRecord = describes<TracingViewRecord>()(Type.Object(tracingFields));

const TracingClockSchema = describes<TracingClock>()(Type.Object({ now: At, ageSeconds: Type.Integer(), respondBy: At, pending: Type.Array(Text), overdue: Type.Boolean() }));
export const TracingView = describes<TracingRequestView>()(Type.Object({ ...tracingFields, clock: TracingClockSchema }));
