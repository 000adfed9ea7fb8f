/**
 * Webhook delivery of indexed events. Each POST carries the event as JSON and
 * `x-rxtrace-signature: sha256=<hex>`, the HMAC-SHA256 under the subscriber's
 * secret of `<x-rxtrace-timestamp>.<body>` (the timestamp inside the MAC stops
 * replays). Network errors, 408, 429 and 5xx are retried with exponential
 * backoff; other answers end the delivery.
 */
import { createHmac } from "node:crypto";
import type { IndexedEvent } from "../ports/event-index.js";
import type { EventHub } from "./hub.js";

export interface WebhookTarget {
  readonly url: string;
  readonly secret: string;
}

export interface WebhookOptions {
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Deadline of one POST. */
  readonly timeoutMs: number;
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

export const SIGNATURE_HEADER = "x-rxtrace-signature";
export const TIMESTAMP_HEADER = "x-rxtrace-timestamp";
export const EVENT_ID_HEADER = "x-rxtrace-event-id";

/** The signature a subscriber recomputes to authenticate a delivery. */
export function signDelivery(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

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

function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export class WebhookDispatcher {
  readonly #targets: readonly WebhookTarget[];
  readonly #options: WebhookOptions;
  readonly #inFlight = new Set<Promise<DeliveryOutcome>>();
  readonly #timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  #closed = false;

  constructor(targets: readonly WebhookTarget[], options: WebhookOptions) {
    this.#targets = targets;
    this.#options = options;
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

  /** Stops waiting retries (they give up) and refuses new attempts. */
  close(): void {
    this.#closed = true;
    for (const t of this.#timers) {
      clearTimeout(t.timer);
      t.resolve();
    }
    this.#timers.clear();
  }

  async deliver(target: WebhookTarget, event: IndexedEvent): Promise<DeliveryOutcome> {
    const doFetch = this.#options.fetch ?? fetch;
    const body = deliveryBody(event);
    const eventId = `${event.channel}:${event.txId}`;
    let lastStatus: number | undefined;
    let lastError: string | undefined;
    let attempts = 0;
    while (attempts < this.#options.maxAttempts && !this.#closed) {
      if (attempts > 0) await this.#sleep(Math.min(this.#options.maxDelayMs, this.#options.initialDelayMs * 2 ** (attempts - 1)));
      if (this.#closed) break;
      attempts += 1;
      const timestamp = (this.#options.now?.() ?? new Date()).toISOString();
      try {
        const response = await doFetch(target.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            [SIGNATURE_HEADER]: signDelivery(target.secret, timestamp, body),
            [TIMESTAMP_HEADER]: timestamp,
            [EVENT_ID_HEADER]: eventId,
            "x-rxtrace-delivery-attempt": String(attempts),
          },
          body,
          signal: AbortSignal.timeout(this.#options.timeoutMs),
        });
        lastStatus = response.status;
        lastError = undefined;
        await response.body?.cancel();
        if (response.ok) return this.#report({ url: target.url, eventId, delivered: true, attempts, lastStatus, lastError });
        if (!retryable(response.status)) break;
      } catch (error) {
        lastStatus = undefined;
        lastError = error instanceof Error ? error.message : String(error);
      }
    }
    return this.#report({ url: target.url, eventId, delivered: false, attempts, lastStatus, lastError });
  }

  #report(outcome: DeliveryOutcome): DeliveryOutcome {
    this.#options.onOutcome?.(outcome);
    return outcome;
  }

  async #sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.#timers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.#timers.add(entry);
    });
  }
}
