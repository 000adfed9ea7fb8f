/** The Kubo adapter against a real Kubo daemon (scripts/kubo.sh start). */
import { createHash } from "node:crypto";
import { expect } from "chai";
import { newKuboContentStore } from "../../../gateway/src/adapters/ipfs.js";
import { GatewayError } from "../../../gateway/src/errors.js";
import { KUBO_API, RUN } from "./support.js";

async function* bytes(...parts: Buffer[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield p;
}

describe("Kubo content store (real daemon)", () => {
  const store = newKuboContentStore({ url: KUBO_API, timeoutMs: 10_000 });

  it("answers a ping", async () => {
    await store.ping();
  });

  it("stores bytes as CIDv1 with their sha256 and reads them back", async () => {
    const content = Buffer.from(`certificate of analysis ${RUN}`);

    const stored = await store.add(bytes(content.subarray(0, 10), content.subarray(10)), { maxBytes: 1024 });
    const back = await store.get(stored.cid, { maxBytes: 1024 });

    expect(stored.cid).to.match(/^baf/);
    expect(stored.sha256).to.equal(createHash("sha256").update(content).digest("hex"));
    expect(stored.size).to.equal(content.byteLength);
    expect(Buffer.from(back).equals(content)).to.be.true;
  });

  it("stores a file larger than one IPFS chunk intact", async () => {
    const content = Buffer.alloc(600_000, `${RUN}-large-`);

    const stored = await store.add(bytes(content), { maxBytes: 1_000_000 });
    const back = await store.get(stored.cid, { maxBytes: 1_000_000 });

    expect(createHash("sha256").update(back).digest("hex")).to.equal(stored.sha256);
  });

  it("refuses more bytes than the limit with PAYLOAD_TOO_LARGE", async () => {
    const error = await store.add(bytes(Buffer.alloc(2048, 1)), { maxBytes: 1024 }).catch((e: unknown) => e);

    expect(error).to.be.instanceOf(GatewayError).with.property("code", "PAYLOAD_TOO_LARGE");
  });

  it("unpins a stored CID and treats a second unpin as done", async () => {
    const stored = await store.add(bytes(Buffer.from(`to unpin ${RUN}`)), { maxBytes: 1024 });

    await store.unpin(stored.cid);
    await store.unpin(stored.cid);
  });

  it("answers NOT_FOUND for a CID the offline node does not hold", async () => {
    const missing = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";

    const error = await store.get(missing, { maxBytes: 1024 }).catch((e: unknown) => e);

    expect(error).to.be.instanceOf(GatewayError).with.property("code", "NOT_FOUND");
  });

  it("answers UNAVAILABLE naming IPFS when no daemon listens", async () => {
    const down = newKuboContentStore({ url: "http://127.0.0.1:9", timeoutMs: 2_000 });

    const error = await down.ping().catch((e: unknown) => e);

    expect(error).to.be.instanceOf(GatewayError).with.property("code", "UNAVAILABLE");
    expect((error as Error).message).to.match(/^ipfs unavailable/);
  });
});
