import type { Context } from "fabric-contract-api";
import { requireTransactionRole } from "./access";
import { State } from "./state";
import { Tx } from "./tx";

/**
 * Starts a transaction: its facts and the state module bound to it. Every
 * transaction starts here, so here the submitter's role is checked against
 * the transaction's allowed roles (domain/roles.ts).
 */
export function begin(ctx: Context): { tx: Tx; state: State } {
  const tx = new Tx(ctx);
  requireTransactionRole(tx);
  return { tx, state: new State(tx) };
}
