import { expect } from "chai";
import { UnavailableError } from "../../gateway/src/errors.js";
import { NotConfiguredError } from "../../gateway/src/routes/health.js";
import { parseExposition, valueOf } from "../../support/prometheus-text.js";
import { buildTestApp, KEYS, type TestApp } from "./support/app.js";

describe("health endpoints", () => {
  let t: TestApp;
  afterEach(async () => t.close());

  it("answers /healthz with ok without an API key", async () => {
    t = await buildTestApp();
    const res = await t.app.inject({ method: "GET", url: "/healthz" });
    expect(res.statusCode).to.equal(200);
    expect(res.json()).to.deep.equal({ status: "ok" });
  });

  it("reports ready when Fabric and every other dependency answer", async () => {
    t = await buildTestApp({ probes: [{ name: "ipfs", check: async () => {} }] });
    const res = await t.app.inject({ method: "GET", url: "/readyz" });
    expect(res.statusCode).to.equal(200);
    expect(res.json()).to.deep.equal({ status: "ready", checks: { fabric: { status: "up" }, ipfs: { status: "up" } } });
  });

  it("answers 503 naming the dependency that is down, and recovers when it returns", async () => {
    t = await buildTestApp({ probes: [{ name: "evm", check: async () => {} }] });
    t.ledger.down(new Error("peer0 connection refused"));
    const down = await t.app.inject({ method: "GET", url: "/readyz" });
    expect(down.statusCode).to.equal(503);
    expect(down.json().checks.fabric).to.deep.equal({ status: "down", reason: "unreachable" });
    expect(down.json().checks.evm).to.deep.equal({ status: "up" });

    t.ledger.up();
    const up = await t.app.inject({ method: "GET", url: "/readyz" });
    expect(up.statusCode).to.equal(200);
  });

  it("treats a probe that never answers as down after its timeout", async () => {
    t = await buildTestApp({ probes: [{ name: "ipfs", check: () => new Promise(() => {}) }] });
    const res = await t.app.inject({ method: "GET", url: "/readyz" });
    expect(res.statusCode).to.equal(503);
    expect(res.json().checks.ipfs).to.deep.equal({ status: "down", reason: "timeout" });
  });

  it("names a down dependency without its error text: no file path, peer endpoint or address reaches the public answer", async () => {
    t = await buildTestApp({
      probes: [
        { name: "ipfs", check: async () => Promise.reject(new Error("IPFS id failed: connect ECONNREFUSED 127.0.0.1:5001")) },
        { name: "evm", check: async () => Promise.reject(new NotConfiguredError("no deployment at /srv/rxtrace/.rxtrace/evm/deployment.json")) },
      ],
    });
    t.ledger.down(new Error("14 UNAVAILABLE: peer0.manufacturer.rxtrace.local:7051 (network.json at /srv/rxtrace/.rxtrace/network.json)"));

    const res = await t.app.inject({ method: "GET", url: "/readyz" });

    expect(res.statusCode).to.equal(503);
    expect(res.json()).to.deep.equal({
      status: "not ready",
      checks: { fabric: { status: "down", reason: "unreachable" }, ipfs: { status: "down", reason: "unreachable" }, evm: { status: "down", reason: "not configured" } },
    });
    expect(res.body).to.not.match(/\/srv|7051|5001|127\.0\.0\.1|peer0|network\.json|deployment\.json/);
  });

  it("counts requests in Prometheus format by route and status", async () => {
    t = await buildTestApp();
    await t.app.inject({ method: "GET", url: "/healthz" });
    await t.app.inject({ method: "GET", url: "/healthz" });
    await t.app.inject({ method: "GET", url: "/v1/whoami" });
    const res = await t.app.inject({ method: "GET", url: "/metrics" });
    expect(res.statusCode).to.equal(200);
    expect(res.headers["content-type"]).to.match(/^text\/plain; version=0.0.4/);
    const metrics = parseExposition(res.body);
    expect(valueOf(metrics, "rxtrace_http_requests_total", { method: "GET", route: "/healthz", status: "200" })).to.equal(2);
    expect(valueOf(metrics, "rxtrace_http_requests_total", { method: "GET", route: "/v1/whoami", status: "401" })).to.equal(1);
    expect(valueOf(metrics, "rxtrace_http_request_duration_seconds_bucket", { method: "GET", route: "/healthz", status: "200", le: "+Inf" })).to.equal(2);
  });

  it("serves Node's process and event-loop metrics beside the gateway's own", async () => {
    t = await buildTestApp();
    const metrics = parseExposition((await t.app.inject({ method: "GET", url: "/metrics" })).body);
    expect(valueOf(metrics, "process_cpu_seconds_total")).to.be.a("number");
    expect(valueOf(metrics, "process_resident_memory_bytes")).to.be.above(0);
    expect(valueOf(metrics, "nodejs_eventloop_lag_p99_seconds")).to.be.a("number");
    expect(metrics.types.get("nodejs_heap_size_used_bytes")).to.equal("gauge");
  });

  it("serves the process metrics once per app, however many apps the process builds", async () => {
    t = await buildTestApp();
    const second = await buildTestApp();
    try {
      const first = parseExposition((await t.app.inject({ method: "GET", url: "/metrics" })).body);
      const other = parseExposition((await second.app.inject({ method: "GET", url: "/metrics" })).body);
      expect(first.samples.filter((s) => s.name === "process_cpu_seconds_total")).to.have.length(1);
      expect(other.samples.filter((s) => s.name === "process_cpu_seconds_total")).to.have.length(1);
    } finally {
      await second.close();
    }
  });
});

describe("ledger metrics", () => {
  it("counts ledger calls by transaction and outcome, including the error code", async () => {
    const t = await buildTestApp();
    t.ledger.on("packs:VerifyWithProvenance", () => ({
      verification: { verified: false, reason: "NO_MATCH_GTIN_SERIAL", additionalInfo: [], gtin: "09521234543213", serial: "S1", checkedAt: "2026-06-01T00:00:00Z" },
      provenance: null,
    }));
    const url = "/v1/verify?gtin=09521234543213&serial=S1&lot=L1&expiry=270331";
    await t.app.inject({ method: "GET", url, headers: { "x-api-key": KEYS.pharmacy } });
    t.ledger.down(new UnavailableError("fabric", "down"));
    await t.app.inject({ method: "GET", url, headers: { "x-api-key": KEYS.pharmacy } });
    const res = await t.app.inject({ method: "GET", url: "/metrics" });
    const metrics = parseExposition(res.body);
    const call = { channel: "dist-pharm", kind: "evaluate", transaction: "packs:VerifyWithProvenance" };
    expect(valueOf(metrics, "rxtrace_ledger_calls_total", { ...call, outcome: "ok" })).to.equal(1);
    expect(valueOf(metrics, "rxtrace_ledger_calls_total", { ...call, outcome: "UNAVAILABLE" })).to.equal(1);
    expect(valueOf(metrics, "rxtrace_ledger_call_duration_seconds_count", { ...call, outcome: "ok" })).to.equal(1);
    await t.close();
  });
});

describe("OpenAPI document", () => {
  let t: TestApp;
  afterEach(async () => t.close());

  it("serves an OpenAPI 3 document that lists the /v1 routes and the API key scheme", async () => {
    t = await buildTestApp();
    const res = await t.app.inject({ method: "GET", url: "/docs/json" });
    expect(res.statusCode).to.equal(200);
    const doc = res.json();
    expect(doc.openapi).to.match(/^3\./);
    expect(doc.paths).to.have.property("/v1/whoami");
    expect(doc.components.securitySchemes.apiKey).to.deep.equal({ type: "apiKey", in: "header", name: "x-api-key" });
  });

  it("describes the verification answer field by field, with its reasons, statuses and the blocks it reflects", async () => {
    t = await buildTestApp();
    const doc = (await t.app.inject({ method: "GET", url: "/docs/json" })).json();
    const answer = doc.paths["/v1/verify"].get.responses["200"].content["application/json"].schema;
    expect(Object.keys(answer.properties)).to.include.members(["verified", "reason", "additionalInfo", "status", "owner", "checkedAt", "channel", "pack", "provenance", "asOf"]);
    const reasons = answer.properties.reason.anyOf.map((r: { enum?: string[]; const?: string }) => r.const ?? r.enum?.[0]);
    expect(reasons).to.include.members(["NO_MATCH_GTIN_SERIAL", "RECALLED", "WITHDRAWN"]);
    expect(answer.properties.asOf.properties.source.anyOf.map((r: { enum?: string[]; const?: string }) => r.const ?? r.enum?.[0])).to.deep.equal(["read-model", "ledger"]);
    const consistency = doc.paths["/v1/verify"].get.parameters.find((p: { name: string }) => p.name === "consistency");
    expect(consistency.in).to.equal("query");
  });

  it("describes the ledger records the routes answer, field by field", async () => {
    t = await buildTestApp();
    const doc: unknown = (await t.app.inject({ method: "GET", url: "/docs/json" })).json();
    /** The node at `path` under `node` in the OpenAPI document. */
    const at = (node: unknown, ...path: string[]): unknown => path.reduce<unknown>((n, key) => (n as Record<string, unknown>)[key], node);
    const ok = (path: string, method: string) => at(doc, "paths", path, method, "responses", "200", "content", "application/json", "schema");

    const pack = at(ok("/v1/packs/{gtin}/{serial}", "get"), "properties", "result");
    expect(at(pack, "required")).to.include.members(["gtin", "serial", "status", "owner", "marks", "expired", "recalled", "withdrawn"]);
    const statuses = (at(pack, "properties", "status", "anyOf") as { enum: string[] }[]).flatMap((s) => s.enum);
    expect(statuses).to.include.members(["COMMISSIONED", "DISPENSED", "HANDED_OFF"]);
    expect(at(ok("/v1/shipments/{shipmentId}", "get"), "properties", "result", "properties", "packs", "items", "required")).to.deep.equal(["gtin", "serial"]);
    const lot = at(ok("/v1/lots/{gtin}/{lot}/recall", "post"), "properties", "commits", "items", "properties", "result");
    expect(at(lot, "properties", "recall", "required")).to.include.members(["at", "by", "txId", "reason"]);
    expect(at(ok("/v1/partners", "get"), "properties", "channels", "items", "properties", "partners", "items", "required")).to.include("mspId");
    const dispensed = at(ok("/v1/packs/{gtin}/{serial}/dispense", "post"), "properties", "result", "anyOf", "0", "properties", "verification");
    expect(at(dispensed, "required")).to.include.members(["verified", "additionalInfo", "gtin", "serial", "checkedAt"]);
  });

  it("serves the browsable UI at /docs", async () => {
    t = await buildTestApp();
    const res = await t.app.inject({ method: "GET", url: "/docs/" });
    expect(res.statusCode).to.equal(200);
    expect(res.body).to.include("swagger-ui");
  });
});
