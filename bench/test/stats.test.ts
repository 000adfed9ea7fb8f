import { expect } from "chai";
import { percentile, percentileOf, summarizeLatency, summarizeRound } from "../src/stats.js";

describe("percentile", () => {
  it("takes the nearest rank: the smallest value with q% at or below it", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).to.equal(50);
    expect(percentile(values, 95)).to.equal(95);
    expect(percentile(values, 99)).to.equal(99);
    expect(percentile(values, 100)).to.equal(100);
  });

  it("answers the only value of a one-value list for every q", () => {
    expect(percentile([7], 1)).to.equal(7);
    expect(percentile([7], 99)).to.equal(7);
  });

  it("rejects an empty list and a q outside (0, 100]", () => {
    expect(() => percentile([], 50)).to.throw(RangeError, "no values");
    expect(() => percentile([1], 0)).to.throw(RangeError, "q must be in (0, 100]");
    expect(() => percentile([1], 101)).to.throw(RangeError, "q must be in (0, 100]");
  });
});

describe("percentileOf", () => {
  it("sorts a copy first and leaves the values in their order", () => {
    const values = [30, 10, 50, 20, 40];
    expect(percentileOf(values, 50)).to.equal(30);
    expect(percentileOf(values, 90)).to.equal(50);
    expect(values).to.deep.equal([30, 10, 50, 20, 40]);
  });
});

describe("summarizeLatency", () => {
  it("reports min, avg, p50, p95, p99 and max of unsorted latencies", () => {
    const s = summarizeLatency([30, 10, 20, 40]);
    expect(s).to.deep.equal({ minMs: 10, avgMs: 25, p50Ms: 20, p95Ms: 40, p99Ms: 40, maxMs: 40 });
  });

  it("reports zeros when nothing succeeded", () => {
    expect(summarizeLatency([]).p99Ms).to.equal(0);
  });
});

describe("summarizeRound", () => {
  it("counts throughput over successes from the first send to the last answer", () => {
    // 4 calls sent over 1.5 s, the last answer at 2 s; one failed.
    const figures = summarizeRound([
      { sentAt: 0, doneAt: 100, ok: true },
      { sentAt: 500, doneAt: 700, ok: true },
      { sentAt: 1000, doneAt: 1300, ok: false },
      { sentAt: 1500, doneAt: 2000, ok: true },
    ]);
    expect(figures.succeeded).to.equal(3);
    expect(figures.failed).to.equal(1);
    expect(figures.sendRate).to.be.closeTo(4 / 1.5, 0.05);
    expect(figures.throughput).to.equal(1.5);
    expect(figures.durationS).to.equal(2);
    expect(figures.latency.maxMs).to.equal(500);
    expect(figures.latency.minMs).to.equal(100);
  });

  it("leaves failed calls out of the latency figures", () => {
    const figures = summarizeRound([
      { sentAt: 0, doneAt: 10, ok: true },
      { sentAt: 0, doneAt: 5000, ok: false },
    ]);
    expect(figures.latency.maxMs).to.equal(10);
  });

  it("reports an empty round as all zeros", () => {
    expect(summarizeRound([])).to.include({ succeeded: 0, failed: 0, throughput: 0 });
  });
});
