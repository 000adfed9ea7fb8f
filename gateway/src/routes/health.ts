/** Liveness, readiness (Fabric, IPFS, EVM reachability) and Prometheus metrics. */
import type { FastifyPluginAsync } from "fastify";
import { Type } from "@sinclair/typebox";
import type { MetricsRegistry } from "../services/metrics.js";

/** One dependency the gateway needs to serve requests. */
export interface ReadinessProbe {
  readonly name: string;
  /** Resolves when the dependency answers; rejects with the reason otherwise. */
  check(): Promise<void>;
}

export interface HealthRoutesOptions {
  probes: readonly ReadinessProbe[];
  registry: MetricsRegistry;
  probeTimeoutMs?: number;
}

const CheckResult = Type.Object({ status: Type.Union([Type.Literal("up"), Type.Literal("down")]), error: Type.Optional(Type.String()) });
const ReadyBody = Type.Object({
  status: Type.Union([Type.Literal("ready"), Type.Literal("not ready")]),
  checks: Type.Record(Type.String(), CheckResult),
});

async function runProbe(probe: ReadinessProbe, timeoutMs: number): Promise<{ status: "up" | "down"; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([probe.check(), timeout]);
    return { status: "up" };
  } catch (err) {
    return { status: "down", error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, options) => {
  const timeoutMs = options.probeTimeoutMs ?? 3_000;

  app.get(
    "/healthz",
    { schema: { tags: ["health"], summary: "The process is alive", response: { 200: Type.Object({ status: Type.Literal("ok") }) } } },
    async () => ({ status: "ok" as const }),
  );

  app.get(
    "/readyz",
    {
      schema: {
        tags: ["health"],
        summary: "Every dependency (Fabric, IPFS, EVM) answers",
        response: { 200: ReadyBody, 503: ReadyBody },
      },
    },
    async (_request, reply) => {
      const results = await Promise.all(options.probes.map(async (p) => [p.name, await runProbe(p, timeoutMs)] as const));
      const checks = Object.fromEntries(results);
      const ready = results.every(([, r]) => r.status === "up");
      return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not ready", checks });
    },
  );

  app.get(
    "/metrics",
    { schema: { tags: ["health"], summary: "Prometheus metrics (text format 0.0.4)", hide: false } },
    async (_request, reply) => reply.type("text/plain; version=0.0.4; charset=utf-8").send(options.registry.render()),
  );
};
