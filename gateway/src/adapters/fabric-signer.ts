/**
 * Fabric signatures made by node:crypto (OpenSSL) rather than fabric-gateway's
 * pure-JavaScript signer: signing every proposal and transaction is most of
 * the gateway's own CPU time under load, and OpenSSL does it several times
 * faster. fabric-gateway is told not to hash (`hash.none`), so the signer gets
 * the whole message and OpenSSL hashes and signs it in one call.
 *
 * Fabric accepts an ECDSA signature only in DER with a low S (s <= n/2), to
 * rule out the second, malleated form (r, n - s) of every signature; OpenSSL
 * returns either form, so a high S is replaced by n - s here.
 */
import { sign, type KeyObject } from "node:crypto";
import { hash, type ConnectOptions } from "@hyperledger/fabric-gateway";

/** The group order n of each curve Fabric MSPs use, by OpenSSL's curve name. */
const CURVE_ORDERS: Readonly<Record<string, bigint>> = {
  prime256v1: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  secp384r1: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
};

/** What a Gateway's connect options need to sign as one identity. */
export type FabricSigning = Required<Pick<ConnectOptions, "signer" | "hash">>;

/**
 * The signer and hash to pass to fabric-gateway's `connect` for `privateKey`:
 * SHA-256 and ECDSA by OpenSSL, low-S DER.
 * @throws Error naming the key type or curve when the key is not an EC key on P-256 or P-384
 */
export function fabricSigning(privateKey: KeyObject): FabricSigning {
  const order = curveOrderOf(privateKey);
  return {
    signer: (message) => Promise.resolve(lowSDer(sign("sha256", message, { key: privateKey, dsaEncoding: "ieee-p1363" }), order)),
    hash: hash.none,
  };
}

function curveOrderOf(key: KeyObject): bigint {
  if (key.type !== "private" || key.asymmetricKeyType !== "ec") {
    throw new Error(`a Fabric signing key must be an EC private key, not a ${key.type} ${key.asymmetricKeyType ?? "secret"} key`);
  }
  const curve = key.asymmetricKeyDetails?.namedCurve ?? "unnamed";
  const order = CURVE_ORDERS[curve];
  if (order === undefined) throw new Error(`a Fabric signing key must be on P-256 or P-384, not on ${curve}`);
  return order;
}

/**
 * The DER form of an ECDSA signature given as r || s (IEEE P1363), with s
 * replaced by n - s when it is above n/2.
 */
export function lowSDer(p1363: Uint8Array, order: bigint): Uint8Array {
  const size = p1363.length / 2;
  const r = p1363.subarray(0, size);
  let s = p1363.subarray(size);
  const sValue = BigInt(`0x${Buffer.from(s).toString("hex")}`);
  if (sValue > order >> 1n) s = Buffer.from((order - sValue).toString(16).padStart(size * 2, "0"), "hex");
  const body = Buffer.concat([derInteger(r), derInteger(s)]);
  // Two integers of at most 48 bytes each stay under 128 bytes: the short length form always fits.
  return Buffer.concat([Uint8Array.of(0x30, body.length), body]);
}

/** A DER INTEGER of unsigned big-endian bytes: minimal, with a leading zero when the top bit would read as a sign. */
function derInteger(unsigned: Uint8Array): Uint8Array {
  let start = 0;
  while (start < unsigned.length - 1 && unsigned[start] === 0) start++;
  const bytes = unsigned.subarray(start);
  const pad = (bytes[0] ?? 0) & 0x80 ? 1 : 0;
  const out = new Uint8Array(2 + pad + bytes.length);
  out[0] = 0x02;
  out[1] = pad + bytes.length;
  out.set(bytes, 2 + pad);
  return out;
}
