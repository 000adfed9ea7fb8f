import { expect } from "chai";
import { toMarkdown, type BenchResults } from "../src/report.js";

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
