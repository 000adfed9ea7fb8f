/**
 * Shipments and their cold chain. Every write is endorsed by the shipper and
 * the consignee: the packs in a shipment carry a policy of their owner and,
 * in transit, their consignee.
 */
import type { MspId, Principal } from "../auth/principal.js";
import { InvalidArgumentError } from "../errors.js";
import type { ChannelName, LedgerClient } from "../ports/ledger.js";
import { channelBetween, orgs, readChannels, resolveChannel } from "./channels.js";
import { asShipment, readFirst, type ChannelResult, type ShipmentView } from "./ledger-views.js";
import { KeyLanes, laneKey } from "./key-lanes.js";
import type { Committed } from "./packs.js";
import { CATALOG, type QualifiedTransaction } from "@rxtrace/domain";

export interface ShipInput {
  shipmentId: string;
  consignee: MspId;
  packs: { gtin: string; serial: string }[];
  transactionInfoHash?: string | undefined;
  statementHash?: string | undefined;
  /** Commercial terms: sent as transient data into the partners' private collection. */
  terms?: { price: string; currency: string; quantity: number; invoiceRef: string } | undefined;
  channel?: ChannelName | undefined;
}

export interface ReadingsInput {
  intervalSeconds: number;
  readings: { at: number; centiCelsius: number }[];
}

export class ShipmentService {
  constructor(
    private readonly ledger: LedgerClient,
    private readonly lanes: KeyLanes = new KeyLanes(),
  ) {}

  async ship(as: Principal, input: ShipInput): Promise<Committed> {
    if (input.consignee === as.mspId) throw new InvalidArgumentError("consignee", "must be another organisation than the shipper");
    const channel = input.channel ? resolveChannel(as, input.channel, "ship") : channelBetween(as.mspId, input.consignee, "consignee");
    const body: Record<string, unknown> = { shipmentId: input.shipmentId, consignee: input.consignee, packs: input.packs };
    if (input.transactionInfoHash !== undefined) body.transactionInfoHash = input.transactionInfoHash;
    if (input.statementHash !== undefined) body.statementHash = input.statementHash;
    const committed = await this.ledger.submit(as, {
      channel,
      transaction: CATALOG.shipments.Ship.qualified,
      args: [JSON.stringify(body)],
      ...(input.terms ? { transient: { terms: JSON.stringify(input.terms) } } : {}),
      endorsingOrganizations: orgs(as.mspId, input.consignee),
    });
    return { ...committed, channel };
  }

  /** The shipment on the first of the caller's channels that has it. */
  async find(as: Principal, shipmentId: string, channel?: ChannelName): Promise<ChannelResult<ShipmentView>> {
    const found = await readFirst(this.ledger, as, readChannels(as, channel), { transaction: CATALOG.shipments.GetShipment.qualified, args: [shipmentId] }, `shipment ${shipmentId}`);
    return { channel: found.channel, result: asShipment(found.result) };
  }

  async get(as: Principal, shipmentId: string, channel?: ChannelName): Promise<ChannelResult> {
    return readFirst(this.ledger, as, readChannels(as, channel), { transaction: CATALOG.shipments.GetShipment.qualified, args: [shipmentId] }, `shipment ${shipmentId}`);
  }

  async terms(as: Principal, shipmentId: string, channel?: ChannelName): Promise<ChannelResult> {
    const shipment = await this.find(as, shipmentId, channel);
    const { result } = await this.ledger.evaluate(as, {
      channel: shipment.channel,
      transaction: CATALOG.shipments.GetTerms.qualified,
      args: [shipmentId],
      endorsingOrganizations: [as.mspId],
    });
    return { channel: shipment.channel, result };
  }

  async receive(as: Principal, shipmentId: string, packs: { gtin: string; serial: string }[], channel?: ChannelName): Promise<Committed> {
    const shipment = await this.find(as, shipmentId, channel);
    return this.#submit(as, shipment, CATALOG.shipments.Receive.qualified, { shipmentId, packs });
  }

  async recordReadings(as: Principal, shipmentId: string, input: ReadingsInput, channel?: ChannelName): Promise<Committed> {
    const shipment = await this.find(as, shipmentId, channel);
    // Batches of one shipment (several loggers) run one at a time: each rewrites the cold-chain record.
    return this.lanes.run([laneKey.coldChain(shipment.channel, shipmentId)], () =>
      this.#submit(as, shipment, CATALOG.coldchain.RecordReadings.qualified, { shipmentId, ...input }),
    );
  }

  async coldChain(as: Principal, shipmentId: string, channel?: ChannelName): Promise<ChannelResult> {
    return readFirst(this.ledger, as, readChannels(as, channel), { transaction: CATALOG.coldchain.GetColdChain.qualified, args: [shipmentId] }, `cold-chain record of shipment ${shipmentId}`);
  }

  async settleHold(as: Principal, shipmentId: string, decision: "release" | "destroy", reason: string, channel?: ChannelName): Promise<Committed> {
    const shipment = await this.find(as, shipmentId, channel);
    return this.lanes.run([laneKey.coldChain(shipment.channel, shipmentId)], () =>
      this.#submit(as, shipment, decision === "release" ? CATALOG.coldchain.ReleaseHold.qualified : CATALOG.coldchain.DestroyHeld.qualified, { shipmentId, reason }),
    );
  }

  async #submit(as: Principal, shipment: ChannelResult<ShipmentView>, transaction: QualifiedTransaction, body: object): Promise<Committed> {
    const committed = await this.ledger.submit(as, {
      channel: shipment.channel,
      transaction,
      args: [JSON.stringify(body)],
      endorsingOrganizations: orgs(as.mspId, shipment.result.shipper, shipment.result.consignee),
    });
    return { ...committed, channel: shipment.channel };
  }
}
