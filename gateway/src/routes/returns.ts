/** Saleable returns: a pharmacy ships packs back to its distributor, which verifies each before resale. */
import type { FastifyPluginAsync } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { MAX_PACKS_PER_RETURN, MAX_RETURNS_PAGE, RETURN_FAILURE_ACTIONS } from "@rxtrace/domain";
import { principalOf } from "../auth/hook.js";
import type { ReturnService } from "../services/returns.js";
import * as records from "./records.js";
import { committedAnswer } from "./answers.js";
import { Channel, ChannelQuery, Expiry, Gtin, Lot, MspId, PackRef, Reason, Serial, ShipmentId, errorResponses, readAnswer, writeAnswer } from "./schemas.js";

const ReturnId = Type.String({ ...ShipmentId, description: "chosen by the pharmacy (its RMA number); a retry with the same id is refused" });
const ReturnParams = Type.Object({ returnId: ReturnId }, { additionalProperties: false });

export const ShipReturnBody = Type.Object(
  {
    returnId: ReturnId,
    distributor: MspId,
    packs: Type.Array(PackRef, { minItems: 1, maxItems: MAX_PACKS_PER_RETURN }),
    reason: Reason,
  },
  { additionalProperties: false },
);

export const VerifyReturnBody = Type.Object(
  {
    packs: Type.Array(Type.Object({ gtin: Gtin, serial: Serial, lot: Lot, expiry: Expiry }, { additionalProperties: false }), {
      minItems: 1,
      maxItems: MAX_PACKS_PER_RETURN,
      description: "every pack of the return as the distributor scanned it",
    }),
    onFailure: Type.Optional(Type.Union(RETURN_FAILURE_ACTIONS.map((a) => Type.Literal(a)), { description: "what becomes of a pack that fails (default QUARANTINE)" })),
    channel: Type.Optional(Channel),
  },
  { additionalProperties: false },
);

const ListQuery = Type.Object(
  {
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_RETURNS_PAGE, default: 50 })),
    bookmark: Type.Optional(Type.String({ maxLength: 1000 })),
    channel: Type.Optional(Channel),
  },
  { additionalProperties: false },
);

export const returnRoutes: FastifyPluginAsync<{ returns: ReturnService }> = async (app, { returns }) => {
  records.sendRecordsAsReturned(app);
  app.post<{ Body: Static<typeof ShipReturnBody> }>(
    "/returns",
    {
      config: { action: "return.ship" },
      schema: {
        tags: ["returns"],
        summary: "Ship packs back to the distributor that sold them (pharmacy); they stay in transit until it verifies them",
        body: ShipReturnBody,
        response: { 201: writeAnswer(records.SaleableReturn), ...errorResponses(404, 409) },
      },
    },
    async (request, reply) => reply.code(201).send(committedAnswer(await returns.ship(principalOf(request), request.body))),
  );

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    "/returns",
    {
      config: { action: "read" },
      schema: { tags: ["returns"], summary: "The channel's returns, a page at a time", querystring: ListQuery, response: { 200: readAnswer(records.ReturnsPage) } },
    },
    async (request) => returns.list(principalOf(request), request.query.pageSize ?? 50, request.query.bookmark ?? "", request.query.channel),
  );

  app.get<{ Params: Static<typeof ReturnParams>; Querystring: ChannelQuery }>(
    "/returns/:returnId",
    {
      config: { action: "read" },
      schema: {
        tags: ["returns"],
        summary: "A return, with the check of each pack once verified",
        params: ReturnParams,
        querystring: ChannelQuery,
        response: { 200: readAnswer(records.SaleableReturn), ...errorResponses(404) },
      },
    },
    async (request) => returns.find(principalOf(request), request.params.returnId, request.query.channel),
  );

  app.post<{ Params: Static<typeof ReturnParams>; Body: Static<typeof VerifyReturnBody> }>(
    "/returns/:returnId/verify",
    {
      config: { action: "return.verify" },
      schema: {
        tags: ["returns"],
        summary:
          "Verify every returned pack (distributor): identifiers as on the ledger, active, not recalled, expired or suspect, sold by this distributor to this pharmacy; passing packs are saleable again, failing ones quarantined or destroyed",
        params: ReturnParams,
        body: VerifyReturnBody,
        response: { 200: writeAnswer(records.SaleableReturn), ...errorResponses(404, 409) },
      },
    },
    async (request) => {
      const { channel, ...input } = request.body;
      return committedAnswer(await returns.verify(principalOf(request), request.params.returnId, { ...input, channel }));
    },
  );
};
