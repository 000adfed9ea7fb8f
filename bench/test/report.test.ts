import { expect } from "chai";
import { judge, toMarkdown, verifyTargetChecks, type BenchResults, type RoundRecord, type ScenarioResult } from "../src/report.js";

const results: BenchResults = {
  startedAt: "2026-11-27T07:00:00Z",
  finishedAt: "2026-11-27T07:10:00Z",
  mode: "full",
  machine: { cpus: 2, cpuModel: "Test CPU", memoryGiB: 24, node: "24.0.0", fabric: "3.1.5", os: "Debian", loadAverageAtStart: [0.5, 0.4, 0.3] },
  topology: "4 orgs",
  scenarios: [
    {
      id: "verify",
      title: "Verify via REST",
      target: ">= 500 req/s",
      verdict: "missed",
      outcome: "420 req/s",
      rounds: [
        {
          label: "GET /v1/verify",
          client: "rest",
          chaincode: "rxtrace",
          itemsPerCall: 1,
          succeeded: 100,
          failed: 2,
          sendRate: 450,
          throughput: 420,
          durationS: 10,
          latency: { minMs: 1, avgMs: 2, p50Ms: 2, p95Ms: 5, p99Ms: 9.5, maxMs: 12 },
          failureReasons: { DEADLINE_EXCEEDED: 2 },
          usage: { peer: { cpuPercent: 80.5, rssMiBAvg: 90, rssMiBMax: 100, processes: 4 } },
        },
      ],
      notes: ["three evaluates per call"],
    },
  ],
};

describe("toMarkdown", () => {
  const md = toMarkdown(results);

  it("states the machine the figures come from", () => {
    expect(md).to.contain("Machine: 2 cores (Test CPU), 24 GiB, Debian, Node 24.0.0, Fabric 3.1.5");
  });

  it("lists each scenario against its target with the verdict", () => {
    expect(md).to.contain("| Verify via REST | >= 500 req/s | 420 req/s | missed |");
  });

  it("writes every round's counts, rates and latency percentiles", () => {
    expect(md).to.contain("| GET /v1/verify | rest | rxtrace | 100 | 2 | 450 | 420 | 420 | 1 | 2 | 2 | 5 | 9.5 | 12 |");
  });

  it("writes CPU and peak memory per process kind, the failure reasons and the notes", () => {
    expect(md).to.contain("| GET /v1/verify | 80.5 / 100 |");
    expect(md).to.contain("- GET /v1/verify: DEADLINE_EXCEEDED x2");
    expect(md).to.contain("- three evaluates per call");
  });
});

describe("hotFunctions", () => {
  it("ranks functions by self time and leaves idle time out of the percentages", async () => {
    const { hotFunctions } = await import("../src/profile-summary.js");
    const frame = (functionName: string, url = "") => ({ functionName, url, lineNumber: 0 });
    const profile = {
      startTime: 0,
      endTime: 4000,
      nodes: [
        { id: 1, callFrame: frame("(idle)") },
        { id: 2, callFrame: frame("sign", "file:///x/node_modules/noble/curve.js") },
        { id: 3, callFrame: frame("route", "file:///x/gateway/dist/app.js") },
      ],
      samples: [1, 2, 2, 3],
      timeDeltas: [0, 1000, 1000, 1000, 1000],
    };
    const rows = hotFunctions(profile, 10);
    expect(rows.map((r) => r.name)).to.deep.equal(["sign", "(idle)", "route"]);
    expect(rows[0]).to.include({ selfMs: 2, percent: 66.7, where: "node_modules/noble/curve.js:1" });
    expect(rows[1]?.percent).to.equal(0);
  });
});

describe("packageOf", () => {
  it("names the innermost npm package, node internals or the app folder of a frame", async () => {
    const { packageOf } = await import("../src/profile-summary.js");
    expect(packageOf("node_modules/@hyperledger/fabric-gateway/node_modules/@noble/curves/abstract/modular.js:32")).to.equal("@noble/curves");
    expect(packageOf("node_modules/fastify/lib/validation.js:343")).to.equal("fastify");
    expect(packageOf("node:internal/crypto/hash:98")).to.equal("node internals");
    expect(packageOf("gateway/dist/app.js:1")).to.equal("gateway");
    expect(packageOf("")).to.equal("(vm)");
  });
});

describe("verifyTargetChecks and judge", () => {
  const round = (over: Partial<RoundRecord> = {}): RoundRecord => ({
    label: "GET /v1/verify from the read model",
    client: "rest",
    chaincode: "-",
    itemsPerCall: 1,
    succeeded: 15_000,
    failed: 0,
    sendRate: 1010,
    throughput: 1000,
    durationS: 15,
    latency: { minMs: 1, avgMs: 10, p50Ms: 9, p95Ms: 30, p99Ms: 50, maxMs: 80 },
    failureReasons: {},
    usage: { "gateway-pharmacy": { cpuPercent: 90, rssMiBAvg: 150, rssMiBMax: 190, processes: 1 } },
    ...over,
  });

  it("meets the target at exactly 1,000 req/s and 50 ms p99 with no failure and the gateway under 200 MB", () => {
    const checks = verifyTargetChecks(round(), "gateway-pharmacy");
    expect(checks.map((c) => [c.what, c.met])).to.deep.equal([
      ["throughput", true],
      ["p99", true],
      ["failures", true],
      ["gateway-pharmacy peak RSS", true],
    ]);
    expect(judge(checks)).to.deep.equal({
      verdict: "met",
      outcome: "throughput 1000 req/s (>= 1000 req/s: met); p99 50 ms (<= 50 ms: met); failures 0 of 15000 (0: met); gateway-pharmacy peak RSS 199.2 MB (< 200 MB: met)",
    });
  });

  it("misses the target on the part that misses it, naming the figure", () => {
    const slow = judge(verifyTargetChecks(round({ throughput: 999.9, latency: { minMs: 1, avgMs: 10, p50Ms: 9, p95Ms: 30, p99Ms: 50.1, maxMs: 80 } }), "gateway-pharmacy"));
    expect(slow.verdict).to.equal("missed");
    expect(slow.outcome).to.contain("throughput 999.9 req/s (>= 1000 req/s: MISSED)");
    expect(slow.outcome).to.contain("p99 50.1 ms (<= 50 ms: MISSED)");
    // 191 MiB is 200.3 MB.
    const heavy = verifyTargetChecks(round({ usage: { "gateway-pharmacy": { cpuPercent: 90, rssMiBAvg: 150, rssMiBMax: 191, processes: 1 } } }), "gateway-pharmacy");
    expect(heavy.find((c) => c.what === "gateway-pharmacy peak RSS")).to.deep.include({ figure: "200.3 MB", met: false });
    const failing = verifyTargetChecks(round({ failed: 1, failureReasons: { NOT_VERIFIED: 1 } }), "gateway-pharmacy");
    expect(failing.find((c) => c.what === "failures")).to.deep.include({ figure: "1 of 15001", met: false });
  });

  it("misses the memory part when the gateway was not sampled, and everything when no call succeeded", () => {
    const unsampled = verifyTargetChecks(round({ usage: {} }), "gateway-pharmacy");
    expect(unsampled.find((c) => c.what === "gateway-pharmacy peak RSS")).to.deep.include({ figure: "not sampled", met: false });
    expect(judge(verifyTargetChecks(round({ succeeded: 0, throughput: 0, latency: { minMs: 0, avgMs: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, maxMs: 0 } }), "gateway-pharmacy")).verdict).to.equal("missed");
    expect(judge([]).verdict).to.equal("missed");
  });

  it("writes a scenario's checks as a table of their own", () => {
    const checks = verifyTargetChecks(round(), "gateway-pharmacy");
    const md = toMarkdown({ ...results, scenarios: [{ ...(results.scenarios[0] as ScenarioResult), checks }] });
    expect(md).to.contain("| target part | measured | bound | verdict |");
    expect(md).to.contain("| p99 | 50 ms | <= 50 ms | met |");
  });
});
