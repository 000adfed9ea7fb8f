/** A scriptable LedgerEventSource for the listener tests. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { ChaincodeEventStream, LedgerEventSource, RawChaincodeEvent } from "../../gateway/src/ports/ledger-events.js";

export function rawEvent(channel: string, blockNumber: number, txId: string, eventName: string, payload: Record<string, unknown>): RawChaincodeEvent {
  return {
    channel,
    blockNumber,
    txId,
    eventName,
    payload: Buffer.from(JSON.stringify({ type: eventName, txId, ...payload })),
  };
}

/**
 * Keeps a ledger of events per channel; an opened stream delivers those after
 * the checkpoint (a file holding the count handled), then waits for more. `fail` breaks open streams and refuses
 * new ones until `recover`.
 */
export class FakeEventSource implements LedgerEventSource {
  readonly ledger = new Map<string, RawChaincodeEvent[]>();
  opens = 0;
  closes = 0;
  /** How long open() takes to answer. */
  openDelayMs = 0;
  #down: Error | undefined;
  readonly #waiters = new Set<() => void>();

  append(event: RawChaincodeEvent): void {
    const list = this.ledger.get(event.channel) ?? [];
    list.push(event);
    this.ledger.set(event.channel, list);
    this.#notify();
  }

  fail(error = new Error("peer unreachable")): void {
    this.#down = error;
    this.#notify();
  }

  recover(): void {
    this.#down = undefined;
  }

  #notify(): void {
    for (const w of [...this.#waiters]) w();
  }

  async open(channel: string, checkpointFile: string): Promise<ChaincodeEventStream> {
    this.opens += 1;
    if (this.openDelayMs > 0) await new Promise((r) => setTimeout(r, this.openDelayMs));
    if (this.#down) throw this.#down;
    let position = existsSync(checkpointFile) ? Number(readFileSync(checkpointFile, "utf8")) : 0;
    let closed = false;
    const isDown = (): Error | undefined => this.#down;
    const listOf = (): RawChaincodeEvent[] => this.ledger.get(channel) ?? [];
    const waitForChange = (): Promise<void> =>
      new Promise<void>((resolve) => {
        const w = (): void => {
          this.#waiters.delete(w);
          resolve();
        };
        this.#waiters.add(w);
      });
    const notify = (): void => this.#notify();
    return {
      async *[Symbol.asyncIterator]() {
        while (!closed) {
          const down = isDown();
          if (down) throw down;
          const list = listOf();
          if (position < list.length) {
            const next = list[position];
            position += 1;
            if (next) yield next;
            continue;
          }
          await waitForChange();
        }
      },
      async checkpoint(event: RawChaincodeEvent) {
        const list = listOf();
        writeFileSync(checkpointFile, String(list.indexOf(event) + 1));
      },
      close: () => {
        this.closes += 1;
        closed = true;
        notify();
      },
    };
  }
}

/** Polls until `check` holds or the time is up. */
export async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}
