/**
 * Pack use cases: find the live pack across channels, dispense and undo,
 * decommission, marks. Each write names the orgs that must endorse it: the
 * pack's key carries a state-based policy of its owner (and, in transit, its
 * consignee), which Fabric's discovery does not see.
 */
import type { Principal } from "../auth/principal.js";
import { isAllowed, type Action } from "../auth/policy.js";
import { ForbiddenError, NotFoundError } from "../errors.js";
import { DOWNSTREAM_CHANNEL, type ChannelName, type LedgerClient, type SubmitResult } from "../ports/ledger.js";
import { orgs, readChannels } from "./channels.js";
import { liveView, readEverywhere, type ChannelResult, type PackView } from "./ledger-views.js";
import { CATALOG } from "@rxtrace/domain";

export type Committed = SubmitResult & { channel: ChannelName };

const MARK_ACTIONS: Readonly<Record<string, Action>> = {
  QUARANTINED: "pack.quarantine",
  SUSPECT: "pack.markSuspect",
  ILLEGITIMATE: "pack.markIllegitimate",
};

export class PackService {
  constructor(private readonly ledger: LedgerClient) {}

  /** Every channel's view of the pack the caller can see (404 when none). */
  async views(as: Principal, gtin: string, serial: string, channel?: ChannelName): Promise<ChannelResult[]> {
    const views = await readEverywhere(this.ledger, as, readChannels(as, channel), {
      transaction: CATALOG.packs.GetPack.qualified,
      args: [gtin, serial],
    });
    if (views.length === 0) throw new NotFoundError(`no pack ${gtin}/${serial}`, { field: "serial" });
    return views;
  }

  /** The live view of the pack: dist-pharm once handed off. */
  async locate(as: Principal, gtin: string, serial: string, channel?: ChannelName): Promise<ChannelResult<PackView>> {
    const live = liveView(await this.views(as, gtin, serial, channel));
    if (!live) throw new NotFoundError(`no pack ${gtin}/${serial}`, { field: "serial" });
    return live;
  }

  /** History of the pack on each channel the caller sees, merged oldest first (mfr-dist before dist-pharm within a second). */
  async history(as: Principal, gtin: string, serial: string, channel?: ChannelName): Promise<{ channel: ChannelName; entry: unknown }[]> {
    const per = await readEverywhere(this.ledger, as, readChannels(as, channel), {
      transaction: CATALOG.packs.GetPackHistory.qualified,
      args: [gtin, serial],
    });
    // packs:GetPackHistory answers oldest first (the chaincode reverses Fabric's newest-first order).
    const merged = per.flatMap((p) => (Array.isArray(p.result) ? (p.result as unknown[]) : []).map((entry) => ({ channel: p.channel, entry })));
    if (merged.length === 0) throw new NotFoundError(`no pack ${gtin}/${serial}`, { field: "serial" });
    const at = (e: unknown) => (typeof (e as { at?: unknown }).at === "string" ? (e as { at: string }).at : "");
    return merged.sort((a, b) => at(a.entry).localeCompare(at(b.entry)));
  }

  async dispense(
    as: Principal,
    input: { gtin: string; serial: string; lot: string; expiry: string; handedToPatient?: boolean | undefined },
  ): Promise<Committed> {
    const channel: ChannelName = DOWNSTREAM_CHANNEL;
    const body: Record<string, unknown> = { gtin: input.gtin, serial: input.serial, lot: input.lot, expiry: input.expiry };
    if (input.handedToPatient !== undefined) body.handedToPatient = input.handedToPatient;
    const committed = await this.ledger.submit(as, {
      channel,
      transaction: CATALOG.packs.Dispense.qualified,
      args: [JSON.stringify(body)],
      endorsingOrganizations: [as.mspId],
    });
    return { ...committed, channel };
  }

  async decommission(as: Principal, gtin: string, serial: string, reason: string, channel?: ChannelName): Promise<Committed> {
    const live = await this.locate(as, gtin, serial, channel);
    const committed = await this.ledger.submit(as, {
      channel: live.channel,
      transaction: CATALOG.packs.Decommission.qualified,
      args: [JSON.stringify({ gtin, serial, reason })],
      endorsingOrganizations: orgs(as.mspId, live.result.owner),
    });
    return { ...committed, channel: live.channel };
  }

  async undoDecommission(as: Principal, gtin: string, serial: string, channel?: ChannelName): Promise<Committed> {
    const live = await this.locate(as, gtin, serial, channel);
    const committed = await this.ledger.submit(as, {
      channel: live.channel,
      transaction: CATALOG.packs.UndoDecommission.qualified,
      args: [gtin, serial],
      endorsingOrganizations: orgs(as.mspId),
    });
    return { ...committed, channel: live.channel };
  }

  /**
   * Sets or clears a mark. Whether the caller may touch this mark is checked
   * here (the route only knows "some mark"); the chaincode checks again.
   */
  async mark(
    as: Principal,
    op: "set" | "clear",
    input: { gtin: string; serial: string; mark: string; reason: string },
    channel?: ChannelName,
  ): Promise<Committed> {
    const action = MARK_ACTIONS[input.mark];
    if (!action || !isAllowed(as, action)) {
      throw new ForbiddenError(`${as.mspId} (${as.role}) may not ${op} the mark ${input.mark}`, { field: "mark" });
    }
    const live = await this.locate(as, input.gtin, input.serial, channel);
    const committed = await this.ledger.submit(as, {
      channel: live.channel,
      transaction: op === "set" ? CATALOG.packs.SetMark.qualified : CATALOG.packs.ClearMark.qualified,
      args: [JSON.stringify(input)],
      endorsingOrganizations: orgs(live.result.owner, live.result.status === "IN_TRANSIT" ? live.result.consignee : undefined),
    });
    return { ...committed, channel: live.channel };
  }
}
