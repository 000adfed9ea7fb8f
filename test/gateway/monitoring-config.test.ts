/**
 * The shipped Prometheus files (network/monitoring/): the scrape
 * configuration is what scripts/monitoring.sh makes from topology.json and
 * points every job at a port of that file with the org's own TLS material;
 * every alert rule is complete, parses under Prometheus's own PromQL
 * grammar, has its runbook section in docs/operations.md, and reads series
 * that exist: the gateway's (from its
 * real registry), Prometheus's own `up`, or Fabric's, which the integration
 * suite finds on the real peers and orderers.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { loadConfig } from "../../gateway/src/config.js";
import { SqliteOutbox } from "../../gateway/src/adapters/outbox-sqlite.js";
import { OutboxRelay } from "../../gateway/src/services/outbox-relay.js";
import { committedOptions, ALERT_RULES, COMMITTED_CONFIG } from "../../scripts/monitoring/cli.js";
import { NODE_KINDS, prometheusConfig } from "../../scripts/monitoring/prometheus-config.js";
import { parseExposition } from "../../support/prometheus-text.js";
import { metricNamesOf, promqlErrors, readAlertRules } from "../../support/prometheus-rules.js";
import { buildTestApp } from "./support/app.js";
import { tempDir } from "./support/temp.js";

const repo = path.resolve(import.meta.dirname, "../..");

interface RawTopology {
  ports: { perOrg: Record<string, number> };
  orgs: { name: string; portBlock: number }[];
  ordering: { bft: string[] };
}
const topology = JSON.parse(readFileSync(path.join(repo, "network/topology.json"), "utf8")) as RawTopology;

interface ScrapeJob {
  job_name: string;
  scheme?: string;
  tls_config?: { ca_file: string; cert_file: string; key_file: string };
  static_configs: { targets: string[]; labels: { org: string; node: string } }[];
}
const shipped = parse(readFileSync(COMMITTED_CONFIG, "utf8")) as { rule_files: string[]; scrape_configs: ScrapeJob[] };

/** Series families the gateway serves with every source wired: HTTP, ledger calls, outbox, progress, certificates, the process. */
async function gatewayFamilies(): Promise<Set<string>> {
  const relay = new OutboxRelay(new SqliteOutbox(":memory:"), { initialDelayMs: 1, maxDelayMs: 1, pollMs: 1, alertAfterMs: 1 });
  await relay.enqueue("recall-sync", "k", {});
  const dir = tempDir("rxtrace-monitoring-");
  const cert = path.join(dir, "cert.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "10", "-subj", "/CN=operator", "-keyout", path.join(dir, "key.pem"), "-out", cert], { stdio: "ignore" });
  const t = await buildTestApp({
    relay,
    progress: { channels: ["mfr-dist"], peerHeight: async () => 3n, indexes: { events: () => 1 }, timeoutMs: 100 },
    certificates: () => [
      { kind: "enrolment", owner: "ManufacturerMSP/operator", path: cert },
      { kind: "tls-ca", owner: "ManufacturerMSP", path: path.join(dir, "no-such-file.pem") },
    ],
    ordering: () => ({ resubmitted: 0, "ordered-despite-unavailable": 0 }),
  });
  try {
    const text = (await t.app.inject({ method: "GET", url: "/metrics" })).body;
    return new Set(parseExposition(text).samples.map((s) => s.name));
  } finally {
    await t.close();
  }
}

describe("monitoring configuration", () => {
  describe("scrape configuration", () => {
    it("is what scripts/monitoring.sh makes from topology.json for the default layout (run `bash scripts/monitoring.sh committed` after changing the topology)", () => {
      expect(readFileSync(COMMITTED_CONFIG, "utf8")).to.equal(prometheusConfig(committedOptions()));
    });

    it("scrapes each org's gateway, peer and BFT orderer on the port topology.json gives it, once", () => {
      const kindPort: Record<string, string> = { gateway: "gateway", peer: "peerOps", orderer: "ordererOps" };
      const seen: string[] = [];
      for (const job of shipped.scrape_configs) {
        for (const group of job.static_configs) {
          const { org, node } = group.labels;
          const block = topology.orgs.find((o) => o.name === org)?.portBlock;
          expect(block, `${job.job_name}: org ${org}`).to.be.a("number");
          expect(NODE_KINDS).to.include(node);
          const port = (block ?? 0) * 1000 + (topology.ports.perOrg[kindPort[node] ?? ""] ?? NaN);
          expect(group.targets, `${job.job_name} ${org} ${node}`).to.deep.equal([`127.0.0.1:${port}`]);
          seen.push(`${org}/${node}`);
        }
      }
      const expected = [
        ...topology.orgs.flatMap((o) => [`${o.name}/gateway`, `${o.name}/peer`]),
        ...topology.ordering.bft.map((org) => `${org}/orderer`),
      ];
      expect([...seen].sort()).to.deep.equal([...expected].sort());
    });

    it("scrapes each org's peer and orderer over TLS with that org's CA and application TLS pair, under the data folder", () => {
      const fabricJobs = shipped.scrape_configs.filter((j) => j.job_name !== "gateway");
      expect(fabricJobs).to.have.length(topology.orgs.length);
      for (const job of fabricJobs) {
        const orgs = new Set(job.static_configs.map((g) => g.labels.org));
        expect([...orgs], job.job_name).to.have.length(1);
        const org = [...orgs][0];
        expect(job.scheme).to.equal("https");
        const resolve = (file: string | undefined) => path.resolve(path.dirname(COMMITTED_CONFIG), file ?? "");
        expect(resolve(job.tls_config?.ca_file)).to.equal(path.join(repo, ".rxtrace/fabric/ca", org ?? "", "ca-cert.pem"));
        expect(resolve(job.tls_config?.cert_file)).to.equal(path.join(repo, ".rxtrace/fabric/orgs", org ?? "", "apptls/tls/server.crt"));
        expect(resolve(job.tls_config?.key_file)).to.equal(path.join(repo, ".rxtrace/fabric/orgs", org ?? "", "apptls/tls/server.key"));
      }
    });

    it("loads the shipped alert rules", () => {
      expect(shipped.rule_files.map((f) => path.resolve(path.dirname(COMMITTED_CONFIG), f))).to.deep.equal([ALERT_RULES]);
    });

    it("writes paths relative to the folder it is written to, and absolute ones without a folder", () => {
      const options = { ...committedOptions(), dataDir: "/srv/rxtrace", portOffset: 30 };
      const relative = parse(prometheusConfig({ ...options, configDir: "/srv/rxtrace/monitoring" })) as typeof shipped;
      const { configDir: _unused, ...withoutDir } = options;
      const absolute = parse(prometheusConfig(withoutDir)) as typeof shipped;
      expect(relative.scrape_configs[1]?.tls_config?.ca_file).to.equal("../fabric/ca/manufacturer/ca-cert.pem");
      expect(absolute.scrape_configs[1]?.tls_config?.ca_file).to.equal("/srv/rxtrace/fabric/ca/manufacturer/ca-cert.pem");
      expect(absolute.scrape_configs[0]?.static_configs[0]?.targets).to.deep.equal(["127.0.0.1:7087"]);
    });
  });

  describe("alert rules", () => {
    const rules = readAlertRules(ALERT_RULES);
    const operations = readFileSync(path.join(repo, "docs/operations.md"), "utf8");

    it("alerts on node down, BFT leader and view changes, index lag, certificates expiring within 30 days and relay items pending", () => {
      const names = rules.map((r) => r.alert);
      expect(names).to.include.members(["NodeDown", "BftLeaderChanged", "BftViewChangesFrequent", "IndexLagging", "CertificateExpiringSoon", "RelayPending"]);
      expect(rules.find((r) => r.alert === "CertificateExpiringSoon")?.expr).to.match(/< 30 \* 86400$/);
      expect(new Set(names).size).to.equal(names.length);
    });

    it("writes every expression in valid PromQL (Prometheus's own grammar)", () => {
      for (const rule of rules) expect(promqlErrors(rule.expr), rule.alert).to.deep.equal([]);
    });

    it("gives every alert a severity, a summary and a runbook section that docs/operations.md has", () => {
      for (const rule of rules) {
        expect(["page", "warning"], rule.alert).to.include(rule.labels.severity);
        if (rule.for !== undefined) expect(rule.for, `${rule.alert} for`).to.match(/^(\d+(ms|[smhdwy]))+$/);
        expect(rule.annotations.summary, rule.alert).to.be.a("string");
        expect(rule.annotations.runbook, rule.alert).to.equal(`docs/operations.md#${rule.alert.toLowerCase()}`);
        expect(operations, `a "### ${rule.alert}" section`).to.match(new RegExp(`^### ${rule.alert}$`, "m"));
      }
    });

    it("reads only series the gateway serves, Prometheus's `up`, or Fabric's peer and orderer series", async () => {
      const gateway = await gatewayFamilies();
      for (const rule of rules) {
        const names = metricNamesOf(rule.expr);
        expect(names, rule.alert).to.not.be.empty;
        for (const name of names) {
          const known = gateway.has(name) || name === "up" || /^(consensus|ledger)_/.test(name);
          expect(known, `${rule.alert} reads ${name}`).to.equal(true);
        }
      }
    });

    it("names the rxtrace series it reads exactly as the gateway serves them", async () => {
      const gateway = await gatewayFamilies();
      const ours = rules.flatMap((r) => metricNamesOf(r.expr)).filter((n) => n.startsWith("rxtrace_") || n.startsWith("nodejs_"));
      expect(ours).to.not.be.empty;
      for (const name of ours) expect(gateway.has(name), name).to.equal(true);
    });

    it("calls a relay item pending after the same time the gateways log and publish it (relay.alertAfterMs)", () => {
      const expr = rules.find((r) => r.alert === "RelayPending")?.expr ?? "";
      expect(expr).to.equal(`rxtrace_outbox_oldest_age_seconds > ${loadConfig({ RXTRACE_DATA: tempDir("rxtrace-monitoring-") }, repo).relay.alertAfterMs / 1000}`);
    });
  });

  describe("reading an expression", () => {
    it("finds where PromQL does not parse", () => {
      expect(promqlErrors("rate(up[5m]")).to.not.be.empty;
      expect(promqlErrors("max by channel (up)")).to.not.be.empty;
      expect(promqlErrors("up == 0")).to.deep.equal([]);
    });

    it("names the selected metrics, not functions, aggregations, grouping clauses, label matchers, ranges or numbers", () => {
      expect(metricNamesOf('max by (channel) (changes(consensus_BFT_leader_id{job=~"fabric-.*"}[10m])) > 1e3')).to.deep.equal(["consensus_BFT_leader_id"]);
      expect(metricNamesOf('up{job="gateway"} == 1 unless on (instance) rxtrace_ledger_height')).to.deep.equal(["up", "rxtrace_ledger_height"]);
      expect(metricNamesOf("max by (channel) (a_total) - on (channel) group_right b_total > 10")).to.deep.equal(["a_total", "b_total"]);
    });
  });
});
