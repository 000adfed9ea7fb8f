/**
 * A small Prometheus registry: counters and histograms with labels, rendered
 * in the text exposition format (version 0.0.4).
 */

type Labels = Readonly<Record<string, string>>;

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeLabel(labels[k] ?? "")}"`)
    .join(",");
}

function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll('"', '\\"');
}

function withLabels(name: string, key: string, extra = ""): string {
  const all = [key, extra].filter((s) => s !== "").join(",");
  return all === "" ? name : `${name}{${all}}`;
}

interface Metric {
  render(): string;
}

export class Counter implements Metric {
  readonly #values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    this.#values.set(key, (this.#values.get(key) ?? 0) + by);
  }

  get(labels: Labels = {}): number {
    return this.#values.get(labelKey(labels)) ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [key, value] of this.#values) lines.push(`${withLabels(this.name, key)} ${value}`);
    return lines.join("\n");
  }
}

interface HistogramSeries {
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram implements Metric {
  readonly #series = new Map<string, HistogramSeries>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}

  observe(labels: Labels, value: number): void {
    const key = labelKey(labels);
    let series = this.#series.get(key);
    if (!series) {
      series = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    this.buckets.forEach((upper, i) => {
      if (value <= upper) series.counts[i] = (series.counts[i] ?? 0) + 1;
    });
    series.sum += value;
    series.count += 1;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [key, series] of this.#series) {
      this.buckets.forEach((upper, i) => {
        lines.push(`${withLabels(`${this.name}_bucket`, key, `le="${upper}"`)} ${series.counts[i] ?? 0}`);
      });
      lines.push(`${withLabels(`${this.name}_bucket`, key, 'le="+Inf"')} ${series.count}`);
      lines.push(`${withLabels(`${this.name}_sum`, key)} ${series.sum}`);
      lines.push(`${withLabels(`${this.name}_count`, key)} ${series.count}`);
    }
    return lines.join("\n");
  }
}

/** A value read when /metrics is rendered (e.g. a queue's depth), one series per label set. */
export class Gauge implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly read: () => readonly { labels: Labels; value: number }[],
  ) {}

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const { labels, value } of this.read()) lines.push(`${withLabels(this.name, labelKey(labels))} ${value}`);
    return lines.join("\n");
  }
}

export class MetricsRegistry {
  readonly #metrics: Metric[] = [];

  counter(name: string, help: string): Counter {
    const metric = new Counter(name, help);
    this.#metrics.push(metric);
    return metric;
  }

  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    const metric = new Histogram(name, help, buckets);
    this.#metrics.push(metric);
    return metric;
  }

  gauge(name: string, help: string, read: Gauge["read"]): Gauge {
    const metric = new Gauge(name, help, read);
    this.#metrics.push(metric);
    return metric;
  }

  render(): string {
    return this.#metrics.map((m) => m.render()).join("\n") + "\n";
  }
}

/** The gateway's HTTP metrics. */
export function createHttpMetrics(registry: MetricsRegistry) {
  return {
    requests: registry.counter("rxtrace_http_requests_total", "HTTP requests by method, route and status."),
    duration: registry.histogram(
      "rxtrace_http_request_duration_seconds",
      "HTTP request latency by method, route and status.",
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    ),
  };
}
export type HttpMetrics = ReturnType<typeof createHttpMetrics>;
