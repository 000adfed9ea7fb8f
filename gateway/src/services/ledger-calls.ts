/**
 * The gateway's one typed client of the chaincode: every call names a
 * transaction of the catalog (@rxtrace/domain CATALOG) with the argument
 * tuple the catalog declares for it, and answers with the catalog's result
 * type. Changing a transaction's arguments or result in the catalog fails
 * tsc wherever the gateway calls it.
 *
 * Results are typed, not re-checked field by field. The trust boundary is
 * where they come from: an evaluate runs on the caller's own org's peer (the
 * gateway's org runs it), and a submit's result is the payload every
 * endorsing org's peer signed, which the gateway peer requires to be equal
 * (a modified chaincode on another org's peer cannot shape it alone). The
 * Fabric adapter still refuses an answer that is not JSON.
 */
import type { AnyTransaction, ArgsOf, ResultOf } from "@rxtrace/domain";
import { encodeArguments } from "@rxtrace/domain";
import type { MspId, Principal } from "../auth/principal.js";
import { GatewayError, NotFoundError, NotYetVisibleError } from "../errors.js";
import type { ChannelName, LedgerCall, LedgerClient, SubmitResult } from "../ports/ledger.js";

/** A catalog transaction with its arguments, ready to run on a channel. */
export interface TypedCall<T extends AnyTransaction = AnyTransaction> {
  readonly spec: T;
  readonly args: ArgsOf<T>;
  /** Private inputs (e.g. trade terms); never written to the block. */
  readonly transient?: Readonly<Record<string, string>>;
  /** Orgs whose peers must endorse (cross-org or private-data transactions). */
  readonly endorsingOrganizations?: readonly MspId[];
}

/** A transaction's answer on one channel. */
export interface ChannelResult<T = unknown> {
  readonly channel: ChannelName;
  readonly result: T;
}

/** A committed write: its transaction id and block, its channel, and the transaction's typed answer. */
export type Committed<R = unknown> = SubmitResult & { readonly channel: ChannelName; readonly result: R };

/** The call of `spec` with `args` (typed by the catalog). */
export function call<T extends AnyTransaction>(
  spec: T,
  args: ArgsOf<T>,
  options: { transient?: Readonly<Record<string, string>>; endorsingOrganizations?: readonly MspId[] } = {},
): TypedCall<T> {
  return { spec, args, ...options };
}

/** The call as the ledger port carries it: the qualified name and string arguments. */
export function toLedgerCall(channel: ChannelName, typed: TypedCall): LedgerCall {
  return {
    channel,
    transaction: typed.spec.qualified,
    args: encodeArguments(typed.spec, typed.args),
    ...(typed.transient === undefined ? {} : { transient: typed.transient }),
    ...(typed.endorsingOrganizations === undefined ? {} : { endorsingOrganizations: typed.endorsingOrganizations }),
  };
}

/** Evaluates a catalog transaction on one channel. */
export async function evaluate<T extends AnyTransaction>(ledger: LedgerClient, as: Principal, channel: ChannelName, typed: TypedCall<T>): Promise<ResultOf<T>> {
  const { result } = await ledger.evaluate(as, toLedgerCall(channel, typed));
  // The catalog is the contract; see the header for why this is not re-checked.
  return result as ResultOf<T>;
}

/** Submits a catalog transaction on one channel and waits for its commit. */
export async function submit<T extends AnyTransaction>(ledger: LedgerClient, as: Principal, channel: ChannelName, typed: TypedCall<T>): Promise<Committed<ResultOf<T>>> {
  const committed = await ledger.submit(as, toLedgerCall(channel, typed));
  return { ...committed, channel, result: committed.result as ResultOf<T> };
}

/**
 * Evaluates the call on each channel; channels where it is NOT_FOUND (or not
 * yet visible on a peer that is behind) are left out. Found nowhere while some
 * channel's peer is behind: that channel's NotYetVisibleError (503).
 */
export async function readEverywhere<T extends AnyTransaction>(
  ledger: LedgerClient,
  as: Principal,
  channels: readonly ChannelName[],
  typed: TypedCall<T>,
): Promise<ChannelResult<ResultOf<T>>[]> {
  let notYetVisible: NotYetVisibleError | undefined;
  const answers = await Promise.all(
    channels.map(async (channel) => {
      try {
        return { channel, result: await evaluate(ledger, as, channel, typed) };
      } catch (err) {
        if (err instanceof NotYetVisibleError) {
          notYetVisible ??= err;
          return undefined;
        }
        if (err instanceof GatewayError && err.code === "NOT_FOUND") return undefined;
        throw err;
      }
    }),
  );
  const found = answers.filter((a) => a !== undefined);
  if (found.length === 0 && notYetVisible) throw notYetVisible;
  return found;
}

/** The first channel (in the given order) where the call finds something; 404 otherwise. */
export async function readFirst<T extends AnyTransaction>(
  ledger: LedgerClient,
  as: Principal,
  channels: readonly ChannelName[],
  typed: TypedCall<T>,
  what: string,
): Promise<ChannelResult<ResultOf<T>>> {
  const found = await readEverywhere(ledger, as, channels, typed);
  const first = found[0];
  if (!first) throw new NotFoundError(`${what} not found on ${channels.join(" or ")}`);
  return first;
}

/**
 * Of the views of one pack on several channels, the live one: a pack handed
 * off on mfr-dist lives on in dist-pharm.
 */
export function liveView<P extends { status: string }>(views: readonly ChannelResult<P>[]): ChannelResult<P> | undefined {
  return views.find((v) => v.result.status !== "HANDED_OFF") ?? views[0];
}
