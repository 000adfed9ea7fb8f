/**
 * Documents: files go to the content store (IPFS), their sha256 and CID are
 * anchored on the ledger against what they describe, and a download is
 * re-hashed and refused when it differs from the anchor. Confidential files
 * are encrypted (AES-256-GCM) before they leave the gateway; their key goes
 * to the owner's private data, so purging it makes the file unreadable.
 */
import { createHash } from "node:crypto";
import type { DocumentInput, DocumentKind, DocumentRecord, Subject } from "@rxtrace/domain";
import type { Principal } from "../auth/principal.js";
import { decrypt, DocumentDecryptionError, encryptStream, ENCRYPTION_OVERHEAD, newDocumentKey } from "../crypto/document-cipher.js";
import { GatewayError, ForbiddenError, NotFoundError, InvalidArgumentError } from "../errors.js";
import type { ContentStore } from "../ports/content-store.js";
import type { ChannelName, LedgerClient } from "../ports/ledger.js";
import { KeyLanes } from "./key-lanes.js";
import { call, evaluate, submit } from "./ledger-calls.js";
import { CATALOG, DOCUMENT_KEY_TRANSIENT_KEY } from "@rxtrace/domain";

// The chaincode's vocabulary is the one source of document kinds.
export { DOCUMENT_KINDS, type DocumentKind } from "@rxtrace/domain";

/** What a document describes and the document as anchored on the ledger: the catalog's records. */
export type { DocumentRecord, Subject };

export interface UploadRequest {
  readonly channel: ChannelName;
  readonly kind: DocumentKind;
  readonly subject: Subject;
  readonly contentType: string;
  readonly confidential: boolean;
  readonly body: AsyncIterable<Uint8Array>;
  /**
   * Called once every byte is stored and before anything reaches the ledger,
   * with the plain content's sha256 and size; throwing stops the upload (what
   * this request pinned is unpinned). The route claims its Idempotency-Key here.
   */
  readonly beforeAnchor?: (received: { readonly sha256: string; readonly size: number }) => void | Promise<void>;
}

export interface UploadResult extends DocumentRecord {
  readonly size: number;
  readonly storedSize: number;
  readonly transactionId: string;
}

/**
 * The ledger side of documents: anchoring and the per-org document keys
 * (implicit private collection `_implicit_org_<MSPID>`).
 */
export interface DocumentLedger {
  anchor(as: Principal, channel: ChannelName, record: DocumentInput): Promise<{ record: DocumentRecord; transactionId: string }>;
  list(as: Principal, channel: ChannelName, subject: Subject): Promise<DocumentRecord[]>;
  putKey(as: Principal, channel: ChannelName, cid: string, key: Uint8Array): Promise<void>;
  /** The caller org's key for a document, or undefined when it has none (never had or purged). */
  getKey(as: Principal, channel: ChannelName, cid: string): Promise<Uint8Array | undefined>;
  purgeKey(as: Principal, channel: ChannelName, cid: string): Promise<void>;
}

/** Content-type policy and limits. */
export interface DocumentPolicy {
  readonly uploadLimitBytes: number;
  readonly allowedContentTypes: readonly string[];
}

/** The downloaded content differs from its anchor (HTTP 409, never served). */
export class DocumentIntegrityError extends GatewayError {
  override readonly name = "DocumentIntegrityError";
  constructor(expected: string, actual: string, cid: string) {
    super("CONFLICT", `document ${cid}: content hash ${actual} differs from the anchored sha256 ${expected}; refused`, {
      details: { reason: "HASH_MISMATCH", expected, actual, cid },
    });
  }
}

export class DocumentsService {
  readonly #store: ContentStore;
  readonly #ledger: DocumentLedger;
  readonly #policy: DocumentPolicy;
  /** Pin decisions about one CID run one after another, so two requests with the same bytes never both think they own its pin. */
  readonly #pins = new KeyLanes();

  constructor(store: ContentStore, ledger: DocumentLedger, policy: DocumentPolicy) {
    this.#store = store;
    this.#ledger = ledger;
    this.#policy = policy;
  }

  /** The media type without parameters, lower-case, if it is on the allow list. */
  acceptedContentType(contentType: string | undefined): string | undefined {
    if (contentType === undefined) return undefined;
    const bare = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
    return this.#policy.allowedContentTypes.includes(bare) ? bare : undefined;
  }

  /**
   * Stores, then anchors. When anchoring fails the key is purged and the
   * content unpinned, so nothing claims the document exists, but only when
   * this request created the pin: CIDs are deterministic and pins are not
   * reference-counted, so the same bytes may already be pinned for a document
   * anchored earlier (or by an upload still running), and that pin must stay.
   */
  async upload(as: Principal, request: UploadRequest): Promise<UploadResult> {
    if (this.acceptedContentType(request.contentType) === undefined) {
      throw new GatewayError("UNSUPPORTED_MEDIA_TYPE", `content-type: must be one of ${this.#policy.allowedContentTypes.join(", ")}`, {
        field: "content-type",
      });
    }
    const plainHash = createHash("sha256");
    let plainSize = 0;
    const limit = this.#policy.uploadLimitBytes;
    async function* tapped(): AsyncGenerator<Uint8Array> {
      for await (const chunk of request.body) {
        plainHash.update(chunk);
        plainSize += chunk.byteLength;
        yield chunk;
      }
    }
    const key = request.confidential ? newDocumentKey() : undefined;
    const source = key === undefined ? tapped() : encryptStream(key, tapped());
    const stored = await this.#store.add(source, { maxBytes: key === undefined ? limit : limit + ENCRYPTION_OVERHEAD });
    const sha256 = plainHash.digest("hex");
    return this.#pins.run([stored.cid], async () => {
      const ownPin = await this.#store.pin(stored.cid);
      // Set before the call: a key write that failed on the way back may still have committed.
      let keySent = false;
      try {
        await request.beforeAnchor?.({ sha256, size: plainSize });
        if (key !== undefined) {
          keySent = true;
          await this.#ledger.putKey(as, request.channel, stored.cid, key);
        }
        const { record, transactionId } = await this.#ledger.anchor(as, request.channel, {
          sha256,
          cid: stored.cid,
          kind: request.kind,
          subject: request.subject,
          encrypted: key !== undefined,
        });
        return { ...record, size: plainSize, storedSize: stored.size, transactionId };
      } catch (error) {
        await this.#forget(as, request.channel, stored.cid, { ownPin, hadKey: keySent });
        throw error;
      }
    });
  }

  async list(as: Principal, channel: ChannelName, subject: Subject): Promise<DocumentRecord[]> {
    return this.#ledger.list(as, channel, subject);
  }

  /**
   * Reads a document anchored to `subject`, decrypting it when confidential,
   * and checks its sha256 against the anchor.
   * @throws NotFoundError when no such anchor exists or the key was purged
   * @throws DocumentIntegrityError when the content differs from the anchor
   */
  async download(as: Principal, channel: ChannelName, subject: Subject, sha256: string): Promise<{ record: DocumentRecord; content: Buffer }> {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new InvalidArgumentError("sha256", "must be 64 lower-case hex characters");
    const record = (await this.#ledger.list(as, channel, subject)).find((d) => d.sha256 === sha256);
    if (record === undefined) throw new NotFoundError(`no document with sha256 ${sha256} is anchored to this ${subject.type}`);
    const maxBytes = this.#policy.uploadLimitBytes + ENCRYPTION_OVERHEAD;
    let content: Buffer = Buffer.from(await this.#store.get(record.cid, { maxBytes }));
    if (record.encrypted) {
      const key = await this.#ledger.getKey(as, channel, record.cid);
      if (key === undefined) {
        throw new ForbiddenError(`document ${record.cid} is confidential and ${as.mspId} holds no key for it (not the owner, or the key was purged)`, {
          details: { reason: "NO_DOCUMENT_KEY", cid: record.cid },
        });
      }
      try {
        content = decrypt(key, content);
      } catch (error) {
        if (error instanceof DocumentDecryptionError) throw new DocumentIntegrityError(record.sha256, "undecryptable", record.cid);
        throw error;
      }
    }
    const actual = createHash("sha256").update(content).digest("hex");
    if (actual !== record.sha256) throw new DocumentIntegrityError(record.sha256, actual, record.cid);
    return { record, content };
  }

  /**
   * Erases a confidential document by purging its key; the anchor stays, the
   * content becomes unreadable. The content is unpinned too unless another
   * anchor of the subject names the same CID; purging the key is what erases,
   * so a pin kept for another reference loses nothing.
   */
  async erase(as: Principal, channel: ChannelName, subject: Subject, sha256: string): Promise<DocumentRecord> {
    const anchors = await this.#ledger.list(as, channel, subject);
    const record = anchors.find((d) => d.sha256 === sha256);
    if (record === undefined) throw new NotFoundError(`no document with sha256 ${sha256} is anchored to this ${subject.type}`);
    if (!record.encrypted) {
      throw new GatewayError("CONFLICT", `document ${record.cid} is not encrypted; only confidential documents can be erased`, { field: "sha256" });
    }
    const otherReferences = anchors.filter((d) => d !== record && d.cid === record.cid).length;
    await this.#pins.run([record.cid], async () => {
      await this.#ledger.purgeKey(as, channel, record.cid);
      if (otherReferences === 0) await this.#store.unpin(record.cid);
    });
    return record;
  }

  async #forget(as: Principal, channel: ChannelName, cid: string, held: { ownPin: boolean; hadKey: boolean }): Promise<void> {
    // Best effort: the caller sees the anchoring error, not a clean-up error.
    if (held.ownPin) await this.#store.unpin(cid).catch(() => undefined);
    if (held.hadKey) await this.#ledger.purgeKey(as, channel, cid).catch(() => undefined);
  }
}

/** DocumentLedger over the chaincode's `documents:*` transactions. */
export function newChaincodeDocumentLedger(ledger: LedgerClient): DocumentLedger {
  return {
    async anchor(as, channel, record) {
      const out = await submit(ledger, as, channel, call(CATALOG.documents.AnchorDocument, [record]));
      return { record: out.result, transactionId: out.transactionId };
    },
    async list(as, channel, subject) {
      return evaluate(ledger, as, channel, call(CATALOG.documents.ListDocuments, [subject]));
    },
    async putKey(as, channel, cid, key) {
      await submit(ledger, as, channel, call(CATALOG.documents.PutDocumentKey, [cid], { transient: { [DOCUMENT_KEY_TRANSIENT_KEY]: Buffer.from(key).toString("base64") }, endorsingOrganizations: [as.mspId] }));
    },
    async getKey(as, channel, cid) {
      try {
        const { key } = await evaluate(ledger, as, channel, call(CATALOG.documents.GetDocumentKey, [cid]));
        return Buffer.from(key, "base64");
      } catch (error) {
        if (error instanceof GatewayError && error.code === "NOT_FOUND") return undefined;
        throw error;
      }
    },
    async purgeKey(as, channel, cid) {
      await submit(ledger, as, channel, call(CATALOG.documents.PurgeDocumentKey, [cid], { endorsingOrganizations: [as.mspId] }));
    },
  };
}
