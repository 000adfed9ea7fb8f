/**
 * Reading another org's write: every write answers with its block
 * (`X-Ledger-Block: <channel>:<block>`), a later request may name the blocks
 * it must see (`X-Min-Block: <channel>:<block>[, ...]`) and the gateway
 * waits, bounded, for the caller's own peer to reach them. Without the
 * header, a NOT_FOUND from a peer that is behind the channel is "not yet
 * here": 503 with Retry-After, not 404. Behind what the gateway has seen
 * committed itself, or, since a write made through another org's gateway is
 * unknown to this one, behind the height the other members' peers report.
 */
import type { Principal } from "../auth/principal.js";
import { GatewayError, InvalidArgumentError, NotYetVisibleError, UnavailableError } from "../errors.js";
import type { ChannelName, LedgerCall, LedgerClient } from "../ports/ledger.js";

export const LEDGER_BLOCK_HEADER = "x-ledger-block";
export const MIN_BLOCK_HEADER = "x-min-block";

export interface BlockRef {
  readonly channel: ChannelName;
  readonly block: bigint;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Parses `X-Min-Block`: comma-separated `<channel>:<block>`, each channel one the caller reads.
 * @throws InvalidArgumentError naming the header and what is wrong
 */
export function parseMinBlock(value: string | string[] | undefined, visible: readonly ChannelName[]): BlockRef[] {
  if (value === undefined) return [];
  const text = Array.isArray(value) ? value.join(",") : value;
  const refs: BlockRef[] = [];
  for (const part of text.split(",").map((p) => p.trim())) {
    const match = /^([a-z0-9][a-z0-9.-]{0,48}):([0-9]{1,19})$/.exec(part);
    if (!match) throw new InvalidArgumentError("X-Min-Block", `must be <channel>:<block>[, ...], got "${part.slice(0, 80)}"`);
    const channel = match[1] as ChannelName;
    if (!visible.includes(channel)) throw new InvalidArgumentError("X-Min-Block", `${channel} is not a channel of the caller (${visible.join(", ")})`);
    refs.push({ channel, block: BigInt(match[2] ?? "0") });
  }
  return refs;
}

/**
 * The `X-Ledger-Block` value of an answer: a write's block (one committed
 * write, or a recall's `commits`), or the blocks a read states it reflects
 * (`asOf.blocks`, e.g. a verification); undefined for other answers.
 */
export function ledgerBlockHeader(payload: unknown): string | undefined {
  const isCommit = (v: unknown): v is { channel: string; blockNumber: string; transactionId: string } =>
    typeof v === "object" && v !== null && typeof (v as Record<string, unknown>).blockNumber === "string" && typeof (v as Record<string, unknown>).channel === "string" && typeof (v as Record<string, unknown>).transactionId === "string";
  if (isCommit(payload)) return `${payload.channel}:${payload.blockNumber}`;
  const asOf = typeof payload === "object" && payload !== null ? (payload as Record<string, unknown>).asOf : undefined;
  const stated = typeof asOf === "object" && asOf !== null ? (asOf as Record<string, unknown>).blocks : undefined;
  if (Array.isArray(stated)) {
    const isRef = (b: unknown): b is { channel: string; block: string } =>
      typeof b === "object" && b !== null && typeof (b as Record<string, unknown>).channel === "string" && typeof (b as Record<string, unknown>).block === "string";
    const refs = (stated as unknown[]).filter(isRef);
    return refs.length === 0 ? undefined : refs.map((b) => `${b.channel}:${b.block}`).join(", ");
  }
  const commits = typeof payload === "object" && payload !== null ? (payload as Record<string, unknown>).commits : undefined;
  if (!Array.isArray(commits)) return undefined;
  const highest = new Map<string, bigint>();
  for (const c of commits.filter(isCommit)) {
    const n = BigInt(c.blockNumber);
    if (n > (highest.get(c.channel) ?? -1n)) highest.set(c.channel, n);
  }
  return highest.size === 0 ? undefined : [...highest].map(([channel, n]) => `${channel}:${n.toString()}`).join(", ");
}

/**
 * Waits until the caller's peer has committed each named block, polling its
 * height. A named block is not taken as committed: a client naming a block
 * far ahead must not turn every later miss into a 503.
 * @throws UnavailableError (503, Retry-After) when the peer is still behind at the deadline
 */
export async function waitForBlocks(ledger: LedgerClient, as: Principal, refs: readonly BlockRef[], timeoutMs: number, pollMs = 50): Promise<void> {
  const heights = ledger.heights;
  if (!heights || refs.length === 0) return;
  const deadline = Date.now() + timeoutMs;
  for (const ref of refs) {
    for (;;) {
      const height = await heights.peerHeight(as, ref.channel);
      if (height > ref.block) break;
      if (Date.now() >= deadline) {
        throw new UnavailableError(
          "fabric",
          `${as.mspId}'s peer has ${height.toString()} blocks of ${ref.channel} and did not reach block ${ref.block.toString()} within ${timeoutMs} ms; try again`,
          { retryAfterSeconds: 1, details: { channel: ref.channel, peerHeight: height.toString(), minBlock: ref.block.toString() } },
        );
      }
      await sleep(Math.min(pollMs, Math.max(1, deadline - Date.now())));
    }
  }
}

/**
 * A LedgerClient whose NOT_FOUND becomes NotYetVisibleError when the caller's
 * peer is behind the channel: behind the highest block the gateway has seen
 * committed, or else behind the height the channel's other members' peers
 * report (asked only on this path). On a peer at or past both, the call is
 * made once more (the peer may have committed the block between the miss and
 * the height query) and its NOT_FOUND stands: the record does not exist.
 * When no other peer answers, only
 * what the gateway saw itself counts. A dishonest member's peer reporting a
 * height it does not have can turn a 404 into a 503 (retry), never change an
 * answer.
 */
export function visibilityAwareLedger(inner: LedgerClient): LedgerClient {
  const heights = inner.heights;
  if (!heights) return inner;
  const known = heights;

  async function checked<T>(as: Principal, call: LedgerCall, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof GatewayError) || error.code !== "NOT_FOUND") throw error;
      const height = await known.peerHeight(as, call.channel).catch(() => undefined);
      if (height === undefined) throw error;
      const committed = known.highestCommitted(call.channel);
      if (committed !== undefined && height <= committed) throw new NotYetVisibleError(call.channel, height, committed, error);
      const members = await known.membersHeight(as, call.channel).catch(() => undefined);
      if (members !== undefined && height < members) throw new NotYetVisibleError(call.channel, height, members - 1n, error);
      // The height is learnt after the miss: the peer may have committed the record's block in between.
      // Now that it holds every block known committed, one more call answers; its miss means "does not exist".
      return await run();
    }
  }

  return {
    evaluate: (as, call) => checked(as, call, () => inner.evaluate(as, call)),
    submit: (as, call) => checked(as, call, () => inner.submit(as, call)),
    heights,
    ready: () => inner.ready(),
    close: () => inner.close(),
  };
}
