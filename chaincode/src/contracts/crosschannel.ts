import { Context, Contract, Info, Returns, Transaction } from "fabric-contract-api";
import {
  alreadyExists,
  CATALOG,
  comparePackRefs,
  CHAINCODE_NAME,
  conflict,
  DOWNSTREAM_CHANNEL,
  encodeArguments,
  EVENTS,
  forbidden,
  MAX_PACKS_PER_CALL,
  notFound,
  ORG_ROLES,
  PACK_STATUSES,
  parseJsonObject,
  parsePackRefs,
  requireOneOf,
  requireShipmentId,
  SOURCE_CHANNEL,
  validateGtin,
  validateLot,
  type AnyTransaction,
  type ArgsOf,
  type Container,
  type HandOff,
  type Lot,
  type Pack,
  type PackRef,
  type Product,
  type ResultOf,
} from "@rxtrace/domain";
import { requirePartner, requireRole } from "../ledger/access";
import { begin } from "../ledger/begin";
import { loadContainer, takeOutOfContainers, writeContainer } from "../ledger/containers";
import { PackLoader, loadLot, loadProduct, masterDataEndorser, requireMovable, writePack } from "../ledger/packs";
import { KEY_TYPES, result, type State } from "../ledger/state";
import type { Tx } from "../ledger/tx";
import { shipmentProducts, soleManufacturer } from "./coldchain";
import { newPackFields } from "./packs";
import { loadShipment } from "./shipments";


/**
 * Rebuilds on this channel the containers handed-off packs were in: each
 * created held by the importer (or one it already holds here at rest, joined),
 * the pack in its innermost container, each container in the next. Written
 * once each at the end: a transaction does not read its own writes.
 */
class ContainerRebuild {
  readonly #state: State;
  readonly #tx: Tx;
  readonly #containers = new Map<string, Container>();

  constructor(state: State, tx: Tx) {
    this.#state = state;
    this.#tx = tx;
  }

  async #get(sscc: string, field: string): Promise<Container> {
    let container = this.#containers.get(sscc);
    if (!container) {
      const existing = await this.#state.get<Container>(KEY_TYPES.CONTAINER, [sscc]);
      if (existing && (existing.owner !== this.#tx.msp || existing.status !== "HELD")) {
        throw conflict(`container ${sscc} on ${this.#tx.channel} is ${existing.status} with ${existing.owner}`, field);
      }
      const { at, msp, txId } = this.#tx;
      container = existing ?? { sscc, owner: msp, status: "HELD", packs: [], containers: [], level: 1, createdAt: at, createdBy: msp, updatedAt: at, updatedBy: msp, updatedTxId: txId };
      this.#containers.set(sscc, container);
    }
    return container;
  }

  /** Puts the pack in the innermost container of its path and each container in the next. */
  async place(ref: PackRef, path: readonly string[], field: string): Promise<void> {
    for (const [j, sscc] of path.entries()) {
      const container = await this.#get(sscc, field);
      const outer = path[j + 1];
      if (container.parent !== undefined && container.parent !== outer) throw conflict(`container ${sscc} is in ${container.parent} on ${this.#tx.channel}`, field);
      if (outer !== undefined) container.parent = outer;
      container.level = Math.max(container.level, j + 1);
      const inner = path[j - 1];
      if (inner === undefined) {
        if (!container.packs.some((p) => p.gtin === ref.gtin && p.serial === ref.serial)) container.packs = [...container.packs, { gtin: ref.gtin, serial: ref.serial }].sort(comparePackRefs);
      } else if (!container.containers.includes(inner)) {
        container.containers = [...container.containers, inner].sort();
      }
    }
  }

  async write(): Promise<void> {
    for (const container of this.#containers.values()) await writeContainer(this.#state, this.#tx, container);
  }
}

function requireChannel(tx: Tx, channel: string, action: string): void {
  if (tx.channel !== channel) throw conflict(`${action} runs on channel ${channel}, not ${tx.channel}`);
}

/** Moving packs from the source channel to the downstream channel. */
@Info({ title: "crosschannel", description: "Hand-off on mfr-dist, import on dist-pharm checked by a cross-channel query; recall, withdrawal and hold-decision sync" })
export class CrossChannelContract extends Contract {
  constructor() {
    super("crosschannel");
  }

  /** Freezes packs the distributor holds on the source channel and records their hand-off. */
  @Transaction()
  @Returns("string")
  async HandOff(ctx: Context, handOffJson: string): Promise<string> {
    const fields = parseJsonObject("handOff", handOffJson);
    const refs = parsePackRefs("packs", fields.packs, MAX_PACKS_PER_CALL);
    const toChannel = requireOneOf("toChannel", fields.toChannel, [DOWNSTREAM_CHANNEL]);
    const { tx, state } = begin(ctx);
    requireChannel(tx, SOURCE_CHANNEL, "a hand-off");
    const partner = await requirePartner(state, tx);
    requireRole(partner, [ORG_ROLES.DISTRIBUTOR], "handing packs off");
    const loader = new PackLoader(state);
    const contexts = [];
    for (const [i, ref] of refs.entries()) {
      const context = await loader.load(ref, `packs[${i}]`);
      if (context.pack.owner !== tx.msp) throw forbidden(`pack ${ref.gtin}/${ref.serial} is held by ${context.pack.owner}, not ${tx.msp}`);
      if (context.pack.status !== PACK_STATUSES.RECEIVED) {
        throw conflict(`pack ${ref.gtin}/${ref.serial} is ${context.pack.status}; only a RECEIVED pack is handed off`, `packs[${i}]`);
      }
      requireMovable(context, tx.at, `packs[${i}]`);
      contexts.push(context);
    }
    // The hierarchy travels in the hand-off records: each pack names the SSCCs it was in, innermost first.
    const paths = new Map<string, string[]>();
    const pathOf = async (sscc: string | undefined): Promise<string[]> => {
      if (sscc === undefined) return [];
      let path = paths.get(sscc);
      if (!path) {
        const container = await loadContainer(state, sscc);
        path = [sscc, ...(await pathOf(container.parent))];
        paths.set(sscc, path);
      }
      return path;
    };
    const leaving = await takeOutOfContainers(state, tx, contexts.map((c) => c.pack));
    for (const [k, { pack: before, product, lot }] of contexts.entries()) {
      const pack = leaving[k] as Pack;
      const containers = await pathOf(before.container);
      const handOff: HandOff = {
        gtin: pack.gtin,
        serial: pack.serial,
        lot: pack.lot,
        expiry: pack.expiry,
        holder: tx.msp,
        fromChannel: tx.channel,
        toChannel,
        at: tx.at,
        txId: tx.txId,
        product,
        lotRecord: lot,
        ...(containers.length > 0 ? { containers } : {}),
      };
      await state.put(KEY_TYPES.HAND_OFF, [pack.gtin, pack.serial], handOff, [tx.msp]);
      await writePack(state, tx, { ...pack, status: PACK_STATUSES.HANDED_OFF, handOff: { toChannel, at: tx.at, txId: tx.txId } });
    }
    state.emit(EVENTS.PACKS_HANDED_OFF, { toChannel, count: refs.length, holder: tx.msp });
    return result({ handedOff: refs.length, toChannel });
  }

  /** Hand-off records of the given packs in the order asked (null where none), for the downstream import. */
  @Transaction(false)
  @Returns("string")
  async GetHandOffs(ctx: Context, packsJson: string): Promise<string> {
    const refs = parsePackRefs("packs", parseJsonObject("query", packsJson).packs, MAX_PACKS_PER_CALL, true);
    const { tx, state } = begin(ctx);
    await requirePartner(state, tx);
    const loader = new PackLoader(state);
    const answers: (HandOff | null)[] = [];
    for (const ref of refs) {
      const handOff = await state.get<HandOff>(KEY_TYPES.HAND_OFF, [ref.gtin, ref.serial]);
      // The product and lot as they are now, so a recall or withdrawal since the hand-off travels too.
      const current = handOff ? await loader.load(ref) : undefined;
      answers.push(handOff && current ? { ...handOff, product: current.product, lotRecord: current.lot } : null);
    }
    return result(answers);
  }

  /** Creates handed-off packs on the downstream channel after checking the source channel's hand-off. */
  @Transaction()
  @Returns("string")
  async ImportPacks(ctx: Context, importJson: string): Promise<string> {
    const fields = parseJsonObject("import", importJson);
    const refs = parsePackRefs("packs", fields.packs, MAX_PACKS_PER_CALL);
    const fromChannel = requireOneOf("fromChannel", fields.fromChannel, [SOURCE_CHANNEL]);
    const { tx, state } = begin(ctx);
    requireChannel(tx, DOWNSTREAM_CHANNEL, "an import");
    const partner = await requirePartner(state, tx);
    requireRole(partner, [ORG_ROLES.DISTRIBUTOR], "importing packs");
    for (const [i, ref] of refs.entries()) {
      if (await state.exists(KEY_TYPES.PACK, [ref.gtin, ref.serial])) throw alreadyExists(`pack ${ref.gtin}/${ref.serial} on ${tx.channel}`, `packs[${i}]`);
    }
    const answers = await readHandOffs(ctx, refs);
    const handOffs = refs.map(({ gtin, serial }, i) => {
      const handOff = answers[i];
      if (!handOff || handOff.gtin !== gtin || handOff.serial !== serial) throw notFound(`hand-off of pack ${gtin}/${serial} on ${fromChannel}`, `packs[${i}]`);
      if (handOff.holder !== tx.msp) throw forbidden(`pack ${gtin}/${serial} was handed off by ${handOff.holder}, not ${tx.msp}`);
      if (handOff.toChannel !== tx.channel) throw conflict(`pack ${gtin}/${serial} was handed off to ${handOff.toChannel}`, `packs[${i}]`);
      return handOff;
    });
    await mirrorMasterData(state, tx, handOffs);
    const containers = new ContainerRebuild(state, tx);
    for (const [i, handOff] of handOffs.entries()) {
      const pack: Pack = {
        ...newPackFields(handOff.gtin, handOff.serial, handOff.lot, handOff.expiry, tx),
        status: PACK_STATUSES.RECEIVED,
        importedFrom: { channel: fromChannel, txId: handOff.txId },
      };
      const [innermost] = handOff.containers ?? [];
      if (innermost !== undefined) {
        await containers.place(handOff, handOff.containers ?? [], `packs[${i}]`);
        pack.container = innermost;
      }
      await writePack(state, tx, pack);
    }
    await containers.write();
    state.emit(EVENTS.PACKS_IMPORTED, { fromChannel, count: handOffs.length, holder: tx.msp });
    return result({ imported: handOffs.length, fromChannel });
  }

  /** Copies a lot recall recorded on the source channel onto this channel's mirror of the lot. */
  @Transaction()
  @Returns("string")
  async SyncRecall(ctx: Context, gtin: string, lot: string): Promise<string> {
    validateGtin("gtin", gtin);
    validateLot("lot", lot);
    const { tx, state } = begin(ctx);
    requireChannel(tx, DOWNSTREAM_CHANNEL, "a recall sync");
    await requirePartner(state, tx);
    const mirror = await loadLot(state, gtin, lot);
    if (mirror.recall) throw conflict(`lot ${lot} is already recalled on ${tx.channel}`, "lot");
    const source = await querySource(ctx, CATALOG.packs.GetLot, [gtin, lot]);
    if (!source.recall) throw conflict(`lot ${lot} is not recalled on ${SOURCE_CHANNEL}`, "lot");
    const recalled: Lot = { ...mirror, recall: source.recall };
    await state.put(KEY_TYPES.LOT, [gtin, lot], recalled, [masterDataEndorser(mirror.manufacturer, tx.channel)]);
    state.emit(EVENTS.LOT_RECALLED, { gtin, lot, reason: source.recall.reason, syncedFrom: SOURCE_CHANNEL });
    return result(recalled);
  }

  /** Copies a GTIN withdrawal recorded on the source channel onto this channel's mirror of the product. */
  @Transaction()
  @Returns("string")
  async SyncWithdrawal(ctx: Context, gtin: string): Promise<string> {
    validateGtin("gtin", gtin);
    const { tx, state } = begin(ctx);
    requireChannel(tx, DOWNSTREAM_CHANNEL, "a withdrawal sync");
    await requirePartner(state, tx);
    const mirror = await loadProduct(state, gtin);
    if (mirror.withdrawal) throw conflict(`GTIN ${gtin} is already withdrawn on ${tx.channel}`, "gtin");
    const source = await querySource(ctx, CATALOG.products.GetProduct, [gtin]);
    if (!source.withdrawal) throw conflict(`GTIN ${gtin} is not withdrawn on ${SOURCE_CHANNEL}`, "gtin");
    const withdrawn: Product = { ...mirror, withdrawal: source.withdrawal };
    await state.put(KEY_TYPES.PRODUCT, [gtin], withdrawn, [masterDataEndorser(mirror.manufacturer, tx.channel)]);
    state.emit(EVENTS.PRODUCT_WITHDRAWN, { gtin, reason: source.withdrawal.reason, syncedFrom: SOURCE_CHANNEL });
    return result(withdrawn);
  }

  /**
   * Mirrors the manufacturer's decision on a held downstream shipment, recorded
   * on the source channel (coldchain:DecideDownstreamHold), onto this channel,
   * where coldchain:ApplyHoldDecision applies it. Two steps, because the packs'
   * endorsers (the pharmacy) have no peer on the source channel to run the query.
   */
  @Transaction()
  @Returns("string")
  async SyncHoldDecision(ctx: Context, shipmentId: string): Promise<string> {
    requireShipmentId("shipmentId", shipmentId);
    const { tx, state } = begin(ctx);
    requireChannel(tx, DOWNSTREAM_CHANNEL, "a hold decision sync");
    await requirePartner(state, tx);
    const shipment = await loadShipment(state, shipmentId);
    const manufacturer = soleManufacturer(await shipmentProducts(state, shipment), shipmentId);
    if (await state.exists(KEY_TYPES.HOLD_DECISION, [shipmentId, manufacturer])) {
      throw conflict(`the decision of ${manufacturer} on shipment ${shipmentId} is already on ${tx.channel}`, "shipmentId");
    }
    const source = await querySource(ctx, CATALOG.coldchain.GetHoldDecision, [shipmentId, manufacturer]);
    await state.put(KEY_TYPES.HOLD_DECISION, [shipmentId, manufacturer], source, [masterDataEndorser(manufacturer, tx.channel)]);
    state.emit(EVENTS.HOLD_DECISION_SYNCED, { shipmentId, manufacturer, decision: source.decision, reason: source.reason, syncedFrom: SOURCE_CHANNEL });
    return result(source);
  }
}

/** Read-only cross-channel query of the source channel's hand-offs. */
async function readHandOffs(ctx: Context, refs: PackRef[]): Promise<(HandOff | null)[]> {
  // Checked before use: a peer's answer to another channel's query is not covered by this transaction's endorsement.
  const answers: unknown = await querySource(ctx, CATALOG.crosschannel.GetHandOffs, [{ packs: refs }]);
  if (!Array.isArray(answers) || answers.length !== refs.length) throw conflict(`cross-channel query to ${SOURCE_CHANNEL} returned an unexpected answer`);
  return answers as (HandOff | null)[];
}

/** A read-only query of the source channel, as the caller, on a peer joined to both channels: a catalog transaction with its typed arguments. */
async function querySource<T extends AnyTransaction>(ctx: Context, spec: T, args: ArgsOf<T>): Promise<ResultOf<T>> {
  const response = await ctx.stub.invokeChaincode(CHAINCODE_NAME, [spec.qualified, ...encodeArguments(spec, args)], SOURCE_CHANNEL);
  if (response.status !== 200 || !response.payload) {
    throw conflict(`cross-channel query to ${SOURCE_CHANNEL} failed (${response.status}): ${response.message ?? "no payload"}`);
  }
  return JSON.parse(new TextDecoder().decode(response.payload)) as ResultOf<T>;
}

/**
 * Creates the product and lot records on this channel once, and carries over a
 * recall or withdrawal recorded on the source channel that the mirror lacks.
 */
async function mirrorMasterData(state: State, tx: Tx, handOffs: HandOff[]): Promise<void> {
  const products = new Map<string, Product>();
  const lots = new Map<string, { lot: Lot; serials: string[] }>();
  for (const handOff of handOffs) {
    products.set(handOff.gtin, handOff.product);
    const key = `${handOff.gtin}\u0000${handOff.lot}`;
    const entry = lots.get(key) ?? { lot: handOff.lotRecord, serials: [] };
    entry.serials.push(handOff.serial);
    lots.set(key, entry);
  }
  for (const [gtin, product] of products) {
    const existing = await state.get<Product>(KEY_TYPES.PRODUCT, [gtin]);
    if (!existing || (!existing.withdrawal && product.withdrawal)) {
      const mirrored: Product = existing ? { ...existing, withdrawal: product.withdrawal } : product;
      await state.put(KEY_TYPES.PRODUCT, [gtin], mirrored, [masterDataEndorser(product.manufacturer, tx.channel)]);
    }
  }
  for (const { lot, serials } of lots.values()) {
    const existing = await state.get<Lot>(KEY_TYPES.LOT, [lot.gtin, lot.lot]);
    const recall = existing?.recall ?? lot.recall;
    const base: Lot = existing ? { ...existing, packCount: existing.packCount + serials.length } : { ...lot, packCount: serials.length };
    const mirrored: Lot = recall ? { ...base, recall } : base;
    const endorser = masterDataEndorser(lot.manufacturer, tx.channel);
    await state.put(KEY_TYPES.LOT, [lot.gtin, lot.lot], mirrored, [endorser]);
    await state.put(KEY_TYPES.LOT_PACKS, [lot.gtin, lot.lot, tx.txId], { serials: serials.sort() }, [endorser]);
  }
}
