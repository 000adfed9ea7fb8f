/**
 * Latency and throughput of the gateway over HTTP against a running network
 * ($RXTRACE_DATA/network.json), in process like the integration tests:
 * verify (one evaluate per channel of the caller) and commission (one
 * endorse + order + commit).
 *
 *   RXTRACE_DATA=... npx tsx bench/src/gateway-http.ts [sequential=50] [concurrency=20] [total=400]
 */
import { call, freshGtin, futureExpiry, startGateway, type Answer, type Gateway } from "../../support/gateway-harness.js";
import { percentile } from "./stats.js";

const [sequential = 50, concurrency = 20, total = 400] = process.argv.slice(2).map(Number);

async function timeOne(run: () => Promise<Answer>): Promise<number> {
  const started = performance.now();
  const answer = await run();
  if (answer.status >= 300) throw new Error(`HTTP ${answer.status}: ${JSON.stringify(answer.body)}`);
  return performance.now() - started;
}

async function latency(label: string, n: number, run: (i: number) => Promise<Answer>): Promise<Record<string, number | string>> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) times.push(await timeOne(() => run(i)));
  times.sort((a, b) => a - b);
  return { label, n, p50_ms: Math.round(percentile(times, 50)), p95_ms: Math.round(percentile(times, 95)), max_ms: Math.round(times[times.length - 1] ?? NaN) };
}

async function throughput(label: string, n: number, width: number, run: (i: number) => Promise<Answer>): Promise<Record<string, number | string>> {
  let next = 0;
  const times: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) {
        const i = next++;
        times.push(await timeOne(() => run(i)));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  return { label, n, concurrency: width, per_second: Math.round(n / seconds), p50_ms: Math.round(percentile(times, 50)), p95_ms: Math.round(percentile(times, 95)) };
}

async function main(): Promise<void> {
  const gw: Gateway = await startGateway();
  try {
    const mfr = gw.keys["ManufacturerMSP/operator"] ?? "";
    const gtin = freshGtin();
    const expiry = futureExpiry();
    const product = await call(gw, "POST", "/v1/products", mfr, {
      gtin,
      name: "Bench product",
      strength: "1 mg",
      form: "tablet",
      nationalCode: "NC-B",
      storage: { minCentiCelsius: 1500, maxCentiCelsius: 2500 },
      limits: { minCentiCelsius: 0, maxCentiCelsius: 4000 },
      stabilityBudgetMinutes: 600,
    });
    if (product.status !== 201) throw new Error(`product: ${JSON.stringify(product.body)}`);
    const lot = await call(gw, "POST", "/v1/lots", mfr, { gtin, lot: "BENCH", expiry, serials: ["B0"] });
    if (lot.status !== 201) throw new Error(`lot: ${JSON.stringify(lot.body)}`);

    const verify = () => call(gw, "GET", `/v1/verify?gtin=${gtin}&serial=B0&lot=BENCH&expiry=${expiry}`, mfr);
    // Each commission gets its own lot: concurrent writes to one lot key collide (see docs/gateway.md).
    const commission = (prefix: string) => (i: number) =>
      call(gw, "POST", "/v1/lots", mfr, { gtin, lot: `${prefix}${i}`, expiry, serials: [`${prefix}${i}`] });

    const results = [
      await latency("verify (GET /v1/verify), sequential", sequential, verify),
      await throughput("verify (GET /v1/verify), concurrent", total, concurrency, verify),
      await latency("commission 1 pack (POST /v1/lots), sequential", Math.min(sequential, 30), commission("S")),
      await throughput("commission 1 pack (POST /v1/lots), concurrent", Math.min(total, 200), concurrency, commission("C")),
    ];
    for (const r of results) process.stdout.write(`${JSON.stringify(r)}\n`);
  } finally {
    await gw.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
