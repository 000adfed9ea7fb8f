/**
 * Shipments and their cold chain. Every write is endorsed by the shipper and
 * the consignee: the packs in a shipment carry a policy of their owner and,
 * in transit, their consignee.
 */
import type { MspId, Principal } from "../auth/principal.js";
import { InvalidArgumentError } from "../errors.js";
import type { ChannelName, LedgerClient } from "../ports/ledger.js";
import { channelBetween, orgs, readChannels, requireOrg, resolveChannel } from "./channels.js";
import { call, evaluate, readFirst, submit, type ChannelResult, type Committed, type TypedCall } from "./ledger-calls.js";
import { KeyLanes, laneKey } from "./key-lanes.js";
import {
  CATALOG,
  TERMS_TRANSIENT_KEY,
  type AnyTransaction,
  type ColdChain,
  type PackRef,
  type ReceiptInput,
  type ResultOf,
  type Shipment,
  type ShipInput as ShipBody,
  type TermsAnswer,
} from "@rxtrace/domain";

export interface ShipInput {
  shipmentId: string;
  consignee: MspId;
  packs?: { gtin: string; serial: string }[] | undefined;
  /** Outer containers by SSCC: every pack inside ships. */
  containers?: string[] | undefined;
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

  async ship(as: Principal, input: ShipInput): Promise<Committed<Shipment>> {
    if (input.consignee === as.mspId) throw new InvalidArgumentError("consignee", "must be another organisation than the shipper");
    requireOrg(input.consignee, "consignee");
    const channel = input.channel ? resolveChannel(as, input.channel, "ship") : channelBetween(as.mspId, input.consignee, "consignee");
    if (input.packs === undefined && input.containers === undefined) throw new InvalidArgumentError("packs", "name packs, containers or both");
    const body: ShipBody = { shipmentId: input.shipmentId, consignee: input.consignee, packs: input.packs ?? [] };
    if (input.containers !== undefined) body.containers = input.containers;
    if (input.transactionInfoHash !== undefined) body.transactionInfoHash = input.transactionInfoHash;
    if (input.statementHash !== undefined) body.statementHash = input.statementHash;
    return submit(
      this.ledger,
      as,
      channel,
      call(CATALOG.shipments.Ship, [body], {
        ...(input.terms ? { transient: { [TERMS_TRANSIENT_KEY]: JSON.stringify(input.terms) } } : {}),
        endorsingOrganizations: orgs(as.mspId, input.consignee),
      }),
    );
  }

  /** The shipment on the first of the caller's channels that has it. */
  async find(as: Principal, shipmentId: string, channel?: ChannelName): Promise<ChannelResult<Shipment>> {
    return readFirst(this.ledger, as, readChannels(as, channel), call(CATALOG.shipments.GetShipment, [shipmentId]), `shipment ${shipmentId}`);
  }

  async terms(as: Principal, shipmentId: string, channel?: ChannelName): Promise<ChannelResult<TermsAnswer>> {
    const shipment = await this.find(as, shipmentId, channel);
    const result = await evaluate(this.ledger, as, shipment.channel, call(CATALOG.shipments.GetTerms, [shipmentId], { endorsingOrganizations: [as.mspId] }));
    return { channel: shipment.channel, result };
  }

  /** Receives what was counted: loose packs, and containers by SSCC (each counting every pack inside). */
  async receive(as: Principal, shipmentId: string, counted: { packs?: PackRef[] | undefined; containers?: string[] | undefined }, channel?: ChannelName): Promise<Committed<Shipment>> {
    if (counted.packs === undefined && counted.containers === undefined) throw new InvalidArgumentError("packs", "name the packs, containers or both counted");
    const shipment = await this.find(as, shipmentId, channel);
    const receipt: ReceiptInput = { shipmentId };
    if (counted.packs !== undefined) receipt.packs = counted.packs;
    if (counted.containers !== undefined) receipt.containers = counted.containers;
    return this.#submit(as, shipment, call(CATALOG.shipments.Receive, [receipt]));
  }

  async recordReadings(as: Principal, shipmentId: string, input: ReadingsInput, channel?: ChannelName): Promise<Committed<ColdChain>> {
    const shipment = await this.find(as, shipmentId, channel);
    // Batches of one shipment (several loggers) run one at a time: each rewrites the cold-chain record.
    return this.lanes.run([laneKey.coldChain(shipment.channel, shipmentId)], () =>
      this.#submit(as, shipment, call(CATALOG.coldchain.RecordReadings, [{ shipmentId, ...input }])),
    );
  }

  async coldChain(as: Principal, shipmentId: string, channel?: ChannelName): Promise<ChannelResult<ColdChain>> {
    return readFirst(this.ledger, as, readChannels(as, channel), call(CATALOG.coldchain.GetColdChain, [shipmentId]), `cold-chain record of shipment ${shipmentId}`);
  }

  async settleHold(as: Principal, shipmentId: string, decision: "release" | "destroy", reason: string, channel?: ChannelName): Promise<Committed<ColdChain>> {
    const shipment = await this.find(as, shipmentId, channel);
    const spec = decision === "release" ? CATALOG.coldchain.ReleaseHold : CATALOG.coldchain.DestroyHeld;
    return this.lanes.run([laneKey.coldChain(shipment.channel, shipmentId)], () => this.#submit(as, shipment, call(spec, [{ shipmentId, reason }])));
  }

  /** A write on the shipment's channel, endorsed by the caller, the shipper and the consignee. */
  async #submit<T extends AnyTransaction>(as: Principal, shipment: ChannelResult<Shipment>, typed: TypedCall<T>): Promise<Committed<ResultOf<T>>> {
    return submit(this.ledger, as, shipment.channel, { ...typed, endorsingOrganizations: orgs(as.mspId, shipment.result.shipper, shipment.result.consignee) });
  }
}
