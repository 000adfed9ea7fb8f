/**
 * Partners, products, lots: registration, commissioning, recall and
 * withdrawal. Master data on mfr-dist is endorsed by its manufacturer; the
 * mirrors on dist-pharm by the regulator. A regulator's recall or withdrawal
 * is applied on every channel that holds the lot or product.
 */
import type { Principal } from "../auth/principal.js";
import type { ChannelName, LedgerClient } from "../ports/ledger.js";
import { readChannels, resolveChannel } from "./channels.js";
import { asProduct, readEverywhere, readFirst, type ChannelResult } from "./ledger-views.js";
import { KeyLanes } from "./key-lanes.js";
import type { Committed } from "./packs.js";

const SOURCE: ChannelName = "mfr-dist";

export function lotKey(channel: string, gtin: string, lot: string): string {
  return `${channel}/lot/${gtin}/${lot}`;
}

export class MasterDataService {
  constructor(
    private readonly ledger: LedgerClient,
    private readonly lanes: KeyLanes = new KeyLanes(),
  ) {}

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
    const committed = await this.lanes.run([lotKey(SOURCE, input.gtin, input.lot)], () =>
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
    return this.lanes.run(holders.map((h) => lotKey(h.channel, gtin, lot)), () =>
      this.#applyEverywhere(as, holders, gtin, "packs:RecallLot", [gtin, lot, reason]),
    );
  }

  /** Withdraws the GTIN on every channel of the caller that holds it. */
  async withdrawProduct(as: Principal, gtin: string, reason: string): Promise<Committed[]> {
    const holders = await readEverywhere(this.ledger, as, readChannels(as, undefined), { transaction: "products:GetProduct", args: [gtin] });
    return this.lanes.run(holders.map((h) => `${h.channel}/product/${gtin}`), () =>
      this.#applyEverywhere(as, holders, gtin, "products:WithdrawProduct", [gtin, reason]),
    );
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
