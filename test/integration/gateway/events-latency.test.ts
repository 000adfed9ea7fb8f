/**
 * Measures, on the real network, how long a committed event takes to reach
 * the index and an SSE subscriber (the hub), and how long a document upload
 * (Kubo + anchor) takes. Prints the figures; fails only when they are far
 * outside what this machine does (a regression, not a benchmark).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { newFabricEventSource } from "../../../gateway/src/adapters/fabric-events.js";
import type { FabricLedgerClient } from "../../../gateway/src/adapters/fabric.js";
import { newKuboContentStore } from "../../../gateway/src/adapters/ipfs.js";
import { openSqliteEventIndex } from "../../../gateway/src/adapters/sqlite-event-index.js";
import { EventHub } from "../../../gateway/src/events/hub.js";
import { EventListener } from "../../../gateway/src/events/listener.js";
import type { EventIndex } from "../../../gateway/src/ports/event-index.js";
import { DocumentsService, newChaincodeDocumentLedger } from "../../../gateway/src/services/documents.js";
import { percentileOf } from "../../../bench/src/stats.js";
import { eventually, fabricLedger, gtinFor, KUBO_API, manufacturer, registerProduct } from "./support.js";

const ROUNDS = 10;


describe("event and document latency on the real parts", function () {
  this.timeout(300_000);
  let ledger: FabricLedgerClient;
  let dir: string;
  let index: EventIndex;
  let hub: EventHub;
  let listener: EventListener;

  before(async () => {
    ledger = fabricLedger();
    dir = mkdtempSync(path.join(tmpdir(), "rxtrace-it-latency-"));
    index = openSqliteEventIndex(path.join(dir, "index.sqlite"));
    hub = new EventHub();
    listener = new EventListener(newFabricEventSource((c) => ledger.observerNetwork(c), "rxtrace"), index, hub, {
      channels: ["mfr-dist"],
      checkpointDir: dir,
      retryInitialMs: 200,
      retryMaxMs: 2_000,
    });
    listener.start();
    await eventually(async () => listener.ready().then(() => true, () => false), 60_000, "listener connected");
    // Let the replay of the channel's history finish before measuring live events.
    const probe = gtinFor("latency-probe");
    await registerProduct(ledger, probe);
    await eventually(() => index.search({ gtin: probe, limit: 1 }).length === 1, 120_000, "replay caught up");
  });

  after(async () => {
    // Parts the before hook did not reach are undefined.
    await listener?.stop();
    index?.close();
    ledger?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("delivers a committed event to the hub within seconds of the commit", async () => {
    const submit: number[] = [];
    const toHub: number[] = [];
    for (let i = 0; i < ROUNDS; i += 1) {
      const gtin = gtinFor(`latency-${i}`);
      let seenAt = 0;
      const unsubscribe = hub.subscribe((e) => {
        if (e.subjects.some((s) => s.gtin === gtin)) seenAt = performance.now();
      });
      const started = performance.now();
      await registerProduct(ledger, gtin);
      const committed = performance.now();
      await eventually(() => seenAt > 0, 30_000, `event ${i}`);
      unsubscribe();
      submit.push(committed - started);
      toHub.push(seenAt - started);
    }
    console.log(
      `      submit+commit p50 ${percentileOf(submit, 50).toFixed(0)} ms, p90 ${percentileOf(submit, 90).toFixed(0)} ms; ` +
        `submit -> indexed and published p50 ${percentileOf(toHub, 50).toFixed(0)} ms, p90 ${percentileOf(toHub, 90).toFixed(0)} ms (n=${ROUNDS})`,
    );
    expect(percentileOf(toHub, 50)).to.be.lessThan(10_000);
  });

  it("uploads and anchors a 1 MiB document within seconds", async () => {
    const service = new DocumentsService(newKuboContentStore({ url: KUBO_API, timeoutMs: 30_000 }), newChaincodeDocumentLedger(ledger), {
      uploadLimitBytes: 2 * 1024 * 1024,
      allowedContentTypes: ["application/pdf"],
    });
    const gtin = gtinFor("latency-doc");
    await registerProduct(ledger, gtin);
    const times: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const bytes = Buffer.alloc(1024 * 1024, `${gtin}-${i}-`);
      const started = performance.now();
      await service.upload(manufacturer, {
        channel: "mfr-dist",
        kind: "OTHER",
        subject: { type: "product", gtin },
        contentType: "application/pdf",
        confidential: i % 2 === 1,
        body: (async function* () {
          yield bytes;
        })(),
      });
      times.push(performance.now() - started);
    }
    console.log(`      1 MiB upload (Kubo add + anchor, plain and encrypted) p50 ${percentileOf(times, 50).toFixed(0)} ms, max ${Math.max(...times).toFixed(0)} ms (n=5)`);
    expect(percentileOf(times, 50)).to.be.lessThan(15_000);
  });
});
