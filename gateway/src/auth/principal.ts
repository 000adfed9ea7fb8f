/** Who is calling: the org user an API key stands for. */

import { MSP_IDS, ROLES, TOPOLOGY, type MspId, type Role, type Topology } from "../topology.js";

/** MSP ids and roles are the topology's (network/topology.json, or RXTRACE_TOPOLOGY's file). */
export { MSP_IDS, ROLES, type MspId, type Role };

export interface Principal {
  /** Stable id of the API key (not the key itself). */
  readonly keyId: string;
  /** The org user's name in network.json, e.g. "operator". */
  readonly user: string;
  readonly mspId: MspId;
  readonly role: Role;
}

/** True for the MSP id of an org of the topology (the founding members and any that joined since). */
export function isMspId(value: unknown, topology: Topology = TOPOLOGY): boolean {
  return typeof value === "string" && topology.orgs.some((o) => o.mspId === value);
}

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}
