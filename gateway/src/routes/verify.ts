/**
 * Verify a pack: by its identifiers (GET /v1/verify) or by what a scanner or
 * phone read (POST /v1/verify/scan): a GS1 DataMatrix element string (with or
 * without ]d2, GS as ASCII 29), the bracketed form, or a GS1 Digital Link.
 * `?consistency=ledger` asks for a ledger evaluate instead of the read model;
 * every answer states its blocks in `asOf` and in X-Ledger-Block.
 */
import type { FastifyPluginAsync } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { principalOf } from "../auth/hook.js";
import { ADDITIONAL_INFO, PACK_STATUSES, VERIFY_REASONS } from "@rxtrace/domain";
import { CONSISTENCIES, parseScannedCode, type StatedVerifyAnswer, type VerifyService } from "../services/verify.js";
import { Channel, Expiry, Gtin, Lot, Serial, errorResponses } from "./schemas.js";

const literals = <T extends string>(values: readonly T[], description: string) => Type.Union(values.map((v) => Type.Literal(v)), { description });
const PackStatusSchema = literals(Object.values(PACK_STATUSES), "pack status");
const ChannelName = Type.String({ description: "ledger channel" });

const Custody = Type.Object({
  at: Type.String({ description: "transaction time, ISO 8601 UTC" }),
  channel: ChannelName,
  status: PackStatusSchema,
  owner: Type.String({ description: "MSP id of the holder" }),
  by: Type.Optional(Type.String({ description: "MSP id of the org that wrote the change" })),
  txId: Type.Optional(Type.String()),
});

/** The domain's VerifyAnswer (packages/domain verification.ts) with the blocks it reflects; tsc checks the two agree. */
export const VerifyAnswerSchema = Type.Object({
  verified: Type.Boolean(),
  reason: Type.Optional(literals([...Object.values(VERIFY_REASONS), ...Object.values(ADDITIONAL_INFO)], "the first failing reason (GS1 Lightweight Messaging spirit)")),
  additionalInfo: Type.Array(literals(Object.values(ADDITIONAL_INFO), "a condition that holds for the pack"), { description: "every condition that holds, in priority order" }),
  status: Type.Optional(PackStatusSchema),
  owner: Type.Optional(Type.String({ description: "MSP id of the holder" })),
  checkedAt: Type.String({ description: "when the answer was computed, ISO 8601 UTC" }),
  channel: ChannelName,
  pack: Type.Object({ gtin: Type.String(), serial: Type.String(), lot: Type.String(), expiry: Type.String() }, { description: "the pack as scanned" }),
  provenance: Type.Union([
    Type.Object({
      product: Type.Optional(
        Type.Object({ manufacturer: Type.String(), name: Type.Optional(Type.String()), strength: Type.Optional(Type.String()), form: Type.Optional(Type.String()) }),
      ),
      custody: Type.Array(Custody),
    }),
    Type.Null(),
  ]),
  asOf: Type.Object(
    {
      source: literals(CONSISTENCIES, "read-model: the gateway's read model of its own peer's committed blocks; ledger: an evaluate on the peer"),
      blocks: Type.Array(Type.Object({ channel: ChannelName, block: Type.String({ pattern: "^[0-9]+$" }) }), {
        description: "per channel, the last block the answer reflects (every block up to it); a ledger answer reflects at least these. Also sent as X-Ledger-Block",
      }),
    },
    { description: "the ledger state the answer reflects" },
  ),
});
const ScanAnswerSchema = Type.Composite([
  VerifyAnswerSchema,
  Type.Object({ scanned: Type.Object({ form: Type.String(), extra: Type.Record(Type.String(), Type.String()) }) }),
]);

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// A field added, removed or retyped on one side and not the other fails here.
const schemaMatchesDomain: Same<Static<typeof VerifyAnswerSchema>, StatedVerifyAnswer> = true;
void schemaMatchesDomain;

const ConsistencyQuery = Type.Optional(
  literals(CONSISTENCIES, "read-model (default): answered from the gateway's read model, stating its block; ledger: one evaluate on the peer"),
);
const VerifyQuery = Type.Object({ gtin: Gtin, serial: Serial, lot: Lot, expiry: Expiry, channel: Type.Optional(Channel), consistency: ConsistencyQuery }, { additionalProperties: false });
const ScanQuery = Type.Object({ consistency: ConsistencyQuery }, { additionalProperties: false });
const ScanBody = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 512, description: "the scanned text: element string, (01)... form, or Digital Link URL" }),
    channel: Type.Optional(Channel),
  },
  { additionalProperties: false },
);

export const verifyRoutes: FastifyPluginAsync<{ verifier: VerifyService }> = async (app, { verifier }) => {
  app.get<{ Querystring: Static<typeof VerifyQuery> }>(
    "/verify",
    {
      config: { action: "read" },
      schema: { tags: ["verify"], summary: "Verify a pack by GTIN, serial, lot and expiry", querystring: VerifyQuery, response: { 200: VerifyAnswerSchema, ...errorResponses() } },
    },
    async (request) => {
      const { channel, consistency, ...pack } = request.query;
      return verifier.verify(principalOf(request), pack, channel, consistency);
    },
  );

  app.post<{ Body: Static<typeof ScanBody>; Querystring: Static<typeof ScanQuery> }>(
    "/verify/scan",
    {
      config: { action: "read" },
      schema: { tags: ["verify"], summary: "Verify what a scanner or phone read", querystring: ScanQuery, body: ScanBody, response: { 200: ScanAnswerSchema, ...errorResponses() } },
    },
    async (request) => {
      const scanned = parseScannedCode(request.body.code);
      const answer = await verifier.verify(principalOf(request), scanned.pack, request.body.channel, request.query.consistency);
      return { ...answer, scanned: { form: scanned.form, extra: scanned.extra } };
    },
  );
};
