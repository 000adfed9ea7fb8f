/**
 * The Prometheus scrape configuration of a local rxtrace network, made from
 * network/topology.json: each org's gateway (plain HTTP, /metrics), and each
 * org's peer and orderer operations endpoint (TLS; Fabric serves /metrics
 * only to a client certificate of the node's own org CA, so each org is one
 * job presenting that org's application TLS pair). Every target carries
 * `org` and `node` (gateway, peer, orderer) labels, which the alert rules
 * (network/monitoring/alerts.yml) name in their messages.
 */
import path from "node:path";
import { stringify } from "yaml";
import { orgPort, TOPOLOGY, type OrgPortKind, type Topology } from "../../gateway/src/topology.js";

export interface PrometheusConfigOptions {
  /** RXTRACE_PORT_OFFSET of the network. */
  readonly portOffset: number;
  /** RXTRACE_DATA of the network: the TLS material is under its fabric/ folder. */
  readonly dataDir: string;
  /** Which orgs run an orderer (scripts/network.sh's RXTRACE_ORDERING). */
  readonly ordering: "bft" | "raft";
  /** Where the file will be written: paths are written relative to it (Prometheus resolves them so). Absent: absolute paths. */
  readonly configDir?: string;
  /** The alert rules file to load. */
  readonly rulesFile: string;
  readonly scrapeInterval?: string;
  readonly topology?: Topology;
}

/** The node kinds a target is, as its `node` label says. */
export const NODE_KINDS = ["gateway", "peer", "orderer"] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

/** The port kind of network/topology.json each node kind is scraped on. */
export const SCRAPE_PORT: Readonly<Record<NodeKind, OrgPortKind>> = { gateway: "gateway", peer: "peerOps", orderer: "ordererOps" };

export interface ScrapeTarget {
  readonly org: string;
  readonly node: NodeKind;
  readonly address: string;
}

/** Every endpoint Prometheus scrapes, in the order the configuration lists them. */
export function scrapeTargets(options: Pick<PrometheusConfigOptions, "portOffset" | "ordering" | "topology">): ScrapeTarget[] {
  const topology = options.topology ?? TOPOLOGY;
  const orderers = new Set(topology.ordering[options.ordering]);
  const at = (org: string, node: NodeKind) => ({ org, node, address: `127.0.0.1:${orgPort(org, SCRAPE_PORT[node], options.portOffset, topology)}` });
  return [
    ...topology.orgs.map((o) => at(o.name, "gateway")),
    ...topology.orgs.flatMap((o) => [at(o.name, "peer"), ...(orderers.has(o.name) ? [at(o.name, "orderer")] : [])]),
  ];
}

/** The TLS files a scraper of an org's peer and orderer presents and trusts: the org's application TLS pair and its CA. */
export function fabricTlsFiles(org: string, dataDir: string): { ca: string; cert: string; key: string } {
  const orgDir = path.join(dataDir, "fabric", "orgs", org);
  return {
    ca: path.join(dataDir, "fabric", "ca", org, "ca-cert.pem"),
    cert: path.join(orgDir, "apptls", "tls", "server.crt"),
    key: path.join(orgDir, "apptls", "tls", "server.key"),
  };
}

/** The configuration as a YAML document. */
export function prometheusConfig(options: PrometheusConfigOptions): string {
  const topology = options.topology ?? TOPOLOGY;
  const file = (absolute: string) => (options.configDir === undefined ? absolute : path.relative(options.configDir, absolute));
  const targets = scrapeTargets(options);
  const group = (t: ScrapeTarget) => ({ targets: [t.address], labels: { org: t.org, node: t.node } });
  const fabricJobs = topology.orgs.map((o) => {
    const tls = fabricTlsFiles(o.name, options.dataDir);
    return {
      job_name: `fabric-${o.name}`,
      scheme: "https",
      tls_config: { ca_file: file(tls.ca), cert_file: file(tls.cert), key_file: file(tls.key) },
      static_configs: targets.filter((t) => t.org === o.name && t.node !== "gateway").map(group),
    };
  });
  const config = {
    global: { scrape_interval: options.scrapeInterval ?? "15s", evaluation_interval: options.scrapeInterval ?? "15s" },
    rule_files: [file(options.rulesFile)],
    scrape_configs: [{ job_name: "gateway", static_configs: targets.filter((t) => t.node === "gateway").map(group) }, ...fabricJobs],
  };
  const header = [
    "# Prometheus scrape configuration of the local rxtrace network (docs/operations.md, \"Watching the network\").",
    `# Made by scripts/monitoring.sh from network/topology.json: port offset ${options.portOffset}, ${options.ordering} ordering.`,
    "# Relative paths are resolved from this file's folder.",
  ].join("\n");
  return `${header}\n${stringify(config, { lineWidth: 0 })}`;
}
