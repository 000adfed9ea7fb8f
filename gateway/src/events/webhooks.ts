/**
 * Webhook delivery of indexed events, through the durable outbox: each
 * delivery is recorded before its first attempt, so one still being retried
 * when the gateway stops is carried on after the restart. Each POST carries
 * the event as JSON, signed afresh at each attempt with that attempt's time
 * (webhook-signature.ts: the format, and `verifyWebhook`, the receiver's
 * check with the timestamp window that stops replays). Network errors, 408,
 * 429 and 5xx are retried with exponential backoff; other answers end the
 * delivery. Redirects are never followed (a 307 keeps the POST and could
 * point at a loopback service such as the Kubo API), and a target must be
 * https:// (http:// only to a loopback address in development mode).
 */
import { isIP } from "node:net";
import { SqliteOutbox } from "../adapters/outbox-sqlite.js";
import type { IndexedEvent } from "../ports/event-index.js";
import type { OutboxItem } from "../ports/outbox.js";
import { OutboxRelay, type HandlerOutcome } from "../services/outbox-relay.js";
import type { EventHub } from "./hub.js";
import { ATTEMPT_HEADER, EVENT_ID_HEADER, SIGNATURE_HEADER, signDelivery, TIMESTAMP_HEADER } from "./webhook-signature.js";

export interface WebhookTarget {
  readonly url: string;
  readonly secret: string;
}

export interface WebhookOptions {
  /** Attempts per delivery, the first included. */
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Deadline of one POST. */
  readonly timeoutMs: number;
  /** Development mode: an http:// target on a loopback address is allowed. */
  readonly development?: boolean;
  /** The durable outbox worker; without one, an in-memory outbox the dispatcher works itself. */
  readonly relay?: OutboxRelay;
  /** Which events a target receives (default: all). */
  readonly accepts?: (target: WebhookTarget, event: IndexedEvent) => boolean;
  readonly onOutcome?: (outcome: DeliveryOutcome) => void;
  /** For tests: the HTTP client and the clock. */
  readonly fetch?: typeof fetch;
  readonly now?: () => Date;
}

export interface DeliveryOutcome {
  readonly url: string;
  readonly eventId: string;
  readonly delivered: boolean;
  readonly attempts: number;
  readonly lastStatus: number | undefined;
  readonly lastError: string | undefined;
}

/** The outbox kind of a webhook delivery. */
export const WEBHOOK_KIND = "webhook";

/** The JSON a subscriber receives for one event. */
export function deliveryBody(event: IndexedEvent): string {
  return JSON.stringify({
    id: `${event.channel}:${event.txId}`,
    seq: event.seq,
    channel: event.channel,
    blockNumber: event.blockNumber,
    txId: event.txId,
    eventName: event.eventName,
    timestamp: event.timestamp,
    mspId: event.mspId,
    subjects: event.subjects,
    payload: event.payload,
  });
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host === "::1") return true;
  return isIP(host) === 4 && host.startsWith("127.");
}

/**
 * Refuses a webhook target that is not https:// (http:// is accepted only for
 * a loopback address in development mode).
 * @returns the reason, or undefined when the target is acceptable
 */
export function webhookUrlProblem(url: string, development: boolean): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "is not a URL";
  }
  if (parsed.protocol === "https:") return undefined;
  if (parsed.protocol !== "http:") return `must be https:// (got ${parsed.protocol})`;
  if (!development) return "must be https:// (http:// only to a loopback address in development mode)";
  if (!isLoopback(parsed.hostname)) return "must be https:// (http:// only to a loopback address)";
  return undefined;
}

function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

interface Payload {
  url: string;
  event: IndexedEvent;
}

interface LastAnswer {
  status: number | undefined;
  error: string | undefined;
}

export class WebhookDispatcher {
  readonly #targets: readonly WebhookTarget[];
  readonly #options: WebhookOptions;
  readonly #relay: OutboxRelay;
  readonly #ownRelay: boolean;
  readonly #inFlight = new Set<Promise<DeliveryOutcome>>();
  readonly #waiters = new Map<number, ((outcome: DeliveryOutcome) => void)[]>();
  readonly #last = new Map<number, LastAnswer>();
  #closed = false;

  /** @throws Error naming the first target that is not acceptable */
  constructor(targets: readonly WebhookTarget[], options: WebhookOptions) {
    targets.forEach((target, i) => {
      const problem = webhookUrlProblem(target.url, options.development ?? false);
      if (problem) throw new Error(`events.webhooks[${i}].url ${target.url}: ${problem}`);
    });
    this.#targets = targets;
    this.#options = options;
    this.#ownRelay = options.relay === undefined;
    this.#relay =
      options.relay ??
      new OutboxRelay(new SqliteOutbox(":memory:"), {
        initialDelayMs: options.initialDelayMs,
        maxDelayMs: options.maxDelayMs,
        pollMs: Math.max(1, Math.min(options.initialDelayMs, 1_000)),
        alertAfterMs: Number.MAX_SAFE_INTEGER,
      });
    this.#relay.handle(WEBHOOK_KIND, (item) => this.#attempt(item));
    if (this.#ownRelay) this.#relay.start();
  }

  /** Delivers every event the hub publishes; returns the unsubscribe function. */
  attach(hub: EventHub): () => void {
    return hub.subscribe((event) => {
      for (const target of this.#targets) {
        if (this.#options.accepts && !this.#options.accepts(target, event)) continue;
        const delivery = this.deliver(target, event);
        this.#inFlight.add(delivery);
        void delivery.finally(() => this.#inFlight.delete(delivery));
      }
    });
  }

  /** Resolves when every delivery started so far has succeeded or given up. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** Refuses new attempts; deliveries still waiting stay in the outbox for the next start. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#ownRelay) void this.#relay.stop();
    const waiting = [...this.#waiters];
    this.#waiters.clear();
    for (const [id, waiters] of waiting) {
      const item = await this.#relay.outbox.get(id).catch(() => undefined);
      const payload = item ? (JSON.parse(item.payload) as Payload) : undefined;
      for (const resolve of waiters) resolve(this.#outcome(id, payload?.url ?? "", payload?.event, false, item?.attempts ?? 0));
    }
  }

  /**
   * Records the delivery in the outbox and tries it at once; resolves when it
   * succeeded or was given up (retries run from the outbox in between).
   */
  async deliver(target: WebhookTarget, event: IndexedEvent): Promise<DeliveryOutcome> {
    const eventId = `${event.channel}:${event.txId}`;
    if (webhookUrlProblem(target.url, this.#options.development ?? false) !== undefined || this.#closed) {
      return this.#report({ url: target.url, eventId, delivered: false, attempts: 0, lastStatus: undefined, lastError: "refused target" });
    }
    let item: OutboxItem;
    try {
      item = await this.#relay.enqueue(WEBHOOK_KIND, `${target.url} ${eventId}`, { url: target.url, event } satisfies Payload);
    } catch (error) {
      const reason = `not recorded in the outbox: ${error instanceof Error ? error.message : String(error)}`;
      return this.#report({ url: target.url, eventId, delivered: false, attempts: 0, lastStatus: undefined, lastError: reason });
    }
    const settled = new Promise<DeliveryOutcome>((resolve) => {
      this.#waiters.set(item.id, [...(this.#waiters.get(item.id) ?? []), resolve]);
    });
    void this.#relay.attempt(item);
    return settled;
  }

  async #attempt(item: OutboxItem): Promise<HandlerOutcome> {
    const { url, event } = JSON.parse(item.payload) as Payload;
    const attempts = item.attempts + 1;
    if (this.#closed) return { outcome: "retry", reason: "dispatcher closed" };
    const target = this.#targets.find((t) => t.url === url);
    if (!target) return this.#finish(item, url, event, false, attempts, "abandon", "no longer a configured webhook target");
    const doFetch = this.#options.fetch ?? fetch;
    const body = deliveryBody(event);
    const timestamp = (this.#options.now?.() ?? new Date()).toISOString();
    try {
      const response = await doFetch(target.url, {
        method: "POST",
        // A redirect is an answer, never followed: it could send the POST to a loopback service.
        redirect: "manual",
        headers: {
          "content-type": "application/json",
          [SIGNATURE_HEADER]: signDelivery(target.secret, timestamp, body),
          [TIMESTAMP_HEADER]: timestamp,
          [EVENT_ID_HEADER]: `${event.channel}:${event.txId}`,
          [ATTEMPT_HEADER]: String(attempts),
        },
        body,
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
      this.#last.set(item.id, { status: response.status, error: undefined });
      await response.body?.cancel();
      if (response.ok) return this.#finish(item, url, event, true, attempts, "done", "delivered");
      if (response.status >= 300 && response.status < 400) {
        this.#last.set(item.id, { status: response.status, error: "redirect not followed" });
        return this.#finish(item, url, event, false, attempts, "abandon", `answered ${response.status}; redirects are not followed`);
      }
      if (!retryable(response.status)) return this.#finish(item, url, event, false, attempts, "abandon", `answered ${response.status}`);
    } catch (error) {
      this.#last.set(item.id, { status: undefined, error: error instanceof Error ? error.message : String(error) });
    }
    const last = this.#last.get(item.id);
    const reason = last?.error ?? `answered ${String(last?.status)}`;
    if (attempts >= this.#options.maxAttempts) return this.#finish(item, url, event, false, attempts, "abandon", reason);
    return { outcome: "retry", reason };
  }

  #finish(item: OutboxItem, url: string, event: IndexedEvent, delivered: boolean, attempts: number, outcome: "done" | "abandon", reason: string): HandlerOutcome {
    const result = this.#report(this.#outcome(item.id, url, event, delivered, attempts));
    for (const resolve of this.#waiters.get(item.id) ?? []) resolve(result);
    this.#waiters.delete(item.id);
    this.#last.delete(item.id);
    return outcome === "done" ? { outcome } : { outcome, reason };
  }

  #outcome(id: number, url: string, event: IndexedEvent | undefined, delivered: boolean, attempts: number): DeliveryOutcome {
    const last = this.#last.get(id);
    return {
      url,
      eventId: event ? `${event.channel}:${event.txId}` : "",
      delivered,
      attempts,
      lastStatus: last?.status,
      lastError: last?.error,
    };
  }

  #report(outcome: DeliveryOutcome): DeliveryOutcome {
    this.#options.onOutcome?.(outcome);
    return outcome;
  }
}
