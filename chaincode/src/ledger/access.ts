import { forbidden, ROLE_ATTRIBUTE, TRANSACTION_ROLES, type CertRole, type OrgRole, type Partner } from "@rxtrace/domain";
import { KEY_TYPES, type State } from "./state";
import type { Tx } from "./tx";

/** The caller's partner record; FORBIDDEN when its org is not registered on this channel. */
export async function requirePartner(state: State, tx: Tx): Promise<Partner> {
  const partner = await state.get<Partner>(KEY_TYPES.PARTNER, [tx.msp]);
  if (!partner) throw forbidden(`${tx.msp} is not a registered trading partner on channel ${tx.channel}`);
  return partner;
}

export function requireRole(partner: Partner, roles: readonly OrgRole[], action: string): void {
  if (!roles.includes(partner.role)) {
    throw forbidden(`${action} requires role ${roles.join(" or ")}; ${partner.mspId} is ${partner.role}`);
  }
}

/** Requires the certificate attribute `rxtrace.role` to equal `role`. */
export function requireCertRole(tx: Tx, role: string, action: string): void {
  const actual = tx.attribute(ROLE_ATTRIBUTE);
  if (actual !== role) {
    throw forbidden(`${action} requires certificate attribute ${ROLE_ATTRIBUTE}=${role}; caller has ${actual ?? "none"}`);
  }
}

/**
 * Requires the submitter's role (Tx.role) to be one TRANSACTION_ROLES allows
 * for the called transaction; transactions not in the table are open.
 */
export function requireTransactionRole(tx: Tx): void {
  const name = tx.transaction;
  const allowed = TRANSACTION_ROLES[name];
  if (!allowed) return;
  const role = tx.role;
  if (role === undefined || !allowed.includes(role as CertRole)) {
    const roles = allowed.map((r) => `${ROLE_ATTRIBUTE}=${r}`).join(" or ");
    throw forbidden(`${name} requires certificate attribute ${roles} (an admin certificate is admin); caller has ${role ?? "none"}`);
  }
}
