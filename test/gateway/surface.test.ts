/**
 * The gateway's public surface: security headers on every answer, the
 * request rate per API key, concurrent event streams per key, uploads that
 * stream to IPFS only after the caller is authorised, /metrics and /docs
 * behind a key by configuration, and one flat error body everywhere.
 */
import type { AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import { expect } from "chai";
import { openSqliteEventIndex } from "../../gateway/src/adapters/sqlite-event-index.js";
import { ERROR_STATUS } from "../../gateway/src/errors.js";
import { EventHub } from "../../gateway/src/events/hub.js";
import type { StoredContent } from "../../gateway/src/ports/content-store.js";
import { DocumentsService } from "../../gateway/src/services/documents.js";
import { MemoryContentStore, MemoryDocumentLedger } from "./documents-fakes.js";
import { eventually } from "./events-fakes.js";
import { buildTestApp, KEYS, type TestApp, type TestAppOptions } from "./support/app.js";

const POLICY = { uploadLimitBytes: 1024, allowedContentTypes: ["application/pdf", "text/plain"] };
const UPLOAD_URL = "/v1/documents?channel=mfr-dist&subjectType=lot&gtin=09521234543213&lot=LOT2024A&kind=OTHER";
const ERROR_KEYS = ["code", "message", "field", "transactionId", "details"];

describe("gateway surface", () => {
  let t: TestApp;
  afterEach(async () => t?.close());
  const build = async (options: TestAppOptions = {}): Promise<TestApp> => (t = await buildTestApp(options));
  const whoami = (key?: string) => t.app.inject({ method: "GET", url: "/v1/whoami", headers: key === undefined ? {} : { "x-api-key": key } });

  describe("security headers", () => {
    it("sends helmet's headers on API answers, errors and public routes alike", async () => {
      await build();
      const answers = [
        await whoami(KEYS.pharmacy),
        await whoami(),
        await t.app.inject({ method: "GET", url: "/no-such-route" }),
        await t.app.inject({ method: "GET", url: "/healthz" }),
        await t.app.inject({ method: "GET", url: "/docs/json" }),
      ];

      for (const res of answers) {
        expect(res.headers["x-content-type-options"], res.request?.url).to.equal("nosniff");
        expect(res.headers["x-frame-options"]).to.equal("SAMEORIGIN");
        expect(res.headers["content-security-policy"]).to.include("default-src 'self'");
        expect(res.headers["strict-transport-security"]).to.match(/max-age=/);
        expect(res.headers["cross-origin-opener-policy"]).to.equal("same-origin");
      }
    });

    it("keeps the scan page's own stricter Content-Security-Policy, which lets it use the camera and its script only", async () => {
      await build();

      const res = await t.app.inject({ method: "GET", url: "/scan" });

      expect(res.statusCode).to.equal(200);
      expect(res.headers["content-security-policy"]).to.match(/^default-src 'none'; script-src 'self'/).and.include("media-src 'self' blob:");
      expect(res.headers["x-frame-options"]).to.equal("SAMEORIGIN");
    });
  });

  describe("request rate per API key", () => {
    it("answers 429 with Retry-After and a flat error body past the limit, counting each key on its own", async () => {
      await build({ limits: { requestsPerMinute: 3 } });

      const allowed = [await whoami(KEYS.pharmacy), await whoami(KEYS.pharmacy), await whoami(KEYS.pharmacy)];
      const refused = await whoami(KEYS.pharmacy);
      const otherKey = await whoami(KEYS.distributor);

      expect(allowed.map((r) => r.statusCode)).to.deep.equal([200, 200, 200]);
      expect(refused.statusCode).to.equal(429);
      expect(Number(refused.headers["retry-after"])).to.be.within(1, 60);
      expect(refused.json()).to.include({ code: "RATE_LIMITED" });
      expect(refused.json().message).to.match(/at most 3 per minute/);
      expect(refused.headers["x-content-type-options"]).to.equal("nosniff");
      expect(otherKey.statusCode).to.equal(200);
    });

    it("leaves /healthz and /readyz out of the count, so probes never use up a budget", async () => {
      await build({ limits: { requestsPerMinute: 1 } });

      const probes = [];
      for (let i = 0; i < 3; i++) for (const url of ["/healthz", "/readyz"]) probes.push((await t.app.inject({ method: "GET", url })).statusCode);

      expect(probes).to.deep.equal([200, 200, 200, 200, 200, 200]);
    });

    it("is off when the limit is 0", async () => {
      await build({ limits: { requestsPerMinute: 0 } });

      const codes = [];
      for (let i = 0; i < 5; i++) codes.push((await whoami(KEYS.pharmacy)).statusCode);

      expect(codes).to.deep.equal([200, 200, 200, 200, 200]);
    });
  });

  describe("event streams per API key", () => {
    it("refuses one stream more than the cap with 429, and takes a new one once a stream is closed", async () => {
      const hub = new EventHub();
      await build({ limits: { eventStreamsPerKey: 2 }, events: { index: openSqliteEventIndex(":memory:"), hub, channelsOf: () => ["mfr-dist"], heartbeatMs: 60_000, replayLimit: 10 } });
      const base = `http://127.0.0.1:${((await t.app.listen({ host: "127.0.0.1", port: 0 })) && (t.app.server.address() as AddressInfo)).port}`;
      const open = (key: string) => {
        const controller = new AbortController();
        return { controller, response: fetch(`${base}/v1/events`, { headers: { "x-api-key": key }, signal: controller.signal }) };
      };

      const first = open(KEYS.distributor);
      const second = open(KEYS.distributor);
      expect((await first.response).status).to.equal(200);
      expect((await second.response).status).to.equal(200);
      const third = await open(KEYS.distributor).response;
      const otherKey = open(KEYS.manufacturer);
      expect((await otherKey.response).status).to.equal(200);
      first.controller.abort();
      await eventually(() => hub.size === 2);
      const again = open(KEYS.distributor);

      expect(third.status).to.equal(429);
      expect(third.headers.get("retry-after")).to.match(/^[0-9]+$/);
      expect(await third.json()).to.include({ code: "RATE_LIMITED" });
      expect((await again.response).status).to.equal(200);
      for (const s of [second, otherKey, again]) s.controller.abort();
    });
  });

  describe("document uploads", () => {
    /** A content store that says when the first bytes of an upload reach it. */
    class WatchedStore extends MemoryContentStore {
      adds = 0;
      firstBytes: () => void = () => undefined;
      override async add(content: AsyncIterable<Uint8Array>, options: { readonly maxBytes: number }): Promise<StoredContent> {
        this.adds += 1;
        return super.add(onFirstChunk(content, () => this.firstBytes()), options);
      }
    }
    async function* onFirstChunk(content: AsyncIterable<Uint8Array>, signal: () => void): AsyncGenerator<Uint8Array> {
      let first = true;
      for await (const chunk of content) {
        if (first) signal();
        first = false;
        yield chunk;
      }
    }
    let store: WatchedStore;
    let ledger: MemoryDocumentLedger;
    const buildWithDocuments = async () => {
      store = new WatchedStore();
      ledger = new MemoryDocumentLedger();
      await build({ documents: { documents: new DocumentsService(store, ledger, POLICY), ...POLICY } });
    };

    it("refuses an unauthenticated or read-only caller before any byte reaches IPFS", async () => {
      await buildWithDocuments();
      const send = (headers: Record<string, string>) =>
        t.app.inject({ method: "POST", url: UPLOAD_URL, headers: { "content-type": "application/pdf", ...headers }, payload: Buffer.from("%PDF certificate") });

      const anonymous = await send({});
      const auditor = await send({ "x-api-key": KEYS.regulator });

      expect(anonymous.statusCode).to.equal(401);
      expect(auditor.statusCode).to.equal(403);
      expect(store.adds).to.equal(0);
      expect(store.blobs.size).to.equal(0);
    });

    it("streams the body into IPFS while it is still arriving, instead of buffering the whole file first", async () => {
      await buildWithDocuments();
      const body = new PassThrough();
      const reached = new Promise<void>((resolve) => (store.firstBytes = resolve));
      const answer = t.app.inject({ method: "POST", url: UPLOAD_URL, headers: { "content-type": "text/plain", "x-api-key": KEYS.manufacturer }, payload: body });

      body.write("first part, ");
      const beforeTheEnd = await Promise.race([reached.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2_000))]);
      body.end("second part");
      const res = await answer;

      expect(beforeTheEnd, "IPFS received bytes before the body ended").to.be.true;
      expect(res.statusCode, res.body).to.equal(201);
      expect(res.json().size).to.equal("first part, second part".length);
    });

    it("stops a streamed body at the limit with 413 and anchors nothing", async () => {
      await buildWithDocuments();
      const body = new PassThrough();
      const answer = t.app.inject({ method: "POST", url: UPLOAD_URL, headers: { "content-type": "text/plain", "x-api-key": KEYS.manufacturer }, payload: body });

      for (let i = 0; i < 5; i++) body.write(Buffer.alloc(300, 0x61));
      body.end();
      const res = await answer;

      expect(res.statusCode).to.equal(413);
      expect(res.json()).to.include({ code: "PAYLOAD_TOO_LARGE", field: "body" });
      expect(ledger.anchors).to.have.length(0);
      expect(store.pinned.size).to.equal(0);
    });
  });

  describe("operational endpoints behind a key", () => {
    it("serves /metrics and /docs to anyone by default", async () => {
      await build();

      expect((await t.app.inject({ method: "GET", url: "/metrics" })).statusCode).to.equal(200);
      expect((await t.app.inject({ method: "GET", url: "/docs/json" })).statusCode).to.equal(200);
    });

    it("answers 401 on /metrics and /docs without a valid key when configured, and serves any role's key", async () => {
      await build({ exposure: { metrics: "apiKey", docs: "apiKey" } });
      const get = (url: string, key?: string) => t.app.inject({ method: "GET", url, headers: key === undefined ? {} : { "x-api-key": key } });

      const refused = [await get("/metrics"), await get("/docs/json"), await get("/docs/"), await get("/metrics", KEYS.revoked)];
      const served = [await get("/metrics", KEYS.regulator), await get("/docs/json", KEYS.pharmacy)];

      expect(refused.map((r) => r.statusCode)).to.deep.equal([401, 401, 401, 401]);
      expect(refused[0]?.json()).to.include({ code: "UNAUTHENTICATED" });
      expect(served.map((r) => r.statusCode)).to.deep.equal([200, 200]);
      expect(served[0]?.body).to.include("rxtrace_http_requests_total");
    });

    it("keeps /healthz, /readyz and the scan page public when /metrics and /docs need a key", async () => {
      await build({ exposure: { metrics: "apiKey", docs: "apiKey" } });

      for (const url of ["/healthz", "/readyz", "/scan"]) expect((await t.app.inject({ method: "GET", url })).statusCode, url).to.equal(200);
    });
  });

  describe("error bodies", () => {
    it("answers every error as a flat {code, message, field?, transactionId?, details?} whose code maps to its status", async () => {
      await build({ limits: { requestsPerMinute: 1 } });
      const answers = [
        await whoami(),
        await t.app.inject({ method: "GET", url: "/no-such-route" }),
        await t.app.inject({ method: "POST", url: "/v1/lots", headers: { "x-api-key": KEYS.manufacturer, "content-type": "application/json" }, payload: "{" }),
        await t.app.inject({ method: "POST", url: "/v1/lots", headers: { "x-api-key": KEYS.pharmacy, "content-type": "application/json" }, payload: {} }),
        await t.app.inject({ method: "POST", url: "/v1/lots", headers: { "x-api-key": KEYS.manufacturer, "content-type": "application/json" }, payload: {} }),
      ];

      for (const res of answers) {
        const body = res.json();
        expect(Object.keys(body).every((k) => ERROR_KEYS.includes(k)), JSON.stringify(body)).to.be.true;
        expect(body).to.not.have.property("error");
        expect(body.message).to.be.a("string");
        expect(ERROR_STATUS[body.code as keyof typeof ERROR_STATUS], JSON.stringify(body)).to.equal(res.statusCode);
      }
      expect(answers.map((r) => r.statusCode)).to.deep.equal([401, 404, 400, 403, 429]);
    });
  });
});
