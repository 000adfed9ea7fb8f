/** A LedgerClient that counts and times every call, by kind, transaction and outcome. */
import type { Principal } from "../auth/principal.js";
import { GatewayError } from "../errors.js";
import type { EvaluateResult, LedgerCall, LedgerClient, SubmitResult } from "../ports/ledger.js";
import { Counter, Histogram } from "prom-client";
import type { MetricsRegistry } from "./metrics.js";

export function meteredLedger(inner: LedgerClient, registry: MetricsRegistry): LedgerClient {
  const labelNames = ["kind", "channel", "transaction", "outcome"] as const;
  const calls = new Counter({
    name: "rxtrace_ledger_calls_total",
    help: "Ledger calls by kind, channel, transaction and outcome (ok or error code).",
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "rxtrace_ledger_call_duration_seconds",
    help: "Ledger call latency (submit includes the wait for commit).",
    labelNames,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });

  async function timed<T>(kind: "evaluate" | "submit", call: LedgerCall, run: () => Promise<T>): Promise<T> {
    const started = process.hrtime.bigint();
    let outcome = "ok";
    try {
      return await run();
    } catch (err) {
      outcome = err instanceof GatewayError ? err.code : "INTERNAL";
      throw err;
    } finally {
      const labels = { kind, channel: call.channel, transaction: call.transaction, outcome };
      calls.inc(labels);
      duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  return {
    evaluate: (as: Principal, call: LedgerCall): Promise<EvaluateResult> => timed("evaluate", call, () => inner.evaluate(as, call)),
    submit: (as: Principal, call: LedgerCall): Promise<SubmitResult> => timed("submit", call, () => inner.submit(as, call)),
    ...(inner.heights ? { heights: inner.heights } : {}),
    ready: () => inner.ready(),
    close: () => inner.close(),
  };
}

/**
 * How often the orderers' answer to a submit was not taken at its word
 * (adapters/fabric-order.ts): `resubmitted` (sent again after UNAVAILABLE) and
 * `ordered-despite-unavailable` (an orderer had already ordered it). A rising
 * rate says orderers are slow to take transactions: look at their CPU and
 * their view (docs/reliability.md).
 */
export function installOrderingMetrics(registry: MetricsRegistry, read: () => Readonly<Record<string, number>>): void {
  new Counter({
    name: "rxtrace_orderer_answers_recovered_total",
    help: "Submits whose orderers' answer was not taken at its word, by what the gateway did: resubmitted, ordered-despite-unavailable.",
    labelNames: ["recovery"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [recovery, count] of Object.entries(read())) this.inc({ recovery }, count);
    },
  });
}
