/**
 * Saleable returns: a pharmacy ships packs back to the distributor that sold
 * them, the distributor verifies each. Both writes are endorsed by the
 * pharmacy, the distributor and the regulator: the packs in transit carry the
 * policy of holder and consignee, and a pack the regulator marked carries the
 * regulator's too.
 */
import { CATALOG, REGULATOR_MSP, type ReturnFailureAction, type ReturnsPage, type SaleableReturn, type ScanInput } from "@rxtrace/domain";
import type { MspId, Principal } from "../auth/principal.js";
import type { ChannelName, LedgerClient } from "../ports/ledger.js";
import { channelBetween, orgs, readChannels, resolveChannel } from "./channels.js";
import { call, evaluate, readFirst, submit, type ChannelResult, type Committed } from "./ledger-calls.js";

export interface ShipReturnInput {
  returnId: string;
  distributor: MspId;
  packs: { gtin: string; serial: string }[];
  reason: string;
}

export interface VerifyReturnInput {
  packs: ScanInput[];
  onFailure?: ReturnFailureAction | undefined;
  channel?: ChannelName | undefined;
}

export class ReturnService {
  constructor(private readonly ledger: LedgerClient) {}

  async ship(as: Principal, input: ShipReturnInput): Promise<Committed<SaleableReturn>> {
    const channel = channelBetween(as.mspId, input.distributor, "distributor");
    return submit(this.ledger, as, channel, call(CATALOG.returns.ShipReturn, [input], { endorsingOrganizations: orgs(as.mspId, input.distributor, REGULATOR_MSP) }));
  }

  async verify(as: Principal, returnId: string, input: VerifyReturnInput): Promise<Committed<SaleableReturn>> {
    const found = await this.find(as, returnId, input.channel);
    const { pharmacy, distributor } = found.result;
    return submit(
      this.ledger,
      as,
      found.channel,
      call(CATALOG.returns.VerifyReturn, [{ returnId, packs: input.packs, ...(input.onFailure ? { onFailure: input.onFailure } : {}) }], {
        endorsingOrganizations: orgs(as.mspId, pharmacy, distributor, REGULATOR_MSP),
      }),
    );
  }

  /** The return on the first of the caller's channels that has it. */
  async find(as: Principal, returnId: string, channel?: ChannelName): Promise<ChannelResult<SaleableReturn>> {
    return readFirst(this.ledger, as, readChannels(as, channel), call(CATALOG.returns.GetReturn, [returnId]), `return ${returnId}`);
  }

  /** One page of a channel's returns (the caller's only channel where it has one). */
  async list(as: Principal, pageSize: number, bookmark: string, channel?: ChannelName): Promise<ChannelResult<ReturnsPage>> {
    const on = resolveChannel(as, channel, "list returns");
    return { channel: on, result: await evaluate(this.ledger, as, on, call(CATALOG.returns.ListReturns, [String(pageSize), bookmark])) };
  }
}
