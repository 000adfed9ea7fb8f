/**
 * Aggregation: cases and pallets by SSCC. Pack packs and cases into a
 * container, unpack it fully or partly, read what it holds (each pack's
 * status and whether it is active), and print its logistic label. Shipping
 * and receiving by SSCC go through /v1/shipments (`containers`).
 */
import type { FastifyPluginAsync } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { MAX_CHILD_CONTAINERS, MAX_PACKS_PER_CONTAINER } from "@rxtrace/domain";
import { principalOf } from "../auth/hook.js";
import type { ContainerService } from "../services/containers.js";
import { LABEL_IMAGE_FORMATS, renderSsccLabel, SSCC_LABEL_SYMBOLOGIES } from "../services/labels.js";
import * as records from "./records.js";
import { committedAnswer } from "./answers.js";
import { originOf } from "./origin.js";
import { Channel, ChannelQuery, PackRef, Sscc, errorResponses, readAnswer, writeAnswer } from "./schemas.js";

const SsccParams = Type.Object({ sscc: Sscc }, { additionalProperties: false });

function aggregationBody(description: string) {
  return Type.Object(
    {
      packs: Type.Optional(Type.Array(PackRef, { maxItems: MAX_PACKS_PER_CONTAINER, description: `packs ${description}` })),
      containers: Type.Optional(Type.Array(Sscc, { maxItems: MAX_CHILD_CONTAINERS, description: `containers (SSCC) ${description}` })),
      channel: Type.Optional(Channel),
    },
    { additionalProperties: false },
  );
}
export const PackBody = aggregationBody("put in: held by the caller, at rest, in no other container");
export const UnpackBody = aggregationBody("taken out; with neither packs nor containers, everything");

const LabelQuery = Type.Object(
  {
    format: Type.Union(
      SSCC_LABEL_SYMBOLOGIES.map((s) => Type.Literal(s)),
      { default: "gs1-128", description: "gs1-128: the SSCC label's barcode (00)...; qr: GS1 Digital Link URL /00/{sscc}" },
    ),
    scale: Type.Integer({ minimum: 1, maximum: 20, default: 3 }),
    channel: Type.Optional(Channel),
  },
  { additionalProperties: false },
);

export const containerRoutes: FastifyPluginAsync<{ containers: ContainerService }> = async (app, { containers }) => {
  records.sendRecordsAsReturned(app);
  app.post<{ Params: Static<typeof SsccParams>; Body: Static<typeof PackBody> }>(
    "/containers/:sscc/pack",
    {
      config: { action: "container.pack" },
      schema: {
        tags: ["aggregation"],
        summary: "Pack packs and cases the caller holds into a case or pallet (created on first use); at most 3 levels and 1,000 packs",
        params: SsccParams,
        body: PackBody,
        response: { 200: writeAnswer(records.Container), ...errorResponses(404, 409) },
      },
    },
    async (request) => {
      const { channel, ...input } = request.body;
      return committedAnswer(await containers.pack(principalOf(request), request.params.sscc, { ...input, channel }));
    },
  );

  app.post<{ Params: Static<typeof SsccParams>; Body: Static<typeof UnpackBody> }>(
    "/containers/:sscc/unpack",
    {
      config: { action: "container.pack" },
      schema: {
        tags: ["aggregation"],
        summary: "Unpack (disaggregate) the named packs and cases, or everything; what comes out is loose again",
        params: SsccParams,
        body: UnpackBody,
        response: { 200: writeAnswer(records.Container), ...errorResponses(404, 409) },
      },
    },
    async (request) => {
      const { channel, ...input } = request.body;
      return committedAnswer(await containers.unpack(principalOf(request), request.params.sscc, { ...input, channel }));
    },
  );

  app.get<{ Params: Static<typeof SsccParams>; Querystring: ChannelQuery }>(
    "/containers/:sscc",
    {
      config: { action: "read" },
      schema: {
        tags: ["aggregation"],
        summary: "Verify a case or pallet code: what it holds, nested, each pack's status and whether it is active, and the counts",
        params: SsccParams,
        querystring: ChannelQuery,
        response: { 200: readAnswer(records.ContainerView), ...errorResponses(404) },
      },
    },
    async (request) => containers.find(principalOf(request), request.params.sscc, request.query.channel),
  );

  for (const image of LABEL_IMAGE_FORMATS) {
    app.get<{ Params: Static<typeof SsccParams>; Querystring: Static<typeof LabelQuery> }>(
      `/containers/:sscc/label.${image}`,
      {
        config: { action: "read" },
        schema: {
          tags: ["labels"],
          summary: `The container's SSCC label as ${image.toUpperCase()}: GS1-128 or Digital Link QR`,
          params: SsccParams,
          querystring: LabelQuery,
          produces: [image === "png" ? "image/png" : "image/svg+xml"],
        },
      },
      async (request, reply) => {
        // Only a container on the ledger gets a label (404 otherwise; a bad check digit is a 400 naming sscc).
        await containers.find(principalOf(request), request.params.sscc, request.query.channel);
        const label = await renderSsccLabel({ sscc: request.params.sscc, symbology: request.query.format, image, digitalLinkOrigin: originOf(request), scale: request.query.scale });
        return reply
          .type(label.contentType)
          .header("cache-control", "private, max-age=60")
          .header("x-encoded-text", encodeURIComponent(label.encodedText))
          .send(label.body);
      },
    );
  }
};
