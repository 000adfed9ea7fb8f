/**
 * The off-chain index of chaincode events: a query database for audit
 * searches and timelines. Never the source of truth: it is rebuilt from the
 * ledger at any time.
 */

/** One chaincode event as committed on a channel. */
export interface LedgerEvent {
  readonly channel: string;
  readonly blockNumber: number;
  readonly txId: string;
  /** Chaincode event name, e.g. PackShipped. */
  readonly eventName: string;
  /** Transaction timestamp, ISO 8601 UTC. */
  readonly timestamp: string;
  /** MSP id of the organisation that submitted the transaction. */
  readonly mspId: string;
  /** The event payload as JSON (undefined when it was not JSON). */
  readonly payload: unknown;
}

/** What an event is about: a pack (gtin + serial), a lot (gtin + lot) or a shipment. */
export interface EventSubject {
  readonly gtin?: string;
  readonly serial?: string;
  readonly lot?: string;
  readonly shipmentId?: string;
}

export interface IndexedEvent extends LedgerEvent {
  /** Position in the index; increases with every newly recorded event. */
  readonly seq: number;
  readonly subjects: readonly EventSubject[];
}

export interface EventQuery {
  readonly gtin?: string;
  readonly serial?: string;
  readonly lot?: string;
  readonly shipmentId?: string;
  /** Submitting organisation (MSP id). */
  readonly org?: string;
  readonly eventType?: string;
  readonly channel?: string;
  readonly txId?: string;
  /** Inclusive lower bound, ISO 8601. */
  readonly from?: string;
  /** Exclusive upper bound, ISO 8601. */
  readonly to?: string;
  /** Only events recorded after this position. */
  readonly afterSeq?: number;
  readonly limit: number;
}

export interface EventIndex {
  /**
   * Records events with their subjects. Recording the same (channel, txId)
   * again is a no-op, so a listener may replay from an older checkpoint.
   * @returns the events that were new.
   */
  record(events: readonly { readonly event: LedgerEvent; readonly subjects: readonly EventSubject[] }[]): IndexedEvent[];
  /** Events matching every given criterion, oldest first (time, then block). */
  search(query: EventQuery): IndexedEvent[];
  /** Highest block recorded for a channel, or undefined when none. */
  lastBlock(channel: string): number | undefined;
  /** Forgets everything recorded for a channel (before a rebuild). */
  clearChannel(channel: string): void;
  close(): void;
}
