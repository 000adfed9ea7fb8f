import { custodyOf, custodyStepOf, productSummaryOf, verificationOf, type Lot, type Pack, type PackVerification, type Product, type ScanInput, type Verification } from "@rxtrace/domain";
import { KEY_TYPES, type State } from "./state";

export { additionalInfoOf, type Verification } from "@rxtrace/domain";

interface ScanRecords {
  verification: Verification;
  pack: Pack | undefined;
  product: Product | undefined;
}

async function verifyRecords(state: State, scan: ScanInput, atIso: string): Promise<ScanRecords> {
  const pack = await state.get<Pack>(KEY_TYPES.PACK, [scan.gtin, scan.serial]);
  const lot = pack ? await state.get<Lot>(KEY_TYPES.LOT, [pack.gtin, pack.lot]) : undefined;
  const product = pack ? await state.get<Product>(KEY_TYPES.PRODUCT, [pack.gtin]) : undefined;
  return { verification: verificationOf(scan, pack, lot, product, atIso), pack, product };
}

/** Answers a verification request for a scanned pack from world state (the rule itself is the domain's verificationOf). */
export async function verifyPack(state: State, scan: ScanInput, atIso: string): Promise<Verification> {
  return (await verifyRecords(state, scan, atIso)).verification;
}

/** The verification and this channel's provenance of the pack: its product and every write of its record. */
export async function verifyWithProvenance(state: State, scan: ScanInput, atIso: string, channel: string): Promise<PackVerification> {
  const { verification, pack, product } = await verifyRecords(state, scan, atIso);
  if (!pack) return { verification, provenance: null };
  const history = await state.history<Pack>(KEY_TYPES.PACK, [pack.gtin, pack.serial]);
  const custody = custodyOf(history.flatMap((entry) => (entry.value === undefined ? [] : [custodyStepOf(channel, entry.value, entry.at, entry.txId)])));
  return { verification, provenance: product ? { product: productSummaryOf(product), custody } : { custody } };
}
