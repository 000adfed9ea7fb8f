/**
 * One chaincode-event listener per channel: each event is decoded, recorded in
 * the off-chain index with what it is about, published to SSE clients and
 * webhooks, then checkpointed to a file. A dropped connection is retried with
 * exponential backoff, so the listener recovers by itself when the peer
 * returns. `rebuild` forgets a channel's checkpoint and index rows and replays
 * the channel from its first block.
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import type { EventIndex, EventSubject, LedgerEvent } from "../ports/event-index.js";
import type { ChaincodeEventStream, LedgerEventSource, RawChaincodeEvent } from "../ports/ledger-events.js";
import type { EventHub } from "./hub.js";
import { subjectsOf } from "./subjects.js";

export interface ListenerOptions {
  readonly channels: readonly string[];
  /** Folder of the per-channel checkpoint files. */
  readonly checkpointDir: string;
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  /** Extra subjects for an event (e.g. the packs of a shipment, read from the ledger). */
  readonly enrich?: (event: LedgerEvent) => Promise<readonly EventSubject[]>;
  readonly onError?: (channel: string, error: unknown) => void;
}

export interface ChannelStatus {
  readonly connected: boolean;
  readonly eventsRecorded: number;
  readonly lastBlock: number | undefined;
  readonly lastError: string | undefined;
}

interface ChannelState {
  connected: boolean;
  eventsRecorded: number;
  lastBlock: number | undefined;
  lastError: string | undefined;
  stream: ChaincodeEventStream | undefined;
  rebuild: boolean;
  wake: (() => void) | undefined;
  loop: Promise<void> | undefined;
}

/** Turns a raw chaincode event into the indexed shape; the payload carries `at` and `by`. */
export function decodeEvent(raw: RawChaincodeEvent): LedgerEvent {
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(raw.payload).toString("utf8"));
  } catch {
    payload = undefined;
  }
  const fields = (typeof payload === "object" && payload !== null ? payload : {}) as Record<string, unknown>;
  const at = typeof fields.at === "string" && !Number.isNaN(Date.parse(fields.at)) ? new Date(fields.at).toISOString() : undefined;
  return {
    channel: raw.channel,
    blockNumber: raw.blockNumber,
    txId: raw.txId,
    eventName: raw.eventName,
    // Every rxtrace event carries the transaction time; a foreign one gets the time it was seen.
    timestamp: at ?? new Date().toISOString(),
    mspId: typeof fields.by === "string" ? fields.by : "unknown",
    payload,
  };
}

export class EventListener {
  readonly #source: LedgerEventSource;
  readonly #index: EventIndex;
  readonly #hub: EventHub;
  readonly #options: ListenerOptions;
  readonly #states = new Map<string, ChannelState>();
  #stopped = true;

  constructor(source: LedgerEventSource, index: EventIndex, hub: EventHub, options: ListenerOptions) {
    this.#source = source;
    this.#index = index;
    this.#hub = hub;
    this.#options = options;
    for (const channel of options.channels) {
      this.#states.set(channel, {
        connected: false,
        eventsRecorded: 0,
        lastBlock: index.lastBlock(channel),
        lastError: undefined,
        stream: undefined,
        rebuild: false,
        wake: undefined,
        loop: undefined,
      });
    }
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    for (const [channel, state] of this.#states) state.loop = this.#run(channel, state);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const state of this.#states.values()) {
      state.stream?.close();
      state.wake?.();
    }
    await Promise.all([...this.#states.values()].map((s) => s.loop ?? Promise.resolve()));
  }

  status(): Record<string, ChannelStatus> {
    const out: Record<string, ChannelStatus> = {};
    for (const [channel, s] of this.#states) {
      out[channel] = { connected: s.connected, eventsRecorded: s.eventsRecorded, lastBlock: s.lastBlock, lastError: s.lastError };
    }
    return out;
  }

  /** Resolves when every channel's stream is open; rejects naming those that are not. */
  async ready(): Promise<void> {
    const down = [...this.#states].filter(([, s]) => !s.connected).map(([c, s]) => `${c}${s.lastError ? ` (${s.lastError})` : ""}`);
    if (down.length > 0) throw new Error(`event listener not connected: ${down.join(", ")}`);
  }

  /** Drops the channel's checkpoint and index rows and replays it from its first block. */
  async rebuild(channel: string): Promise<void> {
    const state = this.#states.get(channel);
    if (state === undefined) throw new RangeError(`unknown channel ${channel}`);
    state.rebuild = true;
    if (this.#stopped) {
      await this.#reset(channel, state);
      return;
    }
    state.stream?.close();
    state.wake?.();
  }

  checkpointFile(channel: string): string {
    return path.join(this.#options.checkpointDir, `${channel}.checkpoint.json`);
  }

  async #reset(channel: string, state: ChannelState): Promise<void> {
    await rm(this.checkpointFile(channel), { force: true });
    this.#index.clearChannel(channel);
    state.lastBlock = undefined;
    state.eventsRecorded = 0;
    state.rebuild = false;
  }

  async #run(channel: string, state: ChannelState): Promise<void> {
    let attempt = 0;
    while (!this.#stopped) {
      if (state.rebuild) await this.#reset(channel, state);
      try {
        state.stream = await this.#source.open(channel, this.checkpointFile(channel));
        // stop() or rebuild() may have come while the stream was opening: close it unread.
        if (this.#stopped || state.rebuild) continue;
        state.connected = true;
        state.lastError = undefined;
        attempt = 0;
        for await (const raw of state.stream) {
          await this.#handle(raw, state);
          await state.stream.checkpoint(raw);
          if (this.#stopped || state.rebuild) break;
        }
      } catch (error) {
        state.lastError = error instanceof Error ? error.message : String(error);
        if (!this.#stopped && !state.rebuild) this.#options.onError?.(channel, error);
      } finally {
        state.stream?.close();
        state.stream = undefined;
        state.connected = false;
      }
      if (this.#stopped) break;
      if (state.rebuild) continue;
      const delay = Math.min(this.#options.retryMaxMs, this.#options.retryInitialMs * 2 ** attempt);
      attempt += 1;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        state.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      state.wake = undefined;
    }
  }

  async #handle(raw: RawChaincodeEvent, state: ChannelState): Promise<void> {
    const event = decodeEvent(raw);
    const subjects = subjectsOf(event);
    if (this.#options.enrich !== undefined) {
      try {
        subjects.push(...(await this.#options.enrich(event)));
      } catch (error) {
        // The event still goes in; only its extra subjects are missing.
        this.#options.onError?.(raw.channel, error);
      }
    }
    const recorded = this.#index.record([{ event, subjects: dedupe(subjects) }]);
    state.lastBlock = event.blockNumber;
    for (const indexed of recorded) {
      state.eventsRecorded += 1;
      this.#hub.publish(indexed);
    }
  }
}

function dedupe(subjects: readonly EventSubject[]): EventSubject[] {
  const seen = new Map<string, EventSubject>();
  for (const s of subjects) seen.set(JSON.stringify([s.gtin, s.serial, s.lot, s.shipmentId]), s);
  return [...seen.values()];
}
