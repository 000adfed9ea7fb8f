/**
 * Latency and rate figures of one scenario, the way Caliper reports them
 * (successes, failures, send rate, throughput, min/avg/max latency) plus the
 * percentiles p50/p95/p99.
 */

export interface LatencySummary {
  readonly minMs: number;
  readonly avgMs: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface RoundFigures {
  readonly succeeded: number;
  readonly failed: number;
  /** Transactions sent per second, from the first send to the last send. */
  readonly sendRate: number;
  /** Successful transactions per second, from the first send to the last completion. */
  readonly throughput: number;
  /** Latency of the successful transactions. */
  readonly latency: LatencySummary;
  readonly durationS: number;
}

/** One finished call: when it was sent and finished (ms, any monotonic clock), and whether it succeeded. */
export interface Sample {
  readonly sentAt: number;
  readonly doneAt: number;
  readonly ok: boolean;
}

/**
 * The q-th percentile (0 < q <= 100) by the nearest-rank method: the smallest
 * value with at least q% of the values at or below it.
 * @throws RangeError when `sorted` is empty or q is out of range
 */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError("percentile: no values");
  if (!(q > 0 && q <= 100)) throw new RangeError(`percentile: q must be in (0, 100], got ${q}`);
  const rank = Math.ceil((q / 100) * sorted.length);
  return sorted[rank - 1] as number;
}

/**
 * The q-th percentile of values in any order (nearest rank, as `percentile`).
 * @throws RangeError as `percentile`
 */
export function percentileOf(values: readonly number[], q: number): number {
  return percentile([...values].sort((a, b) => a - b), q);
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

/** min/avg/p50/p95/p99/max of latencies in ms; all zero when there are none. */
export function summarizeLatency(latenciesMs: readonly number[]): LatencySummary {
  if (latenciesMs.length === 0) return { minMs: 0, avgMs: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, maxMs: 0 };
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const sum = sorted.reduce((s, v) => s + v, 0);
  return {
    minMs: round(sorted[0] as number, 1),
    avgMs: round(sum / sorted.length, 1),
    p50Ms: round(percentile(sorted, 50), 1),
    p95Ms: round(percentile(sorted, 95), 1),
    p99Ms: round(percentile(sorted, 99), 1),
    maxMs: round(sorted[sorted.length - 1] as number, 1),
  };
}

/**
 * Caliper's round figures from the samples of one round. Send rate spans the
 * sends (one send: counted over 1 ms at least); throughput spans from the
 * first send to the last completion and counts successes only.
 */
export function summarizeRound(samples: readonly Sample[]): RoundFigures {
  if (samples.length === 0) {
    return { succeeded: 0, failed: 0, sendRate: 0, throughput: 0, latency: summarizeLatency([]), durationS: 0 };
  }
  let firstSend = Infinity;
  let lastSend = -Infinity;
  let lastDone = -Infinity;
  const okLatencies: number[] = [];
  for (const s of samples) {
    firstSend = Math.min(firstSend, s.sentAt);
    lastSend = Math.max(lastSend, s.sentAt);
    lastDone = Math.max(lastDone, s.doneAt);
    if (s.ok) okLatencies.push(s.doneAt - s.sentAt);
  }
  const sendSpanS = Math.max(lastSend - firstSend, 1) / 1000;
  const totalSpanS = Math.max(lastDone - firstSend, 1) / 1000;
  return {
    succeeded: okLatencies.length,
    failed: samples.length - okLatencies.length,
    sendRate: round(samples.length / sendSpanS, 1),
    throughput: round(okLatencies.length / totalSpanS, 1),
    latency: summarizeLatency(okLatencies),
    durationS: round(totalSpanS, 2),
  };
}
