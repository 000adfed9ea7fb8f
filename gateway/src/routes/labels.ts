/**
 * GET /v1/packs/{gtin}/{serial}/label.png|svg?format=datamatrix|qr: the pack's
 * GS1 DataMatrix (AIs 01, 17, 10, 21) or a QR code of its GS1 Digital Link URL,
 * for printing or showing on screen to be scanned.
 */
import type { FastifyPluginAsync } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { ChaincodeError, validateGtin, validateSerial } from "@rxtrace/domain";
import { principalOf } from "../auth/hook.js";
import { GatewayError } from "../errors.js";
import type { LedgerClient } from "../ports/ledger.js";
import { findPackIdentifiers, LABEL_IMAGE_FORMATS, LABEL_SYMBOLOGIES, renderLabel, type LabelImageFormat } from "../services/labels.js";
import { originOf } from "./origin.js";

export interface LabelRoutesOptions {
  ledger: LedgerClient;
}

const LabelParams = Type.Object({ gtin: Type.String(), serial: Type.String() });
const LabelQuery = Type.Object(
  {
    format: Type.Union(
      LABEL_SYMBOLOGIES.map((s) => Type.Literal(s)),
      { default: "datamatrix", description: "datamatrix: GS1 DataMatrix element string; qr: GS1 Digital Link URL" },
    ),
    scale: Type.Integer({ minimum: 1, maximum: 20, default: 4, description: "size: a module is 2 x scale pixels (PNG) or units (SVG)" }),
  },
  { additionalProperties: false },
);

/** The shared GS1 validators throw chaincode errors; answer them as the gateway's 400. */
function validated<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof ChaincodeError) throw new GatewayError("INVALID_ARGUMENT", err.detail, { field: err.field });
    throw err;
  }
}

export const labelRoutes: FastifyPluginAsync<LabelRoutesOptions> = async (app, options) => {
  for (const image of LABEL_IMAGE_FORMATS) {
    app.get<{ Params: Static<typeof LabelParams>; Querystring: Static<typeof LabelQuery> }>(
      `/packs/:gtin/:serial/label.${image}`,
      {
        config: { action: "read" },
        schema: {
          tags: ["labels"],
          summary: `The pack's label as ${image.toUpperCase()}: GS1 DataMatrix or Digital Link QR`,
          params: LabelParams,
          querystring: LabelQuery,
          produces: [image === "png" ? "image/png" : "image/svg+xml"],
        },
      },
      async (request, reply) => {
        const gtin = validated(() => validateGtin("gtin", request.params.gtin));
        const serial = validated(() => validateSerial("serial", request.params.serial));
        const pack = await findPackIdentifiers(options.ledger, principalOf(request), gtin, serial);
        const label = await renderLabel({
          pack,
          symbology: request.query.format,
          image: image satisfies LabelImageFormat,
          digitalLinkOrigin: originOf(request),
          scale: request.query.scale,
        });
        return reply
          .type(label.contentType)
          .header("cache-control", "private, max-age=60")
          .header("x-encoded-text", encodeURIComponent(label.encodedText))
          .send(label.body);
      },
    );
  }
};
