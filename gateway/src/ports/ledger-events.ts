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
