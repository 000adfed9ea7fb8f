import type { Context } from "fabric-contract-api";
import { State } from "./state";
import { Tx } from "./tx";

/** Starts a transaction: its facts and the state module bound to it. */
export function begin(ctx: Context): { tx: Tx; state: State } {
  const tx = new Tx(ctx);
  return { tx, state: new State(tx) };
}
