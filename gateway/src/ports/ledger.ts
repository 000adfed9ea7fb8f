/**
 * The ledger as the gateway's services see it: evaluate (read) and submit
 * (write) a chaincode transaction on one channel as one org user. Only the
 * Fabric adapter implements it against the network; tests use fakes.
 *
 * Failures are GatewayErrors: chaincode codes map to 400/403/404/409,
 * endorsement and commit failures to 502 and an unreachable network to 503,
 * each with the transaction id when there is one.
 */
import type { QualifiedTransaction } from "@rxtrace/domain";
import type { MspId, Principal } from "../auth/principal.js";
import { CHANNELS, DOWNSTREAM_CHANNEL, SOURCE_CHANNEL, type ChannelName } from "../topology.js";

/** Channel names are the topology's (network/topology.json). */
export { CHANNELS, DOWNSTREAM_CHANNEL, SOURCE_CHANNEL, type ChannelName };

export interface LedgerCall {
  readonly channel: ChannelName;
  /** A `contract:Name` of the transaction catalog (CATALOG.packs.Dispense.qualified): a name it does not know fails tsc. */
  readonly transaction: QualifiedTransaction;
  readonly args?: readonly string[];
  /** Private inputs (e.g. trade terms); never written to the block. */
  readonly transient?: Readonly<Record<string, string>>;
  /** Orgs whose peers must endorse (cross-org or private-data transactions). */
  readonly endorsingOrganizations?: readonly MspId[];
}

export interface EvaluateResult {
  /** The transaction's answer parsed as JSON (undefined when it returned nothing). */
  readonly result: unknown;
}

export interface SubmitResult extends EvaluateResult {
  readonly transactionId: string;
  readonly blockNumber: string;
}

/**
 * Block heights, so that a caller can see another org's write: a write's
 * answer names its block, a later request may name the block it must see.
 */
export interface LedgerHeights {
  /** How many blocks the caller's own peer has committed on the channel (its last block is height - 1). */
  peerHeight(as: Principal, channel: ChannelName): Promise<bigint>;
  /** The highest block this gateway has seen committed on the channel by any peer (undefined: none yet). */
  highestCommitted(channel: ChannelName): bigint | undefined;
  /** Records a block known to be committed on the channel (a commit status, an event). */
  noteCommitted(channel: ChannelName, blockNumber: bigint): void;
  /**
   * The channel's height as the peers of its other member orgs report it, asked
   * in parallel with a short deadline: the highest answer, or undefined when none
   * answered. Asked only after a miss, so ordinary reads cost nothing extra.
   */
  membersHeight(as: Principal, channel: ChannelName): Promise<bigint | undefined>;
}

export interface LedgerClient {
  evaluate(as: Principal, call: LedgerCall): Promise<EvaluateResult>;
  submit(as: Principal, call: LedgerCall): Promise<SubmitResult>;
  /** Block heights (absent in doubles that do not model blocks). */
  readonly heights?: LedgerHeights;
  /** Resolves when every channel is reachable; rejects naming what is not. */
  ready(): Promise<void>;
  close(): void;
}
