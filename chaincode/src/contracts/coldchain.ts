import { Context, Contract, Info, Returns, Transaction } from "fabric-contract-api";
import {
  addToMktSums,
  alreadyExists,
  CERT_ROLES,
  conflict,
  DOWNSTREAM_CHANNEL,
  durations,
  EVENTS,
  forbidden,
  isDecommissioned,
  MARKS,
  MAX_READINGS_PER_CALL,
  mktCentiFromSums,
  notFound,
  ORG_ROLES,
  PACK_STATUSES,
  parseHoldDecisionInput,
  parseJsonObject,
  parseReadingsInput,
  parseReason,
  READINGS_GRACE_SECONDS,
  requireMspId,
  requireShipmentId,
  SOURCE_CHANNEL,
  summarizeReadings,
  type CentiRange,
  type ColdChain,
  type HoldDecision,
  type HoldDecisionKind,
  type Pack,
  type Product,
  type Reading,
  type Shipment,
} from "@rxtrace/domain";
import { requireCertRole, requirePartner, requireRole } from "../ledger/access";
import { begin } from "../ledger/begin";
import { takeOutOfContainers } from "../ledger/containers";
import { loadProduct, writePack } from "../ledger/packs";
import { KEY_TYPES, result, type State } from "../ledger/state";
import type { Tx } from "../ledger/tx";
import { withMark } from "./packs";
import { loadShipment } from "./shipments";

/** The strictest storage data over the GTINs of one shipment. */
interface Conditions {
  storage: CentiRange;
  limits: CentiRange;
  budgetSeconds: number;
}

export async function shipmentProducts(state: State, shipment: Shipment): Promise<Product[]> {
  const products: Product[] = [];
  for (const gtin of [...new Set(shipment.packs.map((ref) => ref.gtin))].sort()) products.push(await loadProduct(state, gtin));
  return products;
}

function strictest(products: readonly Product[]): Conditions {
  const narrow = (ranges: CentiRange[]): CentiRange => ({
    minCentiCelsius: Math.max(...ranges.map((r) => r.minCentiCelsius)),
    maxCentiCelsius: Math.min(...ranges.map((r) => r.maxCentiCelsius)),
  });
  return {
    storage: narrow(products.map((p) => p.storage)),
    limits: narrow(products.map((p) => p.limits)),
    budgetSeconds: Math.min(...products.map((p) => p.stabilityBudgetMinutes)) * 60,
  };
}

/**
 * Packs of the shipment still in it or still held by its shipper or consignee,
 * not decommissioned or handed off: never a pack that has moved on to another
 * org (in transit to it or received by it).
 */
async function heldCandidates(state: State, shipment: Shipment): Promise<Pack[]> {
  const parties = [shipment.shipper, shipment.consignee];
  const packs: Pack[] = [];
  for (const ref of shipment.packs) {
    const pack = await state.get<Pack>(KEY_TYPES.PACK, [ref.gtin, ref.serial]);
    if (!pack || isDecommissioned(pack.status) || pack.status === PACK_STATUSES.HANDED_OFF) continue;
    const withParties = pack.status === PACK_STATUSES.IN_TRANSIT ? pack.shipmentId === shipment.shipmentId : parties.includes(pack.owner);
    if (withParties) packs.push(pack);
  }
  return packs;
}

/** Readings belong to the transit: refused after the grace period, and when taken after the receipt. */
function requireReadingWindow(shipment: Shipment, readings: readonly Reading[], tx: Tx): void {
  if (shipment.receivedAt === undefined) return;
  const receivedSeconds = Date.parse(shipment.receivedAt) / 1000;
  if (tx.seconds > receivedSeconds + READINGS_GRACE_SECONDS) {
    throw conflict(`shipment ${shipment.shipmentId} was received at ${shipment.receivedAt}; its readings are accepted for ${READINGS_GRACE_SECONDS / 3600} h after receipt`, "shipmentId");
  }
  const late = readings.findIndex((reading) => reading.at > receivedSeconds);
  if (late >= 0) throw conflict(`readings[${late}].at is after the receipt of shipment ${shipment.shipmentId} (${shipment.receivedAt})`, `readings[${late}].at`);
}

function emptyRecord(shipmentId: string): ColdChain {
  return {
    shipmentId,
    readingCount: 0,
    firstAt: 0,
    lastAt: 0,
    minCentiCelsius: Number.MAX_SAFE_INTEGER,
    maxCentiCelsius: Number.MIN_SAFE_INTEGER,
    secondsOutOfRange: 0,
    minutesOutOfRange: 0,
    mktCentiCelsius: 0,
    weightSeconds: 0,
    mktSum: "0",
    absoluteLimitBreached: false,
    budgetExceeded: false,
    hold: { status: "NONE" },
  };
}

/** Temperature readings per shipment, MKT, and the cold-chain hold on its packs. */
@Info({ title: "coldchain", description: "Temperature readings per shipment, MKT, COLD_CHAIN_HOLD, release or destroy by quality or the regulator" })
export class ColdChainContract extends Contract {
  constructor() {
    super("coldchain");
  }

  /** Adds a batch of readings to a shipment and holds its packs on an excursion. */
  @Transaction()
  @Returns("string")
  async RecordReadings(ctx: Context, readingsJson: string): Promise<string> {
    const fields = parseJsonObject("readings", readingsJson);
    const { tx, state } = begin(ctx);
    const input = parseReadingsInput(fields, tx.seconds, MAX_READINGS_PER_CALL);
    await requirePartner(state, tx);
    const shipment = await loadShipment(state, input.shipmentId);
    if (tx.msp !== shipment.shipper && tx.msp !== shipment.consignee) {
      throw forbidden(`only ${shipment.shipper} or ${shipment.consignee} record readings for shipment ${shipment.shipmentId}`);
    }
    requireReadingWindow(shipment, input.readings, tx);
    const previous = (await state.get<ColdChain>(KEY_TYPES.COLD_CHAIN, [shipment.shipmentId])) ?? emptyRecord(shipment.shipmentId);
    const first = input.readings[0];
    if (first && previous.readingCount > 0 && first.at <= previous.lastAt) {
      throw conflict(`readings[0].at must be later than the last recorded reading (${previous.lastAt})`, "readings[0].at");
    }
    const conditions = strictest(await shipmentProducts(state, shipment));
    const seconds = durations(input.readings.map((r) => r.at), input.intervalSeconds);
    const weighted = input.readings.map((r, i) => ({ centiCelsius: r.centiCelsius, seconds: seconds[i] ?? 0 }));
    const batch = summarizeReadings(weighted, conditions.storage, conditions.limits);
    const sums = addToMktSums({ weightSeconds: previous.weightSeconds, mktSum: BigInt(previous.mktSum) }, weighted);
    const secondsOutOfRange = previous.secondsOutOfRange + batch.secondsOutOfRange;
    const budgetExceeded = secondsOutOfRange > conditions.budgetSeconds;
    // A new excursion in this batch triggers the hold; a released hold is not re-raised by old data.
    const triggered = batch.absoluteLimitBreached || (batch.secondsOutOfRange > 0 && budgetExceeded);
    const holdSet = triggered && previous.hold.status !== "HELD" && previous.hold.status !== "DESTROYED";
    let record: ColdChain = {
      ...previous,
      readingCount: previous.readingCount + input.readings.length,
      firstAt: previous.readingCount > 0 ? previous.firstAt : (first?.at ?? 0),
      lastAt: input.readings[input.readings.length - 1]?.at ?? previous.lastAt,
      minCentiCelsius: Math.min(previous.minCentiCelsius, batch.minCentiCelsius),
      maxCentiCelsius: Math.max(previous.maxCentiCelsius, batch.maxCentiCelsius),
      secondsOutOfRange,
      minutesOutOfRange: Math.floor(secondsOutOfRange / 60),
      weightSeconds: sums.weightSeconds,
      mktSum: sums.mktSum.toString(),
      mktCentiCelsius: mktCentiFromSums(sums) ?? 0,
      absoluteLimitBreached: previous.absoluteLimitBreached || batch.absoluteLimitBreached,
      budgetExceeded,
    };
    if (holdSet) {
      record = { ...record, hold: { status: "HELD", at: tx.at, by: tx.msp, reason: batch.absoluteLimitBreached ? "absolute limit crossed" : "stability budget exceeded" } };
      for (const pack of await heldCandidates(state, shipment)) {
        if (!pack.marks.includes(MARKS.COLD_CHAIN_HOLD)) await writePack(state, tx, { ...pack, marks: withMark(pack.marks, MARKS.COLD_CHAIN_HOLD) });
      }
    }
    await state.put(KEY_TYPES.COLD_CHAIN, [shipment.shipmentId], record, [shipment.shipper, shipment.consignee]);
    state.emit(EVENTS.COLD_CHAIN_READINGS_RECORDED, {
      shipmentId: shipment.shipmentId,
      count: input.readings.length,
      minCentiCelsius: record.minCentiCelsius,
      maxCentiCelsius: record.maxCentiCelsius,
      minutesOutOfRange: record.minutesOutOfRange,
      mktCentiCelsius: record.mktCentiCelsius,
      holdSet,
    });
    return result(record);
  }

  /** Releases a held shipment's packs: the manufacturer's quality function, or the regulator. */
  @Transaction()
  @Returns("string")
  async ReleaseHold(ctx: Context, decisionJson: string): Promise<string> {
    return decide(ctx, decisionJson, "release");
  }

  /** Destroys a held shipment's packs: the manufacturer's quality function, or the regulator. */
  @Transaction()
  @Returns("string")
  async DestroyHeld(ctx: Context, decisionJson: string): Promise<string> {
    return decide(ctx, decisionJson, "destroy");
  }

  /**
   * Records, on the source channel, the manufacturer's decision on a hold of a
   * downstream shipment, for crosschannel:SyncHoldDecision to carry there.
   */
  @Transaction()
  @Returns("string")
  async DecideDownstreamHold(ctx: Context, decisionJson: string): Promise<string> {
    const input = parseHoldDecisionInput(parseJsonObject("decision", decisionJson));
    const { tx, state } = begin(ctx);
    if (tx.channel !== SOURCE_CHANNEL) throw conflict(`a downstream hold decision is recorded on channel ${SOURCE_CHANNEL}, not ${tx.channel}`);
    const partner = await requirePartner(state, tx);
    requireRole(partner, [ORG_ROLES.MANUFACTURER], "a downstream hold decision");
    requireCertRole(tx, CERT_ROLES.QUALITY, "a downstream hold decision");
    if (await state.exists(KEY_TYPES.HOLD_DECISION, [input.shipmentId, tx.msp])) {
      throw alreadyExists(`decision of ${tx.msp} on shipment ${input.shipmentId}`, "shipmentId");
    }
    const decision: HoldDecision = { ...input, channel: DOWNSTREAM_CHANNEL, manufacturer: tx.msp, at: tx.at, txId: tx.txId };
    await state.put(KEY_TYPES.HOLD_DECISION, [input.shipmentId, tx.msp], decision, [tx.msp]);
    state.emit(EVENTS.HOLD_DECISION_RECORDED, { ...input, channel: DOWNSTREAM_CHANNEL });
    return result(decision);
  }

  /** A manufacturer's hold decision on a shipment: recorded on the source channel, or its mirror downstream. */
  @Transaction(false)
  @Returns("string")
  async GetHoldDecision(ctx: Context, shipmentId: string, manufacturer: string): Promise<string> {
    requireShipmentId("shipmentId", shipmentId);
    requireMspId("manufacturer", manufacturer);
    const { state } = begin(ctx);
    const decision = await state.get<HoldDecision>(KEY_TYPES.HOLD_DECISION, [shipmentId, manufacturer]);
    if (!decision) throw notFound(`hold decision of ${manufacturer} on shipment ${shipmentId}`, "shipmentId");
    return result(decision);
  }

  /** Applies the manufacturer's decision mirrored by crosschannel:SyncHoldDecision to the held shipment. */
  @Transaction()
  @Returns("string")
  async ApplyHoldDecision(ctx: Context, shipmentId: string): Promise<string> {
    requireShipmentId("shipmentId", shipmentId);
    const { tx, state } = begin(ctx);
    await requirePartner(state, tx);
    const shipment = await loadShipment(state, shipmentId);
    const manufacturer = soleManufacturer(await shipmentProducts(state, shipment), shipmentId);
    const decision = await state.get<HoldDecision>(KEY_TYPES.HOLD_DECISION, [shipmentId, manufacturer]);
    if (!decision) throw notFound(`decision of ${manufacturer} on shipment ${shipmentId} on ${tx.channel} (run crosschannel:SyncHoldDecision first)`, "shipmentId");
    const record = await requireHeld(state, shipmentId);
    if (decision.at < (record.hold.at ?? "")) throw conflict(`the decision of ${manufacturer} (${decision.at}) predates the hold (${record.hold.at ?? ""})`, "shipmentId");
    return result(await applyDecision(state, tx, shipment, record, decision.decision, decision.reason, manufacturer));
  }

  @Transaction(false)
  @Returns("string")
  async GetColdChain(ctx: Context, shipmentId: string): Promise<string> {
    requireShipmentId("shipmentId", shipmentId);
    const { state } = begin(ctx);
    const record = await state.get<ColdChain>(KEY_TYPES.COLD_CHAIN, [shipmentId]);
    if (!record) throw notFound(`cold-chain record of shipment ${shipmentId}`, "shipmentId");
    return result(record);
  }
}

async function decide(ctx: Context, decisionJson: string, decision: HoldDecisionKind): Promise<string> {
  const fields = parseJsonObject("decision", decisionJson);
  const shipmentId = requireShipmentId("shipmentId", fields.shipmentId);
  const reason = parseReason(fields.reason);
  const { tx, state } = begin(ctx);
  const partner = await requirePartner(state, tx);
  requireRole(partner, [ORG_ROLES.MANUFACTURER, ORG_ROLES.REGULATOR], `a cold-chain ${decision}`);
  // The regulator decides on either channel; a manufacturer only through its quality function, for its own GTINs.
  const manufacturer = partner.role === ORG_ROLES.MANUFACTURER;
  if (manufacturer) requireCertRole(tx, CERT_ROLES.QUALITY, `a cold-chain ${decision}`);
  const shipment = await loadShipment(state, shipmentId);
  if (manufacturer) {
    for (const product of await shipmentProducts(state, shipment)) {
      if (product.manufacturer !== tx.msp) throw forbidden(`GTIN ${product.gtin} of shipment ${shipmentId} belongs to ${product.manufacturer}`);
    }
  }
  const record = await requireHeld(state, shipmentId);
  return result(await applyDecision(state, tx, shipment, record, decision, reason, tx.msp));
}

async function requireHeld(state: State, shipmentId: string): Promise<ColdChain> {
  const record = await state.get<ColdChain>(KEY_TYPES.COLD_CHAIN, [shipmentId]);
  if (record?.hold.status !== "HELD") throw conflict(`shipment ${shipmentId} is not on cold-chain hold`, "shipmentId");
  return record;
}

/** The one manufacturer of every GTIN in the shipment; CONFLICT when there are several. */
export function soleManufacturer(products: readonly Product[], shipmentId: string): string {
  const manufacturers = [...new Set(products.map((product) => product.manufacturer))];
  const [only] = manufacturers;
  if (only === undefined || manufacturers.length > 1) {
    throw conflict(`shipment ${shipmentId} holds GTINs of ${manufacturers.join(", ")}; only the regulator decides on its hold`, "shipmentId");
  }
  return only;
}

/** Releases or destroys the held packs of a shipment and records who decided. */
async function applyDecision(state: State, tx: Tx, shipment: Shipment, record: ColdChain, decision: HoldDecisionKind, reason: string, decidedBy: string): Promise<ColdChain> {
  const held = (await heldCandidates(state, shipment)).filter((pack) => pack.marks.includes(MARKS.COLD_CHAIN_HOLD));
  // A destroyed pack leaves its case (each case written once for all its packs).
  const affected = decision === "release" ? held : await takeOutOfContainers(state, tx, held);
  for (const pack of affected) {
    const marks = pack.marks.filter((mark) => mark !== MARKS.COLD_CHAIN_HOLD);
    await writePack(state, tx, decision === "release" ? { ...pack, marks } : destroyed(pack, marks, tx));
  }
  const count = held.length;
  const status = decision === "release" ? "RELEASED" : "DESTROYED";
  const decided: ColdChain = { ...record, hold: { status, at: tx.at, by: decidedBy, reason } };
  await state.put(KEY_TYPES.COLD_CHAIN, [shipment.shipmentId], decided, [shipment.shipper, shipment.consignee]);
  state.emit(decision === "release" ? EVENTS.COLD_CHAIN_HOLD_RELEASED : EVENTS.HELD_PACKS_DESTROYED, { shipmentId: shipment.shipmentId, count, reason, decidedBy });
  return decided;
}

function destroyed(pack: Pack, marks: Pack["marks"], tx: Tx): Pack {
  const decommission = { reason: PACK_STATUSES.DESTROYED, at: tx.at, by: tx.msp, txId: tx.txId, previousStatus: pack.status, handedToPatient: false };
  return { ...pack, marks, status: PACK_STATUSES.DESTROYED, decommission };
}
