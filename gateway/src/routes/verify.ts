/**
 * Verify a pack: by its identifiers (GET /v1/verify) or by what a scanner or
 * phone read (POST /v1/verify/scan): a GS1 DataMatrix element string (with or
 * without ]d2, GS as ASCII 29), the bracketed form, or a GS1 Digital Link.
 */
import type { FastifyPluginAsync } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { principalOf } from "../auth/hook.js";
import { parseScannedCode, type VerifyService } from "../services/verify.js";
import { Channel, Expiry, Gtin, Lot, Serial, errorResponses } from "./schemas.js";

const Custody = Type.Object({
  at: Type.String(),
  channel: Channel,
  status: Type.String(),
  owner: Type.String(),
  by: Type.Optional(Type.String()),
  txId: Type.Optional(Type.String()),
});

export const VerifyAnswer = Type.Object({
  verified: Type.Boolean(),
  reason: Type.Optional(Type.String({ description: "first failing reason (GS1 LMS spirit): NO_MATCH_GTIN_SERIAL, LOT_MISMATCH, EXPIRY_MISMATCH, RECALLED, ..." })),
  additionalInfo: Type.Array(Type.String()),
  status: Type.Optional(Type.String()),
  owner: Type.Optional(Type.String()),
  checkedAt: Type.Optional(Type.String()),
  channel: Channel,
  pack: Type.Object({ gtin: Type.String(), serial: Type.String(), lot: Type.String(), expiry: Type.String() }),
  provenance: Type.Union([
    Type.Object({
      product: Type.Optional(
        Type.Object({ manufacturer: Type.String(), name: Type.Optional(Type.String()), strength: Type.Optional(Type.String()), form: Type.Optional(Type.String()) }),
      ),
      custody: Type.Array(Custody),
    }),
    Type.Null(),
  ]),
  scanned: Type.Optional(Type.Object({ form: Type.String(), extra: Type.Record(Type.String(), Type.String()) })),
});

const VerifyQuery = Type.Object({ gtin: Gtin, serial: Serial, lot: Lot, expiry: Expiry, channel: Type.Optional(Channel) }, { additionalProperties: false });
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
      schema: { tags: ["verify"], summary: "Verify a pack by GTIN, serial, lot and expiry", querystring: VerifyQuery, response: { 200: VerifyAnswer, ...errorResponses() } },
    },
    async (request) => {
      const { channel, ...pack } = request.query;
      return verifier.verify(principalOf(request), pack, channel);
    },
  );

  app.post<{ Body: Static<typeof ScanBody> }>(
    "/verify/scan",
    {
      config: { action: "read" },
      schema: { tags: ["verify"], summary: "Verify what a scanner or phone read", body: ScanBody, response: { 200: VerifyAnswer, ...errorResponses() } },
    },
    async (request) => {
      const scanned = parseScannedCode(request.body.code);
      const answer = await verifier.verify(principalOf(request), scanned.pack, request.body.channel);
      return { ...answer, scanned: { form: scanned.form, extra: scanned.extra } };
    },
  );
};
