/**
 * buildApp(deps) assembles the HTTP application from its dependencies, so
 * tests build it with fakes behind the ports and main.ts with real adapters.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { ApiKeyStore } from "./auth/api-keys.js";
import { installAuth, API_PREFIX } from "./auth/hook.js";
import type { Config } from "./config.js";
import type { IdempotencyStore } from "./ports/idempotency.js";
import type { LedgerClient } from "./ports/ledger.js";
import { healthRoutes, type ReadinessProbe } from "./routes/health.js";
import { installErrorHandling } from "./routes/hooks/errors.js";
import { installIdempotency } from "./routes/hooks/idempotency.js";
import { installMetrics } from "./routes/hooks/metrics.js";
import { v1Routes } from "./routes/v1.js";
import { createHttpMetrics, MetricsRegistry } from "./services/metrics.js";

export interface AppDeps {
  readonly config: Config;
  readonly keys: ApiKeyStore;
  readonly idempotency: IdempotencyStore;
  readonly ledger: LedgerClient;
  /** Readiness of dependencies besides Fabric (IPFS, EVM). */
  readonly probes?: readonly ReadinessProbe[];
  readonly logger?: FastifyServerOptions["logger"];
  /** How long /readyz waits for each dependency (default 3 s). */
  readonly probeTimeoutMs?: number;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: deps.config.server.bodyLimitBytes,
    ajv: {
      // Wrongly typed bodies are refused, never coerced; unknown properties are refused, never dropped.
      customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false, useDefaults: true },
    },
  });

  const registry = new MetricsRegistry();
  installErrorHandling(app);
  installMetrics(app, createHttpMetrics(registry));

  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "rxtrace gateway",
        version: "1.0.0",
        description:
          "REST API of the rxtrace pharmaceutical supply-chain network. Every /v1 call needs an API key " +
          "(header x-api-key or Authorization: Bearer). Errors answer { code, message, field?, transactionId? }.",
      },
      components: {
        securitySchemes: {
          apiKey: { type: "apiKey", in: "header", name: "x-api-key" },
          bearer: { type: "http", scheme: "bearer" },
        },
      },
      security: [{ apiKey: [] }, { bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  installAuth(app, deps.keys);
  installIdempotency(app, deps.idempotency);

  const probes: ReadinessProbe[] = [{ name: "fabric", check: () => deps.ledger.ready() }, ...(deps.probes ?? [])];
  await app.register(healthRoutes, { probes, registry, probeTimeoutMs: deps.probeTimeoutMs ?? 3_000 });
  await app.register(v1Routes, { prefix: API_PREFIX, ledger: deps.ledger, config: deps.config });
  return app;
}
