/**
 * The highest rate a write sustains, found by a fine search instead of a
 * coarse ladder: the offered rate doubles until a round does not hold, then
 * bisects between the highest held and the lowest failed rate until they are
 * within `precision` of each other, then repeats the highest held rate until
 * two consecutive rounds at it hold and agree within `agreement` (stepping
 * down by `precision` whenever a repeat does not hold).
 */

/** What one round at an offered rate showed. */
export interface ProbeOutcome {
  /** Nothing failed and the throughput kept up with the offered rate. */
  readonly held: boolean;
  readonly throughput: number;
}

export interface Probe extends ProbeOutcome {
  readonly rate: number;
}

export interface SearchOptions {
  /** The first rate offered (calls per second). */
  readonly start: number;
  /** Bisection stops when (failed - held) <= precision x failed; also the step down when a repeat fails. */
  readonly precision: number;
  /** Two rounds agree when their throughputs differ by at most this share of the larger. */
  readonly agreement: number;
  /** Rounds the search may run in all. */
  readonly maxProbes: number;
}

export interface SearchResult {
  /** The highest rate confirmed by two agreeing rounds; when unconfirmed, the highest rate that held (0: none). */
  readonly rate: number;
  /** Mean throughput of the two agreeing rounds (unconfirmed: of the last round that held at `rate`). */
  readonly throughput: number;
  readonly confirmed: boolean;
  /** Every round, in the order run. */
  readonly probes: readonly Probe[];
}

/** Whether two throughputs agree within `share` of the larger. */
export function agree(a: number, b: number, share: number): boolean {
  const larger = Math.max(a, b);
  return larger > 0 && Math.abs(a - b) <= share * larger;
}

/**
 * Runs the search with `probe` (one measured round at the given rate).
 * @throws RangeError on a start rate below 1 or a share outside (0, 1)
 */
export async function findSustainedRate(probe: (rate: number) => Promise<ProbeOutcome>, options: SearchOptions): Promise<SearchResult> {
  const { start, precision, agreement, maxProbes } = options;
  if (!(start >= 1)) throw new RangeError(`findSustainedRate: start must be at least 1, got ${start}`);
  for (const [name, share] of [["precision", precision], ["agreement", agreement]] as const) {
    if (!(share > 0 && share < 1)) throw new RangeError(`findSustainedRate: ${name} must be in (0, 1), got ${share}`);
  }
  const probes: Probe[] = [];
  const run = async (rate: number): Promise<ProbeOutcome> => {
    const outcome = await probe(rate);
    probes.push({ rate, ...outcome });
    return outcome;
  };
  const budgetLeft = (): boolean => probes.length < maxProbes;

  // Bracket: [low held, high failed]; low 0 until some rate held.
  let low = 0;
  let lowThroughput = 0;
  let high = Infinity;
  for (let rate = Math.round(start); high === Infinity && budgetLeft(); rate *= 2) {
    const r = await run(rate);
    if (r.held) [low, lowThroughput] = [rate, r.throughput];
    else high = rate;
  }
  while (high !== Infinity && high - low > precision * high && budgetLeft()) {
    const mid = Math.round((low + high) / 2);
    if (mid <= low || mid >= high) break;
    const r = await run(mid);
    if (r.held) [low, lowThroughput] = [mid, r.throughput];
    else high = mid;
  }

  // Confirm: two consecutive held rounds at one rate that agree.
  let candidate = low;
  let previous: number | undefined = low > 0 ? lowThroughput : undefined;
  let lastHeld = { rate: low, throughput: lowThroughput };
  while (candidate >= 1 && budgetLeft()) {
    const r = await run(candidate);
    if (!r.held) {
      candidate = Math.min(candidate - 1, Math.floor(candidate * (1 - precision)));
      previous = undefined;
      continue;
    }
    lastHeld = { rate: candidate, throughput: r.throughput };
    if (previous !== undefined && agree(previous, r.throughput, agreement)) {
      return { rate: candidate, throughput: Number(((previous + r.throughput) / 2).toFixed(1)), confirmed: true, probes };
    }
    previous = r.throughput;
  }
  return { rate: lastHeld.rate, throughput: lastHeld.throughput, confirmed: false, probes };
}

/** Runs `task` when every task asked for before it has finished. */
export type Turn = <T>(task: () => Promise<T>) => Promise<T>;

/**
 * One task at a time, in the order asked. Two searches sharing a turn
 * alternate round by round (each asks for its next round while the other's
 * runs), so a change in the host's load falls on both searches alike instead
 * of on whichever ran second. A failed task does not stop the ones after it.
 */
export function takeTurns(): Turn {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task);
    tail = run.catch(() => undefined);
    return run;
  };
}
