/**
 * Fabric block hashes, computed the way peers compute them: the header hash
 * is sha256 of the DER encoding of SEQUENCE { INTEGER number, OCTET STRING
 * previousHash, OCTET STRING dataHash }; the data hash is sha256 of the
 * block's envelopes concatenated. Recomputing both is what lets a block be
 * checked against a hash anchored elsewhere.
 */
import { createHash } from "node:crypto";

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function derTag(tag: number, content: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.byteLength), content]);
}

/** Minimal two's-complement big-endian bytes of a non-negative integer (DER INTEGER content). */
function derUnsigned(value: bigint): Buffer {
  if (value < 0n) throw new RangeError("block number must not be negative");
  const bytes: number[] = [];
  for (let v = value; v > 0n; v >>= 8n) bytes.unshift(Number(v & 0xffn));
  if (bytes.length === 0) bytes.push(0);
  if ((bytes[0] ?? 0) & 0x80) bytes.unshift(0);
  return Buffer.from(bytes);
}

/** The DER bytes Fabric hashes for a block header. */
export function blockHeaderBytes(number: bigint, previousHash: Uint8Array, dataHash: Uint8Array): Buffer {
  return derTag(0x30, Buffer.concat([derTag(0x02, derUnsigned(number)), derTag(0x04, previousHash), derTag(0x04, dataHash)]));
}

/** The block hash: what the next block names as its previous hash. */
export function blockHeaderHash(number: bigint, previousHash: Uint8Array, dataHash: Uint8Array): Buffer {
  return createHash("sha256").update(blockHeaderBytes(number, previousHash, dataHash)).digest();
}

/** The hash of a block's data (its envelopes in order). */
export function blockDataHash(data: readonly Uint8Array[]): Buffer {
  const hash = createHash("sha256");
  for (const envelope of data) hash.update(envelope);
  return hash.digest();
}
