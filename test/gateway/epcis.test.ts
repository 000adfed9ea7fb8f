import { expect } from "chai";
import { openSqliteEventIndex } from "../../gateway/src/adapters/sqlite-event-index.js";
import type { ChannelName } from "../../gateway/src/ports/ledger.js";
import { AuditService } from "../../gateway/src/services/audit.js";
import { EPCIS_CONTEXT, epcisDocument, lotClassUri, packUri } from "../../gateway/src/services/epcis.js";
import { regulator } from "./documents-fakes.js";
import { GTIN, journey, journeyLedger } from "./audit-fixtures.js";

const channelsOf = (): readonly ChannelName[] => ["mfr-dist", "dist-pharm"];

async function packDocument() {
  const index = openSqliteEventIndex(":memory:");
  journey(index);
  const timeline = await new AuditService(journeyLedger(), index, { channelsOf, maxEvents: 1000 }).packTimeline(regulator, GTIN, "SN1");
  index.close();
  return epcisDocument(timeline, { type: "pack", gtin: GTIN, serial: "SN1" }, new Date("2026-04-01T00:00:00Z")) as {
    "@context": unknown[];
    epcisBody: { eventList: Record<string, unknown>[] };
  };
}

describe("EPCIS 2.0 export", () => {
  it("is an EPCISDocument with the EPCIS 2.0 context and one ObjectEvent per known event", async () => {
    const doc = await packDocument();

    expect(doc["@context"][0]).to.equal(EPCIS_CONTEXT);
    expect(doc).to.include({ type: "EPCISDocument", schemaVersion: "2.0" });
    // t8 is not indexed yet, so it has no event to export.
    expect(doc.epcisBody.eventList).to.have.length(9);
    expect(doc.epcisBody.eventList.every((e) => e.type === "ObjectEvent")).to.be.true;
  });

  it("maps commissioning, shipping, dispensing and recall to CBV business steps and dispositions", async () => {
    const events = (await packDocument()).epcisBody.eventList;
    const byTx = (tx: string) => events.find((e) => e["rxtrace:txId"] === tx);

    expect(byTx("t1")).to.include({ action: "ADD", bizStep: "commissioning", disposition: "active" });
    expect(byTx("t2")).to.include({ bizStep: "shipping", disposition: "in_transit" });
    expect(byTx("t9")).to.include({ action: "DELETE", bizStep: "dispensing", disposition: "dispensed" });
    expect(byTx("t10")).to.include({ disposition: "recalled" });
  });

  it("names the pack by its GS1 Digital Link URI and the submitting org as owning party", async () => {
    const events = (await packDocument()).epcisBody.eventList;
    const shipped = events.find((e) => e["rxtrace:txId"] === "t2");

    expect(shipped?.epcList).to.deep.equal([packUri(GTIN, "SN1")]);
    expect(shipped?.sourceList).to.deep.equal([{ type: "owning_party", source: "urn:rxtrace:org:ManufacturerMSP" }]);
    expect(shipped?.destinationList).to.deep.equal([{ type: "owning_party", destination: "urn:rxtrace:org:DistributorMSP" }]);
    expect(shipped?.bizTransactionList).to.deep.equal([{ type: "desadv", bizTransaction: "urn:rxtrace:shipment:S1" }]);
  });

  it("reports cold-chain readings as a sensorElementList in degrees Celsius", async () => {
    const events = (await packDocument()).epcisBody.eventList;
    const coldChain = events.find((e) => e["rxtrace:txId"] === "t3");

    expect(coldChain).to.include({ bizStep: "sensor_reporting" });
    const [element] = coldChain?.sensorElementList as { sensorReport: Record<string, unknown>[] }[];
    expect(element?.sensorReport).to.deep.include({ type: "gs1:Temperature", minValue: 3.1, maxValue: 7.9, uom: "CEL" });
    expect(element?.sensorReport).to.deep.include({ type: "gs1:Temperature", value: 5.12, uom: "CEL", "rxtrace:statistic": "meanKineticTemperature" });
  });

  it("keeps the Fabric coordinates of each event under the rxtrace namespace", async () => {
    const events = (await packDocument()).epcisBody.eventList;

    expect(events[0]).to.include({ "rxtrace:channel": "mfr-dist", "rxtrace:blockNumber": 3, "rxtrace:event": "LotCommissioned" });
  });

  it("gives the same transaction the same event id on every export", async () => {
    const [a, b] = [await packDocument(), await packDocument()];

    expect(a.epcisBody.eventList.map((e) => e.eventID)).to.deep.equal(b.epcisBody.eventList.map((e) => e.eventID));
  });

  it("names a lot-level event of a lot export by the lot's class URI", () => {
    const doc = epcisDocument(
      [{ channel: "mfr-dist", txId: "t1", blockNumber: 3, timestamp: "2026-03-01T10:00:00.000Z", org: "ManufacturerMSP", event: "LotRecalled", subjects: [{ gtin: GTIN, lot: "LOT/1" }], payload: {} }],
      { type: "lot", gtin: GTIN, lot: "LOT/1" },
      new Date(),
    ) as { epcisBody: { eventList: Record<string, unknown>[] } };

    expect(doc.epcisBody.eventList[0]?.quantityList).to.deep.equal([{ epcClass: lotClassUri(GTIN, "LOT/1") }]);
    expect(lotClassUri(GTIN, "LOT/1")).to.equal(`https://id.gs1.org/01/${GTIN}/10/LOT%2F1`);
  });

  it("exports each EU decommission reason with its CBV disposition and the reason itself", () => {
    const decommissioned = (txId: string, reason: string) => ({
      channel: "mfr-dist" as const,
      txId,
      blockNumber: 4,
      timestamp: "2026-03-02T10:00:00.000Z",
      org: "ManufacturerMSP",
      event: "PackDecommissioned",
      subjects: [{ gtin: GTIN, serial: "SN1" }],
      payload: { gtin: GTIN, serial: "SN1", reason },
    });
    const doc = epcisDocument([decommissioned("t1", "FREE_SAMPLE"), decommissioned("t2", "CHECKED_OUT"), decommissioned("t3", "STOLEN")], { type: "pack", gtin: GTIN, serial: "SN1" }, new Date()) as {
      epcisBody: { eventList: Record<string, unknown>[] };
    };

    expect(doc.epcisBody.eventList.map((e) => [e.action, e.disposition, e["rxtrace:reason"]])).to.deep.equal([
      ["DELETE", "inactive", "FREE_SAMPLE"],
      ["DELETE", "inactive", "CHECKED_OUT"],
      ["DELETE", "stolen", "STOLEN"],
    ]);
  });
});
