/**
 * The receiver's check of a webhook delivery: signature over timestamp and
 * body, the timestamp window that stops replays, and the event id that
 * tells a repeat. Deliveries come from the real dispatcher over HTTP; the
 * receiver is the snippet docs/gateway-documents-events.md shows, run as it
 * is written there.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { expect } from "chai";
import { DEFAULT_WINDOW_MS, EVENT_ID_HEADER, parseDeliveryTimestamp, SIGNATURE_HEADER, signDelivery, TIMESTAMP_HEADER, verifyWebhook } from "../../gateway/src/events/webhook-signature.js";
import { WebhookDispatcher } from "../../gateway/src/events/webhooks.js";
import type { IndexedEvent } from "../../gateway/src/ports/event-index.js";

const SECRET = "s3cret-s3cret-s3cret";
const WINDOW = DEFAULT_WINDOW_MS;

interface Received {
  headers: IncomingMessage["headers"];
  body: string;
  status: number;
}

const event = (txId: string): IndexedEvent => ({
  seq: 1,
  channel: "mfr-dist",
  blockNumber: 3,
  txId,
  eventName: "LotCommissioned",
  timestamp: "2026-03-01T10:00:00.000Z",
  mspId: "ManufacturerMSP",
  payload: { gtin: "09521234543213" },
  subjects: [{ gtin: "09521234543213", lot: "LOT1" }],
});

/** A delivery signed now, as the dispatcher signs it. */
function signed(body = '{"id":"mfr-dist:t1"}', at: Date | string = new Date()): { headers: Record<string, string>; body: string } {
  const timestamp = typeof at === "string" ? at : at.toISOString();
  return { headers: { [SIGNATURE_HEADER]: signDelivery(SECRET, timestamp, body), [TIMESTAMP_HEADER]: timestamp, [EVENT_ID_HEADER]: "mfr-dist:t1" }, body };
}

/** The receiver snippet of the documentation, as a function of verifyWebhook, the secret and the event handler. */
function documentedReceiver(handle: (event: unknown) => void): (req: IncomingMessage, rawBody: string, res: ServerResponse) => void {
  const doc = readFileSync(path.join(import.meta.dirname, "../../docs/gateway-documents-events.md"), "utf8");
  const block = /<!-- webhook-receiver -->\s*```js\n([\s\S]*?)```/.exec(doc)?.[1];
  if (block === undefined) throw new Error("docs/gateway-documents-events.md has no <!-- webhook-receiver --> js block");
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- runs the documented snippet exactly as written
  const build = new Function("verifyWebhook", "secret", "handle", `${block}\nreturn onDelivery;`) as (
    verify: typeof verifyWebhook,
    secret: string,
    handle: (event: unknown) => void,
  ) => (req: IncomingMessage, rawBody: string, res: ServerResponse) => void;
  return build(verifyWebhook, SECRET, handle);
}

describe("the receiver's check of a webhook delivery (verifyWebhook)", () => {
  it("accepts a fresh, correctly signed delivery and names its event id", () => {
    const verdict = verifyWebhook({ ...signed(), secret: SECRET });
    expect(verdict).to.include({ ok: true, eventId: "mfr-dist:t1" });
  });

  it("refuses a delivery older than the window", () => {
    const at = new Date("2026-03-01T10:00:00.000Z");
    const verdict = verifyWebhook({ ...signed(undefined, at), secret: SECRET, now: at.getTime() + WINDOW + 1 });
    expect(verdict).to.include({ ok: false, reason: "stale" });
    expect(verifyWebhook({ ...signed(undefined, at), secret: SECRET, now: at.getTime() + WINDOW }).ok).to.equal(true);
  });

  it("refuses a delivery from the future beyond the window", () => {
    const at = new Date("2026-03-01T10:00:00.000Z");
    const verdict = verifyWebhook({ ...signed(undefined, at), secret: SECRET, now: at.getTime() - WINDOW - 1, windowMs: WINDOW });
    expect(verdict).to.include({ ok: false, reason: "future" });
  });

  it("refuses a body changed after signing", () => {
    const delivery = signed('{"id":"mfr-dist:t1","count":2}');
    const verdict = verifyWebhook({ headers: delivery.headers, body: '{"id":"mfr-dist:t1","count":200}', secret: SECRET });
    expect(verdict).to.include({ ok: false, reason: "bad-signature" });
  });

  it("refuses a timestamp changed after signing, so an old delivery cannot be made fresh again", () => {
    const old = signed(undefined, new Date(Date.now() - 2 * WINDOW));
    const refreshed = { ...old.headers, [TIMESTAMP_HEADER]: new Date().toISOString() };
    expect(verifyWebhook({ headers: refreshed, body: old.body, secret: SECRET })).to.include({ ok: false, reason: "bad-signature" });
  });

  it("refuses another secret and a delivery missing a header, naming it", () => {
    expect(verifyWebhook({ ...signed(), secret: "another-secret" })).to.include({ ok: false, reason: "bad-signature" });
    const { [EVENT_ID_HEADER]: _dropped, ...headers } = signed().headers;
    const verdict = verifyWebhook({ headers, body: signed().body, secret: SECRET });
    expect(verdict).to.include({ ok: false, reason: "missing-header" });
    expect(verdict.ok ? "" : verdict.message).to.contain(EVENT_ID_HEADER);
  });

  it("parses the timestamp as ISO 8601 or as epoch milliseconds, and refuses anything else", () => {
    const now = Date.parse("2026-03-01T10:00:00.000Z");
    expect(parseDeliveryTimestamp("2026-03-01T10:00:00.000Z")?.getTime()).to.equal(now);
    expect(parseDeliveryTimestamp("2026-03-01T11:00:00+01:00")?.getTime()).to.equal(now);
    expect(parseDeliveryTimestamp(String(now))?.getTime()).to.equal(now);
    expect(verifyWebhook({ ...signed(undefined, String(now)), secret: SECRET, now }).ok).to.equal(true);
    expect(verifyWebhook({ ...signed(undefined, String(now - WINDOW - 1)), secret: SECRET, now })).to.include({ reason: "stale" });
    for (const bad of ["yesterday", "2026-03-01", "2026-03-01T10:00:00", "1e12", ""]) {
      expect(parseDeliveryTimestamp(bad), bad).to.equal(undefined);
      expect(verifyWebhook({ ...signed(undefined, bad), secret: SECRET, now }), bad).to.include({ ok: false, reason: "bad-timestamp" });
    }
  });
});

describe("webhook deliveries checked by the documented receiver", () => {
  let server: Server;
  let url: string;
  let received: Received[];
  let answers: number[];
  let handled: unknown[];

  beforeEach(async () => {
    received = [];
    answers = [];
    handled = [];
    const onDelivery = documentedReceiver((e) => handled.push(e));
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const scripted = answers.shift();
        if (scripted !== undefined) {
          received.push({ headers: req.headers, body, status: scripted });
          res.writeHead(scripted).end();
          return;
        }
        res.on("finish", () => received.push({ headers: req.headers, body, status: res.statusCode }));
        onDelivery(req, body, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterEach(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  const dispatcher = (now?: () => Date) =>
    new WebhookDispatcher([{ url, secret: SECRET }], { maxAttempts: 4, initialDelayMs: 5, maxDelayMs: 10, timeoutMs: 1000, development: true, ...(now ? { now } : {}) });

  /** Sends a captured delivery again, as an attacker who recorded it would. */
  const replay = async (delivery: Received): Promise<number> => {
    const headers = Object.fromEntries(Object.entries(delivery.headers).filter(([name]) => name.startsWith("x-rxtrace-") || name === "content-type")) as Record<string, string>;
    const res = await fetch(url, { method: "POST", headers, body: delivery.body });
    return res.status;
  };

  it("accepts the dispatcher's delivery and hands the event on once", async () => {
    const outcome = await dispatcher().deliver({ url, secret: SECRET }, event("t1"));
    expect(outcome.delivered).to.equal(true);
    expect(received.map((r) => r.status)).to.deep.equal([204]);
    expect(handled).to.have.length(1);
    expect(handled[0]).to.include({ txId: "t1", eventName: "LotCommissioned" });
  });

  it("tells a replay within the window by its event id: answered, not handled again", async () => {
    await dispatcher().deliver({ url, secret: SECRET }, event("t2"));
    const [first] = received;
    if (!first) throw new Error("no delivery received");

    const status = await replay(first);

    expect(status).to.equal(204);
    expect(handled).to.have.length(1);
    expect(verifyWebhook({ headers: first.headers, body: first.body, secret: SECRET })).to.include({ ok: true, eventId: "mfr-dist:t2" });
  });

  it("signs each retry afresh with its own time, so replaying an earlier attempt later is refused", async () => {
    // Three attempts four minutes apart, the last one now.
    const start = Date.now() - 8 * 60_000;
    let calls = 0;
    const clock = () => new Date(start + 4 * 60_000 * calls++);
    answers = [503, 503];

    const outcome = await dispatcher(clock).deliver({ url, secret: SECRET }, event("t3"));

    expect(outcome).to.include({ delivered: true, attempts: 3 });
    expect(received.map((r) => r.status)).to.deep.equal([503, 503, 204]);
    const stamps = received.map((r) => r.headers[TIMESTAMP_HEADER]);
    const signatures = received.map((r) => r.headers[SIGNATURE_HEADER]);
    expect(new Set(stamps).size, "fresh timestamps").to.equal(3);
    expect(new Set(signatures).size, "fresh signatures").to.equal(3);
    expect(new Set(received.map((r) => r.headers[EVENT_ID_HEADER])).size, "one event id").to.equal(1);
    const [first] = received;
    if (!first) throw new Error("missing attempts");
    expect(verifyWebhook({ headers: first.headers, body: first.body, secret: SECRET }), "the first attempt, checked now").to.include({ ok: false, reason: "stale" });

    expect(await replay(first), "the first attempt, replayed to the receiver").to.equal(401);
    expect(handled).to.have.length(1);
  });

  it("refuses, at the documented receiver, a captured delivery whose timestamp lies outside the window", async () => {
    const old = () => new Date(Date.now() - 2 * WINDOW);
    await dispatcher(old).deliver({ url, secret: SECRET }, event("t4"));
    expect(received.map((r) => r.status)).to.deep.equal([401]);
    expect(handled).to.have.length(0);
  });
});
