/**
 * The functions that used most CPU in a V8 .cpuprofile (node --cpu-prof), by
 * self time, as a markdown table: where a Node process's time goes.
 *
 *   tsx bench/src/profile-summary.ts FILE.cpuprofile [TOP]
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface HotFunction {
  readonly name: string;
  readonly where: string;
  readonly selfMs: number;
  readonly percent: number;
}

/**
 * Self time per function (name + file), heaviest first. `percent` is of the
 * busy time: (idle) is listed but not counted in it; GC shows as (garbage collector).
 */
export function hotFunctions(profile: CpuProfile, top: number): HotFunction[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i + 1] ?? deltas[i] ?? 0));
  }
  const grouped = new Map<string, { name: string; where: string; us: number }>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const name = node.callFrame.functionName || "(anonymous)";
    const where = node.callFrame.url ? `${node.callFrame.url.replace(/^file:\/\/.*?\/(node_modules|gateway|chaincode)\//, "$1/")}:${node.callFrame.lineNumber + 1}` : "";
    const key = `${name}@${where}`;
    const entry = grouped.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    grouped.set(key, entry);
    if (name !== "(idle)") total += us;
  }
  return [...grouped.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((e) => ({
      name: e.name,
      where: e.where,
      selfMs: Math.round(e.us / 1000),
      percent: total === 0 || e.name === "(idle)" ? 0 : Number(((100 * e.us) / total).toFixed(1)),
    }));
}

/** The package (node_modules/<pkg>, scoped or nested: the innermost), node internals or the app's own folder a frame belongs to. */
export function packageOf(where: string): string {
  if (where === "") return "(vm)";
  const modules = [...where.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)];
  const last = modules[modules.length - 1];
  if (last?.[1]) return last[1];
  if (where.startsWith("node:")) return "node internals";
  return where.split("/")[0] ?? where;
}

/** Busy time per package, heaviest first (idle left out). */
export function busyByPackage(rows: readonly HotFunction[]): { name: string; percent: number }[] {
  const sums = new Map<string, number>();
  for (const r of rows) if (r.name !== "(idle)") sums.set(packageOf(r.where), (sums.get(packageOf(r.where)) ?? 0) + r.percent);
  return [...sums.entries()].map(([name, percent]) => ({ name, percent: Number(percent.toFixed(1)) })).sort((a, b) => b.percent - a.percent);
}

function main(): void {
  const [file, topArg] = process.argv.slice(2);
  if (!file) throw new Error("usage: profile-summary.ts FILE.cpuprofile [TOP]");
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const rows = hotFunctions(profile, Number(topArg ?? "25"));
  const all = hotFunctions(profile, Number.MAX_SAFE_INTEGER);
  const idleMs = all.find((r) => r.name === "(idle)")?.selfMs ?? 0;
  const busyMs = all.reduce((s, r) => s + (r.name === "(idle)" ? 0 : r.selfMs), 0);
  const lines = [
    `# Hottest functions of ${file.split("/").pop() ?? file} by self time`,
    "",
    `Profile span ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s: busy ${(busyMs / 1000).toFixed(1)} s, idle ${(idleMs / 1000).toFixed(1)} s.`,
    "",
    "Busy time by package:",
    "",
    "| package | % of busy time |",
    "|---|---:|",
    ...busyByPackage(all).slice(0, 12).map((p) => `| ${p.name} | ${p.percent} |`),
    "",
    "Functions:",
    "",
    "| function | where | self ms | % of busy time |",
    "|---|---|---:|---:|",
    ...rows.map((r) => `| ${r.name} | ${r.where} | ${r.selfMs} | ${r.percent} |`),
  ];
  process.stdout.write(lines.join("\n") + "\n");
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop() ?? "")) main();
