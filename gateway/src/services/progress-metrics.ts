/**
 * How far the gateway's own peer and the gateway's off-chain indexes have
 * come on each channel, in /metrics: the peer's height, asked when /metrics
 * is rendered, each index's last block taken in, and how many blocks each
 * index is behind the peer. A peer that does not answer in time leaves its
 * height and the lags out of that scrape rather than hold the scrape up.
 */
import { readGauge, type GaugeReading, type MetricsRegistry } from "./metrics.js";

export interface ProgressSources {
  readonly channels: readonly string[];
  /** The channel's height on the gateway's own peer (its last block is height - 1). */
  peerHeight(channel: string): Promise<bigint>;
  /**
   * Each off-chain index by name: the last block it has taken in on the
   * channel (undefined: none yet); a promise when the index is in PostgreSQL.
   */
  readonly indexes: Readonly<Record<string, (channel: string) => LastBlock | Promise<LastBlock>>>;
  /** How long a scrape waits for the peer's height. */
  readonly timeoutMs: number;
}

type LastBlock = bigint | number | undefined;

const NO_ANSWER = Symbol("no answer");

async function withinTime<T>(work: Promise<T>, timeoutMs: number): Promise<T | typeof NO_ANSWER> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof NO_ANSWER>((resolve) => {
    timer = setTimeout(() => resolve(NO_ANSWER), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Adds `rxtrace_ledger_height`, `rxtrace_index_last_block` and `rxtrace_index_lag_blocks` to the registry. */
export function installProgressMetrics(registry: MetricsRegistry, sources: ProgressSources): void {
  // The height and the lag gauges are rendered in one scrape: one question to the peer serves both.
  let asked: { at: number; heights: Promise<Map<string, bigint>> } | undefined;
  const heights = (): Promise<Map<string, bigint>> => {
    if (asked === undefined || Date.now() - asked.at > 1_000) {
      asked = {
        at: Date.now(),
        heights: Promise.all(
          sources.channels.map(async (channel) => {
            try {
              return [channel, await withinTime(sources.peerHeight(channel), sources.timeoutMs)] as const;
            } catch {
              return [channel, NO_ANSWER] as const;
            }
          }),
        ).then((all) => new Map(all.filter((e): e is readonly [string, bigint] => e[1] !== NO_ANSWER))),
      };
    }
    return asked.heights;
  };
  const lastBlocks = async (): Promise<{ channel: string; index: string; block: bigint }[]> => {
    const all = await Promise.all(
      // An index whose store does not answer (the replicas' database away) is left out of this scrape.
      sources.channels.flatMap((channel) =>
        Object.entries(sources.indexes).map(async ([index, last]) => ({ channel, index, block: await Promise.resolve(channel).then(last).catch(() => undefined) })),
      ),
    );
    return all.flatMap(({ channel, index, block }) => (block === undefined ? [] : [{ channel, index, block: BigInt(block) }]));
  };

  readGauge(registry, {
    name: "rxtrace_ledger_height",
    help: "Blocks on the channel at the gateway's own peer (its last block is height - 1).",
    labelNames: ["channel"],
    read: async () => [...(await heights())].map(([channel, height]) => ({ labels: { channel }, value: Number(height) })),
  });
  readGauge(registry, {
    name: "rxtrace_index_last_block",
    help: "The last block each off-chain index of the gateway has taken in, by channel and index.",
    labelNames: ["channel", "index"],
    read: async () => (await lastBlocks()).map(({ channel, index, block }) => ({ labels: { channel, index }, value: Number(block) })),
  });
  readGauge(registry, {
    name: "rxtrace_index_lag_blocks",
    help:
      "Blocks the gateway's own peer has committed that an off-chain index has not taken in yet, by channel and index " +
      "(the events index moves at blocks with rxtrace events only, so blocks without one count until the next event).",
    labelNames: ["channel", "index"],
    read: async () => {
      const [known, taken] = await Promise.all([heights(), lastBlocks()]);
      const readings: GaugeReading<"channel" | "index">[] = [];
      for (const channel of sources.channels) {
        const height = known.get(channel);
        if (height === undefined) continue;
        for (const index of Object.keys(sources.indexes)) {
          const block = taken.find((t) => t.channel === channel && t.index === index)?.block;
          const behind = height - 1n - (block ?? -1n);
          readings.push({ labels: { channel, index }, value: Number(behind > 0n ? behind : 0n) });
        }
      }
      return readings;
    },
  });
}
