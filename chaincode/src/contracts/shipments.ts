import { Context, Contract, Info, Returns, Transaction } from "fabric-contract-api";
import {
  alreadyExists,
  comparePackRefs,
  conflict,
  EVENTS,
  forbidden,
  invalidArgument,
  MAX_PACKS_PER_CALL,
  notFound,
  ORG_ROLES,
  PACK_STATUSES,
  packRefKey,
  parseGoods,
  parseJsonObject,
  parseShipInput,
  parseTerms,
  requireShipmentId,
  SHIPPABLE_STATUSES,
  TERMS_COLLECTION,
  TERMS_TRANSIENT_KEY,
  termsCollection,
  type Container,
  type Pack,
  type PackRef,
  type Partner,
  type Shipment,
} from "@rxtrace/domain";
import { requirePartner } from "../ledger/access";
import { begin } from "../ledger/begin";
import { expandContainer, loadContainer, writeContainer } from "../ledger/containers";
import { PackLoader, loadPack, requireMovable, writePack } from "../ledger/packs";
import { KEY_TYPES, result, type State } from "../ledger/state";
import type { Tx } from "../ledger/tx";

/** Key of a shipment's commercial terms in the trading pair's collection. */
export function termsKey(shipmentId: string): string {
  return `terms\u0000${shipmentId}`;
}

export async function loadShipment(state: State, shipmentId: string, field = "shipmentId"): Promise<Shipment> {
  const shipment = await state.get<Shipment>(KEY_TYPES.SHIPMENT, [shipmentId]);
  if (!shipment) throw notFound(`shipment ${shipmentId}`, field);
  return shipment;
}

/** A container of a shipment and every container inside it become the consignee's, at rest. */
async function receiveContainer(state: State, tx: Tx, container: Container): Promise<void> {
  const { shipmentId: _shipment, consignee: _consignee, ...rest } = container;
  await writeContainer(state, tx, { ...rest, status: "HELD", owner: tx.msp });
  for (const sscc of container.containers) await receiveContainer(state, tx, await loadContainer(state, sscc));
}

/**
 * The shipped containers that did not arrive: neither scanned, nor inside a
 * scanned one, nor with any pack counted loose; the outermost such container
 * is named (its packs are listed one by one in `missing`).
 */
async function missingContainersOf(state: State, sscc: string, scanned: ReadonlySet<string>, seen: ReadonlySet<string>): Promise<string[]> {
  if (scanned.has(sscc)) return [];
  const container = await loadContainer(state, sscc);
  const { packs } = await expandContainer(state, container);
  if (!packs.some((ref) => seen.has(packRefKey(ref)))) return [sscc];
  const missing: string[] = [];
  for (const child of container.containers) missing.push(...(await missingContainersOf(state, child, scanned, seen)));
  return missing;
}

/** Shipments between trading partners: ship, receive or record an exception. */
@Info({ title: "shipments", description: "Ship packs to a consignee, receive them, record discrepancies; terms in private data" })
export class ShipmentsContract extends Contract {
  constructor() {
    super("shipments");
  }

  /** Ships packs the caller holds to a consignee; terms from the transient map go to private data. */
  @Transaction()
  @Returns("string")
  async Ship(ctx: Context, shipmentJson: string): Promise<string> {
    const input = parseShipInput(parseJsonObject("shipment", shipmentJson), MAX_PACKS_PER_CALL);
    const transient = ctx.stub.getTransient().get(TERMS_TRANSIENT_KEY);
    const terms = transient && transient.length > 0 ? parseTerms(parseJsonObject("terms", new TextDecoder().decode(transient))) : undefined;
    const { tx, state } = begin(ctx);
    const shipper = await requirePartner(state, tx);
    if (await state.exists(KEY_TYPES.SHIPMENT, [input.shipmentId])) throw alreadyExists(`shipment ${input.shipmentId}`, "shipmentId");
    if (input.consignee === tx.msp) throw invalidArgument("consignee", "must differ from the shipper");
    const consignee = await state.get<Partner>(KEY_TYPES.PARTNER, [input.consignee]);
    if (!consignee) throw notFound(`trading partner ${input.consignee}`, "consignee");
    if (consignee.role === ORG_ROLES.REGULATOR) throw invalidArgument("consignee", "must be a trading partner, not the regulator");
    // Packs go back up the chain only as a saleable return, which the distributor verifies before resale.
    if (shipper.role === ORG_ROLES.PHARMACY && consignee.role === ORG_ROLES.DISTRIBUTOR) {
      throw invalidArgument("consignee", "a pharmacy sends packs back to a distributor as a saleable return (returns:ShipReturn), not a shipment");
    }
    const loader = new PackLoader(state);
    const packs: Pack[] = [];
    const shippable = async (ref: PackRef, field: string, inContainer: string | undefined): Promise<void> => {
      const context = await loader.load(ref, field);
      if (context.pack.owner !== tx.msp) throw forbidden(`pack ${ref.gtin}/${ref.serial} is held by ${context.pack.owner}, not ${tx.msp}`);
      if (!SHIPPABLE_STATUSES.includes(context.pack.status)) {
        throw conflict(`pack ${ref.gtin}/${ref.serial} is ${context.pack.status}; only COMMISSIONED or RECEIVED packs ship`, field);
      }
      // A pack moves with its container or on its own once unpacked, so a container's holder is always its packs'.
      if (context.pack.container !== inContainer) {
        throw conflict(`pack ${ref.gtin}/${ref.serial} is in container ${context.pack.container ?? "none"}; ship the outer container or unpack it`, field);
      }
      requireMovable(context, tx.at, field);
      packs.push(context.pack);
    };
    for (const [i, ref] of input.packs.entries()) await shippable(ref, `packs[${i}]`, undefined);
    const containers: Container[] = [];
    for (const [i, sscc] of (input.containers ?? []).entries()) {
      const outer = await loadContainer(state, sscc, `containers[${i}]`);
      if (outer.owner !== tx.msp) throw forbidden(`container ${sscc} is held by ${outer.owner}, not ${tx.msp}`);
      if (outer.status !== "HELD") throw conflict(`container ${sscc} is ${outer.status}`, `containers[${i}]`);
      if (outer.parent !== undefined) throw conflict(`container ${sscc} is inside ${outer.parent}; ship the outer container`, `containers[${i}]`);
      const inside = await expandContainer(state, outer);
      if (inside.packs.length === 0) throw conflict(`container ${sscc} is empty`, `containers[${i}]`);
      for (const each of [outer, ...inside.containers]) {
        for (const ref of each.packs) await shippable(ref, `containers[${i}]`, each.sscc);
      }
      containers.push(outer, ...inside.containers);
    }
    if (packs.length > MAX_PACKS_PER_CALL) throw invalidArgument("containers", `the shipment would carry ${packs.length} packs; at most ${MAX_PACKS_PER_CALL}`);
    for (const pack of packs) {
      await writePack(state, tx, { ...pack, status: PACK_STATUSES.IN_TRANSIT, shipmentId: input.shipmentId, consignee: input.consignee });
    }
    for (const container of containers) {
      await writeContainer(state, tx, { ...container, status: "IN_TRANSIT", shipmentId: input.shipmentId, consignee: input.consignee });
    }
    const refs = packs.map(({ gtin, serial }) => ({ gtin, serial })).sort(comparePackRefs);
    const shipment: Shipment = { ...input, packs: refs, shipper: tx.msp, status: "IN_TRANSIT", shippedAt: tx.at };
    if (terms) {
      shipment.termsCollection = termsCollection(tx.msp, input.consignee);
      shipment.termsHash = await state.putPrivate(shipment.termsCollection, termsKey(input.shipmentId), terms);
    }
    await state.put(KEY_TYPES.SHIPMENT, [shipment.shipmentId], shipment, [tx.msp, input.consignee]);
    state.emit(EVENTS.SHIPMENT_SHIPPED, {
      shipmentId: shipment.shipmentId,
      shipper: tx.msp,
      consignee: input.consignee,
      count: packs.length,
      ...(input.containers ? { containers: input.containers } : {}),
    });
    return result(shipment);
  }

  /**
   * Receives a shipment: the packs still in transit in it become the consignee's;
   * a count that differs from them records an exception and moves nothing. Packs
   * decommissioned on the way are never received; the shipment lists them.
   */
  @Transaction()
  @Returns("string")
  async Receive(ctx: Context, receiptJson: string): Promise<string> {
    const fields = parseJsonObject("receipt", receiptJson);
    const shipmentId = requireShipmentId("shipmentId", fields.shipmentId);
    const goods = parseGoods(fields, MAX_PACKS_PER_CALL);
    const { tx, state } = begin(ctx);
    await requirePartner(state, tx);
    const shipment = await loadShipment(state, shipmentId);
    if (shipment.consignee !== tx.msp) throw forbidden(`only the consignee ${shipment.consignee} receives shipment ${shipmentId}`);
    if (shipment.status === "RECEIVED") throw conflict(`shipment ${shipmentId} was already received`, "shipmentId");
    // A container scanned by its SSCC counts every pack the ledger has inside it.
    const counted: PackRef[] = [...goods.packs];
    const unexpectedContainers: string[] = [];
    for (const sscc of goods.containers) {
      const container = await state.get<Container>(KEY_TYPES.CONTAINER, [sscc]);
      if (container?.status === "IN_TRANSIT" && container.shipmentId === shipmentId) counted.push(...(await expandContainer(state, container)).packs);
      else unexpectedContainers.push(sscc);
    }
    const packs: Pack[] = [];
    for (const ref of shipment.packs) packs.push(await loadPack(state, ref));
    // A pack decommissioned on the way (a cold-chain destroy) stays as it is: it
    // is neither received nor expected in the count.
    const arriving = packs.filter((pack) => pack.status === PACK_STATUSES.IN_TRANSIT && pack.shipmentId === shipmentId);
    const notReceived = packs.filter((pack) => !arriving.includes(pack)).map(({ gtin, serial, status, updatedAt, updatedBy }) => ({ gtin, serial, status, at: updatedAt, by: updatedBy }));
    const shipped = new Set(shipment.packs.map(packRefKey));
    const seen = new Set(counted.map(packRefKey));
    const missing = arriving.filter((pack) => !seen.has(packRefKey(pack))).map(({ gtin, serial }) => ({ gtin, serial }));
    const unexpected = counted.filter((ref) => !shipped.has(packRefKey(ref)));
    const endorsers = [shipment.shipper, shipment.consignee];
    if (missing.length > 0 || unexpected.length > 0 || unexpectedContainers.length > 0) {
      const scanned = new Set(goods.containers);
      const missingContainers: string[] = [];
      for (const sscc of shipment.containers ?? []) missingContainers.push(...(await missingContainersOf(state, sscc, scanned, seen)));
      const exception: NonNullable<Shipment["exception"]> = { missing, unexpected, at: tx.at, txId: tx.txId };
      if (missingContainers.length > 0) exception.missingContainers = missingContainers;
      if (unexpectedContainers.length > 0) exception.unexpectedContainers = unexpectedContainers;
      const recorded: Shipment = { ...shipment, status: "EXCEPTION", exception };
      await state.put(KEY_TYPES.SHIPMENT, [shipmentId], recorded, endorsers);
      const { at: _at, txId: _txId, ...reported } = exception;
      state.emit(EVENTS.SHIPMENT_EXCEPTION_RECORDED, { shipmentId, ...reported });
      return result(recorded);
    }
    for (const pack of arriving) {
      const { shipmentId: _shipment, consignee: _consignee, ...rest } = pack;
      await writePack(state, tx, { ...rest, status: PACK_STATUSES.RECEIVED, owner: tx.msp, receivedFrom: shipment.shipper });
    }
    for (const sscc of shipment.containers ?? []) await receiveContainer(state, tx, await loadContainer(state, sscc));
    const received: Shipment = { ...shipment, status: "RECEIVED", receivedAt: tx.at };
    if (notReceived.length > 0) received.notReceived = notReceived;
    await state.put(KEY_TYPES.SHIPMENT, [shipmentId], received, endorsers);
    state.emit(EVENTS.SHIPMENT_RECEIVED, { shipmentId, count: arriving.length, notReceived });
    return result(received);
  }

  @Transaction(false)
  @Returns("string")
  async GetShipment(ctx: Context, shipmentId: string): Promise<string> {
    requireShipmentId("shipmentId", shipmentId);
    const { state } = begin(ctx);
    return result(await loadShipment(state, shipmentId));
  }

  /** The shipment's commercial terms, readable on the trading partners' peers only. */
  @Transaction(false)
  @Returns("string")
  async GetTerms(ctx: Context, shipmentId: string): Promise<string> {
    requireShipmentId("shipmentId", shipmentId);
    const { tx, state } = begin(ctx);
    const shipment = await loadShipment(state, shipmentId);
    if (tx.msp !== shipment.shipper && tx.msp !== shipment.consignee) {
      throw forbidden(`only ${shipment.shipper} and ${shipment.consignee} read the terms of shipment ${shipmentId}`);
    }
    const terms = await state.getPrivate<unknown>(shipment.termsCollection ?? TERMS_COLLECTION, termsKey(shipmentId));
    if (!terms) throw notFound(`terms of shipment ${shipmentId}`, "shipmentId");
    return result({ shipmentId, terms: terms.value, hashMatches: terms.hash === shipment.termsHash });
  }
}
