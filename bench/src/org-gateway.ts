/**
 * One org's own gateway as its own process, the way a per-org deployment
 * runs it (scripts/start.sh): `node <gateway/node-flags.txt> gateway/dist/main.js` with
 * RXTRACE_GATEWAY_ORG, the org's state folder under $RXTRACE_DATA/gateway/<org>
 * (its keys, its read model, its checkpoints, kept between runs) and the
 * org's port of the topology. Its pid file lies in $RXTRACE_DATA/run as
 * `gateway-<org>.pid`, so the process sampler reports it as the kind
 * `gateway-<org>`, apart from the multi-org gateway of the other scenarios.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gatewayPort, gatewayStateDir } from "../../gateway/src/config.js";
import { orgByName } from "../../gateway/src/topology.js";

export interface OrgGatewayProcess {
  readonly org: string;
  readonly url: string;
  readonly pid: number;
  /** The plain API key of the org's first client user (its api-keys.txt). */
  readonly key: string;
  readonly log: string;
  /** SIGINT (the gateway shuts down cleanly and writes its CPU profile), then SIGKILL after 10 s. */
  stop(): Promise<void>;
}

export interface OrgGatewayOptions {
  readonly repoRoot: string;
  readonly dataDir: string;
  /** Run under node --cpu-prof, writing `gateway-<org>.cpuprofile` into this folder. */
  readonly profileDir?: string;
}

/**
 * The newest plain key of `mspId/user` in an api-keys.txt (tab-separated
 * mspId, user, role, key id, key; scripts/gateway/create-keys.ts writes it).
 */
export function keyOfUser(text: string, mspId: string, user: string): string | undefined {
  let found: string | undefined;
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const [m, u, , , key] = line.split("\t");
    if (m === mspId && u === user && key) found = key;
  }
  return found;
}

/**
 * The org's client key: issued by create-keys into the org's own key file,
 * as npm start does; when an earlier run issued it and its plain copy is
 * gone, the org's keys in the bench's data folder are rotated.
 */
function orgKey(options: OrgGatewayOptions, org: string, env: NodeJS.ProcessEnv): string {
  const { mspId, users } = orgByName(org);
  const user = users[0]?.name;
  if (user === undefined) throw new Error(`network/topology.json gives ${org} no client user`);
  const plain = path.join(gatewayStateDir(options.dataDir, org), "api-keys.txt");
  const script = path.join(options.repoRoot, "scripts", "gateway", "create-keys.ts");
  const read = (): string | undefined => (existsSync(plain) ? keyOfUser(readFileSync(plain, "utf8"), mspId, user) : undefined);
  execFileSync(process.execPath, ["--import=tsx", script], { env, cwd: options.repoRoot, stdio: ["ignore", "ignore", "inherit"] });
  const key = read();
  if (key !== undefined) return key;
  execFileSync(process.execPath, ["--import=tsx", script, "--rotate"], { env, cwd: options.repoRoot, stdio: ["ignore", "ignore", "inherit"] });
  const rotated = read();
  if (rotated === undefined) throw new Error(`${plain}: no key for ${mspId}/${user} after create-keys --rotate`);
  return rotated;
}

/** The Node flags of every org gateway process (gateway/node-flags.txt, one per line, # comments). */
export function gatewayNodeFlags(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

/** Starts the org's gateway and waits until it answers /healthz (up to `timeoutMs`). */
export async function startOrgGateway(org: string, options: OrgGatewayOptions, timeoutMs = 120_000): Promise<OrgGatewayProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RXTRACE_DATA: options.dataDir,
    RXTRACE_GATEWAY_ORG: org,
    RXTRACE_GATEWAY_LOG_LEVEL: "warn",
    // One bench key drives a thousand calls a second; a pharmacy's many pharmacists would each have their own.
    RXTRACE_GATEWAY_RATE_LIMIT: "0",
    CORE_CHAINCODE_LOGGING_LEVEL: "warning",
  };
  // The org's port comes from the topology (shifted by RXTRACE_PORT_OFFSET), as for npm start's gateways.
  delete env.RXTRACE_GATEWAY_PORT;
  delete env.RXTRACE_GATEWAY_TEST_ALL_ORGS;
  delete env.RXTRACE_GATEWAY_CONFIG;
  const key = orgKey(options, org, env);
  const main = path.join(options.repoRoot, "gateway", "dist", "main.js");
  if (!existsSync(main)) throw new Error(`${main} is missing: npm run build -w gateway (scripts/bench.sh builds it)`);
  const flags = gatewayNodeFlags(readFileSync(path.join(options.repoRoot, "gateway", "node-flags.txt"), "utf8"));
  if (options.profileDir) flags.push("--cpu-prof", `--cpu-prof-dir=${options.profileDir}`, `--cpu-prof-name=gateway-${org}.cpuprofile`);
  const logs = path.join(options.dataDir, "logs");
  const run = path.join(options.dataDir, "run");
  mkdirSync(logs, { recursive: true });
  mkdirSync(run, { recursive: true });
  const log = path.join(logs, `gateway-${org}.log`);
  const pidFile = path.join(run, `gateway-${org}.pid`);
  const fd = openSync(log, "a");
  const child: ChildProcess = spawn(process.execPath, [...flags, main], { env, cwd: options.repoRoot, stdio: ["ignore", fd, fd] });
  if (child.pid === undefined) throw new Error(`the ${org} gateway did not start (log: ${log})`);
  const pid = child.pid;
  writeFileSync(pidFile, `${pid}\n`);
  const url = `http://127.0.0.1:${gatewayPort(org, env)}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGINT");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(pidFile, { force: true });
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      rmSync(pidFile, { force: true });
      throw new Error(`the ${org} gateway exited (code ${child.exitCode}): ${readFileSync(log, "utf8").slice(-2000)}`);
    }
    const up = await fetch(`${url}/healthz`).then((r) => r.ok).catch(() => false);
    if (up) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the ${org} gateway does not answer on ${url} after ${timeoutMs / 1000} s (log: ${log})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { org, url, pid, key, log, stop };
}
