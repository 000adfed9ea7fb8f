/**
 * Flat as the ledger grows (issue #17 item 5): verify p99 and one-pack
 * commission throughput measured with 10,000, 100,000 and 1,000,000 packs on
 * the ledger (preloaded by batch commissioning), and the disk the peers, the
 * orderers and the gateway's index use per million packs.
 *
 * The pure parts (the flatness check, the disk figures, the preload's names)
 * are here with their unit tests in bench/test/growth.test.ts; the scenario
 * drives the running network as the other scenarios do.
 */
import { CATALOG } from "@rxtrace/domain";
import { readdirSync, lstatSync, existsSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { DirectCallError, submitDirect } from "./fabric-direct.js";
import { MSP, measureClosed, type BenchContext, type PackRef } from "./context.js";
import { closedLoop } from "./load.js";
import type { RoundRecord, ScenarioResult, TargetCheck } from "./report.js";
import { SOURCE_CHANNEL } from "../../gateway/src/topology.js";
import { STATE_FILES } from "../../gateway/src/adapters/state-backup.js";

/** The bound of the target: the worst of the sizes within this factor of the best. */
export const FLATNESS_BOUND = 1.2;
/** Serials per preload transaction (the batch scenario's lot size) and preload transactions in flight. */
const PRELOAD_LOT = 1000;
const PRELOAD_CONCURRENCY = 4;
/**
 * Seconds of unmeasured verify and commission calls before each size's rounds.
 * The first size follows the network's start-up (chaincode processes and the
 * gateway compiling their hot paths, the peers' caches cold) and every size
 * follows a preload that left the verify path idle; without it the first size
 * measured slowest and the spread judged the start-up, not the ledger.
 */
export const GROWTH_WARM_UP_SECONDS = 10;

/** The n-th preloaded pack of a run: lots of PRELOAD_LOT serials, named from the index, so no list of a million packs is kept. */
export function growthPack(tag: string, gtin: string, expiry: string, index: number): PackRef {
  const lotIndex = Math.floor(index / PRELOAD_LOT);
  const lot = `${tag}G${lotIndex}`;
  return { gtin, lot, expiry, serial: `${lot}-${index % PRELOAD_LOT}` };
}

/** Bytes under `dir` (regular files, recursively; symbolic links not followed); 0 when it does not exist. */
export function bytesUnder(dir: string): number {
  if (!existsSync(dir)) return 0;
  let total = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop() as string;
    const stat = lstatSync(current);
    if (stat.isDirectory()) {
      for (const name of readdirSync(current)) stack.push(path.join(current, name));
    } else if (stat.isFile()) {
      total += stat.size;
    }
  }
  return total;
}

export interface DiskUse {
  readonly peers: number;
  readonly orderers: number;
  readonly gatewayIndex: number;
}

/**
 * What the ledger takes on disk, by process kind: every peer's ledger folder,
 * every orderer's block store, write-ahead log and snapshots, and the
 * gateway's event index (with its SQLite write-ahead log). `fabricNodes` is
 * $RXTRACE_DATA/fabric/nodes, `gatewayState` the gateway's state folder.
 */
export function diskUse(fabricNodes: string, gatewayState: string): DiskUse {
  const nodes = existsSync(fabricNodes) ? readdirSync(fabricNodes) : [];
  const sum = (prefix: string, parts: readonly string[]): number =>
    nodes.filter((n) => n.startsWith(prefix)).reduce((s, n) => s + parts.reduce((t, p) => t + bytesUnder(path.join(fabricNodes, n, p)), 0), 0);
  const index = path.join(gatewayState, STATE_FILES.index);
  return {
    peers: sum("peer", ["ledger"]),
    orderers: sum("orderer", ["ledger", "wal", "snap"]),
    gatewayIndex: bytesUnder(index) + bytesUnder(`${index}-wal`),
  };
}

/** What one preload added: its packs, and the disk before and after it. */
export interface PreloadGrowth {
  readonly packs: number;
  readonly before: DiskUse;
  readonly after: DiskUse;
}

/**
 * Bytes per million packs by kind: what the preloads added to the disk over
 * the packs they added, scaled. Only the preloads count, so the measured
 * rounds between them (one-pack commissions, whose blocks carry far more
 * bytes per pack) do not inflate the figure.
 * @throws Error when the preloads added no pack
 */
export function diskPerMillion(preloads: readonly PreloadGrowth[]): DiskUse {
  const packs = preloads.reduce((s, p) => s + p.packs, 0);
  if (packs <= 0) throw new Error("disk per million packs needs a preload that added packs");
  const per = (kind: keyof DiskUse): number => Math.round((preloads.reduce((s, p) => s + p.after[kind] - p.before[kind], 0) * 1_000_000) / packs);
  return { peers: per("peers"), orderers: per("orderers"), gatewayIndex: per("gatewayIndex") };
}

/**
 * One figure's spread across the ledger sizes: worst over best (p99: highest
 * over lowest; throughput: highest over lowest, i.e. how far the slowest size
 * fell), met when within FLATNESS_BOUND.
 * @throws Error on fewer than two sizes or a figure that is not positive
 */
export function flatness(what: string, unit: string, bySize: readonly { packs: number; value: number }[]): TargetCheck {
  if (bySize.length < 2) throw new Error(`flatness of ${what} needs at least two ledger sizes`);
  for (const s of bySize) {
    if (!(s.value > 0)) throw new Error(`flatness of ${what}: no positive figure at ${s.packs} packs (${s.value})`);
  }
  const values = bySize.map((s) => s.value);
  const spread = Math.max(...values) / Math.min(...values);
  return {
    what: `${what} at ${bySize.map((s) => s.packs.toLocaleString("en-US")).join(" / ")} packs`,
    figure: `${bySize.map((s) => `${s.value}${unit}`).join(" / ")} (max/min ${spread.toFixed(2)})`,
    bound: `max/min <= ${FLATNESS_BOUND}`,
    met: spread <= FLATNESS_BOUND,
  };
}

export const formatBytes = (n: number): string => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : `${(n / 1e6).toFixed(1)} MB`);

interface SizeFigures {
  readonly packs: number;
  readonly verify: RoundRecord;
  readonly commission: RoundRecord;
  readonly disk: DiskUse;
  readonly loadAverage: number;
  readonly preloadSeconds: number;
}

/** The ledger-growth scenario: preload to each size, measure, and judge the spread. */
export async function ledgerGrowth(ctx: BenchContext): Promise<ScenarioResult> {
  const sizes = ctx.sizes.growthPacks;
  const dataDir = path.resolve(process.env.RXTRACE_DATA ?? ".rxtrace");
  const fabricNodes = path.join(dataDir, "fabric", "nodes");
  const gatewayState = path.join(dataDir, "gateway");
  const figures: SizeFigures[] = [];
  const preloads: PreloadGrowth[] = [];
  let loaded = 0;
  let commissioned = 0;
  const pack = (i: number): PackRef => growthPack(ctx.tag, ctx.gtin, ctx.expiry, i);
  for (const target of sizes) {
    // Preload to the size: whole lots, four transactions in flight, through fabric-gateway (not measured).
    const lots = Math.ceil((target - loaded) / PRELOAD_LOT);
    const firstLot = Math.ceil(loaded / PRELOAD_LOT);
    const started = Date.now();
    const diskBefore = diskUse(fabricNodes, gatewayState);
    const preload = await closedLoop({ concurrency: PRELOAD_CONCURRENCY, count: lots, maxSeconds: 3600 }, async (i) => {
      const first = pack((firstLot + i) * PRELOAD_LOT);
      const serials = Array.from({ length: PRELOAD_LOT }, (_, k) => pack((firstLot + i) * PRELOAD_LOT + k).serial);
      await submitDirect(ctx.rxtrace.manufacturer, CATALOG.packs.CommissionLot.qualified, {
        args: [JSON.stringify({ gtin: first.gtin, lot: first.lot, expiry: first.expiry, serials })],
        endorsingOrganizations: [MSP.manufacturer, MSP.regulator],
      });
    });
    if (preload.failed > 0) throw new Error(`ledger-growth: ${preload.failed} of ${lots} preload transactions failed (${JSON.stringify(preload.failureReasons)})`);
    const preloadSeconds = (Date.now() - started) / 1000;
    // The gateway's index follows the blocks a moment behind their commit: let it catch up before measuring the disk.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    preloads.push({ packs: (firstLot + lots) * PRELOAD_LOT - loaded, before: diskBefore, after: diskUse(fabricNodes, gatewayState) });
    loaded = (firstLot + lots) * PRELOAD_LOT;
    process.stdout.write(`  preloaded ${loaded} packs (${lots} lots in ${preloadSeconds.toFixed(0)} s)\n`);

    const c = ctx.sizes.verifyConcurrency;
    const verifyOne = async (): Promise<void> => {
      const p = pack(Math.floor(Math.random() * loaded));
      const url = `/verify?gtin=${p.gtin}&serial=${encodeURIComponent(p.serial)}&lot=${encodeURIComponent(p.lot)}&expiry=${p.expiry}&channel=${SOURCE_CHANNEL}`;
      const answer = (await ctx.rest.get(url, ctx.keys.manufacturer)) as { verified?: boolean };
      if (answer.verified !== true) throw new DirectCallError("NOT_VERIFIED", `pack ${p.serial} did not verify`);
    };
    const w = ctx.sizes.growthWriters;
    /** One-pack commissions numbered on from every earlier call of the run (warm-up included), so no lot name repeats. */
    const commissionFrom = (before: number) => async (i: number): Promise<void> => {
      const id = `${ctx.tag}GC${before + i}`;
      commissioned = Math.max(commissioned, before + i + 1);
      await submitDirect(ctx.rxtrace.manufacturer, CATALOG.packs.CommissionLot.qualified, {
        args: [JSON.stringify({ gtin: ctx.gtin, lot: id, expiry: ctx.expiry, serials: [id] })],
        endorsingOrganizations: [MSP.manufacturer, MSP.regulator],
      });
    };
    const warmUpSeconds = Math.min(GROWTH_WARM_UP_SECONDS, ctx.sizes.verifySeconds);
    await closedLoop({ concurrency: c, count: 1_000_000, maxSeconds: warmUpSeconds }, verifyOne);
    await closedLoop({ concurrency: w, count: 1_000_000, maxSeconds: warmUpSeconds }, commissionFrom(commissioned));
    const verify = await measureClosed(
      ctx,
      { label: `GET /v1/verify (ledger, one evaluate), random pack of ${loaded}, ${c} clients`, client: "rest", chaincode: "rxtrace", itemsPerCall: 1 },
      { concurrency: c, count: 1_000_000, maxSeconds: ctx.sizes.verifySeconds },
      verifyOne,
    );
    const commission = await measureClosed(
      ctx,
      { label: `one-pack commission at ${loaded} packs, ${w} clients`, client: "fabric-gateway", chaincode: "rxtrace", itemsPerCall: 1 },
      { concurrency: w, count: 1_000_000, maxSeconds: ctx.sizes.growthWriteSeconds },
      commissionFrom(commissioned),
    );
    figures.push({ packs: loaded, verify, commission, disk: diskUse(fabricNodes, gatewayState), loadAverage: loadavg()[0] ?? 0, preloadSeconds });
  }

  const checks = [
    flatness("verify p99", " ms", figures.map((f) => ({ packs: f.packs, value: f.verify.latency.p99Ms }))),
    flatness("one-pack commissions", " tx/s", figures.map((f) => ({ packs: f.packs, value: f.commission.throughput }))),
  ];
  const perMillion = diskPerMillion(preloads);
  const failures = figures.reduce((s, f) => s + f.verify.failed + f.commission.failed, 0);
  checks.push({ what: "failed calls in the measured rounds", figure: String(failures), bound: "0", met: failures === 0 });
  return {
    id: "ledger-growth",
    title: "Flat as the ledger grows: verify and commissions at growing ledger sizes",
    target: `verify p99 and one-pack commission throughput within ${FLATNESS_BOUND}x across the sizes; disk per million packs reported`,
    verdict: checks.every((c) => c.met) ? "met" : "missed",
    outcome:
      checks.map((c) => `${c.what}: ${c.figure} (${c.met ? "met" : "MISSED"})`).join("; ") +
      `; disk per million packs: peers ${formatBytes(perMillion.peers)}, orderers ${formatBytes(perMillion.orderers)}, gateway index ${formatBytes(perMillion.gatewayIndex)}`,
    checks,
    rounds: figures.flatMap((f) => [f.verify, f.commission]),
    notes: [
      `Preloaded by CommissionLot transactions of ${PRELOAD_LOT} serials through fabric-gateway, ${PRELOAD_CONCURRENCY} in flight, endorsed by the manufacturer's and the regulator's peers; the packs of the run's other scenarios are on the ledger too.`,
      ...figures.map(
        (f) =>
          `At ${f.packs.toLocaleString("en-US")} packs: preload ${f.preloadSeconds.toFixed(0)} s; disk peers ${formatBytes(f.disk.peers)}, orderers ${formatBytes(f.disk.orderers)}, gateway index ${formatBytes(f.disk.gatewayIndex)}; load average ${f.loadAverage.toFixed(1)}.`,
      ),
      `Disk per million packs is what the preloads (${loaded.toLocaleString("en-US")} packs) added, scaled, without the measured rounds between them: peers (every peer's ledger folder: LevelDB state, block store, history; mfr-dist, where these packs are, is on three of the four peers) ${formatBytes(perMillion.peers)}, orderers (all four: block store, WAL, snapshots) ${formatBytes(perMillion.orderers)}, the multi-org gateway's event index ${formatBytes(perMillion.gatewayIndex)}.`,
      `Before each size's rounds, ${Math.min(GROWTH_WARM_UP_SECONDS, ctx.sizes.verifySeconds)} s of unmeasured verify calls and of unmeasured commissions (start-up and the idle verify path after a preload are not what the target judges).`,
      "Verify picks a random pack of everything preloaded so far (not a hot subset), so the state database's cache does not flatter the larger sizes; each answer must say verified.",
    ],
  };
}
