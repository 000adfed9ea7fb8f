import { expect } from "chai";
import { addToMktSums, durations, meanKineticTemperature, mktFromSums, summarizeReadings } from "../../chaincode/src/index.js";

const HOUR = 3600;
const round2 = (celsius: number): number => Math.round(celsius * 100) / 100;

describe("mean kinetic temperature (design section 4 vectors)", () => {
  it("gives 25.00 °C for a constant 25 °C", () => {
    expect(round2(meanKineticTemperature([{ centiCelsius: 2500, seconds: 10 * HOUR }]))).to.equal(25);
  });

  it("gives 26.26 °C for 20 °C and 30 °C with equal weights", () => {
    expect(round2(meanKineticTemperature([{ centiCelsius: 2000, seconds: HOUR }, { centiCelsius: 3000, seconds: HOUR }]))).to.equal(26.26);
  });

  it("gives 5.76 °C for 23 h at 5 °C and 1 h at 15 °C", () => {
    expect(round2(meanKineticTemperature([{ centiCelsius: 500, seconds: 23 * HOUR }, { centiCelsius: 1500, seconds: HOUR }]))).to.equal(5.76);
  });

  it("gives 22.43 °C for 714 h at 22 °C and 6 h at 40 °C", () => {
    expect(round2(meanKineticTemperature([{ centiCelsius: 2200, seconds: 714 * HOUR }, { centiCelsius: 4000, seconds: 6 * HOUR }]))).to.equal(22.43);
  });

  it("gives the same value when the readings arrive in two batches", () => {
    const first = addToMktSums({ weightSeconds: 0, expSum: 0 }, [{ centiCelsius: 2200, seconds: 714 * HOUR }]);
    const both = addToMktSums(first, [{ centiCelsius: 4000, seconds: 6 * HOUR }]);
    expect(round2(mktFromSums(both))).to.equal(22.43);
  });

  it("is undefined (NaN) when no time is weighted", () => {
    expect(meanKineticTemperature([])).to.be.NaN;
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
