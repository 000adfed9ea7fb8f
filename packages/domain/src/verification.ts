/**
 * The verification answer, defined once: what a scan of a pack answers, how it
 * is computed from the pack, lot and product records, and the provenance
 * summary beside it. The chaincode computes it from world state; a gateway's
 * read model computes it from the same records as committed blocks wrote them.
 */
import { isExpired, parseYymmdd, type PackIdentifiers } from "./gs1";
import type { Lot, Pack, Product } from "./records";
import { ADDITIONAL_INFO, isDecommissioned, MARKS, VERIFY_REASONS, type AdditionalInfo, type PackStatus, type VerifyReason } from "./vocabulary";

/** The answer to a pack verification (packs:Verify, and the verification inside a dispense). */
export interface Verification {
  verified: boolean;
  /** The first failing reason, in GS1 Lightweight Messaging spirit. */
  reason?: VerifyReason;
  /** Every condition that holds for the pack, in priority order. */
  additionalInfo: AdditionalInfo[];
  status?: PackStatus;
  gtin: string;
  serial: string;
  /** The lot and expiry the ledger holds for the pack (absent when the pack is unknown). */
  lot?: string;
  expiry?: string;
  owner?: string;
  checkedAt: string;
}

/** One change of a pack's status or holder on a channel. */
export interface CustodyStep {
  at: string;
  channel: string;
  status: PackStatus;
  owner: string;
  by?: string;
  txId?: string;
}

/** The product facts a scan shows. */
export interface ProductSummary {
  manufacturer: string;
  name?: string;
  strength?: string;
  form?: string;
}

export interface Provenance {
  product?: ProductSummary;
  /** Status or holder changes, oldest first. */
  custody: CustodyStep[];
}

/** A verification with its provenance, as one channel answers it (packs:VerifyWithProvenance); provenance is null for an unknown pack. */
export interface PackVerification {
  verification: Verification;
  provenance: Provenance | null;
}

/** The verification answer a client receives: the verification, the pack as scanned, the channel that answered and the provenance. */
export interface VerifyAnswer {
  verified: boolean;
  reason?: VerifyReason;
  additionalInfo: AdditionalInfo[];
  status?: PackStatus;
  owner?: string;
  checkedAt: string;
  channel: string;
  pack: PackIdentifiers;
  provenance: Provenance | null;
}

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

/**
 * Verifies a scanned pack against its records: identity, lot, expiry, then
 * every blocking condition. `pack` undefined: no such pack.
 */
export function verificationOf(scan: PackIdentifiers, pack: Pack | undefined, lot: Lot | undefined, product: Product | undefined, atIso: string): Verification {
  const base = { gtin: scan.gtin, serial: scan.serial, checkedAt: atIso };
  if (!pack) return { ...base, verified: false, reason: VERIFY_REASONS.NO_MATCH_GTIN_SERIAL, additionalInfo: [] };
  const additionalInfo = additionalInfoOf(pack, lot, product, atIso);
  let reason: VerifyReason | undefined;
  const lotMatches = pack.lot === scan.lot;
  const expiryMatches = sameExpiry(pack.expiry, scan.expiry, atIso);
  if (!lotMatches && !expiryMatches) reason = VERIFY_REASONS.LOT_AND_EXPIRY_MISMATCH;
  else if (!lotMatches) reason = VERIFY_REASONS.LOT_MISMATCH;
  else if (!expiryMatches) reason = VERIFY_REASONS.EXPIRY_MISMATCH;
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

/** The product facts of a scan. */
export function productSummaryOf(product: Product): ProductSummary {
  return { manufacturer: product.manufacturer, name: product.name, strength: product.strength, form: product.form };
}

/** A pack record as written on a channel, as one step of custody. */
export function custodyStepOf(channel: string, pack: Pack, at: string, txId: string): CustodyStep {
  return { at, channel, status: pack.status, owner: pack.owner, by: pack.updatedBy, txId };
}

/**
 * Custody steps of one or more channels, each given in commit order: oldest
 * first, keeping only changes of status or holder. The sort is stable, so
 * steps within one second keep their commit order.
 */
export function custodyOf(steps: readonly CustodyStep[]): CustodyStep[] {
  const sorted = [...steps].sort((a, b) => a.at.localeCompare(b.at));
  return sorted.filter((s, i) => {
    const prev = sorted[i - 1];
    return prev === undefined || prev.status !== s.status || prev.owner !== s.owner;
  });
}

/**
 * Of the per-channel answers about one pack, the one about the live pack: a
 * match before no match, and a pack not handed off before one that was.
 */
export function liveAnswer<T extends { verification: Verification }>(answers: readonly T[]): T | undefined {
  const matched = answers.filter((a) => a.verification.reason !== VERIFY_REASONS.NO_MATCH_GTIN_SERIAL);
  return matched.find((a) => a.verification.status !== "HANDED_OFF") ?? matched[0] ?? answers[0];
}

/**
 * The answer a client receives from the per-channel answers of each channel
 * it reads: the live pack's verification, and the custody of every channel
 * that knows the pack. No answer at all: no match, on `fallbackChannel`.
 */
export function verifyAnswerOf(scan: PackIdentifiers, answers: readonly (PackVerification & { channel: string })[], fallbackChannel: string, atIso: string): VerifyAnswer {
  const chosen = liveAnswer(answers);
  if (!chosen) {
    return { verified: false, reason: VERIFY_REASONS.NO_MATCH_GTIN_SERIAL, additionalInfo: [], checkedAt: atIso, channel: fallbackChannel, pack: scan, provenance: null };
  }
  const v = chosen.verification;
  const known = answers.filter((a) => a.provenance !== null);
  const provenance =
    chosen.provenance === null
      ? null
      : {
          ...(chosen.provenance.product !== undefined ? { product: chosen.provenance.product } : {}),
          custody: custodyOf(known.flatMap((a) => a.provenance?.custody ?? [])),
        };
  return {
    verified: v.verified,
    ...(v.reason !== undefined ? { reason: v.reason } : {}),
    additionalInfo: v.additionalInfo,
    ...(v.status !== undefined ? { status: v.status } : {}),
    ...(v.owner !== undefined ? { owner: v.owner } : {}),
    checkedAt: v.checkedAt,
    channel: chosen.channel,
    pack: scan,
    provenance,
  };
}
