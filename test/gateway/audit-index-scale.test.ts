import { expect } from "chai";
import { openSqliteEventIndex } from "../../gateway/src/adapters/sqlite-event-index.js";
import type { EventIndex, EventSubject, LedgerEvent } from "../../gateway/src/ports/event-index.js";

const EVENTS = 20_000;

/** 20,000 events over 100 GTINs, 1,000 lots and 10,000 packs, one per second from 2026-01-01. */
function fill(index: EventIndex): void {
  const batch: { event: LedgerEvent; subjects: EventSubject[] }[] = [];
  const start = Date.parse("2026-01-01T00:00:00Z");
  for (let i = 0; i < EVENTS; i += 1) {
    const gtin = `0${String(1_000_000_000_000 + (i % 100)).padStart(13, "0")}`.slice(-14);
    const lot = `LOT${i % 1000}`;
    const serial = `SN${i % 10_000}`;
    batch.push({
      event: {
        channel: i % 2 === 0 ? "mfr-dist" : "dist-pharm",
        blockNumber: i,
        txId: `tx${i}`,
        eventName: ["LotCommissioned", "ShipmentShipped", "ShipmentReceived", "PackDispensed"][i % 4] ?? "Other",
        timestamp: new Date(start + i * 1000).toISOString(),
        mspId: ["ManufacturerMSP", "DistributorMSP", "PharmacyMSP"][i % 3] ?? "RegulatorMSP",
        payload: { gtin, lot, serial },
      },
      subjects: [{ gtin, lot, serial }],
    });
  }
  index.record(batch);
}

function timed<T>(fn: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = fn();
  return { value, ms: performance.now() - started };
}

describe("audit index at scale", function () {
  this.timeout(60_000);
  let index: EventIndex;

  before(() => {
    index = openSqliteEventIndex(":memory:");
    const { ms } = timed(() => fill(index));
    console.log(`      recorded ${EVENTS} events in ${ms.toFixed(0)} ms`);
  });
  after(() => index.close());

  it("finds one pack's events among 20,000 in milliseconds", () => {
    const gtin = "01000000000007";
    const { value, ms } = timed(() => index.search({ gtin, serial: "SN7", limit: 1000 }));

    console.log(`      pack search: ${value.length} events in ${ms.toFixed(1)} ms`);
    expect(value.length).to.equal(2);
    expect(value.every((e) => e.subjects.some((s) => s.serial === "SN7"))).to.be.true;
    expect(ms).to.be.lessThan(500);
  });

  it("searches by org, event type and a time range in milliseconds", () => {
    const { value, ms } = timed(() =>
      index.search({ org: "PharmacyMSP", eventType: "PackDispensed", from: "2026-01-01T01:00:00.000Z", to: "2026-01-01T02:00:00.000Z", limit: 1000 }),
    );

    console.log(`      org+type+range search: ${value.length} events in ${ms.toFixed(1)} ms`);
    // One hour = 3,600 events; every 4th is a dispense and every 3rd a pharmacy one: 1 in 12.
    expect(value.length).to.equal(300);
    expect(ms).to.be.lessThan(500);
  });
});
