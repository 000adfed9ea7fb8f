import { Context, Contract, Info, Returns, Transaction } from "fabric-contract-api";
import {
  alreadyExists,
  conflict,
  EVENTS,
  forbidden,
  ORG_ROLES,
  parseJsonObject,
  parseProductInput,
  parseReason,
  validateGtin,
  type Product,
} from "@rxtrace/domain";
import { requirePartner, requireRole } from "../ledger/access";
import { begin } from "../ledger/begin";
import { loadProduct, masterDataEndorser } from "../ledger/packs";
import { KEY_TYPES, result } from "../ledger/state";

/** GTIN master data, registered and withdrawn by its manufacturer. */
@Info({ title: "products", description: "GTIN master data: storage range, limits, stability budget, withdrawal" })
export class ProductsContract extends Contract {
  constructor() {
    super("products");
  }

  @Transaction()
  @Returns("string")
  async RegisterProduct(ctx: Context, productJson: string): Promise<string> {
    const input = parseProductInput(parseJsonObject("product", productJson));
    const { tx, state } = begin(ctx);
    const partner = await requirePartner(state, tx);
    requireRole(partner, [ORG_ROLES.MANUFACTURER], "registering a product");
    if (await state.exists(KEY_TYPES.PRODUCT, [input.gtin])) throw alreadyExists(`product ${input.gtin}`, "gtin");
    const product: Product = { ...input, manufacturer: tx.msp, registeredAt: tx.at };
    await state.put(KEY_TYPES.PRODUCT, [product.gtin], product, [tx.msp]);
    state.emit(EVENTS.PRODUCT_REGISTERED, { gtin: product.gtin });
    return result(product);
  }

  /** Withdraws a GTIN from the market: irreversible, blocks every pack of it. */
  @Transaction()
  @Returns("string")
  async WithdrawProduct(ctx: Context, gtin: string, reason: string): Promise<string> {
    validateGtin("gtin", gtin);
    const why = parseReason(reason);
    const { tx, state } = begin(ctx);
    const partner = await requirePartner(state, tx);
    const product = await loadProduct(state, gtin);
    if (product.manufacturer !== tx.msp && partner.role !== ORG_ROLES.REGULATOR) {
      throw forbidden(`only ${product.manufacturer} or the regulator may withdraw GTIN ${gtin}`);
    }
    if (product.withdrawal) throw conflict(`GTIN ${gtin} is already withdrawn`, "gtin");
    const withdrawn: Product = { ...product, withdrawal: { at: tx.at, by: tx.msp, txId: tx.txId, reason: why } };
    await state.put(KEY_TYPES.PRODUCT, [gtin], withdrawn, [masterDataEndorser(product.manufacturer, tx.channel)]);
    state.emit(EVENTS.PRODUCT_WITHDRAWN, { gtin, reason: why });
    return result(withdrawn);
  }

  @Transaction(false)
  @Returns("string")
  async GetProduct(ctx: Context, gtin: string): Promise<string> {
    validateGtin("gtin", gtin);
    const { state } = begin(ctx);
    return result(await loadProduct(state, gtin));
  }
}

