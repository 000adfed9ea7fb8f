/**
 * scripts/monitoring.sh's commands (docs/operations.md, "Watching the network"):
 *   config [FILE]   write the scrape configuration of this network to FILE
 *                   (default $RXTRACE_DATA/monitoring/prometheus.yml)
 *   committed       write network/monitoring/prometheus.yml, the configuration of
 *                   the default layout (port offset 0, data in <repo>/.rxtrace, BFT)
 *   targets         ask every target for /metrics once and say which answer
 * RXTRACE_PORT_OFFSET, RXTRACE_DATA and RXTRACE_ORDERING locate the network as scripts/network.sh does.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { portOffset } from "../../gateway/src/topology.js";
import { parseExposition } from "../../support/prometheus-text.js";
import { prometheusConfig, scrapeTargets, type PrometheusConfigOptions } from "./prometheus-config.js";
import { scrape } from "./scrape.js";

const repoRoot = path.resolve(import.meta.dirname, "../..");
export const COMMITTED_CONFIG = path.join(repoRoot, "network/monitoring/prometheus.yml");
export const ALERT_RULES = path.join(repoRoot, "network/monitoring/alerts.yml");

/** The options of the default layout, which network/monitoring/prometheus.yml is written for. */
export function committedOptions(): PrometheusConfigOptions {
  return { portOffset: 0, dataDir: path.join(repoRoot, ".rxtrace"), ordering: "bft", configDir: path.dirname(COMMITTED_CONFIG), rulesFile: ALERT_RULES };
}

function ordering(env: NodeJS.ProcessEnv, dataDir: string): "bft" | "raft" {
  const recorded = path.join(dataDir, "fabric", "ordering");
  const value = env.RXTRACE_ORDERING ?? (existsSync(recorded) ? readFileSync(recorded, "utf8").trim() : "bft");
  if (value !== "bft" && value !== "raft") throw new Error(`RXTRACE_ORDERING must be bft or raft, not '${value}'`);
  return value;
}

/** The options of the network this process's environment names. */
export function environmentOptions(env: NodeJS.ProcessEnv = process.env): Omit<PrometheusConfigOptions, "configDir"> {
  const dataDir = path.resolve(env.RXTRACE_DATA ?? path.join(repoRoot, ".rxtrace"));
  return { portOffset: portOffset(env), dataDir, ordering: ordering(env, dataDir), rulesFile: ALERT_RULES };
}

async function main(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === "config") {
    const options = environmentOptions();
    const file = path.resolve(rest[0] ?? path.join(options.dataDir, "monitoring", "prometheus.yml"));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, prometheusConfig({ ...options, configDir: path.dirname(file) }));
    process.stdout.write(`monitoring: wrote ${file}\n`);
    return 0;
  }
  if (command === "committed") {
    writeFileSync(COMMITTED_CONFIG, prometheusConfig(committedOptions()));
    process.stdout.write(`monitoring: wrote ${COMMITTED_CONFIG}\n`);
    return 0;
  }
  if (command === "targets") {
    const options = environmentOptions();
    let down = 0;
    for (const target of scrapeTargets(options)) {
      try {
        const samples = parseExposition(await scrape(target, options.dataDir)).samples.length;
        process.stdout.write(`up    ${target.node.padEnd(8)} ${target.org.padEnd(13)} ${target.address}  ${samples} samples\n`);
      } catch (error) {
        down += 1;
        process.stdout.write(`down  ${target.node.padEnd(8)} ${target.org.padEnd(13)} ${target.address}  ${(error as Error).message}\n`);
      }
    }
    return down === 0 ? 0 : 1;
  }
  process.stderr.write("usage: scripts/monitoring.sh config [FILE] | committed | targets\n");
  return 2;
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`monitoring: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
