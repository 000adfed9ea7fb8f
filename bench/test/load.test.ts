import { expect } from "chai";
import { closedLoop, failureReason, openLoop } from "../src/load.js";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("closedLoop", () => {
  it("never has more calls in flight than its concurrency and sends exactly the count", async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    const result = await closedLoop({ concurrency: 3, count: 10, maxSeconds: 10 }, async (i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      seen.push(i);
      await sleep(5);
      inFlight--;
    });
    expect(peak).to.equal(3);
    expect(result.succeeded).to.equal(10);
    expect([...seen].sort((a, b) => a - b)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("stops sending at the time limit", async () => {
    const result = await closedLoop({ concurrency: 1, count: 1_000_000, maxSeconds: 0.1 }, () => sleep(10));
    expect(result.succeeded).to.be.within(3, 12);
  });

  it("counts failures by reason and keeps going", async () => {
    const result = await closedLoop({ concurrency: 2, count: 6, maxSeconds: 10 }, async (i) => {
      if (i % 3 === 0) throw Object.assign(new Error("conflict"), { reason: "MVCC_READ_CONFLICT" });
    });
    expect(result.succeeded).to.equal(4);
    expect(result.failed).to.equal(2);
    expect(result.failureReasons).to.deep.equal({ MVCC_READ_CONFLICT: 2 });
  });

  it("rejects a concurrency below 1", async () => {
    let error: unknown;
    try {
      await closedLoop({ concurrency: 0, count: 1, maxSeconds: 1 }, async () => undefined);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(RangeError);
  });
});

describe("openLoop", () => {
  it("sends at the given rate whatever the answers do", async () => {
    // 100/s for 0.3 s with calls that take 100 ms: a closed loop of 1 would manage 3.
    const result = await openLoop({ ratePerSecond: 100, count: 30, maxSeconds: 10, maxInFlight: 100 }, () => sleep(100));
    expect(result.succeeded).to.equal(30);
    expect(result.sendRate).to.be.within(80, 120);
    expect(result.latency.p50Ms).to.be.at.least(95);
  });

  it("waits when maxInFlight calls are outstanding, which lowers the send rate", async () => {
    const result = await openLoop({ ratePerSecond: 1000, count: 20, maxSeconds: 10, maxInFlight: 2 }, () => sleep(20));
    expect(result.succeeded).to.equal(20);
    expect(result.sendRate).to.be.below(200);
  });
});

describe("failureReason", () => {
  it("prefers an explicit reason, then an error code, then the error's class name", () => {
    expect(failureReason(Object.assign(new Error("x"), { reason: "MVCC_READ_CONFLICT", code: "E" }))).to.equal("MVCC_READ_CONFLICT");
    expect(failureReason(Object.assign(new Error("x"), { code: "CONFLICT" }))).to.equal("CONFLICT");
    expect(failureReason(new TypeError("bad"))).to.equal("TypeError");
    expect(failureReason(new Error("plain message"))).to.equal("plain message");
    expect(failureReason("text")).to.equal("text");
  });
});
