import { conflict, isExpired, notFound, PACK_STATUSES, REGULATOR_MSP, SOURCE_CHANNEL, type Lot, type Pack, type PackRef, type Product } from "@rxtrace/domain";
import { KEY_TYPES, type State } from "./state";
import type { Tx } from "./tx";

/** A pack with the lot and product it belongs to. */
export interface PackContext {
  pack: Pack;
  lot: Lot;
  product: Product;
}

export async function loadPack(state: State, ref: PackRef, field = "serial"): Promise<Pack> {
  const pack = await state.get<Pack>(KEY_TYPES.PACK, [ref.gtin, ref.serial]);
  if (!pack) throw notFound(`pack ${ref.gtin}/${ref.serial}`, field);
  return pack;
}

export async function loadProduct(state: State, gtin: string, field = "gtin"): Promise<Product> {
  const product = await state.get<Product>(KEY_TYPES.PRODUCT, [gtin]);
  if (!product) throw notFound(`product ${gtin}`, field);
  return product;
}

export async function loadLot(state: State, gtin: string, lot: string, field = "lot"): Promise<Lot> {
  const record = await state.get<Lot>(KEY_TYPES.LOT, [gtin, lot]);
  if (!record) throw notFound(`lot ${gtin}/${lot}`, field);
  return record;
}

/** Loads a pack with its lot and product, reading each lot and product once per call. */
export class PackLoader {
  readonly #state: State;
  readonly #lots = new Map<string, Lot>();
  readonly #products = new Map<string, Product>();

  constructor(state: State) {
    this.#state = state;
  }

  async load(ref: PackRef, field = "serial"): Promise<PackContext> {
    const pack = await loadPack(this.#state, ref, field);
    let product = this.#products.get(pack.gtin);
    if (!product) {
      product = await loadProduct(this.#state, pack.gtin);
      this.#products.set(pack.gtin, product);
    }
    const lotKey = `${pack.gtin}\u0000${pack.lot}`;
    let lot = this.#lots.get(lotKey);
    if (!lot) {
      lot = await loadLot(this.#state, pack.gtin, pack.lot);
      this.#lots.set(lotKey, lot);
    }
    return { pack, lot, product };
  }
}

/** Why a pack may not move or be dispensed, or undefined when it may. */
export function blockingCause({ pack, lot, product }: PackContext, atIso: string): string | undefined {
  if (lot.recall) return `lot ${lot.lot} is recalled`;
  if (product.withdrawal) return `GTIN ${product.gtin} is withdrawn`;
  if (pack.marks.length > 0) return `pack carries ${pack.marks.join(", ")}`;
  if (isExpired(pack.expiry, atIso)) return `pack expired (${pack.expiry})`;
  return undefined;
}

export function requireMovable(context: PackContext, atIso: string, field: string): void {
  const cause = blockingCause(context, atIso);
  if (cause) throw conflict(`pack ${context.pack.gtin}/${context.pack.serial}: ${cause}`, field);
}

/** The orgs whose endorsement a pack key needs: owner, plus consignee in transit. */
export function packEndorsers(pack: Pack): string[] {
  return pack.status === PACK_STATUSES.IN_TRANSIT && pack.consignee ? [pack.owner, pack.consignee] : [pack.owner];
}

/** Stamps and writes a pack with its endorsement policy. */
export async function writePack(state: State, tx: Tx, pack: Pack): Promise<Pack> {
  const stamped: Pack = { ...pack, updatedAt: tx.at, updatedBy: tx.msp, updatedTxId: tx.txId };
  await state.put(KEY_TYPES.PACK, [pack.gtin, pack.serial], stamped, packEndorsers(stamped));
  return stamped;
}

/**
 * The org endorsing product and lot keys: the manufacturer on the source
 * channel; on a downstream channel (mirrors, no manufacturer member) the regulator.
 */
export function masterDataEndorser(manufacturer: string, channel: string): string {
  return channel === SOURCE_CHANNEL ? manufacturer : REGULATOR_MSP;
}
