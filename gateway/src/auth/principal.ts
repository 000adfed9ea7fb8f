/** Who is calling: the org user an API key stands for. */

import { MSP_IDS, ROLES, type MspId, type Role } from "../topology.js";

/** MSP ids and roles are the topology's (network/topology.json). */
export { MSP_IDS, ROLES, type MspId, type Role };

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
