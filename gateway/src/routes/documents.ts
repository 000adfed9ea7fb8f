/**
 * /v1/documents: upload (stored in IPFS, anchored on the ledger), list,
 * verified download and erasure of confidential documents.
 *
 * The upload body is the raw file, its media type in Content-Type (allow
 * list; else 415), at most `uploadLimitBytes` (else 413). What the file is
 * about comes in the query string. The body streams to IPFS as it arrives
 * (nothing is buffered whole); the key and role were checked when the request
 * began (onRequest), so no byte of a refused caller reaches IPFS, and the size
 * limit is enforced while streaming. With an Idempotency-Key, a retried upload
 * of the same bytes answers the first upload's anchor instead of anchoring
 * twice: the key is claimed once the bytes are in and their sha256 is known.
 */
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { principalOf } from "../auth/hook.js";
import { IdempotentReplay, sendReplay } from "./hooks/idempotency.js";
import { GatewayError, InvalidArgumentError } from "../errors.js";
import { CHANNELS, type ChannelName } from "../ports/ledger.js";
import { ContentTooLargeError } from "../ports/content-store.js";
import { DOCUMENT_KINDS, type DocumentsService, type Subject } from "../services/documents.js";

export interface DocumentRoutesOptions {
  readonly documents: DocumentsService;
  readonly uploadLimitBytes: number;
  readonly allowedContentTypes: readonly string[];
}

const Gtin = Type.String({ pattern: "^[0-9]{14}$", description: "GTIN-14" });
const Gs1Text = Type.String({ minLength: 1, maxLength: 20, pattern: "^[!-~]+$" });

const SubjectQuery = Type.Object(
  {
    channel: Type.Union(CHANNELS.map((c) => Type.Literal(c))),
    subjectType: Type.Union([Type.Literal("product"), Type.Literal("lot"), Type.Literal("pack"), Type.Literal("shipment")]),
    gtin: Type.Optional(Gtin),
    lot: Type.Optional(Gs1Text),
    serial: Type.Optional(Gs1Text),
    shipmentId: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9._:-]{1,64}$" })),
  },
  { additionalProperties: false },
);
type SubjectQuery = Static<typeof SubjectQuery>;

const UploadQuery = Type.Composite(
  [
    SubjectQuery,
    Type.Object({
      kind: Type.Union(DOCUMENT_KINDS.map((k) => Type.Literal(k))),
      // Query strings are not coerced: the flag is the text "true" or "false".
      confidential: Type.Optional(Type.Union([Type.Literal("true"), Type.Literal("false")])),
    }),
  ],
  { additionalProperties: false },
);

const SubjectBody = Type.Union([
  Type.Object({ type: Type.Literal("product"), gtin: Type.String() }),
  Type.Object({ type: Type.Literal("lot"), gtin: Type.String(), lot: Type.String() }),
  Type.Object({ type: Type.Literal("pack"), gtin: Type.String(), serial: Type.String() }),
  Type.Object({ type: Type.Literal("shipment"), shipmentId: Type.String() }),
]);

const DocumentBody = Type.Object({
  sha256: Type.String(),
  cid: Type.String(),
  kind: Type.String(),
  subject: SubjectBody,
  encrypted: Type.Boolean(),
  anchoredAt: Type.Optional(Type.String()),
  anchoredBy: Type.Optional(Type.String()),
  txId: Type.Optional(Type.String()),
});

const UploadBody = Type.Composite([
  DocumentBody,
  Type.Object({ size: Type.Integer(), storedSize: Type.Integer(), transactionId: Type.String() }),
]);

const Sha256Params = Type.Object({ sha256: Type.String({ pattern: "^[0-9a-f]{64}$" }) }, { additionalProperties: false });

function need(query: SubjectQuery, field: "gtin" | "lot" | "serial" | "shipmentId"): string {
  const value = query[field];
  if (value === undefined) throw new InvalidArgumentError(field, `is required when subjectType is ${query.subjectType}`);
  return value;
}

/** Builds the ledger subject from the query, naming the missing field. */
export function subjectOf(query: SubjectQuery): Subject {
  switch (query.subjectType) {
    case "product":
      return { type: "product", gtin: need(query, "gtin") };
    case "lot":
      return { type: "lot", gtin: need(query, "gtin"), lot: need(query, "lot") };
    case "pack":
      return { type: "pack", gtin: need(query, "gtin"), serial: need(query, "serial") };
    case "shipment":
      return { type: "shipment", shipmentId: need(query, "shipmentId") };
  }
}

/** The raw upload as it arrives, refused at the first byte past the limit. */
async function* limited(body: AsyncIterable<Buffer>, limit: number): AsyncGenerator<Uint8Array> {
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit) throw new ContentTooLargeError(limit);
    yield chunk;
  }
}

export const documentRoutes: FastifyPluginAsync<DocumentRoutesOptions> = async (app, options) => {
  const { documents } = options;

  await app.register(async (upload) => {
    // Only this route takes raw files: the body stays the unread request stream for the handler.
    upload.removeAllContentTypeParsers();
    upload.addContentTypeParser([...options.allowedContentTypes], (_request, payload, done) => {
      done(null, payload);
    });
    upload.addHook("preValidation", async (request) => {
      // A declared size above the limit is refused before a byte is read.
      if (Number(request.headers["content-length"] ?? "0") > options.uploadLimitBytes) throw new ContentTooLargeError(options.uploadLimitBytes);
    });
    upload.post(
      "/documents",
      {
        config: { action: "document.write", idempotency: "deferred" },
        bodyLimit: options.uploadLimitBytes,
        schema: {
          tags: ["documents"],
          summary: "Upload a document: stored in IPFS (encrypted when confidential), sha256 and CID anchored on the ledger",
          querystring: UploadQuery,
          response: { 201: UploadBody },
        },
      },
      async (request, reply) => {
        const query = request.query as Static<typeof UploadQuery>;
        const contentType = request.headers["content-type"] ?? "";
        let result: Awaited<ReturnType<DocumentsService["upload"]>>;
        try {
          result = await documents.upload(principalOf(request), {
            channel: query.channel,
            kind: query.kind,
            subject: subjectOf(query),
            contentType,
            confidential: query.confidential === "true",
            body: limited(request.body as AsyncIterable<Buffer>, options.uploadLimitBytes),
            beforeAnchor: ({ sha256, size }) => request.claimIdempotency?.({ sha256, size, contentType }),
          });
        } catch (error) {
          if (error instanceof IdempotentReplay) return sendReplay(reply, error.response);
          throw error;
        }
        return reply.code(201).send(result);
      },
    );
  });

  app.get(
    "/documents",
    {
      config: { action: "read" },
      schema: {
        tags: ["documents"],
        summary: "Documents anchored to a product, lot, pack or shipment",
        querystring: SubjectQuery,
        response: { 200: Type.Object({ documents: Type.Array(DocumentBody) }) },
      },
    },
    async (request) => {
      const query = request.query as SubjectQuery;
      return { documents: await documents.list(principalOf(request), query.channel, subjectOf(query)) };
    },
  );

  app.get(
    "/documents/:sha256",
    {
      config: { action: "read" },
      schema: {
        tags: ["documents"],
        summary: "Download a document; its content is re-hashed and refused (409) when it differs from the anchor",
        params: Sha256Params,
        querystring: SubjectQuery,
      },
    },
    async (request, reply) => {
      const { channel, subject, sha256 } = target(request);
      const { record, content } = await documents.download(principalOf(request), channel, subject, sha256);
      return reply
        .header("content-type", "application/octet-stream")
        .header("x-rxtrace-sha256", record.sha256)
        .header("x-rxtrace-cid", record.cid)
        .send(content);
    },
  );

  app.delete(
    "/documents/:sha256",
    {
      config: { action: "document.erase" },
      schema: {
        tags: ["documents"],
        summary: "Erase a confidential document: purge its key from private data (the anchor stays; the content becomes unreadable)",
        params: Sha256Params,
        querystring: SubjectQuery,
        response: { 200: Type.Object({ erased: DocumentBody }) },
      },
    },
    async (request) => {
      const { channel, subject, sha256 } = target(request);
      return { erased: await documents.erase(principalOf(request), channel, subject, sha256) };
    },
  );
};

function target(request: FastifyRequest): { channel: ChannelName; subject: Subject; sha256: string } {
  const query = request.query as SubjectQuery;
  const params = request.params as Static<typeof Sha256Params>;
  if (params.sha256 === undefined) throw new GatewayError("INVALID_ARGUMENT", "sha256: is required", { field: "sha256" });
  return { channel: query.channel, subject: subjectOf(query), sha256: params.sha256 };
}
