// Mutation testing of contracts/SupplyChain.sol against the contract suite (docs/solidity.md).
// Each mutant (scripts/evm/mutator.ts) is compiled by the offline solc with the project's settings
// but the optimizer off (a sixth of the compile time; the same semantics, only gas differs); one that
// does not compile, or compiles to the original's bytecode, is set aside; every other runs the mocha
// tests of test/contracts with its artifact in place of the real one, stopping at the first failing
// test (killed) or passing them all. A mutant that passes them all is compiled once more with the
// optimizer as deployed: equal to the original's optimised bytecode it is equivalent, else survived.
// Run: npm run mutate [-- --limit N --seed S --operator NAME --json FILE]
//   --limit N     test only the first N mutants of the run order
//   --seed S      the run order: a shuffle by seed S (default 1), so a run cut short or limited
//                 has tested a uniform sample; the report is rewritten after every mutant
//   --operator    only this operator (repeatable)
//   --ids 3,17    only these mutants (ids as a full run numbers them)
//   --lines A-B   only mutants on these lines of the contract
//   --reverse     walk the run order from its end: a second process (on the other core) started
//                 with --reverse meets the first in the middle; each tested part is a uniform sample
//   --json FILE   where the report goes (default .rxtrace/mutation/report.json)
// The full run is not part of `npm test` (about half an hour on two cores).
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { generateMutants, OPERATORS, summarise, type Mutant, type MutantResult, type Operator } from "./mutator.js";

const require = createRequire(import.meta.url);
const solc = require("solc") as { compile: (input: string) => string };

const repoRoot = path.resolve(import.meta.dirname, "../..");
const CONTRACT = "contracts/SupplyChain.sol";
const SOURCE_KEY = `project/${CONTRACT}`;
const ARTIFACT = path.join("contracts", "SupplyChain.sol", "SupplyChain.json");
// The suite without the deployment test (it starts a node of its own and reads no swapped artifact).
const TEST_FILES = [
  "test/contracts/SupplyChain.test.ts",
  "test/contracts/fuzz/lifecycle-invariants.test.ts",
  "test/contracts/fuzz/observer-privacy.test.ts",
  "test/contracts/limits.test.ts",
];
const TEST_TIMEOUT_MS = 240_000;

const { values: args } = parseArgs({
  options: {
    limit: { type: "string" },
    seed: { type: "string", default: "1" },
    operator: { type: "string", multiple: true },
    ids: { type: "string" },
    lines: { type: "string" },
    reverse: { type: "boolean", default: false },
    json: { type: "string", default: path.join(repoRoot, ".rxtrace", "mutation", "report.json") },
  },
});
const operators = (args.operator ?? [...OPERATORS]) as Operator[];
for (const op of operators) {
  if (!OPERATORS.includes(op)) throw new Error(`--operator: unknown operator "${op}" (one of ${OPERATORS.join(", ")})`);
}

function run(command: string, argv: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(command, argv, { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output, timedOut });
    });
  });
}

const hardhat = path.join(repoRoot, "node_modules", "hardhat", "dist", "src", "cli.js");
const built = await run(process.execPath, [hardhat, "build", "--quiet"], process.env, 600_000);
if (built.code !== 0) throw new Error(`hardhat build failed:\n${built.output}`);

// The compiler input Hardhat used for the contract: same sources, optimizer and EVM version.
const buildInfoDir = path.join(repoRoot, "artifacts", "build-info");
const buildInfo = readdirSync(buildInfoDir)
  .filter((name) => name.endsWith(".json") && !name.endsWith(".output.json"))
  .map((name) => JSON.parse(readFileSync(path.join(buildInfoDir, name), "utf8")) as { input: SolcInput })
  .find((info) => SOURCE_KEY in info.input.sources);
if (buildInfo === undefined) throw new Error(`no build info holds ${SOURCE_KEY}; run npm run build`);

interface SolcInput {
  language: string;
  sources: Record<string, { content: string }>;
  settings: Record<string, unknown>;
}
interface Bytecodes {
  bytecode: string;
  deployedBytecode: string;
}

function compile(source: string, optimize: boolean): Bytecodes | undefined {
  const sources = Object.fromEntries(
    Object.entries(buildInfo!.input.sources).filter(([key]) => !key.startsWith("project/test/")),
  );
  sources[SOURCE_KEY] = { content: source };
  const input: SolcInput = {
    language: "Solidity",
    sources,
    settings: {
      ...buildInfo!.input.settings,
      ...(optimize ? {} : { optimizer: { enabled: false } }),
      // No metadata hash: mutants that differ only in source text compare equal.
      metadata: { appendCBOR: false },
      outputSelection: { [SOURCE_KEY]: { SupplyChain: ["evm.bytecode.object", "evm.deployedBytecode.object"] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string }[];
    contracts?: Record<string, Record<string, { evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>>;
  };
  if (output.errors?.some((e) => e.severity === "error")) return undefined;
  const evm = output.contracts?.[SOURCE_KEY]?.SupplyChain?.evm;
  if (evm === undefined) return undefined;
  return { bytecode: `0x${evm.bytecode.object}`, deployedBytecode: `0x${evm.deployedBytecode.object}` };
}

/** A deterministic shuffle (mulberry32), so a --seed gives the same order every time. */
function shuffle<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; --i) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

const original = readFileSync(path.join(repoRoot, CONTRACT), "utf8");
const all = generateMutants(original, operators);
const limit = args.limit === undefined ? undefined : Number(args.limit);
if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new Error(`--limit: expected a positive integer, got "${args.limit}"`);
const ids = args.ids === undefined ? undefined : new Set(args.ids.split(",").map(Number));
const [fromLine, toLine] = (args.lines ?? "1-999999").split("-").map(Number);
if (fromLine === undefined || toLine === undefined || !(fromLine <= toLine)) throw new Error(`--lines: expected FROM-TO, got "${args.lines}"`);
const chosen = all.filter((m) => (ids === undefined || ids.has(m.id)) && m.line >= fromLine && m.line <= toLine);
const order = shuffle(chosen, Number(args.seed));
const mutants = (args.reverse ? order.reverse() : order).slice(0, limit);

const reference = compile(original, false);
const optimisedReference = compile(original, true);
if (reference === undefined || optimisedReference === undefined) throw new Error(`${CONTRACT} does not compile`);
const sameCode = (a: Bytecodes, b: Bytecodes): boolean => a.bytecode === b.bytecode && a.deployedBytecode === b.deployedBytecode;

// A private copy of the artifacts; hardhat.config.ts reads RXTRACE_ARTIFACTS_DIR for the test runs.
const artifactsDir = mkdtempSync(path.join(os.tmpdir(), "rxtrace-mutants-"));
cpSync(path.join(repoRoot, "artifacts"), artifactsDir, { recursive: true });
const artifactPath = path.join(artifactsDir, ARTIFACT);
const artifact = JSON.parse(readFileSync(artifactPath, "utf8")) as Record<string, unknown>;
const testEnv = { ...process.env, RXTRACE_ARTIFACTS_DIR: artifactsDir };
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    rmSync(artifactsDir, { recursive: true, force: true });
    process.exit(1);
  });
}

/** Mocha's title of the first failure: "1) describe" and its indented lines up to the colon. */
function firstFailure(output: string): string {
  const lines = output.split("\n");
  const first = lines.findIndex((line, i) => /^\s*1\) /.test(line) && lines.slice(0, i).some((l) => /^\s*\d+ failing/.test(l)));
  if (first === -1) return lines.filter((line) => line.trim() !== "").at(-1)?.trim() ?? "test run failed";
  const title: string[] = [];
  for (const line of lines.slice(first)) {
    title.push(line.trim().replace(/^1\) /, ""));
    if (line.trim().endsWith(":") || title.length > 5) break;
  }
  return title.join(" ").replace(/:$/, "");
}

async function test(mutant: Mutant, bytecodes: Bytecodes): Promise<MutantResult> {
  writeFileSync(artifactPath, JSON.stringify({ ...artifact, ...bytecodes }));
  const result = await run(process.execPath, [hardhat, "test", "mocha", "--no-compile", "--bail", ...TEST_FILES], testEnv, TEST_TIMEOUT_MS);
  const base = { id: mutant.id, operator: mutant.operator, line: mutant.line, original: mutant.original, replacement: mutant.replacement };
  if (result.timedOut) return { ...base, outcome: "killed", killedBy: "timeout" };
  if (result.code === 0) {
    const optimised = compile(mutant.source, true);
    return { ...base, outcome: optimised !== undefined && sameCode(optimised, optimisedReference!) ? "equivalent" : "survived" };
  }
  return { ...base, outcome: "killed", killedBy: firstFailure(result.output) };
}

const started = Date.now();
const results: MutantResult[] = [];

function writeReport() {
  const report = {
    ...summarise(CONTRACT, operators, all.length, results),
    seed: Number(args.seed),
    tested: `${results.length} of ${mutants.length} in the run, ${chosen.length} chosen`,
    seconds: Math.round((Date.now() - started) / 1000),
    results,
  };
  mkdirSync(path.dirname(args.json), { recursive: true });
  writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
console.log(`mutate: ${mutants.length} of ${all.length} mutants of ${CONTRACT} (${operators.join(", ")})`);
try {
  // Compiling the next mutant overlaps the current one's test run (the tests run in a child process).
  let next = mutants[0] === undefined ? undefined : compile(mutants[0].source, false);
  for (let i = 0; i < mutants.length; ++i) {
    const mutant = mutants[i]!;
    const bytecodes = next;
    const base = { id: mutant.id, operator: mutant.operator, line: mutant.line, original: mutant.original, replacement: mutant.replacement };
    let pending: Promise<MutantResult>;
    if (bytecodes === undefined) pending = Promise.resolve({ ...base, outcome: "uncompilable" });
    else if (sameCode(bytecodes, reference)) {
      pending = Promise.resolve({ ...base, outcome: "equivalent" });
    } else pending = test(mutant, bytecodes);
    const following = mutants[i + 1];
    next = following === undefined ? undefined : compile(following.source, false);
    const result = await pending;
    results.push(result);
    const shown = `${mutant.original.replace(/\s+/g, " ").slice(0, 50)} -> ${mutant.replacement.replace(/\s+/g, " ").slice(0, 30) || "(removed)"}`;
    const elapsed = Math.round((Date.now() - started) / 1000);
    writeReport();
    console.log(`[${i + 1}/${mutants.length} ${elapsed}s] #${mutant.id} ${CONTRACT}:${mutant.line} ${mutant.operator} ${shown}: ${result.outcome}${result.killedBy ? ` (${result.killedBy})` : ""}`);
  }
} finally {
  rmSync(artifactsDir, { recursive: true, force: true });
}

const report = writeReport();
console.log(
  `mutate: killed ${report.killed}, survived ${report.survived}, total ${report.total} ` +
    `(kill rate ${(report.killRate * 100).toFixed(1)}%); ${report.equivalent} equivalent by bytecode, ` +
    `${report.uncompilable} not compiling, of ${report.generated} generated; ${report.seconds} s`,
);
for (const s of report.survivors) console.log(`  survived: ${s.location} ${s.operator} ${s.original.replace(/\s+/g, " ")} -> ${s.replacement || "(removed)"}`);
console.log(`written ${path.relative(process.cwd(), args.json)}`);
