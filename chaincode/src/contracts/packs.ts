import { Context, Contract, Info, Returns, Transaction } from "fabric-contract-api";
import {
  ALERT_ALREADY_INACTIVE,
  alreadyExists,
  conflict,
  DECOMMISSION_REASON_ROLES,
  EVENTS,
  forbidden,
  invalidArgument,
  isDecommissioned,
  isExpired,
  MARKS,
  MAX_SERIALS_PER_LOT_CALL,
  optionalBoolean,
  ORG_ROLES,
  PACK_STATUSES,
  parseCommissionInput,
  parseDecommissionReason,
  parseJsonObject,
  parseMarkInput,
  parseReason,
  parseScanInput,
  TERMINAL_STATUSES,
  UNDO_WINDOW_SECONDS,
  validateGtin,
  validateLot,
  validateSerial,
  type Lot,
  type Mark,
  type Pack,
  type PackStatus,
  type Partner,
  type SettableMark,
} from "@rxtrace/domain";
import { requirePartner, requireRole } from "../ledger/access";
import { begin } from "../ledger/begin";
import { takeOutOfContainer } from "../ledger/containers";
import { PackLoader, loadLot, loadPack, loadProduct, masterDataEndorser, writePack, type PackContext } from "../ledger/packs";
import { KEY_TYPES, result, type State } from "../ledger/state";
import type { Tx } from "../ledger/tx";
import { additionalInfoOf, verifyPack, verifyWithProvenance } from "../ledger/verify";

/** Packs: commissioning, verification, decommissioning, recalls and marks. */
@Info({ title: "packs", description: "Serialised packs: commission, verify, dispense, decommission, recall, marks, history" })
export class PacksContract extends Contract {
  constructor() {
    super("packs");
  }

  /** Commissions a batch of serials of one GTIN and lot; all or nothing. */
  @Transaction()
  @Returns("string")
  async CommissionLot(ctx: Context, lotJson: string): Promise<string> {
    const input = parseCommissionInput(parseJsonObject("lot", lotJson), MAX_SERIALS_PER_LOT_CALL);
    const { tx, state } = begin(ctx);
    const partner = await requirePartner(state, tx);
    requireRole(partner, [ORG_ROLES.MANUFACTURER], "commissioning packs");
    const product = await loadProduct(state, input.gtin);
    if (product.manufacturer !== tx.msp) throw forbidden(`only ${product.manufacturer} commissions packs of GTIN ${input.gtin}`);
    if (product.withdrawal) throw conflict(`GTIN ${input.gtin} is withdrawn`, "gtin");
    if (isExpired(input.expiry, tx.at)) throw invalidArgument("expiry", "must not be in the past");
    const existing = await state.get<Lot>(KEY_TYPES.LOT, [input.gtin, input.lot]);
    if (existing?.recall) throw conflict(`lot ${input.lot} is recalled`, "lot");
    if (existing && existing.expiry !== input.expiry) {
      throw conflict(`lot ${input.lot} was commissioned with expiry ${existing.expiry}`, "expiry");
    }
    for (const [i, serial] of input.serials.entries()) {
      if (await state.exists(KEY_TYPES.PACK, [input.gtin, serial])) {
        throw alreadyExists(`pack ${input.gtin}/${serial}`, `serials[${i}]`);
      }
    }
    for (const serial of input.serials) {
      const pack: Pack = { ...newPackFields(input.gtin, serial, input.lot, input.expiry, tx), status: PACK_STATUSES.COMMISSIONED };
      await writePack(state, tx, pack);
    }
    const lot: Lot = existing
      ? { ...existing, packCount: existing.packCount + input.serials.length }
      : { gtin: input.gtin, lot: input.lot, expiry: input.expiry, manufacturer: tx.msp, packCount: input.serials.length, commissionedAt: tx.at };
    await state.put(KEY_TYPES.LOT, [lot.gtin, lot.lot], lot, [tx.msp]);
    await state.put(KEY_TYPES.LOT_PACKS, [lot.gtin, lot.lot, tx.txId], { serials: input.serials }, [tx.msp]);
    const summary = { gtin: input.gtin, lot: input.lot, expiry: input.expiry, count: input.serials.length };
    state.emit(EVENTS.LOT_COMMISSIONED, summary);
    return result({ gtin: input.gtin, lot: input.lot, expiry: input.expiry, commissioned: input.serials.length });
  }

  @Transaction(false)
  @Returns("string")
  async GetPack(ctx: Context, gtin: string, serial: string): Promise<string> {
    const ref = { gtin: validateGtin("gtin", gtin), serial: validateSerial("serial", serial) };
    const { tx, state } = begin(ctx);
    const { pack, lot, product } = await new PackLoader(state).load(ref);
    return result({ ...pack, expired: isExpired(pack.expiry, tx.at), recalled: lot.recall !== undefined, withdrawn: product.withdrawal !== undefined });
  }

  @Transaction(false)
  @Returns("string")
  async GetLot(ctx: Context, gtin: string, lot: string): Promise<string> {
    validateGtin("gtin", gtin);
    validateLot("lot", lot);
    const { state } = begin(ctx);
    return result(await loadLot(state, gtin, lot));
  }

  @Transaction(false)
  @Returns("string")
  async ListPacksByLot(ctx: Context, gtin: string, lot: string): Promise<string> {
    validateGtin("gtin", gtin);
    validateLot("lot", lot);
    const { state } = begin(ctx);
    await loadLot(state, gtin, lot);
    const chunks = await state.list<{ serials: string[] }>(KEY_TYPES.LOT_PACKS, [gtin, lot]);
    const packs: Pack[] = [];
    for (const serial of chunks.flatMap((chunk) => chunk.serials).sort()) {
      packs.push(await loadPack(state, { gtin, serial }));
    }
    return result(packs);
  }

  /** Verifies a scanned pack: identity, lot, expiry and every blocking condition. */
  @Transaction(false)
  @Returns("string")
  async Verify(ctx: Context, gtin: string, serial: string, lot: string, expiry: string): Promise<string> {
    const scan = parseScanInput({ gtin, serial, lot, expiry });
    const { tx, state } = begin(ctx);
    await requirePartner(state, tx);
    return result(await verifyPack(state, scan, tx.at));
  }

  /** A scan's ledger answer in one evaluate: the verification and this channel's custody of the pack. */
  @Transaction(false)
  @Returns("string")
  async VerifyWithProvenance(ctx: Context, gtin: string, serial: string, lot: string, expiry: string): Promise<string> {
    const scan = parseScanInput({ gtin, serial, lot, expiry });
    const { tx, state } = begin(ctx);
    await requirePartner(state, tx);
    return result(await verifyWithProvenance(state, scan, tx.at, tx.channel));
  }

  /** Verify and decommission as DISPENSED in one transaction, by the pharmacy holding the pack. */
  @Transaction()
  @Returns("string")
  async Dispense(ctx: Context, dispenseJson: string): Promise<string> {
    const fields = parseJsonObject("dispense", dispenseJson);
    const scan = parseScanInput(fields);
    const handedToPatient = optionalBoolean("handedToPatient", fields.handedToPatient, false);
    const { tx, state } = begin(ctx);
    const partner = await requirePartner(state, tx);
    requireRole(partner, [ORG_ROLES.PHARMACY], "dispensing");
    const context = await new PackLoader(state).load(scan);
    const verification = await verifyPack(state, scan, tx.at);
    if (verification.reason === "LOT_MISMATCH" || verification.reason === "LOT_AND_EXPIRY_MISMATCH" || verification.reason === "EXPIRY_MISMATCH") {
      throw conflict(`pack fails verification: ${verification.reason}`, verification.reason === "EXPIRY_MISMATCH" ? "expiry" : "lot");
    }
    if (isDecommissioned(context.pack.status)) return alreadyInactive(state, tx, partner, context);
    requireHolder(context.pack, tx, "dispense");
    if (context.pack.status !== PACK_STATUSES.RECEIVED) {
      throw conflict(`pack is ${context.pack.status}; only a RECEIVED pack is dispensed`, "serial");
    }
    if (!verification.verified) throw conflict(`pack fails verification: ${verification.reason ?? "UNKNOWN"}`, "serial");
    const pack = await decommission(state, tx, context.pack, PACK_STATUSES.DISPENSED, handedToPatient);
    state.emit(EVENTS.PACK_DISPENSED, { gtin: pack.gtin, serial: pack.serial, ...inContainer(context.pack) });
    return result({ verification: { ...verification, status: pack.status }, pack });
  }

  /** Decommissions a pack for a reason other than dispensing. */
  @Transaction()
  @Returns("string")
  async Decommission(ctx: Context, decommissionJson: string): Promise<string> {
    const fields = parseJsonObject("decommission", decommissionJson);
    const ref = { gtin: validateGtin("gtin", fields.gtin), serial: validateSerial("serial", fields.serial) };
    const reason = parseDecommissionReason(fields.reason);
    const { tx, state } = begin(ctx);
    const partner = await requirePartner(state, tx);
    const roles = DECOMMISSION_REASON_ROLES[reason];
    if (roles) requireRole(partner, roles, `decommissioning as ${reason}`);
    const current = await loadPack(state, ref);
    if (isDecommissioned(current.status)) return alreadyInactive(state, tx, partner, { pack: current, product: await loadProduct(state, current.gtin) });
    requireHolder(current, tx, "decommission");
    if (current.status !== PACK_STATUSES.COMMISSIONED && current.status !== PACK_STATUSES.RECEIVED) {
      throw conflict(`pack is ${current.status}; only a COMMISSIONED or RECEIVED pack is decommissioned`, "serial");
    }
    const pack = await decommission(state, tx, current, reason, false);
    state.emit(EVENTS.PACK_DECOMMISSIONED, { gtin: pack.gtin, serial: pack.serial, reason, ...inContainer(current) });
    return result({ pack });
  }

  /** Reverts a decommission within 10 days, by the org that made it. */
  @Transaction()
  @Returns("string")
  async UndoDecommission(ctx: Context, gtin: string, serial: string): Promise<string> {
    const ref = { gtin: validateGtin("gtin", gtin), serial: validateSerial("serial", serial) };
    const { tx, state } = begin(ctx);
    await requirePartner(state, tx);
    const context = await new PackLoader(state).load(ref);
    const { pack } = context;
    const done = pack.decommission;
    if (!done || !isDecommissioned(pack.status)) throw conflict(`pack is ${pack.status}, not decommissioned`, "serial");
    if (done.by !== tx.msp) throw forbidden(`only ${done.by}, which decommissioned the pack, may undo it`);
    if (TERMINAL_STATUSES.includes(pack.status)) throw conflict(`a ${pack.status} pack cannot be reverted`, "serial");
    if (done.handedToPatient) throw conflict("the pack was handed to a patient", "serial");
    if (tx.seconds - Date.parse(done.at) / 1000 > UNDO_WINDOW_SECONDS) {
      throw conflict(`the undo window of 10 days after ${done.at} has passed`, "serial");
    }
    const info = additionalInfoOf(pack, context.lot, context.product, tx.at);
    const blocker = info.find((code) => code === "EXPIRED" || code === "RECALLED" || code === "WITHDRAWN");
    if (blocker) throw conflict(`pack is ${blocker}`, "serial");
    const { decommission: _removed, ...rest } = pack;
    const restored = await writePack(state, tx, { ...rest, status: done.previousStatus });
    state.emit(EVENTS.DECOMMISSION_UNDONE, { gtin: pack.gtin, serial: pack.serial, status: restored.status });
    return result(restored);
  }

  /** Recalls a lot: irreversible, stored once on the lot. */
  @Transaction()
  @Returns("string")
  async RecallLot(ctx: Context, gtin: string, lot: string, reason: string): Promise<string> {
    validateGtin("gtin", gtin);
    validateLot("lot", lot);
    const why = parseReason(reason);
    const { tx, state } = begin(ctx);
    const partner = await requirePartner(state, tx);
    const record = await loadLot(state, gtin, lot);
    if (record.manufacturer !== tx.msp && partner.role !== ORG_ROLES.REGULATOR) {
      throw forbidden(`only ${record.manufacturer} or the regulator may recall lot ${lot}`);
    }
    if (record.recall) throw conflict(`lot ${lot} is already recalled`, "lot");
    const recalled: Lot = { ...record, recall: { at: tx.at, by: tx.msp, txId: tx.txId, reason: why } };
    await state.put(KEY_TYPES.LOT, [gtin, lot], recalled, [masterDataEndorser(record.manufacturer, tx.channel)]);
    state.emit(EVENTS.LOT_RECALLED, { gtin, lot, reason: why });
    return result(recalled);
  }

  @Transaction()
  @Returns("string")
  async SetMark(ctx: Context, markJson: string): Promise<string> {
    const input = parseMarkInput(parseJsonObject("mark", markJson));
    const { tx, state } = begin(ctx);
    const partner = await requirePartner(state, tx);
    const context = await new PackLoader(state).load(input);
    requireMarkRight(partner, context, input.mark, "set");
    if (context.pack.marks.includes(input.mark)) throw conflict(`pack already carries ${input.mark}`, "mark");
    const pack = await writePack(state, tx, { ...context.pack, marks: withMark(context.pack.marks, input.mark) });
    state.emit(EVENTS.PACK_MARKED, { gtin: pack.gtin, serial: pack.serial, mark: input.mark, reason: input.reason });
    return result(pack);
  }

  @Transaction()
  @Returns("string")
  async ClearMark(ctx: Context, markJson: string): Promise<string> {
    const input = parseMarkInput(parseJsonObject("mark", markJson));
    const { tx, state } = begin(ctx);
    const partner = await requirePartner(state, tx);
    const context = await new PackLoader(state).load(input);
    requireMarkRight(partner, context, input.mark, "clear");
    if (!context.pack.marks.includes(input.mark)) throw conflict(`pack does not carry ${input.mark}`, "mark");
    const marks = context.pack.marks.filter((mark) => mark !== input.mark);
    const pack = await writePack(state, tx, { ...context.pack, marks });
    state.emit(EVENTS.PACK_MARK_CLEARED, { gtin: pack.gtin, serial: pack.serial, mark: input.mark, reason: input.reason });
    return result(pack);
  }

  /** Every version of the pack on this channel, oldest first, with who changed it. */
  @Transaction(false)
  @Returns("string")
  async GetPackHistory(ctx: Context, gtin: string, serial: string): Promise<string> {
    const ref = { gtin: validateGtin("gtin", gtin), serial: validateSerial("serial", serial) };
    const { state } = begin(ctx);
    await loadPack(state, ref);
    const entries = await state.history<Pack>(KEY_TYPES.PACK, [ref.gtin, ref.serial]);
    return result(entries.map((entry) => ({ txId: entry.txId, at: entry.at, isDelete: entry.isDelete, by: entry.value?.updatedBy, pack: entry.value })));
  }
}

/** Fields of a pack newly created on this channel. */
export function newPackFields(gtin: string, serial: string, lot: string, expiry: string, tx: Tx): Omit<Pack, "status"> {
  return { gtin, serial, lot, expiry, owner: tx.msp, marks: [], updatedAt: tx.at, updatedBy: tx.msp, updatedTxId: tx.txId };
}

export function withMark(marks: readonly Mark[], mark: Mark): Mark[] {
  return [...new Set([...marks, mark])].sort();
}

function requireHolder(pack: Pack, tx: Tx, action: string): void {
  if (pack.owner !== tx.msp) throw forbidden(`only ${pack.owner}, which holds the pack, may ${action} it`);
}

/** Decommissions a pack; one in a container (an opened case) is taken out of it, so the case no longer lists or counts it. */
export async function decommission(state: State, tx: Tx, pack: Pack, reason: PackStatus, handedToPatient: boolean): Promise<Pack> {
  const record = { reason, at: tx.at, by: tx.msp, txId: tx.txId, previousStatus: pack.status, handedToPatient };
  return writePack(state, tx, { ...(await takeOutOfContainer(state, tx, pack)), status: reason, decommission: record });
}

/** The event field naming the container a pack was taken out of, if it was in one. */
function inContainer(pack: Pack): { container?: string } {
  return pack.container === undefined ? {} : { container: pack.container };
}

/**
 * A second decommission: record the alert; from another org that may set SUSPECT
 * (holder, manufacturer, regulator) the pack also becomes SUSPECT. Any other
 * partner only raises the alert, so no partner can flag another org's pack.
 */
async function alreadyInactive(state: State, tx: Tx, partner: Partner, target: MarkTarget): Promise<string> {
  const { pack } = target;
  const firstBy = pack.decommission?.by ?? pack.owner;
  const alert = { code: ALERT_ALREADY_INACTIVE, gtin: pack.gtin, serial: pack.serial, status: pack.status, at: tx.at, by: tx.msp, firstBy, txId: tx.txId };
  await state.put(KEY_TYPES.ALERT, [pack.gtin, pack.serial, tx.txId], alert, [tx.msp]);
  let current = pack;
  if (firstBy !== tx.msp && !pack.marks.includes(MARKS.SUSPECT) && mayMark(partner, target, MARKS.SUSPECT, "set")) {
    current = await writePack(state, tx, { ...pack, marks: withMark(pack.marks, MARKS.SUSPECT) });
  }
  state.emit(EVENTS.DECOMMISSION_ALERT_RAISED, { gtin: pack.gtin, serial: pack.serial, alert });
  return result({ alert, pack: current });
}

/** The pack and product a mark right depends on. */
type MarkTarget = Pick<PackContext, "pack" | "product">;

/** Who may set or clear each mark (docs/chaincode-api.md, "Marks"). */
function mayMark(partner: Partner, { pack, product }: MarkTarget, mark: SettableMark, action: "set" | "clear"): boolean {
  const regulator = partner.role === ORG_ROLES.REGULATOR;
  const owner = pack.owner === partner.mspId;
  const manufacturer = product.manufacturer === partner.mspId;
  if (mark === MARKS.QUARANTINED) return owner || regulator;
  if (mark === MARKS.SUSPECT) return action === "set" ? owner || manufacturer || regulator : regulator;
  return regulator;
}

function requireMarkRight(partner: Partner, target: MarkTarget, mark: SettableMark, action: "set" | "clear"): void {
  if (!mayMark(partner, target, mark, action)) throw forbidden(`${partner.mspId} may not ${action} ${mark} on this pack`);
}
