/**
 * The processes a fault test kills and restarts, all under this run's own
 * $RXTRACE_DATA (scripts/test/faults.sh sets it): Fabric nodes through their
 * pid files and scripts/network.sh, Kubo and the Hardhat node through their
 * scripts, and the gateway as a real child process (gateway/src/main.ts).
 * Only processes named by this data folder's pid files are ever killed.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { TOPOLOGY, orgPort, portOffset } from "../../../gateway/src/topology.js";
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

/** COMMAND run on ORG's host: inside its namespace under scripts/test/multihost.sh (RXTRACE_NETNS), else here. */
function onOrgHost(org: string, command: string, args: string[]): string {
  const tag = process.env.RXTRACE_NETNS;
  const [file, argv] = tag ? ["ip", ["netns", "exec", `${tag}-${org}`, command, ...args]] : [command, args];
  return execFileSync(file, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
}

/** The org whose orderer is consenter ID, from the consenter mapping of network/configtx.yaml. */
function consenterOrg(id: number): string {
  const mapping = readFileSync(path.join(repoRoot, "network", "configtx.yaml"), "utf8").matchAll(/- ID: (\d+)\s+Host: @HOST_(\w+)@/g);
  const org = [...mapping].find((m) => Number(m[1]) === id)?.[2];
  if (org === undefined) throw new Error(`no consenter ${id} in network/configtx.yaml`);
  return org;
}

/** The BFT leader of CHANNEL as ORG's orderer sees it now (consensus_BFT_leader_id on its operations endpoint, on its own host's loopback). */
function leaderSeenBy(org: string, channel: string): string {
  const admin = path.join(DATA, "fabric", "orgs", org, "users", "admin", "tls");
  const metrics = onOrgHost(org, "curl", ["-sfk", "--max-time", "3", "--cert", path.join(admin, "server.crt"), "--key", path.join(admin, "server.key"),
    `https://127.0.0.1:${orgPort(org, "ordererOps", portOffset())}/metrics`]);
  const id = new RegExp(`consensus_BFT_leader_id\\{channel="${channel}"\\} (\\d+)`).exec(metrics)?.[1];
  if (id === undefined) throw new Error(`${org}'s orderer reports no BFT leader for ${channel}`);
  return consenterOrg(Number(id));
}

interface AgreedLeader {
  /** The leader every orderer names, when they all do and are caught up. */
  readonly leader?: string;
  readonly all: boolean;
  readonly dissenters: readonly string[];
  /** What each orderer said, for the log. */
  readonly seen: string;
  readonly waitedMs: number;
}

/** Blocks an orderer may trail the highest one by under load and still count as caught up (heights are read one orderer after another). */
const BLOCKS_IN_FLIGHT = 2;

/**
 * The leader of CHANNEL: the one every orderer names, every orderer within
 * BLOCKS_IN_FLIGHT of the highest height, polled for up to DEADLINE. After a
 * heal or a restart an orderer can lag a view or some blocks behind for a
 * while, so all agreeing is waited for; past the deadline the answer says
 * who dissents or lags.
 */
async function agreedLeader(channel: string, deadlineMs: number): Promise<AgreedLeader> {
  const started = Date.now();
  const orgs = TOPOLOGY.ordering.bft;
  const n = orgs.length;
  for (;;) {
    const named = orgs.map((org) => {
      try { return { org, leader: leaderSeenBy(org, channel) }; } catch { return { org, leader: "?" }; }
    });
    const heights = orgs.map((org) => ordererHeight(org, channel));
    const highest = Math.max(...heights);
    const seen = named.map((x, i) => `${x.org}: ${x.leader} at ${heights[i] ?? -1}`).join(", ");
    const votes = new Map<string, number>();
    for (const x of named) if (x.leader !== "?") votes.set(x.leader, (votes.get(x.leader) ?? 0) + 1);
    const [top, count] = [...votes.entries()].sort((a, b) => b[1] - a[1])[0] ?? ["", 0];
    // Caught up too: a restarted orderer that names the leader while still pulling blocks is not yet
    // a full member, and by rotation it may be the next leader when the current one is cut.
    const dissenters = named.filter((x, i) => x.leader !== top || (heights[i] ?? -1) < highest - BLOCKS_IN_FLIGHT).map((x) => x.org);
    const waitedMs = Date.now() - started;
    if (count === n && dissenters.length === 0) return { leader: top, seen, waitedMs, all: true, dissenters };
    if (waitedMs > deadlineMs) return { seen, waitedMs, all: false, dissenters };
    await sleep(500);
  }
}

/** Restarts the orderers of ORGS (SIGKILL, then network.sh up, which starts what is missing); resolves with the time taken. */
export async function restartOrderers(orgs: readonly string[]): Promise<number> {
  const started = Date.now();
  for (const org of orgs) killByPidFile(`orderer-${org}`);
  await until(async () => orgs.every((org) => !isAlive(`orderer-${org}`)), 10_000, `the orderers of ${orgs.join(", ")} stopped`);
  await runScript("network.sh", "up");
  return Date.now() - started;
}

/**
 * Waits until every orderer names one leader of CHANNEL and has caught up
 * (agreedLeader), and returns that leader. A
 * test that kills or cuts an orderer needs the cluster whole first: Fabric
 * 3.1.5's SmartBFT (v1.0.1) can leave an orderer that missed a view change
 * (a partition, a restart while the others changed view, a false view change
 * when the host is starved of CPU) outside the view the others moved to: it
 * refuses their NewView, syncs at the same height without adopting it and
 * takes no part in the next view change, so one more fault leaves no quorum
 * (docs/reliability.md). The operator's remedy is applied and said through
 * LOG: restart the dissenters; if they still dissent, restart every orderer,
 * which then all start from the view recorded in their last block.
 */
export async function wholeCluster(channel: string, log: (line: string) => void): Promise<string> {
  let agreed = await agreedLeader(channel, 30_000);
  log(`${agreed.all ? "every orderer" : "only some orderers"} named one leader ${(agreed.waitedMs / 1000).toFixed(1)} s later (${agreed.seen})`);
  for (const orgs of [agreed.dissenters, TOPOLOGY.ordering.bft]) {
    if (agreed.all) break;
    const ms = await restartOrderers(orgs);
    agreed = await agreedLeader(channel, 30_000);
    log(`restarted the orderer of ${orgs.join(", ")} in ${(ms / 1000).toFixed(1)} s; ${agreed.all ? "every orderer" : "still only some"} named one leader then (${agreed.seen})`);
  }
  if (!agreed.all || agreed.leader === undefined) throw new Error(`the orderers still name different leaders of ${channel} after restarts (${agreed.seen})`);
  return agreed.leader;
}

/** The block height of a channel on one org's orderer, from its channel participation API on its own host's loopback (-1 when it does not answer). */
export function ordererHeight(org: string, channel: string): number {
  const net = path.join(DATA, "fabric");
  const admin = path.join(net, "orgs", org, "users", "admin", "tls");
  try {
    const out = onOrgHost(org, osnadmin(), ["channel", "list", "-o", `127.0.0.1:${orgPort(org, "ordererAdmin", portOffset())}`, "--ca-file", path.join(net, "ca", org, "ca-cert.pem"),
      "--client-cert", path.join(admin, "server.crt"), "--client-key", path.join(admin, "server.key"), "-c", channel]);
    return Number(/"height":\s*(\d+)/.exec(out)?.[1] ?? -1);
  } catch {
    return -1;
  }
}
