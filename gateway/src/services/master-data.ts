/**
 * Partners, products, lots: registration, commissioning, recall and
 * withdrawal. Master data on mfr-dist is endorsed by its manufacturer; the
 * mirrors on dist-pharm by the regulator. A regulator's recall or withdrawal
 * is applied on every channel that holds the lot or product; a manufacturer's
 * (not a member of dist-pharm) is carried onto dist-pharm's mirror by a relay
 * identity whose peer is on both channels (crosschannel:SyncRecall).
 */
import type { Principal } from "../auth/principal.js";
import { GatewayError } from "../errors.js";
import { DOWNSTREAM_CHANNEL, SOURCE_CHANNEL, type ChannelName, type LedgerClient } from "../ports/ledger.js";
import { readChannels, resolveChannel } from "./channels.js";
import { asProduct, readEverywhere, readFirst, type ChannelResult } from "./ledger-views.js";
import { KeyLanes, laneKey, lotLanes } from "./key-lanes.js";
import type { Committed } from "./packs.js";

const SOURCE: ChannelName = SOURCE_CHANNEL;
const MIRROR: ChannelName = DOWNSTREAM_CHANNEL;

/** Carries a manufacturer's recall or withdrawal onto dist-pharm: the regulator, whose peer is on both channels. */
export const RECALL_RELAY: Principal = { keyId: "system:recall-relay", user: "auditor", mspId: "RegulatorMSP", role: "auditor" };

export interface MasterDataOptions {
  relay?: Principal;
  /** How long the relay waits for its own peer to commit the source channel's recall block. */
  propagationTimeoutMs?: number;
  pollIntervalMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class MasterDataService {
  readonly #relay: Principal;
  readonly #timeoutMs: number;
  readonly #pollMs: number;

  constructor(
    private readonly ledger: LedgerClient,
    private readonly lanes: KeyLanes = new KeyLanes(),
    options: MasterDataOptions = {},
  ) {
    this.#relay = options.relay ?? RECALL_RELAY;
    this.#timeoutMs = options.propagationTimeoutMs ?? 10_000;
    this.#pollMs = options.pollIntervalMs ?? 200;
  }

  async registerPartner(as: Principal, channel: ChannelName, partner: { mspId: string; name: string; role: string }): Promise<Committed> {
    const ch = resolveChannel(as, channel, "register a partner");
    const committed = await this.ledger.submit(as, {
      channel: ch,
      transaction: "partners:RegisterPartner",
      args: [JSON.stringify(partner)],
      endorsingOrganizations: ["RegulatorMSP"],
    });
    return { ...committed, channel: ch };
  }

  async listPartners(as: Principal, channel?: ChannelName): Promise<ChannelResult[]> {
    return readEverywhere(this.ledger, as, readChannels(as, channel), { transaction: "partners:ListPartners" });
  }

  async registerProduct(as: Principal, product: object): Promise<Committed> {
    const committed = await this.ledger.submit(as, {
      channel: SOURCE,
      transaction: "products:RegisterProduct",
      args: [JSON.stringify(product)],
      endorsingOrganizations: [as.mspId],
    });
    return { ...committed, channel: SOURCE };
  }

  async getProduct(as: Principal, gtin: string, channel?: ChannelName): Promise<ChannelResult> {
    return readFirst(this.ledger, as, readChannels(as, channel), { transaction: "products:GetProduct", args: [gtin] }, `product ${gtin}`);
  }

  /** Commissions into one lot run one at a time: each rewrites the lot record. */
  async commissionLot(as: Principal, input: { gtin: string; lot: string; expiry: string; serials: string[] }): Promise<Committed> {
    const committed = await this.lanes.run(lotLanes(SOURCE, input.gtin, input.lot), () =>
      this.ledger.submit(as, {
        channel: SOURCE,
        transaction: "packs:CommissionLot",
        args: [JSON.stringify(input)],
        endorsingOrganizations: [as.mspId],
      }),
    );
    return { ...committed, channel: SOURCE };
  }

  async getLot(as: Principal, gtin: string, lot: string, channel?: ChannelName): Promise<ChannelResult> {
    return readFirst(this.ledger, as, readChannels(as, channel), { transaction: "packs:GetLot", args: [gtin, lot] }, `lot ${gtin}/${lot}`);
  }

  async listLotPacks(as: Principal, gtin: string, lot: string, channel?: ChannelName): Promise<ChannelResult[]> {
    return readEverywhere(this.ledger, as, readChannels(as, channel), { transaction: "packs:ListPacksByLot", args: [gtin, lot] });
  }

  /** Recalls the lot on every channel of the caller that holds it. */
  async recallLot(as: Principal, gtin: string, lot: string, reason: string): Promise<Committed[]> {
    const holders = await readEverywhere(this.ledger, as, readChannels(as, undefined), { transaction: "packs:GetLot", args: [gtin, lot] });
    const committed = await this.lanes.run(holders.flatMap((h) => lotLanes(h.channel, gtin, lot)), () =>
      this.#applyEverywhere(as, holders, gtin, "packs:RecallLot", [gtin, lot, reason]),
    );
    if (readChannels(as, undefined).includes(MIRROR)) return committed;
    const relayed = await this.#relayToMirror(
      { transaction: "packs:GetLot", args: [gtin, lot], stamp: "recall" },
      { transaction: "crosschannel:SyncRecall", args: [gtin, lot], lanes: lotLanes(MIRROR, gtin, lot) },
    );
    return [...committed, ...relayed];
  }

  /** Withdraws the GTIN on every channel of the caller that holds it. */
  async withdrawProduct(as: Principal, gtin: string, reason: string): Promise<Committed[]> {
    const holders = await readEverywhere(this.ledger, as, readChannels(as, undefined), { transaction: "products:GetProduct", args: [gtin] });
    const committed = await this.lanes.run(holders.map((h) => laneKey.product(h.channel, gtin)), () =>
      this.#applyEverywhere(as, holders, gtin, "products:WithdrawProduct", [gtin, reason]),
    );
    if (readChannels(as, undefined).includes(MIRROR)) return committed;
    const relayed = await this.#relayToMirror(
      { transaction: "products:GetProduct", args: [gtin], stamp: "withdrawal" },
      { transaction: "crosschannel:SyncWithdrawal", args: [gtin], lanes: [laneKey.product(MIRROR, gtin)] },
    );
    return [...committed, ...relayed];
  }

  /**
   * Copies a recall or withdrawal stamp from mfr-dist onto dist-pharm's mirror.
   * The sync reads mfr-dist through the relay's own peer, so it first waits
   * until that peer has committed the stamp. No mirror (never handed off) or
   * one already stamped: nothing to do.
   */
  async #relayToMirror(
    source: { transaction: string; args: string[]; stamp: string },
    sync: { transaction: string; args: string[]; lanes: string[] },
  ): Promise<Committed[]> {
    const endorsingOrganizations = [this.#relay.mspId];
    const deadline = Date.now() + this.#timeoutMs;
    for (;;) {
      const { result } = await this.ledger.evaluate(this.#relay, { channel: SOURCE, transaction: source.transaction, args: source.args, endorsingOrganizations });
      const stamped = typeof result === "object" && result !== null && (result as Record<string, unknown>)[source.stamp] !== undefined;
      if (stamped || Date.now() >= deadline) break;
      await sleep(this.#pollMs);
    }
    try {
      const committed = await this.lanes.run(sync.lanes, () =>
        this.ledger.submit(this.#relay, { channel: MIRROR, transaction: sync.transaction, args: sync.args, endorsingOrganizations }),
      );
      return [{ ...committed, channel: MIRROR }];
    } catch (error) {
      if (error instanceof GatewayError && (error.code === "NOT_FOUND" || error.code === "CONFLICT")) return [];
      throw error;
    }
  }

  async #applyEverywhere(as: Principal, holders: ChannelResult[], gtin: string, transaction: string, args: string[]): Promise<Committed[]> {
    if (holders.length === 0) {
      // Let the chaincode answer NOT_FOUND with its own wording on the caller's first channel.
      const channel = readChannels(as, undefined)[0] ?? SOURCE;
      const committed = await this.ledger.submit(as, { channel, transaction, args });
      return [{ ...committed, channel }];
    }
    let manufacturer: string | undefined;
    const product = holders.find((h) => h.channel === SOURCE);
    if (product) {
      const record = product.result as { manufacturer?: unknown };
      manufacturer = typeof record.manufacturer === "string" ? record.manufacturer : undefined;
    }
    if (manufacturer === undefined && holders.some((h) => h.channel === SOURCE)) {
      manufacturer = asProduct((await this.getProduct(as, gtin, SOURCE)).result).manufacturer;
    }
    const results: Committed[] = [];
    // The source channel first: a recall there must not wait on the mirror.
    for (const holder of [...holders].sort((a) => (a.channel === SOURCE ? -1 : 1))) {
      const endorser = holder.channel === SOURCE ? (manufacturer ?? as.mspId) : "RegulatorMSP";
      const committed = await this.ledger.submit(as, {
        channel: holder.channel,
        transaction,
        args,
        endorsingOrganizations: [endorser as Principal["mspId"]],
      });
      results.push({ ...committed, channel: holder.channel });
    }
    return results;
  }
}
