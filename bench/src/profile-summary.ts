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

/** Self time per function (name + file), heaviest first; idle and GC stay visible as (idle) and (garbage collector). */
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
    total += us;
  }
  return [...grouped.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((e) => ({ name: e.name, where: e.where, selfMs: Math.round(e.us / 1000), percent: total === 0 ? 0 : Number(((100 * e.us) / total).toFixed(1)) }));
}

function main(): void {
  const [file, topArg] = process.argv.slice(2);
  if (!file) throw new Error("usage: profile-summary.ts FILE.cpuprofile [TOP]");
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const rows = hotFunctions(profile, Number(topArg ?? "25"));
  const lines = [
    `# Hottest functions of ${file.split("/").pop() ?? file} by self time`,
    "",
    `Profile span ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s.`,
    "",
    "| function | where | self ms | % of samples |",
    "|---|---|---:|---:|",
    ...rows.map((r) => `| ${r.name} | ${r.where} | ${r.selfMs} | ${r.percent} |`),
  ];
  process.stdout.write(lines.join("\n") + "\n");
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop() ?? "")) main();
