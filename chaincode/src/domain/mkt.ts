/** Activation energy over the gas constant, USP <1079>: 10,000 K. */
export const MKT_DELTA_H_OVER_R = 10_000;
const KELVIN_OFFSET = 273.15;

/** One reading with the time it stands for. */
export interface WeightedReading {
  centiCelsius: number;
  seconds: number;
}

/** Running sums from which MKT is computed, so batches can be accumulated. */
export interface MktSums {
  /** Sum of durations (seconds). */
  weightSeconds: number;
  /** Sum of duration * exp(-dH/R / T). */
  expSum: number;
}

export function addToMktSums(sums: MktSums, readings: readonly WeightedReading[]): MktSums {
  let { weightSeconds, expSum } = sums;
  for (const reading of readings) {
    const kelvin = reading.centiCelsius / 100 + KELVIN_OFFSET;
    weightSeconds += reading.seconds;
    expSum += reading.seconds * Math.exp(-MKT_DELTA_H_OVER_R / kelvin);
  }
  return { weightSeconds, expSum };
}

/** MKT in degrees Celsius from running sums; NaN when no time was weighted. */
export function mktFromSums(sums: MktSums): number {
  if (sums.weightSeconds <= 0) return Number.NaN;
  return MKT_DELTA_H_OVER_R / -Math.log(sums.expSum / sums.weightSeconds) - KELVIN_OFFSET;
}

/** Mean kinetic temperature in degrees Celsius, weighted by each reading's duration. */
export function meanKineticTemperature(readings: readonly WeightedReading[]): number {
  return mktFromSums(addToMktSums({ weightSeconds: 0, expSum: 0 }, readings));
}

/** A temperature range in centi-degrees Celsius, inclusive. */
export interface CentiRange {
  minCentiCelsius: number;
  maxCentiCelsius: number;
}

export interface ReadingSummary {
  minCentiCelsius: number;
  maxCentiCelsius: number;
  secondsOutOfRange: number;
  absoluteLimitBreached: boolean;
}

/** Min, max, time outside the labelled range, and whether an absolute limit was crossed. */
export function summarizeReadings(readings: readonly WeightedReading[], storage: CentiRange, limits: CentiRange): ReadingSummary {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let secondsOutOfRange = 0;
  let absoluteLimitBreached = false;
  for (const { centiCelsius, seconds } of readings) {
    min = Math.min(min, centiCelsius);
    max = Math.max(max, centiCelsius);
    if (centiCelsius < storage.minCentiCelsius || centiCelsius > storage.maxCentiCelsius) secondsOutOfRange += seconds;
    if (centiCelsius < limits.minCentiCelsius || centiCelsius > limits.maxCentiCelsius) absoluteLimitBreached = true;
  }
  return { minCentiCelsius: min, maxCentiCelsius: max, secondsOutOfRange, absoluteLimitBreached };
}

/**
 * Durations of timestamped readings: each lasts until the next one, capped at
 * the logging interval (a gap is not a measurement); the last lasts one interval.
 */
export function durations(timestamps: readonly number[], intervalSeconds: number): number[] {
  return timestamps.map((at, i) => {
    const next = timestamps[i + 1];
    return next === undefined ? intervalSeconds : Math.min(next - at, intervalSeconds);
  });
}
