/** Products (GTIN master data) and their withdrawal. */
import type { FastifyPluginAsync } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { MAX_NAME_LENGTH, MAX_NATIONAL_CODE_LENGTH } from "@rxtrace/domain";
import { principalOf } from "../auth/hook.js";
import type { MasterDataService } from "../services/master-data.js";
import { committedAnswer, relayedAnswer } from "./answers.js";
import * as records from "./records.js";
import { ChannelQuery, Gtin, GtinParams, Reason, errorResponses, readAnswer, relayedWriteAnswer, writeAnswer } from "./schemas.js";

const CentiCelsius = Type.Integer({ minimum: -8000, maximum: 8000, description: "integer centi-degrees Celsius" });
const Range = Type.Object({ minCentiCelsius: CentiCelsius, maxCentiCelsius: CentiCelsius }, { additionalProperties: false });
const Text = Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH });

export const ProductBody = Type.Object(
  {
    gtin: Gtin,
    name: Text,
    strength: Text,
    form: Text,
    nationalCode: Type.String({ minLength: 1, maxLength: MAX_NATIONAL_CODE_LENGTH }),
    storage: Range,
    limits: Range,
    stabilityBudgetMinutes: Type.Integer({ minimum: 0, maximum: 525600 }),
  },
  { additionalProperties: false },
);

const WithdrawBody = Type.Object({ reason: Reason }, { additionalProperties: false });

export const productRoutes: FastifyPluginAsync<{ masterData: MasterDataService }> = async (app, { masterData }) => {
  records.sendRecordsAsReturned(app);
  app.post<{ Body: Static<typeof ProductBody> }>(
    "/products",
    {
      config: { action: "product.register" },
      schema: {
        tags: ["products"],
        summary: "Register a product (GTIN master data) on mfr-dist",
        body: ProductBody,
        response: { 201: writeAnswer(records.Product), ...errorResponses(409) },
      },
    },
    async (request, reply) => reply.code(201).send(committedAnswer(await masterData.registerProduct(principalOf(request), request.body))),
  );

  app.get<{ Params: Static<typeof GtinParams>; Querystring: ChannelQuery }>(
    "/products/:gtin",
    {
      config: { action: "read" },
      schema: { tags: ["products"], summary: "A product's master data", params: GtinParams, querystring: ChannelQuery, response: { 200: readAnswer(records.Product), ...errorResponses(404) } },
    },
    async (request) => masterData.getProduct(principalOf(request), request.params.gtin, request.query.channel),
  );

  app.post<{ Params: Static<typeof GtinParams>; Body: Static<typeof WithdrawBody> }>(
    "/products/:gtin/withdrawal",
    {
      config: { action: "gtin.withdraw" },
      schema: {
        tags: ["products"],
        summary: "Withdraw a GTIN (irreversible), on every channel that holds it",
        params: GtinParams,
        body: WithdrawBody,
        response: { 200: relayedWriteAnswer(records.Product), ...errorResponses(404, 409) },
      },
    },
    async (request) => relayedAnswer(await masterData.withdrawProduct(principalOf(request), request.params.gtin, request.body.reason)),
  );
};
