/**
 * Faults under a steady write load through the real gateway process, against
 * the real Fabric network, Kubo and Hardhat node that scripts/test/faults.sh
 * brings up in its own data folder. Each fault records requests sent,
 * acknowledged, found on the ledger afterwards, lost (must be 0) and the time
 * to recover; the figures go to bench/results/faults.json.
 */
import { writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { EvmConnection, newEvmSupplyChain, readEvmDeployment } from "../../gateway/src/adapters/evm.js";
import { GatewayError } from "../../gateway/src/errors.js";
import { freshGtin, repoRoot } from "../../support/gateway-harness.js";
import { WriteLoad, type FaultFigures } from "./support/load.js";
import { DATA, GatewayProcess, isAlive, killByPidFile, ordererHeight, request, runScript, until, wholeCluster } from "./support/services.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const results: FaultFigures[] = [];

function report(figures: FaultFigures): void {
  results.push(figures);
  console.log(`      ${JSON.stringify(figures)}`);
}

describe("rxtrace under faults (real network, Kubo and gateway process)", function () {
  this.timeout(900_000);
  let gw: GatewayProcess;
  let gtin: string;
  const mfr = () => gw.key("ManufacturerMSP/operator");

  before(async () => {
    gw = new GatewayProcess();
    await gw.start();
    gtin = freshGtin();
    const product = await request(gw.url, "POST", "/v1/products", mfr(), {
      gtin,
      name: "Fault-test vaccine",
      strength: "0.5 ml",
      form: "suspension for injection",
      nationalCode: "NC-FAULT",
      storage: { minCentiCelsius: 200, maxCentiCelsius: 800 },
      limits: { minCentiCelsius: 0, maxCentiCelsius: 2500 },
      stabilityBudgetMinutes: 60,
    });
    expect(product.status, JSON.stringify(product.body)).to.equal(201);
  });

  after(async () => {
    await gw.stop();
    const out = path.join(repoRoot, "bench", "results");
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, "faults.json"), JSON.stringify({ measuredAt: new Date().toISOString(), faults: results }, null, 2) + "\n");
  });

  it("lets a killed peer catch up after a restart and answers for its org again without restarting the gateway", async () => {
    const dist = () => gw.key("DistributorMSP/operator");
    const load = new WriteLoad(gw, gtin, "PEER");
    load.start();
    await sleep(4_000);
    const killedAt = Date.now();
    killByPidFile("peer-distributor");
    await sleep(3_000);
    const lastBefore = load.records.filter((r) => r.status === 201).at(-1);
    const whileDown = await request(gw.url, "GET", `/v1/lots/${gtin}/${lastBefore?.lot ?? "none"}?channel=mfr-dist`, dist());
    await sleep(10_000);
    await load.stop();
    const lastWhileDown = load.records.filter((r) => r.status === 201).at(-1);
    expect(lastWhileDown, "the manufacturer's writes went on while the distributor's peer was down").to.not.be.undefined;

    const restartedAt = Date.now();
    const restartMs = await runScript("network.sh", "up");
    const recoverMs = await until(
      async () => (await request(gw.url, "GET", `/v1/lots/${gtin}/${lastWhileDown?.lot ?? ""}?channel=mfr-dist`, dist())).status === 200,
      120_000,
      "the distributor reading a lot committed while its peer was down",
    );
    const figures = await load.audit("peer killed (distributor's), restarted", { from: killedAt, to: restartedAt }, restartMs + recoverMs,
      `distributor reads answered ${whileDown.status} while its peer was down; network.sh up restarted the peer in ${restartMs} ms and the same gateway read the last lot committed meanwhile ${recoverMs} ms later`);
    report(figures);

    expect(whileDown.status).to.equal(503);
    expect(whileDown.body.details).to.deep.equal({ dependency: "fabric" });
    expect(figures.lost).to.equal(0);
  });

  it("resumes the event index from its checkpoint after the gateway is killed mid-stream, with no gap and no duplicate", async () => {
    const load = new WriteLoad(gw, gtin, "GW");
    load.start();
    await sleep(6_000);
    const killedAt = Date.now();
    await gw.kill();
    await sleep(3_000);
    const startMs = await gw.start();
    const recoveredAt = Date.now();
    await sleep(6_000);
    await load.stop();
    const figures = await load.audit("gateway killed (SIGKILL) mid-stream, restarted", { from: killedAt, to: recoveredAt }, recoveredAt - killedAt,
      `gateway process back in ${startMs} ms; requests sent while it was down were refused (status 0)`);
    // A client retries what failed with the same Idempotency-Key: each lands exactly once.
    const retries = await load.retryFailed();

    // Every lot on the ledger must be in the index exactly once once the listener has caught up.
    const onLedger = new Set<string>();
    for (const r of load.records) {
      const res = await request(gw.url, "GET", `/v1/lots/${gtin}/${r.lot}?channel=mfr-dist`, mfr());
      if (res.status === 200) onLedger.add(r.lot);
    }
    const indexed = async (): Promise<Map<string, number>> => {
      const res = await request(gw.url, "GET", `/v1/audit/events?gtin=${gtin}&eventType=LotCommissioned&limit=1000`, gw.key("RegulatorMSP/auditor"));
      const counts = new Map<string, number>();
      for (const e of (res.body?.events ?? []) as { payload?: { lot?: string } }[]) {
        const lot = e.payload?.lot;
        if (lot?.startsWith("GW")) counts.set(lot, (counts.get(lot) ?? 0) + 1);
      }
      return counts;
    };
    await until(async () => {
      const now = await indexed();
      return [...onLedger].every((lot) => now.has(lot));
    }, 60_000, "the index catching up").catch(() => 0);
    const counts = await indexed();
    const missing = [...onLedger].filter((lot) => !counts.has(lot));
    const duplicated = [...counts.entries()].filter(([, n]) => n > 1).map(([lot]) => lot);
    const phantom = [...counts.keys()].filter((lot) => !onLedger.has(lot));
    const outcome = (r: { status: number; code: string }) => (r.status === 201 ? "committed now" : r.code === "ALREADY_EXISTS" ? "already committed before the kill" : r.code === "CONFLICT" ? "claim still held by the killed process" : `${r.status} ${r.code}`);
    const outcomes = new Map<string, number>();
    for (const r of retries) outcomes.set(outcome(r), (outcomes.get(outcome(r)) ?? 0) + 1);
    figures.notes += `; ${retries.length} failed requests retried with their Idempotency-Key: ${[...outcomes].map(([o, n]) => `${n} ${o}`).join(", ")}`;
    figures.notes += `; index: ${counts.size} lots indexed of ${onLedger.size} on the ledger, ${missing.length} missing, ${duplicated.length} duplicated`;
    report(figures);

    // A claim the killed process held is released after the store's pending timeout (5 min); nothing else may fail.
    expect(retries.filter((r) => !["committed now", "already committed before the kill", "claim still held by the killed process"].includes(outcome(r))), "retries that failed otherwise").to.deep.equal([]);
    const held = retries.filter((r) => r.code === "CONFLICT").length;
    expect(onLedger.size, "every request is on the ledger once retried, but those whose claim the killed process still holds").to.be.at.least(load.records.length - held);

    expect(missing, "committed lots missing from the index").to.deep.equal([]);
    expect(duplicated, "lots indexed twice").to.deep.equal([]);
    expect(phantom, "indexed lots that are not on the ledger").to.deep.equal([]);
    expect(figures.lost).to.equal(0);
  });

  it("answers uploads 503 and anchors nothing while Kubo is stopped, and uploads again when it is back", async () => {
    const subject = `channel=mfr-dist&subjectType=product&gtin=${gtin}`;
    const upload = (text: string) =>
      request(gw.url, "POST", `/v1/documents?${subject}&kind=CERTIFICATE_OF_ANALYSIS`, mfr(), text, { "content-type": "text/plain" });
    const anchored = async (): Promise<number> => {
      const res = await request(gw.url, "GET", `/v1/documents?${subject}`, mfr());
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const list = (Array.isArray(res.body) ? res.body : (res.body?.documents ?? res.body?.result ?? [])) as unknown[];
      return list.length;
    };
    const before = await anchored();
    const stoppedAt = Date.now();
    await runScript("kubo.sh", "stop");
    const attempts = await Promise.all([0, 1, 2, 3, 4].map((i) => upload(`certificate ${i} while Kubo is down ${stoppedAt}`)));
    const whileDown = await anchored();
    const restartedAt = Date.now();
    await runScript("kubo.sh", "start");
    const recoverMs = await until(async () => (await upload(`certificate after Kubo returned ${Date.now()}`)).status === 201, 60_000, "an upload succeeding");
    const after = await anchored();
    report({
      fault: "Kubo stopped, restarted",
      sent: attempts.length + 1,
      acknowledged: 1,
      foundOnLedger: after - before,
      lost: 1 - (after - before),
      failedButCommitted: whileDown - before,
      failedNotCommitted: attempts.filter((a) => a.status === 503).length,
      failures: Object.fromEntries(attempts.map((a) => [String(a.status), attempts.filter((b) => b.status === a.status).length])),
      longestGapMs: Date.now() - stoppedAt,
      timeToRecoverMs: Date.now() - restartedAt,
      notes: `first successful upload ${recoverMs} ms after kubo.sh start began`,
    });

    for (const a of attempts) {
      expect(a.status, JSON.stringify(a.body)).to.equal(503);
      expect(a.body.details).to.deep.equal({ dependency: "ipfs" });
    }
    expect(whileDown, "anchors written while Kubo was down").to.equal(before);
    expect(after).to.equal(before + 1);
  });

  // The gateway process (gateway/src/main.ts) does not serve the EVM routes yet, so the EVM side is
  // driven through the gateway's own EVM adapter, and the Fabric side through the gateway process.
  it("answers EVM calls as unavailable (503, naming evm) while the Hardhat node is stopped, with the Fabric path unaffected", async () => {
    const deploymentFile = path.join(DATA, "evm", "deployment.json");
    const publicChain = () => newEvmSupplyChain(new EvmConnection(readEvmDeployment(deploymentFile)));
    const probe = { gtin, serial: "EVMPROBE1", lot: "EVMLOT", expiry: "301231" };
    const baseline = await publicChain().verify(probe);
    expect(baseline.verified).to.equal(false);

    const chain = publicChain();
    const stoppedAt = Date.now();
    await runScript("evm.sh", "stop");
    const refused = await chain.verify(probe).then(() => undefined, (e: unknown) => e);
    const fabricWrite = await request(gw.url, "POST", "/v1/lots", mfr(), { gtin, lot: `EVM${stoppedAt}`.slice(0, 20), expiry: "301231", serials: ["EVMS1"] });
    const fabricRead = await request(gw.url, "GET", `/v1/lots/${gtin}/${`EVM${stoppedAt}`.slice(0, 20)}?channel=mfr-dist`, mfr());
    const restartMs = await runScript("evm.sh", "start");
    const recoverMs = await until(async () => publicChain().verify(probe).then(() => true, () => false), 60_000, "an EVM call answering again");
    report({
      fault: "EVM node stopped, restarted (EVM adapter; Fabric through the gateway)",
      sent: 2, acknowledged: fabricWrite.status === 201 ? 1 : 0, foundOnLedger: fabricRead.status === 200 ? 1 : 0,
      lost: fabricWrite.status === 201 && fabricRead.status !== 200 ? 1 : 0, failedButCommitted: 0, failedNotCommitted: 1,
      failures: { evm: 1 }, longestGapMs: Date.now() - stoppedAt, timeToRecoverMs: restartMs + recoverMs,
      notes: `evm.sh start (node + redeploy) took ${restartMs} ms; the next EVM call answered ${recoverMs} ms later; a Hardhat node keeps no state, so the restart is a new chain`,
    });

    expect(refused).to.be.instanceOf(GatewayError);
    expect((refused as GatewayError).status).to.equal(503);
    expect((refused as GatewayError).details).to.deep.equal({ dependency: "evm" });
    expect(fabricWrite.status, JSON.stringify(fabricWrite.body)).to.equal(201);
    expect(fabricRead.status).to.equal(200);
  });

  // The orderer faults run last: an orderer that does not catch up after its restart leaves the
  // service one failure from a stall, which would spoil every later measurement.
  // SmartBFT's leader of view 0 is consenter ID 1, the manufacturer's orderer (network/configtx.yaml);
  // the regulator's (ID 4) is a follower.
  it("keeps acknowledging writes while a follower orderer (1 of 4, BFT f=1) is killed, and loses none of them", async () => {
    const load = new WriteLoad(gw, gtin, "ORDF");
    load.start();
    await sleep(6_000);
    const killedAt = Date.now();
    killByPidFile("orderer-regulator");
    await sleep(20_000);
    const restartedAt = Date.now();
    const restartMs = await runScript("network.sh", "up");
    await sleep(6_000);
    await load.stop();
    // The restarted orderer must pull the blocks it missed from the others.
    const caughtUpMs = await until(async () => ordererHeight("regulator", "mfr-dist") >= ordererHeight("distributor", "mfr-dist"), 60_000, "the restarted orderer catching up").catch(() => -1);
    const heights = ["manufacturer", "distributor", "pharmacy", "regulator"].map((o) => `${o} ${ordererHeight(o, "mfr-dist")}`).join(", ");

    const acksWhileDown = load.acks().filter((t) => t > killedAt && t < restartedAt);
    const figures = await load.audit("follower orderer killed (regulator's, 1 of 4), restarted after 20 s", { from: killedAt, to: restartedAt },
      load.firstAckSentAfter(killedAt) - killedAt,
      `${acksWhileDown.length} writes acknowledged while it was down; network.sh up restarted it in ${restartMs} ms; ` +
        (caughtUpMs >= 0 ? `it caught up ${caughtUpMs} ms after that` : `it had not caught up 60 s after the restart (mfr-dist heights: ${heights})`));
    report(figures);

    expect(acksWhileDown.length, "writes acknowledged while the orderer was down").to.be.greaterThan(20);
    expect(figures.longestGapMs).to.be.below(10_000);
    expect(figures.lost).to.equal(0);
    expect(figures.foundOnLedger).to.equal(figures.acknowledged);
    expect(isAlive("orderer-regulator")).to.be.true;
    expect(caughtUpMs, `the restarted orderer did not catch up (mfr-dist heights: ${heights})`).to.be.at.least(0);
  });

  // The bound follows from the SmartBFT timeouts in network/configtx.yaml: followers complain
  // RequestForwardTimeout + RequestComplainTimeout (2 s) after a request the leader does not order,
  // then the view change and one block take the rest. Fabric's default timeouts stalled writes for 22 s.
  // The aim is 5 s; runs on this 2-core host measured 2.2, 6.7 and 7.5 s (docs/reliability.md, "BFT leader
  // failover": the spread is not yet explained), so the suite holds the tuned timeouts to 10 s, which
  // Fabric's defaults (22.5 s) fail.
  it("resumes acknowledging writes within 10 s after the leader orderer is killed, once the others elect a new leader, and loses none", async () => {
    const load = new WriteLoad(gw, gtin, "ORDL", 2, 16);
    load.start();
    await sleep(6_000);
    // The follower restarted above may have been left outside the view (a view change while it
    // caught up), and a view change may have moved the lead away from consenter 1: the cluster is
    // made whole first (dissenting orderers restarted, and said), and the leader is the one all
    // four name.
    const leader = await wholeCluster("mfr-dist", (line) => console.log(`      ${line}`));
    const killedAt = Date.now();
    killByPidFile(`orderer-${leader}`);
    const resumedMs = await until(async () => load.firstAckSentAfter(killedAt) < Infinity, 150_000, "a write sent after the leader died being acknowledged").catch(() => -1);
    await sleep(5_000);
    const restartedAt = Date.now();
    const restartMs = await runScript("network.sh", "up");
    await sleep(6_000);
    await load.stop();

    const figures = await load.audit(`leader orderer killed (${leader}'s, BFT view change), restarted after writes resumed`, { from: killedAt, to: restartedAt },
      load.firstAckSentAfter(killedAt) - killedAt, (resumedMs >= 0 ? `writes resumed ${resumedMs} ms after the kill without a restart` : "writes had not resumed 150 s after the kill") +
        `; network.sh up restarted it in ${restartMs} ms; mfr-dist heights afterwards: ${["manufacturer", "distributor", "pharmacy", "regulator"].map((o) => `${o} ${ordererHeight(o, "mfr-dist")}`).join(", ")}`);
    report(figures);

    expect(resumedMs, "writes resumed after the view change, before the leader was restarted").to.be.at.least(0);
    expect(figures.timeToRecoverMs, "ms from the leader's kill until a write sent after it was acknowledged").to.be.below(10_000);
    expect(figures.lost).to.equal(0);
    expect(figures.foundOnLedger).to.equal(figures.acknowledged);
    expect(load.acks().filter((t) => t > killedAt && t < restartedAt).length, "writes acknowledged after the view change").to.be.greaterThan(0);
  });
});
