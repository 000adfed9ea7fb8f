/**
 * The regulator's audit view on the real network: a lot's journey from
 * mfr-dist to dist-pharm, indexed by the real listener, merged into one
 * timeline, searched, and exported as EPCIS 2.0.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { newFabricEventSource } from "../../../gateway/src/adapters/fabric-events.js";
import type { FabricLedgerClient } from "../../../gateway/src/adapters/fabric.js";
import { openSqliteEventIndex } from "../../../gateway/src/adapters/sqlite-event-index.js";
import { EventHub } from "../../../gateway/src/events/hub.js";
import { EventListener } from "../../../gateway/src/events/listener.js";
import type { EventIndex } from "../../../gateway/src/ports/event-index.js";
import type { ChannelName } from "../../../gateway/src/ports/ledger.js";
import { AuditService, shipmentEnricher } from "../../../gateway/src/services/audit.js";
import { epcisDocument, packUri } from "../../../gateway/src/services/epcis.js";
import { eventually, fabricLedger, pharmacy, regulator, runJourney, type Journey } from "./support.js";

const channelsOf = (msp: string): readonly ChannelName[] =>
  msp === "PharmacyMSP" ? ["dist-pharm"] : msp === "ManufacturerMSP" ? ["mfr-dist"] : ["mfr-dist", "dist-pharm"];

describe("audit on the real network", function () {
  this.timeout(300_000);
  let ledger: FabricLedgerClient;
  let dir: string;
  let index: EventIndex;
  let listener: EventListener;
  let audit: AuditService;
  let journey: Journey;

  before(async () => {
    ledger = fabricLedger();
    dir = mkdtempSync(path.join(tmpdir(), "rxtrace-it-audit-"));
    index = openSqliteEventIndex(path.join(dir, "index.sqlite"));
    listener = new EventListener(newFabricEventSource((c) => ledger.observerNetwork(c), "rxtrace"), index, new EventHub(), {
      channels: ["mfr-dist", "dist-pharm"],
      checkpointDir: dir,
      retryInitialMs: 200,
      retryMaxMs: 2_000,
      enrich: shipmentEnricher(ledger, regulator),
    });
    listener.start();
    journey = await runJourney(ledger, "audit");
    await eventually(() => journey.steps.every((s) => index.search({ channel: s.channel, txId: s.txId, limit: 1 }).length === 1), 120_000, "journey indexed");
    audit = new AuditService(ledger, index, { channelsOf, maxEvents: 10_000 });
  });

  after(async () => {
    // Parts the before hook did not reach are undefined.
    await listener?.stop();
    index?.close();
    ledger?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("merges a pack's history on both channels into one timeline with tx id, block, time, org and event", async () => {
    const timeline = await audit.packTimeline(regulator, journey.gtin, journey.serials[0] ?? "");

    const expected = journey.steps.map((s) => s.txId);
    expect(timeline.map((e) => e.txId)).to.deep.equal(expected);
    for (const [i, entry] of timeline.entries()) {
      const step = journey.steps[i];
      expect(entry.channel).to.equal(step?.channel);
      expect(String(entry.blockNumber)).to.equal(step?.blockNumber);
      expect(entry.event).to.be.a("string");
    }
    expect(timeline.map((e) => e.event)).to.deep.equal([
      "ProductRegistered",
      "LotCommissioned",
      "ShipmentShipped",
      "ColdChainReadingsRecorded",
      "ShipmentReceived",
      "PacksHandedOff",
      "PacksImported",
      "ShipmentShipped",
      "ShipmentReceived",
      "PackDispensed",
    ]);
    expect(timeline.map((e) => e.org)).to.deep.equal([
      "ManufacturerMSP",
      "ManufacturerMSP",
      "ManufacturerMSP",
      "DistributorMSP",
      "DistributorMSP",
      "DistributorMSP",
      "DistributorMSP",
      "DistributorMSP",
      "PharmacyMSP",
      "PharmacyMSP",
    ]);
    expect([...timeline.map((e) => e.timestamp)].sort()).to.deep.equal(timeline.map((e) => e.timestamp));
  });

  it("shows the pharmacy only the dist-pharm part of the history", async () => {
    const timeline = await audit.packTimeline(pharmacy, journey.gtin, journey.serials[0] ?? "");

    expect(timeline.map((e) => e.channel)).to.deep.equal(["dist-pharm", "dist-pharm", "dist-pharm", "dist-pharm"]);
  });

  it("gathers a lot's events across both channels", async () => {
    const timeline = await audit.lotTimeline(regulator, journey.gtin, journey.lot);

    const txIds = timeline.map((e) => e.txId);
    for (const name of ["register", "commission", "ship", "readings", "receive", "dispense"]) {
      for (const step of journey.steps.filter((s) => s.name === name)) expect(txIds, name).to.include(step.txId);
    }
  });

  it("searches the index by GTIN, org, event type and time range", () => {
    const first = journey.steps[0];
    const from = index.search({ txId: first?.txId ?? "", limit: 1 })[0]?.timestamp ?? "";

    const shipped = audit.search(regulator, { gtin: journey.gtin, eventType: "ShipmentShipped", limit: 100 });
    const byPharmacy = audit.search(regulator, { gtin: journey.gtin, org: "PharmacyMSP", from, limit: 100 });

    expect(shipped.map((e) => e.channel).sort()).to.deep.equal(["dist-pharm", "mfr-dist"]);
    expect(byPharmacy.map((e) => e.eventName)).to.deep.equal(["ShipmentReceived", "PackDispensed"]);
    expect(audit.search(regulator, { gtin: journey.gtin, to: from, limit: 100 })).to.have.length(0);
  });

  it("exports the pack's events as EPCIS 2.0 with the cold-chain readings as a sensorElementList", async () => {
    const serial = journey.serials[0] ?? "";
    const timeline = await audit.packTimeline(regulator, journey.gtin, serial);

    const doc = epcisDocument(timeline, { type: "pack", gtin: journey.gtin, serial }, new Date()) as { epcisBody: { eventList: Record<string, unknown>[] } };

    const events = doc.epcisBody.eventList;
    expect(events).to.have.length(9);
    // ProductRegistered is master data, not an EPCIS event.
    expect(events[0]).to.include({ bizStep: "commissioning", action: "ADD" });
    expect(events[0]?.epcList).to.deep.equal([packUri(journey.gtin, serial)]);
    const coldChain = events.find((e) => e.bizStep === "sensor_reporting");
    const reports = (coldChain?.sensorElementList as { sensorReport: Record<string, unknown>[] }[])[0]?.sensorReport;
    expect(reports).to.deep.include({ type: "gs1:Temperature", minValue: 4, maxValue: 5.5, uom: "CEL" });
    expect(events.at(-1)).to.include({ bizStep: "dispensing", disposition: "dispensed" });
  });
});
