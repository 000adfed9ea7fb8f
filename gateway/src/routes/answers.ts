/** Shapes of committed-write answers. */
import type { RelayedWrite } from "../services/master-data.js";
import type { Committed } from "../services/packs.js";

export function committedAnswer(c: Committed): { channel: string; transactionId: string; blockNumber: string; result: unknown } {
  return { channel: c.channel, transactionId: c.transactionId, blockNumber: c.blockNumber, result: c.result };
}

export function relayedAnswer(w: RelayedWrite) {
  return {
    commits: w.commits.map(committedAnswer),
    pending: w.pending,
  };
}
