/**
 * A steady, bounded write load through the gateway: each request commissions a
 * one-pack lot (its own lot and serial) with an Idempotency-Key, at a fixed
 * rate with a cap on requests in flight. Afterwards every request is looked up
 * on the ledger, so "acknowledged but missing" (lost) can be counted.
 */
import { request, type GatewayProcess } from "./services.js";

export interface WriteRecord {
  readonly n: number;
  readonly lot: string;
  readonly serial: string;
  readonly sentAt: number;
  status?: number;
  doneAt?: number;
  transactionId?: string;
}

export interface FaultFigures {
  fault: string;
  sent: number;
  acknowledged: number;
  /** Acknowledged requests whose lot is on the ledger afterwards. */
  foundOnLedger: number;
  /** Acknowledged requests whose lot is not on the ledger afterwards (must be 0). */
  lost: number;
  /** Requests that failed (or timed out) yet committed: an honest error, not a loss. */
  failedButCommitted: number;
  /** Requests that failed and did not commit: the client saw the failure. */
  failedNotCommitted: number;
  /** Failure statuses seen, status -> count (0 = no answer). */
  failures: Record<string, number>;
  /** Longest time without an acknowledged write while the fault lasted, ms. */
  longestGapMs: number;
  /** Time from the fault until the service answered normally again, ms. */
  timeToRecoverMs: number;
  notes?: string;
}

export class WriteLoad {
  readonly records: WriteRecord[] = [];
  readonly #gw: GatewayProcess;
  readonly #gtin: string;
  readonly #tag: string;
  readonly #intervalMs: number;
  readonly #maxInFlight: number;
  #timer: NodeJS.Timeout | undefined;
  #inFlight = new Set<Promise<void>>();
  #n = 0;
  /** Keeps Idempotency-Keys unique across runs that share the gateway's state folder. */
  readonly #run = Date.now().toString(36);

  constructor(gw: GatewayProcess, gtin: string, tag: string, ratePerSecond = 4, maxInFlight = 8) {
    this.#gw = gw;
    this.#gtin = gtin;
    this.#tag = tag;
    this.#intervalMs = 1000 / ratePerSecond;
    this.#maxInFlight = maxInFlight;
  }

  start(): void {
    this.#timer = setInterval(() => {
      if (this.#inFlight.size >= this.#maxInFlight) return;
      const p = this.#send().finally(() => this.#inFlight.delete(p));
      this.#inFlight.add(p);
    }, this.#intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.all([...this.#inFlight]);
  }

  async #send(): Promise<void> {
    const n = ++this.#n;
    const record: WriteRecord = { n, lot: `${this.#tag}${n}`.slice(0, 20), serial: `S${this.#tag}${n}`.slice(0, 20), sentAt: Date.now() };
    this.records.push(record);
    const res = await request(
      this.#gw.url,
      "POST",
      "/v1/lots",
      this.#gw.key("ManufacturerMSP/operator"),
      { gtin: this.#gtin, lot: record.lot, expiry: "301231", serials: [record.serial] },
      { "idempotency-key": `${this.#tag}-${this.#run}-${n}` },
      90_000,
    );
    record.status = res.status;
    record.doneAt = Date.now();
    if (res.status === 201) record.transactionId = String(res.body?.transactionId ?? "");
  }

  /** When the first request sent after `t` was acknowledged (Infinity if none was). */
  firstAckSentAfter(t: number): number {
    return Math.min(...this.records.filter((r) => r.sentAt > t && r.status === 201).map((r) => r.doneAt ?? Infinity), Infinity);
  }

  /** Sends every failed request again with its Idempotency-Key, one at a time; answers their statuses. */
  async retryFailed(): Promise<{ lot: string; status: number; code: string }[]> {
    const out: { lot: string; status: number; code: string }[] = [];
    for (const record of this.records.filter((r) => r.status !== 201)) {
      const res = await request(
        this.#gw.url,
        "POST",
        "/v1/lots",
        this.#gw.key("ManufacturerMSP/operator"),
        { gtin: this.#gtin, lot: record.lot, expiry: "301231", serials: [record.serial] },
        { "idempotency-key": `${this.#tag}-${this.#run}-${record.n}` },
        90_000,
      );
      out.push({ lot: record.lot, status: res.status, code: String(res.body?.code ?? "") });
    }
    return out;
  }

  /** Acknowledgement times in order. */
  acks(): number[] {
    return this.records.filter((r) => r.status === 201 && r.doneAt !== undefined).map((r) => r.doneAt ?? 0).sort((a, b) => a - b);
  }

  /** Longest stretch without an acknowledgement between `from` and `to`. */
  longestGap(from: number, to: number): number {
    const times = [from, ...this.acks().filter((t) => t > from && t < to), to];
    let gap = 0;
    for (let i = 1; i < times.length; i++) gap = Math.max(gap, (times[i] ?? 0) - (times[i - 1] ?? 0));
    return gap;
  }

  /** Looks every request up on the ledger (as the manufacturer) and counts the figures. */
  async audit(fault: string, window: { from: number; to: number }, timeToRecoverMs: number, notes?: string): Promise<FaultFigures> {
    const figures: FaultFigures = {
      fault,
      sent: this.records.length,
      acknowledged: 0,
      foundOnLedger: 0,
      lost: 0,
      failedButCommitted: 0,
      failedNotCommitted: 0,
      failures: {},
      longestGapMs: this.longestGap(window.from, window.to),
      timeToRecoverMs,
      ...(notes ? { notes } : {}),
    };
    for (const record of this.records) {
      const onLedger = await this.#onLedger(record);
      if (record.status === 201) {
        figures.acknowledged += 1;
        if (onLedger) figures.foundOnLedger += 1;
        else figures.lost += 1;
      } else {
        const key = String(record.status ?? 0);
        figures.failures[key] = (figures.failures[key] ?? 0) + 1;
        if (onLedger) figures.failedButCommitted += 1;
        else figures.failedNotCommitted += 1;
      }
    }
    return figures;
  }

  async #onLedger(record: WriteRecord): Promise<boolean> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const res = await request(this.#gw.url, "GET", `/v1/lots/${this.#gtin}/${encodeURIComponent(record.lot)}?channel=mfr-dist`, this.#gw.key("ManufacturerMSP/operator"));
      if (res.status === 200) return true;
      if (res.status === 404) return false;
      await new Promise((r) => setTimeout(r, 1000));
    }
    throw new Error(`cannot tell whether lot ${record.lot} is on the ledger`);
  }
}
