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
