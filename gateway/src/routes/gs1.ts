/**
 * Verification in the GS1 Lightweight Messaging Standard form, beside
 * /v1/verify and answered by the same verification: the standard's request as
 * a GS1 Digital Link (GET /v1/gs1/verification/01/{gtin}/10/{lot}/21/{ser}?17=...)
 * or as JSON with the same names (POST /v1/gs1/verification), and where a GS1
 * Digital Link resolver sends a `gs1:verificationService` request for a GTIN
 * (GET /v1/gs1/resolver/01/{gtin}: a redirect, or an RFC 9264 linkset), and
 * the standard's connectivity check.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { principalOf } from "../auth/hook.js";
import { GatewayError } from "../errors.js";
import { LEDGER_BLOCK_HEADER, ledgerBlockHeader } from "../services/block-visibility.js";
import {
  LMS_ADDITIONAL_INFO,
  LMS_CONTEXTS,
  LMS_FAILURE_REASONS,
  VERIFICATION_LINK_TYPE,
  VERIFICATION_LINK_TYPE_IRI,
  VERIFICATION_LINK_TYPES,
  requireGtinCheckDigit,
  type Gs1VerificationService,
  type LmsRequest,
} from "../services/gs1-verification.js";
import { originOf } from "./origin.js";
import { Expiry, Gtin, Lot, Serial, errorResponses } from "./schemas.js";

const literals = <T extends string>(values: readonly T[], description: string) => Type.Union(values.map((v) => Type.Literal(v)), { description });

const EXAMPLE_GTIN = "09521234543213";
const EXAMPLE_CORR = "2b4d7e2a-8f0c-4a51-9a8e-3c1f5b6d7e90";

const ReqGln = Type.String({ pattern: "^[0-9]{13}$", description: "requestor's GLN (13 digits, GS1 check digit)", examples: ["9521234000037"] });
const CorrUuid = Type.String({
  pattern: "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
  description: "correlation UUID, sent back unchanged; the responder makes one when absent",
});
const Context = literals(LMS_CONTEXTS, "why the requestor verifies (default dscsaSaleableReturn)");
const LinkType = literals(VERIFICATION_LINK_TYPES, "the link type a resolver was asked for; only the verification service");

const Gs1VerificationRequest = Type.Object(
  {
    gtin: Gtin,
    ser: Serial,
    lot: Lot,
    exp: Expiry,
    reqGLN: ReqGln,
    corrUUID: Type.Optional(CorrUuid),
    context: Type.Optional(Context),
    linkType: Type.Optional(LinkType),
  },
  {
    additionalProperties: false,
    description: "the standard's request names (GS1 Digital Link short names gtin, ser, lot, exp)",
    examples: [
      { gtin: EXAMPLE_GTIN, ser: "SN8X4K2Q9", lot: "LOT2024A", exp: "270331", reqGLN: "9521234000037", corrUUID: EXAMPLE_CORR, context: "dscsaSaleableReturn" },
      { gtin: EXAMPLE_GTIN, ser: "SN8X4K2Q9", lot: "LOT2024A", exp: "270331", reqGLN: "9521234000020", context: "dscsaExceptionVerification" },
    ],
  },
);

const Gs1VerificationResponse = Type.Object(
  {
    verificationTimestamp: Type.String({ description: "when the answer was computed, ISO 8601 UTC" }),
    responderGLN: Type.String({ pattern: "^[0-9]{13}$", description: "GLN of the org whose gateway answers" }),
    corrUUID: Type.String({ description: "the request's correlation UUID" }),
    data: Type.Object({
      verified: Type.Boolean(),
      verificationFailureReason: Type.Optional(literals(Object.values(LMS_FAILURE_REASONS), "why not verified (only when verified is false)")),
      additionalInfo: Type.Optional(literals(Object.values(LMS_ADDITIONAL_INFO), "what the responder knows of a matching pack")),
    }),
  },
  {
    description: "the standard's response",
    examples: [
      { verificationTimestamp: "2026-12-04T10:15:00.000Z", responderGLN: "9521234000037", corrUUID: EXAMPLE_CORR, data: { verified: true } },
      {
        verificationTimestamp: "2026-12-04T10:16:00.000Z",
        responderGLN: "9521234000037",
        corrUUID: EXAMPLE_CORR,
        data: { verified: false, verificationFailureReason: "Manufacturer_policy", additionalInfo: "Recalled" },
      },
      { verificationTimestamp: "2026-12-04T10:17:00.000Z", responderGLN: "9521234000037", corrUUID: EXAMPLE_CORR, data: { verified: false, verificationFailureReason: "No_match_GTIN_Serial" } },
    ],
  },
);

const DigitalLinkParams = Type.Object({ gtin: Gtin, lot: Lot, ser: Serial }, { additionalProperties: false });
const DigitalLinkQuery = Type.Object(
  {
    17: Expiry,
    reqGLN: ReqGln,
    corrUUID: Type.Optional(CorrUuid),
    context: Type.Optional(Context),
    linkType: Type.Optional(LinkType),
  },
  { additionalProperties: false },
);

const GtinOnlyParams = Type.Object({ gtin: Gtin }, { additionalProperties: false });
const ConnectivityQuery = Type.Object({ gtin: Gtin, reqGLN: ReqGln, context: Type.Optional(Context) }, { additionalProperties: false });

const ResolverParams = Type.Object({ gtin: Gtin, "*": Type.Optional(Type.String()) }, { additionalProperties: false });
const ResolverQuery = Type.Object(
  { linkType: Type.Optional(Type.String({ maxLength: 128, description: "gs1:verificationService (redirect to it), linkset or all (the linkset)" })) },
  { additionalProperties: true, description: "any other parameter (17, reqGLN, corrUUID, context) is passed on with the redirect" },
);
const LinkSchema = Type.Object({ href: Type.String(), title: Type.String(), type: Type.String() });
const Linkset = Type.Object(
  { linkset: Type.Array(Type.Object({ anchor: Type.String(), [VERIFICATION_LINK_TYPE_IRI]: Type.Array(LinkSchema), "https://gs1.org/voc/defaultLink": Type.Array(LinkSchema) })) },
  { description: "RFC 9264 linkset (application/linkset+json) naming the verification service of the GTIN" },
);

/** The media type of an RFC 9264 linkset in JSON. */
export const LINKSET_MEDIA_TYPE = "application/linkset+json";

export const gs1Routes: FastifyPluginAsync<{ gs1: Gs1VerificationService }> = async (app, { gs1 }) => {
  const answer = async (request: FastifyRequest, reply: FastifyReply, lms: LmsRequest) => {
    const { response, answer: stated } = await gs1.verify(principalOf(request), lms);
    // The standard's response has no room for the blocks it reflects; the header carries them as on /v1/verify.
    const blocks = ledgerBlockHeader(stated);
    if (blocks !== undefined) void reply.header(LEDGER_BLOCK_HEADER, blocks);
    return response;
  };

  app.post<{ Body: Static<typeof Gs1VerificationRequest> }>(
    "/gs1/verification",
    {
      config: { action: "read" },
      schema: {
        tags: ["verify"],
        summary: "Verify a pack in the GS1 Lightweight Messaging form (JSON request)",
        body: Gs1VerificationRequest,
        response: { 200: Gs1VerificationResponse, ...errorResponses() },
      },
    },
    async (request, reply) => answer(request, reply, request.body),
  );

  app.get<{ Querystring: Static<typeof ConnectivityQuery> }>(
    "/gs1/verification/checkConnectivity",
    {
      config: { action: "read" },
      schema: {
        tags: ["verify"],
        summary: "The standard's checkConnectivity: may this requestor ask here, and who answers",
        querystring: ConnectivityQuery,
        response: { 200: Type.Object({ responderGLN: Type.String({ pattern: "^[0-9]{13}$" }) }, { examples: [{ responderGLN: "9521234000020" }] }), ...errorResponses() },
      },
    },
    async (request) => gs1.checkConnectivity(principalOf(request), request.query),
  );

  app.get<{ Params: Static<typeof DigitalLinkParams>; Querystring: Static<typeof DigitalLinkQuery> }>(
    "/gs1/verification/01/:gtin/10/:lot/21/:ser",
    {
      config: { action: "read" },
      schema: {
        tags: ["verify"],
        summary: "Verify a pack in the GS1 Lightweight Messaging form (GS1 Digital Link request)",
        params: DigitalLinkParams,
        querystring: DigitalLinkQuery,
        response: { 200: Gs1VerificationResponse, ...errorResponses() },
      },
    },
    async (request, reply) => {
      const { 17: exp, ...rest } = request.query;
      return answer(request, reply, { ...request.params, exp, ...rest });
    },
  );

  // A resolver's GTIN-level link lands here when the requestor sent no key qualifiers: say what a verification needs.
  app.get<{ Params: Static<typeof GtinOnlyParams> }>(
    "/gs1/verification/01/:gtin",
    {
      config: { action: "read" },
      schema: { tags: ["verify"], summary: "The verification service's GTIN-level link: a verification needs /10/{lot}/21/{ser}", params: GtinOnlyParams, response: errorResponses() },
    },
    async () => {
      throw new GatewayError("INVALID_ARGUMENT", "ser: a GS1 verification request names the pack: /10/{lot}/21/{ser}?17={exp} after the GTIN", { field: "ser" });
    },
  );

  const resolve = async (request: FastifyRequest<{ Params: Static<typeof ResolverParams>; Querystring: Static<typeof ResolverQuery> }>, reply: FastifyReply) => {
    const { gtin } = request.params;
    requireGtinCheckDigit(gtin);
    const origin = originOf(request);
    const service = `${origin}/v1/gs1/verification/01/${gtin}`;
    const linkType = request.query.linkType;
    const accept = request.headers.accept ?? "";
    if (linkType === "linkset" || linkType === "all" || (linkType === undefined && accept.includes(LINKSET_MEDIA_TYPE))) {
      const link = { href: service, title: "rxtrace verification service (GS1 Lightweight Messaging)", type: "application/json" };
      return reply.type(LINKSET_MEDIA_TYPE).send({
        linkset: [{ anchor: `${origin}/v1/gs1/resolver/01/${gtin}`, [VERIFICATION_LINK_TYPE_IRI]: [link], "https://gs1.org/voc/defaultLink": [link] }],
      });
    }
    // The verification service is this GTIN's only link, so it is also the default a resolver falls back to for any other link type.
    const rest = request.params["*"] ?? "";
    const query = request.url.includes("?") ? request.url.slice(request.url.indexOf("?")) : "";
    void reply.header("link", `<${service}>; rel="${VERIFICATION_LINK_TYPE_IRI}"; type="application/json"`);
    return reply.redirect(`${service}${rest === "" ? "" : `/${rest}`}${query}`, 307);
  };
  const resolverSchema = (summary: string) => ({
    tags: ["verify"],
    summary,
    params: ResolverParams,
    querystring: ResolverQuery,
    response: { 200: { description: "the linkset; any other request is a 307 redirect to the verification service", content: { [LINKSET_MEDIA_TYPE]: { schema: Linkset } } }, ...errorResponses() },
  });
  app.get("/gs1/resolver/01/:gtin", { config: { action: "read" }, schema: resolverSchema(`Where a GS1 resolver links ${VERIFICATION_LINK_TYPE} for a GTIN`) }, resolve);
  app.get(
    "/gs1/resolver/01/:gtin/*",
    { config: { action: "read" }, schema: resolverSchema("Resolve a GS1 Digital Link with key qualifiers (10/{lot}/21/{ser}) to the verification service") },
    resolve,
  );
};
