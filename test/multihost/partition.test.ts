/**
 * A partition across the hosts of scripts/test/multihost.sh: one org's host
 * loses its link (peer and BFT orderer cut off together) while the
 * manufacturer's client keeps a steady write load on mfr-dist at half of the
 * highest sustained write rate measured first on the same topology. With four
 * BFT orderers (f = 1) the writes go on committing; once the link is back the
 * cut org's peer and orderer catch up, and every acknowledged write is on the
 * ledger of every member of the channel.
 *
 * The org cut is the worst one for the writer: the one whose orderer streams
 * whole blocks to the manufacturer's peer (a BFT peer takes blocks from one
 * orderer and only headers from the others). Its peer must notice the silent
 * source through the headers and switch (peer.deliveryclient.
 * blockCensorshipTimeoutKey) or no write is confirmed until the link is back.
 * When that source is the manufacturer's own orderer, the distributor is cut.
 *
 * Then the BFT leader's host is cut (the leader read from the orderers'
 * Prometheus metrics: an earlier cut may have changed it) while the
 * manufacturer's client goes on writing through a peer of another org,
 * endorsed by two orgs other than the leader's: the three orderers left must
 * elect a new leader and resume ordering within 5 s.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { common } from "@hyperledger/fabric-protos";
import { FabricSessions, runId, type OrgSession } from "../../support/fabric-client.js";
import { ordererHeight, restartOrderers, wholeCluster } from "../faults/support/services.js";
import { futureExpiry, gtinFor, productJson } from "../../support/fixtures.js";

const tag = process.env.RXTRACE_NETNS ?? "";
const data = process.env.RXTRACE_DATA ?? "";
const channel = "mfr-dist";
const writerOrg = "manufacturer";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Write {
  readonly lot: string;
  readonly serial: string;
  readonly sentAt: number;
  ackedAt?: number;
  failure?: string;
}

interface Topology {
  orgs: { name: string; portBlock: number }[];
  ports: { perOrg: { orderer: number; ordererAdmin: number; ordererOps: number } };
}
const topology = JSON.parse(readFileSync("network/topology.json", "utf8")) as Topology;
const portOf = (org: string, kind: "orderer" | "ordererAdmin" | "ordererOps"): number =>
  (topology.orgs.find((o) => o.name === org)?.portBlock ?? 0) * 1000 + topology.ports.perOrg[kind] + Number(process.env.RXTRACE_PORT_OFFSET ?? 0);

/**
 * The org whose orderer streams whole blocks to ORG's peer: of the peer's
 * connections to orderers (seen with ss on ORG's host), the one that has
 * received the most bytes; the others carry block headers only.
 */
function blockSourceOf(org: string): string {
  const orderers = new Map(topology.orgs.map((o) => [`${process.env[`RXTRACE_HOST_${o.name.toUpperCase()}`] ?? ""}:${portOf(o.name, "orderer")}`, o.name]));
  const lines = execFileSync("ip", ["netns", "exec", `${tag}-${org}`, "ss", "-tnpi", "state", "established"], { encoding: "utf8" }).split("\n");
  let best = { org: "", bytes: -1 };
  lines.forEach((line, i) => {
    const remote = /\s(\d+\.\d+\.\d+\.\d+:\d+)\s+users:\(\("peer"/.exec(line)?.[1];
    const source = remote === undefined ? undefined : orderers.get(remote);
    const bytes = Number(/bytes_received:(\d+)/.exec(lines[i + 1] ?? "")?.[1] ?? 0);
    if (source !== undefined && bytes > best.bytes) best = { org: source, bytes };
  });
  if (!best.org) throw new Error(`no orderer connection of ${org}'s peer found with ss`);
  return best.org;
}

/** The height of an org's peer's copy of the channel, asked of that peer. */
async function peerHeight(session: OrgSession): Promise<number> {
  const proposal = session.network(channel).getContract("qscc").newProposal("GetChainInfo", { arguments: [channel], endorsingOrganizations: [session.org.mspId] });
  return common.BlockchainInfo.deserializeBinary(await proposal.evaluate()).getHeight();
}

/** The longest time between acknowledgements (or the cut's ends) within [from, to]. */
function longestGap(writes: Write[], from: number, to: number): number {
  const acks = [from, ...writes.map((w) => w.ackedAt ?? 0).filter((t) => t > from && t < to).sort((a, b) => a - b), to];
  return Math.max(...acks.slice(1).map((t, i) => t - (acks[i] ?? 0)));
}

function hosts(...args: string[]): void {
  execFileSync("bash", ["scripts/network/hosts.sh", ...args], { stdio: "inherit" });
}

describe("a partition of one org's host under a steady write load", function () {
  this.timeout(300_000);
  const id = runId();
  const gtin = gtinFor(`part-${id}`);
  const expiry = futureExpiry();
  let sessions: FabricSessions;
  let members: OrgSession[];
  let manufacturer: OrgSession;
  let viaDistributor: OrgSession;
  let highestRate = 0;
  /** The org whose host the block-source scenario cut, once its orderer caught up. */
  let rejoined: string | undefined;
  let n = 0;
  const linksCut = new Set<string>();

  const send = async (session: OrgSession, endorsingOrganizations?: string[]): Promise<Write> => {
    n += 1;
    const write: Write = { lot: `P${id}${n}`.slice(0, 20), serial: `S${id}${n}`.slice(0, 20), sentAt: Date.now() };
    try {
      await session.contract(channel).submit("packs:CommissionLot", {
        arguments: [JSON.stringify({ gtin, lot: write.lot, expiry, serials: [write.serial] })],
        ...(endorsingOrganizations ? { endorsingOrganizations } : {}),
      });
      write.ackedAt = Date.now();
    } catch (error) {
      write.failure = error instanceof Error ? error.message.split("\n")[0] : String(error);
    }
    return write;
  };

  const cut = (org: string): void => { hosts("cut", tag, org); linksCut.add(org); };
  const heal = (org: string): void => { hosts("heal", tag, org); linksCut.delete(org); };

  /**
   * Offers `rate` writes a second, cuts ORG's link after 8 s, heals it after
   * 25 s and goes on 8 s more; returns every write with the cut's times.
   */
  async function underLoad(org: string, rate: number, write: () => Promise<Write>): Promise<{ writes: Write[]; cutAt: number; healedAt: number }> {
    const writes: Write[] = [];
    const inFlight = new Set<Promise<void>>();
    const timer = setInterval(() => {
      const p = write().then((w) => { writes.push(w); }).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }, 1000 / rate);
    await sleep(8_000);
    const cutAt = Date.now();
    cut(org);
    await sleep(25_000);
    heal(org);
    const healedAt = Date.now();
    await sleep(8_000);
    clearInterval(timer);
    await Promise.all([...inFlight]);

    const during = writes.filter((w) => w.ackedAt !== undefined && w.ackedAt > cutAt && w.ackedAt < healedAt);
    const failures = writes.filter((w) => w.failure !== undefined);
    console.log(`      load ${rate.toFixed(1)} tx/s: ${writes.length} sent, ${writes.length - failures.length} acknowledged, ${failures.length} failed` +
      `; ${during.length} acknowledged in the ${((healedAt - cutAt) / 1000).toFixed(0)} s cut (${(during.length / ((healedAt - cutAt) / 1000)).toFixed(1)} tx/s), longest gap ${longestGap(writes, cutAt, healedAt)} ms`);
    for (const f of failures.slice(0, 3)) console.log(`      failure: ${f.failure ?? ""}`);
    const buckets = new Map<number, number>();
    for (const w of writes) if (w.ackedAt !== undefined) buckets.set(Math.floor((w.ackedAt - cutAt) / 5000) * 5, (buckets.get(Math.floor((w.ackedAt - cutAt) / 5000) * 5) ?? 0) + 1);
    console.log(`      acknowledgements per 5 s from the cut (s: count): ${[...buckets.entries()].sort((x, y) => x[0] - y[0]).map(([k, v]) => `${k}: ${v}`).join(", ")}`);
    return { writes, cutAt, healedAt };
  }

  /** Waits until ORG's peer (when it has one on the channel) and orderer are at the manufacturer's (or, when cut, the distributor's) heights. */
  async function caughtUp(org: string, healedAt: number): Promise<void> {
    const deadline = Date.now() + 90_000;
    const reference = org === writerOrg ? members[1] as OrgSession : manufacturer;
    const referenceOrg = org === writerOrg ? "distributor" : writerOrg;
    // The pharmacy runs an orderer of mfr-dist but no peer of it.
    const cutPeer = members.find((m) => m.org.mspId.toLowerCase() === `${org}msp`);
    for (;;) {
      const refPeer = await peerHeight(reference).catch(() => -1);
      const orgPeer = cutPeer === undefined ? refPeer : await peerHeight(cutPeer).catch(() => -1);
      const [refOrderer, orgOrderer] = [ordererHeight(referenceOrg, channel), ordererHeight(org, channel)];
      if (orgPeer === refPeer && orgOrderer === refOrderer && refPeer > 0) {
        console.log(`      caught up ${((Date.now() - healedAt) / 1000).toFixed(1)} s after the link came back (height ${refPeer})`);
        return;
      }
      if (Date.now() > deadline) expect.fail(`not caught up after 90 s: peers ${refPeer}/${orgPeer}, orderers ${refOrderer}/${orgOrderer} (${referenceOrg}/${org})`);
      await sleep(500);
    }
  }

  /** Every acknowledged write reads back as commissioned from each member's own peer. */
  async function everyAckOnEveryLedger(writes: Write[]): Promise<void> {
    const acked = writes.filter((w) => w.ackedAt !== undefined);
    expect(acked.length).to.be.greaterThan(0);
    for (const member of members) {
      for (const w of acked) {
        const contract = member.network(channel).getContract(sessions.description.chaincode);
        const proposal = contract.newProposal("packs:GetPack", { arguments: [gtin, w.serial], endorsingOrganizations: [member.org.mspId] });
        const pack = JSON.parse(new TextDecoder().decode(await proposal.evaluate())) as { status: string };
        expect(pack.status, `${w.serial} on ${member.org.mspId}'s peer`).to.equal("COMMISSIONED");
      }
    }
  }

  before(async () => {
    if (!tag || !data) throw new Error("run through scripts/test/multihost.sh (RXTRACE_NETNS and RXTRACE_DATA unset)");
    sessions = new FabricSessions();
    manufacturer = sessions.as("ManufacturerMSP", "operator");
    viaDistributor = sessions.as("ManufacturerMSP", "operator", { via: "DistributorMSP" });
    members = [manufacturer, sessions.as("DistributorMSP", "operator"), sessions.as("RegulatorMSP", "auditor")];
    await manufacturer.contract(channel).submitTransaction("products:RegisterProduct", productJson(gtin));
  });

  after(() => {
    for (const org of linksCut) hosts("heal", tag, org);
    sessions.close();
  });

  it("measures the highest sustained write rate of the topology (closed loop, 16 writers, 15 s)", async () => {
    const until = Date.now() + 15_000;
    const done: Write[] = [];
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (Date.now() < until) done.push(await send(manufacturer));
    }));
    const acked = done.filter((w) => w.ackedAt !== undefined && w.ackedAt <= until + 5_000).length;
    highestRate = acked / 15;
    console.log(`      highest sustained write rate: ${highestRate.toFixed(1)} tx/s (${acked} commissions in 15 s, ${done.length - acked} failed)`);
    expect(highestRate).to.be.greaterThan(1);
  });

  describe("the host of the orderer that streams the writer's peer its blocks", () => {
    let run: Awaited<ReturnType<typeof underLoad>>;
    let cutOrg = "distributor";

    it("keeps committing writes while that host is cut off", async () => {
      await wholeCluster(channel, (line) => console.log(`      ${line}`));
      const source = blockSourceOf(writerOrg);
      cutOrg = source === writerOrg ? "distributor" : source;
      console.log(`      ${writerOrg}'s peer takes its blocks from the ${source}'s orderer; cutting the ${cutOrg}'s host`);
      const rate = Math.max(1, highestRate / 2);
      run = await underLoad(cutOrg, rate, () => send(manufacturer));
      const during = run.writes.filter((w) => w.ackedAt !== undefined && w.ackedAt > run.cutAt && w.ackedAt < run.healedAt);
      // A write planned through the cut org's peer waits for the endorsement
      // timeout (10 s) before another org's peer endorses it, and the writer's
      // peer takes a few seconds to leave a silent block source, so
      // acknowledgements run behind the offered rate while the cut lasts, but
      // never stop.
      expect(during.length, `writes acknowledged while the ${cutOrg} was cut off`).to.be.greaterThan((run.healedAt - run.cutAt) / 1000 * rate * 0.4);
      expect(longestGap(run.writes, run.cutAt, run.healedAt), "longest time without an acknowledged write during the cut (ms)").to.be.lessThan(10_000);
    });

    it("lets the cut org's peer and orderer catch up once the link is back", async () => {
      await caughtUp(cutOrg, run.healedAt);
      rejoined = cutOrg;
    });

    it("has every acknowledged write on the ledger of every member of the channel", async () => {
      await everyAckOnEveryLedger(run.writes);
    });
  });

  describe("the host of the BFT leader, writes going through the peers of other orgs", () => {
    let run: Awaited<ReturnType<typeof underLoad>>;
    let leader = writerOrg;

    it("resumes acknowledging writes within 5 s of the leader's host being cut", async () => {
      // The block-source scenario has shown the cut orderer catching up;
      // SmartBFT v1.0.1 can still leave it outside the view (below), so it
      // is restarted, the operator's remedy, before the leader is cut.
      if (rejoined !== undefined) {
        const ms = await restartOrderers([rejoined]);
        console.log(`      restarted the ${rejoined}'s orderer, cut in the last scenario, in ${(ms / 1000).toFixed(1)} s`);
      }
      leader = await wholeCluster(channel, (line) => console.log(`      ${line}`));
      // The writes must not need the cut host: through a peer and with
      // endorsers of two orgs other than the leader's.
      const endorsers = ["ManufacturerMSP", "DistributorMSP", "RegulatorMSP"].filter((msp) => msp.toLowerCase() !== `${leader}msp`).slice(0, 2);
      const session = leader === writerOrg ? viaDistributor : manufacturer;
      console.log(`      the ${leader}'s orderer leads ${channel}; cutting its host, writing through the ${session === manufacturer ? writerOrg : "distributor"}'s peer, endorsed by ${endorsers.join(" and ")}`);
      const rate = Math.max(1, highestRate / 4);
      run = await underLoad(leader, rate, () => send(session, endorsers));
      const { cutAt } = run;
      const resumed = Math.min(...run.writes.filter((w) => w.sentAt >= cutAt && w.ackedAt !== undefined).map((w) => w.ackedAt ?? Infinity));
      console.log(`      first write sent after the cut acknowledged ${resumed - cutAt} ms after the cut`);
      expect(resumed - cutAt, "time from the cut until a write sent after it is acknowledged (ms)").to.be.lessThan(5_000);
      expect(run.writes.filter((w) => w.failure !== undefined).map((w) => w.failure)).to.deep.equal([]);
    });

    it("lets the old leader's orderer and peer catch up once the link is back", async () => {
      await caughtUp(leader, run.healedAt);
    });

    it("has every acknowledged write on the ledger of every member of the channel", async () => {
      await everyAckOnEveryLedger(run.writes);
    });
  });
});
