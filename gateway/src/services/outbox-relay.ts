/**
 * Works an outbox: each due item goes to the handler of its kind; a failure is
 * tried again after an exponential backoff, for as long as the handler says
 * so; an item still waiting after `alertAfterMs` raises one alert. The items
 * live in the outbox, so a restarted gateway carries on where it stopped.
 * An attempt holds its item for `leaseMs`: replicas sharing the outbox never
 * attempt one item at once, and the item of a replica that died is taken
 * again once the lease runs out.
 */
import type { Outbox, OutboxItem } from "../ports/outbox.js";
import { readGauge, type MetricsRegistry } from "./metrics.js";

export type HandlerOutcome =
  /** The work is done (or turned out to be needed no more): the item goes. */
  | { readonly outcome: "done"; readonly value?: unknown }
  /** Not yet: try again later. */
  | { readonly outcome: "retry"; readonly reason: string }
  /** Can never succeed (e.g. a webhook answered 4xx): the item goes, reported. */
  | { readonly outcome: "abandon"; readonly reason: string };

export type OutboxHandler = (item: OutboxItem) => Promise<HandlerOutcome>;

export interface OutboxRelayOptions {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** How often due items are looked for. */
  readonly pollMs: number;
  /** An item older than this raises `onAlert` once. */
  readonly alertAfterMs: number;
  /** Items attempted per poll. */
  readonly batch?: number;
  /** How long an attempt holds its item (default 2 min): longer than a handler's longest attempt. */
  readonly leaseMs?: number;
  readonly now?: () => number;
  readonly onAlert?: (item: OutboxItem) => void;
  readonly onAbandon?: (item: OutboxItem, reason: string) => void;
  readonly onError?: (item: OutboxItem, error: unknown) => void;
}

/** A relay item not yet done, as an answer names it. */
export interface PendingWork {
  readonly channel: string;
  readonly transaction: string;
  readonly since: string;
  readonly attempts: number;
  readonly lastError: string | undefined;
}

export class OutboxRelay {
  readonly outbox: Outbox;
  readonly #options: OutboxRelayOptions;
  readonly #handlers = new Map<string, OutboxHandler>();
  readonly #running = new Map<number, Promise<HandlerOutcome>>();
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #tick: Promise<void> | undefined;
  #stopped = true;

  constructor(outbox: Outbox, options: OutboxRelayOptions) {
    this.outbox = outbox;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Registers who does the work of one kind. */
  handle(kind: string, handler: OutboxHandler): void {
    this.#handlers.set(kind, handler);
  }

  /** Records the work durably (once per kind and key); due at once. */
  enqueue(kind: string, key: string, payload: unknown): Promise<OutboxItem> {
    return this.outbox.add(kind, key, JSON.stringify(payload), this.#now());
  }

  /**
   * Tries one item now (joining an attempt already under way in this
   * process) and records the outcome; "retry" when another worker holds it.
   */
  async attempt(item: OutboxItem): Promise<HandlerOutcome> {
    const running = this.#running.get(item.id);
    if (running) return running;
    const handler = this.#handlers.get(item.kind);
    if (!handler) return { outcome: "retry", reason: `no handler for ${item.kind} in this process` };
    const run = this.outbox.takeOne(item.id, this.#now(), this.#leaseUntil()).then(
      (taken) => (taken === undefined ? { outcome: "retry" as const, reason: "being attempted by another worker" } : this.#run(handler, taken)),
      (error: unknown) => ({ outcome: "retry" as const, reason: `outbox unavailable: ${error instanceof Error ? error.message : String(error)}` }),
    );
    return this.#track(item.id, run);
  }

  /** One pass: attempts every due item whose kind has a handler, then raises the alerts that are due. */
  async runDue(): Promise<void> {
    const now = this.#now();
    const batch = this.#options.batch ?? 50;
    const due = await this.outbox.take([...this.#handlers.keys()], now, batch, this.#leaseUntil());
    await Promise.all(
      due.flatMap((item) => {
        const handler = this.#handlers.get(item.kind);
        return handler === undefined ? [] : [this.#track(item.id, this.#run(handler, item))];
      }),
    );
    for (const item of await this.outbox.unalerted(now - this.#options.alertAfterMs, batch)) {
      if (await this.outbox.markAlerted(item.id, now)) this.#options.onAlert?.(item);
    }
  }

  /** Polls until stop(). */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const loop = (): void => {
      this.#tick = this.runDue()
        .catch(() => undefined)
        .finally(() => {
          // Unreferenced: waiting work alone does not keep the process alive.
          if (!this.#stopped) this.#timer = setTimeout(loop, this.#options.pollMs).unref();
        });
    };
    loop();
  }

  /** Stops polling and waits for the pass under way; waiting items stay for the next start. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#tick;
    await Promise.allSettled([...this.#running.values()]);
  }

  /** Waiting items by kind, for /metrics. */
  installMetrics(registry: MetricsRegistry): void {
    // The outbox away (a replicas' database): no outbox series in that scrape rather than a failed scrape.
    const stats = () => this.outbox.stats().catch(() => []);
    readGauge(registry, {
      name: "rxtrace_outbox_depth",
      help: "Outbox items waiting, by kind (recall-sync, withdrawal-sync, webhook).",
      labelNames: ["kind"],
      read: async () => (await stats()).map((s) => ({ labels: { kind: s.kind }, value: s.depth })),
    });
    readGauge(registry, {
      name: "rxtrace_outbox_oldest_age_seconds",
      help: "Age of the oldest waiting outbox item, by kind.",
      labelNames: ["kind"],
      read: async () => (await stats()).map((s) => ({ labels: { kind: s.kind }, value: Math.max(0, (this.#now() - s.oldestCreatedAt) / 1000) })),
    });
  }

  #leaseUntil(): number {
    return this.#now() + (this.#options.leaseMs ?? 120_000);
  }

  /** Remembers the attempt under way, so a second attempt() in this process joins it. */
  #track(id: number, run: Promise<HandlerOutcome>): Promise<HandlerOutcome> {
    const tracked = run.finally(() => this.#running.delete(id));
    this.#running.set(id, tracked);
    return tracked;
  }

  async #run(handler: OutboxHandler, item: OutboxItem): Promise<HandlerOutcome> {
    let outcome: HandlerOutcome;
    try {
      outcome = await handler(item);
    } catch (error) {
      this.#options.onError?.(item, error);
      outcome = { outcome: "retry", reason: error instanceof Error ? error.message : String(error) };
    }
    try {
      if (outcome.outcome === "retry") {
        const delay = Math.min(this.#options.maxDelayMs, this.#options.initialDelayMs * 2 ** Math.min(item.attempts, 30));
        await this.outbox.retryLater(item.id, this.#now() + delay, outcome.reason);
      } else {
        await this.outbox.remove(item.id);
      }
    } catch (error) {
      // The outbox away (a replicas' database): the item stays held until its lease ends, then is taken again.
      this.#options.onError?.(item, error);
    }
    if (outcome.outcome === "abandon") this.#options.onAbandon?.(item, outcome.reason);
    return outcome;
  }
}
