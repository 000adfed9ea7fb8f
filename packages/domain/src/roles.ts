import { TRANSACTIONS } from "./catalog";
import type { CertRole } from "./vocabulary";

/**
 * Which certificate roles may submit each transaction that writes, checked by
 * the chaincode itself (ledger/access.ts) from the client certificate, so a
 * user calling its own peer directly cannot bypass the gateway's role matrix
 * (gateway/src/auth/policy.ts grants the same roles, a test keeps them in
 * step). Derived from the catalog, the one table of roles. The org rules
 * (which org may do what) are checked by each transaction; reads are open to
 * every role of a member.
 */
export const TRANSACTION_ROLES: Readonly<Record<string, readonly CertRole[]>> = Object.fromEntries(
  TRANSACTIONS.filter((spec) => spec.kind === "submit").map((spec) => [spec.qualified, spec.roles]),
);

/** The contract whose transactions are called without a `contract:` prefix (chaincode/src/index.ts). */
export const DEFAULT_CONTRACT = "packs";

/** The `contract:Transaction` name of a called function, prefixing the default contract. */
export function qualifiedTransaction(fcn: string): string {
  return fcn.includes(":") ? fcn : `${DEFAULT_CONTRACT}:${fcn}`;
}
