/**
 * The benchmark scenarios of docs/benchmarks.md. Each returns its rounds, the verdict
 * against its target and notes. Writes use names unique to the run (ctx.tag),
 * so the benchmark can run again on the same ledger.
 */
import { CATALOG, ssccOf } from "@rxtrace/domain";
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { evaluateDirect, refusedAtEndorsement, submitDirect, DirectCallError } from "./fabric-direct.js";
import { MSP, QUICK, measureClosed, measureOpen, type BenchContext, type PackRef } from "./context.js";
import { startOrgGateway, type OrgGatewayProcess } from "./org-gateway.js";
import { judge, verifyTargetChecks, type RoundRecord, type ScenarioResult } from "./report.js";
import { RestError, blockOn, newRestClient, type RestAnswer, type RestClient } from "./rest.js";
import { closedLoop } from "./load.js";
import { findSustainedRate, takeTurns, type SearchResult, type Turn } from "./search.js";
import { DOWNSTREAM_CHANNEL, SOURCE_CHANNEL, channelMembers } from "../../gateway/src/topology.js";

const MFR_DIST = SOURCE_CHANNEL;
const DIST_PHARM = DOWNSTREAM_CHANNEL;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The channel's members, passed to noop so its writes carry rxtrace's key-level policies. */
const NOOP_MEMBERS = JSON.stringify(channelMembers(MFR_DIST));

/** A one-pack commission body with a lot of its own (a shared lot would make its record a hot key). */
function onePack(ctx: BenchContext, prefix: string, i: number): { gtin: string; lot: string; expiry: string; serials: string[] } {
  const id = `${ctx.tag}${prefix}${i}`;
  return { gtin: ctx.gtin, lot: id, expiry: ctx.expiry, serials: [id] };
}

const commissionRest = (ctx: BenchContext, prefix: string) => async (i: number) => {
  await ctx.rest.post("/lots", ctx.keys.manufacturer, onePack(ctx, prefix, i));
};
/**
 * A new key needs a majority of the channel's peers (docs/security.md): the
 * manufacturer's and the regulator's, as the gateway asks, for rxtrace and
 * noop alike so both pay the same endorsement.
 */
const WRITE_ENDORSERS = [MSP.manufacturer, MSP.regulator];
const commissionDirect = (ctx: BenchContext, prefix: string) => async (i: number) => {
  await submitDirect(ctx.rxtrace.manufacturer, CATALOG.packs.CommissionLot.qualified, {
    args: [JSON.stringify(onePack(ctx, prefix, i))],
    endorsingOrganizations: WRITE_ENDORSERS,
  });
};
const noopPut = (ctx: BenchContext, prefix: string) => async (i: number) => {
  await submitDirect(ctx.noop.manufacturer, "Put", { args: [`${ctx.tag}${prefix}${i}`, JSON.stringify({ i }), NOOP_MEMBERS], endorsingOrganizations: WRITE_ENDORSERS });
};
/** noop under a single-org policy: one peer endorses, no key-level policy. */
const noopOneOrgPut = (ctx: BenchContext, prefix: string) => async (i: number) => {
  // No members: fabric-contract-api wants every parameter, so an empty one.
  await submitDirect(ctx.noopOneOrg, "Put", { args: [`${ctx.tag}${prefix}${i}`, JSON.stringify({ i }), ""], endorsingOrganizations: [MSP.manufacturer] });
};

const ratio = (a: number, b: number): string => (b === 0 ? "n/a" : (a / b).toFixed(2));

// ------------------------------------------------------------------ 1
export async function sequentialWrites(ctx: BenchContext): Promise<ScenarioResult> {
  const n = ctx.sizes.sequentialCount;
  const opts = { concurrency: 1, count: n, maxSeconds: 120 };
  const rest = await measureClosed(ctx, { label: "one-pack commission, 1 client", client: "rest", chaincode: "rxtrace", itemsPerCall: 1 }, opts, commissionRest(ctx, "Q"));
  const direct = await measureClosed(ctx, { label: "one-pack commission, 1 client", client: "fabric-gateway", chaincode: "rxtrace", itemsPerCall: 1 }, opts, commissionDirect(ctx, "D"));
  const noop = await measureClosed(ctx, { label: "noop Put, 1 client", client: "fabric-gateway", chaincode: "noop", itemsPerCall: 1 }, opts, noopPut(ctx, "N"));
  const p50 = rest.latency.p50Ms;
  return {
    id: "sequential-writes",
    title: "Single client, sequential writes: commit latency",
    target: "p50 <= 300 ms",
    verdict: rest.failed === 0 && rest.succeeded > 0 && p50 <= 300 ? "met" : "missed",
    outcome: `REST p50 ${p50} ms (direct ${direct.latency.p50Ms} ms, noop ${noop.latency.p50Ms} ms; rxtrace/noop ${ratio(direct.latency.p50Ms, noop.latency.p50Ms)}x)`,
    rounds: [rest, direct, noop],
    notes: ["Each call waits for its commit (submit + commit status) before the next one is sent."],
  };
}

// ------------------------------------------------------------------ 2
/** A step holds when nothing failed and throughput kept up with the offered rate. */
function held(r: RoundRecord, rate: number): boolean {
  return r.failed === 0 && r.succeeded > 0 && r.throughput >= 0.9 * rate;
}

async function stepRates(ctx: BenchContext, what: string, client: RoundRecord["client"], chaincode: RoundRecord["chaincode"], op: (prefix: string) => (i: number) => Promise<void>): Promise<{ rounds: RoundRecord[]; best: number }> {
  const rounds: RoundRecord[] = [];
  let best = 0;
  let firstP50 = 0;
  for (const rate of ctx.sizes.stepRates) {
    const r = await measureOpen(
      ctx,
      { label: `${what} at ${rate}/s`, client, chaincode, itemsPerCall: 1 },
      { ratePerSecond: rate, count: Math.round(rate * ctx.sizes.stepSeconds), maxSeconds: ctx.sizes.stepSeconds, maxInFlight: 4000 },
      op(`R${rate}${chaincode === "noop" ? "N" : client === "rest" ? "" : "D"}x`),
    );
    rounds.push(r);
    if (firstP50 === 0) firstP50 = r.latency.p50Ms;
    if (!held(r, rate)) break;
    best = Math.max(best, r.throughput);
    // Latency climbing: the system queues instead of keeping up.
    if (r.latency.p50Ms > Math.max(4 * firstP50, 1000)) break;
  }
  return { rounds, best };
}

export async function writeThroughput(ctx: BenchContext): Promise<ScenarioResult> {
  const rest = await stepRates(ctx, "one-pack commission", "rest", "rxtrace", (p) => commissionRest(ctx, p));
  const noop = await stepRates(ctx, "noop Put", "fabric-gateway", "noop", (p) => noopPut(ctx, p));
  const target = 200;
  return {
    id: "write-throughput",
    title: "Write throughput: one-pack commissions via REST, stepped rate",
    target: ">= 200 tx/s with 0 failures",
    verdict: rest.best >= target ? "met" : "missed",
    outcome: `highest step held with 0 failures: ${rest.best} tx/s (noop on the same network: ${noop.best} tx/s; rxtrace/noop ${ratio(rest.best, noop.best)})`,
    rounds: [...rest.rounds, ...noop.rounds],
    notes: [
      "Open loop: calls are sent at the step's rate whatever the answers do; a step holds when nothing failed and throughput >= 90% of the rate. Stepping stops at the first step that does not hold or whose p50 climbs above 4x the first step's (and 1 s).",
      "The noop rounds give the ceiling of this topology (4 BFT orderers, 4 orgs, TLS everywhere) for a contract doing one putState and one event.",
    ],
  };
}

// ------------------------------------------------------------------ 2b
/** A ship and its receive, both endorsed by shipper and consignee, as the gateway asks. */
const PAIR_ENDORSERS = [MSP.manufacturer, MSP.distributor];
const RECEIVE_ATTEMPTS = 30;

/**
 * Retries a call refused at endorsement: the consignee's peer may not have
 * committed the ship's block yet when the ship's commit status (from the
 * shipper's peer) came back.
 */
async function retryUntilEndorsed(call: () => Promise<unknown>, retried: () => void): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await call();
      return;
    } catch (error) {
      if (!refusedAtEndorsement(error) || attempt >= RECEIVE_ATTEMPTS) throw error;
      retried();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** A pool of keys written before the rounds that use them, topped up between rounds (outside the measurement). */
class Pool<T> {
  readonly #items: T[] = [];
  #made = 0;
  constructor(
    private readonly batch: number,
    private readonly make: (first: number, count: number) => Promise<T[]>,
  ) {}
  async ensure(count: number): Promise<void> {
    while (this.#items.length < count) {
      this.#items.push(...(await this.make(this.#made, this.batch)));
      this.#made += this.batch;
    }
  }
  take(): T {
    const item = this.#items.pop();
    if (item === undefined) throw new DirectCallError("POOL_EMPTY", "the round used more keys than were written before it");
    return item;
  }
}

interface SearchedWrite {
  readonly what: string;
  readonly client: RoundRecord["client"];
  readonly chaincode: RoundRecord["chaincode"];
  readonly itemsPerCall: number;
  /** The call with names unique to `prefix`. */
  readonly op: (prefix: string) => (i: number) => Promise<void>;
  /** Writes what `calls` calls will use, before the round. */
  readonly prepare?: (calls: number) => Promise<void>;
}

/** A round holds when nothing failed and throughput kept up with the offered rate. */
function heldAt(r: RoundRecord, rate: number): boolean {
  return r.failed === 0 && r.succeeded > 0 && r.throughput >= 0.9 * rate;
}

async function searchWrite(ctx: BenchContext, write: SearchedWrite, tag: string, turn: Turn): Promise<{ rounds: RoundRecord[]; search: SearchResult; loadAverage: number }> {
  const rounds: RoundRecord[] = [];
  const seconds = ctx.sizes.searchSeconds;
  const search = await findSustainedRate(
    (rate) =>
      turn(async () => {
        const count = Math.round(rate * seconds);
        await write.prepare?.(count);
        // A round that overran leaves blocks the other peers are still validating: let them finish (its worst latency, up to 30 s).
        const last = rounds.at(-1);
        if (last && last.latency.maxMs > 2000) await new Promise((resolve) => setTimeout(resolve, Math.min(last.latency.maxMs, 30_000)));
        const r = await measureOpen(
          ctx,
          { label: `${write.what} at ${rate}/s`, client: write.client, chaincode: write.chaincode, itemsPerCall: write.itemsPerCall },
          { ratePerSecond: rate, count, maxSeconds: seconds, maxInFlight: 4000 },
          write.op(`${tag}${rounds.length.toString(36).toUpperCase()}`),
        );
        rounds.push(r);
        return { held: heldAt(r, rate), throughput: r.throughput };
      }),
    { start: ctx.sizes.searchStart, precision: 0.1, agreement: 0.1, maxProbes: ctx.sizes.searchProbes },
  );
  return { rounds, search, loadAverage: Number(loadavg()[0]?.toFixed(1)) };
}

const describeSearch = (name: string, s: SearchResult, load: number): string =>
  `${name} ${s.throughput}/s at ${s.rate}/s offered (${s.confirmed ? "two rounds agreed" : "UNCONFIRMED"}, ${s.probes.length} rounds, load average ${load} after)`;

/**
 * Writes, rxtrace against noop under the same policies: one-pack commissions
 * and ship + receive pairs, each at the highest rate it sustains with 0
 * failures (findSustainedRate), all through fabric-gateway so the ratio
 * measures the chaincode, not the REST layer. noop under a single-org policy
 * shows what the policies cost.
 */
export async function writeRatio(ctx: BenchContext): Promise<ScenarioResult> {
  let retries = 0;
  const retried = (): void => {
    retries++;
  };
  const packs = new Pool<{ gtin: string; serial: string }>(ctx.sizes.batchSize, async (first, count) => {
    const lot = `${ctx.tag}WP${first}`;
    const serials = Array.from({ length: count }, (_, k) => `${lot}-${k}`);
    await submitDirect(ctx.rxtrace.manufacturer, CATALOG.packs.CommissionLot.qualified, {
      args: [JSON.stringify({ gtin: ctx.gtin, lot, expiry: ctx.expiry, serials })],
      endorsingOrganizations: WRITE_ENDORSERS,
    });
    return serials.map((serial) => ({ gtin: ctx.gtin, serial }));
  });
  const noopKeys = new Pool<string>(ctx.sizes.batchSize, async (first, count) => {
    const keys = Array.from({ length: count }, (_, k) => `${ctx.tag}WN${first + k}`);
    await submitDirect(ctx.noop.manufacturer, "PutMany", { args: [JSON.stringify(keys), "COMMISSIONED", NOOP_MEMBERS], endorsingOrganizations: WRITE_ENDORSERS });
    return keys;
  });
  // Keys of this map are one letter: a write's names (its lots among them, at most 20 characters) are tag + "W" + letter + round + index.
  const writes: Record<string, SearchedWrite> = {
    N: { what: "noop Put, same policies", client: "fabric-gateway", chaincode: "noop", itemsPerCall: 1, op: (p) => noopPut(ctx, p) },
    C: { what: "one-pack commission", client: "fabric-gateway", chaincode: "rxtrace", itemsPerCall: 1, op: (p) => commissionDirect(ctx, p) },
    O: { what: "noop Put, one peer endorses", client: "fabric-gateway", chaincode: "noop-one-org", itemsPerCall: 1, op: (p) => noopOneOrgPut(ctx, p) },
    S: {
      what: "noop Ship + Receive pair, same policies",
      client: "fabric-gateway",
      chaincode: "noop",
      itemsPerCall: 2,
      prepare: (calls) => noopKeys.ensure(calls),
      op: () => async () => {
        const key = noopKeys.take();
        await submitDirect(ctx.noop.manufacturer, "Ship", { args: [key, MSP.distributor, NOOP_MEMBERS], endorsingOrganizations: PAIR_ENDORSERS });
        await retryUntilEndorsed(() => submitDirect(ctx.noop.distributor, "Receive", { args: [key, NOOP_MEMBERS], endorsingOrganizations: PAIR_ENDORSERS }), retried);
      },
    },
    P: {
      what: "ship + receive pair (one pack)",
      client: "fabric-gateway",
      chaincode: "rxtrace",
      itemsPerCall: 2,
      prepare: (calls) => packs.ensure(calls),
      op: (prefix) => async (i) => {
        const ref = packs.take();
        const shipmentId = `${ctx.tag}-${prefix}${i}`;
        await submitDirect(ctx.rxtrace.manufacturer, CATALOG.shipments.Ship.qualified, {
          args: [JSON.stringify({ shipmentId, consignee: MSP.distributor, packs: [ref] })],
          endorsingOrganizations: PAIR_ENDORSERS,
        });
        await retryUntilEndorsed(
          () => submitDirect(ctx.rxtrace.distributor, CATALOG.shipments.Receive.qualified, { args: [JSON.stringify({ shipmentId, packs: [ref] })], endorsingOrganizations: PAIR_ENDORSERS }),
          retried,
        );
      },
    },
  };
  // Each rxtrace write is searched together with its noop reference, their rounds alternating
  // (takeTurns), so a change in the host's load between rounds falls on both.
  const found: Record<string, Awaited<ReturnType<typeof searchWrite>>> = {};
  for (const group of [["N", "C"], ["O"], ["S", "P"]] as const) {
    process.stdout.write(`   search, rounds alternating: ${group.map((name) => writes[name]?.what).join(" | ")}\n`);
    const turn = takeTurns();
    const results = await Promise.all(group.map((name) => searchWrite(ctx, writes[name] as SearchedWrite, `W${name}`, turn)));
    group.forEach((name, i) => (found[name] = results[i] as Awaited<ReturnType<typeof searchWrite>>));
  }
  const get = (name: string): Awaited<ReturnType<typeof searchWrite>> => found[name] as Awaited<ReturnType<typeof searchWrite>>;
  const commission = get("C");
  const noop = get("N");
  const oneOrg = get("O");
  const pair = get("P");
  const noopPair = get("S");
  const commissionRatio = noop.search.throughput === 0 ? 0 : commission.search.throughput / noop.search.throughput;
  const pairRatio = noopPair.search.throughput === 0 ? 0 : pair.search.throughput / noopPair.search.throughput;
  const allConfirmed = [commission, noop, oneOrg, pair, noopPair].every((f) => f.search.confirmed);
  return {
    id: "write-ratio",
    title: "Writes against noop under the same endorsement policies, at the highest sustained rate",
    target: ">= 0.85x noop for one-pack commissions and for ship + receive, 0 failures",
    verdict: allConfirmed && commissionRatio >= 0.85 && pairRatio >= 0.85 ? "met" : "missed",
    outcome:
      `one-pack commissions rxtrace/noop ${ratio(commission.search.throughput, noop.search.throughput)}; ship + receive rxtrace/noop ${ratio(pair.search.throughput, noopPair.search.throughput)}; ` +
      `rxtrace (new policies)/noop (one peer) ${ratio(commission.search.throughput, oneOrg.search.throughput)}; ` +
      [
        describeSearch("commission", commission.search, commission.loadAverage),
        describeSearch("noop Put", noop.search, noop.loadAverage),
        describeSearch("noop Put one peer", oneOrg.search, oneOrg.loadAverage),
        describeSearch("ship+receive pairs", pair.search, pair.loadAverage),
        describeSearch("noop Ship+Receive pairs", noopPair.search, noopPair.loadAverage),
      ].join("; "),
    rounds: [noop, commission, oneOrg, noopPair, pair].flatMap((f) => f.rounds),
    notes: [
      "Each write's rate is found by findSustainedRate (bench/src/search.ts), one-pack commissions together with noop Put and ship + receive pairs together with noop's pairs, their rounds alternating (takeTurns) so a drift of the host's load falls on both: open-loop rounds whose offered rate doubles until one fails, bisects to within 10%, then repeats until two consecutive rounds at one rate hold and agree within 10%. A round holds with 0 failures and throughput >= 90% of the offered rate.",
      "noop runs under rxtrace's chaincode-level policy (a majority of mfr-dist's peers) and, given the channel's members, sets on every key it writes the key-level policy rxtrace sets (chaincode/src/ledger/endorsement.ts: owners' peers, plus one other member's peer when one org owns the key). noop-one-org is the same code under a definition one peer of any member endorses, with no key-level policy.",
      "Commissions are endorsed by the manufacturer's and the regulator's peers; every ship and receive (rxtrace and noop) by the manufacturer's and the distributor's. A pair's throughput counts pairs (2 transactions); its latency is the pair's.",
      `A receive refused at endorsement is retried every 100 ms (the distributor's peer may not have the ship's block yet), up to ${RECEIVE_ATTEMPTS} attempts; retries in this run: ${retries}. Packs and noop keys are written before each round (1,000 per transaction), outside its measurement.`,
    ],
  };
}

// ------------------------------------------------------------------ 3
export async function batchCommissioning(ctx: BenchContext): Promise<ScenarioResult> {
  const { batchSize, batchCalls } = ctx.sizes;
  const lots: PackRef[][] = [];
  const round = await measureClosed(
    ctx,
    { label: `commission ${batchSize} serials per call, 2 clients`, client: "rest", chaincode: "rxtrace", itemsPerCall: batchSize },
    { concurrency: 2, count: batchCalls, maxSeconds: 300 },
    async (i) => {
      const lot = `${ctx.tag}B${i}`;
      const serials = Array.from({ length: batchSize }, (_, k) => `${lot}-${k}`);
      await ctx.rest.post("/lots", ctx.keys.manufacturer, { gtin: ctx.gtin, lot, expiry: ctx.expiry, serials });
      lots.push(serials.map((serial) => ({ gtin: ctx.gtin, serial, lot, expiry: ctx.expiry })));
    },
  );
  ctx.preloaded.push(...lots.flat());
  const alone = await chaincodeAlone(ctx);
  const noopMany = (contract: BenchContext["noopOneOrg"], members: string, endorsers: readonly string[], prefix: string) => async (i: number) => {
    const keys = Array.from({ length: batchSize }, (_, k) => `${ctx.tag}${prefix}${i}-${k}`);
    await submitDirect(contract, "PutMany", { args: [JSON.stringify(keys), "COMMISSIONED", members], endorsingOrganizations: [...endorsers] });
  };
  const batchOpts = { concurrency: 2, count: batchCalls, maxSeconds: 300 };
  const noopSame = await measureClosed(
    ctx,
    { label: `noop PutMany ${batchSize} keys per call, same policies, 2 clients`, client: "fabric-gateway", chaincode: "noop", itemsPerCall: batchSize },
    batchOpts,
    noopMany(ctx.noop.manufacturer, NOOP_MEMBERS, WRITE_ENDORSERS, "BN"),
  );
  const noopOne = await measureClosed(
    ctx,
    { label: `noop PutMany ${batchSize} keys per call, one peer endorses, 2 clients`, client: "fabric-gateway", chaincode: "noop-one-org", itemsPerCall: batchSize },
    batchOpts,
    noopMany(ctx.noopOneOrg, "", [MSP.manufacturer], "BO"),
  );
  // Items per second from the counts: a round's throughput is rounded to 0.1 call/s, i.e. 100 packs/s here.
  const perSecond = (r: RoundRecord): number => (r.durationS === 0 ? 0 : (r.succeeded * batchSize) / r.durationS);
  const packsPerS = perSecond(round);
  return {
    id: "batch-commissioning",
    title: "Batch commissioning (many serials per transaction)",
    target: ">= 5,000 packs/s committed",
    verdict: round.failed === 0 && packsPerS >= 5000 ? "met" : "missed",
    outcome:
      `${Math.round(packsPerS)} packs/s (${round.succeeded * batchSize} packs in ${round.durationS} s); ` +
      `noop PutMany, same policies: ${Math.round(perSecond(noopSame))} keys/s (rxtrace/noop ${ratio(packsPerS, perSecond(noopSame))}); ` +
      `noop PutMany, one peer: ${Math.round(perSecond(noopOne))} keys/s`,
    rounds: [round, alone, noopSame, noopOne],
    notes: [
      "These packs are the preloaded set of the ship/receive and verify scenarios.",
      "The noop rounds write as many keys per transaction with one putState (and, under the same policies, one setStateValidationParameter) each, through fabric-gateway: what the network and the policies cost a 1,000-key transaction.",
      "The in-process round runs the same CommissionLot code on the chaincode unit tests' in-memory Fabric double (one thread, no peer, no shim messages, no endorsement or validation): the chaincode's own cost per pack. On a real peer every putState and setStateValidationParameter is a message between chaincode and peer, and the peer validates each pack key's own endorsement policy at commit.",
    ],
  };
}

/** The chaincode's own cost: CommissionLot on the in-memory double of the unit tests, sequentially. */
async function chaincodeAlone(ctx: BenchContext): Promise<RoundRecord> {
  // Through require: the chaincode package is CommonJS, and tsx then loads the doubles as the unit tests do.
  const { partnersWorld, productInput } = createRequire(import.meta.url)("../../support/chaincode-world.ts") as typeof import("../../support/chaincode-world.js");
  const world = await partnersWorld();
  await world.manufacturer.submit(CATALOG.products.RegisterProduct.qualified, productInput(ctx.gtin));
  const { batchSize, batchCalls } = ctx.sizes;
  return measureClosed(
    ctx,
    { label: `commission ${batchSize} serials per call, chaincode alone in-process`, client: "in-process", chaincode: "rxtrace", itemsPerCall: batchSize },
    { concurrency: 1, count: batchCalls, maxSeconds: 120 },
    async (i) => {
      const serials = Array.from({ length: batchSize }, (_, k) => `L${i}-${k}`);
      await world.manufacturer.submit(CATALOG.packs.CommissionLot.qualified, { gtin: ctx.gtin, lot: `L${i}`, expiry: ctx.expiry, serials });
    },
  );
}

// ------------------------------------------------------------------ 4
function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

interface PackView {
  status: string;
  owner: string;
  shipmentId?: string;
  consignee?: string;
}

export async function shipReceive(ctx: BenchContext): Promise<ScenarioResult> {
  if (ctx.preloaded.length < ctx.sizes.shipReceivePairs + ctx.sizes.hotPacks) {
    throw new Error(`ship+receive needs ${ctx.sizes.shipReceivePairs + ctx.sizes.hotPacks} preloaded packs, the batch scenario left ${ctx.preloaded.length}`);
  }
  const pool = shuffled(ctx.preloaded);
  let receiveRetries = 0;
  const hot = pool.splice(0, ctx.sizes.hotPacks);
  const random = await measureClosed(
    ctx,
    { label: `ship + receive one random pack of ${ctx.preloaded.length}, 20 clients`, client: "rest", chaincode: "rxtrace", itemsPerCall: 2 },
    { concurrency: 20, count: ctx.sizes.shipReceivePairs, maxSeconds: 180 },
    async (i) => {
      const pack = pool[i] as PackRef;
      const shipmentId = `${ctx.tag}-SR-${i}`;
      const packs = [{ gtin: pack.gtin, serial: pack.serial }];
      // The ship answered once the manufacturer's peer committed it; the distributor's peer may commit the block a moment later.
      const shipped = await ctx.rest.exchange("POST", "/shipments", ctx.keys.manufacturer, { shipmentId, consignee: MSP.distributor, packs });
      receiveRetries += await receiveWhenThere(ctx, shipmentId, { packs }, shipped.headers["x-ledger-block"]);
    },
  );

  // Hot keys: every worker moves one of a few packs back and forth between the
  // manufacturer and the distributor, reading its state first, as a client
  // would. Straight through fabric-gateway, so MVCC conflicts are not retried
  // away (the gateway retries them) and can be counted.
  const contractOf = (msp: string) => (msp === MSP.manufacturer ? ctx.rxtrace.manufacturer : ctx.rxtrace.distributor);
  const other = (msp: string) => (msp === MSP.manufacturer ? MSP.distributor : MSP.manufacturer);
  const hotRound = await measureClosed(
    ctx,
    { label: `ship or receive one of ${hot.length} hot packs, 20 clients`, client: "fabric-gateway", chaincode: "rxtrace", itemsPerCall: 1 },
    { concurrency: 20, count: ctx.sizes.hotAttempts, maxSeconds: 180 },
    async (i) => {
      const pack = hot[Math.floor(Math.random() * hot.length)] as PackRef;
      const ref = { gtin: pack.gtin, serial: pack.serial };
      const view = JSON.parse(await evaluateDirect(ctx.rxtrace.manufacturer, CATALOG.packs.GetPack.qualified, pack.gtin, pack.serial)) as PackView;
      if (view.status === "IN_TRANSIT" && view.shipmentId && view.consignee) {
        await submitDirect(contractOf(view.consignee), CATALOG.shipments.Receive.qualified, {
          args: [JSON.stringify({ shipmentId: view.shipmentId, packs: [ref] })],
          endorsingOrganizations: [view.owner, view.consignee],
        });
      } else {
        await submitDirect(contractOf(view.owner), CATALOG.shipments.Ship.qualified, {
          args: [JSON.stringify({ shipmentId: `${ctx.tag}-HK-${i}`, consignee: other(view.owner), packs: [ref] })],
          endorsingOrganizations: [view.owner, other(view.owner)],
        });
      }
    },
  );
  const attempts = hotRound.succeeded + hotRound.failed;
  const mvcc = hotRound.failureReasons.MVCC_READ_CONFLICT ?? 0;
  const policy = hotRound.failureReasons.ENDORSEMENT_POLICY_FAILURE ?? 0;
  const refused = hotRound.failed - mvcc - policy;
  return {
    id: "ship-receive",
    title: "Ship + receive on preloaded packs (random keys; hot-key variant)",
    target: "throughput reported; conflict rate reported for the hot-key variant",
    verdict: "reported",
    outcome:
      `random keys: ${random.throughput} ship+receive pairs/s (${(random.throughput * 2).toFixed(1)} tx/s), ${random.failed} failed; ` +
      `hot keys: ${attempts === 0 ? "n/a" : ((100 * hotRound.failed) / attempts).toFixed(1)}% of ${attempts} attempts conflicted (invalidated at commit: ${mvcc} MVCC_READ_CONFLICT, ${policy} ENDORSEMENT_POLICY_FAILURE; ${refused} refused at endorsement)`,
    rounds: [random, hotRound],
    notes: [
      "Random keys: each call ships one pack (manufacturer -> distributor, endorsed by both) and then receives it; throughput counts pairs, latency is of the pair.",
      `The receive names the ship's block (X-Min-Block) and is retried on 404 or 503 while the distributor's peer has not committed it (every 200 ms, up to 6 s): POST /v1/shipments answers once the shipper's peer committed. Retries in this run: ${receiveRetries}.`,
      "Hot keys: reads the pack, then ships it to the other org or receives it; a conflict is a transaction invalidated at commit (MVCC_READ_CONFLICT; or ENDORSEMENT_POLICY_FAILURE, when another transaction changed the pack's key-level endorsement policy, i.e. its owner, first) or a chaincode refusal (CONFLICT/FORBIDDEN) because another worker moved the pack between read and endorsement. The gateway would retry MVCC conflicts (fabric.mvccRetries, default 3).",
    ],
  };
}

/**
 * Posts a receipt once the consignee's peer has the shipment's block (X-Min-Block, which the gateway waits
 * up to 3 s for), retrying while it has not (404, or 503 when the gateway knows the block is committed); returns the retries.
 */
async function receiveWhenThere(ctx: BenchContext, shipmentId: string, body: Record<string, unknown>, minBlock: string | string[] | undefined): Promise<number> {
  const headers = typeof minBlock === "string" ? { "x-min-block": minBlock } : {};
  for (let attempt = 0; ; attempt++) {
    try {
      await ctx.rest.exchange("POST", `/shipments/${shipmentId}/receive`, ctx.keys.distributor, body, headers);
      return attempt;
    } catch (error) {
      if (!(error instanceof RestError && (error.status === 404 || error.status === 503)) || attempt >= 30) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/**
 * Aggregation: a pallet of 10 cases (batchSize packs: 1,000, or 100 quick)
 * shipped by its SSCC and received by the same code, one operation, one
 * pallet at a time. The packing is set-up, not measured.
 */
export async function palletShipReceive(ctx: BenchContext): Promise<ScenarioResult> {
  const pallets = ctx.sizes === QUICK ? 1 : 3;
  const perCase = Math.max(1, Math.floor(ctx.sizes.batchSize / 10));
  // SSCCs unique to the run: extension 0, company prefix 0614141 (the bench GTIN's), a serial reference from the clock.
  const stamp = Date.now() % 10_000_000;
  const sscc = (pallet: number, k: number): string => ssccOf(`00614141${String(stamp * 100 + pallet * 11 + k).padStart(9, "0").slice(-9)}`);
  const palletCodes: string[] = [];
  for (let p = 0; p < pallets; p++) {
    const lot = `${ctx.tag}P${p}`;
    const serials = Array.from({ length: perCase * 10 }, (_, k) => `${lot}-${k}`);
    await ctx.rest.post("/lots", ctx.keys.manufacturer, { gtin: ctx.gtin, lot, expiry: ctx.expiry, serials });
    for (let c = 0; c < 10; c++) {
      const packs = serials.slice(c * perCase, (c + 1) * perCase).map((serial) => ({ gtin: ctx.gtin, serial }));
      await ctx.rest.post(`/containers/${sscc(p, c + 1)}/pack`, ctx.keys.manufacturer, { packs });
    }
    await ctx.rest.post(`/containers/${sscc(p, 0)}/pack`, ctx.keys.manufacturer, { containers: Array.from({ length: 10 }, (_, c) => sscc(p, c + 1)) });
    palletCodes.push(sscc(p, 0));
  }
  let receiveRetries = 0;
  const packsPerPallet = perCase * 10;
  const round = await measureClosed(
    ctx,
    { label: `ship + receive a pallet of ${packsPerPallet} packs by its SSCC, 1 client`, client: "rest", chaincode: "rxtrace", itemsPerCall: packsPerPallet },
    { concurrency: 1, count: pallets, maxSeconds: 300 },
    async (i) => {
      const pallet = palletCodes[i] as string;
      const shipmentId = `${ctx.tag}-PAL-${i}`;
      const shipped = await ctx.rest.exchange("POST", "/shipments", ctx.keys.manufacturer, { shipmentId, consignee: MSP.distributor, containers: [pallet] });
      receiveRetries += await receiveWhenThere(ctx, shipmentId, { containers: [pallet], channel: MFR_DIST }, shipped.headers["x-ledger-block"]);
    },
  );
  const packsPerS = round.durationS === 0 ? 0 : (round.succeeded * packsPerPallet) / round.durationS;
  return {
    id: "pallet-ship-receive",
    title: "Ship + receive a pallet by its SSCC (aggregation)",
    target: `reported in packs/s; a ${packsPerPallet}-pack pallet moves in one Ship and one Receive`,
    verdict: "reported",
    outcome: `${Math.round(packsPerS)} packs/s (${round.succeeded} of ${pallets} pallets of ${packsPerPallet} packs; p50 ${round.latency.p50Ms} ms per ship+receive), ${round.failed} failed`,
    rounds: [round],
    notes: [
      "Each operation ships one pallet (10 cases) by its SSCC, manufacturer -> distributor over REST, and receives it by the same code: two transactions, each writing every pack, case and pallet key under its key-level policy.",
      `The receive names the ship's block (X-Min-Block) and is retried on 404 or 503 while the distributor's peer has not committed it (every 200 ms, up to 6 s). Retries in this run: ${receiveRetries}.`,
    ],
  };
}

// ------------------------------------------------------------------ 5 and 6
function verifyPack(ctx: BenchContext, i: number): PackRef {
  return ctx.preloaded[(i * 7919) % ctx.preloaded.length] as PackRef;
}

const verifyPath = (p: PackRef): string => `/verify?gtin=${p.gtin}&serial=${encodeURIComponent(p.serial)}&lot=${encodeURIComponent(p.lot)}&expiry=${p.expiry}&channel=${MFR_DIST}`;

/** What GET /v1/verify?consistency=ledger asks the ledger on one channel: one evaluate, the verification and its provenance together. */
async function verifyDirect(ctx: BenchContext, p: PackRef): Promise<void> {
  const answer = JSON.parse(await evaluateDirect(ctx.rxtrace.manufacturer, CATALOG.packs.VerifyWithProvenance.qualified, p.gtin, p.serial, p.lot, p.expiry)) as { verification?: { verified?: boolean } };
  if (answer.verification?.verified !== true) throw new DirectCallError("NOT_VERIFIED", `pack ${p.serial} did not verify`);
}

export async function verifyRest(ctx: BenchContext): Promise<ScenarioResult> {
  if (ctx.preloaded.length === 0) throw new Error("verify needs the preloaded packs of the batch scenario");
  const c = ctx.sizes.verifyConcurrency;
  const opts = { concurrency: c, count: 1_000_000, maxSeconds: ctx.sizes.verifySeconds };
  const rest = await measureClosed(ctx, { label: `GET /v1/verify, ${c} clients`, client: "rest", chaincode: "rxtrace", itemsPerCall: 1 }, opts, async (i) => {
    const answer = (await ctx.rest.get(verifyPath(verifyPack(ctx, i)), ctx.keys.manufacturer)) as { verified?: boolean };
    if (answer.verified !== true) throw new DirectCallError("NOT_VERIFIED", "pack did not verify");
  });
  const single = await measureClosed(ctx, { label: `packs:Verify evaluate only, ${c} clients`, client: "fabric-gateway", chaincode: "rxtrace", itemsPerCall: 1 }, opts, async (i) => {
    const p = verifyPack(ctx, i);
    await evaluateDirect(ctx.rxtrace.manufacturer, CATALOG.packs.Verify.qualified, p.gtin, p.serial, p.lot, p.expiry);
  });
  const noop = await measureClosed(ctx, { label: `noop Get evaluate, ${c} clients`, client: "fabric-gateway", chaincode: "noop", itemsPerCall: 1 }, opts, async (i) => {
    await evaluateDirect(ctx.noop.manufacturer, "Get", `${ctx.tag}N${i % Math.max(ctx.sizes.sequentialCount, 1)}`);
  });
  const met = rest.failed === 0 && rest.throughput >= 500 && rest.latency.p99Ms <= 50;
  return {
    id: "verify",
    title: "Verify via REST (evaluate)",
    target: ">= 500 req/s with p99 <= 50 ms",
    verdict: met ? "met" : "missed",
    outcome: `${rest.throughput} req/s, p99 ${rest.latency.p99Ms} ms (one Verify evaluate: ${single.throughput}/s; noop Get: ${noop.throughput}/s)`,
    rounds: [rest, single, noop],
    notes: [
      "GET /v1/verify answers from the read model of the org gateway's own peer; the multi-org gateway, and ?consistency=ledger, answer with one packs:VerifyWithProvenance evaluate per channel.",
      "Closed loop for a fixed time: the clients send as fast as answers come back.",
    ],
  };
}

// ------------------------------------------------------------------ 5b
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A write through the multi-org gateway, sent again under one Idempotency-Key
 * (so it commits once) while the peer of the org it needs has not committed
 * the previous step's block yet (404, or 503 "not yet here"), up to 30 s.
 */
async function writeWhenVisible(ctx: BenchContext, step: string, url: string, key: string, body: unknown): Promise<RestAnswer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.rest.exchange("POST", url, key, body, { "idempotency-key": `${ctx.tag}-${step}` });
    } catch (error) {
      if (!(error instanceof RestError && (error.status === 404 || error.status === 503)) || attempt >= 120) throw error;
      await sleep(250);
    }
  }
}

/**
 * Commissions `count` packs and brings them to the pharmacy, whose peer is on
 * dist-pharm only, as the demo does: ship to the distributor, receive, hand
 * off onto dist-pharm, ship to the pharmacy, receive. Answers the packs and
 * the dist-pharm block of the pharmacy's receipt.
 */
async function packsAtPharmacy(ctx: BenchContext, count: number): Promise<{ packs: PackRef[]; block: bigint }> {
  const lot = `${ctx.tag}RM`;
  const serials = Array.from({ length: count }, (_, k) => `${lot}-${k}`);
  const refs = serials.map((serial) => ({ gtin: ctx.gtin, serial }));
  const inbound = `${ctx.tag}-RM-IN`;
  const outbound = `${ctx.tag}-RM-OUT`;
  await writeWhenVisible(ctx, "RM-lot", "/lots", ctx.keys.manufacturer, { gtin: ctx.gtin, lot, expiry: ctx.expiry, serials });
  await writeWhenVisible(ctx, "RM-ship-in", "/shipments", ctx.keys.manufacturer, { shipmentId: inbound, consignee: MSP.distributor, packs: refs });
  await writeWhenVisible(ctx, "RM-receive-in", `/shipments/${inbound}/receive`, ctx.keys.distributor, { packs: refs });
  await writeWhenVisible(ctx, "RM-handoff", "/handoffs", ctx.keys.distributor, { packs: refs });
  await writeWhenVisible(ctx, "RM-ship-out", "/shipments", ctx.keys.distributor, { shipmentId: outbound, consignee: MSP.pharmacy, packs: refs });
  const received = await writeWhenVisible(ctx, "RM-receive-out", `/shipments/${outbound}/receive`, ctx.keys.pharmacy, { packs: refs });
  const block = blockOn(received.headers["x-ledger-block"], DIST_PHARM);
  if (block === undefined) throw new Error(`the pharmacy's receipt names no ${DIST_PHARM} block (X-Ledger-Block: ${String(received.headers["x-ledger-block"])})`);
  return { packs: serials.map((serial) => ({ gtin: ctx.gtin, serial, lot, expiry: ctx.expiry })), block };
}

/** Unmeasured calls on each path of a freshly started gateway before its rounds. */
const WARM_UP_SECONDS = 2;

/** A scan as a pharmacist's scanner sends it: no channel (the pharmacy reads dist-pharm only). */
const scanPath = (p: PackRef, consistency: "read-model" | "ledger"): string =>
  `/verify?gtin=${p.gtin}&serial=${encodeURIComponent(p.serial)}&lot=${encodeURIComponent(p.lot)}&expiry=${p.expiry}${consistency === "ledger" ? "&consistency=ledger" : ""}`;

interface StatedAnswer {
  verified?: boolean;
  reason?: string;
  asOf?: { source?: string; blocks?: { channel: string; block: string }[] };
}

/** Waits until the gateway's read model answers for `pack` from a dist-pharm block at or above `block` (up to `timeoutMs`). */
async function readModelCaughtUp(rest: RestClient, key: string, pack: PackRef, block: bigint, timeoutMs: number): Promise<{ block: bigint; waitedMs: number }> {
  const started = Date.now();
  let last = "no answer";
  while (Date.now() - started < timeoutMs) {
    const answer = (await rest.get(scanPath(pack, "read-model"), key)) as StatedAnswer;
    const stated = answer.asOf?.blocks?.find((b) => b.channel === DIST_PHARM);
    const at = stated === undefined ? undefined : BigInt(stated.block);
    if (answer.asOf?.source === "read-model" && at !== undefined && at >= block) return { block: at, waitedMs: Date.now() - started };
    last = `${answer.asOf?.source ?? "?"} at ${stated?.block ?? "no block"}`;
    await sleep(200);
  }
  throw new Error(`the pharmacy gateway's read model did not reach ${DIST_PHARM} block ${block} in ${timeoutMs / 1000} s (last answer: ${last})`);
}

/** One scan; a failure unless the pack verifies and the answer comes from where it was asked. */
const scanOp = (rest: RestClient, key: string, packs: readonly PackRef[], consistency: "read-model" | "ledger") => async (i: number) => {
  const p = packs[(i * 7919) % packs.length] as PackRef;
  const answer = (await rest.get(scanPath(p, consistency), key)) as StatedAnswer;
  if (answer.verified !== true) throw new DirectCallError("NOT_VERIFIED", `pack ${p.serial} did not verify (${answer.reason ?? "no reason"})`);
  if (answer.asOf?.source !== consistency) throw new DirectCallError("WRONG_SOURCE", `asked ${consistency}, answered from ${answer.asOf?.source ?? "?"}`);
};

/**
 * The pharmacy's scans through its own gateway process (RXTRACE_GATEWAY_ORG=
 * pharmacy, as npm start runs it), answered from the read model it keeps from
 * its peer's committed dist-pharm blocks; beside it, the same gateway's
 * ledger path (?consistency=ledger: one packs:VerifyWithProvenance evaluate)
 * and the noop Get evaluate, for the ratio.
 */
export async function verifyReadModel(ctx: BenchContext): Promise<ScenarioResult> {
  const { packs, block } = await packsAtPharmacy(ctx, ctx.sizes.readModelPacks);
  const gateway: OrgGatewayProcess = await startOrgGateway("pharmacy", {
    repoRoot,
    dataDir: path.resolve(process.env.RXTRACE_DATA ?? path.join(repoRoot, ".rxtrace")),
    ...(process.env.BENCH_CPU_PROFILE === "1" ? { profileDir: path.join(repoRoot, "bench", "results", "profiles") } : {}),
  });
  const rest = newRestClient(gateway.url);
  try {
    const caughtUp = await readModelCaughtUp(rest, gateway.key, packs[packs.length - 1] as PackRef, block, 120_000);
    const c = ctx.sizes.readModelClients;
    const opts = { concurrency: c, count: 1_000_000, maxSeconds: ctx.sizes.verifySeconds };
    const kind = `gateway-${gateway.org}`;
    // A fresh process compiles its hot paths during its first thousand calls: warm each path up, unmeasured.
    const warmUp = { concurrency: c, count: 1_000_000, maxSeconds: WARM_UP_SECONDS };
    await closedLoop(warmUp, scanOp(rest, gateway.key, packs, "read-model"));
    await closedLoop(warmUp, scanOp(rest, gateway.key, packs, "ledger"));
    const model = await measureClosed(ctx, { label: `GET /v1/verify from the read model, pharmacy key, ${c} clients`, client: "rest", chaincode: "-", itemsPerCall: 1 }, opts, scanOp(rest, gateway.key, packs, "read-model"));
    const ledger = await measureClosed(
      ctx,
      { label: `GET /v1/verify?consistency=ledger (one evaluate), pharmacy key, ${c} clients`, client: "rest", chaincode: "rxtrace", itemsPerCall: 1 },
      opts,
      scanOp(rest, gateway.key, packs, "ledger"),
    );
    const noop = await measureClosed(ctx, { label: `noop Get evaluate, ${c} clients`, client: "fabric-gateway", chaincode: "noop", itemsPerCall: 1 }, opts, async (i) => {
      await evaluateDirect(ctx.noop.manufacturer, "Get", `${ctx.tag}N${i % Math.max(ctx.sizes.sequentialCount, 1)}`);
    });
    const checks = verifyTargetChecks(model, kind);
    const { verdict, outcome } = judge(checks);
    return {
      id: "verify-read-model",
      title: "Verify via the pharmacy's own gateway, from its read model",
      target: `>= 1,000 req/s, p99 <= 50 ms, 0 failures (pharmacy key, ${c} clients); that gateway under 200 MB RSS`,
      verdict,
      outcome:
        `${outcome}; ledger path through the same gateway: ${ledger.throughput} req/s, p99 ${ledger.latency.p99Ms} ms (read model/ledger ${ratio(model.throughput, ledger.throughput)}x); ` +
        `noop Get evaluate: ${noop.throughput}/s (read model/noop ${ratio(model.throughput, noop.throughput)}x)`,
      checks,
      rounds: [model, ledger, noop],
      notes: [
        `The pharmacy's gateway runs as its own process (node gateway/dist/main.js, RXTRACE_GATEWAY_ORG=pharmacy, log level warn, no per-key rate limit: one bench key stands for many pharmacists), its state in $RXTRACE_DATA/gateway/pharmacy; the process kind ${kind} is that process.`,
        `${packs.length} packs commissioned, shipped, received, handed off onto ${DIST_PHARM} and received by the pharmacy through the multi-org gateway before the rounds; the read model reached ${DIST_PHARM} block ${caughtUp.block} (the receipt's block ${block}) ${(caughtUp.waitedMs / 1000).toFixed(1)} s after the gateway answered.`,
        `Before the rounds, ${WARM_UP_SECONDS} s of unmeasured scans on each path (the freshly started gateway compiles its hot paths).`,
        "Every answer counts only if it says verified: true and comes from the source asked (asOf.source), so a fall-back to the ledger is a failure of the read-model round.",
        "The noop Get evaluates run as the manufacturer on mfr-dist through fabric-gateway (noop is deployed there only): the cheapest evaluate this network answers.",
        "Closed loop for a fixed time: the clients send as fast as answers come back.",
      ],
    };
  } finally {
    rest.close();
    await gateway.stop();
  }
}

export async function restOverhead(ctx: BenchContext): Promise<ScenarioResult> {
  const c = ctx.sizes.overheadConcurrency;
  const writes = { concurrency: c, count: ctx.sizes.overheadWrites, maxSeconds: 60 };
  const restW = await measureClosed(ctx, { label: `one-pack commission, ${c} clients`, client: "rest", chaincode: "rxtrace", itemsPerCall: 1 }, writes, commissionRest(ctx, "OR"));
  const directW = await measureClosed(ctx, { label: `one-pack commission, ${c} clients`, client: "fabric-gateway", chaincode: "rxtrace", itemsPerCall: 1 }, writes, commissionDirect(ctx, "OD"));
  const noopW = await measureClosed(ctx, { label: `noop Put, ${c} clients`, client: "fabric-gateway", chaincode: "noop", itemsPerCall: 1 }, writes, noopPut(ctx, "ON"));
  const vc = ctx.sizes.verifyConcurrency;
  const reads = { concurrency: vc, count: 1_000_000, maxSeconds: ctx.sizes.verifySeconds };
  const restR = await measureClosed(ctx, { label: `verify, ${vc} clients`, client: "rest", chaincode: "rxtrace", itemsPerCall: 1 }, reads, async (i) => {
    await ctx.rest.get(verifyPath(verifyPack(ctx, i)), ctx.keys.manufacturer);
  });
  const directR = await measureClosed(ctx, { label: `verify (same one evaluate), ${vc} clients`, client: "fabric-gateway", chaincode: "rxtrace", itemsPerCall: 1 }, reads, (i) =>
    verifyDirect(ctx, verifyPack(ctx, i)),
  );
  const loss = (rest: RoundRecord, direct: RoundRecord): number => (direct.throughput === 0 ? 100 : 100 * (1 - rest.throughput / direct.throughput));
  const added = (rest: RoundRecord, direct: RoundRecord): number => rest.latency.p50Ms - direct.latency.p50Ms;
  const wLoss = loss(restW, directW);
  const rLoss = loss(restR, directR);
  const signed = (n: number): string => `${n >= 0 ? "+" : ""}${n.toFixed(1)}`;
  const wAdd = added(restW, directW);
  const rAdd = added(restR, directR);
  const met = restW.failed + directW.failed + restR.failed + directR.failed === 0 && Math.max(wLoss, rLoss) <= 15 && Math.max(wAdd, rAdd) <= 20;
  return {
    id: "rest-overhead",
    title: "REST overhead: the same rounds through fabric-gateway directly",
    target: "<= 15% throughput loss, <= 20 ms added latency",
    verdict: met ? "met" : "missed",
    outcome:
      `writes: REST/direct throughput ${ratio(restW.throughput, directW.throughput)} (loss ${wLoss.toFixed(1)}%), p50 ${signed(wAdd)} ms; ` +
      `verify: ${ratio(restR.throughput, directR.throughput)} (loss ${rLoss.toFixed(1)}%), p50 ${signed(rAdd)} ms; ` +
      `rxtrace/noop write throughput (direct) ${ratio(directW.throughput, noopW.throughput)}`,
    rounds: [restW, directW, noopW, restR, directR],
    notes: ["Added latency is the difference of the p50s. The REST client and the gateway run on the same 2 cores as the network, so REST also pays for the gateway's CPU."],
  };
}

// ------------------------------------------------------------------ 7
export async function documents(ctx: BenchContext): Promise<ScenarioResult> {
  const rounds: RoundRecord[] = [];
  const parts: string[] = [];
  for (const { bytes, count } of ctx.sizes.documents) {
    const label = bytes >= 1024 * 1024 ? `${bytes / 1024 / 1024} MiB` : `${bytes / 1024} KiB`;
    const r = await measureClosed(
      ctx,
      { label: `upload and anchor ${label} documents, 4 clients (items = MiB)`, client: "rest", chaincode: "rxtrace", itemsPerCall: bytes / 2 ** 20 },
      { concurrency: 4, count, maxSeconds: 120 },
      async () => {
        const query = `channel=${MFR_DIST}&subjectType=product&gtin=${ctx.gtin}&kind=OTHER`;
        await ctx.rest.postRaw(`/documents?${query}`, ctx.keys.manufacturer, randomBytes(bytes), "application/pdf");
      },
    );
    rounds.push(r);
    parts.push(`${label}: ${r.throughput} docs/s, ${(r.throughput * (bytes / 2 ** 20)).toFixed(2)} MiB/s`);
  }
  return {
    id: "documents",
    title: "IPFS: upload-and-anchor documents",
    target: "docs/s and MiB/s reported",
    verdict: rounds.every((r) => r.failed === 0 && r.succeeded > 0) ? "reported" : "missed",
    outcome: parts.join("; "),
    rounds,
    notes: ["POST /v1/documents: the body streams to Kubo (sha256 computed on the way), then the sha256 and CID are anchored on mfr-dist by one transaction."],
  };
}
