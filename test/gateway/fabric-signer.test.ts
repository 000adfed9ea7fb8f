import { createPrivateKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from "node:crypto";
import { hash, signers } from "@hyperledger/fabric-gateway";
import { expect } from "chai";
import { fabricSigning, lowSDer } from "../../gateway/src/adapters/fabric-signer.js";

const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const P384_ORDER = 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n;

/** r and s of a DER ECDSA signature, read strictly: one SEQUENCE of two minimal INTEGERs, nothing after. */
function parseDer(der: Uint8Array): { r: bigint; s: bigint } {
  expect(der[0], "SEQUENCE tag").to.equal(0x30);
  expect(der[1], "SEQUENCE length").to.equal(der.length - 2);
  let at = 2;
  const integer = (): bigint => {
    expect(der[at], "INTEGER tag").to.equal(0x02);
    const length = der[at + 1] ?? 0;
    const bytes = der.subarray(at + 2, at + 2 + length);
    expect(bytes.length, "INTEGER length").to.equal(length);
    expect(bytes[0]! & 0x80, "INTEGER is positive").to.equal(0);
    if (length > 1) expect(bytes[0] === 0 && (bytes[1]! & 0x80) === 0, "INTEGER is minimal").to.equal(false);
    at += 2 + length;
    return BigInt(`0x${Buffer.from(bytes).toString("hex")}`);
  };
  const r = integer();
  const s = integer();
  expect(at, "nothing after the two integers").to.equal(der.length);
  return { r, s };
}

function p1363(r: bigint, s: bigint, size: number): Buffer {
  return Buffer.from(r.toString(16).padStart(size * 2, "0") + s.toString(16).padStart(size * 2, "0"), "hex");
}

function keyPair(namedCurve: string): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync("ec", { namedCurve });
}

describe("Fabric signer", () => {
  describe("signing with a P-256 key", () => {
    const { privateKey, publicKey } = keyPair("P-256");
    const { signer } = fabricSigning(privateKey);

    it("asks fabric-gateway for the whole message, not a digest", () => {
      const message = randomBytes(64);
      expect(fabricSigning(privateKey).hash(message)).to.deep.equal(message);
    });

    it("makes low-S DER signatures that node:crypto verifies over 300 random messages", async () => {
      for (let i = 0; i < 300; i++) {
        const message = randomBytes(1 + (i % 7) * 300);
        const signature = await signer(message);
        const { s } = parseDer(signature);
        expect(s <= P256_ORDER >> 1n, `low S for message ${i}`).to.equal(true);
        expect(verify("sha256", message, publicKey, signature), `verifies message ${i}`).to.equal(true);
      }
    });

    it("makes a signature that does not verify for another message", async () => {
      const signature = await signer(Buffer.from("proposal A"));
      expect(verify("sha256", Buffer.from("proposal B"), publicKey, signature)).to.equal(false);
    });

    it("verifies as the pure-JavaScript signer's signature does, for the same message", async () => {
      const message = randomBytes(1500);
      const pure = await signers.newPrivateKeySigner(privateKey)(hash.sha256(message));
      const ours = await signer(message);
      expect(verify("sha256", message, publicKey, pure)).to.equal(true);
      expect(verify("sha256", message, publicKey, ours)).to.equal(true);
      // ECDSA with OpenSSL's random nonce: the same key and message, a different valid signature.
      expect(Buffer.from(ours).equals(Buffer.from(pure))).to.equal(false);
    });

    it("reads a key from PEM as the gateway does", async () => {
      const pem = privateKey.export({ type: "pkcs8", format: "pem" });
      const signature = await fabricSigning(createPrivateKey(pem)).signer(Buffer.from("m"));
      expect(verify("sha256", Buffer.from("m"), publicKey, signature)).to.equal(true);
    });
  });

  describe("low-S normalization", () => {
    const { privateKey, publicKey } = keyPair("P-256");
    const message = Buffer.from("a proposal");

    it("replaces a high S by n - s, keeping r, and the result still verifies", () => {
      const raw = sign("sha256", message, { key: privateKey, dsaEncoding: "ieee-p1363" });
      const r = BigInt(`0x${raw.subarray(0, 32).toString("hex")}`);
      const s = BigInt(`0x${raw.subarray(32).toString("hex")}`);
      const high = s > P256_ORDER >> 1n ? s : P256_ORDER - s;
      const highRaw = p1363(r, high, 32);
      expect(verify("sha256", message, { key: publicKey, dsaEncoding: "ieee-p1363" }, highRaw), "the high-S form is valid ECDSA").to.equal(true);

      const der = lowSDer(highRaw, P256_ORDER);

      expect(parseDer(der)).to.deep.equal({ r, s: P256_ORDER - high });
      expect(verify("sha256", message, publicKey, der)).to.equal(true);
    });

    it("keeps a low S as it is", () => {
      const der = lowSDer(p1363(5n, 7n, 32), P256_ORDER);
      expect(Buffer.from(der).toString("hex")).to.equal("3006020105020107");
    });

    it("puts a zero byte before an integer whose top bit is set, and drops leading zeros", () => {
      const r = 0x80n << 248n;
      const der = lowSDer(p1363(r, 0x01n, 32), P256_ORDER);
      expect(Buffer.from(der).toString("hex")).to.equal(`3026022100${(0x80n << 248n).toString(16)}020101`);
      expect(parseDer(der)).to.deep.equal({ r, s: 1n });
    });
  });

  describe("keys", () => {
    it("signs with a P-384 key, low S", async () => {
      const { privateKey, publicKey } = keyPair("P-384");
      const { signer } = fabricSigning(privateKey);
      for (let i = 0; i < 50; i++) {
        const message = randomBytes(200);
        const signature = await signer(message);
        expect(parseDer(signature).s <= P384_ORDER >> 1n).to.equal(true);
        expect(verify("sha256", message, publicKey, signature)).to.equal(true);
      }
    });

    it("refuses a key on a curve Fabric does not use, naming the curve", () => {
      expect(() => fabricSigning(keyPair("secp256k1").privateKey)).to.throw("not on secp256k1");
    });

    it("refuses a public key", () => {
      expect(() => fabricSigning(keyPair("P-256").publicKey)).to.throw("must be an EC private key");
    });

    it("refuses an Ed25519 key, naming its type", () => {
      expect(() => fabricSigning(generateKeyPairSync("ed25519").privateKey)).to.throw("not a private ed25519 key");
    });
  });
});
