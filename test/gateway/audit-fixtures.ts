/** A pack's journey across both channels, as indexed events and key histories, for the audit and EPCIS tests. */
import { decodeEvent } from "../../gateway/src/events/listener.js";
import { subjectsOf } from "../../gateway/src/events/subjects.js";
import { GatewayError } from "../../gateway/src/errors.js";
import type { EventIndex, EventSubject } from "../../gateway/src/ports/event-index.js";
import { rawEvent } from "./events-fakes.js";
import { FakeLedger } from "./support/fake-ledger.js";

export const GTIN = "09521234543213";
export const PACK = { gtin: GTIN, serial: "SN1" };

/** One pack's journey: commissioned, shipped with a cold-chain log, handed off, imported, shipped, dispensed; then its lot recalled. */
export function journey(index: EventIndex): void {
  const at = (h: string) => `2026-03-01T${h}Z`;
  const add = (channel: string, block: number, tx: string, name: string, payload: Record<string, unknown>, extra: EventSubject[] = []) => {
    const event = decodeEvent(rawEvent(channel, block, tx, name, payload));
    index.record([{ event, subjects: [...subjectsOf(event), ...extra] }]);
  };
  add("mfr-dist", 3, "t1", "LotCommissioned", { at: at("10:00:00"), by: "ManufacturerMSP", gtin: GTIN, lot: "LOT1", expiry: "270331", count: 2 });
  add("mfr-dist", 4, "t2", "ShipmentShipped", { at: at("11:00:00"), by: "ManufacturerMSP", shipmentId: "S1", shipper: "ManufacturerMSP", consignee: "DistributorMSP", count: 2 }, [
    { ...PACK, shipmentId: "S1" },
    { gtin: GTIN, serial: "SN2", shipmentId: "S1" },
  ]);
  add("mfr-dist", 5, "t3", "ColdChainReadingsRecorded", {
    at: at("12:00:00"),
    by: "DistributorMSP",
    shipmentId: "S1",
    count: 12,
    minCentiCelsius: 310,
    maxCentiCelsius: 790,
    minutesOutOfRange: 0,
    mktCentiCelsius: 512,
    holdSet: false,
  });
  add("mfr-dist", 6, "t4", "ShipmentReceived", { at: at("13:00:00"), by: "DistributorMSP", shipmentId: "S1", count: 2, notReceived: [] });
  add("mfr-dist", 7, "t5", "PacksHandedOff", { at: at("14:00:00"), by: "DistributorMSP", toChannel: "dist-pharm", count: 2, holder: "DistributorMSP" });
  add("dist-pharm", 2, "t6", "PacksImported", { at: at("14:00:05"), by: "DistributorMSP", fromChannel: "mfr-dist", count: 2, holder: "DistributorMSP" });
  add("dist-pharm", 3, "t7", "ShipmentShipped", { at: at("15:00:00"), by: "DistributorMSP", shipmentId: "S2", shipper: "DistributorMSP", consignee: "PharmacyMSP", count: 1 }, [
    { ...PACK, shipmentId: "S2" },
  ]);
  add("dist-pharm", 5, "t9", "PackDispensed", { at: at("17:00:00"), by: "PharmacyMSP", ...PACK });
  add("mfr-dist", 8, "t10", "LotRecalled", { at: at("18:00:00"), by: "RegulatorMSP", gtin: GTIN, lot: "LOT1", reason: "contamination" });
  add("mfr-dist", 9, "t11", "LotCommissioned", { at: at("19:00:00"), by: "ManufacturerMSP", gtin: GTIN, lot: "LOT9", expiry: "270331", count: 1 });
}

export function journeyLedger(): FakeLedger {
  const pack = (status: string, extra: Record<string, unknown> = {}) => ({ ...PACK, lot: "LOT1", status, ...extra });
  const histories: Record<string, unknown[]> = {
    "mfr-dist": [
      { txId: "t1", at: "2026-03-01T10:00:00Z", by: "ManufacturerMSP", pack: pack("COMMISSIONED") },
      { txId: "t2", at: "2026-03-01T11:00:00Z", by: "ManufacturerMSP", pack: pack("IN_TRANSIT", { shipmentId: "S1" }) },
      { txId: "t4", at: "2026-03-01T13:00:00Z", by: "DistributorMSP", pack: pack("RECEIVED") },
      { txId: "t5", at: "2026-03-01T14:00:00Z", by: "DistributorMSP", pack: pack("HANDED_OFF") },
    ],
    "dist-pharm": [
      { txId: "t6", at: "2026-03-01T14:00:05Z", by: "DistributorMSP", pack: pack("RECEIVED") },
      { txId: "t7", at: "2026-03-01T15:00:00Z", by: "DistributorMSP", pack: pack("IN_TRANSIT", { shipmentId: "S2" }) },
      // Not yet seen by the listener: the timeline still shows it, without block and event.
      { txId: "t8", at: "2026-03-01T16:00:00Z", by: "PharmacyMSP", pack: pack("RECEIVED") },
      { txId: "t9", at: "2026-03-01T17:00:00Z", by: "PharmacyMSP", pack: pack("DISPENSED") },
    ],
  };
  return new FakeLedger()
    .on("packs:GetPackHistory", (call) => {
      if (call.args?.[0] !== GTIN || call.args[1] !== "SN1") throw new GatewayError("NOT_FOUND", "no such pack");
      return histories[call.channel];
    })
    .on("packs:ListPacksByLot", (call) => (call.args?.[1] === "LOT1" ? [{ ...PACK, lot: "LOT1" }, { gtin: GTIN, serial: "SN2", lot: "LOT1" }] : []));
}
