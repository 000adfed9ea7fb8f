/** In-memory doubles for the documents, events and audit tests. */
import { createHash } from "node:crypto";
import Fastify, { type FastifyInstance } from "fastify";
import type { Principal } from "../../gateway/src/auth/principal.js";
import { installErrorHandling } from "../../gateway/src/routes/hooks/errors.js";
import { ContentNotFoundError, ContentTooLargeError, type ContentStore, type StoredContent } from "../../gateway/src/ports/content-store.js";
import type { ChannelName } from "../../gateway/src/ports/ledger.js";
import type { DocumentLedger, DocumentRecord, Subject } from "../../gateway/src/services/documents.js";
import { GatewayError } from "../../gateway/src/errors.js";

export const manufacturer: Principal = { keyId: "k-mfr", user: "operator", mspId: "ManufacturerMSP", role: "operator" };
export const distributor: Principal = { keyId: "k-dist", user: "operator", mspId: "DistributorMSP", role: "operator" };
export const pharmacy: Principal = { keyId: "k-pharm", user: "pharmacist", mspId: "PharmacyMSP", role: "pharmacist" };
export const regulator: Principal = { keyId: "k-reg", user: "auditor", mspId: "RegulatorMSP", role: "auditor" };

/** A content store in memory; the "CID" is derived from the bytes. */
export class MemoryContentStore implements ContentStore {
  readonly blobs = new Map<string, Buffer>();
  /** Like Kubo's pins: one per CID, not reference-counted. */
  readonly pinned = new Set<string>();
  down = false;

  async add(content: AsyncIterable<Uint8Array>, options: { readonly maxBytes: number }): Promise<StoredContent> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of content) {
      size += chunk.byteLength;
      if (size > options.maxBytes) throw new ContentTooLargeError(options.maxBytes);
      chunks.push(Buffer.from(chunk));
    }
    if (this.down) throw new GatewayError("UNAVAILABLE", "ipfs unavailable: connection refused");
    const bytes = Buffer.concat(chunks);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const cid = `bafk${sha256.slice(0, 52)}`;
    this.blobs.set(cid, bytes);
    return { cid, sha256, size };
  }

  async pin(cid: string): Promise<boolean> {
    if (this.pinned.has(cid)) return false;
    this.pinned.add(cid);
    return true;
  }

  async get(cid: string): Promise<Uint8Array> {
    const bytes = this.blobs.get(cid);
    if (bytes === undefined) throw new ContentNotFoundError(cid);
    return bytes;
  }

  async unpin(cid: string): Promise<void> {
    this.pinned.delete(cid);
  }

  async ping(): Promise<void> {
    if (this.down) throw new GatewayError("UNAVAILABLE", "ipfs unavailable");
  }
}

/** The documents part of the ledger in memory, with per-org key vaults. */
export class MemoryDocumentLedger implements DocumentLedger {
  readonly anchors: { channel: ChannelName; record: DocumentRecord }[] = [];
  readonly keys = new Map<string, Uint8Array>();
  failAnchor: GatewayError | undefined;
  #tx = 0;

  async anchor(as: Principal, channel: ChannelName, record: Omit<DocumentRecord, "anchoredAt" | "anchoredBy" | "txId">) {
    if (this.failAnchor) throw this.failAnchor;
    if (this.anchors.some((a) => a.channel === channel && a.record.sha256 === record.sha256 && sameSubject(a.record.subject, record.subject))) {
      throw new GatewayError("ALREADY_EXISTS", "document already anchored to this subject");
    }
    const txId = `tx${++this.#tx}`;
    const full: DocumentRecord = { ...record, anchoredAt: "2026-01-01T00:00:00Z", anchoredBy: as.mspId, txId };
    this.anchors.push({ channel, record: full });
    return { record: full, transactionId: txId };
  }

  async list(_as: Principal, channel: ChannelName, subject: Subject) {
    return this.anchors.filter((a) => a.channel === channel && sameSubject(a.record.subject, subject)).map((a) => a.record);
  }

  async putKey(as: Principal, channel: ChannelName, cid: string, key: Uint8Array) {
    this.keys.set(`${channel}/${as.mspId}/${cid}`, key);
  }

  async getKey(as: Principal, channel: ChannelName, cid: string) {
    return this.keys.get(`${channel}/${as.mspId}/${cid}`);
  }

  async purgeKey(as: Principal, channel: ChannelName, cid: string) {
    this.keys.delete(`${channel}/${as.mspId}/${cid}`);
  }
}

function sameSubject(a: Subject, b: Subject): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export async function* chunks(...parts: (string | Buffer)[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield typeof part === "string" ? Buffer.from(part) : part;
}

/**
 * A bare Fastify app with the gateway's error handling and a test
 * authentication: header `x-test-user` names one of the principals above.
 */
export function testApp(): FastifyInstance {
  const app = Fastify({ logger: false });
  installErrorHandling(app);
  const users: Record<string, Principal> = { manufacturer, distributor, pharmacy, regulator };
  app.addHook("onRequest", async (request) => {
    const name = request.headers["x-test-user"];
    const principal = typeof name === "string" ? users[name] : undefined;
    if (principal === undefined) throw new GatewayError("UNAUTHENTICATED", "missing API key");
    request.principal = principal;
  });
  return app;
}
