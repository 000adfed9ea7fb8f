/**
 * CPU and resident memory per process kind (peer, orderer, chaincode, ca,
 * kubo, hardhat, gateway, ...), read from /proc. The processes are the ones
 * whose pid files lie in `$RXTRACE_DATA/run/` plus all their descendants, so
 * other rxtrace systems on the same host are never counted.
 */
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";

const CLOCK_TICKS_PER_S = 100; // USER_HZ on Linux
const PAGE_BYTES = 4096;

export interface KindUsage {
  /** CPU used over the round, in % of one core (200 = both cores of a 2-core host). */
  readonly cpuPercent: number;
  /** Resident memory summed over the kind's processes: mean and peak of the samples, MiB. */
  readonly rssMiBAvg: number;
  readonly rssMiBMax: number;
  readonly processes: number;
}

export type UsageByKind = Readonly<Record<string, KindUsage>>;

/** The process kind a pid file names: "peer-manufacturer" -> "peer", "noop-chaincode-x" -> "noop-chaincode". */
export function kindOfPidFile(name: string): string {
  const base = name.replace(/\.pid$/, "");
  for (const kind of ["noop-chaincode", "chaincode", "peer", "orderer", "ca"]) {
    if (base === kind || base.startsWith(`${kind}-`)) return kind;
  }
  return base;
}

interface ProcStat {
  readonly ppid: number;
  /** utime + stime of the process itself, in clock ticks (children count as tracked processes of their own). */
  readonly ticks: number;
  readonly rssBytes: number;
}

/** Parses /proc/PID/stat (the command name may hold spaces and parentheses). */
export function parseProcStat(text: string): ProcStat {
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state): field n is fields[n - 3].
  const num = (n: number): number => Number(fields[n - 3]);
  return { ppid: num(4), ticks: num(14) + num(15), rssBytes: num(24) * PAGE_BYTES };
}

function readStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return undefined;
  }
}

/** Every live pid with its kind: pid-file roots and their descendants. */
function trackedProcesses(runDir: string, extra: Readonly<Record<string, number>>): Map<number, string> {
  const roots = new Map<number, string>();
  let files: string[] = [];
  try {
    files = readdirSync(runDir).filter((f) => f.endsWith(".pid"));
  } catch {
    files = [];
  }
  for (const file of files) {
    const pid = Number(readFileSync(path.join(runDir, file), "utf8").trim());
    if (Number.isInteger(pid) && pid > 0) roots.set(pid, kindOfPidFile(file));
  }
  for (const [kind, pid] of Object.entries(extra)) roots.set(pid, kind);
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(entry));
    children.set(stat.ppid, list);
  }
  const tracked = new Map<number, string>();
  const visit = (pid: number, kind: string): void => {
    if (tracked.has(pid)) return;
    tracked.set(pid, kind);
    for (const child of children.get(pid) ?? []) visit(child, kind);
  };
  for (const [pid, kind] of roots) visit(pid, kind);
  return tracked;
}

/**
 * Samples the tracked processes every `intervalMs` between `start()` and
 * `stop()`; `stop()` answers CPU and memory per kind for that span.
 */
export class ProcessSampler {
  readonly #runDir: string;
  readonly #intervalMs: number;
  readonly #extra: Record<string, number>;
  #timer: NodeJS.Timeout | undefined;
  #startedAt = 0;
  #firstTicks = new Map<number, number>();
  #lastTicks = new Map<number, number>();
  #kinds = new Map<number, string>();
  #rssSamples = new Map<string, number[]>();

  /** @param extra more processes to track by kind, e.g. `{ "bench-client": process.pid }` */
  constructor(runDir: string, intervalMs = 500, extra: Record<string, number> = {}) {
    this.#runDir = runDir;
    this.#intervalMs = intervalMs;
    this.#extra = extra;
  }

  start(): void {
    this.#firstTicks.clear();
    this.#lastTicks.clear();
    this.#kinds.clear();
    this.#rssSamples.clear();
    this.#startedAt = performance.now();
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), this.#intervalMs);
    this.#timer.unref();
  }

  stop(): UsageByKind {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#sample();
    const elapsedS = Math.max(performance.now() - this.#startedAt, 1) / 1000;
    const ticks = new Map<string, number>();
    const counts = new Map<string, number>();
    for (const [pid, kind] of this.#kinds) {
      const used = (this.#lastTicks.get(pid) ?? 0) - (this.#firstTicks.get(pid) ?? 0);
      ticks.set(kind, (ticks.get(kind) ?? 0) + used);
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    const out: Record<string, KindUsage> = {};
    for (const kind of [...new Set(this.#kinds.values())].sort()) {
      const rss = this.#rssSamples.get(kind) ?? [0];
      out[kind] = {
        cpuPercent: Number((((ticks.get(kind) ?? 0) / CLOCK_TICKS_PER_S / elapsedS) * 100).toFixed(1)),
        rssMiBAvg: Number((rss.reduce((s, v) => s + v, 0) / rss.length / 2 ** 20).toFixed(1)),
        rssMiBMax: Number((Math.max(...rss) / 2 ** 20).toFixed(1)),
        processes: counts.get(kind) ?? 0,
      };
    }
    return out;
  }

  #sample(): void {
    const rssByKind = new Map<string, number>();
    for (const [pid, kind] of trackedProcesses(this.#runDir, this.#extra)) {
      const stat = readStat(pid);
      if (!stat) continue;
      // A process first seen mid-round counts from that sample on (short-lived helpers are missed).
      if (!this.#firstTicks.has(pid)) this.#firstTicks.set(pid, stat.ticks);
      this.#kinds.set(pid, kind);
      this.#lastTicks.set(pid, stat.ticks);
      rssByKind.set(kind, (rssByKind.get(kind) ?? 0) + stat.rssBytes);
    }
    for (const [kind, bytes] of rssByKind) {
      const list = this.#rssSamples.get(kind) ?? [];
      list.push(bytes);
      this.#rssSamples.set(kind, list);
    }
  }
}
