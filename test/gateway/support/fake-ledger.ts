/** An in-memory LedgerClient that records calls and answers from a script. */
import type { Principal } from "../../../gateway/src/auth/principal.js";
import { channelMembers } from "../../../gateway/src/topology.js";
import type { ChannelName, EvaluateResult, LedgerCall, LedgerClient, LedgerHeights, SubmitResult } from "../../../gateway/src/ports/ledger.js";

export interface RecordedCall {
  kind: "evaluate" | "submit";
  as: Principal;
  call: LedgerCall;
}

type Handler = (call: LedgerCall, as: Principal) => unknown;

export class FakeLedger implements LedgerClient {
  readonly calls: RecordedCall[] = [];
  readonly #handlers = new Map<string, Handler>();
  #down: Error | undefined;
  #tx = 0;
  readonly #highest = new Map<string, bigint>();
  /** Each org's peer height by channel, as `peerHeights.set("PharmacyMSP/dist-pharm", 5n)`; 0 when unset. */
  readonly peerHeights = new Map<string, bigint>();
  readonly heightQueries: string[] = [];
  /** Member orgs whose peers do not answer a height query (as an unreachable or failing peer). */
  readonly silentMembers = new Set<string>();
  /** The channels on which another member's height was asked, in order. */
  readonly membersHeightQueries: string[] = [];
  readonly heights: LedgerHeights = {
    peerHeight: async (as, channel: ChannelName) => {
      this.heightQueries.push(`${as.mspId}/${channel}`);
      return this.peerHeights.get(`${as.mspId}/${channel}`) ?? 0n;
    },
    highestCommitted: (channel) => this.#highest.get(channel),
    noteCommitted: (channel, blockNumber) => {
      if (blockNumber > (this.#highest.get(channel) ?? -1n)) this.#highest.set(channel, blockNumber);
    },
    membersHeight: async (as, channel: ChannelName) => {
      this.membersHeightQueries.push(channel);
      const answers = channelMembers(channel)
        .filter((m) => m !== as.mspId && !this.silentMembers.has(m))
        .map((m) => this.peerHeights.get(`${m}/${channel}`) ?? 0n);
      return answers.length === 0 ? undefined : answers.reduce((a, b) => (a > b ? a : b));
    },
  };

  /** Answers `transaction` (on any channel) with the handler's value, or throws what it throws. */
  on(transaction: string, handler: Handler): this {
    this.#handlers.set(transaction, handler);
    return this;
  }

  /** Makes every call and the readiness check fail with `error` until `up()`. */
  down(error: Error): void {
    this.#down = error;
  }

  up(): void {
    this.#down = undefined;
  }

  submitted(transaction?: string): RecordedCall[] {
    return this.calls.filter((c) => c.kind === "submit" && (transaction === undefined || c.call.transaction === transaction));
  }

  async evaluate(as: Principal, call: LedgerCall): Promise<EvaluateResult> {
    return { result: await this.#run("evaluate", as, call) };
  }

  async submit(as: Principal, call: LedgerCall): Promise<SubmitResult> {
    const result = await this.#run("submit", as, call);
    this.#tx += 1;
    return { result, transactionId: `tx${this.#tx}`, blockNumber: String(this.#tx) };
  }

  async ready(): Promise<void> {
    if (this.#down) throw this.#down;
  }

  close(): void {}

  #run(kind: RecordedCall["kind"], as: Principal, call: LedgerCall): unknown {
    if (this.#down) throw this.#down;
    this.calls.push({ kind, as, call });
    const handler = this.#handlers.get(call.transaction);
    if (!handler) throw new Error(`FakeLedger: no handler for ${call.transaction}`);
    return handler(call, as);
  }
}
