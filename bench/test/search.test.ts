import { expect } from "chai";
import { agree, findSustainedRate, takeTurns, type ProbeOutcome } from "../src/search.js";

const OPTIONS = { start: 20, precision: 0.1, agreement: 0.1, maxProbes: 30 };

/** A system that keeps up with any rate up to `ceiling` and delivers the offered rate, scaled by the next noise factor. */
function system(ceiling: number, noise: number[] = []): (rate: number) => Promise<ProbeOutcome> {
  let i = 0;
  return (rate) => {
    const factor = noise[i++ % Math.max(noise.length, 1)] ?? 1;
    return Promise.resolve({ held: rate <= ceiling, throughput: rate * factor });
  };
}

describe("findSustainedRate", () => {
  it("brackets by doubling, bisects to within 10% and confirms with two agreeing rounds", async () => {
    const result = await findSustainedRate(system(67), OPTIONS);
    expect(result.confirmed).to.equal(true);
    expect(result.rate).to.be.at.most(67);
    expect(result.rate).to.be.at.least(67 * 0.9);
    expect(result.probes.map((p) => p.rate).slice(0, 4)).to.deep.equal([20, 40, 80, 60]);
    const last = result.probes.slice(-2);
    expect(last.map((p) => p.rate)).to.deep.equal([result.rate, result.rate]);
  });

  it("repeats a rate until two consecutive rounds at it agree within 10%", async () => {
    // Rounds 20, 40, 80 (fails), 60, 70, 75 (fails) bracket 70; at 70 the bisection's round gave 70/s,
    // the first repeat 56/s (disagrees), the second 58.8/s (agrees with 56).
    const noise = [1, 1, 1, 1, 1, 1, 0.8, 0.84];
    const result = await findSustainedRate(system(70, noise), OPTIONS);
    expect(result.probes.map((p) => p.rate)).to.deep.equal([20, 40, 80, 60, 70, 75, 70, 70]);
    expect(result.confirmed).to.equal(true);
    expect(result.rate).to.equal(70);
    expect(result.throughput).to.equal(57.4);
  });

  it("steps down by 10% when a repeat no longer holds", async () => {
    let calls = 0;
    const result = await findSustainedRate(
      (rate) => {
        calls++;
        // Up to 45 holds, except that the host gets busier after the bracket: 40 fails from the 6th round on.
        const held = rate <= (calls >= 6 ? 36 : 45);
        return Promise.resolve({ held, throughput: rate });
      },
      OPTIONS,
    );
    expect(result.confirmed).to.equal(true);
    expect(result.rate).to.be.at.most(36);
  });

  it("answers rate 0, unconfirmed, when nothing holds", async () => {
    const result = await findSustainedRate(system(0), { ...OPTIONS, maxProbes: 8 });
    expect(result.rate).to.equal(0);
    expect(result.confirmed).to.equal(false);
    expect(result.probes.length).to.be.at.most(8);
  });

  it("never runs more rounds than its budget", async () => {
    const result = await findSustainedRate(system(10_000), { ...OPTIONS, maxProbes: 5 });
    expect(result.probes).to.have.length(5);
    expect(result.confirmed).to.equal(false);
  });

  it("refuses a start below 1 and shares outside (0, 1)", async () => {
    const probe = system(10);
    await findSustainedRate(probe, { ...OPTIONS, start: 0 }).then(
      () => expect.fail("resolved"),
      (e: unknown) => expect(String(e)).to.contain("start must be at least 1"),
    );
    await findSustainedRate(probe, { ...OPTIONS, agreement: 1 }).then(
      () => expect.fail("resolved"),
      (e: unknown) => expect(String(e)).to.contain("agreement must be in (0, 1)"),
    );
  });
});

describe("agree", () => {
  it("compares the difference with the larger throughput", () => {
    expect(agree(100, 91, 0.1)).to.equal(true);
    expect(agree(100, 89, 0.1)).to.equal(false);
    expect(agree(0, 0, 0.1)).to.equal(false);
  });
});

describe("takeTurns", () => {
  const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

  it("lets two searches sharing a turn alternate round by round, never two rounds at once", async () => {
    const turn = takeTurns();
    const order: string[] = [];
    let running = 0;
    let most = 0;
    const round = async (name: string, rate: number): Promise<ProbeOutcome> =>
      turn(async () => {
        running++;
        most = Math.max(most, running);
        order.push(name);
        await tick();
        running--;
        return { held: rate <= 50, throughput: rate };
      });
    const [a, b] = await Promise.all([
      findSustainedRate((rate) => round("A", rate), { ...OPTIONS, maxProbes: 6 }),
      findSustainedRate((rate) => round("B", rate), { ...OPTIONS, maxProbes: 6 }),
    ]);
    expect(most).to.equal(1);
    expect(order).to.deep.equal(["A", "B", "A", "B", "A", "B", "A", "B", "A", "B", "A", "B"]);
    expect(a.probes.map((p) => p.rate)).to.deep.equal(b.probes.map((p) => p.rate));
  });

  it("runs the next task after one that failed, and hands the failure to its caller only", async () => {
    const turn = takeTurns();
    const failed = turn(() => Promise.reject(new Error("round failed")));
    const next = turn(() => Promise.resolve(7));
    let message = "";
    await failed.catch((error: unknown) => (message = (error as Error).message));
    expect(message).to.equal("round failed");
    expect(await next).to.equal(7);
  });
});
