/** Starts the gateway: load the configuration, build the adapters and the app, listen. */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SqliteIdempotencyStore } from "./adapters/idempotency-sqlite.js";
import { FabricLedgerClient } from "./adapters/fabric.js";
import { buildApp } from "./app.js";
import { FileApiKeyStore } from "./auth/api-keys.js";
import { ConfigError, loadConfigFromProcess } from "./config.js";

async function main(): Promise<void> {
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
  const config = loadConfigFromProcess(repoRoot);
  mkdirSync(config.stateDir, { recursive: true });

  const ledger = new FabricLedgerClient({
    networkFile: config.networkFile,
    chaincode: config.fabric.chaincode,
    deadlinesMs: config.fabric.deadlinesMs,
    mvccRetries: config.fabric.mvccRetries,
  });
  const idempotency = new SqliteIdempotencyStore(path.join(config.stateDir, "idempotency.db"));
  const app = await buildApp({
    config,
    keys: new FileApiKeyStore(config.keysFile),
    idempotency,
    ledger,
    logger: { level: config.server.logLevel },
  });

  const shutdown = async (signal: string): Promise<void> => {
    app.log.info({ signal }, "shutting down");
    await app.close();
    ledger.close();
    idempotency.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));

  await app.listen({ host: config.server.host, port: config.server.port });
}

main().catch((err: unknown) => {
  const message = err instanceof ConfigError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`rxtrace gateway: ${message}\n`);
  process.exit(1);
});
