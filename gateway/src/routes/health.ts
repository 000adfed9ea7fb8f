/**
 * Liveness, readiness (Fabric, IPFS, EVM reachability) and Prometheus metrics.
 * /readyz is public, so it names the dependency that is down and a reason
 * from a fixed vocabulary, never the error text (file paths, peer endpoints,
 * addresses): those go to the log.
 */
import type { FastifyBaseLogger, FastifyPluginAsync } from "fastify";
import { Type } from "@sinclair/typebox";
import type { MetricsRegistry } from "../services/metrics.js";

/** One dependency the gateway needs to serve requests. */
export interface ReadinessProbe {
  readonly name: string;
  /** Resolves when the dependency answers; rejects with the reason otherwise. */
  check(): Promise<void>;
}

/** Thrown by a probe whose dependency the gateway was started without (e.g. no EVM deployment). */
export class NotConfiguredError extends Error {
  override readonly name = "NotConfiguredError";
}

/** Why a dependency is down, as /readyz says it. */
export const DOWN_REASONS = ["timeout", "unreachable", "not configured"] as const;
export type DownReason = (typeof DOWN_REASONS)[number];

export interface HealthRoutesOptions {
  probes: readonly ReadinessProbe[];
  registry: MetricsRegistry;
  probeTimeoutMs?: number;
}

const CheckResult = Type.Object({
  status: Type.Union([Type.Literal("up"), Type.Literal("down")]),
  reason: Type.Optional(Type.Union(DOWN_REASONS.map((r) => Type.Literal(r)))),
});
const ReadyBody = Type.Object({
  status: Type.Union([Type.Literal("ready"), Type.Literal("not ready")]),
  checks: Type.Record(Type.String(), CheckResult),
});

const TIMED_OUT = Symbol("timed out");

async function runProbe(probe: ReadinessProbe, timeoutMs: number, log: FastifyBaseLogger): Promise<{ status: "up" | "down"; reason?: DownReason }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
  });
  try {
    if ((await Promise.race([probe.check(), timeout])) === TIMED_OUT) {
      log.warn({ dependency: probe.name }, `readiness: ${probe.name} gave no answer within ${timeoutMs} ms`);
      return { status: "down", reason: "timeout" };
    }
    return { status: "up" };
  } catch (err) {
    log.warn({ dependency: probe.name, err }, `readiness: ${probe.name} is down`);
    return { status: "down", reason: err instanceof NotConfiguredError ? "not configured" : "unreachable" };
  } finally {
    clearTimeout(timer);
  }
}

export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, options) => {
  const timeoutMs = options.probeTimeoutMs ?? 3_000;

  app.get(
    "/healthz",
    {
      // Probes poll these; they are cheap and must not use up a client's request budget.
      config: { rateLimit: false },
      schema: { tags: ["health"], summary: "The process is alive", response: { 200: Type.Object({ status: Type.Literal("ok") }) } },
    },
    async () => ({ status: "ok" as const }),
  );

  app.get(
    "/readyz",
    {
      config: { rateLimit: false },
      schema: {
        tags: ["health"],
        summary: "Every dependency (Fabric, IPFS, EVM) answers; a down one is named with its reason (timeout, unreachable, not configured)",
        response: { 200: ReadyBody, 503: ReadyBody },
      },
    },
    async (request, reply) => {
      const results = await Promise.all(options.probes.map(async (p) => [p.name, await runProbe(p, timeoutMs, request.log)] as const));
      const checks = Object.fromEntries(results);
      const ready = results.every(([, r]) => r.status === "up");
      return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not ready", checks });
    },
  );

  app.get(
    "/metrics",
    { schema: { tags: ["health"], summary: "Prometheus metrics (text format 0.0.4); needs an API key when exposure.metrics is apiKey", hide: false } },
    async (_request, reply) => reply.type(options.registry.contentType).send(await options.registry.metrics()),
  );
};
