/**
 * Suspect and illegitimate product investigations and the regulator's product
 * tracing requests (DSCSA; docs/chaincode-api.md, "Investigations"). Reads
 * answer each record with its clock: its age, and the 24 h deadline and
 * whether it is overdue, computed at read time.
 */
import type { FastifyPluginAsync } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { DETERMINATIONS, DISPOSITIONS, INVESTIGATION_FILTERS, MAX_EVIDENCE_DOCUMENTS, MAX_INVESTIGATIONS_PAGE, MAX_PACKS_PER_INVESTIGATION, MAX_TRACING_HOLDERS } from "@rxtrace/domain";
import { principalOf } from "../auth/hook.js";
import type { InvestigationService } from "../services/investigations.js";
import * as records from "./investigation-records.js";
import { literals, sendRecordsAsReturned } from "./records.js";
import { committedAnswer } from "./answers.js";
import { Channel, ChannelQuery, Gtin, Lot, MspId, PackRef, Reason, Serial, Sha256Hex, ShipmentId, errorResponses, readAnswer, writeAnswer } from "./schemas.js";

const Id = Type.String({ ...ShipmentId, description: "chosen by the caller (its case number); a retry with the same id is refused" });
const InvestigationParams = Type.Object({ investigationId: Id }, { additionalProperties: false });
const TracingParams = Type.Object({ requestId: Id }, { additionalProperties: false });

const Evidence = Type.Array(
  Type.Object(
    { cid: Type.String({ pattern: "^[A-Za-z0-9]{46,100}$", description: "IPFS CID (e.g. from POST /v1/documents)" }), sha256: Sha256Hex },
    { additionalProperties: false },
  ),
  { maxItems: MAX_EVIDENCE_DOCUMENTS, description: "documents on IPFS the record references" },
);

export const OpenInvestigationBody = Type.Object(
  {
    investigationId: Id,
    scope: Type.Union([
      Type.Object({ type: Type.Literal("packs"), packs: Type.Array(PackRef, { minItems: 1, maxItems: MAX_PACKS_PER_INVESTIGATION }) }, { additionalProperties: false }),
      Type.Object({ type: Type.Literal("lot"), gtin: Gtin, lot: Lot }, { additionalProperties: false }),
      Type.Object({ type: Type.Literal("shipment"), shipmentId: ShipmentId }, { additionalProperties: false }),
    ]),
    reason: Reason,
    evidence: Type.Optional(Evidence),
    channel: Type.Optional(Channel),
  },
  { additionalProperties: false },
);

const DetermineBody = Type.Object({ outcome: literals(DETERMINATIONS), reason: Reason, channel: Type.Optional(Channel) }, { additionalProperties: false });
const NotifyBody = Type.Object(
  { reference: Type.String({ minLength: 1, maxLength: 200, description: "the notification's reference at the regulator (e.g. FDA Form 3911)" }), channel: Type.Optional(Channel) },
  { additionalProperties: false },
);
const DisposeBody = Type.Object({ action: literals(DISPOSITIONS), channel: Type.Optional(Channel) }, { additionalProperties: false });
const CloseBody = Type.Object({ reason: Reason, channel: Type.Optional(Channel) }, { additionalProperties: false });

const ListQuery = Type.Object(
  {
    status: Type.Optional(Type.Union(INVESTIGATION_FILTERS.map((v) => Type.Literal(v)), { description: "OPEN (undetermined), DETERMINED, CLOSED, or ACTIVE: every one not closed" })),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_INVESTIGATIONS_PAGE, default: 50 })),
    bookmark: Type.Optional(Type.String({ maxLength: 1000 })),
    channel: Type.Optional(Channel),
  },
  { additionalProperties: false },
);

export const OpenTracingBody = Type.Object(
  {
    requestId: Id,
    scope: Type.Union([
      Type.Object({ type: Type.Literal("pack"), gtin: Gtin, serial: Serial }, { additionalProperties: false }),
      Type.Object({ type: Type.Literal("lot"), gtin: Gtin, lot: Lot }, { additionalProperties: false }),
    ]),
    reason: Reason,
    holders: Type.Optional(Type.Array(MspId, { minItems: 1, maxItems: MAX_TRACING_HOLDERS, description: "default: every trading partner the ledger shows holding it" })),
    investigationId: Type.Optional(Id),
    channel: Type.Optional(Channel),
  },
  { additionalProperties: false },
);

const AnswerBody = Type.Object(
  {
    statement: Type.String({ minLength: 1, maxLength: 2000, description: "the holder's transaction history of the product (or where it is kept)" }),
    documents: Type.Optional(Evidence),
    channel: Type.Optional(Channel),
  },
  { additionalProperties: false },
);

export const investigationRoutes: FastifyPluginAsync<{ investigations: InvestigationService }> = async (app, { investigations }) => {
  sendRecordsAsReturned(app);
  const write = writeAnswer(records.InvestigationView);

  app.post<{ Body: Static<typeof OpenInvestigationBody> }>(
    "/investigations",
    {
      config: { action: "investigation.open" },
      schema: {
        tags: ["investigations"],
        summary: "Open an investigation of suspect product on packs, a lot or a shipment (a holder or the regulator): the packs become SUSPECT, the partners that held them are named in the event",
        body: OpenInvestigationBody,
        response: { 201: write, ...errorResponses(404, 409) },
      },
    },
    async (request, reply) => reply.code(201).send(committedAnswer(await investigations.open(principalOf(request), request.body))),
  );

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    "/investigations",
    {
      config: { action: "read" },
      schema: {
        tags: ["investigations"],
        summary: "The channel's investigations (?status=ACTIVE: every one not closed), a page at a time, each with its age and deadline",
        querystring: ListQuery,
        response: { 200: readAnswer(records.InvestigationsPage) },
      },
    },
    async (request) => investigations.list(principalOf(request), request.query.pageSize ?? 50, request.query.bookmark ?? "", request.query.status, request.query.channel),
  );

  app.get<{ Params: Static<typeof InvestigationParams>; Querystring: ChannelQuery }>(
    "/investigations/:investigationId",
    {
      config: { action: "read" },
      schema: {
        tags: ["investigations"],
        summary: "An investigation with its clock: age, DSCSA notification deadline, overdue",
        params: InvestigationParams,
        querystring: ChannelQuery,
        response: { 200: readAnswer(records.InvestigationView), ...errorResponses(404) },
      },
    },
    async (request) => investigations.find(principalOf(request), request.params.investigationId, request.query.channel),
  );

  app.post<{ Params: Static<typeof InvestigationParams>; Body: Static<typeof DetermineBody> }>(
    "/investigations/:investigationId/determination",
    {
      config: { action: "investigation.determine" },
      schema: {
        tags: ["investigations"],
        summary: "Determine CLEARED (the suspect marks are lifted) or ILLEGITIMATE (the packs fail verification; notify the regulator within 24 h) — the opener or the regulator",
        params: InvestigationParams,
        body: DetermineBody,
        response: { 200: write, ...errorResponses(404, 409) },
      },
    },
    async (request) => {
      const { channel, ...input } = request.body;
      return committedAnswer(await investigations.determine(principalOf(request), request.params.investigationId, input, channel));
    },
  );

  app.post<{ Params: Static<typeof InvestigationParams>; Body: Static<typeof NotifyBody> }>(
    "/investigations/:investigationId/regulator-notification",
    {
      config: { action: "investigation.notify" },
      schema: {
        tags: ["investigations"],
        summary: "Record that the regulator (FDA) was notified of the illegitimate product, timed against the 24 h deadline (the determining trading partner or the opener)",
        params: InvestigationParams,
        body: NotifyBody,
        response: { 200: write, ...errorResponses(404, 409) },
      },
    },
    async (request) => committedAnswer(await investigations.notifyRegulator(principalOf(request), request.params.investigationId, request.body.reference, request.body.channel)),
  );

  app.post<{ Params: Static<typeof InvestigationParams>; Body: Static<typeof DisposeBody> }>(
    "/investigations/:investigationId/disposal",
    {
      config: { action: "investigation.dispose" },
      schema: {
        tags: ["investigations"],
        summary: "Quarantine or destroy (decommission as DESTROYED) the illegitimate packs the caller holds",
        params: InvestigationParams,
        body: DisposeBody,
        response: { 200: write, ...errorResponses(404, 409) },
      },
    },
    async (request) => committedAnswer(await investigations.dispose(principalOf(request), request.params.investigationId, request.body.action, request.body.channel)),
  );

  app.post<{ Params: Static<typeof InvestigationParams>; Body: Static<typeof CloseBody> }>(
    "/investigations/:investigationId/close",
    {
      config: { action: "investigation.close" },
      schema: {
        tags: ["investigations"],
        summary: "Close a determined investigation (the opener or the regulator); an illegitimate one once the regulator's notification is recorded",
        params: InvestigationParams,
        body: CloseBody,
        response: { 200: write, ...errorResponses(404, 409) },
      },
    },
    async (request) => committedAnswer(await investigations.close(principalOf(request), request.params.investigationId, request.body.reason, request.body.channel)),
  );

  app.post<{ Body: Static<typeof OpenTracingBody> }>(
    "/tracing-requests",
    {
      config: { action: "tracing.request" },
      schema: {
        tags: ["investigations"],
        summary: "Ask the holders of a pack or lot for its transaction history (the regulator); each must answer within 24 h",
        body: OpenTracingBody,
        response: { 201: writeAnswer(records.TracingView), ...errorResponses(404, 409) },
      },
    },
    async (request, reply) => reply.code(201).send(committedAnswer(await investigations.openTracing(principalOf(request), request.body))),
  );

  app.get<{ Params: Static<typeof TracingParams>; Querystring: ChannelQuery }>(
    "/tracing-requests/:requestId",
    {
      config: { action: "read" },
      schema: {
        tags: ["investigations"],
        summary: "A tracing request, its answers and its clock: the holders still to answer, overdue",
        params: TracingParams,
        querystring: ChannelQuery,
        response: { 200: readAnswer(records.TracingView), ...errorResponses(404) },
      },
    },
    async (request) => investigations.findTracing(principalOf(request), request.params.requestId, request.query.channel),
  );

  app.post<{ Params: Static<typeof TracingParams>; Body: Static<typeof AnswerBody> }>(
    "/tracing-requests/:requestId/answers",
    {
      config: { action: "tracing.answer" },
      schema: {
        tags: ["investigations"],
        summary: "Answer a tracing request (an asked holder, once), timed against its 24 h clock",
        params: TracingParams,
        body: AnswerBody,
        response: { 201: writeAnswer(records.TracingAnswer), ...errorResponses(404, 409) },
      },
    },
    async (request, reply) => {
      const { channel, ...input } = request.body;
      return reply.code(201).send(committedAnswer(await investigations.answerTracing(principalOf(request), request.params.requestId, input, channel)));
    },
  );
};
