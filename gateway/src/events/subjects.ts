/**
 * Finds what a chaincode event is about by walking its JSON payload: every
 * object carrying a `gtin` names a pack (with `serial`) or a lot (with `lot`);
 * objects nested under one with a `lot` or `gtin` inherit them (a shipment
 * listing its packs). A `shipmentId` anywhere names the shipment.
 */
import type { EventSubject } from "../ports/event-index.js";

interface Inherited {
  gtin?: string;
  lot?: string;
  shipmentId?: string;
}

const MAX_DEPTH = 8;

export function subjectsOf(payload: unknown): EventSubject[] {
  const found = new Map<string, EventSubject>();
  walk(payload, {}, 0, found);
  return [...found.values()];
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

function walk(node: unknown, inherited: Inherited, depth: number, found: Map<string, EventSubject>): void {
  if (depth > MAX_DEPTH || node === null || typeof node !== "object") return;
  if (Array.isArray(node)) {
    for (const item of node) walk(item, inherited, depth + 1, found);
    return;
  }
  const record = node as Record<string, unknown>;
  const here: Inherited = {
    gtin: text(record.gtin) ?? inherited.gtin,
    lot: text(record.lot) ?? text(record.lotNumber) ?? inherited.lot,
    shipmentId: text(record.shipmentId) ?? inherited.shipmentId,
  };
  const serial = text(record.serial) ?? text(record.serialNumber);
  if (here.gtin !== undefined || here.shipmentId !== undefined) {
    // A record with a serial is a pack; one without is a lot or shipment.
    if (serial !== undefined || text(record.gtin) !== undefined || text(record.lot) !== undefined || text(record.shipmentId) !== undefined) {
      add(found, { gtin: here.gtin, serial, lot: here.lot, shipmentId: here.shipmentId });
    }
  }
  for (const [key, value] of Object.entries(record)) {
    if (typeof value === "object" && value !== null && key !== "readings") walk(value, here, depth + 1, found);
  }
}

function add(found: Map<string, EventSubject>, subject: { gtin?: string; serial?: string; lot?: string; shipmentId?: string }): void {
  const clean: { gtin?: string; serial?: string; lot?: string; shipmentId?: string } = {};
  if (subject.gtin !== undefined) clean.gtin = subject.gtin;
  if (subject.serial !== undefined) clean.serial = subject.serial;
  if (subject.lot !== undefined) clean.lot = subject.lot;
  if (subject.shipmentId !== undefined) clean.shipmentId = subject.shipmentId;
  const key = JSON.stringify([clean.gtin, clean.serial, clean.lot, clean.shipmentId]);
  found.set(key, clean);
}
