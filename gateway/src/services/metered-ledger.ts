/** A LedgerClient that counts and times every call, by kind, transaction and outcome. */
import type { Principal } from "../auth/principal.js";
import { GatewayError } from "../errors.js";
import type { EvaluateResult, LedgerCall, LedgerClient, SubmitResult } from "../ports/ledger.js";
import type { MetricsRegistry } from "./metrics.js";

export function meteredLedger(inner: LedgerClient, registry: MetricsRegistry): LedgerClient {
  const calls = registry.counter("rxtrace_ledger_calls_total", "Ledger calls by kind, channel, transaction and outcome (ok or error code).");
  const duration = registry.histogram("rxtrace_ledger_call_duration_seconds", "Ledger call latency (submit includes the wait for commit).", [
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
  ]);

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
