/**
 * The durable outbox and its worker; the recall relay onto dist-pharm built
 * on them, with a fake ledger whose SyncRecall fails the way the real one does.
 */
import path from "node:path";
import { expect } from "chai";
import { SqliteOutbox } from "../../gateway/src/adapters/outbox-sqlite.js";
import { openSqliteEventIndex } from "../../gateway/src/adapters/sqlite-event-index.js";
import { EventHub } from "../../gateway/src/events/hub.js";
import { relayAlertPublisher } from "../../gateway/src/events/relay-alerts.js";
import type { IndexedEvent } from "../../gateway/src/ports/event-index.js";
import type { Principal } from "../../gateway/src/auth/principal.js";
import { GatewayError } from "../../gateway/src/errors.js";
import { KeyLanes } from "../../gateway/src/services/key-lanes.js";
import { MasterDataService, RELAY_KINDS, RELAY_PENDING_EVENT, relayPendingAlert } from "../../gateway/src/services/master-data.js";
import { MetricsRegistry } from "../../gateway/src/services/metrics.js";
import { OutboxRelay, type HandlerOutcome } from "../../gateway/src/services/outbox-relay.js";
import { FakeLedger } from "./support/fake-ledger.js";
import { tempDir } from "./support/temp.js";

const GTIN = "09521234543213";
const QUALITY: Principal = { keyId: "k-mfr-qa", user: "quality", mspId: "ManufacturerMSP", role: "quality" };

function relayOver(outbox: SqliteOutbox, clock: { now: number }, alerts: string[] = []) {
  return new OutboxRelay(outbox, {
    initialDelayMs: 100,
    maxDelayMs: 1_000,
    pollMs: 10,
    alertAfterMs: 5_000,
    now: () => clock.now,
    onAlert: (item) => alerts.push(item.key),
  });
}

describe("SqliteOutbox", () => {
  it("keeps waiting items across a reopen of its file", () => {
    const file = path.join(tempDir("rxtrace-outbox-"), "outbox.db");
    const first = new SqliteOutbox(file);
    first.add("recall-sync", "dist-pharm/lot/G/L1", '{"gtin":"G"}', 1_000);
    first.close();

    const reopened = new SqliteOutbox(file);
    expect(reopened.pending().map((i) => [i.kind, i.key, i.payload, i.createdAt])).to.deep.equal([["recall-sync", "dist-pharm/lot/G/L1", '{"gtin":"G"}', 1_000]]);
    reopened.close();
  });

  it("returns the waiting item when the same kind and key is added again", () => {
    const outbox = new SqliteOutbox(":memory:");
    const a = outbox.add("k", "same", "{}", 1);
    const b = outbox.add("k", "same", '{"other":1}', 2);
    expect(b.id).to.equal(a.id);
    expect(outbox.pending()).to.have.length(1);
  });
});

describe("OutboxRelay", () => {
  it("retries a failed item after a doubling delay until it is done, then forgets it", async () => {
    const clock = { now: 0 };
    const outbox = new SqliteOutbox(":memory:");
    const relay = relayOver(outbox, clock);
    const answers: HandlerOutcome[] = [
      { outcome: "retry", reason: "peer down" },
      { outcome: "retry", reason: "peer down" },
      { outcome: "done" },
    ];
    let calls = 0;
    relay.handle("k", async () => {
      calls += 1;
      return answers.shift() ?? { outcome: "done" };
    });
    relay.enqueue("k", "a", {});

    await relay.runDue();
    expect(outbox.pending()[0]).to.include({ attempts: 1, nextAttemptAt: 100, lastError: "peer down" });
    clock.now = 99;
    await relay.runDue();
    expect(calls).to.equal(1);
    clock.now = 100;
    await relay.runDue();
    expect(outbox.pending()[0]).to.include({ attempts: 2, nextAttemptAt: 300 });
    clock.now = 300;
    await relay.runDue();
    expect(calls).to.equal(3);
    expect(outbox.pending()).to.deep.equal([]);
  });

  it("raises one alert for an item still waiting after the stated time", async () => {
    const clock = { now: 0 };
    const alerts: string[] = [];
    const relay = relayOver(new SqliteOutbox(":memory:"), clock, alerts);
    relay.handle("k", async () => ({ outcome: "retry", reason: "no" }));
    relay.enqueue("k", "late", {});

    clock.now = 4_999;
    await relay.runDue();
    expect(alerts).to.deep.equal([]);
    clock.now = 5_000;
    await relay.runDue();
    clock.now = 60_000;
    await relay.runDue();
    expect(alerts).to.deep.equal(["late"]);
  });

  it("shows the depth and the oldest item's age by kind in /metrics", () => {
    const clock = { now: 10_000 };
    const relay = relayOver(new SqliteOutbox(":memory:"), clock);
    const registry = new MetricsRegistry();
    relay.installMetrics(registry);
    relay.enqueue("recall-sync", "a", {});
    clock.now = 12_000;
    relay.enqueue("recall-sync", "b", {});
    clock.now = 13_500;

    const text = registry.render();
    expect(text).to.include('rxtrace_outbox_depth{kind="recall-sync"} 2');
    expect(text).to.include('rxtrace_outbox_oldest_age_seconds{kind="recall-sync"} 3.5');
  });

  it("leaves an item of a kind without handler untouched for the process that has one", async () => {
    const clock = { now: 0 };
    const outbox = new SqliteOutbox(":memory:");
    relayOver(outbox, clock).enqueue("webhook", "x", {});
    await relayOver(outbox, clock).runDue();
    expect(outbox.pending()[0]).to.include({ attempts: 0 });
  });
});

describe("recall relay onto dist-pharm", () => {
  const crossChannelFailure = () => {
    throw new GatewayError("CONFLICT", "cross-channel query to mfr-dist failed (500): peer unreachable", { field: "lot" });
  };

  function setUp(file = ":memory:") {
    const clock = { now: 0 };
    const outbox = new SqliteOutbox(file);
    const relay = relayOver(outbox, clock);
    const ledger = new FakeLedger();
    let mirrorRecalled = false;
    ledger
      .on("packs:RecallLot", () => ({ recall: {} }))
      .on("packs:GetLot", (call, as) => {
        if (call.channel === "dist-pharm") return { gtin: GTIN, lot: "L1", ...(mirrorRecalled ? { recall: {} } : {}) };
        return { gtin: GTIN, lot: "L1", manufacturer: "ManufacturerMSP", ...(as.mspId === "RegulatorMSP" ? { recall: {} } : {}) };
      })
      .on("crosschannel:SyncRecall", crossChannelFailure);
    const service = new MasterDataService(ledger, new KeyLanes(), { outbox: relay, propagationTimeoutMs: 0, pollIntervalMs: 1 });
    return {
      clock,
      outbox,
      relay,
      ledger,
      service,
      heal: () =>
        ledger.on("crosschannel:SyncRecall", () => {
          mirrorRecalled = true;
          return { recall: {} };
        }),
      syncElsewhere: () => (mirrorRecalled = true),
    };
  }

  it("names dist-pharm as pending when the cross-channel query fails, and commits there once it heals", async () => {
    const t = setUp();
    const answer = await t.service.recallLot(QUALITY, GTIN, "L1", "contamination");

    expect(answer.commits.map((c) => c.channel)).to.deep.equal(["mfr-dist"]);
    expect(answer.pending).to.have.length(1);
    expect(answer.pending[0]).to.include({ channel: "dist-pharm", transaction: "crosschannel:SyncRecall", attempts: 1 });
    expect(answer.pending[0]?.lastError).to.match(/cross-channel query/);

    t.heal();
    t.clock.now = 100;
    await t.relay.runDue();
    expect(t.outbox.pending()).to.deep.equal([]);
    expect(t.ledger.submitted("crosschannel:SyncRecall").map((s) => [s.call.channel, s.as.mspId])).to.deep.equal([
      ["dist-pharm", "RegulatorMSP"],
      ["dist-pharm", "RegulatorMSP"],
    ]);
  });

  it("counts a CONFLICT as done only when the mirror already carries the recall", async () => {
    const t = setUp();
    await t.service.recallLot(QUALITY, GTIN, "L1", "contamination");
    t.clock.now = 100;
    await t.relay.runDue();
    expect(t.outbox.pending(RELAY_KINDS.recall)).to.have.length(1);

    t.syncElsewhere();
    t.clock.now = 1_000;
    await t.relay.runDue();
    expect(t.outbox.pending(RELAY_KINDS.recall)).to.deep.equal([]);
  });

  it("keeps the copy pending while the relay's peer does not yet show the recall on mfr-dist", async () => {
    const t = setUp();
    t.heal();
    t.ledger.on("packs:GetLot", () => ({ gtin: GTIN, lot: "L1", manufacturer: "ManufacturerMSP" }));
    const answer = await t.service.recallLot(QUALITY, GTIN, "L1", "contamination");
    expect(answer.pending[0]?.lastError).to.match(/not yet on RegulatorMSP's peer of mfr-dist/);
    expect(t.ledger.submitted("crosschannel:SyncRecall")).to.deep.equal([]);
  });

  it("resumes a pending copy after a restart, from the outbox file", async () => {
    const file = path.join(tempDir("rxtrace-outbox-"), "outbox.db");
    const before = setUp(file);
    await before.service.recallLot(QUALITY, GTIN, "L1", "contamination");
    before.outbox.close();

    const after = setUp(file);
    after.heal();
    after.clock.now = 100;
    await after.relay.runDue();
    expect(after.ledger.submitted("crosschannel:SyncRecall")).to.have.length(1);
    expect(after.outbox.pending()).to.deep.equal([]);
  });

  it("names dist-pharm as pending for a withdrawal whose SyncWithdrawal fails, until it commits", async () => {
    const clock = { now: 0 };
    const outbox = new SqliteOutbox(":memory:");
    const relay = relayOver(outbox, clock);
    const ledger = new FakeLedger()
      .on("products:WithdrawProduct", () => ({ withdrawal: {} }))
      .on("products:GetProduct", (call, as) => ({ gtin: GTIN, manufacturer: "ManufacturerMSP", ...(as.mspId === "RegulatorMSP" && call.channel === "mfr-dist" ? { withdrawal: {} } : {}) }))
      .on("crosschannel:SyncWithdrawal", crossChannelFailure);
    const service = new MasterDataService(ledger, new KeyLanes(), { outbox: relay, propagationTimeoutMs: 0 });

    const answer = await service.withdrawProduct(QUALITY, GTIN, "stability");
    expect(answer.pending.map((p) => [p.channel, p.transaction])).to.deep.equal([["dist-pharm", "crosschannel:SyncWithdrawal"]]);

    ledger.on("crosschannel:SyncWithdrawal", () => ({ withdrawal: {} }));
    clock.now = 100;
    await relay.runDue();
    expect(outbox.pending(RELAY_KINDS.withdrawal)).to.deep.equal([]);
  });

  it("makes the still-pending alert an event on dist-pharm about the lot", () => {
    const outbox = new SqliteOutbox(":memory:");
    const item = outbox.add(RELAY_KINDS.recall, "dist-pharm/lot/x", JSON.stringify({ gtin: GTIN, lot: "L1" }), 0);
    const alert = relayPendingAlert(item, 300_000);
    expect(alert?.event).to.include({ channel: "dist-pharm", eventName: RELAY_PENDING_EVENT });
    expect(alert?.subjects).to.deep.equal([{ gtin: GTIN, lot: "L1" }]);
    expect(relayPendingAlert(outbox.add("webhook", "w", "{}", 0), 300_000)).to.equal(undefined);
  });

  it("publishes the alert of a copy pending past the stated time to SSE and webhooks, once, as an indexed event", async () => {
    const t = setUp();
    const index = openSqliteEventIndex(":memory:");
    const hub = new EventHub();
    const published: IndexedEvent[] = [];
    hub.subscribe((e) => published.push(e));
    const alerting = new OutboxRelay(t.outbox, { initialDelayMs: 100, maxDelayMs: 1_000, pollMs: 10, alertAfterMs: 5_000, now: () => t.clock.now, onAlert: relayAlertPublisher(index, hub, () => t.clock.now) });
    await t.service.recallLot(QUALITY, GTIN, "L1", "contamination");

    t.clock.now = 5_000;
    await alerting.runDue();
    t.clock.now = 9_000;
    await alerting.runDue();

    expect(published.map((e) => [e.channel, e.eventName])).to.deep.equal([["dist-pharm", RELAY_PENDING_EVENT]]);
    expect(published[0]?.payload).to.include({ transaction: "crosschannel:SyncRecall", gtin: GTIN, lot: "L1" });
    expect(index.search({ eventType: RELAY_PENDING_EVENT, gtin: GTIN, limit: 5 })).to.have.length(1);
    index.close();
  });
});
