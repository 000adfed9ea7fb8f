/** The gateway's Prometheus registry over prom-client, and the gauges read when /metrics is rendered. */
import { expect } from "chai";
import { createMetricsRegistry, readGauge } from "../../gateway/src/services/metrics.js";
import { parseExposition, samplesOf, valueOf } from "../../support/prometheus-text.js";

describe("metrics registry", () => {
  describe("a gauge read at render time", () => {
    it("shows what its reader returns now, and drops a series the reader no longer returns", async () => {
      const registry = createMetricsRegistry();
      let depths: Record<string, number> = { "recall-sync": 2, webhook: 1 };
      readGauge(registry, {
        name: "test_depth",
        help: "Depth by kind.",
        labelNames: ["kind"],
        read: () => Object.entries(depths).map(([kind, value]) => ({ labels: { kind }, value })),
      });

      const before = parseExposition(await registry.metrics());
      depths = { webhook: 3 };
      const after = parseExposition(await registry.metrics());

      expect(valueOf(before, "test_depth", { kind: "recall-sync" })).to.equal(2);
      expect(valueOf(after, "test_depth", { kind: "recall-sync" })).to.equal(undefined);
      expect(valueOf(after, "test_depth", { kind: "webhook" })).to.equal(3);
    });

    it("waits for a reader that answers asynchronously", async () => {
      const registry = createMetricsRegistry();
      readGauge(registry, {
        name: "test_height",
        help: "Height by channel.",
        labelNames: ["channel"],
        read: async () => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          return [{ labels: { channel: "mfr-dist" }, value: 12 }];
        },
      });

      expect(valueOf(parseExposition(await registry.metrics()), "test_height", { channel: "mfr-dist" })).to.equal(12);
    });
  });

  it("keeps each app's own series apart while both carry the process metrics", async () => {
    const first = createMetricsRegistry();
    const second = createMetricsRegistry();
    readGauge(first, { name: "test_only_first", help: "First only.", labelNames: [], read: () => [{ labels: {}, value: 1 }] });

    const secondText = parseExposition(await second.metrics());

    expect(samplesOf(secondText, "test_only_first")).to.deep.equal([]);
    expect(valueOf(secondText, "process_start_time_seconds")).to.be.above(0);
  });
});

describe("reading an exposition", () => {
  it("reads labels in any order, escaped quotes and backslashes, and +Inf", () => {
    const text = ['# TYPE x_bucket counter', 'x_bucket{le="+Inf",path="a\\"b\\\\c"} 4', "y +Inf", "z{} 1 1700000000000"].join("\n");
    const read = parseExposition(text);
    expect(valueOf(read, "x_bucket", { path: 'a"b\\c', le: "+Inf" })).to.equal(4);
    expect(valueOf(read, "y")).to.equal(Infinity);
    expect(valueOf(read, "z")).to.equal(1);
  });

  it("refuses a line that is not a sample, naming it", () => {
    expect(() => parseExposition("ok 1\nnot a sample here")).to.throw(/line 2/);
    expect(() => parseExposition('x{a="1" b="2"} 1')).to.throw(/malformed labels/);
  });
});
