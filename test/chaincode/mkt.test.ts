import { expect } from "chai";
import { EMPTY_MKT_SUMS, addToMktSums, durations, meanKineticTemperature, mktCentiFromSums, summarizeReadings } from "../../chaincode/src/index.js";

const HOUR = 3600;
/** The integer sum of 1 s at 25 °C and 7 s at -18.30 °C, scaled by 2^96 (within 2e-27 of the exact value, checked with 80-digit decimals). */
const PINNED_SUM = "1746331224403137728456811927326";

describe("mean kinetic temperature (reference vectors)", () => {
  it("gives 25.00 °C for a constant 25 °C", () => {
    expect(meanKineticTemperature([{ centiCelsius: 2500, seconds: 10 * HOUR }])).to.equal(25);
  });

  it("gives 26.26 °C for 20 °C and 30 °C with equal weights", () => {
    expect(meanKineticTemperature([{ centiCelsius: 2000, seconds: HOUR }, { centiCelsius: 3000, seconds: HOUR }])).to.equal(26.26);
  });

  it("gives 5.76 °C for 23 h at 5 °C and 1 h at 15 °C", () => {
    expect(meanKineticTemperature([{ centiCelsius: 500, seconds: 23 * HOUR }, { centiCelsius: 1500, seconds: HOUR }])).to.equal(5.76);
  });

  it("gives 22.43 °C for 714 h at 22 °C and 6 h at 40 °C", () => {
    expect(meanKineticTemperature([{ centiCelsius: 2200, seconds: 714 * HOUR }, { centiCelsius: 4000, seconds: 6 * HOUR }])).to.equal(22.43);
  });

  it("gives the same integer sum and value when the readings arrive in two batches", () => {
    const first = addToMktSums(EMPTY_MKT_SUMS, [{ centiCelsius: 2200, seconds: 714 * HOUR }]);
    const both = addToMktSums(first, [{ centiCelsius: 4000, seconds: 6 * HOUR }]);
    const once = addToMktSums(EMPTY_MKT_SUMS, [{ centiCelsius: 2200, seconds: 714 * HOUR }, { centiCelsius: 4000, seconds: 6 * HOUR }]);
    expect(both).to.deep.equal(once);
    expect(mktCentiFromSums(both)).to.equal(2243);
  });

  it("is undefined (NaN) when no time is weighted", () => {
    expect(meanKineticTemperature([])).to.be.NaN;
    expect(mktCentiFromSums(EMPTY_MKT_SUMS)).to.equal(undefined);
  });
});

describe("mean kinetic temperature in integer arithmetic", () => {
  it("keeps the running sum an exact integer, pinned to its bits so a platform that computes otherwise fails here", () => {
    const sums = addToMktSums(EMPTY_MKT_SUMS, [{ centiCelsius: 2500, seconds: 1 }, { centiCelsius: -1830, seconds: 7 }]);
    expect(typeof sums.mktSum).to.equal("bigint");
    expect(sums.mktSum.toString()).to.equal(PINNED_SUM);
  });

  it("computes without Math.exp or Math.log", () => {
    const { exp, log } = Math;
    const broken = (): number => {
      throw new Error("floating-point transcendental used");
    };
    Math.exp = broken;
    Math.log = broken;
    try {
      expect(meanKineticTemperature([{ centiCelsius: 2000, seconds: HOUR }, { centiCelsius: 3000, seconds: HOUR - 1 }])).to.be.a("number");
    } finally {
      Math.exp = exp;
      Math.log = log;
    }
  });

  it("gives back every constant temperature the chaincode accepts (-80.00 to 80.00 °C) to the centi-degree", () => {
    for (let centiCelsius = -8000; centiCelsius <= 8000; centiCelsius += 7) {
      expect(mktCentiFromSums(addToMktSums(EMPTY_MKT_SUMS, [{ centiCelsius, seconds: 300 }]))).to.equal(centiCelsius);
    }
    expect(mktCentiFromSums(addToMktSums(EMPTY_MKT_SUMS, [{ centiCelsius: 8000, seconds: 86_400 }]))).to.equal(8000);
  });

  it("agrees with the floating-point formula within rounding on mixed profiles", () => {
    const float = (readings: { centiCelsius: number; seconds: number }[]): number => {
      const weight = readings.reduce((sum, r) => sum + r.seconds, 0);
      const terms = readings.reduce((sum, r) => sum + r.seconds * Math.exp(-10_000 / (r.centiCelsius / 100 + 273.15)), 0);
      return 10_000 / -Math.log(terms / weight) - 273.15;
    };
    let seed = 7;
    const next = (n: number): number => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) % n;
    for (let run = 0; run < 200; run++) {
      const readings = Array.from({ length: 1 + next(20) }, () => ({ centiCelsius: next(16_001) - 8000, seconds: 1 + next(86_400) }));
      const centi = mktCentiFromSums(addToMktSums(EMPTY_MKT_SUMS, readings)) ?? Number.NaN;
      expect(Math.abs(centi - float(readings) * 100)).to.be.at.most(0.5 + 1e-6);
    }
  });
});

describe("reading durations", () => {
  it("lasts each reading until the next, the last one interval", () => {
    expect(durations([0, 300, 600], 300)).to.deep.equal([300, 300, 300]);
  });

  it("caps a gap longer than the logging interval at one interval", () => {
    expect(durations([0, 300, 5000], 300)).to.deep.equal([300, 300, 300]);
  });
});

describe("reading summary", () => {
  const storage = { minCentiCelsius: 200, maxCentiCelsius: 800 };
  const limits = { minCentiCelsius: 0, maxCentiCelsius: 2500 };

  it("reports min, max and the time outside the labelled range", () => {
    const summary = summarizeReadings(
      [
        { centiCelsius: 500, seconds: 600 },
        { centiCelsius: 900, seconds: 300 },
        { centiCelsius: 150, seconds: 120 },
      ],
      storage,
      limits,
    );
    expect(summary).to.deep.equal({ minCentiCelsius: 150, maxCentiCelsius: 900, secondsOutOfRange: 420, absoluteLimitBreached: false });
  });

  it("flags a reading outside the absolute limits, but not one on the limit", () => {
    expect(summarizeReadings([{ centiCelsius: 2500, seconds: 1 }], storage, limits).absoluteLimitBreached).to.equal(false);
    expect(summarizeReadings([{ centiCelsius: 2501, seconds: 1 }], storage, limits).absoluteLimitBreached).to.equal(true);
    expect(summarizeReadings([{ centiCelsius: -1, seconds: 1 }], storage, limits).absoluteLimitBreached).to.equal(true);
  });
});
