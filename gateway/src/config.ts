/**
 * The gateway's one configuration: read once at start from an optional JSON
 * file and the environment, validated against a schema and frozen. Nothing
 * else in the gateway reads `process.env`.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { TOPOLOGY, orgPort, portOffset } from "./topology.js";

const Port = Type.Integer({ minimum: 0, maximum: 65535 });
const PositiveMs = Type.Integer({ minimum: 1 });

export const ConfigSchema = Type.Object(
  {
    server: Type.Object(
      {
        host: Type.String({ minLength: 1 }),
        port: Port,
        /** Largest JSON body accepted; above it the answer is 413. */
        bodyLimitBytes: Type.Integer({ minimum: 1024 }),
        logLevel: Type.Union([
          Type.Literal("fatal"),
          Type.Literal("error"),
          Type.Literal("warn"),
          Type.Literal("info"),
          Type.Literal("debug"),
          Type.Literal("trace"),
          Type.Literal("silent"),
        ]),
      },
      { additionalProperties: false },
    ),
    limits: Type.Object(
      {
        /**
         * Requests one API key may make per minute (per client address on
         * routes without a key); above it 429 with Retry-After. 0 turns it off.
         */
        requestsPerMinute: Type.Integer({ minimum: 0 }),
        /** Server-Sent Events streams one API key may hold open at once; one more answers 429. */
        eventStreamsPerKey: Type.Integer({ minimum: 1 }),
      },
      { additionalProperties: false },
    ),
    /** Who may read the operational endpoints: anyone, or any holder of a valid API key (whatever its role). */
    exposure: Type.Object(
      {
        metrics: Type.Union([Type.Literal("public"), Type.Literal("apiKey")]),
        docs: Type.Union([Type.Literal("public"), Type.Literal("apiKey")]),
      },
      { additionalProperties: false },
    ),
    /**
     * The org this gateway serves (an org name of network/topology.json): it
     * loads only that org's identities and API keys, keeps its state under
     * gateway/<org>/ and listens on the org's gateway port. Absent only in the
     * multi-org test mode of support/gateway-harness.ts; the gateway process
     * refuses to start without it.
     */
    org: Type.Optional(Type.String({ minLength: 1 })),
    /**
     * The multi-org test mode: one process holding every org's identities and
     * keys (RXTRACE_GATEWAY_TEST_ALL_ORGS=1), for the fault suite and the
     * benchmark that drive the whole system through one gateway. Never for a
     * deployment: it is the trust boundary one gateway per org exists for.
     */
    testAllOrgs: Type.Boolean(),
    /** Root of all runtime state ($RXTRACE_DATA). */
    dataDir: Type.String({ minLength: 1 }),
    /** What the network publishes for clients: peers, channels, users. */
    networkFile: Type.String({ minLength: 1 }),
    /** Hashed API keys written by scripts/gateway/create-keys.ts. */
    keysFile: Type.String({ minLength: 1 }),
    /** The gateway's own durable state (idempotency records, index, checkpoints). */
    stateDir: Type.String({ minLength: 1 }),
    /**
     * A PostgreSQL database (postgres://user:password@host:port/database) the
     * replicas of this org's gateway share: idempotency records, the
     * verification read model and the outbox live there instead of the SQLite files under
     * stateDir, so two or more replicas can answer behind one address. One
     * database per org. Absent: SQLite, for one replica.
     */
    databaseUrl: Type.Optional(Type.String({ pattern: "^postgres(ql)?://" })),
    fabric: Type.Object(
      {
        chaincode: Type.String({ minLength: 1 }),
        deadlinesMs: Type.Object(
          {
            evaluate: PositiveMs,
            endorse: PositiveMs,
            submit: PositiveMs,
            commitStatus: PositiveMs,
          },
          { additionalProperties: false },
        ),
        /** How many times a transaction is retried after an MVCC read conflict. */
        mvccRetries: Type.Integer({ minimum: 0, maximum: 10 }),
        /** Longest wait for the caller's peer to reach the block an `X-Min-Block` header names; then 503. */
        minBlockWaitMs: Type.Integer({ minimum: 0, maximum: 60_000 }),
        /** Deadline of asking the other members' peers for the channel's height after a NOT_FOUND. */
        membersHeightTimeoutMs: Type.Integer({ minimum: 1, maximum: 60_000 }),
      },
      { additionalProperties: false },
    ),
    ipfs: Type.Object(
      {
        apiUrl: Type.String({ minLength: 1 }),
        uploadLimitBytes: Type.Integer({ minimum: 1 }),
        allowedContentTypes: Type.Array(Type.String({ minLength: 3 }), { minItems: 1 }),
      },
      { additionalProperties: false },
    ),
    evm: Type.Object(
      {
        deploymentFile: Type.String({ minLength: 1 }),
        /** Period of the Fabric block-hash anchoring; 0 turns it off. */
        anchorIntervalMs: Type.Integer({ minimum: 0 }),
      },
      { additionalProperties: false },
    ),
    /** The durable outbox: recall and withdrawal copies onto other channels, webhook deliveries. */
    relay: Type.Object(
      {
        retryInitialMs: PositiveMs,
        retryMaxMs: PositiveMs,
        pollMs: PositiveMs,
        /** A recall or withdrawal copy still pending after this raises one RelayStillPending event. */
        alertAfterMs: PositiveMs,
      },
      { additionalProperties: false },
    ),
    events: Type.Object(
      {
        /** Webhook subscribers; each delivery is signed with HMAC-SHA256 over the body. */
        webhooks: Type.Array(
          Type.Object(
            {
              url: Type.String({ minLength: 1 }),
              secret: Type.String({ minLength: 16 }),
            },
            { additionalProperties: false },
          ),
        ),
        /** Development mode: a webhook may be http:// to a loopback address (otherwise https:// only). */
        development: Type.Boolean(),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type Config = Readonly<Static<typeof ConfigSchema>>;

/** Thrown when the configuration is invalid; names the offending setting. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

type Env = Readonly<Record<string, string | undefined>>;

function envInteger(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name}: must be a non-negative integer, got "${raw}"`);
  return Number(raw);
}

/** Where the gateway of `org` keeps its state (keys, idempotency, index, checkpoints, outbox): one folder per org. */
export function gatewayStateDir(dataDir: string, org?: string): string {
  return org === undefined ? path.join(dataDir, "gateway") : path.join(dataDir, "gateway", org);
}

/** The port the gateway of `org` listens on: the org's `gateway` port of the topology, shifted by RXTRACE_PORT_OFFSET. */
export function gatewayPort(org: string, env: Env): number {
  try {
    return orgPort(org, "gateway", portOffset(env));
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

function defaults(dataDir: string, org: string | undefined, env: Env): Static<typeof ConfigSchema> {
  const stateDir = gatewayStateDir(dataDir, org);
  return {
    server: {
      host: "127.0.0.1",
      port: org === undefined ? TOPOLOGY.ports.services.gateway : gatewayPort(org, env),
      bodyLimitBytes: 1024 * 1024,
      logLevel: "info",
    },
    ...(org === undefined ? {} : { org }),
    testAllOrgs: false,
    limits: { requestsPerMinute: 1200, eventStreamsPerKey: 4 },
    exposure: { metrics: "public", docs: "public" },
    dataDir,
    networkFile: path.join(dataDir, "network.json"),
    keysFile: path.join(stateDir, "keys.json"),
    stateDir,
    fabric: {
      chaincode: TOPOLOGY.chaincode,
      deadlinesMs: { evaluate: 5_000, endorse: 15_000, submit: 5_000, commitStatus: 60_000 },
      mvccRetries: 3,
      minBlockWaitMs: 3_000,
      membersHeightTimeoutMs: 1_000,
    },
    ipfs: {
      apiUrl: `http://127.0.0.1:${TOPOLOGY.ports.services.kuboApi}`,
      uploadLimitBytes: 10 * 1024 * 1024,
      allowedContentTypes: ["application/pdf", "application/json", "text/plain", "text/csv", "image/png", "image/jpeg", "application/xml"],
    },
    evm: { deploymentFile: path.join(dataDir, "evm", "deployment.json"), anchorIntervalMs: 60_000 },
    relay: { retryInitialMs: 1_000, retryMaxMs: 60_000, pollMs: 1_000, alertAfterMs: 5 * 60_000 },
    events: { webhooks: [], development: false },
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function merge(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? merge(current, value) : value;
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Builds the configuration from defaults, then the JSON file named by
 * `RXTRACE_GATEWAY_CONFIG` (if any), then single environment overrides.
 * @param repoRoot where `.rxtrace` lives when RXTRACE_DATA is unset
 * @throws ConfigError naming the setting that is wrong
 */
export function loadConfig(env: Env, repoRoot: string): Config {
  const dataDir = path.resolve(env.RXTRACE_DATA ?? path.join(repoRoot, ".rxtrace"));
  let fromFile: Record<string, unknown> = {};
  const file = env.RXTRACE_GATEWAY_CONFIG;
  if (file !== undefined && file !== "") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, "utf8"));
    } catch (err) {
      throw new ConfigError(`RXTRACE_GATEWAY_CONFIG: cannot read ${file}: ${(err as Error).message}`);
    }
    if (!isPlainObject(parsed)) throw new ConfigError(`RXTRACE_GATEWAY_CONFIG: ${file} must hold a JSON object`);
    fromFile = parsed;
  }
  const org = env.RXTRACE_GATEWAY_ORG || (typeof fromFile.org === "string" ? fromFile.org : undefined);
  if (org !== undefined && !TOPOLOGY.orgs.some((o) => o.name === org)) {
    const where = env.RXTRACE_GATEWAY_ORG ? "RXTRACE_GATEWAY_ORG" : "config org";
    throw new ConfigError(`${where}: must name an org of the topology (${TOPOLOGY.orgs.map((o) => o.name).join(", ")}), got "${org}"`);
  }
  let merged: Record<string, unknown> = merge(defaults(dataDir, org, env), { ...fromFile, ...(org === undefined ? {} : { org }) });

  const server: Record<string, unknown> = {};
  if (env.RXTRACE_GATEWAY_HOST) server.host = env.RXTRACE_GATEWAY_HOST;
  const port = envInteger(env, "RXTRACE_GATEWAY_PORT");
  if (port !== undefined) server.port = port;
  if (env.RXTRACE_GATEWAY_LOG_LEVEL) server.logLevel = env.RXTRACE_GATEWAY_LOG_LEVEL;
  const overrides: Record<string, unknown> = { server };
  if (env.RXTRACE_GATEWAY_TEST_ALL_ORGS === "1") overrides.testAllOrgs = true;
  const rate = envInteger(env, "RXTRACE_GATEWAY_RATE_LIMIT");
  if (rate !== undefined) overrides.limits = { requestsPerMinute: rate };
  if (env.RXTRACE_KUBO_API) overrides.ipfs = { apiUrl: env.RXTRACE_KUBO_API };
  if (env.RXTRACE_GATEWAY_DATABASE_URL) overrides.databaseUrl = env.RXTRACE_GATEWAY_DATABASE_URL;
  merged = merge(merged, overrides);

  const firstError = Value.Errors(ConfigSchema, merged).First();
  if (firstError) {
    const where = firstError.path.replace(/^\//, "").replaceAll("/", ".") || "(root)";
    throw new ConfigError(`config ${where}: ${firstError.message}`);
  }
  return deepFreeze(merged as Static<typeof ConfigSchema>);
}

/** The configuration of this process: its environment, the repository it runs from. */
export function loadConfigFromProcess(repoRoot: string): Config {
  return loadConfig(process.env, repoRoot);
}
