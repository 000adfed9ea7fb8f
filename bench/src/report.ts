/** The results file (JSON) and its markdown table. */
import { writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import type { RoundResult } from "./load.js";
import type { UsageByKind } from "./procstat.js";

export interface RoundRecord extends RoundResult {
  /** What was measured, e.g. "REST commission, open loop 200/s". */
  readonly label: string;
  readonly client: "rest" | "fabric-gateway" | "in-process";
  readonly chaincode: "rxtrace" | "noop" | "noop-one-org" | "-";
  /** Items per call (packs per commission, bytes per document); throughput in items is throughput x this. */
  readonly itemsPerCall: number;
  readonly usage: UsageByKind;
}

export type Verdict = "met" | "missed" | "reported";

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly target: string;
  readonly verdict: Verdict;
  /** The figure compared with the target, in words. */
  readonly outcome: string;
  /** The target's parts, each with its figure (a table of its own in the report). */
  readonly checks?: readonly TargetCheck[];
  readonly rounds: readonly RoundRecord[];
  readonly notes: readonly string[];
}

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** One part of a target: what is measured, the figure, the bound, and whether the figure keeps it. */
export interface TargetCheck {
  readonly what: string;
  readonly figure: string;
  readonly bound: string;
  readonly met: boolean;
}

/** A scenario's verdict and outcome from its checks: met only when every part is. */
export function judge(checks: readonly TargetCheck[]): { verdict: Verdict; outcome: string } {
  return {
    verdict: checks.length > 0 && checks.every((c) => c.met) ? "met" : "missed",
    outcome: checks.map((c) => `${c.what} ${c.figure} (${c.bound}: ${c.met ? "met" : "MISSED"})`).join("; "),
  };
}

/** The read-model verify target: 1,000 req/s, p99 50 ms, no failure, and the answering gateway under 200 MB resident. */
export const VERIFY_TARGET = { requestsPerSecond: 1000, p99Ms: 50, gatewayRssMB: 200 } as const;
const MB_PER_MIB = 2 ** 20 / 1e6;

/**
 * The parts of the verify target for one round of scans: its throughput,
 * p99, failures, and the peak RSS of the process kind `gatewayKind` sampled
 * during it (missed when that process was not sampled).
 */
export function verifyTargetChecks(round: RoundRecord, gatewayKind: string): TargetCheck[] {
  const rss = round.usage[gatewayKind];
  const rssMB = rss === undefined ? undefined : rss.rssMiBMax * MB_PER_MIB;
  return [
    { what: "throughput", figure: `${fmt(round.throughput)} req/s`, bound: `>= ${VERIFY_TARGET.requestsPerSecond} req/s`, met: round.throughput >= VERIFY_TARGET.requestsPerSecond },
    { what: "p99", figure: `${fmt(round.latency.p99Ms)} ms`, bound: `<= ${VERIFY_TARGET.p99Ms} ms`, met: round.succeeded > 0 && round.latency.p99Ms <= VERIFY_TARGET.p99Ms },
    { what: "failures", figure: `${round.failed} of ${round.succeeded + round.failed}`, bound: "0", met: round.failed === 0 && round.succeeded > 0 },
    {
      what: `${gatewayKind} peak RSS`,
      figure: rssMB === undefined ? "not sampled" : `${rssMB.toFixed(1)} MB`,
      bound: `< ${VERIFY_TARGET.gatewayRssMB} MB`,
      met: rssMB !== undefined && rssMB < VERIFY_TARGET.gatewayRssMB,
    },
  ];
}

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly fabric: string;
  readonly os: string;
  readonly loadAverageAtStart: readonly number[];
}

export interface BenchResults {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly mode: "full" | "quick";
  readonly machine: Machine;
  readonly topology: string;
  readonly scenarios: readonly ScenarioResult[];
  readonly gas?: unknown;
}


function roundsTable(rounds: readonly RoundRecord[]): string[] {
  const lines = [
    "| round | client | chaincode | succ | fail | send/s | tput/s | items/s | min | avg | p50 | p95 | p99 | max (ms) |",
    "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rounds) {
    const l = r.latency;
    lines.push(
      `| ${r.label} | ${r.client} | ${r.chaincode} | ${r.succeeded} | ${r.failed} | ${fmt(r.sendRate)} | ${fmt(r.throughput)} | ${fmt(r.throughput * r.itemsPerCall)} | ${fmt(l.minMs)} | ${fmt(l.avgMs)} | ${fmt(l.p50Ms)} | ${fmt(l.p95Ms)} | ${fmt(l.p99Ms)} | ${fmt(l.maxMs)} |`,
    );
  }
  return lines;
}

function usageTable(rounds: readonly RoundRecord[]): string[] {
  const kinds = [...new Set(rounds.flatMap((r) => Object.keys(r.usage)))].sort();
  if (kinds.length === 0) return [];
  const lines = [`| round | ${kinds.map((k) => `${k} CPU% / RSS MiB`).join(" | ")} |`, `|---|${kinds.map(() => "---:").join("|")}|`];
  for (const r of rounds) {
    const cells = kinds.map((k) => {
      const u = r.usage[k];
      return u ? `${fmt(u.cpuPercent)} / ${fmt(u.rssMiBMax)}` : "-";
    });
    lines.push(`| ${r.label} | ${cells.join(" | ")} |`);
  }
  return lines;
}

function failureLines(rounds: readonly RoundRecord[]): string[] {
  return rounds
    .filter((r) => r.failed > 0)
    .map((r) => `- ${r.label}: ${Object.entries(r.failureReasons).map(([reason, n]) => `${reason} x${n}`).join(", ")}`);
}

/** The markdown report: machine, summary against the targets, then every round and its CPU/memory. */
export function toMarkdown(results: BenchResults): string {
  const m = results.machine;
  const out = [
    "# rxtrace benchmark results",
    "",
    `Run ${results.startedAt} to ${results.finishedAt} (${results.mode} mode), written by \`npm run bench\`.`,
    "",
    `Machine: ${m.cpus} cores (${m.cpuModel}), ${fmt(m.memoryGiB)} GiB, ${m.os}, Node ${m.node}, Fabric ${m.fabric}; load average at start ${m.loadAverageAtStart.map(fmt).join(" / ")}.`,
    "",
    `Topology: ${results.topology}`,
    "",
    "CPU is % of one core over the round (200% = both cores); RSS is the peak of the summed resident memory of that kind's processes. Latency is of successful calls.",
    "",
    "## Summary",
    "",
    "| scenario | target | outcome | verdict |",
    "|---|---|---|---|",
    ...results.scenarios.map((s) => `| ${s.title} | ${s.target} | ${s.outcome} | ${s.verdict} |`),
  ];
  for (const s of results.scenarios) {
    out.push("", `## ${s.title}`, "");
    if (s.checks && s.checks.length > 0) {
      out.push("| target part | measured | bound | verdict |", "|---|---|---|---|", ...s.checks.map((c) => `| ${c.what} | ${c.figure} | ${c.bound} | ${c.met ? "met" : "missed"} |`), "");
    }
    out.push(...roundsTable(s.rounds));
    const usage = usageTable(s.rounds);
    if (usage.length > 0) out.push("", ...usage);
    const failures = failureLines(s.rounds);
    if (failures.length > 0) out.push("", "Failures:", ...failures);
    if (s.notes.length > 0) out.push("", ...s.notes.map((n) => `- ${n}`));
  }
  return out.join("\n") + "\n";
}

/** Writes `latest.json` and `latest.md` into `dir`. */
export function writeResults(dir: string, results: BenchResults): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "latest.json"), JSON.stringify(results, null, 2) + "\n");
  writeFileSync(path.join(dir, "latest.md"), toMarkdown(results));
}
