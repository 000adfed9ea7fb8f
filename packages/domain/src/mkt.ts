/** Activation energy over the gas constant, USP <1079>: 10,000 K. */
export const MKT_DELTA_H_OVER_R = 10_000;
/** 0 °C in centi-kelvin. */
const CENTI_KELVIN_OFFSET = 27_315;

// Mean kinetic temperature in integer fixed point.
//
// Why: every endorsing peer must write the same bytes for the same readings.
// ECMAScript leaves Math.exp and Math.log "implementation-approximated", so two
// Node or V8 releases (or CPUs) may differ in the last bit of a float sum, and
// the peers' write sets with them. BigInt arithmetic is exact and specified, so
// the sum is kept as an integer and exp/ln are computed here from their series
// with integer operations only: the same bits on every platform.
//
// Representation: numbers are scaled by 2^96 (far below the 0.01 °C the result
// is rounded to). Each reading's term is taken relative to 0 °C,
// exp(dH/R * (1/273.15 K - 1/T)), which stays between about 3e-7 (-80 °C) and
// 4e3 (+80 °C), so no precision is lost to the tiny raw Arrhenius factors
// (about 1e-23..1e-12); the reference cancels out of the MKT formula.
const SCALE_BITS = 96n;
const ONE = 1n << SCALE_BITS;
/** dH/R divided by 273.15 K, fixed point: 1e6 / 27315. */
const H_OVER_T0 = (1_000_000n * ONE) / BigInt(CENTI_KELVIN_OFFSET);

/** floor(a / b) for b > 0 (BigInt division truncates toward zero). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a < 0n && q * b !== a ? q - 1n : q;
}

/** 2 * atanh(z) = ln((1 + z) / (1 - z)) for fixed-point 0 <= z < 1/2, by its series. */
function twoAtanh(z: bigint): bigint {
  const z2 = (z * z) >> SCALE_BITS;
  let power = z;
  let sum = z;
  for (let n = 3n; power > 0n; n += 2n) {
    power = (power * z2) >> SCALE_BITS;
    sum += power / n;
  }
  return 2n * sum;
}

/** ln 2 = 2 atanh(1/3), fixed point. */
const LN2 = twoAtanh(ONE / 3n);

/** e^x for fixed-point x: x = k ln 2 + r with |r| <= ln 2 / 2, Taylor series of e^r, shifted by k. */
function fixedExp(x: bigint): bigint {
  const k = floorDiv(x + LN2 / 2n, LN2);
  const r = x - k * LN2;
  let term = ONE;
  let sum = ONE;
  for (let n = 1n; term !== 0n; n++) {
    term = (term * r) / (n * ONE);
    sum += term;
  }
  return k >= 0n ? sum << k : sum >> -k;
}

/** ln m for fixed-point m > 0: m = 2^k y with 1 <= y < 2, ln y = 2 atanh((y - 1) / (y + 1)). */
function fixedLn(m: bigint): bigint {
  const k = BigInt(m.toString(2).length) - 1n - SCALE_BITS;
  const y = k >= 0n ? m >> k : m << -k;
  return k * LN2 + twoAtanh(((y - ONE) * ONE) / (y + ONE));
}

const termCache = new Map<number, bigint>();

/** exp(dH/R * (1/273.15 K - 1/T)) for a temperature in centi-degrees Celsius, fixed point. */
function relativeTerm(centiCelsius: number): bigint {
  let term = termCache.get(centiCelsius);
  if (term === undefined) {
    term = fixedExp(H_OVER_T0 - (1_000_000n * ONE) / BigInt(centiCelsius + CENTI_KELVIN_OFFSET));
    termCache.set(centiCelsius, term);
  }
  return term;
}

/** One reading with the time it stands for. */
export interface WeightedReading {
  centiCelsius: number;
  seconds: number;
}

/** Running sums from which MKT is computed, so batches can be accumulated. */
export interface MktSums {
  /** Sum of durations (seconds). */
  weightSeconds: number;
  /** Sum of duration * exp(dH/R * (1/273.15 K - 1/T)), scaled by 2^96: an exact integer. */
  mktSum: bigint;
}

export const EMPTY_MKT_SUMS: MktSums = { weightSeconds: 0, mktSum: 0n };

export function addToMktSums(sums: MktSums, readings: readonly WeightedReading[]): MktSums {
  let { weightSeconds, mktSum } = sums;
  for (const reading of readings) {
    weightSeconds += reading.seconds;
    mktSum += BigInt(reading.seconds) * relativeTerm(reading.centiCelsius);
  }
  return { weightSeconds, mktSum };
}

/**
 * MKT in centi-degrees Celsius (an integer, rounded half up) from running sums;
 * undefined when no time was weighted. With the 0 °C reference,
 * dH/R / MKT = dH/R / 273.15 K - ln(mean term).
 */
export function mktCentiFromSums(sums: MktSums): number | undefined {
  if (sums.weightSeconds <= 0 || sums.mktSum <= 0n) return undefined;
  const denominator = H_OVER_T0 - fixedLn(sums.mktSum / BigInt(sums.weightSeconds));
  const centiKelvin = ((2n * 1_000_000n * ONE) / denominator + 1n) / 2n;
  return Number(centiKelvin) - CENTI_KELVIN_OFFSET;
}

/** Mean kinetic temperature in degrees Celsius to 0.01 °C, weighted by each reading's duration; NaN without weighted time. */
export function meanKineticTemperature(readings: readonly WeightedReading[]): number {
  const centi = mktCentiFromSums(addToMktSums(EMPTY_MKT_SUMS, readings));
  return centi === undefined ? Number.NaN : centi / 100;
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
