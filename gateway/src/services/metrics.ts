/**
 * The gateway's Prometheus registry: prom-client's, carrying Node's process
 * and event-loop metrics next to the gateway's own series, rendered in the
 * text exposition format (version 0.0.4).
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export type MetricsRegistry = Registry;

/** One series of a gauge read when /metrics is rendered. */
export interface GaugeReading<L extends string> {
  readonly labels: Readonly<Record<L, string>>;
  readonly value: number;
}

let processMetrics: Registry | undefined;

/**
 * Node's process and event-loop metrics (CPU, memory, handles, GC, event-loop
 * delay), collected once per process: they describe the process, and every
 * collector started installs its own event-loop and GC observers.
 */
function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  return processMetrics;
}

/** A registry for one app: the process's default metrics plus the series the app adds. */
export function createMetricsRegistry(): MetricsRegistry {
  const registry = new Registry();
  const shared = processRegistry();
  for (const { name } of shared.getMetricsAsArray()) {
    const metric = shared.getSingleMetric(name);
    if (metric) registry.registerMetric(metric);
  }
  return registry;
}

/**
 * A gauge whose series are read when /metrics is rendered (a queue's depth,
 * a peer's height): series that the reader no longer returns disappear.
 */
export function readGauge<L extends string>(
  registry: MetricsRegistry,
  options: { name: string; help: string; labelNames: readonly L[]; read: () => readonly GaugeReading<L>[] | Promise<readonly GaugeReading<L>[]> },
): Gauge<L> {
  const { read } = options;
  return new Gauge<L>({
    name: options.name,
    help: options.help,
    labelNames: options.labelNames,
    registers: [registry],
    async collect() {
      const readings = await read();
      this.reset();
      for (const { labels, value } of readings) this.set(labels as Partial<Record<L, string>>, value);
    },
  });
}

/** The gateway's HTTP metrics. */
export function createHttpMetrics(registry: MetricsRegistry) {
  const labelNames = ["method", "route", "status"] as const;
  return {
    requests: new Counter({ name: "rxtrace_http_requests_total", help: "HTTP requests by method, route and status.", labelNames, registers: [registry] }),
    duration: new Histogram({
      name: "rxtrace_http_request_duration_seconds",
      help: "HTTP request latency by method, route and status.",
      labelNames,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}
export type HttpMetrics = ReturnType<typeof createHttpMetrics>;
