import { createHmac } from "node:crypto";
import { EVENT_NAMES } from "@rxtrace/domain";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { openSqliteEventIndex } from "../../gateway/src/adapters/sqlite-event-index.js";
import { EventHub } from "../../gateway/src/events/hub.js";
import { decodeEvent, EventListener } from "../../gateway/src/events/listener.js";
import { SUBJECTS, subjectsOf } from "../../gateway/src/events/subjects.js";
import { WebhookDispatcher, webhookUrlProblem, type DeliveryOutcome } from "../../gateway/src/events/webhooks.js";
import { signDelivery } from "../../gateway/src/events/webhook-signature.js";
import { SqliteOutbox } from "../../gateway/src/adapters/outbox-sqlite.js";
import { OutboxRelay } from "../../gateway/src/services/outbox-relay.js";
import type { EventIndex, IndexedEvent } from "../../gateway/src/ports/event-index.js";
import { eventRoutes } from "../../gateway/src/routes/events.js";
import { testApp } from "./documents-fakes.js";
import { tempDir as scratchDir } from "./support/temp.js";
import { eventually, FakeEventSource, rawEvent } from "./events-fakes.js";

const GTIN = "09521234543213";
const commissioned = (block: number, tx: string, lot = "LOT1") =>
  rawEvent("mfr-dist", block, tx, "LotCommissioned", { at: "2026-03-01T10:00:00Z", by: "ManufacturerMSP", gtin: GTIN, lot, expiry: "270331", count: 2 });

describe("event subjects", () => {
  const of = (eventName: string, payload: unknown) => subjectsOf({ eventName, payload });

  it("names a pack from a pack event's gtin and serial and a lot from a lot event's gtin and lot", () => {
    expect(of("PackDispensed", { gtin: GTIN, serial: "SN1" })).to.deep.equal([{ gtin: GTIN, serial: "SN1" }]);
    expect(of("LotRecalled", { gtin: GTIN, lot: "LOT1", reason: "x" })).to.deep.equal([{ gtin: GTIN, lot: "LOT1" }]);
    expect(of("ProductWithdrawn", { gtin: GTIN, reason: "x" })).to.deep.equal([{ gtin: GTIN }]);
  });

  it("names the shipment of a shipment event, and the packs a receipt lists as missing or unexpected", () => {
    expect(of("ShipmentShipped", { shipmentId: "S1", shipper: "a", consignee: "b", count: 2 })).to.deep.equal([{ shipmentId: "S1" }]);
    const subjects = of("ShipmentExceptionRecorded", { shipmentId: "S1", missing: [{ gtin: GTIN, serial: "A" }], unexpected: [{ gtin: GTIN, serial: "B" }] });
    expect(subjects).to.deep.equal([{ shipmentId: "S1" }, { gtin: GTIN, serial: "A", shipmentId: "S1" }, { gtin: GTIN, serial: "B", shipmentId: "S1" }]);
  });

  it("names what an anchored document describes", () => {
    expect(of("DocumentAnchored", { sha256: "h", cid: "c", kind: "coa", subject: { type: "lot", gtin: GTIN, lot: "LOT1" } })).to.deep.equal([{ gtin: GTIN, lot: "LOT1" }]);
    expect(of("DocumentAnchored", { sha256: "h", cid: "c", kind: "coa", subject: { type: "shipment", shipmentId: "S1" } })).to.deep.equal([{ shipmentId: "S1" }]);
  });

  it("does not guess: a gtin in an event that is not about a product, lot or pack names nothing", () => {
    expect(of("PacksHandedOff", { toChannel: "dist-pharm", count: 1, holder: "DistributorMSP", gtin: GTIN })).to.deep.equal([]);
    expect(of("RelayStillPending", { gtin: GTIN })).to.deep.equal([]);
  });

  it("has an extractor for every event of the catalog", () => {
    expect(Object.keys(SUBJECTS).sort()).to.deep.equal([...EVENT_NAMES].sort());
  });

  it("finds nothing in a payload that does not fit its event, and keeps only string fields", () => {
    expect(of("PackDispensed", undefined)).to.deep.equal([]);
    expect(of("ShipmentReceived", { shipmentId: "S1", notReceived: "not a list" })).to.deep.equal([{ shipmentId: "S1" }]);
    expect(of("ShipmentShipped", { shipmentId: ["S1"] })).to.deep.equal([]);
    expect(of("PackDispensed", { gtin: GTIN, serial: { nested: true } })).to.deep.equal([{ gtin: GTIN }]);
    expect(of("DocumentAnchored", { subject: { type: "pack", gtin: 7 } })).to.deep.equal([]);
  });
});

describe("event decoding", () => {
  it("takes the transaction time and submitting org from the payload", () => {
    const event = decodeEvent(commissioned(5, "t1"));

    expect(event).to.include({ blockNumber: 5, txId: "t1", eventName: "LotCommissioned", timestamp: "2026-03-01T10:00:00.000Z", mspId: "ManufacturerMSP" });
  });
});

describe("sqlite event index", () => {
  let index: EventIndex;
  beforeEach(() => {
    index = openSqliteEventIndex(":memory:");
  });
  afterEach(() => index.close());

  const record = (raw: ReturnType<typeof rawEvent>) => {
    const event = decodeEvent(raw);
    return index.record([{ event, subjects: subjectsOf(event) }]);
  };

  it("records an event once even when it is replayed", () => {
    expect(record(commissioned(5, "t1"))).to.have.length(1);
    expect(record(commissioned(5, "t1"))).to.have.length(0);
    expect(index.search({ limit: 10 })).to.have.length(1);
  });

  it("searches by GTIN, lot, org, event type and time range together", () => {
    record(commissioned(5, "t1", "LOT1"));
    record(commissioned(6, "t2", "LOT2"));
    record(rawEvent("mfr-dist", 7, "t3", "LotRecalled", { at: "2026-04-01T00:00:00Z", by: "RegulatorMSP", gtin: GTIN, lot: "LOT1", reason: "r" }));

    expect(index.search({ gtin: GTIN, lot: "LOT1", limit: 10 }).map((e) => e.txId)).to.deep.equal(["t1", "t3"]);
    expect(index.search({ org: "RegulatorMSP", limit: 10 }).map((e) => e.txId)).to.deep.equal(["t3"]);
    expect(index.search({ eventType: "LotCommissioned", lot: "LOT2", limit: 10 }).map((e) => e.txId)).to.deep.equal(["t2"]);
    expect(index.search({ from: "2026-03-15T00:00:00.000Z", to: "2026-05-01T00:00:00.000Z", limit: 10 }).map((e) => e.txId)).to.deep.equal(["t3"]);
  });

  it("returns the subjects and payload of each event", () => {
    record(commissioned(5, "t1"));

    const [event] = index.search({ limit: 1 });

    expect(event?.subjects).to.deep.equal([{ gtin: GTIN, lot: "LOT1" }]);
    expect(event?.payload).to.include({ count: 2 });
  });

  it("forgets one channel and keeps the other", () => {
    record(commissioned(5, "t1"));
    record(rawEvent("dist-pharm", 3, "t9", "PacksImported", { at: "2026-03-02T00:00:00Z", by: "DistributorMSP" }));

    index.clearChannel("mfr-dist");

    expect(index.search({ limit: 10 }).map((e) => e.channel)).to.deep.equal(["dist-pharm"]);
    expect(index.lastBlock("mfr-dist")).to.be.undefined;
    expect(index.lastBlock("dist-pharm")).to.equal(3);
  });
});

describe("event listener", () => {
  let source: FakeEventSource;
  let index: EventIndex;
  let hub: EventHub;
  let listener: EventListener;
  let published: IndexedEvent[];
  const dirs: string[] = [];
  const tempDir = (): string => {
    const dir = mkdtempSync(path.join(tmpdir(), "rxtrace-listener-"));
    dirs.push(dir);
    return dir;
  };

  beforeEach(() => {
    source = new FakeEventSource();
    index = openSqliteEventIndex(":memory:");
    hub = new EventHub();
    published = [];
    hub.subscribe((e) => published.push(e));
    listener = new EventListener(source, index, hub, {
      channels: ["mfr-dist", "dist-pharm"],
      checkpointDir: tempDir(),
      retryInitialMs: 5,
      retryMaxMs: 20,
    });
  });

  afterEach(async () => {
    await listener.stop();
    index.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("indexes and publishes each channel's events and checkpoints them", async () => {
    source.append(commissioned(5, "t1"));
    source.append(rawEvent("dist-pharm", 2, "t2", "PacksImported", { at: "2026-03-02T00:00:00Z", by: "DistributorMSP" }));

    listener.start();
    await eventually(() => published.length === 2);

    expect(index.search({ limit: 10 }).map((e) => e.txId).sort()).to.deep.equal(["t1", "t2"]);
    expect(existsSync(listener.checkpointFile("mfr-dist"))).to.be.true;
    await listener.ready();
  });

  it("resumes after its checkpoint when restarted, without duplicates", async () => {
    source.append(commissioned(5, "t1"));
    listener.start();
    await eventually(() => published.length === 1);
    await listener.stop();

    source.append(commissioned(6, "t2", "LOT2"));
    listener.start();
    await eventually(() => published.length === 2);

    expect(published.map((e) => e.txId)).to.deep.equal(["t1", "t2"]);
    expect(index.search({ limit: 10 })).to.have.length(2);
  });

  it("reconnects by itself after the peer fails and reports not ready meanwhile", async () => {
    listener.start();
    await eventually(() => listener.status()["mfr-dist"]?.connected === true);

    source.fail();
    await eventually(() => listener.status()["mfr-dist"]?.connected === false);
    const notReady = await listener.ready().catch((e: unknown) => e);
    source.recover();
    source.append(commissioned(5, "t1"));
    await eventually(() => published.length === 1);

    expect(notReady).to.be.instanceOf(Error);
    expect((notReady as Error).message).to.match(/mfr-dist/);
    expect(source.opens).to.be.greaterThan(2);
  });

  it("stops even when asked while its streams are still opening", async () => {
    source.openDelayMs = 50;

    listener.start();
    await listener.stop();

    expect(source.closes).to.equal(2);
    expect(listener.status()["mfr-dist"]?.connected).to.be.false;
  });

  it("rebuilds a channel's index from the first block", async () => {
    source.append(commissioned(5, "t1"));
    source.append(commissioned(6, "t2", "LOT2"));
    listener.start();
    await eventually(() => published.length === 2);
    index.clearChannel("mfr-dist");
    expect(index.search({ channel: "mfr-dist", limit: 10 })).to.have.length(0);

    await listener.rebuild("mfr-dist");
    await eventually(() => index.search({ channel: "mfr-dist", limit: 10 }).length === 2);

    expect(index.search({ channel: "mfr-dist", limit: 10 }).map((e) => e.txId)).to.deep.equal(["t1", "t2"]);
  });

  it("adds the subjects the enricher finds", async () => {
    await listener.stop();
    listener = new EventListener(source, index, hub, {
      channels: ["mfr-dist"],
      checkpointDir: tempDir(),
      retryInitialMs: 5,
      retryMaxMs: 20,
      enrich: async (e) => (e.eventName === "ShipmentShipped" ? [{ gtin: GTIN, serial: "SN9", shipmentId: "S1" }] : []),
    });
    source.append(rawEvent("mfr-dist", 9, "t9", "ShipmentShipped", { at: "2026-03-03T00:00:00Z", by: "ManufacturerMSP", shipmentId: "S1", count: 1 }));

    listener.start();
    await eventually(() => published.length === 1);

    expect(index.search({ gtin: GTIN, serial: "SN9", limit: 10 }).map((e) => e.txId)).to.deep.equal(["t9"]);
  });
});

function fakeIndexed(seq: number, channel = "mfr-dist", eventName = "LotCommissioned"): IndexedEvent {
  return {
    seq,
    channel,
    blockNumber: seq,
    txId: `t${seq}`,
    eventName,
    timestamp: "2026-03-01T10:00:00.000Z",
    mspId: "ManufacturerMSP",
    payload: { gtin: GTIN },
    subjects: [{ gtin: GTIN, lot: "LOT1" }],
  };
}

describe("webhooks", () => {
  let server: Server;
  let url: string;
  let received: { headers: IncomingMessage["headers"]; body: string }[];
  let answers: number[];

  beforeEach(async () => {
    received = [];
    answers = [];
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        received.push({ headers: req.headers, body });
        res.statusCode = answers.shift() ?? 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });

  afterEach(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  const dispatcher = (outcomes: DeliveryOutcome[] = [], maxAttempts = 4) =>
    new WebhookDispatcher([{ url, secret: "s3cret-s3cret-s3cret" }], {
      maxAttempts,
      initialDelayMs: 10,
      maxDelayMs: 40,
      timeoutMs: 1000,
      development: true,
      onOutcome: (o) => outcomes.push(o),
    });

  it("posts the event signed with HMAC-SHA256 over timestamp and body", async () => {
    const hub = new EventHub();
    const d = dispatcher();
    d.attach(hub);

    hub.publish(fakeIndexed(1));
    await d.idle();

    expect(received).to.have.length(1);
    const { headers, body } = received[0] ?? { headers: {}, body: "" };
    const expected = `sha256=${createHmac("sha256", "s3cret-s3cret-s3cret").update(`${String(headers["x-rxtrace-timestamp"])}.${body}`).digest("hex")}`;
    expect(headers["x-rxtrace-signature"]).to.equal(expected);
    expect(headers["x-rxtrace-event-id"]).to.equal("mfr-dist:t1");
    expect(JSON.parse(body)).to.include({ eventName: "LotCommissioned", txId: "t1", seq: 1 });
  });

  it("retries a failed delivery with growing delays until it succeeds", async () => {
    answers = [503, 500];
    const outcomes: DeliveryOutcome[] = [];
    const started = Date.now();

    await dispatcher(outcomes).deliver({ url, secret: "s3cret-s3cret-s3cret" }, fakeIndexed(2));

    expect(received.map((r) => r.headers["x-rxtrace-delivery-attempt"])).to.deep.equal(["1", "2", "3"]);
    expect(outcomes[0]).to.include({ delivered: true, attempts: 3 });
    expect(Date.now() - started).to.be.at.least(10 + 20);
  });

  it("gives up after the last attempt and reports the failure", async () => {
    answers = [500, 500, 500];
    const outcomes: DeliveryOutcome[] = [];

    await dispatcher(outcomes, 3).deliver({ url, secret: "s3cret-s3cret-s3cret" }, fakeIndexed(3));

    expect(received).to.have.length(3);
    expect(outcomes[0]).to.include({ delivered: false, attempts: 3, lastStatus: 500 });
  });

  it("does not retry a delivery the subscriber refused with 400", async () => {
    answers = [400];

    const outcome = await dispatcher().deliver({ url, secret: "s3cret-s3cret-s3cret" }, fakeIndexed(4));

    expect(received).to.have.length(1);
    expect(outcome.delivered).to.be.false;
  });

  it("retries when the subscriber cannot be reached", async () => {
    const outcome = await new WebhookDispatcher([{ url: "http://127.0.0.1:1/unreachable", secret: "x" }], { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 1, timeoutMs: 500, development: true }).deliver(
      { url: "http://127.0.0.1:1/unreachable", secret: "x" },
      fakeIndexed(5),
    );

    expect(outcome).to.include({ delivered: false, attempts: 2 });
    expect(outcome.lastError).to.be.a("string");
  });

  it("does not follow a redirect: the 307 ends the delivery and its target is never posted to", async () => {
    let redirected = 0;
    const elsewhere = createServer((_req, res) => {
      redirected += 1;
      res.end();
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, "127.0.0.1", resolve));
    const redirector = createServer((_req, res) => {
      res.writeHead(307, { location: `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/api/v0/pin/rm` });
      res.end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, "127.0.0.1", resolve));
    try {
      const target = { url: `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/`, secret: "s3cret-s3cret-s3cret" };
      const d = new WebhookDispatcher([target], { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 1, timeoutMs: 1000, development: true });
      const outcome = await d.deliver(target, fakeIndexed(6));
      expect(outcome).to.include({ delivered: false, attempts: 1, lastStatus: 307 });
      expect(redirected).to.equal(0);
    } finally {
      await Promise.all([elsewhere, redirector].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    }
  });

  it("refuses an http:// target outside development mode, and one that is not loopback in development", async () => {
    const target = (u: string) => [{ url: u, secret: "s3cret-s3cret-s3cret" }];
    const options = { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 1, timeoutMs: 100 };
    expect(() => new WebhookDispatcher(target("http://127.0.0.1:9/hook"), options)).to.throw(/events\.webhooks\[0\]\.url .*must be https/);
    expect(() => new WebhookDispatcher(target("http://10.0.0.5/hook"), { ...options, development: true })).to.throw(/loopback/);
    await new WebhookDispatcher(target("https://hooks.example.org/x"), options).close();
    expect(webhookUrlProblem("http://[::1]:8080/", true)).to.equal(undefined);
    expect(webhookUrlProblem("http://localhost.example.org/", true)).to.match(/loopback/);
  });

  it("delivers after a restart a webhook whose retries were still waiting in the outbox file", async () => {
    const file = path.join(scratchDir("rxtrace-hooks-"), "outbox.db");
    answers = [503];
    const relayOn = (outbox: SqliteOutbox) => new OutboxRelay(outbox, { initialDelayMs: 20, maxDelayMs: 20, pollMs: 5, alertAfterMs: 60_000 });
    const target = { url, secret: "s3cret-s3cret-s3cret" };
    const firstOutbox = new SqliteOutbox(file);
    const firstRelay = relayOn(firstOutbox);
    const first = new WebhookDispatcher([target], { maxAttempts: 5, initialDelayMs: 20, maxDelayMs: 20, timeoutMs: 1000, development: true, relay: firstRelay });
    const waiting = first.deliver(target, fakeIndexed(7));
    await eventually(() => received.length === 1);
    // The gateway's shutdown order: no new attempts, the one under way recorded, then the file closed.
    await first.close();
    await firstRelay.stop();
    expect((await waiting).delivered).to.equal(false);
    await firstOutbox.close();

    const secondOutbox = new SqliteOutbox(file);
    const relay = relayOn(secondOutbox);
    const outcomes: DeliveryOutcome[] = [];
    const second = new WebhookDispatcher([target], { maxAttempts: 5, initialDelayMs: 20, maxDelayMs: 20, timeoutMs: 1000, development: true, relay, onOutcome: (o) => outcomes.push(o) });
    relay.start();
    await eventually(() => outcomes.length === 1);
    await relay.stop();
    await second.close();
    await secondOutbox.close();

    expect(received.map((r) => r.headers["x-rxtrace-event-id"])).to.deep.equal(["mfr-dist:t7", "mfr-dist:t7"]);
    expect(received[1]?.headers["x-rxtrace-delivery-attempt"]).to.equal("2");
    expect(outcomes[0]).to.include({ delivered: true, attempts: 2 });
  });

  it("signs deterministically for the same secret, timestamp and body", () => {
    expect(signDelivery("k", "t", "b")).to.equal(signDelivery("k", "t", "b"));
    expect(signDelivery("k", "t", "b")).to.not.equal(signDelivery("k2", "t", "b"));
  });
});

describe("server-sent events route", () => {
  let app: FastifyInstance;
  let index: EventIndex;
  let hub: EventHub;
  let base: string;

  beforeEach(async () => {
    index = openSqliteEventIndex(":memory:");
    hub = new EventHub();
    app = testApp();
    await app.register(eventRoutes, {
      prefix: "/v1",
      index,
      hub,
      channelsOf: (msp) => (msp === "PharmacyMSP" ? ["dist-pharm"] : ["mfr-dist", "dist-pharm"]),
      heartbeatMs: 60_000,
      replayLimit: 100,
    });
    base = await app.listen({ port: 0, host: "127.0.0.1" });
  });

  afterEach(async () => {
    await app.close();
    index.close();
  });

  /** Reads the stream until `count` events arrived. */
  async function readEvents(response: Response, count: number): Promise<{ id: string; event: string; data: Record<string, unknown> }[]> {
    const reader = response.body?.getReader();
    if (!reader) throw new Error("no body");
    const decoder = new TextDecoder();
    let text = "";
    const events: { id: string; event: string; data: Record<string, unknown> }[] = [];
    while (events.length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = text.indexOf("\n\n")) >= 0) {
        const block = text.slice(0, cut);
        text = text.slice(cut + 2);
        const lines = Object.fromEntries(block.split("\n").filter((l) => !l.startsWith(":") && l.includes(": ")).map((l) => [l.slice(0, l.indexOf(": ")), l.slice(l.indexOf(": ") + 2)]));
        if (lines.data !== undefined) events.push({ id: lines.id ?? "", event: lines.event ?? "", data: JSON.parse(lines.data) as Record<string, unknown> });
      }
    }
    await reader.cancel();
    return events;
  }

  const record = (raw: ReturnType<typeof rawEvent>) => {
    const event = decodeEvent(raw);
    for (const e of index.record([{ event, subjects: subjectsOf(event) }])) hub.publish(e);
  };

  it("streams live events as text/event-stream with the index position as id", async () => {
    const controller = new AbortController();
    const response = await fetch(`${base}/v1/events`, { headers: { "x-test-user": "regulator" }, signal: controller.signal });
    const reading = readEvents(response, 1);

    await eventually(() => hub.size > 0);
    record(commissioned(5, "t1"));
    const events = await reading;

    expect(response.headers.get("content-type")).to.match(/^text\/event-stream/);
    expect(events[0]).to.deep.include({ id: "1", event: "LotCommissioned" });
    expect(events[0]?.data).to.include({ txId: "t1", mspId: "ManufacturerMSP" });
    controller.abort();
  });

  it("replays what was recorded after Last-Event-ID before going live", async () => {
    record(commissioned(5, "t1"));
    record(commissioned(6, "t2", "LOT2"));
    record(commissioned(7, "t3", "LOT3"));
    const controller = new AbortController();

    const response = await fetch(`${base}/v1/events`, { headers: { "x-test-user": "regulator", "last-event-id": "1" }, signal: controller.signal });
    const events = await readEvents(response, 2);

    expect(events.map((e) => e.data.txId)).to.deep.equal(["t2", "t3"]);
    controller.abort();
  });

  it("never sends an org the events of a channel it is not a member of", async () => {
    const controller = new AbortController();
    const response = await fetch(`${base}/v1/events`, { headers: { "x-test-user": "pharmacy" }, signal: controller.signal });
    const reading = readEvents(response, 1);
    await eventually(() => hub.size > 0);

    record(commissioned(5, "t-private"));
    record(rawEvent("dist-pharm", 2, "t-visible", "PacksImported", { at: "2026-03-02T00:00:00Z", by: "DistributorMSP" }));
    const events = await reading;

    expect(events.map((e) => e.data.txId)).to.deep.equal(["t-visible"]);
    controller.abort();
  });

  it("answers 400 naming the channel when the org asks for a channel it is not in", async () => {
    const res = await app.inject({ method: "GET", url: "/v1/events?channel=mfr-dist", headers: { "x-test-user": "pharmacy" } });

    expect(res.statusCode).to.equal(400);
    expect(res.json()).to.include({ field: "channel" });
  });
});
