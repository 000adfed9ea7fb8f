/**
 * Suspect and illegitimate product investigations and the regulator's tracing
 * requests (chaincode contract `investigations`, docs/chaincode-api.md,
 * "Investigations"). Every write is endorsed by every org of the channel: the
 * investigation record needs its opener's and the regulator's peers, and the
 * packs it marks need their holders' peers (and, once marked, the
 * regulator's), which only the ledger knows at endorsement time. The 24 h
 * DSCSA clocks are recorded by the chaincode from the transaction time; the
 * age and whether a deadline is overdue are computed here, at read time.
 */
import {
  CATALOG,
  REGULATOR_MSP,
  type Determination,
  type Disposition,
  type EvidenceRef,
  type Investigation,
  type InvestigationScope,
  type InvestigationFilter,
  type TracingAnswer,
  type TracingScope,
  type TracingView,
} from "@rxtrace/domain";
import type { MspId, Principal } from "../auth/principal.js";
import type { ChannelName, LedgerClient } from "../ports/ledger.js";
import { channelMembers } from "../topology.js";
import { readChannels, requireOrg, resolveChannel } from "./channels.js";
import { call, evaluate, readFirst, submit, type ChannelResult, type Committed } from "./ledger-calls.js";

/** What the gateway adds to an investigation at read time. */
export interface InvestigationClock {
  /** The gateway's time of the answer, ISO 8601. */
  now: string;
  /** Seconds since the investigation was opened (to its closing once closed). */
  ageSeconds: number;
  /** The DSCSA notification deadline (determination ILLEGITIMATE + 24 h). */
  notifyBy?: string;
  /** Seconds left before notifyBy (negative once past), while the regulator's notification is not recorded. */
  secondsToDeadline?: number;
  /** notifyBy has passed without the regulator's notification recorded. */
  overdue: boolean;
}
export type InvestigationView = Investigation & { clock: InvestigationClock };
export interface InvestigationViewsPage {
  investigations: InvestigationView[];
  bookmark: string;
}

export interface TracingClock {
  now: string;
  ageSeconds: number;
  respondBy: string;
  /** Asked holders whose answer is not recorded. */
  pending: string[];
  /** respondBy has passed with an answer still pending. */
  overdue: boolean;
}
export type TracingRequestView = TracingView & { clock: TracingClock };

const seconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);
const isoOf = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, "Z");

/** The read-time clock of an investigation. */
export function investigationClock(record: Investigation, now: Date): InvestigationClock {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const end = record.closed ? seconds(record.closed.at) : nowSeconds;
  const clock: InvestigationClock = { now: isoOf(now), ageSeconds: Math.max(0, end - seconds(record.opened.at)), overdue: false };
  const notifyBy = record.determination?.notifyBy;
  if (notifyBy !== undefined) {
    clock.notifyBy = notifyBy;
    if (!record.regulatorNotified) {
      clock.secondsToDeadline = seconds(notifyBy) - nowSeconds;
      clock.overdue = clock.secondsToDeadline < 0;
    }
  }
  return clock;
}

export function tracingClock(view: TracingView, now: Date): TracingClock {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const answered = new Set(view.answers.map((a) => a.holder));
  const pending = view.asked.filter((holder) => !answered.has(holder));
  return {
    now: isoOf(now),
    ageSeconds: Math.max(0, nowSeconds - seconds(view.requested.at)),
    respondBy: view.respondBy,
    pending,
    overdue: pending.length > 0 && nowSeconds > seconds(view.respondBy),
  };
}

export interface OpenInvestigationBody {
  investigationId: string;
  scope: InvestigationScope;
  reason: string;
  evidence?: EvidenceRef[] | undefined;
  channel?: ChannelName | undefined;
}

export interface OpenTracingBody {
  requestId: string;
  scope: TracingScope;
  reason: string;
  holders?: MspId[] | undefined;
  investigationId?: string | undefined;
  channel?: ChannelName | undefined;
}

export class InvestigationService {
  constructor(
    private readonly ledger: LedgerClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  #view(record: Investigation): InvestigationView {
    return { ...record, clock: investigationClock(record, this.now()) };
  }

  #committed(c: Committed<Investigation>): Committed<InvestigationView> {
    return { ...c, result: this.#view(c.result) };
  }

  /** Every org of the channel endorses (see the module comment). */
  #endorsers(channel: ChannelName): { endorsingOrganizations: readonly MspId[] } {
    return { endorsingOrganizations: channelMembers(channel) };
  }

  async open(as: Principal, body: OpenInvestigationBody): Promise<Committed<InvestigationView>> {
    const channel = resolveChannel(as, body.channel, "open an investigation");
    const { channel: _channel, evidence, ...rest } = body;
    const input = { ...rest, ...(evidence === undefined ? {} : { evidence }) };
    return this.#committed(await submit(this.ledger, as, channel, call(CATALOG.investigations.OpenInvestigation, [input], this.#endorsers(channel))));
  }

  async determine(as: Principal, investigationId: string, input: { outcome: Determination; reason: string }, channel?: ChannelName): Promise<Committed<InvestigationView>> {
    const on = (await this.#find(as, investigationId, channel)).channel;
    return this.#committed(await submit(this.ledger, as, on, call(CATALOG.investigations.DetermineInvestigation, [{ investigationId, ...input }], this.#endorsers(on))));
  }

  async notifyRegulator(as: Principal, investigationId: string, reference: string, channel?: ChannelName): Promise<Committed<InvestigationView>> {
    const on = (await this.#find(as, investigationId, channel)).channel;
    return this.#committed(await submit(this.ledger, as, on, call(CATALOG.investigations.RecordRegulatorNotification, [{ investigationId, reference }], this.#endorsers(on))));
  }

  async dispose(as: Principal, investigationId: string, action: Disposition, channel?: ChannelName): Promise<Committed<InvestigationView>> {
    const on = (await this.#find(as, investigationId, channel)).channel;
    return this.#committed(await submit(this.ledger, as, on, call(CATALOG.investigations.DisposeInvestigationPacks, [{ investigationId, action }], this.#endorsers(on))));
  }

  async close(as: Principal, investigationId: string, reason: string, channel?: ChannelName): Promise<Committed<InvestigationView>> {
    const on = (await this.#find(as, investigationId, channel)).channel;
    return this.#committed(await submit(this.ledger, as, on, call(CATALOG.investigations.CloseInvestigation, [{ investigationId, reason }], this.#endorsers(on))));
  }

  async #find(as: Principal, investigationId: string, channel?: ChannelName): Promise<ChannelResult<Investigation>> {
    return readFirst(this.ledger, as, readChannels(as, channel), call(CATALOG.investigations.GetInvestigation, [investigationId]), `investigation ${investigationId}`);
  }

  /** The investigation on the first of the caller's channels that has it, with its clock. */
  async find(as: Principal, investigationId: string, channel?: ChannelName): Promise<ChannelResult<InvestigationView>> {
    const found = await this.#find(as, investigationId, channel);
    return { channel: found.channel, result: this.#view(found.result) };
  }

  /** One page of a channel's investigations (only those in `status` when given; ACTIVE: not closed), each with its clock. */
  async list(as: Principal, pageSize: number, bookmark: string, status: InvestigationFilter | undefined, channel?: ChannelName): Promise<ChannelResult<InvestigationViewsPage>> {
    const on = resolveChannel(as, channel, "list investigations");
    const page = await evaluate(this.ledger, as, on, call(CATALOG.investigations.ListInvestigations, [String(pageSize), bookmark, status ?? ""]));
    return { channel: on, result: { investigations: page.investigations.map((record) => this.#view(record)), bookmark: page.bookmark } };
  }

  async openTracing(as: Principal, body: OpenTracingBody): Promise<Committed<TracingRequestView>> {
    const channel = resolveChannel(as, body.channel, "open a tracing request");
    const { channel: _channel, holders, investigationId, ...rest } = body;
    holders?.forEach((holder, i) => requireOrg(holder, `holders[${i}]`));
    const input = { ...rest, ...(holders === undefined ? {} : { holders }), ...(investigationId === undefined ? {} : { investigationId }) };
    const committed = await submit(this.ledger, as, channel, call(CATALOG.investigations.OpenTracingRequest, [input], this.#endorsers(channel)));
    return { ...committed, result: { ...committed.result, clock: tracingClock(committed.result, this.now()) } };
  }

  async answerTracing(as: Principal, requestId: string, input: { statement: string; documents?: EvidenceRef[] | undefined }, channel?: ChannelName): Promise<Committed<TracingAnswer>> {
    const on = (await this.findTracing(as, requestId, channel)).channel;
    const answer = { requestId, statement: input.statement, ...(input.documents === undefined ? {} : { documents: input.documents }) };
    // The answer's key needs the answering holder's and the regulator's peers.
    return submit(this.ledger, as, on, call(CATALOG.investigations.AnswerTracingRequest, [answer], { endorsingOrganizations: [as.mspId, REGULATOR_MSP] }));
  }

  async findTracing(as: Principal, requestId: string, channel?: ChannelName): Promise<ChannelResult<TracingRequestView>> {
    const found = await readFirst(this.ledger, as, readChannels(as, channel), call(CATALOG.investigations.GetTracingRequest, [requestId]), `tracing request ${requestId}`);
    return { channel: found.channel, result: { ...found.result, clock: tracingClock(found.result, this.now()) } };
  }
}
