/**
 * buildApp(deps) assembles the HTTP application from its dependencies, so
 * tests build it with fakes behind the ports and main.ts with real adapters.
 */
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from "fastify";
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { ApiKeyStore } from "./auth/api-keys.js";
import { installAuth, API_PREFIX } from "./auth/hook.js";
import type { Config } from "./config.js";
import { GatewayError } from "./errors.js";
import type { IdempotencyStore } from "./ports/idempotency.js";
import type { LedgerClient } from "./ports/ledger.js";
import { auditRoutes, type AuditRoutesOptions } from "./routes/audit.js";
import { documentRoutes, type DocumentRoutesOptions } from "./routes/documents.js";
import { eventRoutes, type EventRoutesOptions } from "./routes/events.js";
import { evmRoutes, type EvmRoutesOptions } from "./routes/evm.js";
import { healthRoutes, type ReadinessProbe } from "./routes/health.js";
import { installErrorHandling } from "./routes/hooks/errors.js";
import { installIdempotency } from "./routes/hooks/idempotency.js";
import { installMetrics } from "./routes/hooks/metrics.js";
import { installValidation } from "./routes/hooks/validation.js";
import { scanRoutes, type ScanRoutesOptions } from "./routes/scan.js";
import { v1Routes } from "./routes/v1.js";
import { RECALL_RELAY } from "./services/master-data.js";
import { orgByName } from "./topology.js";
import { installCertificateMetrics, type CertificateFile } from "./services/certificate-metrics.js";
import { installOrderingMetrics, meteredLedger } from "./services/metered-ledger.js";
import { createHttpMetrics, createMetricsRegistry } from "./services/metrics.js";
import type { OutboxRelay } from "./services/outbox-relay.js";
import { installProgressMetrics, type ProgressSources } from "./services/progress-metrics.js";
import type { VerifyReadModel } from "./services/verify-read-model.js";

export interface AppDeps {
  readonly config: Config;
  readonly keys: ApiKeyStore;
  readonly idempotency: IdempotencyStore;
  readonly ledger: LedgerClient;
  /** Readiness of dependencies besides Fabric (IPFS, EVM). */
  readonly probes?: readonly ReadinessProbe[];
  readonly logger?: FastifyServerOptions["logger"];
  /** Documents on IPFS anchored on the ledger (routes registered when given). */
  readonly documents?: DocumentRoutesOptions;
  /** Regulator audit: timelines, searches, EPCIS export (routes registered when given). */
  readonly audit?: AuditRoutesOptions;
  /** Server-Sent Events over the off-chain index (routes registered when given). */
  readonly events?: EventRoutesOptions;
  /** The public-chain side: block anchors and the SupplyChain.sol lifecycle (routes registered when given). */
  readonly evm?: EvmRoutesOptions;
  /** The public scan page at /scan (its web root; the default serves gateway/src/web). */
  readonly scan?: ScanRoutesOptions;
  /** The verification read model kept from this gateway's own peer's blocks (verify evaluates on the ledger without it). */
  readonly verifyReadModel?: VerifyReadModel;
  /** The durable outbox worker (recall relay, webhooks); its depth and oldest age go to /metrics. */
  readonly relay?: OutboxRelay;
  /** The own peer's height and the off-chain indexes' last blocks per channel, for /metrics. */
  readonly progress?: ProgressSources;
  /** The certificate files the gateway holds, whose expiry goes to /metrics. */
  readonly certificates?: () => readonly CertificateFile[];
  /** Counts of submits whose orderers' answer was not taken at its word, by recovery, for /metrics. */
  readonly ordering?: () => Readonly<Record<string, number>>;
  /** How long /readyz waits for each dependency (default 3 s). */
  readonly probeTimeoutMs?: number;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: deps.config.server.bodyLimitBytes,
  });

  const registry = createMetricsRegistry();
  installValidation(app);
  installErrorHandling(app);
  installMetrics(app, createHttpMetrics(registry));
  const ledger = meteredLedger(deps.ledger, registry);
  deps.relay?.installMetrics(registry);
  if (deps.progress) installProgressMetrics(registry, deps.progress);
  if (deps.certificates) installCertificateMetrics(registry, deps.certificates);
  if (deps.ordering) installOrderingMetrics(registry, deps.ordering);

  // Security headers on every answer, errors included (its hook runs before authentication's).
  // The scan page sends its own, stricter Content-Security-Policy, which replaces this one.
  await app.register(helmet, { global: true });

  // Authentication and the rate limit come before every route, /docs included.
  installAuth(app, deps.keys, {
    keyOnly: [...(deps.config.exposure.metrics === "apiKey" ? ["/metrics"] : []), ...(deps.config.exposure.docs === "apiKey" ? ["/docs"] : [])],
  });
  const { requestsPerMinute } = deps.config.limits;
  if (requestsPerMinute > 0) {
    // A route-level hook, so it runs after authentication and counts per API key, not per address behind one proxy.
    await app.register(rateLimit, {
      global: true,
      max: requestsPerMinute,
      timeWindow: 60_000,
      keyGenerator: (request: FastifyRequest) => (request.principal ? `key:${request.principal.keyId}` : `address:${request.ip}`),
      errorResponseBuilder: (_request, context) =>
        new GatewayError("RATE_LIMITED", `too many requests: at most ${context.max} per minute for this API key; retry in ${context.after}`, {
          details: { limitPerMinute: context.max, retryAfterSeconds: Math.ceil(context.ttl / 1000) },
        }),
    });
  }

  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "rxtrace gateway",
        version: "1.0.0",
        description:
          "REST API of the rxtrace pharmaceutical supply-chain network. Every /v1 call needs an API key " +
          "(header x-api-key or Authorization: Bearer). Errors answer a flat { code, message, field?, transactionId?, details? }; 429 RATE_LIMITED carries Retry-After.",
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

  installIdempotency(app, deps.idempotency);

  const probes: ReadinessProbe[] = [{ name: "fabric", check: () => ledger.ready() }, ...(deps.probes ?? [])];
  await app.register(healthRoutes, { probes, registry, probeTimeoutMs: deps.probeTimeoutMs ?? 3_000 });
  await app.register(scanRoutes, deps.scan ?? {});
  await app.register(v1Routes, {
    prefix: API_PREFIX,
    ledger,
    minBlockWaitMs: deps.config.fabric.minBlockWaitMs,
    relayHere: deps.config.org === undefined || orgByName(deps.config.org).mspId === RECALL_RELAY.mspId,
    ...(deps.relay ? { relay: deps.relay } : {}),
    ...(deps.verifyReadModel ? { verifyReadModel: deps.verifyReadModel } : {}),
  });
  if (deps.documents) await app.register(documentRoutes, { prefix: API_PREFIX, ...deps.documents });
  if (deps.audit) await app.register(auditRoutes, { prefix: API_PREFIX, ...deps.audit });
  if (deps.events) await app.register(eventRoutes, { prefix: API_PREFIX, streamsPerKey: deps.config.limits.eventStreamsPerKey, ...deps.events });
  if (deps.evm) await app.register(evmRoutes, { prefix: API_PREFIX, ...deps.evm });
  return app;
}
