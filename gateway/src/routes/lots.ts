/** Lots: commissioning serialised packs, reading, recall. */
import type { FastifyPluginAsync } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { MAX_SERIALS_PER_LOT_CALL } from "@rxtrace/domain";
import { principalOf } from "../auth/hook.js";
import type { MasterDataService } from "../services/master-data.js";
import { committedAnswer, relayedAnswer } from "./answers.js";
import * as records from "./records.js";
import { Channel, ChannelQuery, Expiry, Gtin, Lot, LotParams, Reason, Serial, errorResponses, readAnswer, relayedWriteAnswer, writeAnswer } from "./schemas.js";

export const CommissionBody = Type.Object(
  { gtin: Gtin, lot: Lot, expiry: Expiry, serials: Type.Array(Serial, { minItems: 1, maxItems: MAX_SERIALS_PER_LOT_CALL }) },
  { additionalProperties: false },
);
const RecallBody = Type.Object({ reason: Reason }, { additionalProperties: false });

export const lotRoutes: FastifyPluginAsync<{ masterData: MasterDataService }> = async (app, { masterData }) => {
  records.sendRecordsAsReturned(app);
  app.post<{ Body: Static<typeof CommissionBody> }>(
    "/lots",
    {
      config: { action: "lot.commission" },
      schema: {
        tags: ["lots"],
        summary: "Commission a lot: serialised packs of one GTIN, lot and expiry",
        body: CommissionBody,
        response: { 201: writeAnswer(records.CommissionAnswer), ...errorResponses(404, 409, 413) },
      },
    },
    async (request, reply) => reply.code(201).send(committedAnswer(await masterData.commissionLot(principalOf(request), request.body))),
  );

  app.get<{ Params: Static<typeof LotParams>; Querystring: ChannelQuery }>(
    "/lots/:gtin/:lot",
    {
      config: { action: "read" },
      schema: { tags: ["lots"], summary: "A lot (with its recall, if any)", params: LotParams, querystring: ChannelQuery, response: { 200: readAnswer(records.Lot), ...errorResponses(404) } },
    },
    async (request) => masterData.getLot(principalOf(request), request.params.gtin, request.params.lot, request.query.channel),
  );

  app.get<{ Params: Static<typeof LotParams>; Querystring: ChannelQuery }>(
    "/lots/:gtin/:lot/packs",
    {
      config: { action: "read" },
      schema: {
        tags: ["lots"],
        summary: "The lot's packs on each channel the caller sees",
        params: LotParams,
        querystring: ChannelQuery,
        response: { 200: Type.Object({ channels: Type.Array(Type.Object({ channel: Channel, packs: Type.Array(records.Pack) })) }), ...errorResponses(404) },
      },
    },
    async (request) => {
      const found = await masterData.listLotPacks(principalOf(request), request.params.gtin, request.params.lot, request.query.channel);
      return { channels: found.map((f) => ({ channel: f.channel, packs: f.result })) };
    },
  );

  app.post<{ Params: Static<typeof LotParams>; Body: Static<typeof RecallBody> }>(
    "/lots/:gtin/:lot/recall",
    {
      config: { action: "lot.recall" },
      schema: {
        tags: ["lots"],
        summary: "Recall a lot (irreversible), on every channel of the caller that holds it",
        params: LotParams,
        body: RecallBody,
        response: { 200: relayedWriteAnswer(records.Lot), ...errorResponses(404, 409) },
      },
    },
    async (request) => relayedAnswer(await masterData.recallLot(principalOf(request), request.params.gtin, request.params.lot, request.body.reason)),
  );
};
