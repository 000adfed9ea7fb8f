/**
 * Reads the Prometheus text exposition format (version 0.0.4) that the
 * gateway, the peers and the orderers serve on /metrics, so a test asserts on
 * a series by its name and labels, whatever order the labels are written in.
 */

export interface Sample {
  /** The series name as written (a histogram's `_bucket`, `_sum`, `_count` included). */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  readonly samples: readonly Sample[];
  /** Family name to its `# TYPE` (counter, gauge, histogram, summary, untyped). */
  readonly types: ReadonlyMap<string, string>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(?:,|$)/gy;

function unescape(value: string): string {
  return value.replace(/\\(.)/g, (_all, c: string) => (c === "n" ? "\n" : c));
}

function parseValue(text: string): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  return Number(text);
}

/**
 * Parses an exposition.
 * @throws Error naming the first line that is not a comment, a blank or a sample
 */
export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    if (line.startsWith("#")) {
      const type = /^# TYPE (\S+) (\S+)/.exec(line);
      if (type?.[1] && type[2]) types.set(type[1], type[2]);
      return;
    }
    const match = SAMPLE.exec(line);
    if (!match?.[1] || match[3] === undefined) throw new Error(`exposition line ${i + 1} is not a sample: ${line.slice(0, 120)}`);
    const labels: Record<string, string> = {};
    const body = match[2] ?? "";
    LABEL.lastIndex = 0;
    let consumed = 0;
    for (let label = LABEL.exec(body); label; label = LABEL.exec(body)) {
      labels[label[1] ?? ""] = unescape(label[2] ?? "");
      consumed = LABEL.lastIndex;
    }
    if (consumed !== body.length) throw new Error(`exposition line ${i + 1} has malformed labels: ${line.slice(0, 120)}`);
    samples.push({ name: match[1], labels, value: parseValue(match[3]) });
  });
  return { samples, types };
}

/** The samples named `name` whose labels include every given one. */
export function samplesOf(exposition: Exposition, name: string, labels: Readonly<Record<string, string>> = {}): Sample[] {
  return exposition.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The value of the one sample named `name` with these labels, or undefined when there is none. */
export function valueOf(exposition: Exposition, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  const found = samplesOf(exposition, name, labels);
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}; name more labels`);
  return found[0]?.value;
}
