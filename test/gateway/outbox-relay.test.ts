/**
 * The durable outbox and its worker; the recall relay onto dist-pharm built
 * on them, with a fake ledger whose SyncRecall fails the way the real one does.
 */
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { expect } from "chai";
import { SqliteOutbox } from "../../gateway/src/adapters/outbox-sqlite.js";
import { openSqliteEventIndex } from "../../gateway/src/adapters/sqlite-event-index.js";
import { EventHub } from "../../gateway/src/events/hub.js";
import { relayAlertPublisher } from "../../gateway/src/events/relay-alerts.js";
import type { IndexedEvent } from "../../gateway/src/ports/event-index.js";
import type { Principal } from "../../gateway/src/auth/principal.js";
import { GatewayError } from "../../gateway/src/errors.js";
import { KeyLanes } from "../../gateway/src/services/key-lanes.js";
import { HOLD_DECISION_KIND, MasterDataService, RELAY_KINDS, RELAY_PENDING_EVENT, relayPendingAlert } from "../../gateway/src/services/master-data.js";
import { createMetricsRegistry } from "../../gateway/src/services/metrics.js";
import { OutboxRelay, type HandlerOutcome } from "../../gateway/src/services/outbox-relay.js";
import { FakeLedger } from "./support/fake-ledger.js";
import { outboxContract } from "./support/store-contracts.js";
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
  it("keeps waiting items across a reopen of its file", async () => {
    const file = path.join(tempDir("rxtrace-outbox-"), "outbox.db");
    const first = new SqliteOutbox(file);
    await first.add("recall-sync", "dist-pharm/lot/G/L1", '{"gtin":"G"}', 1_000);
    await first.close();

    const reopened = new SqliteOutbox(file);
    expect((await reopened.pending()).map((i) => [i.kind, i.key, i.payload, i.createdAt])).to.deep.equal([["recall-sync", "dist-pharm/lot/G/L1", '{"gtin":"G"}', 1_000]]);
    await reopened.close();
  });

  it("opens an outbox file from before leases, its waiting items free to take", async () => {
    const file = path.join(tempDir("rxtrace-outbox-"), "outbox.db");
    const old = new DatabaseSync(file);
    old.exec(`CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, key TEXT NOT NULL, payload TEXT NOT NULL,
      created_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL, last_error TEXT, alerted_at INTEGER,
      UNIQUE (kind, key)) STRICT`);
    old.exec("INSERT INTO outbox (kind, key, payload, created_at, next_attempt_at) VALUES ('recall-sync', 'L1', '{}', 1, 1)");
    old.close();
    const outbox = new SqliteOutbox(file);
    expect((await outbox.take(["recall-sync"], 10, 5, 100)).map((i) => i.key)).to.deep.equal(["L1"]);
    await outbox.close();
  });

  outboxContract(() => Promise.resolve(new SqliteOutbox(":memory:")));
});

describe("OutboxRelay", () => {
  it("answers retry instead of failing when the outbox does not answer, and keeps the outcome when only its bookkeeping fails", async () => {
    const clock = { now: 0 };
    const outbox = new SqliteOutbox(":memory:");
    const errors: unknown[] = [];
    const relay = new OutboxRelay(outbox, { initialDelayMs: 100, maxDelayMs: 1_000, pollMs: 10, alertAfterMs: 5_000, now: () => clock.now, onError: (_i, e) => errors.push(e) });
    let runs = 0;
    relay.handle("k", () => {
      runs += 1;
      return Promise.resolve({ outcome: "done" });
    });
    const item = await relay.enqueue("k", "a", {});
    const takeOne = outbox.takeOne.bind(outbox);
    outbox.takeOne = () => Promise.reject(new Error("connection refused"));
    expect(await relay.attempt(item)).to.deep.include({ outcome: "retry", reason: "outbox unavailable: connection refused" });
    expect(runs).to.equal(0);
    outbox.takeOne = takeOne;
    outbox.remove = () => Promise.reject(new Error("connection reset"));
    expect(await relay.attempt(item)).to.deep.equal({ outcome: "done" });
    expect(runs).to.equal(1);
    expect(String(errors[0])).to.match(/connection reset/);
  });

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
    await relay.enqueue("k", "a", {});

    await relay.runDue();
    expect((await outbox.pending())[0]).to.include({ attempts: 1, nextAttemptAt: 100, lastError: "peer down" });
    clock.now = 99;
    await relay.runDue();
    expect(calls).to.equal(1);
    clock.now = 100;
    await relay.runDue();
    expect((await outbox.pending())[0]).to.include({ attempts: 2, nextAttemptAt: 300 });
    clock.now = 300;
    await relay.runDue();
    expect(calls).to.equal(3);
    expect(await outbox.pending()).to.deep.equal([]);
  });

  it("raises one alert for an item still waiting after the stated time", async () => {
    const clock = { now: 0 };
    const alerts: string[] = [];
    const relay = relayOver(new SqliteOutbox(":memory:"), clock, alerts);
    relay.handle("k", async () => ({ outcome: "retry", reason: "no" }));
    await relay.enqueue("k", "late", {});

    clock.now = 4_999;
    await relay.runDue();
    expect(alerts).to.deep.equal([]);
    clock.now = 5_000;
    await relay.runDue();
    clock.now = 60_000;
    await relay.runDue();
    expect(alerts).to.deep.equal(["late"]);
  });

  it("shows the depth and the oldest item's age by kind in /metrics", async () => {
    const clock = { now: 10_000 };
    const relay = relayOver(new SqliteOutbox(":memory:"), clock);
    const registry = createMetricsRegistry();
    relay.installMetrics(registry);
    await relay.enqueue("recall-sync", "a", {});
    clock.now = 12_000;
    await relay.enqueue("recall-sync", "b", {});
    clock.now = 13_500;

    const text = await registry.metrics();
    expect(text).to.include('rxtrace_outbox_depth{kind="recall-sync"} 2');
    expect(text).to.include('rxtrace_outbox_oldest_age_seconds{kind="recall-sync"} 3.5');
  });

  it("leaves an item of a kind without handler untouched for the process that has one", async () => {
    const clock = { now: 0 };
    const outbox = new SqliteOutbox(":memory:");
    await relayOver(outbox, clock).enqueue("webhook", "x", {});
    await relayOver(outbox, clock).runDue();
    expect((await outbox.pending())[0]).to.include({ attempts: 0 });
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
    expect(await t.outbox.pending()).to.deep.equal([]);
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
    expect(await t.outbox.pending(RELAY_KINDS.recall)).to.have.length(1);

    t.syncElsewhere();
    t.clock.now = 1_000;
    await t.relay.runDue();
    expect(await t.outbox.pending(RELAY_KINDS.recall)).to.deep.equal([]);
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
    await before.outbox.close();

    const after = setUp(file);
    after.heal();
    after.clock.now = 100;
    await after.relay.runDue();
    expect(after.ledger.submitted("crosschannel:SyncRecall")).to.have.length(1);
    expect(await after.outbox.pending()).to.deep.equal([]);
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
    expect(await outbox.pending(RELAY_KINDS.withdrawal)).to.deep.equal([]);
  });

  it("makes the still-pending alert an event on dist-pharm about the lot", async () => {
    const outbox = new SqliteOutbox(":memory:");
    const item = await outbox.add(RELAY_KINDS.recall, "dist-pharm/lot/x", JSON.stringify({ gtin: GTIN, lot: "L1" }), 0);
    const alert = relayPendingAlert(item, 300_000);
    expect(alert?.event).to.include({ channel: "dist-pharm", eventName: RELAY_PENDING_EVENT });
    expect(alert?.subjects).to.deep.equal([{ gtin: GTIN, lot: "L1" }]);
    expect(relayPendingAlert(await outbox.add("webhook", "w", "{}", 0), 300_000)).to.equal(undefined);
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

describe("hold-decision relay onto dist-pharm", () => {
  const SHIPMENT = "DHP-1";
  const notFound = (what: string) => {
    throw new GatewayError("NOT_FOUND", `${what} not found`, { field: "shipmentId" });
  };

  /** A dist-pharm shipment of the manufacturer's packs on hold; SyncHoldDecision fails its cross-channel query until healed. */
  function setUp() {
    const clock = { now: 0 };
    const outbox = new SqliteOutbox(":memory:");
    const relay = relayOver(outbox, clock);
    const state = { recorded: false, mirrored: false, hold: "HELD" };
    const ledger = new FakeLedger()
      .on("shipments:GetShipment", () => ({ shipmentId: SHIPMENT, shipper: "DistributorMSP", consignee: "PharmacyMSP", status: "IN_TRANSIT", packs: [{ gtin: GTIN, serial: "S1" }] }))
      .on("products:GetProduct", () => ({ gtin: GTIN, manufacturer: "ManufacturerMSP" }))
      .on("coldchain:GetColdChain", () => ({ shipmentId: SHIPMENT, hold: { status: state.hold } }))
      .on("coldchain:DecideDownstreamHold", (call) => {
        state.recorded = true;
        return JSON.parse(call.args?.[0] ?? "{}") as unknown;
      })
      .on("coldchain:GetHoldDecision", (call) => ((call.channel === "mfr-dist" ? state.recorded : state.mirrored) ? { decision: "destroy" } : notFound("hold decision")))
      .on("crosschannel:SyncHoldDecision", () => {
        throw new GatewayError("CONFLICT", "cross-channel query to mfr-dist failed (500): peer unreachable", { field: "shipmentId" });
      })
      .on("coldchain:ApplyHoldDecision", () => {
        state.hold = "DESTROYED";
        return { hold: { status: "DESTROYED", by: "ManufacturerMSP" } };
      });
    const service = new MasterDataService(ledger, new KeyLanes(), { outbox: relay, propagationTimeoutMs: 0, pollIntervalMs: 1 });
    const healSync = () =>
      ledger.on("crosschannel:SyncHoldDecision", () => {
        state.mirrored = true;
        return { decision: "destroy", manufacturer: "ManufacturerMSP" };
      });
    return { clock, outbox, relay, ledger, service, state, healSync };
  }

  const decide = (service: MasterDataService) => service.decideDownstreamHold(QUALITY, SHIPMENT, "destroy", "excursion beyond stability data");

  it("names dist-pharm as pending while SyncHoldDecision fails, then mirrors and applies the decision once it heals", async () => {
    const t = setUp();
    const answer = await decide(t.service);

    expect(answer.commits.map((c) => c.channel)).to.deep.equal(["mfr-dist"]);
    const [decided] = t.ledger.submitted("coldchain:DecideDownstreamHold");
    expect([decided?.call.channel, decided?.as.mspId, JSON.parse(decided?.call.args?.[0] ?? "")]).to.deep.equal([
      "mfr-dist",
      "ManufacturerMSP",
      { shipmentId: SHIPMENT, decision: "destroy", reason: "excursion beyond stability data" },
    ]);
    expect(answer.pending.map((p) => [p.channel, p.transaction, p.attempts])).to.deep.equal([["dist-pharm", "crosschannel:SyncHoldDecision", 1]]);
    expect(answer.pending[0]?.lastError).to.match(/cross-channel query/);
    expect(t.ledger.submitted("coldchain:ApplyHoldDecision")).to.deep.equal([]);

    t.healSync();
    t.clock.now = 100;
    await t.relay.runDue();
    expect(await t.outbox.pending(HOLD_DECISION_KIND)).to.deep.equal([]);
    expect(t.state.hold).to.equal("DESTROYED");
    const relayed = t.ledger.submitted().filter((s) => s.call.channel === "dist-pharm");
    expect(relayed.map((s) => [s.call.transaction, s.as.mspId, s.call.endorsingOrganizations])).to.deep.equal([
      ["crosschannel:SyncHoldDecision", "RegulatorMSP", ["RegulatorMSP", "DistributorMSP"]],
      ["crosschannel:SyncHoldDecision", "RegulatorMSP", ["RegulatorMSP", "DistributorMSP"]],
      ["coldchain:ApplyHoldDecision", "RegulatorMSP", ["DistributorMSP", "PharmacyMSP"]],
    ]);
  });

  it("answers the mirror and the apply as commits, nothing pending, when both commit at once", async () => {
    const t = setUp();
    t.healSync();
    const answer = await decide(t.service);
    expect(answer.pending).to.deep.equal([]);
    expect(answer.commits.map((c) => c.channel)).to.deep.equal(["mfr-dist", "dist-pharm", "dist-pharm"]);
    expect(await t.outbox.pending()).to.deep.equal([]);
  });

  it("treats a CONFLICT from SyncHoldDecision as synced when dist-pharm already has the decision, and goes on to apply it", async () => {
    const t = setUp();
    t.ledger.on("crosschannel:SyncHoldDecision", () => {
      // Another attempt mirrored it between the relay's check and its submit.
      t.state.mirrored = true;
      throw new GatewayError("CONFLICT", "the decision of ManufacturerMSP on shipment DHP-1 is already on dist-pharm", { field: "shipmentId" });
    });
    const answer = await decide(t.service);
    expect(answer.pending).to.deep.equal([]);
    expect(t.ledger.submitted("coldchain:ApplyHoldDecision")).to.have.length(1);
    expect(t.state.hold).to.equal("DESTROYED");
  });

  it("keeps ApplyHoldDecision pending when its endorsement fails, and retries it without mirroring again", async () => {
    const t = setUp();
    t.healSync();
    t.ledger.on("coldchain:ApplyHoldDecision", () => {
      throw new GatewayError("ENDORSEMENT_FAILED", "PharmacyMSP peer unreachable");
    });
    const answer = await decide(t.service);
    expect(answer.pending.map((p) => [p.channel, p.transaction])).to.deep.equal([["dist-pharm", "coldchain:ApplyHoldDecision"]]);

    t.ledger.on("coldchain:ApplyHoldDecision", () => {
      t.state.hold = "DESTROYED";
      return { hold: { status: "DESTROYED" } };
    });
    t.clock.now = 100;
    await t.relay.runDue();
    expect(await t.outbox.pending()).to.deep.equal([]);
    expect(t.ledger.submitted("crosschannel:SyncHoldDecision")).to.have.length(1);
    expect(t.ledger.submitted("coldchain:ApplyHoldDecision")).to.have.length(2);
  });

  it("counts a hold no longer HELD on dist-pharm as done (applied already, or decided there by the regulator)", async () => {
    const t = setUp();
    t.healSync();
    t.ledger.on("coldchain:ApplyHoldDecision", () => {
      t.state.hold = "RELEASED";
      throw new GatewayError("CONFLICT", `shipment ${SHIPMENT} is not on cold-chain hold`, { field: "shipmentId" });
    });
    const answer = await decide(t.service);
    expect(answer.pending).to.deep.equal([]);
    expect(await t.outbox.pending()).to.deep.equal([]);
  });

  it("gives up a decision older than the hold, which can never apply", async () => {
    const t = setUp();
    t.healSync();
    t.ledger.on("coldchain:ApplyHoldDecision", () => {
      throw new GatewayError("CONFLICT", "the decision of ManufacturerMSP (2026-01-01) predates the hold (2026-01-02)", { field: "shipmentId" });
    });
    const answer = await decide(t.service);
    expect(answer.pending[0]?.lastError).to.match(/predates the hold/);
    expect(await t.outbox.pending()).to.deep.equal([]);
  });

  it("keeps the relay waiting while its peer of mfr-dist does not yet show the decision", async () => {
    const t = setUp();
    t.healSync();
    t.ledger.on("coldchain:GetHoldDecision", () => notFound("hold decision"));
    const answer = await decide(t.service);
    expect(answer.pending[0]?.lastError).to.match(/not yet on RegulatorMSP's peer of mfr-dist/);
    expect(t.ledger.submitted("crosschannel:SyncHoldDecision")).to.deep.equal([]);
  });

  it("refuses, recording nothing, a shipment not on hold, one dist-pharm does not have, or one of another manufacturer's GTINs", async () => {
    const held = setUp();
    held.state.hold = "RELEASED";
    await expectRejected(decide(held.service), "CONFLICT", /not on cold-chain hold on dist-pharm/);

    const missing = setUp();
    missing.ledger.on("shipments:GetShipment", () => notFound(`shipment ${SHIPMENT}`));
    await expectRejected(decide(missing.service), "NOT_FOUND", /shipment DHP-1/);

    const foreign = setUp();
    foreign.ledger.on("products:GetProduct", () => ({ gtin: GTIN, manufacturer: "OtherMSP" }));
    await expectRejected(decide(foreign.service), "FORBIDDEN", /belongs to OtherMSP/);

    for (const t of [held, missing, foreign]) {
      expect(t.ledger.submitted()).to.deep.equal([]);
      expect(await t.outbox.pending()).to.deep.equal([]);
    }
  });

  it("makes the still-pending alert an event on dist-pharm about the shipment", async () => {
    const outbox = new SqliteOutbox(":memory:");
    const item = await outbox.add(HOLD_DECISION_KIND, "dist-pharm/holddecision/DHP-1/ManufacturerMSP", JSON.stringify({ shipmentId: SHIPMENT, manufacturer: "ManufacturerMSP", decision: "destroy" }), 0);
    const alert = relayPendingAlert(item, 300_000);
    expect(alert?.event).to.include({ channel: "dist-pharm", eventName: RELAY_PENDING_EVENT });
    expect(alert?.event.payload).to.include({ transaction: "crosschannel:SyncHoldDecision", shipmentId: SHIPMENT, decision: "destroy" });
    expect(alert?.subjects).to.deep.equal([{ shipmentId: SHIPMENT }]);
  });
});

async function expectRejected(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).to.be.instanceOf(GatewayError);
  expect((error as GatewayError).code).to.equal(code);
  expect((error as GatewayError).message).to.match(message);
}
