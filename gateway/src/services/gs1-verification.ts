/**
 * Verification in the form of the GS1 Lightweight Messaging Standard for
 * Verification of Product Identifiers: its request names, its response names
 * and codes, and the mapping from the domain's VerifyAnswer to that response.
 * The verification itself is VerifyService's (the domain's one answer); this
 * file only translates it, so the two endpoints can never disagree.
 * docs/gateway.md ("GS1 verification messaging") lists the sources of every
 * name and code.
 */
import { randomUUID } from "node:crypto";
import { gtinCheckDigit, VERIFY_REASONS, type AdditionalInfo, type PackIdentifiers, type VerifyReason } from "@rxtrace/domain";
import type { Principal } from "../auth/principal.js";
import { GatewayError } from "../errors.js";
import { orgByMsp } from "../topology.js";
import type { StatedVerifyAnswer, VerifyService } from "./verify.js";

/** The standard's verificationFailureReason codes. */
export const LMS_FAILURE_REASONS = {
  NO_MATCH_GTIN_SERIAL: "No_match_GTIN_Serial",
  NO_MATCH_LOT: "No_match_GTIN_Serial_Lot",
  NO_MATCH_EXPIRY: "No_match_GTIN_Serial_Expiry",
  NO_MATCH_LOT_EXPIRY: "No_match_GTIN_Serial_Lot_Expiry",
  MANUFACTURER_POLICY: "Manufacturer_policy",
  NOT_FOR_REDISTRIBUTION: "Not_for_re-distribution",
  NO_REASON_PROVIDED: "No_reason_provided",
} as const;
export type LmsFailureReason = (typeof LMS_FAILURE_REASONS)[keyof typeof LMS_FAILURE_REASONS];

/** The standard's additionalInfo codes. */
export const LMS_ADDITIONAL_INFO = {
  EXPIRED: "Expired",
  EXPIRATION_EXTENDED: "ExpirationExtended",
  RECALLED: "Recalled",
  SUSPECT: "Suspect",
  ILLEGITIMATE: "Illegitimate",
} as const;
export type LmsAdditionalInfo = (typeof LMS_ADDITIONAL_INFO)[keyof typeof LMS_ADDITIONAL_INFO];

/** The request contexts this service answers (`context`); the first is the standard's default use, a saleable return. */
export const LMS_CONTEXTS = ["dscsaSaleableReturn", "dscsaExceptionVerification"] as const;
export type LmsContext = (typeof LMS_CONTEXTS)[number];

/** The GS1 Web Vocabulary link type of a verification service, as a CURIE and as the IRI a linkset names it by. */
export const VERIFICATION_LINK_TYPE = "gs1:verificationService";
export const VERIFICATION_LINK_TYPE_IRI = "https://gs1.org/voc/verificationService";
/** The spellings of the link type a request may carry: the CURIE, the bare term of the standard's first release, and the IRIs. */
export const VERIFICATION_LINK_TYPES = [VERIFICATION_LINK_TYPE, "verificationService", VERIFICATION_LINK_TYPE_IRI, "https://ref.gs1.org/voc/verificationService"] as const;

/**
 * Every domain reason as the standard's failure reason; a domain reason added
 * without one fails the compiler here. A product-identifier mismatch names
 * what did not match; a suspect or illegitimate pack is not for
 * re-distribution; every other hold on a matching pack is the responder's
 * policy (recalled, withdrawn, expired, decommissioned, quarantined, held for
 * the cold chain).
 */
const FAILURE_REASON_OF: Readonly<Record<VerifyReason, LmsFailureReason>> = {
  NO_MATCH_GTIN_SERIAL: LMS_FAILURE_REASONS.NO_MATCH_GTIN_SERIAL,
  LOT_MISMATCH: LMS_FAILURE_REASONS.NO_MATCH_LOT,
  EXPIRY_MISMATCH: LMS_FAILURE_REASONS.NO_MATCH_EXPIRY,
  LOT_AND_EXPIRY_MISMATCH: LMS_FAILURE_REASONS.NO_MATCH_LOT_EXPIRY,
  ILLEGITIMATE: LMS_FAILURE_REASONS.NOT_FOR_REDISTRIBUTION,
  SUSPECT: LMS_FAILURE_REASONS.NOT_FOR_REDISTRIBUTION,
  RECALLED: LMS_FAILURE_REASONS.MANUFACTURER_POLICY,
  WITHDRAWN: LMS_FAILURE_REASONS.MANUFACTURER_POLICY,
  ALREADY_DECOMMISSIONED: LMS_FAILURE_REASONS.MANUFACTURER_POLICY,
  EXPIRED: LMS_FAILURE_REASONS.MANUFACTURER_POLICY,
  COLD_CHAIN_HOLD: LMS_FAILURE_REASONS.MANUFACTURER_POLICY,
  QUARANTINED: LMS_FAILURE_REASONS.MANUFACTURER_POLICY,
};

/** Every domain condition as the standard's additional information, where it has one (the standard's Recalled covers a withdrawal too). */
const ADDITIONAL_INFO_OF: Readonly<Record<AdditionalInfo, LmsAdditionalInfo | undefined>> = {
  ILLEGITIMATE: LMS_ADDITIONAL_INFO.ILLEGITIMATE,
  RECALLED: LMS_ADDITIONAL_INFO.RECALLED,
  WITHDRAWN: LMS_ADDITIONAL_INFO.RECALLED,
  SUSPECT: LMS_ADDITIONAL_INFO.SUSPECT,
  ALREADY_DECOMMISSIONED: undefined,
  EXPIRED: LMS_ADDITIONAL_INFO.EXPIRED,
  COLD_CHAIN_HOLD: undefined,
  QUARANTINED: undefined,
};

const IDENTIFIER_MISMATCHES: readonly VerifyReason[] = [
  VERIFY_REASONS.NO_MATCH_GTIN_SERIAL,
  VERIFY_REASONS.LOT_MISMATCH,
  VERIFY_REASONS.EXPIRY_MISMATCH,
  VERIFY_REASONS.LOT_AND_EXPIRY_MISMATCH,
];

/** The standard's verification request: the product identifier, who asks, why, and the id to correlate the answer with. */
export interface LmsRequest {
  gtin: string;
  ser: string;
  lot: string;
  exp: string;
  reqGLN: string;
  corrUUID?: string;
  context?: LmsContext;
  linkType?: string;
}

/** The standard's verification response. */
export interface LmsResponse {
  verificationTimestamp: string;
  responderGLN: string;
  corrUUID: string;
  data: {
    verified: boolean;
    verificationFailureReason?: LmsFailureReason;
    additionalInfo?: LmsAdditionalInfo;
  };
}

/**
 * The response's `data` for a domain answer. Additional information is given
 * only for a matching product identifier: a caller holding a wrong lot or
 * expiry learns that it does not match, not what the ledger knows of the pack.
 */
export function lmsDataOf(answer: Pick<StatedVerifyAnswer, "verified" | "reason" | "additionalInfo">): LmsResponse["data"] {
  if (answer.verified || answer.reason === undefined) return { verified: true };
  const data: LmsResponse["data"] = { verified: false, verificationFailureReason: FAILURE_REASON_OF[answer.reason] };
  if (IDENTIFIER_MISMATCHES.includes(answer.reason)) return data;
  const info = answer.additionalInfo.map((code) => ADDITIONAL_INFO_OF[code]).find((code) => code !== undefined);
  return info === undefined ? data : { ...data, additionalInfo: info };
}

/** True for a GLN-13 with its GS1 check digit. */
export function isValidGln(value: string): boolean {
  return /^\d{13}$/.test(value) && gtinCheckDigit(value.slice(0, 12)) === Number(value[12]);
}

function requireValid(field: string, valid: boolean, rule: string): void {
  if (!valid) throw new GatewayError("INVALID_ARGUMENT", `${field}: ${rule}`, { field });
}

/**
 * Refuses a GTIN whose check digit is wrong (the schemas check only its 14 digits).
 * @throws GatewayError INVALID_ARGUMENT naming `gtin`
 */
export function requireGtinCheckDigit(gtin: string): void {
  const expected = gtinCheckDigit(gtin.slice(0, 13));
  requireValid("gtin", expected === Number(gtin[13]), `check digit must be ${expected}`);
}

/** Answers GS1 verification requests with VerifyService's verification, in the standard's response form. */
export class Gs1VerificationService {
  constructor(private readonly verifier: VerifyService) {}

  /**
   * The standard's checkConnectivity: the responder's GLN when the requestor
   * may ask about the GTIN here (any caller with a key may verify; the GTIN
   * and reqGLN are checked as a verification checks them).
   * @throws GatewayError INVALID_ARGUMENT naming `gtin` or `reqGLN`
   */
  checkConnectivity(as: Principal, request: { gtin: string; reqGLN: string }): { responderGLN: string } {
    requireGtinCheckDigit(request.gtin);
    requireValid("reqGLN", isValidGln(request.reqGLN), "must be a GLN of 13 digits with a valid GS1 check digit");
    return { responderGLN: orgByMsp(as.mspId).gln };
  }

  /**
   * Verifies the request's pack as /v1/verify does for the caller and
   * answers in the standard's form, with the caller's org as responder.
   * @throws GatewayError INVALID_ARGUMENT naming the field: a GTIN or reqGLN check digit, or a linkType other than verificationService
   */
  async verify(as: Principal, request: LmsRequest): Promise<{ response: LmsResponse; answer: StatedVerifyAnswer }> {
    requireGtinCheckDigit(request.gtin);
    requireValid("reqGLN", isValidGln(request.reqGLN), "must be a GLN of 13 digits with a valid GS1 check digit");
    if (request.linkType !== undefined) {
      requireValid("linkType", (VERIFICATION_LINK_TYPES as readonly string[]).includes(request.linkType), `must be ${VERIFICATION_LINK_TYPE} when given`);
    }
    const pack: PackIdentifiers = { gtin: request.gtin, serial: request.ser, lot: request.lot, expiry: request.exp };
    const answer = await this.verifier.verify(as, pack);
    const response: LmsResponse = {
      verificationTimestamp: answer.checkedAt,
      responderGLN: orgByMsp(as.mspId).gln,
      corrUUID: request.corrUUID ?? randomUUID(),
      data: lmsDataOf(answer),
    };
    return { response, answer };
  }
}
