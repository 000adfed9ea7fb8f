/**
 * The expiry report of every certificate of a network (`npm run
 * network:certs -- report`): the node, user and CA certificates listed by
 * scripts/network/lib/certs.sh, read with the same reader as the gateway's
 * `rxtrace_certificate_expiry_seconds`, each flagged when it expires within
 * the threshold.
 */
import { readCertificateExpiries, type CertificateFile } from "./certificate-metrics.js";

/** One certificate file of the network, as the inventory lists it. */
export interface NetworkCertificateFile extends CertificateFile {
  /** The topology org whose CA issued it. */
  readonly org: string;
}

export interface CertificateReportRow {
  readonly org: string;
  readonly kind: string;
  readonly owner: string;
  readonly subject: string;
  readonly serial: string;
  /** ISO 8601, UTC. */
  readonly notAfter: string;
  /** Days until notAfter, to two decimals; negative once expired. */
  readonly daysLeft: number;
  /** It expires within the report's threshold (or has expired). */
  readonly due: boolean;
}

export interface CertificateReport {
  readonly withinDays: number;
  readonly generatedAt: string;
  /** Soonest expiry first. */
  readonly certificates: readonly CertificateReportRow[];
  /** Listed files that are missing or not a PEM certificate. */
  readonly unreadable: readonly NetworkCertificateFile[];
}

const DAY_MS = 86_400_000;

/**
 * Parses the inventory: one certificate a line, `org<TAB>kind<TAB>owner<TAB>path`;
 * blank lines are skipped. Throws an Error naming the line that has not four fields.
 */
export function parseCertificateInventory(text: string): NetworkCertificateFile[] {
  const files: NetworkCertificateFile[] = [];
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "") return;
    const fields = line.split("\t");
    if (fields.length !== 4 || fields.some((f) => f === "")) {
      throw new Error(`certificate inventory line ${index + 1}: expected org, kind, owner and path separated by tabs, got '${line}'`);
    }
    const [org, kind, owner, path] = fields as [string, string, string, string];
    files.push({ org, kind, owner, path });
  });
  return files;
}

/**
 * Parses a threshold in days (a non-negative decimal: `30`, `0.5`). Throws an
 * Error saying what is expected.
 */
export function parseThresholdDays(value: string): number {
  if (!/^\d+(\.\d+)?$/.test(value)) throw new Error(`--within takes a number of days (e.g. 30 or 0.5), not '${value}'`);
  return Number(value);
}

/** Reads every listed certificate and flags those expiring within `withinDays` of `now`. */
export function buildCertificateReport(files: readonly NetworkCertificateFile[], withinDays: number, now: Date): CertificateReport {
  const rows: CertificateReportRow[] = [];
  const unreadable: NetworkCertificateFile[] = [];
  for (const file of files) {
    const [expiry] = readCertificateExpiries([file]).expiries;
    if (!expiry) {
      unreadable.push(file);
      continue;
    }
    const left = (expiry.notAfter.getTime() - now.getTime()) / DAY_MS;
    rows.push({
      org: file.org,
      kind: file.kind,
      owner: file.owner,
      subject: expiry.subject,
      serial: expiry.serial,
      notAfter: expiry.notAfter.toISOString(),
      daysLeft: Math.round(left * 100) / 100,
      due: left <= withinDays,
    });
  }
  rows.sort((a, b) => a.notAfter.localeCompare(b.notAfter) || a.owner.localeCompare(b.owner));
  return { withinDays, generatedAt: now.toISOString(), certificates: rows, unreadable };
}

/** The report as an aligned text table, due certificates marked, with a summary line. */
export function renderCertificateReport(report: CertificateReport): string {
  const header = ["org", "kind", "owner", "subject", "serial", "notAfter", "days left", ""];
  const lines = report.certificates.map((c) => [c.org, c.kind, c.owner, c.subject, c.serial, c.notAfter, c.daysLeft.toFixed(2), c.due ? "DUE" : ""]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd();
  const out = [format(header), ...lines.map(format)];
  for (const u of report.unreadable) out.push(`UNREADABLE ${u.org} ${u.kind} ${u.owner}: ${u.path}`);
  const due = report.certificates.filter((c) => c.due).length;
  out.push(`${report.certificates.length} certificates; ${due} expire within ${report.withinDays} days${report.unreadable.length ? `; ${report.unreadable.length} unreadable` : ""}`);
  return out.join("\n");
}
