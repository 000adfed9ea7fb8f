import { Context, Contract, Info, Returns, Transaction } from "fabric-contract-api";
import {
  alreadyExists,
  conflict,
  EVENTS,
  forbidden,
  invalidArgument,
  MARKS,
  MAX_RETURNS_PAGE,
  notFound,
  ORG_ROLES,
  PACK_STATUSES,
  packRefKey,
  parseJsonObject,
  parseShipReturnInput,
  parseVerifyReturnInput,
  requireInteger,
  requirePattern,
  requireReturnId,
  RETURN_CHECKS,
  verificationOf,
  type Pack,
  type PackRef,
  type Partner,
  type ReturnCheck,
  type ReturnOutcome,
  type SaleableReturn,
  type ScanInput,
} from "@rxtrace/domain";
import { requirePartner, requireRole } from "../ledger/access";
import { begin } from "../ledger/begin";
import { isRegulatorGoverned } from "../ledger/endorsement";
import { PackLoader, loadPack, writePack, type PackContext } from "../ledger/packs";
import { KEY_TYPES, result, type State } from "../ledger/state";
import type { Tx } from "../ledger/tx";
import { decommission, withMark } from "./packs";

export async function loadReturn(state: State, returnId: string, field = "returnId"): Promise<SaleableReturn> {
  const record = await state.get<SaleableReturn>(KEY_TYPES.RETURN, [returnId]);
  if (!record) throw notFound(`return ${returnId}`, field);
  return record;
}

/** The check of one returned pack as the distributor scanned it: a pack verification, then that this distributor sold it to this pharmacy. */
function checkOf(scan: ScanInput, { pack, lot, product }: PackContext, record: SaleableReturn, atIso: string): Omit<ReturnCheck, "outcome"> {
  const verification = verificationOf(scan, pack, lot, product, atIso);
  const reason = verification.reason ?? (pack.receivedFrom === record.distributor ? undefined : RETURN_CHECKS.NOT_SOLD_TO_PHARMACY);
  const check: Omit<ReturnCheck, "outcome"> = {
    gtin: pack.gtin,
    serial: pack.serial,
    verified: reason === undefined,
    additionalInfo: verification.additionalInfo,
    scannedLot: scan.lot,
    scannedExpiry: scan.expiry,
  };
  if (reason !== undefined) check.reason = reason;
  return check;
}

/** Writes what becomes of a returned pack: the distributor's stock again, quarantined, or destroyed. */
async function settle(state: State, tx: Tx, pack: Pack, record: SaleableReturn, verified: boolean, destroy: boolean): Promise<ReturnOutcome> {
  const { returnId: _return, consignee: _consignee, ...rest } = pack;
  const back: Pack = { ...rest, status: PACK_STATUSES.RECEIVED, owner: record.distributor, receivedFrom: record.pharmacy };
  if (verified) {
    await writePack(state, tx, back);
    return "RESALEABLE";
  }
  // A pack the regulator marked is its evidence: quarantined, never destroyed.
  if (destroy && !isRegulatorGoverned(KEY_TYPES.PACK, pack)) {
    await decommission(state, tx, back, PACK_STATUSES.DESTROYED, false);
    return "DESTROYED";
  }
  await writePack(state, tx, { ...back, marks: withMark(back.marks, MARKS.QUARANTINED) });
  return "QUARANTINED";
}

/**
 * Saleable returns: a pharmacy sends packs back to the distributor that sold
 * them; the distributor verifies each before it may be sold again. Every key
 * a return writes needs both parties' peers (the packs in transit carry the
 * policy of holder and consignee, as a shipment's do).
 */
@Info({ title: "returns", description: "Saleable returns from a pharmacy to its distributor: ship, verify each pack, resell, quarantine or destroy" })
export class ReturnsContract extends Contract {
  constructor() {
    super("returns");
  }

  /** Sends packs the pharmacy holds back to a distributor; they are in transit until it verifies them. */
  @Transaction()
  @Returns("string")
  async ShipReturn(ctx: Context, returnJson: string): Promise<string> {
    const input = parseShipReturnInput(parseJsonObject("saleableReturn", returnJson));
    const { tx, state } = begin(ctx);
    requireRole(await requirePartner(state, tx), [ORG_ROLES.PHARMACY], "returning packs");
    if (await state.exists(KEY_TYPES.RETURN, [input.returnId])) throw alreadyExists(`return ${input.returnId}`, "returnId");
    const distributor = await state.get<Partner>(KEY_TYPES.PARTNER, [input.distributor]);
    if (!distributor) throw notFound(`trading partner ${input.distributor}`, "distributor");
    if (distributor.role !== ORG_ROLES.DISTRIBUTOR) throw invalidArgument("distributor", `must be a distributor; ${input.distributor} is ${distributor.role}`);
    const packs: Pack[] = [];
    for (const [i, ref] of input.packs.entries()) {
      const pack = await loadPack(state, ref, `packs[${i}]`);
      if (pack.owner !== tx.msp) throw forbidden(`pack ${ref.gtin}/${ref.serial} is held by ${pack.owner}, not ${tx.msp}`);
      if (pack.status !== PACK_STATUSES.RECEIVED) throw conflict(`pack ${ref.gtin}/${ref.serial} is ${pack.status}; only a RECEIVED pack is returned`, `packs[${i}]`);
      if (pack.container !== undefined) throw conflict(`pack ${ref.gtin}/${ref.serial} is in container ${pack.container}; unpack it first`, `packs[${i}]`);
      packs.push(pack);
    }
    for (const pack of packs) {
      await writePack(state, tx, { ...pack, status: PACK_STATUSES.IN_TRANSIT, consignee: input.distributor, returnId: input.returnId });
    }
    const record: SaleableReturn = { ...input, pharmacy: tx.msp, status: "IN_TRANSIT", shippedAt: tx.at, shippedTxId: tx.txId };
    await state.put(KEY_TYPES.RETURN, [input.returnId], record, [tx.msp, input.distributor]);
    state.emit(EVENTS.RETURN_SHIPPED, { returnId: input.returnId, pharmacy: tx.msp, distributor: input.distributor, packs: input.packs, count: packs.length });
    return result(record);
  }

  /**
   * The distributor's check of every returned pack as scanned: identifiers as
   * the ledger holds them, active, not recalled, withdrawn, expired, suspect or
   * otherwise marked, and received by this pharmacy from this distributor.
   * A pack that passes is saleable stock again; one that fails is quarantined,
   * or destroyed when asked (never one the regulator marked).
   */
  @Transaction()
  @Returns("string")
  async VerifyReturn(ctx: Context, verificationJson: string): Promise<string> {
    const input = parseVerifyReturnInput(parseJsonObject("verification", verificationJson));
    const { tx, state } = begin(ctx);
    await requirePartner(state, tx);
    const record = await loadReturn(state, input.returnId);
    if (record.distributor !== tx.msp) throw forbidden(`only ${record.distributor} verifies return ${input.returnId}`);
    if (record.status !== "IN_TRANSIT") throw conflict(`return ${input.returnId} was already verified`, "returnId");
    requireSamePacks(record, input.packs);
    const loader = new PackLoader(state);
    const checked: { check: Omit<ReturnCheck, "outcome">; pack: Pack }[] = [];
    for (const [i, scan] of input.packs.entries()) {
      const context = await loader.load(scan, `packs[${i}]`);
      if (context.pack.returnId !== record.returnId || context.pack.status !== PACK_STATUSES.IN_TRANSIT) {
        throw conflict(`pack ${scan.gtin}/${scan.serial} is no longer in return ${record.returnId}`, `packs[${i}]`);
      }
      checked.push({ check: checkOf(scan, context, record, tx.at), pack: context.pack });
    }
    const checks: ReturnCheck[] = [];
    const by: Record<ReturnOutcome, PackRef[]> = { RESALEABLE: [], QUARANTINED: [], DESTROYED: [] };
    for (const { check, pack } of checked) {
      const outcome = await settle(state, tx, pack, record, check.verified, input.onFailure === "DESTROY");
      checks.push({ ...check, outcome });
      by[outcome].push({ gtin: pack.gtin, serial: pack.serial });
    }
    const verified: SaleableReturn = { ...record, status: "VERIFIED", verifiedAt: tx.at, verifiedTxId: tx.txId, checks };
    await state.put(KEY_TYPES.RETURN, [record.returnId], verified, [record.pharmacy, record.distributor]);
    state.emit(EVENTS.RETURN_VERIFIED, {
      returnId: record.returnId,
      pharmacy: record.pharmacy,
      distributor: record.distributor,
      resaleable: by.RESALEABLE,
      quarantined: by.QUARANTINED,
      destroyed: by.DESTROYED,
    });
    return result(verified);
  }

  @Transaction(false)
  @Returns("string")
  async GetReturn(ctx: Context, returnId: string): Promise<string> {
    requireReturnId("returnId", returnId);
    const { state } = begin(ctx);
    return result(await loadReturn(state, returnId));
  }

  /** The channel's returns in id order, a page at a time. */
  @Transaction(false)
  @Returns("string")
  async ListReturns(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
    const size = requireInteger("pageSize", Number(requirePattern("pageSize", pageSize, /^[0-9]{1,4}$/, "must be a whole number")), 1, MAX_RETURNS_PAGE);
    if (bookmark.length > 1000) throw invalidArgument("bookmark", "must be at most 1000 characters");
    const { state } = begin(ctx);
    const page = await state.page<SaleableReturn>(KEY_TYPES.RETURN, [], size, bookmark);
    return result({ returns: page.values, bookmark: page.bookmark });
  }
}

/** The scans must name exactly the return's packs: each scanned pack is in it, none is left out. */
function requireSamePacks(record: SaleableReturn, scans: readonly ScanInput[]): void {
  const inReturn = new Set(record.packs.map(packRefKey));
  const scanned = new Set(scans.map(packRefKey));
  const stranger = scans.findIndex((scan) => !inReturn.has(packRefKey(scan)));
  if (stranger >= 0) throw invalidArgument(`packs[${stranger}]`, `is not in return ${record.returnId}`);
  const missing = record.packs.filter((ref) => !scanned.has(packRefKey(ref)));
  if (missing.length > 0) {
    throw invalidArgument("packs", `must list every pack of return ${record.returnId}; missing ${missing.map((r) => `${r.gtin}/${r.serial}`).join(", ")}`);
  }
}
