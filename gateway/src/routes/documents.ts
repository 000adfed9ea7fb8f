/**
 * /v1/documents: upload (stored in IPFS, anchored on the ledger), list,
 * verified download and erasure of confidential documents.
 *
 * The upload body is the raw file, its media type in Content-Type (allow
 * list; else 415), at most `uploadLimitBytes` (else 413). What the file is
 * about comes in the query string. With an Idempotency-Key, a retried upload
 * of the same bytes answers the first upload's anchor instead of anchoring twice.
 */
import { createHash } from "node:crypto";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { principalOf } from "../auth/hook.js";
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

/** What stands for an upload's body once received: hashable, so Idempotency-Key can compare requests. */
interface ReceivedFile {
  readonly sha256: string;
  readonly size: number;
  readonly contentType: string;
}

/** The received bytes of each upload, kept beside the request (its body is the ReceivedFile). */
const received = new WeakMap<FastifyRequest, Buffer>();

/** Reads a raw upload, hashing as it arrives and stopping at the limit. */
async function receive(request: FastifyRequest, limit: number): Promise<void> {
  const declared = Number(request.headers["content-length"] ?? "0");
  if (declared > limit) throw new ContentTooLargeError(limit);
  const hash = createHash("sha256");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request.body as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > limit) throw new ContentTooLargeError(limit);
    hash.update(chunk);
    chunks.push(chunk);
  }
  received.set(request, Buffer.concat(chunks));
  const file: ReceivedFile = { sha256: hash.digest("hex"), size, contentType: request.headers["content-type"] ?? "" };
  request.body = file;
}

async function* replay(bytes: Buffer): AsyncGenerator<Uint8Array> {
  // Kubo takes the file in chunks; 256 KiB keeps memory flat on the way out.
  for (let offset = 0; offset < bytes.byteLength; offset += 262_144) yield bytes.subarray(offset, offset + 262_144);
}

export const documentRoutes: FastifyPluginAsync<DocumentRoutesOptions> = async (app, options) => {
  const { documents } = options;

  await app.register(async (upload) => {
    // Only this route takes raw files: the body arrives unparsed and is read
    // before the idempotency check, which then compares its sha256, not the stream.
    upload.removeAllContentTypeParsers();
    upload.addContentTypeParser([...options.allowedContentTypes], (_request, payload, done) => {
      done(null, payload);
    });
    upload.addHook("preValidation", async (request) => receive(request, options.uploadLimitBytes));
    upload.post(
      "/documents",
      {
        config: { action: "document.write" },
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
        const file = request.body as ReceivedFile;
        const result = await documents.upload(principalOf(request), {
          channel: query.channel,
          kind: query.kind,
          subject: subjectOf(query),
          contentType: file.contentType,
          confidential: query.confidential === "true",
          body: replay(received.get(request) ?? Buffer.alloc(0)),
        });
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
