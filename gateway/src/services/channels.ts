/**
 * Which channel an operation goes to. Channel membership is the topology's
 * (network/topology.json, or RXTRACE_TOPOLOGY's file): e.g. the manufacturer
 * is on the source channel only, the regulator on every channel, a pharmacy
 * that joined after launch on the channel the operator added it to.
 */
import { isMspId, type MspId, type Principal } from "../auth/principal.js";
import { InvalidArgumentError, ForbiddenError } from "../errors.js";
import type { ChannelName } from "../ports/ledger.js";
import { MSP_IDS, TOPOLOGY, channelsOf as topologyChannelsOf, orgByName } from "../topology.js";

const MEMBERSHIP: ReadonlyMap<MspId, readonly ChannelName[]> = new Map(MSP_IDS.map((m) => [m, topologyChannelsOf(m)]));
/** The org that registers partners audits every channel and trades on none. */
const REGISTRAR: MspId = orgByName(TOPOLOGY.registrar).mspId;

/** Channels the org is a member of, downstream last; none for an MSP id the topology does not name. */
export function channelsOf(mspId: MspId): readonly ChannelName[] {
  return MEMBERSHIP.get(mspId) ?? [];
}

/**
 * An MSP id a request names (a consignee, a distributor, a holder): route
 * schemas check its form, this that it is an org of the topology.
 * @throws InvalidArgumentError naming the field
 */
export function requireOrg(mspId: string, field: string): MspId {
  if (!isMspId(mspId)) throw new InvalidArgumentError(field, `names no org of the network (${MSP_IDS.join(", ")}): ${mspId}`);
  return mspId;
}

/** The one channel both trading partners are on; `b` is the one the request names (`field`). */
export function channelBetween(a: MspId, b: MspId, field: string): ChannelName {
  requireOrg(b, field);
  const shared = channelsOf(a).filter((c) => channelsOf(b).includes(c));
  if (a === REGISTRAR || b === REGISTRAR || shared.length !== 1 || shared[0] === undefined) {
    throw new InvalidArgumentError(field, `${a} and ${b} do not trade on one channel`);
  }
  return shared[0];
}

/**
 * The channel named in the request (it must be one of the caller's), or the
 * caller's only channel.
 */
export function resolveChannel(as: Principal, requested: ChannelName | undefined, operation: string): ChannelName {
  const mine = channelsOf(as.mspId);
  if (requested !== undefined) {
    if (!mine.includes(requested)) throw new ForbiddenError(`${as.mspId} is not a member of channel ${requested}`, { field: "channel" });
    return requested;
  }
  if (mine.length === 1 && mine[0] !== undefined) return mine[0];
  throw new InvalidArgumentError("channel", `is required to ${operation}: ${as.mspId} is a member of ${mine.join(" and ")}`);
}

/** The requested channel if any, else every channel of the caller (for reads). */
export function readChannels(as: Principal, requested: ChannelName | undefined): readonly ChannelName[] {
  if (requested !== undefined) return [resolveChannel(as, requested, "read")];
  return channelsOf(as.mspId);
}

/** Distinct org list for endorsement, order kept. */
export function orgs(...mspIds: (MspId | undefined)[]): MspId[] {
  const out: MspId[] = [];
  for (const m of mspIds) if (m !== undefined && !out.includes(m)) out.push(m);
  return out;
}
