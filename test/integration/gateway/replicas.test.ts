/**
 * Two replicas of the pharmacy's gateway on the real network, as an operator
 * scales it out behind one address: two processes of the same org sharing one
 * PostgreSQL database (the integration suite starts it with
 * scripts/postgres.sh and sets RXTRACE_TEST_DATABASE_URL). A dispense and its
 * retry with the same Idempotency-Key at the other replica make one
 * transaction; one replica killed (SIGKILL) in the middle of a dispensing
 * load loses no write it acknowledged, as the other replica reads it back.
 */
import { expect } from "chai";
import { refrigeratedProduct } from "../../../support/fixtures.js";
import { call, freshGtin, futureExpiry, keyOf, startGateway, startReplicas, type Answer, type Gateway, type OrgGateway } from "../../../support/gateway-harness.js";

const databaseUrl = process.env.RXTRACE_TEST_DATABASE_URL;

describe("two replicas of the pharmacy's gateway sharing PostgreSQL", function () {
  this.timeout(300_000);
  let setup: Gateway | undefined;
  let replicas: OrgGateway[] = [];
  const gtin = freshGtin();
  const run = `R${Date.now().toString(36).toUpperCase()}`;
  const lot = `L${run}`;
  const expiry = futureExpiry();
  const serials = Array.from({ length: 26 }, (_, i) => `P${run}${String(i).padStart(2, "0")}`);
  const pharmacist = (): string => keyOf(replicas[0], "PharmacyMSP/pharmacist");
  const replica = (i: number): OrgGateway => {
    const r = replicas[i];
    if (!r) throw new Error(`no replica ${i}`);
    return r;
  };
  const dispense = (to: OrgGateway, serial: string, idempotencyKey: string): Promise<Answer> =>
    call(to, "POST", `/v1/packs/${gtin}/${serial}/dispense`, pharmacist(), { lot, expiry }, { "idempotency-key": idempotencyKey });
  /** The X-Min-Block of a write's answer: its channel and block. */
  const blockOf = (answer: Answer): string => `${answer.body.channel as string}:${answer.body.blockNumber as string}`;
  /** The pack's ledger history, read through `via`, once its peer has `minBlock` ("channel:block"). */
  const historyTxIds = async (via: OrgGateway, serial: string, minBlock: string): Promise<string[]> => {
    const res = await call(via, "GET", `/v1/packs/${gtin}/${serial}/history`, pharmacist(), undefined, { "x-min-block": minBlock });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return (res.body as { entries: { entry: { txId: string } }[] }).entries.map((e) => e.entry.txId);
  };

  before(async function () {
    this.timeout(600_000);
    if (databaseUrl === undefined) throw new Error("RXTRACE_TEST_DATABASE_URL: run through scripts/test/integration.sh, which starts PostgreSQL");
    // The packs reach the pharmacy through the multi-org test gateway; the replicas only dispense.
    setup = await startGateway();
    const packs = serials.map((serial) => ({ gtin, serial }));
    const steps: [string, string, string, unknown][] = [
      ["POST", "/v1/products", "ManufacturerMSP/operator", refrigeratedProduct(gtin)],
      ["POST", "/v1/lots", "ManufacturerMSP/operator", { gtin, lot, expiry, serials }],
      ["POST", "/v1/shipments", "ManufacturerMSP/operator", { shipmentId: `RM-${run}`, consignee: "DistributorMSP", packs }],
      ["POST", `/v1/shipments/RM-${run}/receive`, "DistributorMSP/operator", { packs }],
      ["POST", "/v1/handoffs", "DistributorMSP/operator", { packs }],
      ["POST", "/v1/shipments", "DistributorMSP/operator", { shipmentId: `RD-${run}`, consignee: "PharmacyMSP", packs }],
      ["POST", `/v1/shipments/RD-${run}/receive`, "PharmacyMSP/pharmacist", { packs }],
    ];
    let minBlock: string | undefined;
    for (const [method, url, who, body] of steps) {
      const res = await call(setup, method, url, keyOf(setup, who), body, minBlock ? { "x-min-block": minBlock } : {});
      expect(res.status, `${url}: ${JSON.stringify(res.body)}`).to.be.oneOf([200, 201]);
      minBlock = res.headers.get("x-ledger-block") ?? undefined;
      if (minBlock?.includes(",")) minBlock = undefined;
    }
    replicas = await startReplicas("pharmacy", 2, databaseUrl);
  });
  after(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    await setup?.close();
  });

  it("runs two processes of the pharmacy on two ports, each answering the same key", async () => {
    expect(new Set(replicas.map((r) => r.url)).size).to.equal(2);
    for (const r of replicas) {
      const res = await call(r, "GET", "/v1/whoami", pharmacist());
      expect(res.status).to.equal(200);
      expect(res.body.mspId).to.equal("PharmacyMSP");
    }
  });

  it("answers a retry at the other replica with the first answer: one transaction on the ledger", async () => {
    const serial = serials[0] ?? "";
    const first = await dispense(replica(0), serial, `dispense-${serial}`);
    expect(first.status, JSON.stringify(first.body)).to.equal(200);
    const retry = await dispense(replica(1), serial, `dispense-${serial}`);
    expect(retry.status, JSON.stringify(retry.body)).to.equal(200);
    expect(retry.headers.get("idempotent-replayed")).to.equal("true");
    expect(retry.body.transactionId).to.equal(first.body.transactionId);
    const txIds = await historyTxIds(replica(1), serial, blockOf(first));
    expect(txIds.filter((t) => t === first.body.transactionId)).to.have.length(1);
    // Received, then dispensed once: no second transaction after the first answer's.
    expect(txIds.at(-1)).to.equal(first.body.transactionId);
  });

  it("gives one of two replicas the write when the request and its retry arrive at once; the other answers in progress, then the first answer", async () => {
    const serial = serials[1] ?? "";
    const key = `dispense-${serial}`;
    const both = await Promise.all([dispense(replica(0), serial, key), dispense(replica(1), serial, key)]);
    const written = both.filter((a) => a.status === 200 && a.headers.get("idempotent-replayed") !== "true");
    expect(written, JSON.stringify(both.map((a): unknown[] => [a.status, a.body]))).to.have.length(1);
    const tx = written[0]?.body.transactionId as string;
    for (const [i, answer] of both.entries()) {
      if (answer.status === 200) continue;
      expect(answer.status, JSON.stringify(answer.body)).to.equal(409);
      const again = await dispense(replica(i), serial, key);
      expect(again.status).to.equal(200);
      expect(again.body.transactionId).to.equal(tx);
    }
    const txIds = await historyTxIds(replica(0), serial, blockOf(written[0] as Answer));
    expect(txIds.at(-1)).to.equal(tx);
    expect(txIds.filter((t) => t === tx)).to.have.length(1);
  });

  it("loses no acknowledged write when one replica is killed in the middle of the load", async () => {
    const load = serials.slice(2);
    const acknowledged: { serial: string; transactionId: string; minBlock: string; by: string }[] = [];
    const refused: { serial: string; status: number | string }[] = [];
    let killed = false;
    const victim = replica(1);
    // Four clients in parallel, alternating replicas as a load balancer would; the victim dies after five answers.
    const queue = [...load];
    const client = async (lane: number): Promise<void> => {
      for (let n = 0; ; n += 1) {
        const serial = queue.shift();
        if (serial === undefined) return;
        const to = (lane + n) % 2 === 0 || killed ? replica(0) : victim;
        try {
          const answer = await dispense(to, serial, `load-${serial}`);
          if (answer.status === 200) acknowledged.push({ serial, transactionId: answer.body.transactionId, minBlock: blockOf(answer), by: to.url });
          else refused.push({ serial, status: answer.status });
        } catch (error) {
          // The killed replica's connection: no answer, so nothing acknowledged.
          refused.push({ serial, status: error instanceof Error ? error.message : String(error) });
        }
        if (!killed && acknowledged.length >= 5) {
          killed = true;
          victim.child.kill("SIGKILL");
        }
      }
    };
    await Promise.all([0, 1, 2, 3].map(client));
    expect(killed, "the victim was killed").to.equal(true);
    expect(acknowledged.length, JSON.stringify(refused)).to.be.greaterThan(load.length / 2);
    expect(acknowledged.some((a) => a.by === victim.url), "the victim acknowledged writes before it died").to.equal(true);
    // Every acknowledged dispense is on the ledger, read through the replica that lives.
    for (const a of acknowledged) {
      const txIds = await historyTxIds(replica(0), a.serial, a.minBlock);
      expect(txIds, `${a.serial} acknowledged in ${a.transactionId}`).to.include(a.transactionId);
    }
  });
});
