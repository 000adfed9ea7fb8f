/**
 * The benchmark driver: runs the scenarios against a running rxtrace system
 * (network, noop chaincode, Kubo, gateway; scripts/bench.sh brings them up)
 * and writes bench/results/latest.json and latest.md.
 *
 *   tsx bench/src/run.ts [--quick] [--only id,id] [--no-gas] [--gateway URL] [--out DIR]
 *
 * Scenario ids: sequential-writes, write-throughput, write-ratio, batch-commissioning,
 * ship-receive, pallet-ship-receive, verify, verify-read-model, rest-overhead, documents, ledger-growth
 * (gas runs bench/src/gas.ts).
 * RXTRACE_DATA locates network.json, the API keys and the pid files.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { FULL, QUICK, readApiKeys, type BenchContext } from "./context.js";
import { FabricSessions } from "./fabric-direct.js";
import { ProcessSampler } from "./procstat.js";
import { ledgerGrowth } from "./growth.js";
import { writeResults, type BenchResults, type ScenarioResult } from "./report.js";
import { RestError, newRestClient } from "./rest.js";
import { SOURCE_CHANNEL } from "../../gateway/src/topology.js";
import {
  batchCommissioning,
  documents,
  palletShipReceive,
  restOverhead,
  sequentialWrites,
  shipReceive,
  verifyReadModel,
  verifyRest,
  writeRatio,
  writeThroughput,
} from "./scenarios.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const SCENARIOS: readonly [string, (ctx: BenchContext) => Promise<ScenarioResult>][] = [
  ["sequential-writes", sequentialWrites],
  ["write-throughput", writeThroughput],
  ["write-ratio", writeRatio],
  ["batch-commissioning", batchCommissioning],
  ["ship-receive", shipReceive],
  ["pallet-ship-receive", palletShipReceive],
  ["verify", verifyRest],
  ["verify-read-model", verifyReadModel],
  ["rest-overhead", restOverhead],
  ["documents", documents],
  ["ledger-growth", ledgerGrowth],
];
const TOPOLOGY =
  "4 orgs (Fabric CA each), 4 SmartBFT orderers (one per org), 4 peers, channels mfr-dist and dist-pharm, rxtrace as CCaaS (one Node process per peer), noop reference chaincode as CCaaS on mfr-dist, mutual TLS everywhere, LevelDB; gateway (fastify) as its own process; Kubo offline; Hardhat node; load generator in one Node process; all on 127.0.0.1 of one host.";
const NEEDS_PRELOAD = new Set(["ship-receive", "verify", "rest-overhead"]);
/** A GTIN with a valid check digit (GS1 mod-10, packages/domain/src/gs1.ts), used only by the benchmark. */
const BENCH_GTIN = "00614141123452";

interface Args {
  quick: boolean;
  only: Set<string> | undefined;
  gas: boolean;
  gateway: string;
  out: string;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { quick: false, only: undefined, gas: true, gateway: "http://127.0.0.1:3000", out: path.join(repoRoot, "bench", "results") };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a}: needs a value`);
      return v;
    };
    if (a === "--quick") args.quick = true;
    else if (a === "--no-gas") args.gas = false;
    else if (a === "--gateway") args.gateway = value();
    else if (a === "--out") args.out = path.resolve(value());
    else if (a === "--only") {
      const ids = value().split(",");
      const unknown = ids.filter((id) => !SCENARIOS.some(([s]) => s === id));
      if (unknown.length > 0) throw new Error(`--only: unknown scenario ${unknown.join(", ")} (known: ${SCENARIOS.map(([s]) => s).join(", ")})`);
      args.only = new Set(ids);
    } else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

function machine(): BenchResults["machine"] {
  let osName = `${os.type()} ${os.release()}`;
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync("/etc/os-release", "utf8"));
    if (pretty?.[1]) osName = `${pretty[1]} (${osName})`;
  } catch {
    // keep the kernel name
  }
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? "unknown",
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    node: process.versions.node,
    fabric: process.env.FABRIC_VERSION ?? "3.1.5",
    os: osName,
    loadAverageAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
}

/**
 * Runs bench/src/gas.ts (SupplyChain.sol vs the baseline on Hardhat's in-process chain) and reads what it wrote.
 * gas.ts exits 1 when a target is missed, having written its rows: a missed target is a result here, so only
 * a run that wrote no fresh gas.json is an error.
 * @throws Error when the gas run wrote no results
 */
function runGas(): { results: unknown; scenario: ScenarioResult } {
  const file = path.join(repoRoot, "bench", "results", "gas.json");
  const started = Date.now();
  const run = spawnSync("npx", ["hardhat", "run", "bench/src/gas.ts"], { cwd: repoRoot, stdio: ["ignore", "inherit", "inherit"] });
  const results = (existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {}) as {
    measuredAt?: string;
    rows?: { operation: string; baseline: number | null; ours: number; ratio: number | null; target: string; met: boolean }[];
  };
  const fresh = results.measuredAt !== undefined && Date.parse(results.measuredAt) >= started - 1000;
  if (run.status !== 0 && !fresh) throw new Error(`the gas benchmark failed (exit ${run.status ?? run.signal}) and wrote no results`);
  const rows = results.rows ?? [];
  return {
    results,
    scenario: {
      id: "gas",
      title: "Gas: SupplyChain.sol vs the baseline contract",
      target: "targets of the Solidity issue",
      verdict: rows.length > 0 && rows.every((r) => r.met) ? "met" : "missed",
      outcome: rows.map((r) => `${r.operation}: ${r.ours} gas vs ${r.baseline ?? "-"} (${r.ratio ?? "-"}x, target ${r.target}${r.met ? "" : ", MISSED"})`).join("; "),
      rounds: [],
      notes: ["Measured by bench/src/gas.ts (Solidity part) in the same run; details in bench/results/gas.json."],
    },
  };
}

async function ensureProduct(ctx: BenchContext): Promise<void> {
  try {
    await ctx.rest.post("/products", ctx.keys.manufacturer, {
      gtin: ctx.gtin,
      name: "Benchmark paracetamol 500 mg",
      strength: "500 mg",
      form: "tablet",
      nationalCode: "BENCH-0001",
      storage: { minCentiCelsius: 1500, maxCentiCelsius: 2500 },
      limits: { minCentiCelsius: 0, maxCentiCelsius: 4000 },
      stabilityBudgetMinutes: 1440,
    });
  } catch (error) {
    if (!(error instanceof RestError && error.status === 409)) throw error;
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dataDir = path.resolve(process.env.RXTRACE_DATA ?? path.join(repoRoot, ".rxtrace"));
  const keysFile = path.join(dataDir, "gateway", "api-keys.txt");
  if (!existsSync(keysFile)) throw new Error(`no API keys at ${keysFile}; scripts/bench.sh creates them`);
  const startedAt = new Date().toISOString();
  const selected = SCENARIOS.filter(([id]) => !args.only || args.only.has(id) || (id === "batch-commissioning" && [...args.only].some((o) => NEEDS_PRELOAD.has(o))));

  const sessions = new FabricSessions();
  const manufacturer = sessions.as("ManufacturerMSP", "operator");
  const distributor = sessions.as("DistributorMSP", "operator");
  const rest = newRestClient(args.gateway);
  const ctx: BenchContext = {
    rest,
    keys: readApiKeys(keysFile),
    sessions,
    rxtrace: { manufacturer: manufacturer.contract(SOURCE_CHANNEL), distributor: distributor.contract(SOURCE_CHANNEL) },
    // noop's submits are ordered as rxtrace's are (an orderer's "request already processed" read as ordered), so neither pays for the other's recovery.
    noop: { manufacturer: manufacturer.contract(SOURCE_CHANNEL, "noop"), distributor: distributor.contract(SOURCE_CHANNEL, "noop") },
    noopOneOrg: manufacturer.contract(SOURCE_CHANNEL, "noop-one-org"),
    sampler: new ProcessSampler(path.join(dataDir, "run"), 500, { "bench-client": process.pid }),
    sizes: args.quick ? QUICK : FULL,
    tag: `B${Date.now().toString(36).toUpperCase()}`,
    gtin: BENCH_GTIN,
    expiry: "301231",
    preloaded: [],
  };
  const scenarios: ScenarioResult[] = [];
  let gas: unknown = undefined;
  try {
    await ensureProduct(ctx);
    for (const [id, run] of selected) {
      process.stdout.write(`== ${id}\n`);
      const result = await run(ctx);
      process.stdout.write(`   ${result.verdict}: ${result.outcome}\n`);
      scenarios.push(result);
    }
  } finally {
    rest.close();
    sessions.close();
  }
  const runInfo = { startedAt, mode: args.quick ? ("quick" as const) : ("full" as const), machine: machine(), topology: TOPOLOGY };
  if (args.gas && !args.only) {
    // Written before the gas step too, so a failure there cannot lose the Fabric scenarios' figures.
    writeResults(args.out, { ...runInfo, finishedAt: new Date().toISOString(), scenarios: [...scenarios] });
    process.stdout.write("== gas\n");
    const g = runGas();
    gas = g.results;
    scenarios.push(g.scenario);
    process.stdout.write(`   ${g.scenario.verdict}: ${g.scenario.outcome}\n`);
  }
  const results: BenchResults = { ...runInfo, finishedAt: new Date().toISOString(), scenarios, ...(gas === undefined ? {} : { gas }) };
  writeResults(args.out, results);
  process.stdout.write(`\nresults: ${path.join(args.out, "latest.md")}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
