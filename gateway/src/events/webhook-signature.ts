/**
 * How a webhook delivery is signed and how a receiver checks it: one source
 * for the header names and the signature format, used by the gateway to sign
 * and by a receiver to verify. It depends on `node:crypto` alone, so a
 * receiver can import it or copy it whole.
 *
 * The signature is `sha256=<hex>`, the HMAC-SHA256 under the subscriber's
 * secret of `<timestamp>.<body>`, the timestamp being the
 * `x-rxtrace-timestamp` header (ISO 8601, or milliseconds since the epoch).
 * The timestamp is inside the MAC, so it cannot be changed without the
 * secret; a receiver refuses one outside its window, so a captured delivery
 * replayed later is refused. Within the window a replay carries an event id
 * (`x-rxtrace-event-id`) the receiver has already seen: receivers remember
 * ids for at least the window.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "x-rxtrace-signature";
export const TIMESTAMP_HEADER = "x-rxtrace-timestamp";
export const EVENT_ID_HEADER = "x-rxtrace-event-id";
export const ATTEMPT_HEADER = "x-rxtrace-delivery-attempt";
/** The window a receiver accepts by default, either side of its clock. */
export const DEFAULT_WINDOW_MS = 5 * 60_000;

/** The signature a subscriber recomputes to authenticate a delivery. */
export function signDelivery(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

export interface WebhookCheck {
  /** The request's headers (names in lower case, as Node's `req.headers` holds them). */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The raw body, exactly as received (not re-serialised JSON). */
  readonly body: string | Uint8Array;
  readonly secret: string;
  /** The receiver's clock (default: now). */
  readonly now?: Date | number;
  /** How far the timestamp may be from `now`, either way (default 5 minutes). */
  readonly windowMs?: number;
}

export type WebhookVerdict =
  | { readonly ok: true; readonly eventId: string; readonly timestamp: Date }
  | { readonly ok: false; readonly reason: "missing-header" | "bad-timestamp" | "stale" | "future" | "bad-signature"; readonly message: string };

function header(headers: WebhookCheck["headers"], name: string): string | undefined {
  const value = headers[name];
  return typeof value === "string" ? value : undefined;
}

/** Parses a timestamp header: ISO 8601 with a zone, or whole milliseconds since the epoch. */
export function parseDeliveryTimestamp(value: string): Date | undefined {
  const text = value.trim();
  if (/^[0-9]{1,16}$/.test(text)) return new Date(Number(text));
  if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9]{2}:[0-9]{2})$/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/**
 * Checks one delivery: the signature over timestamp and body under the
 * secret, and the timestamp within `windowMs` of `now`. It does not
 * remember event ids: a receiver keeps the `eventId` of each accepted
 * delivery for at least the window and ignores one it has seen (deliveries
 * are at least once: a retry of a delivery answered 2xx is also a repeat).
 */
export function verifyWebhook(check: WebhookCheck): WebhookVerdict {
  const windowMs = check.windowMs ?? DEFAULT_WINDOW_MS;
  const now = check.now === undefined ? Date.now() : typeof check.now === "number" ? check.now : check.now.getTime();
  const stamp = header(check.headers, TIMESTAMP_HEADER);
  const given = header(check.headers, SIGNATURE_HEADER);
  const eventId = header(check.headers, EVENT_ID_HEADER);
  if (stamp === undefined || given === undefined || eventId === undefined) {
    const missing = [TIMESTAMP_HEADER, SIGNATURE_HEADER, EVENT_ID_HEADER].filter((name) => header(check.headers, name) === undefined);
    return { ok: false, reason: "missing-header", message: `missing ${missing.join(", ")}` };
  }
  const body = typeof check.body === "string" ? check.body : Buffer.from(check.body).toString("utf8");
  const expected = Buffer.from(signDelivery(check.secret, stamp, body));
  const actual = Buffer.from(given);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    return { ok: false, reason: "bad-signature", message: `${SIGNATURE_HEADER} does not match the body and timestamp under this secret` };
  }
  const timestamp = parseDeliveryTimestamp(stamp);
  if (timestamp === undefined) return { ok: false, reason: "bad-timestamp", message: `${TIMESTAMP_HEADER} is neither ISO 8601 nor epoch milliseconds` };
  const skew = timestamp.getTime() - now;
  if (skew < -windowMs) return { ok: false, reason: "stale", message: `${TIMESTAMP_HEADER} is ${-skew} ms old, beyond the ${windowMs} ms window` };
  if (skew > windowMs) return { ok: false, reason: "future", message: `${TIMESTAMP_HEADER} is ${skew} ms ahead, beyond the ${windowMs} ms window` };
  return { ok: true, eventId, timestamp };
}
