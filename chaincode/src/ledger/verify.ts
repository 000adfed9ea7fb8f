import {
  ADDITIONAL_INFO,
  isDecommissioned,
  isExpired,
  MARKS,
  parseYymmdd,
  VERIFY_REASONS,
  type AdditionalInfo,
  type Lot,
  type Pack,
  type Product,
  type ScanInput,
  type Verification,
  type VerifyReason,
} from "@rxtrace/domain";
import { KEY_TYPES, type State } from "./state";

export type { Verification };

/** Every additional-info code that holds for the pack, in priority order. */
export function additionalInfoOf(pack: Pack, lot: Lot | undefined, product: Product | undefined, atIso: string): AdditionalInfo[] {
  const holds: Record<AdditionalInfo, boolean> = {
    ILLEGITIMATE: pack.marks.includes(MARKS.ILLEGITIMATE),
    RECALLED: lot?.recall !== undefined,
    WITHDRAWN: product?.withdrawal !== undefined,
    SUSPECT: pack.marks.includes(MARKS.SUSPECT),
    ALREADY_DECOMMISSIONED: isDecommissioned(pack.status),
    EXPIRED: isExpired(pack.expiry, atIso),
    COLD_CHAIN_HOLD: pack.marks.includes(MARKS.COLD_CHAIN_HOLD),
    QUARANTINED: pack.marks.includes(MARKS.QUARANTINED),
  };
  return Object.values(ADDITIONAL_INFO).filter((code) => holds[code]);
}

/** Same day (day 00 read as the month's last), both dates in the century the reference gives. */
function sameExpiry(a: string, b: string, referenceIso: string): boolean {
  return parseYymmdd(a, referenceIso)?.isoDate === parseYymmdd(b, referenceIso)?.isoDate;
}

/** Answers a verification request for a scanned pack (GS1 Lightweight Messaging in spirit). */
export async function verifyPack(state: State, scan: ScanInput, atIso: string): Promise<Verification> {
  const base = { gtin: scan.gtin, serial: scan.serial, checkedAt: atIso };
  const pack = await state.get<Pack>(KEY_TYPES.PACK, [scan.gtin, scan.serial]);
  if (!pack) return { ...base, verified: false, reason: VERIFY_REASONS.NO_MATCH_GTIN_SERIAL, additionalInfo: [] };
  const lot = await state.get<Lot>(KEY_TYPES.LOT, [pack.gtin, pack.lot]);
  const product = await state.get<Product>(KEY_TYPES.PRODUCT, [pack.gtin]);
  const additionalInfo = additionalInfoOf(pack, lot, product, atIso);
  let reason: VerifyReason | undefined;
  if (pack.lot !== scan.lot) reason = VERIFY_REASONS.LOT_MISMATCH;
  else if (!sameExpiry(pack.expiry, scan.expiry, atIso)) reason = VERIFY_REASONS.EXPIRY_MISMATCH;
  else reason = additionalInfo[0];
  const answer: Verification = {
    ...base,
    verified: reason === undefined,
    additionalInfo,
    status: pack.status,
    lot: pack.lot,
    expiry: pack.expiry,
    owner: pack.owner,
  };
  if (reason !== undefined) answer.reason = reason;
  return answer;
}
