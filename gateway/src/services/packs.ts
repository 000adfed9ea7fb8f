/**
 * Pack use cases: find the live pack across channels, dispense and undo,
 * decommission, marks. Each write names the orgs that must endorse it: the
 * pack's key carries a state-based policy of its owner (and, in transit, its
 * consignee), which Fabric's discovery does not see.
 */
import type { Principal } from "../auth/principal.js";
import { isAllowed, type Action } from "../auth/policy.js";
import { ForbiddenError, NotFoundError } from "../errors.js";
import { DOWNSTREAM_CHANNEL, type ChannelName, type LedgerClient } from "../ports/ledger.js";
import { orgs, readChannels } from "./channels.js";
import { call, liveView, readEverywhere, submit, type ChannelResult, type Committed } from "./ledger-calls.js";
import { CATALOG, type DecommissionAnswer, type DecommissionReason, type DispenseAnswer, type DispenseInput, type MarkInput, type Pack, type PackHistoryEntry, type PackView } from "@rxtrace/domain";

export type { Committed };

const MARK_ACTIONS: Readonly<Record<MarkInput["mark"], Action>> = {
  QUARANTINED: "pack.quarantine",
  SUSPECT: "pack.markSuspect",
  ILLEGITIMATE: "pack.markIllegitimate",
};

export class PackService {
  constructor(private readonly ledger: LedgerClient) {}

  /** Every channel's view of the pack the caller can see (404 when none). */
  async views(as: Principal, gtin: string, serial: string, channel?: ChannelName): Promise<ChannelResult<PackView>[]> {
    const views = await readEverywhere(this.ledger, as, readChannels(as, channel), call(CATALOG.packs.GetPack, [gtin, serial]));
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
  async history(as: Principal, gtin: string, serial: string, channel?: ChannelName): Promise<{ channel: ChannelName; entry: PackHistoryEntry }[]> {
    const per = await readEverywhere(this.ledger, as, readChannels(as, channel), call(CATALOG.packs.GetPackHistory, [gtin, serial]));
    // packs:GetPackHistory answers oldest first (the chaincode reverses Fabric's newest-first order).
    const merged = per.flatMap((p) => p.result.map((entry) => ({ channel: p.channel, entry })));
    if (merged.length === 0) throw new NotFoundError(`no pack ${gtin}/${serial}`, { field: "serial" });
    return merged.sort((a, b) => a.entry.at.localeCompare(b.entry.at));
  }

  async dispense(
    as: Principal,
    input: { gtin: string; serial: string; lot: string; expiry: string; handedToPatient?: boolean | undefined },
  ): Promise<Committed<DispenseAnswer>> {
    const body: DispenseInput = { gtin: input.gtin, serial: input.serial, lot: input.lot, expiry: input.expiry };
    if (input.handedToPatient !== undefined) body.handedToPatient = input.handedToPatient;
    return submit(this.ledger, as, DOWNSTREAM_CHANNEL, call(CATALOG.packs.Dispense, [body], { endorsingOrganizations: [as.mspId] }));
  }

  async decommission(as: Principal, gtin: string, serial: string, reason: DecommissionReason, channel?: ChannelName): Promise<Committed<DecommissionAnswer>> {
    const live = await this.locate(as, gtin, serial, channel);
    return submit(this.ledger, as, live.channel, call(CATALOG.packs.Decommission, [{ gtin, serial, reason }], { endorsingOrganizations: orgs(as.mspId, live.result.owner) }));
  }

  async undoDecommission(as: Principal, gtin: string, serial: string, channel?: ChannelName): Promise<Committed<Pack>> {
    const live = await this.locate(as, gtin, serial, channel);
    return submit(this.ledger, as, live.channel, call(CATALOG.packs.UndoDecommission, [gtin, serial], { endorsingOrganizations: orgs(as.mspId) }));
  }

  /**
   * Sets or clears a mark. Whether the caller may touch this mark is checked
   * here (the route only knows "some mark"); the chaincode checks again.
   */
  async mark(
    as: Principal,
    op: "set" | "clear",
    input: MarkInput,
    channel?: ChannelName,
  ): Promise<Committed<Pack>> {
    const action = MARK_ACTIONS[input.mark];
    if (!action || !isAllowed(as, action)) {
      throw new ForbiddenError(`${as.mspId} (${as.role}) may not ${op} the mark ${input.mark}`, { field: "mark" });
    }
    const live = await this.locate(as, input.gtin, input.serial, channel);
    const endorsingOrganizations = orgs(live.result.owner, live.result.status === "IN_TRANSIT" ? live.result.consignee : undefined);
    return submit(this.ledger, as, live.channel, call(op === "set" ? CATALOG.packs.SetMark : CATALOG.packs.ClearMark, [input], { endorsingOrganizations }));
  }
}
