/**
 * The processes a fault test kills and restarts, all under this run's own
 * $RXTRACE_DATA (scripts/test/faults.sh sets it): Fabric nodes through their
 * pid files and scripts/network.sh, Kubo and the Hardhat node through their
 * scripts, and the gateway as a real child process (gateway/src/main.ts).
 * Only processes named by this data folder's pid files are ever killed.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { TOPOLOGY, hostOf, orgPort, portOffset } from "../../../gateway/src/topology.js";
import { keysScript, repoRoot } from "../../../support/gateway-harness.js";
import { processAlive } from "../../../support/processes.js";

export const DATA = path.resolve(process.env.RXTRACE_DATA ?? path.join(repoRoot, ".rxtrace", "faults"));
export const GATEWAY_PORT = Number(process.env.RXTRACE_FAULTS_GATEWAY_PORT ?? process.env.RXTRACE_GATEWAY_PORT ?? 3000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGKILLs the process group a pid file of this data folder names (network.sh starts each node with setsid). */
export function killByPidFile(name: string): number {
  const file = path.join(DATA, "run", `${name}.pid`);
  if (!existsSync(file)) throw new Error(`no pid file ${file}: is ${name} running under ${DATA}?`);
  const pid = Number(readFileSync(file, "utf8").trim());
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    process.kill(pid, "SIGKILL");
  }
  return pid;
}

export function isAlive(name: string): boolean {
  const file = path.join(DATA, "run", `${name}.pid`);
  return existsSync(file) && processAlive(Number(readFileSync(file, "utf8").trim()));
}

/** Runs one of the repository's service scripts on this data folder; resolves with its duration in ms. */
export function runScript(script: string, ...args: string[]): Promise<number> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [path.join(repoRoot, "scripts", script), ...args], {
      env: { ...process.env, RXTRACE_DATA: DATA },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("exit", (code) => (code === 0 ? resolve(Date.now() - started) : reject(new Error(`${script} ${args.join(" ")} exited ${code}: ${stderr.slice(-2000)}`))));
  });
}

/** The gateway as its own process, so it can be killed like any other. */
export class GatewayProcess {
  readonly url = `http://127.0.0.1:${GATEWAY_PORT}`;
  readonly stateDir = path.join(DATA, "gateway-faults");
  readonly keys: Record<string, string>;
  #child: ChildProcess | undefined;
  readonly #env: NodeJS.ProcessEnv;

  constructor() {
    mkdirSync(this.stateDir, { recursive: true });
    const configFile = path.join(this.stateDir, "gateway.json");
    writeFileSync(configFile, JSON.stringify({ stateDir: this.stateDir, keysFile: path.join(this.stateDir, "keys.json"), server: { port: GATEWAY_PORT, logLevel: "warn" } }));
    // The fault suite drives every org through one gateway: the multi-org test mode.
    this.#env = {
      ...process.env,
      RXTRACE_DATA: DATA,
      RXTRACE_GATEWAY_CONFIG: configFile,
      RXTRACE_GATEWAY_TEST_ALL_ORGS: "1",
      CORE_CHAINCODE_LOGGING_LEVEL: "warning",
    };
    keysScript(this.#env);
    this.keys = {};
    for (const line of readFileSync(path.join(this.stateDir, "api-keys.txt"), "utf8").split("\n")) {
      if (line.startsWith("#") || line.trim() === "") continue;
      const [mspId, user, , , key] = line.split("\t");
      if (mspId && user && key) this.keys[`${mspId}/${user}`] = key;
    }
  }

  key(who: string): string {
    const key = this.keys[who];
    if (!key) throw new Error(`no API key for ${who}`);
    return key;
  }

  /** Starts main.ts and waits until /healthz answers; resolves with the start time in ms. */
  async start(): Promise<number> {
    const started = Date.now();
    const log = openSync(path.join(DATA, "logs", "gateway-faults.log"), "a");
    this.#child = spawn(process.execPath, ["--import=tsx", path.join(repoRoot, "gateway/src/main.ts")], { env: this.#env, stdio: ["ignore", log, log], cwd: repoRoot });
    closeSync(log);
    const child = this.#child;
    while (Date.now() - started < 60_000) {
      if (child.exitCode !== null) throw new Error(`the gateway exited with ${child.exitCode}; see ${DATA}/logs/gateway-faults.log`);
      try {
        const res = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(1_000) });
        if (res.ok) return Date.now() - started;
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    throw new Error("the gateway did not answer /healthz within 60 s");
  }

  /** SIGKILL: no shutdown hook runs, as when the host loses the process. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  }

  /** SIGTERM: the gateway's own shutdown (listener stopped, stores closed). */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await Promise.race([exited, sleep(10_000).then(() => child.kill("SIGKILL"))]);
  }
}

export interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** One HTTP call (a string body with a content-type header goes raw); a network failure or a timeout answers status 0. */
export async function request(base: string, method: string, url: string, key: string | undefined, body?: unknown, headers: Record<string, string> = {}, timeoutMs = 30_000): Promise<Answer> {
  try {
    const raw = typeof body === "string" && headers["content-type"] !== undefined;
    const res = await fetch(`${base}${url}`, {
      method,
      headers: { ...(key ? { "x-api-key": key } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
      ...(body === undefined ? {} : { body: raw ? body : JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // keep the text
    }
    return { status: res.status, body: parsed };
  } catch {
    return { status: 0, body: undefined };
  }
}

/** Polls until `check` holds; resolves with the time it took. */
export async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await sleep(250);
  }
  return Date.now() - started;
}

export function syncScript(script: string, ...args: string[]): void {
  const out = spawnSync("bash", [path.join(repoRoot, "scripts", script), ...args], { env: { ...process.env, RXTRACE_DATA: DATA }, encoding: "utf8" });
  if (out.status !== 0) throw new Error(`${script} ${args.join(" ")} failed: ${out.stderr}`);
}

/** The osnadmin binary of the Fabric release the network scripts installed into the cache. */
function osnadmin(): string {
  const cache = process.env.RXTRACE_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(process.env.HOME ?? "/root", ".cache"), "rxtrace");
  const root = path.join(cache, "fabric");
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(path.join(root, v, "bin", "osnadmin"))).sort() : [];
  const version = versions.at(-1);
  if (!version) throw new Error(`no osnadmin under ${root}: run scripts/network.sh up first`);
  return path.join(root, version, "bin", "osnadmin");
}

const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
const ROLE_LINE = /^(\S+ \S+) .*Changing to (?:leader|follower) role, current view: (\d+), current leader: (\d+) channel=(\S+)/gm;

/**
 * The org whose orderer leads a channel now, from the orderers' logs: the leader named by the
 * highest SmartBFT view any orderer entered (the SmartBFT logger must be at info, as
 * scripts/test/faults.sh sets it). A view change may have moved the lead away from consenter 1,
 * so a test that kills the leader asks here. Consenter ids follow the topology's BFT order.
 */
export function bftLeader(channel: string): string {
  let latest = { view: -1, at: "", id: 0 };
  for (const org of TOPOLOGY.ordering.bft) {
    const file = path.join(DATA, "logs", `orderer-${org}.log`);
    if (!existsSync(file)) continue;
    for (const m of readFileSync(file, "utf8").replace(ANSI_COLOUR, "").matchAll(ROLE_LINE)) {
      const [at, view, id] = [m[1] ?? "", Number(m[2]), Number(m[3])];
      if (m[4] === channel && (view > latest.view || (view === latest.view && at >= latest.at))) latest = { view, at, id };
    }
  }
  const leader = TOPOLOGY.ordering.bft[latest.id - 1];
  if (!leader) throw new Error(`no SmartBFT leader of ${channel} in ${DATA}/logs/orderer-*.log: start the network with the SmartBFT logger at info (scripts/test/faults.sh sets RXTRACE_FABRIC_LOG)`);
  return leader;
}

/** The block height of a channel on one org's orderer, from its channel participation API (-1 when it does not answer). */
export function ordererHeight(org: string, channel: string): number {
  const net = path.join(DATA, "fabric");
  const out = spawnSync(osnadmin(), [
    "channel", "list", "-o", `${hostOf(org)}:${orgPort(org, "ordererAdmin", portOffset())}`, "--ca-file", path.join(net, "ca", org, "ca-cert.pem"),
    "--client-cert", path.join(net, "orgs", org, "users", "admin", "tls", "server.crt"),
    "--client-key", path.join(net, "orgs", org, "users", "admin", "tls", "server.key"), "-c", channel,
  ], { encoding: "utf8", env: { ...process.env, FABRIC_LOGGING_SPEC: "error" } });
  const match = /"height":\s*(\d+)/.exec(out.stdout);
  return match ? Number(match[1]) : -1;
}
