/**
 * The own peer's height and the off-chain indexes' lag behind it, per
 * channel, in /metrics; a peer that does not answer leaves them out of the
 * scrape instead of holding it up.
 */
import { expect } from "chai";
import { createMetricsRegistry } from "../../gateway/src/services/metrics.js";
import { installProgressMetrics, type ProgressSources } from "../../gateway/src/services/progress-metrics.js";
import { parseExposition, samplesOf, valueOf } from "../../support/prometheus-text.js";
import { buildTestApp } from "./support/app.js";

async function scrape(sources: ProgressSources) {
  const registry = createMetricsRegistry();
  installProgressMetrics(registry, sources);
  return parseExposition(await registry.metrics());
}

describe("ledger progress metrics", () => {
  const heights: Record<string, bigint> = { "mfr-dist": 42n, "dist-pharm": 17n };
  const lastBlocks: Record<string, Record<string, number | bigint | undefined>> = {
    events: { "mfr-dist": 41, "dist-pharm": 12 },
    verify: { "mfr-dist": 41n, "dist-pharm": undefined },
  };
  const sources = (over: Partial<ProgressSources> = {}): ProgressSources => ({
    channels: ["mfr-dist", "dist-pharm"],
    peerHeight: async (channel) => heights[channel] ?? 0n,
    indexes: { events: (channel) => lastBlocks.events?.[channel], verify: (channel) => lastBlocks.verify?.[channel] },
    timeoutMs: 200,
    ...over,
  });

  it("gives the own peer's height per channel", async () => {
    const metrics = await scrape(sources());
    expect(valueOf(metrics, "rxtrace_ledger_height", { channel: "mfr-dist" })).to.equal(42);
    expect(valueOf(metrics, "rxtrace_ledger_height", { channel: "dist-pharm" })).to.equal(17);
  });

  it("gives each index's lag behind the peer's last block, counting every block of a channel an index has not started", async () => {
    const metrics = await scrape(sources());
    expect(valueOf(metrics, "rxtrace_index_lag_blocks", { channel: "mfr-dist", index: "events" })).to.equal(0);
    expect(valueOf(metrics, "rxtrace_index_lag_blocks", { channel: "dist-pharm", index: "events" })).to.equal(4);
    // Blocks 0..16: none taken in yet.
    expect(valueOf(metrics, "rxtrace_index_lag_blocks", { channel: "dist-pharm", index: "verify" })).to.equal(17);
    expect(valueOf(metrics, "rxtrace_index_last_block", { channel: "dist-pharm", index: "events" })).to.equal(12);
    expect(valueOf(metrics, "rxtrace_index_last_block", { channel: "dist-pharm", index: "verify" })).to.equal(undefined);
  });

  it("never shows a negative lag when an index has seen a block the peer's answer predates", async () => {
    const metrics = await scrape(sources({ peerHeight: async () => 10n }));
    expect(valueOf(metrics, "rxtrace_index_lag_blocks", { channel: "mfr-dist", index: "events" })).to.equal(0);
  });

  it("leaves out the height and the lags of a channel whose peer fails or does not answer in time, and still renders the rest", async () => {
    const metrics = await scrape(
      sources({
        peerHeight: (channel) => (channel === "mfr-dist" ? new Promise<bigint>(() => {}) : Promise.reject(new Error("14 UNAVAILABLE"))),
      }),
    );
    expect(samplesOf(metrics, "rxtrace_ledger_height")).to.deep.equal([]);
    expect(samplesOf(metrics, "rxtrace_index_lag_blocks")).to.deep.equal([]);
    expect(valueOf(metrics, "rxtrace_index_last_block", { channel: "mfr-dist", index: "events" })).to.equal(41);
  });

  it("treats a height reader that throws at once (no network.json yet) like a peer that does not answer", async () => {
    const metrics = await scrape(
      sources({
        peerHeight: () => {
          throw new Error("no network description");
        },
      }),
    );
    expect(samplesOf(metrics, "rxtrace_ledger_height")).to.deep.equal([]);
  });

  it("asks the peer once per scrape for both the height and the lags", async () => {
    let asked = 0;
    await scrape(
      sources({
        peerHeight: async () => {
          asked += 1;
          return 5n;
        },
      }),
    );
    expect(asked).to.equal(2); // one per channel
  });

  it("is served on the app's /metrics when the gateway is given its sources", async () => {
    const t = await buildTestApp({ progress: sources() });
    try {
      const metrics = parseExposition((await t.app.inject({ method: "GET", url: "/metrics" })).body);
      expect(valueOf(metrics, "rxtrace_ledger_height", { channel: "mfr-dist" })).to.equal(42);
    } finally {
      await t.close();
    }
  });
});
