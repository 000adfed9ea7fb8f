/** What every scenario gets: clients, keys, the sampler, the run's sizes and unique names. */
import { readFileSync } from "node:fs";
import type { Contract } from "@hyperledger/fabric-gateway";
import type { FabricSessions } from "./fabric-direct.js";
import { closedLoop, openLoop, type ClosedLoopOptions, type OpenLoopOptions, type Operation } from "./load.js";
import type { ProcessSampler } from "./procstat.js";
import type { RoundRecord } from "./report.js";
import type { RestClient } from "./rest.js";
import { orgByName } from "../../gateway/src/topology.js";

export type Who = "manufacturer" | "distributor" | "pharmacy" | "regulator";
const WHO: readonly Who[] = ["manufacturer", "distributor", "pharmacy", "regulator"];
/** Each org's MSP id, from network/topology.json. */
export const MSP = Object.fromEntries(WHO.map((who) => [who, orgByName(who).mspId])) as Record<Who, string>;
/** The bench acts as each org's first client user of the topology. */
function benchUser(who: Who): [mspId: string, user: string] {
  const org = orgByName(who);
  const user = org.users[0];
  if (!user) throw new Error(`network/topology.json gives ${who} no client user to benchmark as`);
  return [org.mspId, user.name];
}
const USERS = Object.fromEntries(WHO.map((who) => [who, benchUser(who)])) as Record<Who, [mspId: string, user: string]>;

/**
 * The newest API key of each bench user from api-keys.txt (tab-separated
 * mspId, user, role, key id, key; see scripts/gateway/create-keys.ts).
 * @throws Error naming the file and the missing user
 */
export function readApiKeys(file: string): Record<Who, string> {
  const latest = new Map<string, string>();
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const [mspId, user, , , key] = line.split("\t");
    if (mspId && user && key) latest.set(`${mspId}/${user}`, key);
  }
  const out = {} as Record<Who, string>;
  for (const [who, [mspId, user]] of Object.entries(USERS) as [Who, [string, string]][]) {
    const key = latest.get(`${mspId}/${user}`);
    if (!key) throw new Error(`${file}: no API key for ${mspId}/${user}`);
    out[who] = key;
  }
  return out;
}

export interface PackRef {
  readonly gtin: string;
  readonly serial: string;
  readonly lot: string;
  readonly expiry: string;
}

export interface Sizes {
  readonly sequentialCount: number;
  readonly stepRates: readonly number[];
  readonly stepSeconds: number;
  readonly batchSize: number;
  readonly batchCalls: number;
  readonly shipReceivePairs: number;
  readonly hotPacks: number;
  readonly hotAttempts: number;
  readonly verifyConcurrency: number;
  readonly verifySeconds: number;
  /** The read-model verify scenario: packs brought to the pharmacy, and its clients (the target's 32 in both modes). */
  readonly readModelPacks: number;
  readonly readModelClients: number;
  readonly overheadConcurrency: number;
  readonly overheadWrites: number;
  readonly documents: readonly { readonly bytes: number; readonly count: number }[];
  /** The write-ratio searches: first rate offered, seconds per round, rounds per search. */
  readonly searchStart: number;
  readonly searchSeconds: number;
  readonly searchProbes: number;
  /** The ledger-growth scenario: the pack counts it measures at, its commission clients and seconds per commission round. */
  readonly growthPacks: readonly number[];
  readonly growthWriters: number;
  readonly growthWriteSeconds: number;
}

export const FULL: Sizes = {
  sequentialCount: 60,
  stepRates: [25, 50, 100, 150, 200, 250, 300],
  stepSeconds: 15,
  batchSize: 1000,
  batchCalls: 10,
  shipReceivePairs: 400,
  hotPacks: 10,
  hotAttempts: 300,
  verifyConcurrency: 32,
  verifySeconds: 15,
  readModelPacks: 500,
  readModelClients: 32,
  overheadConcurrency: 50,
  overheadWrites: 1500,
  documents: [
    { bytes: 10 * 1024, count: 60 },
    { bytes: 100 * 1024, count: 40 },
    { bytes: 1024 * 1024, count: 12 },
  ],
  searchStart: 10,
  searchSeconds: 15,
  searchProbes: 10,
  growthPacks: [10_000, 100_000, 1_000_000],
  growthWriters: 16,
  growthWriteSeconds: 20,
};

export const QUICK: Sizes = {
  sequentialCount: 5,
  stepRates: [20, 40],
  stepSeconds: 3,
  batchSize: 100,
  batchCalls: 4,
  shipReceivePairs: 10,
  hotPacks: 3,
  hotAttempts: 20,
  verifyConcurrency: 8,
  verifySeconds: 3,
  readModelPacks: 100,
  readModelClients: 32,
  overheadConcurrency: 10,
  overheadWrites: 40,
  documents: [
    { bytes: 10 * 1024, count: 4 },
    { bytes: 1024 * 1024, count: 2 },
  ],
  searchStart: 10,
  searchSeconds: 3,
  searchProbes: 4,
  growthPacks: [1_000, 3_000],
  growthWriters: 4,
  growthWriteSeconds: 3,
};

export interface BenchContext {
  readonly rest: RestClient;
  readonly keys: Record<Who, string>;
  readonly sessions: FabricSessions;
  /** rxtrace on mfr-dist, per org. */
  readonly rxtrace: Record<"manufacturer" | "distributor", Contract>;
  /** The reference chaincode on mfr-dist under rxtrace's chaincode-level policy, per org. */
  readonly noop: Record<"manufacturer" | "distributor", Contract>;
  /** The same reference chaincode under a definition one peer of any member endorses, as the manufacturer. */
  readonly noopOneOrg: Contract;
  readonly sampler: ProcessSampler;
  readonly sizes: Sizes;
  /** A prefix unique to this run, so a rerun on the same ledger never collides (GS1 characters). */
  readonly tag: string;
  readonly gtin: string;
  readonly expiry: string;
  /** Packs commissioned by the batch scenario, for the ship/receive and verify scenarios. */
  readonly preloaded: PackRef[];
}

type RoundMeta = Omit<RoundRecord, keyof import("./load.js").RoundResult | "usage">;

/**
 * Pause before each round: a round that overloaded the network leaves blocks
 * that the other peers are still validating after its last answer, and the
 * next round would pay for them.
 */
const SETTLE_MS = 5_000;
const settle = (ctx: BenchContext): Promise<void> => new Promise((resolve) => setTimeout(resolve, ctx.sizes === QUICK ? 0 : SETTLE_MS));

/** Runs one closed-loop round while sampling the processes. */
export async function measureClosed(ctx: BenchContext, meta: RoundMeta, options: ClosedLoopOptions, op: Operation): Promise<RoundRecord> {
  await settle(ctx);
  ctx.sampler.start();
  const result = await closedLoop(options, op);
  const usage = ctx.sampler.stop();
  const record = { ...meta, ...result, usage };
  log(record);
  return record;
}

/** Runs one open-loop round while sampling the processes. */
export async function measureOpen(ctx: BenchContext, meta: RoundMeta, options: OpenLoopOptions, op: Operation): Promise<RoundRecord> {
  await settle(ctx);
  ctx.sampler.start();
  const result = await openLoop(options, op);
  const usage = ctx.sampler.stop();
  const record = { ...meta, ...result, usage };
  log(record);
  return record;
}

function log(r: RoundRecord): void {
  const reasons = Object.entries(r.failureReasons).map(([k, v]) => `${k} x${v}`).join(", ");
  process.stdout.write(
    `  ${r.label} [${r.client}/${r.chaincode}]: ${r.succeeded} ok, ${r.failed} failed${reasons ? ` (${reasons})` : ""}; ` +
      `send ${r.sendRate}/s, tput ${r.throughput}/s; latency p50 ${r.latency.p50Ms} p95 ${r.latency.p95Ms} p99 ${r.latency.p99Ms} max ${r.latency.maxMs} ms\n`,
  );
}
