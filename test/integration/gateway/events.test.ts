/**
 * The event pipeline on the real network: the fabric-gateway listener with a
 * file checkpoint feeds the SQLite index, SSE clients and a signed webhook.
 */
import { createHmac } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import Fastify, { type FastifyInstance } from "fastify";
import { newFabricEventSource } from "../../../gateway/src/adapters/fabric-events.js";
import type { FabricLedgerClient } from "../../../gateway/src/adapters/fabric.js";
import { openSqliteEventIndex } from "../../../gateway/src/adapters/sqlite-event-index.js";
import { EventHub } from "../../../gateway/src/events/hub.js";
import { EventListener } from "../../../gateway/src/events/listener.js";
import { WebhookDispatcher } from "../../../gateway/src/events/webhooks.js";
import type { EventIndex, IndexedEvent } from "../../../gateway/src/ports/event-index.js";
import { eventRoutes } from "../../../gateway/src/routes/events.js";
import { eventually, fabricLedger, gtinFor, manufacturer, registerProduct } from "./support.js";

const SECRET = "integration-webhook-secret";

describe("event pipeline on the real network", function () {
  this.timeout(180_000);
  let ledger: FabricLedgerClient;
  let dir: string;
  let index: EventIndex;
  let hub: EventHub;
  let listener: EventListener;
  let webhook: Server;
  let received: { headers: IncomingHttpHeaders; body: string }[];
  let dispatcher: WebhookDispatcher;
  let app: FastifyInstance;
  let base: string;

  const newListener = () =>
    new EventListener(newFabricEventSource((c) => ledger.observerNetwork(c), "rxtrace"), index, hub, {
      channels: ["mfr-dist", "dist-pharm"],
      checkpointDir: dir,
      retryInitialMs: 200,
      retryMaxMs: 2_000,
    });

  before(async () => {
    ledger = fabricLedger();
    dir = mkdtempSync(path.join(tmpdir(), "rxtrace-it-events-"));
    index = openSqliteEventIndex(path.join(dir, "index.sqlite"));
    hub = new EventHub();
    received = [];
    webhook = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        received.push({ headers: req.headers, body });
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve));
    dispatcher = new WebhookDispatcher([{ url: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/`, secret: SECRET }], {
      maxAttempts: 3,
      initialDelayMs: 100,
      maxDelayMs: 1_000,
      timeoutMs: 5_000,
      development: true,
    });
    dispatcher.attach(hub);
    app = Fastify();
    app.addHook("onRequest", async (request) => {
      request.principal = manufacturer;
    });
    await app.register(eventRoutes, { prefix: "/v1", index, hub, channelsOf: () => ["mfr-dist"], heartbeatMs: 15_000, replayLimit: 1000 });
    base = await app.listen({ port: 0, host: "127.0.0.1" });
    listener = newListener();
    listener.start();
    await eventually(async () => listener.ready().then(() => true, () => false), 60_000, "listener connected to both channels");
  });

  after(async () => {
    // Parts the before hook did not reach are undefined.
    await listener?.stop();
    await dispatcher?.close();
    await app?.close();
    if (webhook) await new Promise<void>((resolve) => webhook.close(() => resolve()));
    index?.close();
    ledger?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("indexes a committed transaction's event with its block, time and submitting org, and delivers it over SSE and a signed webhook", async () => {
    const gtin = gtinFor("events");
    const controller = new AbortController();
    const sse = await fetch(`${base}/v1/events?eventType=ProductRegistered`, { signal: controller.signal });
    const reader = sse.body?.getReader();
    let streamed = "";
    const reading = (async () => {
      const decoder = new TextDecoder();
      while (reader && !streamed.includes(gtin)) {
        const { value, done } = await reader.read();
        if (done) break;
        streamed += decoder.decode(value, { stream: true });
      }
    })();

    await registerProduct(ledger, gtin);
    let event: IndexedEvent | undefined;
    await eventually(() => (event = index.search({ gtin, eventType: "ProductRegistered", limit: 1 })[0]) !== undefined, 30_000, "indexed ProductRegistered");
    await reading;
    await dispatcher.idle();
    controller.abort();

    expect(event).to.include({ channel: "mfr-dist", mspId: "ManufacturerMSP", eventName: "ProductRegistered" });
    expect(event?.blockNumber).to.be.greaterThan(0);
    expect(Date.now() - Date.parse(event?.timestamp ?? "")).to.be.lessThan(5 * 60_000);
    expect(streamed).to.match(new RegExp(`id: ${event?.seq}\\nevent: ProductRegistered\\ndata: .*${gtin}`));
    const delivery = received.find((r) => r.body.includes(gtin));
    expect(delivery, "webhook delivery").to.not.be.undefined;
    const signature = `sha256=${createHmac("sha256", SECRET).update(`${String(delivery?.headers["x-rxtrace-timestamp"])}.${delivery?.body ?? ""}`).digest("hex")}`;
    expect(delivery?.headers["x-rxtrace-signature"]).to.equal(signature);
  });

  it("keeps a checkpoint file per channel and resumes after it without duplicates", async () => {
    const before = index.search({ limit: 10_000 }).length;
    await listener.stop();

    const gtin = gtinFor("events-resume");
    await registerProduct(ledger, gtin);
    listener = newListener();
    listener.start();
    await eventually(() => index.search({ gtin, limit: 1 }).length === 1, 30_000, "event committed while stopped is indexed");

    expect(existsSync(listener.checkpointFile("mfr-dist"))).to.be.true;
    expect(index.search({ limit: 10_000 }).length).to.equal(before + 1);
  });

  it("rebuilds a channel's index from the ledger", async () => {
    const before = index.search({ channel: "mfr-dist", limit: 10_000 });
    const lastSeq = Math.max(...before.map((e) => e.seq));

    await listener.rebuild("mfr-dist");
    // Replayed events are recorded anew, so each gets a position after every old one.
    const replayed = () => index.search({ channel: "mfr-dist", limit: 10_000 }).filter((e) => e.seq > lastSeq);
    await eventually(() => replayed().length >= before.length, 60_000, "rebuilt index");

    expect(replayed().map((e) => e.txId)).to.include.members(before.map((e) => e.txId));
    expect(index.search({ channel: "mfr-dist", limit: 10_000 }).filter((e) => e.seq <= lastSeq)).to.have.length(0);
  });
});
