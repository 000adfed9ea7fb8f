/**
 * Load generators: closed loop (a fixed number of workers, each sending its
 * next call when the previous one finishes) and open loop (calls sent at a
 * fixed rate whatever the answers do). Both stop at a call count or a time
 * limit, whichever comes first, and record every call.
 */
import { performance } from "node:perf_hooks";
import { summarizeRound, type RoundFigures, type Sample } from "./stats.js";

/** One call of a round; `index` counts from 0 across all workers. */
export type Operation = (index: number) => Promise<void>;

export interface RoundResult extends RoundFigures {
  /** Failures by reason (see `failureReason`), most frequent first. */
  readonly failureReasons: Readonly<Record<string, number>>;
}

export interface ClosedLoopOptions {
  readonly concurrency: number;
  readonly count: number;
  readonly maxSeconds: number;
}

export interface OpenLoopOptions {
  readonly ratePerSecond: number;
  readonly count: number;
  readonly maxSeconds: number;
  /** Calls in flight above which the sender waits (protects the client; lowers the send rate it reports). */
  readonly maxInFlight: number;
}

/** A short, stable name for why a call failed: an error code when the error carries one. */
export function failureReason(error: unknown): string {
  if (typeof error === "object" && error !== null) {
    const e = error as { reason?: unknown; code?: unknown; name?: unknown; message?: unknown };
    if (typeof e.reason === "string" && e.reason !== "") return e.reason;
    if (typeof e.code === "string" && e.code !== "") return e.code;
    if (typeof e.name === "string" && e.name !== "Error") return e.name;
    if (typeof e.message === "string") return e.message.slice(0, 80);
  }
  return String(error).slice(0, 80);
}

function result(samples: Sample[], reasons: Map<string, number>): RoundResult {
  const sorted = [...reasons.entries()].sort((a, b) => b[1] - a[1]);
  return { ...summarizeRound(samples), failureReasons: Object.fromEntries(sorted) };
}

async function timed(op: Operation, index: number, samples: Sample[], reasons: Map<string, number>): Promise<void> {
  const sentAt = performance.now();
  try {
    await op(index);
    samples.push({ sentAt, doneAt: performance.now(), ok: true });
  } catch (error) {
    samples.push({ sentAt, doneAt: performance.now(), ok: false });
    const reason = failureReason(error);
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
}

/** Runs `op` with `concurrency` workers until `count` calls were sent or `maxSeconds` passed. */
export async function closedLoop(options: ClosedLoopOptions, op: Operation): Promise<RoundResult> {
  if (options.concurrency < 1) throw new RangeError("closedLoop: concurrency must be at least 1");
  const samples: Sample[] = [];
  const reasons = new Map<string, number>();
  const stopAt = performance.now() + options.maxSeconds * 1000;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < options.count && performance.now() < stopAt) {
      const index = next++;
      await timed(op, index, samples, reasons);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.count) }, worker));
  return result(samples, reasons);
}

/** Sends `op` at `ratePerSecond` until `count` calls were sent or `maxSeconds` passed, then waits for the answers. */
export async function openLoop(options: OpenLoopOptions, op: Operation): Promise<RoundResult> {
  if (!(options.ratePerSecond > 0)) throw new RangeError("openLoop: ratePerSecond must be positive");
  const samples: Sample[] = [];
  const reasons = new Map<string, number>();
  const start = performance.now();
  const stopAt = start + options.maxSeconds * 1000;
  const intervalMs = 1000 / options.ratePerSecond;
  const inFlight = new Set<Promise<void>>();
  for (let index = 0; index < options.count; index++) {
    const due = start + index * intervalMs;
    if (due >= stopAt) break;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    while (inFlight.size >= options.maxInFlight) await Promise.race(inFlight);
    const call = timed(op, index, samples, reasons).finally(() => inFlight.delete(call));
    inFlight.add(call);
  }
  await Promise.all(inFlight);
  return result(samples, reasons);
}
