/** Trading partners: registered per channel by the regulator's admin. */
import type { FastifyPluginAsync } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { MAX_NAME_LENGTH } from "@rxtrace/domain";
import { principalOf } from "../auth/hook.js";
import type { MasterDataService } from "../services/master-data.js";
import { committedAnswer } from "./answers.js";
import * as records from "./records.js";
import { Channel, ChannelQuery, errorResponses, writeAnswer } from "./schemas.js";

const PartnerBody = Type.Object(
  {
    channel: Channel,
    mspId: Type.String({ pattern: "^[A-Za-z][A-Za-z0-9.-]{0,63}$" }),
    name: Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH }),
    role: Type.Union([Type.Literal("Manufacturer"), Type.Literal("Distributor"), Type.Literal("Pharmacy"), Type.Literal("Regulator")]),
  },
  { additionalProperties: false },
);

export const partnerRoutes: FastifyPluginAsync<{ masterData: MasterDataService }> = async (app, { masterData }) => {
  records.sendRecordsAsReturned(app);
  app.post<{ Body: Static<typeof PartnerBody> }>(
    "/partners",
    {
      config: { action: "partner.register" },
      schema: {
        tags: ["partners"],
        summary: "Register a trading partner on a channel (regulator admin)",
        body: PartnerBody,
        response: { 201: writeAnswer(records.Partner), ...errorResponses(409) },
      },
    },
    async (request, reply) => {
      const { channel, ...partner } = request.body;
      return reply.code(201).send(committedAnswer(await masterData.registerPartner(principalOf(request), channel, partner)));
    },
  );

  app.get<{ Querystring: ChannelQuery }>(
    "/partners",
    {
      config: { action: "read" },
      schema: {
        tags: ["partners"],
        summary: "Registered partners on each channel the caller is a member of",
        querystring: ChannelQuery,
        response: { 200: Type.Object({ channels: Type.Array(Type.Object({ channel: Channel, partners: Type.Array(records.Partner) })) }), ...errorResponses() },
      },
    },
    async (request) => {
      const found = await masterData.listPartners(principalOf(request), request.query.channel);
      return { channels: found.map((f) => ({ channel: f.channel, partners: f.result })) };
    },
  );
};
