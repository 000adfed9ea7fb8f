/**
 * The certificate expiry report of scripts/network.sh certs report: reads the
 * inventory (org, kind, owner, path a line, tab-separated) from stdin, prints
 * a table or, with --json, the report as JSON.
 *
 *   certs-report.ts [--within DAYS] [--json] < inventory
 *
 * Exit status: 0 when nothing expires within DAYS (default 30), 3 when some
 * certificate does (or a listed file is unreadable), 2 on bad arguments.
 */
import { readFileSync } from "node:fs";
import { buildCertificateReport, parseCertificateInventory, parseThresholdDays, renderCertificateReport } from "../../gateway/src/services/certificate-report.js";

const USAGE = "usage: scripts/network.sh certs report [--within DAYS] [--json]";

function main(args: string[]): number {
  let within = 30;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--json") json = true;
    else if (arg === "--within" && i + 1 < args.length) within = parseThresholdDays(args[++i]!);
    else throw new Error(`certs report: unknown argument '${arg}' (${USAGE})`);
  }
  const report = buildCertificateReport(parseCertificateInventory(readFileSync(0, "utf8")), within, new Date());
  console.log(json ? JSON.stringify(report, null, 2) : renderCertificateReport(report));
  return report.certificates.some((c) => c.due) || report.unreadable.length > 0 ? 3 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  console.error(`network: ${(error as Error).message}`);
  process.exitCode = 2;
}
