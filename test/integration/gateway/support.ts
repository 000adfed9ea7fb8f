/** Endpoints of the real services for the gateway integration tests (the defaults are the conventions' ports). */
import path from "node:path";
import type { QualifiedTransaction } from "@rxtrace/domain";
import { FabricLedgerClient } from "../../../gateway/src/adapters/fabric.js";
import type { Principal } from "../../../gateway/src/auth/principal.js";
import type { ChannelName, LedgerClient, SubmitResult } from "../../../gateway/src/ports/ledger.js";
import { channelsOf } from "../../../gateway/src/topology.js";
import { futureExpiry, gtinFor as gtinFromSeed, productJson } from "../../../support/fixtures.js";

export const KUBO_API = process.env.RXTRACE_KUBO_API ?? "http://127.0.0.1:5001";
export const DATA_DIR = process.env.RXTRACE_DATA ?? path.resolve(import.meta.dirname, "../../../.rxtrace");
export const NETWORK_FILE = path.join(DATA_DIR, "network.json");
export const EVM_DEPLOYMENT = process.env.RXTRACE_EVM_DEPLOYMENT ?? path.join(DATA_DIR, "evm", "deployment.json");

/** A string unique to this run, for ids the ledger must not have seen. */
export const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`.toUpperCase();


export const manufacturer: Principal = { keyId: "it-mfr", user: "operator", mspId: "ManufacturerMSP", role: "operator" };
export const distributor: Principal = { keyId: "it-dist", user: "operator", mspId: "DistributorMSP", role: "operator" };
export const pharmacy: Principal = { keyId: "it-pharm", user: "pharmacist", mspId: "PharmacyMSP", role: "pharmacist" };
export const regulator: Principal = { keyId: "it-reg", user: "auditor", mspId: "RegulatorMSP", role: "auditor" };

/** The production Fabric adapter on the running network. */
export function fabricLedger(): FabricLedgerClient {
  return new FabricLedgerClient({
    networkFile: NETWORK_FILE,
    chaincode: "rxtrace",
    deadlinesMs: { evaluate: 15_000, endorse: 30_000, submit: 15_000, commitStatus: 60_000 },
    mvccRetries: 3,
  });
}

/** A valid GTIN-14 (GS1 mod-10 check digit) unique to this run and `tag`. */
export function gtinFor(tag: string): string {
  return gtinFromSeed(`${RUN}/${tag}`);
}

export const expiryAhead = futureExpiry;

/** Registers a refrigerated product of the manufacturer on mfr-dist. */
export async function registerProduct(ledger: LedgerClient, gtin: string): Promise<SubmitResult> {
  return ledger.submit(manufacturer, {
    channel: "mfr-dist",
    transaction: "products:RegisterProduct",
    args: [productJson(gtin)],
    endorsingOrganizations: ["ManufacturerMSP"],
  });
}

export interface Journey {
  readonly gtin: string;
  readonly lot: string;
  readonly serials: readonly string[];
  /** Block of each step's transaction per channel, in order. */
  readonly steps: { channel: ChannelName; name: string; txId: string; blockNumber: string }[];
}

/**
 * One lot's journey across both channels: register the product, commission, ship to the distributor
 * with cold-chain readings, receive, hand off to dist-pharm, import, ship to
 * the pharmacy, receive, dispense one pack.
 */
export async function runJourney(ledger: LedgerClient, tag: string): Promise<Journey> {
  const gtin = gtinFor(tag);
  const lot = `L${RUN}`.slice(0, 20);
  const serials = [`A${RUN}`.slice(0, 20), `B${RUN}`.slice(0, 20)];
  const packs = serials.map((serial) => ({ gtin, serial }));
  const expiry = expiryAhead();
  const steps: Journey["steps"] = [];
  // Each step reads what the steps before it wrote, on its own channel and,
  // for an import, on the other: its endorsers' peers must have committed
  // those blocks first, or they answer "not found" (a submit returns once the
  // caller's own peer has committed, not every peer).
  const lastBlock = new Map<ChannelName, bigint>();
  const principals = [manufacturer, distributor, pharmacy, regulator];
  const seenBy = async (endorsers: readonly Principal["mspId"][]) => {
    const heights = ledger.heights;
    if (heights === undefined) return;
    for (const msp of endorsers) {
      const as = principals.find((p) => p.mspId === msp);
      if (as === undefined) continue;
      for (const [channel, block] of lastBlock) {
        if (!channelsOf(msp).includes(channel)) continue;
        await eventually(async () => (await heights.peerHeight(as, channel)) > block, 30_000, `${msp}'s peer past block ${block} of ${channel}`);
      }
    }
  };
  const step = async (name: string, as: Principal, channel: ChannelName, transaction: QualifiedTransaction, body: unknown, endorsers: Principal["mspId"][]) => {
    await seenBy(endorsers);
    const out = await ledger.submit(as, { channel, transaction, args: [JSON.stringify(body)], endorsingOrganizations: endorsers });
    steps.push({ channel, name, txId: out.transactionId, blockNumber: out.blockNumber });
    lastBlock.set(channel, BigInt(out.blockNumber));
  };
  const registered = await registerProduct(ledger, gtin);
  steps.push({ channel: "mfr-dist", name: "register", txId: registered.transactionId, blockNumber: registered.blockNumber });
  lastBlock.set("mfr-dist", BigInt(registered.blockNumber));
  await step("commission", manufacturer, "mfr-dist", "packs:CommissionLot", { gtin, lot, expiry, serials }, ["ManufacturerMSP"]);
  const s1 = `S1-${RUN}`;
  await step("ship", manufacturer, "mfr-dist", "shipments:Ship", { shipmentId: s1, consignee: "DistributorMSP", packs }, ["ManufacturerMSP", "DistributorMSP"]);
  const now = Math.floor(Date.now() / 1000) - 3600;
  await step(
    "readings",
    distributor,
    "mfr-dist",
    "coldchain:RecordReadings",
    { shipmentId: s1, intervalSeconds: 600, readings: [0, 1, 2, 3].map((i) => ({ at: now + i * 600, centiCelsius: 400 + i * 50 })) },
    ["ManufacturerMSP", "DistributorMSP"],
  );
  await step("receive", distributor, "mfr-dist", "shipments:Receive", { shipmentId: s1, packs }, ["ManufacturerMSP", "DistributorMSP"]);
  await step("handoff", distributor, "mfr-dist", "crosschannel:HandOff", { packs, toChannel: "dist-pharm" }, ["DistributorMSP"]);
  await step("import", distributor, "dist-pharm", "crosschannel:ImportPacks", { packs, fromChannel: "mfr-dist" }, ["DistributorMSP", "RegulatorMSP"]);
  const s2 = `S2-${RUN}`;
  await step("ship", distributor, "dist-pharm", "shipments:Ship", { shipmentId: s2, consignee: "PharmacyMSP", packs }, ["DistributorMSP", "PharmacyMSP"]);
  await step("receive", pharmacy, "dist-pharm", "shipments:Receive", { shipmentId: s2, packs }, ["DistributorMSP", "PharmacyMSP"]);
  await step("dispense", pharmacy, "dist-pharm", "packs:Dispense", { gtin, serial: serials[0], lot, expiry }, ["PharmacyMSP"]);
  return { gtin, lot, serials, steps };
}

/** Polls until `check` holds or the time is up. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 30_000, what = "condition"): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
