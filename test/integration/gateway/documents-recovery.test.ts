/**
 * The documents side recovers by itself: with its Kubo daemon stopped the
 * answer is 503 naming IPFS, and once the daemon is back the same adapter
 * works again. Runs a private daemon (the cached Kubo binary, a fresh repo, a
 * free loopback port) so the shared one is never stopped.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { newKuboContentStore } from "../../../gateway/src/adapters/ipfs.js";
import { GatewayError } from "../../../gateway/src/errors.js";
import { RUN } from "./support.js";

const KUBO_BIN = path.join(process.env.RXTRACE_CACHE ?? path.join(homedir(), ".cache", "rxtrace"), "kubo", process.env.KUBO_VERSION ?? "0.42.0", "ipfs");

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

async function* body(text: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(text);
}

describe("documents recover when Kubo returns", function () {
  this.timeout(120_000);
  let repo: string;
  let port: number;
  let daemon: ChildProcess | undefined;
  const env = () => ({ ...process.env, IPFS_PATH: repo });

  const startDaemon = async (): Promise<void> => {
    daemon = spawn(KUBO_BIN, ["daemon", "--offline"], { env: env(), stdio: "ignore" });
    const store = newKuboContentStore({ url: `http://127.0.0.1:${port}`, timeoutMs: 2_000 });
    const until = Date.now() + 60_000;
    for (;;) {
      try {
        await store.ping();
        return;
      } catch (error) {
        if (Date.now() > until) throw error;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };

  const stopDaemon = async (): Promise<void> => {
    const running = daemon;
    daemon = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    running.kill("SIGTERM");
    await exited;
  };

  before(async () => {
    expect(existsSync(KUBO_BIN), `Kubo binary at ${KUBO_BIN} (scripts/kubo.sh install)`).to.be.true;
    repo = mkdtempSync(path.join(tmpdir(), "rxtrace-it-kubo-"));
    port = await freePort();
    const run = (...args: string[]) => {
      const out = spawnSync(KUBO_BIN, args, { env: env(), encoding: "utf8" });
      if (out.status !== 0) throw new Error(`ipfs ${args.join(" ")}: ${out.stderr}`);
    };
    run("init", "--profile", "test");
    run("config", "Addresses.API", `/ip4/127.0.0.1/tcp/${port}`);
    run("config", "Addresses.Gateway", "/ip4/127.0.0.1/tcp/0");
    run("config", "--json", "Addresses.Swarm", "[]");
    await startDaemon();
  });

  after(async () => {
    await stopDaemon();
    rmSync(repo, { recursive: true, force: true });
  });

  it("answers 503 naming IPFS while the daemon is down and works again once it is back", async () => {
    const store = newKuboContentStore({ url: `http://127.0.0.1:${port}`, timeoutMs: 5_000 });
    const before = await store.add(body(`before ${RUN}`), { maxBytes: 1024 });

    await stopDaemon();
    const down = await store.add(body(`while down ${RUN}`), { maxBytes: 1024 }).catch((e: unknown) => e);
    const readDown = await store.get(before.cid, { maxBytes: 1024 }).catch((e: unknown) => e);
    await startDaemon();
    const after = await store.add(body(`after ${RUN}`), { maxBytes: 1024 });
    const reread = await store.get(before.cid, { maxBytes: 1024 });

    expect(down).to.be.instanceOf(GatewayError).with.property("code", "UNAVAILABLE");
    expect((down as Error).message).to.match(/^ipfs unavailable/);
    expect(readDown).to.be.instanceOf(GatewayError).with.property("code", "UNAVAILABLE");
    expect(after.cid).to.match(/^baf/);
    expect(Buffer.from(reread).toString()).to.equal(`before ${RUN}`);
  });
});
