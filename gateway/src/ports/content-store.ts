/**
 * Content-addressed storage for documents (IPFS through Kubo in production).
 * The store sees bytes only: encryption, hashing policy and anchoring live in
 * the documents service.
 */
import { GatewayError, UnavailableError } from "../errors.js";

/** What the store answers for stored bytes. */
export interface StoredContent {
  /** CIDv1 (base32) of the stored bytes. */
  readonly cid: string;
  /** Lower-case hex sha256 of the stored bytes, computed while they streamed through. */
  readonly sha256: string;
  /** Number of bytes stored. */
  readonly size: number;
}

export interface ContentStore {
  /**
   * Stores the bytes without pinning them; `pin` keeps them. CIDs are
   * deterministic, so the same bytes may already be stored and pinned for
   * another document: the caller decides about the pin once it knows the CID.
   * @throws ContentTooLargeError when more than `maxBytes` arrive.
   * @throws ContentStoreUnavailableError when the store cannot be reached.
   */
  add(content: AsyncIterable<Uint8Array>, options: { readonly maxBytes: number }): Promise<StoredContent>;
  /**
   * Pins a stored CID (recursively).
   * @returns true when this call created the pin, false when the CID was
   *   already pinned (then the pin belongs to someone else and must stay).
   */
  pin(cid: string): Promise<boolean>;
  /**
   * Reads back the bytes of a CID.
   * @throws ContentNotFoundError when the store does not hold the CID.
   * @throws ContentTooLargeError when the content exceeds `maxBytes`.
   * @throws ContentStoreUnavailableError when the store cannot be reached.
   */
  get(cid: string, options: { readonly maxBytes: number }): Promise<Uint8Array>;
  /**
   * Removes the pin of a CID so the store may collect it; a missing pin is not
   * an error. Pins are not reference-counted: only the holder of the pin
   * (whoever `pin` answered true) may call this.
   */
  unpin(cid: string): Promise<void>;
  /** Resolves when the store answers; rejects with ContentStoreUnavailableError otherwise. */
  ping(): Promise<void>;
}

/** More bytes than allowed (HTTP 413). */
export class ContentTooLargeError extends GatewayError {
  override readonly name = "ContentTooLargeError";
  constructor(readonly limit: number) {
    super("PAYLOAD_TOO_LARGE", `document: must be at most ${limit} bytes`, { field: "body", details: { limitBytes: limit } });
  }
}

/** The store does not hold the CID (HTTP 404). */
export class ContentNotFoundError extends GatewayError {
  override readonly name = "ContentNotFoundError";
  constructor(readonly cid: string) {
    super("NOT_FOUND", `content ${cid} is not in the content store`, { details: { cid } });
  }
}

/** The store cannot be reached (HTTP 503, dependency "ipfs"). */
export class ContentStoreUnavailableError extends UnavailableError {
  override readonly name = "ContentStoreUnavailableError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("ipfs", message, options);
  }
}
