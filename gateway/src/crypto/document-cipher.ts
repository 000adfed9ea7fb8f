/**
 * AES-256-GCM for confidential documents. Layout of an encrypted document:
 * 12-byte IV, ciphertext, 16-byte authentication tag. The key never goes to
 * IPFS: it lives in the owner's private data, so purging it there makes the
 * stored ciphertext unreadable.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const ALGORITHM = "aes-256-gcm";
export const DOCUMENT_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Bytes an encrypted document has beyond its plaintext. */
export const ENCRYPTION_OVERHEAD = IV_BYTES + TAG_BYTES;

/** The ciphertext was altered, truncated or encrypted under another key. */
export class DocumentDecryptionError extends Error {
  readonly code = "INTEGRITY";
  constructor(message = "document cannot be decrypted: wrong key or altered ciphertext") {
    super(message);
    this.name = "DocumentDecryptionError";
  }
}

export function newDocumentKey(): Buffer {
  return randomBytes(DOCUMENT_KEY_BYTES);
}

function checkKey(key: Uint8Array): void {
  if (key.byteLength !== DOCUMENT_KEY_BYTES) {
    throw new RangeError(`document key must be ${DOCUMENT_KEY_BYTES} bytes, got ${key.byteLength}`);
  }
}

/** Encrypts a stream of plaintext chunks as it flows (IV first, tag last). */
export async function* encryptStream(key: Uint8Array, plaintext: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv);
  yield iv;
  for await (const chunk of plaintext) {
    const out = cipher.update(chunk);
    if (out.byteLength > 0) yield out;
  }
  const last = cipher.final();
  if (last.byteLength > 0) yield last;
  yield cipher.getAuthTag();
}

/** Encrypts a whole buffer. */
export function encrypt(key: Uint8Array, plaintext: Uint8Array): Buffer {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv);
  return Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/**
 * Decrypts and authenticates a whole encrypted document.
 * @throws DocumentDecryptionError when the tag does not verify.
 */
export function decrypt(key: Uint8Array, sealed: Uint8Array): Buffer {
  checkKey(key);
  if (sealed.byteLength < ENCRYPTION_OVERHEAD) throw new DocumentDecryptionError("encrypted document is truncated");
  const iv = sealed.subarray(0, IV_BYTES);
  const tag = sealed.subarray(sealed.byteLength - TAG_BYTES);
  const body = sealed.subarray(IV_BYTES, sealed.byteLength - TAG_BYTES);
  const decipher = createDecipheriv(ALGORITHM, key, iv);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new DocumentDecryptionError();
  }
}
