/**
 * Runs the real gateway against the network `scripts/network.sh up`
 * published under $RXTRACE_DATA, two ways:
 * - startGateway: one gateway in process holding every org's identities and
 *   API keys (the multi-org test mode) with the Fabric adapter, keys issued by
 *   scripts/gateway/create-keys.ts into a temporary state folder and a real
 *   HTTP listener on a free loopback port;
 * - startOrgGateways: one gateway process per org (gateway/src/main.ts, as
 *   npm start runs them), each with only its own org's identities and keys.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { gtinCheckDigit } from "@rxtrace/chaincode";
import type { FastifyInstance } from "fastify";
import { FabricLedgerClient } from "../gateway/src/adapters/fabric.js";
import { SqliteIdempotencyStore } from "../gateway/src/adapters/idempotency-sqlite.js";
import { buildApp } from "../gateway/src/app.js";
import { FileApiKeyStore } from "../gateway/src/auth/api-keys.js";
import { loadConfig, type Config } from "../gateway/src/config.js";
import { GatewayError } from "../gateway/src/errors.js";
import type { LedgerClient } from "../gateway/src/ports/ledger.js";
import type { OutboxRelay } from "../gateway/src/services/outbox-relay.js";
import { TOPOLOGY } from "../gateway/src/topology.js";

export const repoRoot = path.resolve(import.meta.dirname, "..");

export interface Gateway {
  url: string;
  config: Config;
  /** Plain API keys by "MSPID/user". */
  keys: Record<string, string>;
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/** Runs scripts/gateway/create-keys.ts with the test's configuration. */
export function keysScript(env: NodeJS.ProcessEnv, ...args: string[]): string {
  return execFileSync(process.execPath, ["--import=tsx", path.join(repoRoot, "scripts/gateway/create-keys.ts"), ...args], { env, encoding: "utf8" });
}

function readPlainKeys(file: string): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const [mspId, user, , , key] = line.split("\t");
    if (mspId && user && key) keys[`${mspId}/${user}`] = key;
  }
  return keys;
}

export interface GatewayOptions {
  /** Wraps the real Fabric adapter (e.g. to inject one failure while the rest stays real). */
  wrapLedger?: (ledger: LedgerClient) => LedgerClient;
  /** The durable outbox worker, given its state folder (default: none, the relay's in-memory outbox). */
  relay?: (stateDir: string) => OutboxRelay;
}

export async function startGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const dataDir = process.env.RXTRACE_DATA ?? path.join(repoRoot, ".rxtrace");
  const networkFile = path.join(dataDir, "network.json");
  if (!existsSync(networkFile)) {
    throw new Error(`no ${networkFile}: start the network first (scripts/network.sh up, or scripts/test/integration.sh)`);
  }
  const stateDir = mkdtempSync(path.join(tmpdir(), "rxtrace-gw-it-"));
  const configFile = path.join(stateDir, "gateway.json");
  // The suites drive many calls with one key (REST fuzz, access matrix); the rate limit has its own test in test/gateway.
  writeFileSync(
    configFile,
    JSON.stringify({ stateDir, keysFile: path.join(stateDir, "keys.json"), server: { port: 0, logLevel: "warn" }, limits: { requestsPerMinute: 0 } }),
  );
  const env = { ...process.env, RXTRACE_DATA: dataDir, RXTRACE_GATEWAY_CONFIG: configFile, CORE_CHAINCODE_LOGGING_LEVEL: "warning" };
  keysScript(env);
  const config = loadConfig(env, repoRoot);

  const ledger = new FabricLedgerClient({
    networkFile: config.networkFile,
    chaincode: config.fabric.chaincode,
    deadlinesMs: config.fabric.deadlinesMs,
    mvccRetries: config.fabric.mvccRetries,
  });
  const idempotency = new SqliteIdempotencyStore(path.join(stateDir, "idempotency.db"));
  const relay = options.relay?.(stateDir);
  const app: FastifyInstance = await buildApp({
    config,
    keys: new FileApiKeyStore(config.keysFile),
    idempotency,
    ledger: options.wrapLedger ? options.wrapLedger(ledger) : ledger,
    ...(relay ? { relay } : {}),
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    config,
    keys: readPlainKeys(path.join(stateDir, "api-keys.txt")),
    env,
    async close() {
      await relay?.stop();
      await relay?.outbox.close();
      await app.close();
      ledger.close();
      await idempotency.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

export interface OrgGateway extends Gateway {
  org: string;
  /** The org's key file (hashes) and the process's log. */
  keysFile: string;
  log: string;
  /** The gateway process. */
  child: ChildProcess;
}

/** One gateway process of `org` on a state folder (kept when the caller named it, else temporary and removed on close). */
function launchOrgGateway(
  dataDir: string,
  org: string,
  given: string | undefined,
  settings: Record<string, unknown>,
  options: { readonly issueKeys: boolean; readonly env?: NodeJS.ProcessEnv },
): OrgGateway {
  if (given !== undefined) mkdirSync(given, { recursive: true, mode: 0o700 });
  const stateDir = given ?? mkdtempSync(path.join(tmpdir(), `rxtrace-gw-${org}-`));
  const configFile = path.join(stateDir, "gateway.json");
  writeFileSync(
    configFile,
    JSON.stringify({ stateDir, keysFile: path.join(stateDir, "keys.json"), server: { logLevel: "warn" }, limits: { requestsPerMinute: 0 }, ...settings }),
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RXTRACE_DATA: dataDir,
    RXTRACE_GATEWAY_CONFIG: configFile,
    RXTRACE_GATEWAY_ORG: org,
    CORE_CHAINCODE_LOGGING_LEVEL: "warning",
    ...options.env,
  };
  delete env.RXTRACE_GATEWAY_PORT;
  delete env.RXTRACE_GATEWAY_TEST_ALL_ORGS;
  if (options.issueKeys) keysScript(env);
  const config = loadConfig(env, repoRoot);
  const log = path.join(stateDir, "gateway.log");
  const fd = openSync(log, "a");
  const child = spawn(process.execPath, ["--import=tsx", path.join(repoRoot, "gateway/src/main.ts")], { env, stdio: ["ignore", fd, fd], cwd: repoRoot });
  return {
    org,
    url: `http://127.0.0.1:${config.server.port}`,
    config,
    env,
    keysFile: config.keysFile,
    log,
    child,
    // Keys issued by this start; a restart on a kept state folder issues none.
    keys: existsSync(path.join(stateDir, "api-keys.txt")) ? readPlainKeys(path.join(stateDir, "api-keys.txt")) : {},
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      }
      if (given === undefined) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Waits until every gateway answers /healthz; throws with the log's tail of one that exited. */
async function untilHealthy(gateways: readonly OrgGateway[]): Promise<void> {
  for (const gw of gateways) {
    const deadline = Date.now() + 300_000;
    for (;;) {
      if (gw.child.exitCode !== null) throw new Error(`the ${gw.org} gateway exited: ${readFileSync(gw.log, "utf8").slice(-2000)}`);
      const up = await fetch(`${gw.url}/healthz`).then((r) => r.ok).catch(() => false);
      if (up) break;
      if (Date.now() > deadline) throw new Error(`the ${gw.org} gateway does not answer on ${gw.url}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

function networkDataDir(): string {
  const dataDir = process.env.RXTRACE_DATA ?? path.join(repoRoot, ".rxtrace");
  if (!existsSync(path.join(dataDir, "network.json"))) throw new Error(`no network.json under ${dataDir}: start the network first`);
  return dataDir;
}

/**
 * One gateway process per org of the topology, each on its org's gateway
 * port (RXTRACE_PORT_OFFSET applies) with its state and keys in a temporary
 * folder of its own. Keys are by "MSPID/user", each in its own org's gateway.
 */
export async function startOrgGateways(
  orgs: readonly string[] = TOPOLOGY.orgs.map((o) => o.name),
  options: {
    readonly stateDirOf?: (org: string) => string;
    /** Settings added to the org's gateway.json (e.g. `events.webhooks`). */
    readonly configOf?: (org: string) => Record<string, unknown>;
  } = {},
): Promise<Record<string, OrgGateway>> {
  const dataDir = networkDataDir();
  const started: Record<string, OrgGateway> = {};
  try {
    for (const org of orgs) {
      started[org] = launchOrgGateway(dataDir, org, options.stateDirOf?.(org), options.configOf?.(org) ?? {}, { issueKeys: true });
    }
    await untilHealthy(Object.values(started));
    return started;
  } catch (error) {
    await Promise.all(Object.values(started).map((g) => g.close()));
    throw error;
  }
}

/** A loopback port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== "object" || address === null) throw new Error("no free port");
  return address.port;
}

/**
 * `count` replicas of one org's gateway, as an operator scales one out: each
 * its own process and port (the first on the org's gateway port) and state
 * folder, all sharing the PostgreSQL database at `databaseUrl` and the org's
 * key file (issued once, so a key works at every replica).
 */
export async function startReplicas(org: string, count: number, databaseUrl: string): Promise<OrgGateway[]> {
  const dataDir = networkDataDir();
  const replicas: OrgGateway[] = [];
  try {
    const first = launchOrgGateway(dataDir, org, undefined, {}, { issueKeys: true, env: { RXTRACE_GATEWAY_DATABASE_URL: databaseUrl } });
    replicas.push(first);
    for (let i = 1; i < count; i += 1) {
      const port = await freePort();
      const replica = launchOrgGateway(dataDir, org, undefined, { keysFile: first.keysFile, server: { logLevel: "warn", port } }, {
        issueKeys: false,
        env: { RXTRACE_GATEWAY_DATABASE_URL: databaseUrl },
      });
      replicas.push({ ...replica, keys: first.keys });
    }
    await untilHealthy(replicas);
    return replicas;
  } catch (error) {
    await Promise.all(replicas.map((g) => g.close()));
    throw error;
  }
}

/** A GTIN-14 with a valid check digit, fresh for each run. */
export function freshGtin(): string {
  const first13 = `0${String(Date.now()).slice(-9)}${String(Math.floor(Math.random() * 1000)).padStart(3, "0")}`;
  return first13 + String(gtinCheckDigit(first13));
}

export { futureExpiry } from "./fixtures.js";

export interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Headers;
}

/** The plain API key create-keys issued for "MSPID/user"; throws when there is none. */
export function keyOf(gw: Gateway | undefined, who: string): string {
  const key = gw?.keys[who];
  if (!key) throw new Error(`create-keys issued no key for ${who}`);
  return key;
}

/**
 * The real ledger adapter, except that one transaction the relay submits fails
 * while `failing` holds, with the CONFLICT a failed cross-channel query gives.
 * Pass `wrap` as startGateway's wrapLedger; `refused` counts the failures.
 */
export class FailingSubmit {
  failing = true;
  refused = 0;
  constructor(
    readonly transaction: string,
    readonly field: string,
  ) {}

  readonly wrap = (inner: LedgerClient): LedgerClient => ({
    evaluate: (as, c) => inner.evaluate(as, c),
    submit: async (as, c) => {
      if (this.failing && c.transaction === this.transaction) {
        this.refused += 1;
        throw new GatewayError("CONFLICT", "cross-channel query to mfr-dist failed (500): injected by the test", { field: this.field });
      }
      return inner.submit(as, c);
    },
    ...(inner.heights ? { heights: inner.heights } : {}),
    ready: () => inner.ready(),
    close: () => inner.close(),
  });
}

/**
 * Reading one's own writes across a spec's calls: `remember` the block a write
 * committed in (its X-Ledger-Block header); `at()` is then the X-Min-Block
 * header that makes the next call wait until the answering peer has that block.
 */
export function blockTracker(): { readonly at: () => Record<string, string>; readonly remember: (headers: Headers) => void } {
  let minBlock = "";
  return {
    at: (): Record<string, string> => (minBlock ? { "x-min-block": minBlock } : {}),
    remember: (headers) => {
      minBlock = headers.get("x-ledger-block") ?? minBlock;
    },
  };
}

/** One HTTP call to the gateway with an API key (or none). */
export async function call(gw: Gateway, method: string, url: string, key?: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${gw.url}${url}`, {
    method,
    headers: {
      ...(key ? { "x-api-key": key } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
