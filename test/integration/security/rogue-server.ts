/**
 * Puts a rogue chaincode server in place of one org's real one, the way a
 * dishonest member would on its own host: the peer dials the address in its
 * chaincode package's connection.json, so whatever listens there with the
 * org's chaincode TLS certificate and the package id is "the chaincode". The
 * real server (scripts/network.sh runs it under scripts/network/supervise.sh,
 * pid in run/chaincode-<org>.pid) is stopped and later started again exactly
 * as it ran: same command line, environment and working directory.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import path from "node:path";
import { networkFile } from "../../../support/network-description.js";
import { processAlive } from "../../../support/processes.js";

const repoRoot = path.resolve(import.meta.dirname, "../../..");
export const ROGUE_CHAINCODE_DIR = path.join(import.meta.dirname, "rogue-chaincode");

interface ProcessImage {
  readonly argv: string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function imageOf(pid: number): ProcessImage {
  const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter((a) => a !== "");
  const env: NodeJS.ProcessEnv = {};
  for (const entry of readFileSync(`/proc/${pid}/environ`, "utf8").split("\0")) {
    const eq = entry.indexOf("=");
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return { argv, env, cwd: readlinkSync(`/proc/${pid}/cwd`) };
}

/** One org's chaincode server slot: the real server, or the rogue in its place. */
export class ChaincodeServerSlot {
  readonly org: string;
  readonly #dataDir = path.dirname(networkFile());
  readonly #pidFile: string;
  #real: ProcessImage | undefined;

  /** `org` as scripts/network.sh names it: manufacturer, distributor, pharmacy or regulator. */
  constructor(org: string) {
    this.org = org;
    this.#pidFile = path.join(this.#dataDir, "run", `chaincode-${org}.pid`);
  }

  /** The pid in the org's pid file while that process lives. */
  #runningPid(): number | undefined {
    let pid: number;
    try {
      pid = Number(readFileSync(this.#pidFile, "utf8").trim());
    } catch {
      return undefined;
    }
    return Number.isInteger(pid) && pid > 1 && processAlive(pid) ? pid : undefined;
  }

  #address(image: ProcessImage): { host: string; port: number } {
    const address = image.env.CHAINCODE_ADDRESS;
    if (!address) throw new Error(`chaincode-${this.org} runs without CHAINCODE_ADDRESS`);
    const [host, port] = address.split(":");
    return { host: host ?? "127.0.0.1", port: Number(port) };
  }

  /** Stops the process group of the server in the pid file (the supervisor and its child) and waits for its port to close. */
  async #stop(image: ProcessImage): Promise<void> {
    const pid = this.#runningPid();
    if (pid !== undefined) {
      process.kill(-pid, "SIGTERM");
      try {
        await until(`chaincode-${this.org} (pid ${pid}) did not stop`, () => !processAlive(pid), 10_000);
      } catch {
        process.kill(-pid, "SIGKILL");
      }
    }
    const { host, port } = this.#address(image);
    await until(`port ${port} of chaincode-${this.org} did not close`, async () => !(await portOpen(host, port)), 10_000);
  }

  /** Starts `argv` in a session of its own, as network.sh does, records its pid and waits for its port. */
  async #start(image: ProcessImage, logName: string): Promise<void> {
    const log = openSync(path.join(this.#dataDir, "logs", `${logName}.log`), "a");
    const [command, ...args] = image.argv;
    if (!command) throw new Error("empty command line");
    const child = spawn(command, args, { env: image.env, cwd: image.cwd, detached: true, stdio: ["ignore", log, log] });
    closeSync(log);
    if (child.pid === undefined) throw new Error(`could not start ${logName}`);
    child.unref();
    // network.sh down stops whatever this file names, so the rogue never outlives the network.
    writeFileSync(this.#pidFile, `${child.pid}\n`);
    const { host, port } = this.#address(image);
    await until(`${logName} did not listen on ${host}:${port}`, () => portOpen(host, port), 30_000);
  }

  /** Stops the real server and serves the rogue chaincode on the same address, TLS material and package id. */
  async attachRogue(moduleDir: string = ROGUE_CHAINCODE_DIR): Promise<void> {
    if (this.#real) throw new Error(`a rogue already serves ${this.org}`);
    const pid = this.#runningPid();
    if (pid === undefined) throw new Error(`chaincode-${this.org} is not running (${this.#pidFile})`);
    const real = imageOf(pid);
    if (!real.env.CHAINCODE_ID) throw new Error(`chaincode-${this.org} runs without CHAINCODE_ID`);
    await this.#stop(real);
    this.#real = real;
    const server = path.join(repoRoot, "scripts/network/chaincode-server.cjs");
    await this.#start(
      { argv: [process.execPath, "--import", "tsx", server], env: { ...real.env, CHAINCODE_MODULE: moduleDir }, cwd: repoRoot },
      `chaincode-${this.org}-rogue`,
    );
  }

  /** Stops the rogue and starts the real server again as it ran before. */
  async restore(): Promise<void> {
    const real = this.#real;
    if (!real) return;
    await this.#stop(real);
    await this.#start(real, `chaincode-${this.org}`);
    this.#real = undefined;
  }
}
