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
  readonly rounds: readonly RoundRecord[];
  readonly notes: readonly string[];
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

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));

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
    out.push("", `## ${s.title}`, "", ...roundsTable(s.rounds));
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
