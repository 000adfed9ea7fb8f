import { Context, Contract, Info, Returns, Transaction } from "fabric-contract-api";
import {
  alreadyExists,
  conflict,
  distinctPacks,
  DSCSA_NOTIFY_SECONDS,
  EVENTS,
  forbidden,
  invalidArgument,
  INVESTIGATION_FILTERS,
  isDecommissioned,
  isoAfter,
  MARKS,
  MAX_INVESTIGATIONS_PAGE,
  MAX_PACKS_PER_INVESTIGATION,
  notFound,
  ORG_ROLES,
  PACK_STATUSES,
  parseAnswerTracingInput,
  parseCloseInvestigationInput,
  parseDetermineInput,
  parseDisposeInput,
  parseJsonObject,
  parseNotifyRegulatorInput,
  parseOpenInvestigationInput,
  parseOpenTracingInput,
  REGULATOR_MSP,
  requireInteger,
  requireInvestigationId,
  requireOneOf,
  requirePattern,
  requireTracingId,
  type Investigation,
  type InvestigationScope,
  type InvestigationStatus,
  type Pack,
  type PackRef,
  type Partner,
  type Stamp,
  type TracingAnswer,
  type TracingRequest,
  type TracingScope,
  type TracingView,
} from "@rxtrace/domain";
import { requirePartner } from "../ledger/access";
import { begin } from "../ledger/begin";
import { loadLot, loadPack, writePack } from "../ledger/packs";
import { KEY_TYPES, result, type State } from "../ledger/state";
import type { Tx } from "../ledger/tx";
import { decommission, withMark } from "./packs";
import { loadShipment } from "./shipments";

/**
 * Suspect and illegitimate product investigations and the regulator's product
 * tracing requests (DSCSA, FD&C Act sec. 582; docs/chaincode-api.md,
 * "Investigations"). Every record written here needs the regulator's peer and
 * the peer of the org that acts (an investigation: its opener; a tracing
 * answer: the answering holder), so a member running modified chaincode on its
 * own peer cannot write one alone. The packs an investigation marks become
 * regulator-governed (ledger/endorsement.ts): their keys need the regulator's
 * peer from then on, as a SUSPECT or ILLEGITIMATE mark set by SetMark does.
 */

function stamp(tx: Tx): Stamp {
  return { at: tx.at, by: tx.msp, txId: tx.txId };
}

export async function loadInvestigation(state: State, investigationId: string, field = "investigationId"): Promise<Investigation> {
  const record = await state.get<Investigation>(KEY_TYPES.INVESTIGATION, [investigationId]);
  if (!record) throw notFound(`investigation ${investigationId}`, field);
  return record;
}

async function loadTracing(state: State, requestId: string, field = "requestId"): Promise<TracingRequest> {
  const record = await state.get<TracingRequest>(KEY_TYPES.TRACING, [requestId]);
  if (!record) throw notFound(`tracing request ${requestId}`, field);
  return record;
}

/** The serials of a lot on this channel, as CommissionLot recorded them. */
async function lotPacks(state: State, gtin: string, lot: string, field: string): Promise<PackRef[]> {
  await loadLot(state, gtin, lot, field);
  const chunks = await state.list<{ serials: string[] }>(KEY_TYPES.LOT_PACKS, [gtin, lot]);
  return chunks.flatMap((chunk) => chunk.serials).map((serial) => ({ gtin, serial }));
}

/** The packs an investigation scope covers, each loaded (NOT_FOUND names the field). */
async function scopePacks(state: State, scope: InvestigationScope): Promise<Pack[]> {
  let refs: PackRef[];
  if (scope.type === "packs") refs = scope.packs;
  else if (scope.type === "lot") refs = await lotPacks(state, scope.gtin, scope.lot, "scope.lot");
  else refs = (await loadShipment(state, scope.shipmentId, "scope.shipmentId")).packs;
  refs = distinctPacks(refs);
  if (refs.length === 0) throw conflict("the scope holds no pack on this channel", "scope");
  if (refs.length > MAX_PACKS_PER_INVESTIGATION) throw invalidArgument("scope", `covers ${refs.length} packs; at most ${MAX_PACKS_PER_INVESTIGATION}`);
  const packs: Pack[] = [];
  for (const [i, ref] of refs.entries()) packs.push(await loadPack(state, ref, scope.type === "packs" ? `scope.packs[${i}]` : "scope"));
  return packs;
}

/**
 * The trading partners the ledger shows holding, having held or being sent
 * the packs on this channel: every owner and consignee of every version of
 * each pack, and whom it was received from. The regulator is not a trading partner.
 */
async function holdersOf(state: State, packs: readonly Pack[]): Promise<string[]> {
  const holders = new Set<string>();
  const add = (pack: Pack | undefined): void => {
    if (!pack) return;
    for (const org of [pack.owner, pack.consignee, pack.receivedFrom]) if (org !== undefined) holders.add(org);
  };
  for (const pack of packs) {
    add(pack);
    for (const entry of await state.history<Pack>(KEY_TYPES.PACK, [pack.gtin, pack.serial])) add(entry.value);
  }
  holders.delete(REGULATOR_MSP);
  return [...holders].sort();
}

const ref = (pack: Pack): PackRef => ({ gtin: pack.gtin, serial: pack.serial });

/** An investigation's record: its opener's and the regulator's peers must endorse every write. */
async function putInvestigation(state: State, record: Investigation): Promise<Investigation> {
  await state.put(KEY_TYPES.INVESTIGATION, [record.investigationId], record, [record.opened.by, REGULATOR_MSP]);
  return record;
}

function requireOpenerOrRegulator(partner: Partner, record: Investigation, action: string): void {
  if (partner.role !== ORG_ROLES.REGULATOR && partner.mspId !== record.opened.by) {
    throw forbidden(`only ${record.opened.by}, which opened investigation ${record.investigationId}, or the regulator may ${action} it`);
  }
}

function requireStatus(record: Investigation, status: InvestigationStatus): void {
  if (record.status !== status) throw conflict(`investigation ${record.investigationId} is ${record.status}, not ${status}`, "investigationId");
}

/**
 * Investigations of suspect product: open on packs, a lot or a shipment (the
 * packs become SUSPECT), determine CLEARED (the marks are lifted) or
 * ILLEGITIMATE (the packs carry ILLEGITIMATE: verification fails, they cannot
 * move; the 24 h DSCSA notification clock starts), record the notification of
 * the regulator, quarantine or destroy, close. Tracing requests: the
 * regulator asks the holders of a pack or lot for its transaction history;
 * each asked holder answers once, against a 24 h clock.
 */
@Info({ title: "investigations", description: "Suspect and illegitimate product investigations and product tracing requests (DSCSA)" })
export class InvestigationsContract extends Contract {
  constructor() {
    super("investigations");
  }

  /** Opens an investigation (a holder or past holder of the packs, or the regulator); marks its packs SUSPECT and names the partners to notify. */
  @Transaction()
  @Returns("string")
  async OpenInvestigation(ctx: Context, investigationJson: string): Promise<string> {
    const input = parseOpenInvestigationInput(parseJsonObject("investigation", investigationJson));
    const { tx, state } = begin(ctx);
    const partner = await requirePartner(state, tx);
    if (await state.exists(KEY_TYPES.INVESTIGATION, [input.investigationId])) throw alreadyExists(`investigation ${input.investigationId}`, "investigationId");
    const packs = await scopePacks(state, input.scope);
    const partners = await holdersOf(state, packs);
    if (partner.role !== ORG_ROLES.REGULATOR && !partners.includes(tx.msp)) {
      throw forbidden(`${tx.msp} neither holds nor held these packs on channel ${tx.channel}; a holder or the regulator opens an investigation`);
    }
    const marked: PackRef[] = [];
    for (const pack of packs) {
      if (pack.marks.includes(MARKS.SUSPECT) || pack.marks.includes(MARKS.ILLEGITIMATE)) continue;
      await writePack(state, tx, { ...pack, marks: withMark(pack.marks, MARKS.SUSPECT) });
      marked.push(ref(pack));
    }
    const record: Investigation = {
      investigationId: input.investigationId,
      scope: input.scope,
      reason: input.reason,
      evidence: input.evidence,
      packs: packs.map(ref),
      marked,
      partners,
      status: "OPEN",
      opened: stamp(tx),
      disposals: [],
    };
    await putInvestigation(state, record);
    state.emit(EVENTS.INVESTIGATION_OPENED, { investigationId: record.investigationId, scope: record.scope, reason: record.reason, packs: record.packs, partners });
    return result(record);
  }

  /**
   * The determination, by the opener or the regulator, stamped with the
   * transaction's time. CLEARED lifts the SUSPECT marks this investigation
   * set; ILLEGITIMATE marks every pack ILLEGITIMATE and sets notifyBy =
   * determination + 24 h. A determination by the regulator is its own notification.
   */
  @Transaction()
  @Returns("string")
  async DetermineInvestigation(ctx: Context, determinationJson: string): Promise<string> {
    const input = parseDetermineInput(parseJsonObject("determination", determinationJson));
    const { tx, state } = begin(ctx);
    const partner = await requirePartner(state, tx);
    const record = await loadInvestigation(state, input.investigationId);
    requireOpenerOrRegulator(partner, record, "determine");
    requireStatus(record, "OPEN");
    const marked = new Set(record.marked.map((p) => `${p.gtin}/${p.serial}`));
    for (const packRef of record.packs) {
      const pack = await loadPack(state, packRef, "investigationId");
      const own = marked.has(`${pack.gtin}/${pack.serial}`);
      const base = own ? pack.marks.filter((m) => m !== MARKS.SUSPECT) : pack.marks;
      const marks = input.outcome === "ILLEGITIMATE" ? withMark(base, MARKS.ILLEGITIMATE) : base;
      if (marks.length !== pack.marks.length || marks.some((m, i) => m !== pack.marks[i])) await writePack(state, tx, { ...pack, marks });
    }
    const determination: Investigation["determination"] = { ...stamp(tx), outcome: input.outcome, reason: input.reason };
    if (input.outcome === "ILLEGITIMATE") determination.notifyBy = isoAfter(tx.at, DSCSA_NOTIFY_SECONDS);
    const determined: Investigation = { ...record, status: "DETERMINED", determination };
    if (input.outcome === "ILLEGITIMATE" && partner.role === ORG_ROLES.REGULATOR) {
      determined.regulatorNotified = { ...stamp(tx), reference: `determined by ${tx.msp}`, withinDeadline: true };
    }
    await putInvestigation(state, determined);
    state.emit(EVENTS.INVESTIGATION_DETERMINED, {
      investigationId: record.investigationId,
      outcome: input.outcome,
      reason: input.reason,
      packs: record.packs,
      partners: record.partners,
      ...(determination.notifyBy === undefined ? {} : { notifyBy: determination.notifyBy }),
    });
    return result(determined);
  }

  /** The trading partner that determined ILLEGITIMATE (or opened) records that it notified the regulator (FDA), timed by the transaction. */
  @Transaction()
  @Returns("string")
  async RecordRegulatorNotification(ctx: Context, notificationJson: string): Promise<string> {
    const input = parseNotifyRegulatorInput(parseJsonObject("notification", notificationJson));
    const { tx, state } = begin(ctx);
    await requirePartner(state, tx);
    const record = await loadInvestigation(state, input.investigationId);
    const determination = record.determination;
    if (!determination || determination.outcome !== "ILLEGITIMATE" || determination.notifyBy === undefined) {
      throw conflict(`investigation ${record.investigationId} has no determination of ILLEGITIMATE`, "investigationId");
    }
    if (tx.msp !== determination.by && tx.msp !== record.opened.by) {
      throw forbidden(`only ${determination.by}, which determined investigation ${record.investigationId}, or its opener records the notification`);
    }
    if (record.regulatorNotified) throw conflict(`the regulator was already notified at ${record.regulatorNotified.at}`, "investigationId");
    const withinDeadline = tx.seconds <= Date.parse(determination.notifyBy) / 1000;
    const notified: Investigation = { ...record, regulatorNotified: { ...stamp(tx), reference: input.reference, withinDeadline } };
    await putInvestigation(state, notified);
    state.emit(EVENTS.REGULATOR_NOTIFIED, { investigationId: record.investigationId, reference: input.reference, withinDeadline, partners: record.partners });
    return result(notified);
  }

  /**
   * After a determination of ILLEGITIMATE, a holder quarantines (mark
   * QUARANTINED) or destroys (decommission to DESTROYED) the investigation's
   * packs it holds and that are still active.
   */
  @Transaction()
  @Returns("string")
  async DisposeInvestigationPacks(ctx: Context, disposalJson: string): Promise<string> {
    const input = parseDisposeInput(parseJsonObject("disposal", disposalJson));
    const { tx, state } = begin(ctx);
    await requirePartner(state, tx);
    const record = await loadInvestigation(state, input.investigationId);
    requireStatus(record, "DETERMINED");
    if (record.determination?.outcome !== "ILLEGITIMATE") throw conflict(`investigation ${record.investigationId} was determined CLEARED`, "investigationId");
    const held: Pack[] = [];
    for (const packRef of record.packs) {
      const pack = await loadPack(state, packRef, "investigationId");
      if (pack.owner !== tx.msp || isDecommissioned(pack.status) || pack.status === PACK_STATUSES.IN_TRANSIT) continue;
      if (input.action === "QUARANTINE" && pack.marks.includes(MARKS.QUARANTINED)) continue;
      held.push(pack);
    }
    if (held.length === 0) throw conflict(`${tx.msp} holds no active pack of investigation ${record.investigationId} left to ${input.action.toLowerCase()}`, "investigationId");
    for (const pack of held) {
      if (input.action === "DESTROY") await decommission(state, tx, pack, PACK_STATUSES.DESTROYED, false);
      else await writePack(state, tx, { ...pack, marks: withMark(pack.marks, MARKS.QUARANTINED) });
    }
    const packs = held.map(ref);
    const disposed: Investigation = { ...record, disposals: [...record.disposals, { ...stamp(tx), action: input.action, packs }] };
    await putInvestigation(state, disposed);
    state.emit(EVENTS.INVESTIGATION_PACKS_DISPOSED, { investigationId: record.investigationId, action: input.action, packs, partners: record.partners });
    return result(disposed);
  }

  /** Closes a determined investigation (opener or regulator); an illegitimate one only once the regulator's notification is recorded. */
  @Transaction()
  @Returns("string")
  async CloseInvestigation(ctx: Context, closingJson: string): Promise<string> {
    const input = parseCloseInvestigationInput(parseJsonObject("closing", closingJson));
    const { tx, state } = begin(ctx);
    const partner = await requirePartner(state, tx);
    const record = await loadInvestigation(state, input.investigationId);
    requireOpenerOrRegulator(partner, record, "close");
    requireStatus(record, "DETERMINED");
    if (record.determination?.outcome === "ILLEGITIMATE" && !record.regulatorNotified) {
      throw conflict(`investigation ${record.investigationId} is illegitimate product and the regulator's notification is not recorded`, "investigationId");
    }
    const closed: Investigation = { ...record, status: "CLOSED", closed: { ...stamp(tx), reason: input.reason } };
    await putInvestigation(state, closed);
    state.emit(EVENTS.INVESTIGATION_CLOSED, { investigationId: record.investigationId, reason: input.reason, partners: record.partners });
    return result(closed);
  }

  @Transaction(false)
  @Returns("string")
  async GetInvestigation(ctx: Context, investigationId: string): Promise<string> {
    requireInvestigationId("investigationId", investigationId);
    const { state } = begin(ctx);
    return result(await loadInvestigation(state, investigationId));
  }

  /**
   * The channel's investigations in id order, a page at a time; with a status,
   * only those in it, with ACTIVE only those not closed (pages of the index are read until the page is full or
   * the index ends, so the bookmark still resumes where the page stopped).
   */
  @Transaction(false)
  @Returns("string")
  async ListInvestigations(ctx: Context, pageSize: string, bookmark: string, status: string): Promise<string> {
    const size = requireInteger("pageSize", Number(requirePattern("pageSize", pageSize, /^[0-9]{1,4}$/, "must be a whole number")), 1, MAX_INVESTIGATIONS_PAGE);
    if (bookmark.length > 1000) throw invalidArgument("bookmark", "must be at most 1000 characters");
    const wanted = status === "" ? undefined : requireOneOf("status", status, INVESTIGATION_FILTERS);
    const matches = (record: Investigation): boolean => wanted === undefined || record.status === wanted || (wanted === "ACTIVE" && record.status !== "CLOSED");
    const { state } = begin(ctx);
    const found: Investigation[] = [];
    let next = bookmark;
    do {
      const page = await state.page<Investigation>(KEY_TYPES.INVESTIGATION, [], size - found.length, next);
      found.push(...page.values.filter(matches));
      next = page.bookmark;
    } while (found.length < size && next !== "");
    return result({ investigations: found, bookmark: next });
  }

  /** The regulator asks holders of a pack or lot for its transaction history; each must answer within 24 h. */
  @Transaction()
  @Returns("string")
  async OpenTracingRequest(ctx: Context, requestJson: string): Promise<string> {
    const input = parseOpenTracingInput(parseJsonObject("request", requestJson));
    const { tx, state } = begin(ctx);
    const partner = await requirePartner(state, tx);
    if (partner.role !== ORG_ROLES.REGULATOR) throw forbidden(`only the regulator opens a tracing request; ${tx.msp} is ${partner.role}`);
    if (await state.exists(KEY_TYPES.TRACING, [input.requestId])) throw alreadyExists(`tracing request ${input.requestId}`, "requestId");
    if (input.investigationId !== undefined) await loadInvestigation(state, input.investigationId);
    const packs = await tracingPacks(state, input.scope);
    const known = await holdersOf(state, packs);
    let asked = known;
    if (input.holders) {
      for (const [i, holder] of input.holders.entries()) {
        const asPartner = await state.get<Partner>(KEY_TYPES.PARTNER, [holder]);
        if (!asPartner) throw notFound(`trading partner ${holder}`, `holders[${i}]`);
        if (asPartner.role === ORG_ROLES.REGULATOR) throw invalidArgument(`holders[${i}]`, "must be a trading partner, not the regulator");
      }
      asked = input.holders;
    }
    if (asked.length === 0) throw conflict("no trading partner holds or held the product on this channel", "holders");
    const request: TracingRequest = {
      requestId: input.requestId,
      scope: input.scope,
      reason: input.reason,
      asked,
      ...(input.investigationId === undefined ? {} : { investigationId: input.investigationId }),
      requested: stamp(tx),
      respondBy: isoAfter(tx.at, DSCSA_NOTIFY_SECONDS),
    };
    await state.put(KEY_TYPES.TRACING, [request.requestId], request, [REGULATOR_MSP]);
    state.emit(EVENTS.TRACING_REQUESTED, { requestId: request.requestId, scope: request.scope, asked, respondBy: request.respondBy, partners: asked });
    const view: TracingView = { ...request, answers: [] };
    return result(view);
  }

  /** An asked holder's answer, once, timed against the request's 24 h clock; endorsed by the holder and the regulator. */
  @Transaction()
  @Returns("string")
  async AnswerTracingRequest(ctx: Context, answerJson: string): Promise<string> {
    const input = parseAnswerTracingInput(parseJsonObject("answer", answerJson));
    const { tx, state } = begin(ctx);
    await requirePartner(state, tx);
    const request = await loadTracing(state, input.requestId);
    if (!request.asked.includes(tx.msp)) throw forbidden(`${tx.msp} was not asked by tracing request ${request.requestId}; asked: ${request.asked.join(", ")}`);
    if (await state.exists(KEY_TYPES.TRACING_ANSWER, [request.requestId, tx.msp])) throw alreadyExists(`${tx.msp}'s answer to tracing request ${request.requestId}`, "requestId");
    const withinDeadline = tx.seconds <= Date.parse(request.respondBy) / 1000;
    const answer: TracingAnswer = { requestId: request.requestId, holder: tx.msp, statement: input.statement, documents: input.documents, answered: stamp(tx), withinDeadline };
    await state.put(KEY_TYPES.TRACING_ANSWER, [request.requestId, tx.msp], answer, [tx.msp, REGULATOR_MSP]);
    state.emit(EVENTS.TRACING_ANSWERED, { requestId: request.requestId, holder: tx.msp, withinDeadline, partners: [tx.msp] });
    return result(answer);
  }

  /** A tracing request with the answers given so far. */
  @Transaction(false)
  @Returns("string")
  async GetTracingRequest(ctx: Context, requestId: string): Promise<string> {
    requireTracingId("requestId", requestId);
    const { state } = begin(ctx);
    const request = await loadTracing(state, requestId);
    const answers = await state.list<TracingAnswer>(KEY_TYPES.TRACING_ANSWER, [requestId]);
    const view: TracingView = { ...request, answers };
    return result(view);
  }
}

/** The packs of a tracing scope on this channel. */
async function tracingPacks(state: State, scope: TracingScope): Promise<Pack[]> {
  if (scope.type === "pack") return [await loadPack(state, scope, "scope.serial")];
  const refs = await lotPacks(state, scope.gtin, scope.lot, "scope.lot");
  if (refs.length > MAX_PACKS_PER_INVESTIGATION) throw invalidArgument("scope", `covers ${refs.length} packs; at most ${MAX_PACKS_PER_INVESTIGATION}`);
  const packs: Pack[] = [];
  for (const packRef of refs) packs.push(await loadPack(state, packRef, "scope"));
  return packs;
}
