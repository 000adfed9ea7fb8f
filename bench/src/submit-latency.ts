/**
 * Idle submit latency on the running network: submits one small transaction
 * at a time (a product registration by the manufacturer on mfr-dist, one
 * state write and one event) and reports the time from submit to commit
 * status at the client, plus an evaluate for comparison. With a concurrency,
 * then keeps that many submits in flight and reports the committed rate.
 *
 *   source scripts/lib/node.sh && npx tsx bench/src/submit-latency.ts [count] [concurrency]
 */
import { CATALOG } from "@rxtrace/domain";
import { FabricSessions, runId } from "../../support/fabric-client.js";
import { gtinFor, productJson } from "../../support/fixtures.js";
import { SOURCE_CHANNEL } from "../../gateway/src/topology.js";
import { percentile } from "./stats.js";

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? "30");
  const sessions = new FabricSessions();
  try {
    const contract = sessions.as("ManufacturerMSP", "operator").contract(SOURCE_CHANNEL);
    await contract.submitTransaction(CATALOG.products.RegisterProduct.qualified, productJson(gtinFor(`warm${runId()}`)));
    const submits: number[] = [];
    const evaluates: number[] = [];
    for (let i = 0; i < count; i++) {
      const gtin = gtinFor(`lat${i}${runId()}`);
      let start = performance.now();
      await contract.submitTransaction(CATALOG.products.RegisterProduct.qualified, productJson(gtin));
      submits.push(performance.now() - start);
      start = performance.now();
      await contract.evaluateTransaction(CATALOG.products.GetProduct.qualified, gtin);
      evaluates.push(performance.now() - start);
    }
    for (const [name, values] of [["submit", submits], ["evaluate", evaluates]] as const) {
      const sorted = [...values].sort((a, b) => a - b);
      console.log(`${name}: n=${sorted.length} p50=${percentile(sorted, 50).toFixed(0)} ms p90=${percentile(sorted, 90).toFixed(0)} ms max=${(sorted.at(-1) ?? 0).toFixed(0)} ms`);
    }
    const concurrency = Number(process.argv[3] ?? "0");
    if (concurrency > 0) {
      const total = count * concurrency;
      let next = 0;
      const latencies: number[] = [];
      const started = performance.now();
      const worker = async (): Promise<void> => {
        while (next < total) {
          const gtin = gtinFor(`load${next++}${runId()}`);
          const start = performance.now();
          await contract.submitTransaction(CATALOG.products.RegisterProduct.qualified, productJson(gtin));
          latencies.push(performance.now() - start);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      const seconds = (performance.now() - started) / 1000;
      const sorted = latencies.sort((a, b) => a - b);
      console.log(`load: ${total} submits, concurrency ${concurrency}: ${(total / seconds).toFixed(0)} tx/s, p50=${percentile(sorted, 50).toFixed(0)} ms p90=${percentile(sorted, 90).toFixed(0)} ms`);
    }
  } finally {
    sessions.close();
  }
}

await main();
