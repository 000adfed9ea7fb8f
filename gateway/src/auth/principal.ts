/** Who is calling: the org user an API key stands for. */

export const MSP_IDS = ["ManufacturerMSP", "DistributorMSP", "PharmacyMSP", "RegulatorMSP"] as const;
export type MspId = (typeof MSP_IDS)[number];

/** Roles as in the certificate attribute `rxtrace.role`, plus each org's `admin`. */
export const ROLES = ["operator", "quality", "pharmacist", "auditor", "admin"] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  /** Stable id of the API key (not the key itself). */
  readonly keyId: string;
  /** The org user's name in network.json, e.g. "operator". */
  readonly user: string;
  readonly mspId: MspId;
  readonly role: Role;
}

export function isMspId(value: unknown): value is MspId {
  return typeof value === "string" && (MSP_IDS as readonly string[]).includes(value);
}

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}
