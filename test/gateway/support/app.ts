/** Builds the gateway in process with fakes behind the ports. */
import type { FastifyInstance } from "fastify";
import { buildApp, type AppDeps } from "../../../gateway/src/app.js";
import { hashApiKey, StaticApiKeyStore, type ApiKeyRecord, type ApiKeyStore } from "../../../gateway/src/auth/api-keys.js";
import type { MspId, Role } from "../../../gateway/src/auth/principal.js";
import { loadConfig, type Config } from "../../../gateway/src/config.js";
import { SqliteIdempotencyStore } from "../../../gateway/src/adapters/idempotency-sqlite.js";
import type { IdempotencyStore } from "../../../gateway/src/ports/idempotency.js";
import type { ReadinessProbe } from "../../../gateway/src/routes/health.js";
import { FakeLedger } from "./fake-ledger.js";
import { tempDir } from "./temp.js";

/** Plain test keys, one per org user the network enrols. */
export const KEYS = {
  manufacturer: "key-manufacturer-operator",
  quality: "key-manufacturer-quality",
  distributor: "key-distributor-operator",
  pharmacy: "key-pharmacy-pharmacist",
  regulator: "key-regulator-auditor",
  regulatorAdmin: "key-regulator-admin",
  revoked: "key-revoked",
} as const;

function record(id: string, plain: string, mspId: MspId, user: string, role: Role, revoked = false): ApiKeyRecord {
  return {
    id,
    sha256: hashApiKey(plain),
    user,
    mspId,
    role,
    createdAt: "2026-01-01T00:00:00Z",
    revokedAt: revoked ? "2026-01-02T00:00:00Z" : null,
  };
}

export const KEY_RECORDS: ApiKeyRecord[] = [
  record("k-mfr-op", KEYS.manufacturer, "ManufacturerMSP", "operator", "operator"),
  record("k-mfr-qa", KEYS.quality, "ManufacturerMSP", "quality", "quality"),
  record("k-dist-op", KEYS.distributor, "DistributorMSP", "operator", "operator"),
  record("k-pharm", KEYS.pharmacy, "PharmacyMSP", "pharmacist", "pharmacist"),
  record("k-reg", KEYS.regulator, "RegulatorMSP", "auditor", "auditor"),
  record("k-reg-admin", KEYS.regulatorAdmin, "RegulatorMSP", "admin", "admin"),
  record("k-revoked", KEYS.revoked, "ManufacturerMSP", "operator", "operator", true),
];

export interface TestApp {
  app: FastifyInstance;
  ledger: FakeLedger;
  idempotency: IdempotencyStore;
  close(): Promise<void>;
}

/** Route groups and settings a test adds to the app (documents, events, evm, limits...). */
export type TestAppOptions = {
  probes?: ReadinessProbe[];
  ledger?: FakeLedger;
  bodyLimitBytes?: number;
  minBlockWaitMs?: number;
  limits?: Partial<Config["limits"]>;
  exposure?: Partial<Config["exposure"]>;
  /** The org whose gateway this is (RXTRACE_GATEWAY_ORG); absent: the multi-org test mode. */
  org?: string;
  keys?: ApiKeyStore;
  /** Default: a fresh in-memory SQLite store. */
  idempotency?: IdempotencyStore;
} & Partial<Pick<AppDeps, "documents" | "events" | "evm" | "verifyReadModel" | "relay" | "progress" | "certificates" | "ordering">>;

export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = tempDir("rxtrace-gw-");
  const base = loadConfig({ RXTRACE_DATA: dataDir, RXTRACE_GATEWAY_LOG_LEVEL: "silent", ...(options.org ? { RXTRACE_GATEWAY_ORG: options.org } : {}) }, dataDir);
  const config: Config = {
    ...base,
    server: { ...base.server, bodyLimitBytes: options.bodyLimitBytes ?? base.server.bodyLimitBytes },
    fabric: { ...base.fabric, minBlockWaitMs: options.minBlockWaitMs ?? base.fabric.minBlockWaitMs },
    limits: { ...base.limits, ...options.limits },
    exposure: { ...base.exposure, ...options.exposure },
  };
  const ledger = options.ledger ?? new FakeLedger();
  const idempotency = options.idempotency ?? new SqliteIdempotencyStore(":memory:");
  const app = await buildApp({
    config,
    keys: options.keys ?? new StaticApiKeyStore(KEY_RECORDS),
    idempotency,
    ledger,
    probes: options.probes ?? [],
    probeTimeoutMs: 200,
    ...(options.documents ? { documents: options.documents } : {}),
    ...(options.events ? { events: options.events } : {}),
    ...(options.evm ? { evm: options.evm } : {}),
    ...(options.verifyReadModel ? { verifyReadModel: options.verifyReadModel } : {}),
    ...(options.relay ? { relay: options.relay } : {}),
    ...(options.progress ? { progress: options.progress } : {}),
    ...(options.certificates ? { certificates: options.certificates } : {}),
    ...(options.ordering ? { ordering: options.ordering } : {}),
  });
  await app.ready();
  return {
    app,
    ledger,
    idempotency,
    async close() {
      await app.close();
      await idempotency.close();
    },
  };
}
