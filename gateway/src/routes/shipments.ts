/** Shipments: ship, receive, terms, cold-chain readings and hold decisions. */
import type { FastifyPluginAsync } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { EARLIEST_READING, MAX_CONTAINERS_PER_CALL, MAX_INVOICE_REF_LENGTH, MAX_READINGS_PER_CALL } from "@rxtrace/domain";
import { principalOf } from "../auth/hook.js";
import type { MasterDataService } from "../services/master-data.js";
import type { ShipmentService } from "../services/shipments.js";
import * as records from "./records.js";
import { committedAnswer, relayedAnswer } from "./answers.js";
import {
  Channel,
  ChannelQuery,
  MspId,
  PackRefs,
  Reason,
  relayedWriteAnswer,
  Sha256Hex,
  ShipmentId,
  ShipmentParams,
  Sscc,
  errorResponses,
  readAnswer,
  writeAnswer,
} from "./schemas.js";

const Terms = Type.Object(
  {
    price: Type.String({ pattern: "^[0-9]{1,12}(\\.[0-9]{1,4})?$", description: "decimal as text" }),
    currency: Type.String({ pattern: "^[A-Z]{3}$" }),
    quantity: Type.Integer({ minimum: 1 }),
    invoiceRef: Type.String({ minLength: 1, maxLength: MAX_INVOICE_REF_LENGTH }),
  },
  { additionalProperties: false, description: "kept in the partners' private data; only its hash is on the channel" },
);

export const ShipBody = Type.Object(
  {
    shipmentId: ShipmentId,
    consignee: MspId,
    packs: Type.Optional(PackRefs),
    containers: Type.Optional(Type.Array(Sscc, { minItems: 1, maxItems: MAX_CONTAINERS_PER_CALL, description: "outer containers (SSCC); every pack inside ships" })),
    transactionInfoHash: Type.Optional(Sha256Hex),
    statementHash: Type.Optional(Sha256Hex),
    terms: Type.Optional(Terms),
    channel: Type.Optional(Channel),
  },
  { additionalProperties: false },
);
const ReceiveBody = Type.Object(
  {
    packs: Type.Optional(PackRefs),
    containers: Type.Optional(Type.Array(Sscc, { minItems: 1, maxItems: MAX_CONTAINERS_PER_CALL, description: "containers scanned by SSCC; each counts every pack inside" })),
    channel: Type.Optional(Channel),
  },
  { additionalProperties: false },
);
export const ReadingsBody = Type.Object(
  {
    intervalSeconds: Type.Integer({ minimum: 1, maximum: 86400 }),
    readings: Type.Array(
      Type.Object(
        { at: Type.Integer({ minimum: EARLIEST_READING, description: "epoch seconds" }), centiCelsius: Type.Integer({ minimum: -8000, maximum: 8000 }) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: MAX_READINGS_PER_CALL },
    ),
    channel: Type.Optional(Channel),
  },
  { additionalProperties: false },
);
const DecisionBody = Type.Object({ reason: Reason, channel: Type.Optional(Channel) }, { additionalProperties: false });
export const DownstreamDecisionBody = Type.Object(
  { decision: Type.Union([Type.Literal("release"), Type.Literal("destroy")]), reason: Reason },
  { additionalProperties: false },
);

export interface ShipmentRoutesOptions {
  shipments: ShipmentService;
  /** Records a manufacturer's decision on a dist-pharm hold and relays it there; without it the route is absent. */
  masterData?: MasterDataService;
}

export const shipmentRoutes: FastifyPluginAsync<ShipmentRoutesOptions> = async (app, { shipments, masterData }) => {
  records.sendRecordsAsReturned(app);
  app.post<{ Body: Static<typeof ShipBody> }>(
    "/shipments",
    {
      config: { action: "shipment.ship" },
      schema: {
        tags: ["shipments"],
        summary: "Ship packs, and containers by SSCC with everything inside, to a trading partner (channel from the pair, or given)",
        body: ShipBody,
        response: { 201: writeAnswer(records.Shipment), ...errorResponses(404, 409) },
      },
    },
    async (request, reply) => reply.code(201).send(committedAnswer(await shipments.ship(principalOf(request), request.body))),
  );

  app.get<{ Params: Static<typeof ShipmentParams>; Querystring: ChannelQuery }>(
    "/shipments/:shipmentId",
    {
      config: { action: "read" },
      schema: { tags: ["shipments"], summary: "A shipment", params: ShipmentParams, querystring: ChannelQuery, response: { 200: readAnswer(records.Shipment), ...errorResponses(404) } },
    },
    async (request) => shipments.find(principalOf(request), request.params.shipmentId, request.query.channel),
  );

  app.post<{ Params: Static<typeof ShipmentParams>; Body: Static<typeof ReceiveBody> }>(
    "/shipments/:shipmentId/receive",
    {
      config: { action: "shipment.receive" },
      schema: {
        tags: ["shipments"],
        summary: "Receive: the packs counted, loose or by their containers' SSCCs; any difference records an exception naming each missing pack and container",
        params: ShipmentParams,
        body: ReceiveBody,
        response: { 200: writeAnswer(records.Shipment), ...errorResponses(404, 409) },
      },
    },
    async (request) => {
      const { channel, ...counted } = request.body;
      return committedAnswer(await shipments.receive(principalOf(request), request.params.shipmentId, counted, channel));
    },
  );

  app.get<{ Params: Static<typeof ShipmentParams>; Querystring: ChannelQuery }>(
    "/shipments/:shipmentId/terms",
    {
      config: { action: "read" },
      schema: {
        tags: ["shipments"],
        summary: "Commercial terms from private data (shipper or consignee only)",
        params: ShipmentParams,
        querystring: ChannelQuery,
        response: { 200: readAnswer(records.TermsAnswer), ...errorResponses(404) },
      },
    },
    async (request) => shipments.terms(principalOf(request), request.params.shipmentId, request.query.channel),
  );

  app.post<{ Params: Static<typeof ShipmentParams>; Body: Static<typeof ReadingsBody> }>(
    "/shipments/:shipmentId/readings",
    {
      config: { action: "coldchain.record" },
      schema: {
        tags: ["cold chain"],
        summary: "Record a batch of temperature readings; an excursion sets COLD_CHAIN_HOLD on the shipment's packs",
        params: ShipmentParams,
        body: ReadingsBody,
        response: { 200: writeAnswer(records.ColdChain), ...errorResponses(404, 409) },
      },
    },
    async (request) => {
      const { channel, ...input } = request.body;
      return committedAnswer(await shipments.recordReadings(principalOf(request), request.params.shipmentId, input, channel));
    },
  );

  app.get<{ Params: Static<typeof ShipmentParams>; Querystring: ChannelQuery }>(
    "/shipments/:shipmentId/cold-chain",
    {
      config: { action: "read" },
      schema: {
        tags: ["cold chain"],
        summary: "Cold-chain summary: min, max, minutes out of range, MKT, hold",
        params: ShipmentParams,
        querystring: ChannelQuery,
        response: { 200: readAnswer(records.ColdChain), ...errorResponses(404) },
      },
    },
    async (request) => shipments.coldChain(principalOf(request), request.params.shipmentId, request.query.channel),
  );

  for (const decision of ["release", "destroy"] as const) {
    app.post<{ Params: Static<typeof ShipmentParams>; Body: Static<typeof DecisionBody> }>(
      `/shipments/:shipmentId/cold-chain/${decision}`,
      {
        config: { action: "coldchain.release" },
        schema: {
          tags: ["cold chain"],
          summary: decision === "release" ? "Release a cold-chain hold (manufacturer quality)" : "Destroy the held packs (manufacturer quality)",
          params: ShipmentParams,
          body: DecisionBody,
          response: { 200: writeAnswer(records.ColdChain), ...errorResponses(404, 409) },
        },
      },
      async (request) =>
        committedAnswer(await shipments.settleHold(principalOf(request), request.params.shipmentId, decision, request.body.reason, request.body.channel)),
    );
  }

  if (masterData) {
    app.post<{ Params: Static<typeof ShipmentParams>; Body: Static<typeof DownstreamDecisionBody> }>(
      "/shipments/:shipmentId/cold-chain/downstream-decision",
      {
        config: { action: "coldchain.decideDownstream" },
        schema: {
          tags: ["cold chain"],
          summary:
            "Decide a cold-chain hold of a dist-pharm shipment (manufacturer quality): recorded on mfr-dist, then mirrored and applied on dist-pharm by the relay; dist-pharm is named in pending until it has",
          params: ShipmentParams,
          body: DownstreamDecisionBody,
          response: { 200: relayedWriteAnswer(Type.Union([records.HoldDecision, records.ColdChain])), ...errorResponses(404, 409) },
        },
      },
      async (request) =>
        relayedAnswer(await masterData.decideDownstreamHold(principalOf(request), request.params.shipmentId, request.body.decision, request.body.reason)),
    );
  }
};
