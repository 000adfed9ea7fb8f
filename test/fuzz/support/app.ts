/**
 * The gateway in process over the real chaincode on the in-memory Fabric
 * double: a seeded world (partners, one product, a lot of ten packs, three of
 * them shipped to and received by the distributor), the test API keys of the
 * gateway's route tests, and a tally of what the fuzzers sent.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { SqliteIdempotencyStore } from "../../../gateway/src/adapters/idempotency-sqlite.js";
import { buildApp } from "../../../gateway/src/app.js";
import { StaticApiKeyStore } from "../../../gateway/src/auth/api-keys.js";
import { loadConfig } from "../../../gateway/src/config.js";
import { deliverToDistributor, GTIN, LOT, EXPIRY, lotWorld, serials } from "../../chaincode/support/world.js";
import { KEY_RECORDS } from "../../gateway/support/app.js";
import { ChaincodeLedger } from "./chaincode-ledger.js";

export { KEYS } from "../../gateway/support/app.js";
export const SEED = { gtin: GTIN, lot: LOT, expiry: EXPIRY, serials: serials(10), shipmentId: "SHIP-FUZZ-1", shipped: serials(10).slice(0, 3) };

export interface FuzzApp {
  app: FastifyInstance;
  ledger: ChaincodeLedger;
  close(): Promise<void>;
}

export async function buildFuzzApp(): Promise<FuzzApp> {
  const world = await lotWorld(SEED.serials.length);
  await deliverToDistributor(world, SEED.shipmentId, SEED.shipped);
  const ledger = new ChaincodeLedger(world.net);
  const dataDir = mkdtempSync(path.join(tmpdir(), "rxtrace-fuzz-"));
  // The properties are about input handling; thousands of calls with one key must not meet the rate limit.
  const config = loadConfig({ RXTRACE_DATA: dataDir, RXTRACE_GATEWAY_LOG_LEVEL: "silent", RXTRACE_GATEWAY_RATE_LIMIT: "0" }, dataDir);
  const idempotency = new SqliteIdempotencyStore(":memory:");
  const app = await buildApp({ config, keys: new StaticApiKeyStore(KEY_RECORDS), idempotency, ledger, probes: [] });
  await app.ready();
  return {
    app,
    ledger,
    async close() {
      await app.close();
      await idempotency.close();
    },
  };
}

/** What a fuzz run sent and what came back, printed after the suite and written to docs/reliability.md by hand. */
export class Tally {
  readonly name: string;
  tried = 0;
  accepted = 0;
  rejected = 0;
  crashes = 0;
  readonly byOutcome = new Map<string, number>();

  constructor(name: string) {
    this.name = name;
  }

  /** Counts one input by its HTTP status (or 500 for a crash), labelled by `label` (default the status). */
  count(status: number, label: string = String(status)): void {
    this.tried += 1;
    this.byOutcome.set(label, (this.byOutcome.get(label) ?? 0) + 1);
    if (status >= 500) this.crashes += 1;
    else if (status >= 400) this.rejected += 1;
    else this.accepted += 1;
  }

  toString(): string {
    const statuses = [...this.byOutcome.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([s, n]) => `${s}:${n}`).join(" ");
    return `${this.name}: ${this.tried} inputs, ${this.accepted} accepted, ${this.rejected} rejected, ${this.crashes} crashes (${statuses})`;
  }
}
