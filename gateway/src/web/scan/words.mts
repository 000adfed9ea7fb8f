/**
 * The words the scan page shows for the ledger's codes: verification reasons,
 * pack statuses and GS1 expiry dates. Pure functions, shared by the page and
 * its tests.
 */
// The chaincode's own GS1 module (pure, no Fabric import), bundled into the page: one reading of a GS1 date.
import { parseYymmdd } from "../../../../packages/domain/src/gs1";

/** Why a pack fails verification, in words a pharmacist acts on. */
export const REASON_WORDS: Readonly<Record<string, string>> = {
  NO_MATCH_GTIN_SERIAL: "Unknown pack: no pack with this product code and serial number is on record.",
  LOT_MISMATCH: "The batch (lot) printed on the pack does not match the batch on record.",
  EXPIRY_MISMATCH: "The expiry date printed on the pack does not match the date on record.",
  LOT_AND_EXPIRY_MISMATCH: "Neither the batch (lot) nor the expiry date printed on the pack matches the record.",
  ILLEGITIMATE: "The pack has been declared illegitimate.",
  RECALLED: "The batch (lot) of this pack has been recalled.",
  WITHDRAWN: "The product has been withdrawn from the market.",
  SUSPECT: "The pack is marked suspect and is under investigation.",
  ALREADY_DECOMMISSIONED: "The pack has already been decommissioned (dispensed, destroyed or removed from the supply chain).",
  EXPIRED: "The pack is past its expiry date.",
  COLD_CHAIN_HOLD: "The pack is on hold after a cold-chain temperature excursion.",
  QUARANTINED: "The pack is quarantined.",
};

export const STATUS_WORDS: Readonly<Record<string, string>> = {
  COMMISSIONED: "Commissioned by the manufacturer",
  IN_TRANSIT: "In transit",
  RECEIVED: "Received, in stock",
  HANDED_OFF: "Handed over to the pharmacy channel",
  DISPENSED: "Dispensed",
  EXPORTED: "Exported",
  CHECKED_OUT: "Checked out of the verified supply (e.g. to a hospital)",
  SAMPLE: "Taken as a sample",
  FREE_SAMPLE: "Handed out as a free sample",
  LOCKED: "Locked",
  DESTROYED: "Destroyed",
  STOLEN: "Reported stolen",
};

/** The sentence for a reason code; unknown codes are shown as they are. */
export function reasonWords(code: string): string {
  return REASON_WORDS[code] ?? code;
}

export function statusWords(status: string): string {
  return STATUS_WORDS[status] ?? status;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * A GS1 expiry (YYMMDD, day 00 = the month's last day) as "31 Mar 2027"; the
 * century is the GS1 sliding window's around `todayIso` (the page's clock),
 * as the ledger reads it around the transaction's time. Anything else is
 * returned unchanged.
 */
export function expiryWords(yymmdd: string, todayIso: string): string {
  const date = parseYymmdd(yymmdd, todayIso);
  return date ? `${date.day} ${MONTHS[date.month - 1] ?? ""} ${date.year}` : yymmdd;
}

/** Cold-chain state of a pack from its verification's additional information. */
export function coldChainWords(additionalInfo: readonly string[]): string {
  return additionalInfo.includes("COLD_CHAIN_HOLD")
    ? "On hold: a temperature excursion was recorded for a shipment of this pack."
    : "No cold-chain hold recorded.";
}
