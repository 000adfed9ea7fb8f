/**
 * Aggregation: cases and pallets identified by SSCC. A container's key carries
 * its holder's policy, as its packs' keys do, so a write is endorsed by the
 * caller (the holder; the chaincode checks) and, named alone, gets the
 * regulator as its second endorser (adapters/endorsers.ts), whose peer a
 * pack the regulator marked needs too.
 */
import { CATALOG, type AggregationArgs, type Container, type ContainerView, type PackRef } from "@rxtrace/domain";
import type { Principal } from "../auth/principal.js";
import type { ChannelName, LedgerClient } from "../ports/ledger.js";
import { readChannels, resolveChannel } from "./channels.js";
import { call, readFirst, submit, type ChannelResult, type Committed } from "./ledger-calls.js";

export interface AggregationInput {
  packs?: PackRef[] | undefined;
  containers?: string[] | undefined;
  channel?: ChannelName | undefined;
}

function argsOf(sscc: string, input: AggregationInput): AggregationArgs {
  const args: AggregationArgs = { sscc };
  if (input.packs !== undefined) args.packs = input.packs;
  if (input.containers !== undefined) args.containers = input.containers;
  return args;
}

export class ContainerService {
  constructor(private readonly ledger: LedgerClient) {}

  /** Packs packs and containers into a container (created on first use) on the caller's channel, or the one named. */
  async pack(as: Principal, sscc: string, input: AggregationInput): Promise<Committed<Container>> {
    const channel = resolveChannel(as, input.channel, "pack a container");
    return submit(this.ledger, as, channel, call(CATALOG.aggregation.Pack, [argsOf(sscc, input)], { endorsingOrganizations: [as.mspId] }));
  }

  /** Unpacks the named packs and containers, or everything, on the channel that has the container. */
  async unpack(as: Principal, sscc: string, input: AggregationInput): Promise<Committed<Container>> {
    const found = await this.find(as, sscc, input.channel);
    return submit(this.ledger, as, found.channel, call(CATALOG.aggregation.Unpack, [argsOf(sscc, input)], { endorsingOrganizations: [as.mspId] }));
  }

  /** The container on the first of the caller's channels that has it, with everything inside. */
  async find(as: Principal, sscc: string, channel?: ChannelName): Promise<ChannelResult<ContainerView>> {
    return readFirst(this.ledger, as, readChannels(as, channel), call(CATALOG.aggregation.GetContainer, [sscc]), `container ${sscc}`);
  }
}
