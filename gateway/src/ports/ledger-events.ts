/**
 * The ledger's chaincode events as a resumable stream, one per channel: the
 * narrow Fabric seam of the events listener and the index rebuild.
 */

export interface RawChaincodeEvent {
  readonly channel: string;
  readonly blockNumber: number;
  readonly txId: string;
  readonly eventName: string;
  readonly payload: Uint8Array;
}

export interface ChaincodeEventStream extends AsyncIterable<RawChaincodeEvent> {
  /** Records that the event was handled, so a reopened stream resumes after it. */
  checkpoint(event: RawChaincodeEvent): Promise<void>;
  close(): void;
}

export interface LedgerEventSource {
  /**
   * Opens the channel's event stream after the checkpoint kept in
   * `checkpointFile` (from the first block when the file is absent).
   * @throws UnavailableError when the peer cannot be reached.
   */
  open(channel: string, checkpointFile: string): Promise<ChaincodeEventStream>;
}

/** A block as committed: header fields and its envelopes. */
export interface LedgerBlock {
  readonly number: bigint;
  readonly previousHash: Uint8Array;
  readonly dataHash: Uint8Array;
  readonly data: readonly Uint8Array[];
}

/** Reads a channel's blocks (the peer's query system chaincode in production). */
export interface BlockSource {
  /** Height of the channel's chain: the latest block is height - 1. */
  height(channel: string): Promise<bigint>;
  /** @throws NotFoundError when the channel has no such block */
  block(channel: string, number: bigint): Promise<LedgerBlock>;
  /** Decodes a serialized block (protobuf `common.Block`). @throws InvalidArgumentError when it is not one */
  decode(bytes: Uint8Array): LedgerBlock;
  /** The serialized bytes of a block, as the peer stores it. */
  raw(channel: string, number: bigint): Promise<Uint8Array>;
}

/** One key written by a transaction (`value` undefined: the key was deleted). */
export interface StateWrite {
  readonly key: string;
  readonly value: Uint8Array | undefined;
}

/** A transaction of a committed block whose validation code says VALID, with its writes in the chaincode's namespace. */
export interface ValidTransaction {
  readonly txId: string;
  /** Transaction time, ISO 8601 UTC to the second (as the chaincode's key history reports it). */
  readonly at: string;
  readonly writes: readonly StateWrite[];
}

/** A committed block as a read model applies it: only its VALID transactions. */
export interface CommittedBlock {
  readonly channel: string;
  readonly number: bigint;
  readonly transactions: readonly ValidTransaction[];
}

export interface CommittedBlockStream extends AsyncIterable<CommittedBlock> {
  close(): void;
}

/** The committed blocks of a channel, from one peer (the gateway's own org's). */
export interface CommittedBlockSource {
  /**
   * Streams the channel's blocks from `startBlock` on, as the peer commits them.
   * @throws UnavailableError when the peer cannot be reached.
   */
  open(channel: string, startBlock: bigint): Promise<CommittedBlockStream>;
}
