/**
 * The expiry of every certificate the gateway holds, in /metrics: an expired
 * enrolment or TLS certificate, or CA certificate, stops the gateway's calls,
 * so operators alert on it weeks ahead. The files are read when /metrics is
 * rendered, so a renewed certificate shows at the next scrape. Labels name
 * the certificate by kind, owner and subject, never by its file path: the
 * endpoint may be public.
 */
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { readGauge, type MetricsRegistry } from "./metrics.js";

/** A certificate file the gateway holds (the Fabric adapter lists them from network.json). */
export interface CertificateFile {
  readonly kind: string;
  readonly owner: string;
  readonly path: string;
}

export interface CertificateExpiry {
  readonly kind: string;
  readonly owner: string;
  /** The subject's common name (empty when it has none). */
  readonly subject: string;
  /** The serial number, upper-case hex: a renewed certificate has a new one. */
  readonly serial: string;
  readonly notAfter: Date;
}

/** The subject's CN, from Node's one-attribute-per-line subject text. */
function commonName(subject: string): string {
  return subject.split("\n").find((line) => line.startsWith("CN="))?.slice(3) ?? "";
}

/**
 * Reads each certificate's notAfter; a file that is missing or not a PEM
 * certificate goes to `unreadable` instead.
 */
export function readCertificateExpiries(files: readonly CertificateFile[]): { expiries: CertificateExpiry[]; unreadable: CertificateFile[] } {
  const expiries: CertificateExpiry[] = [];
  const unreadable: CertificateFile[] = [];
  for (const file of files) {
    try {
      const certificate = new X509Certificate(readFileSync(file.path));
      expiries.push({ kind: file.kind, owner: file.owner, subject: commonName(certificate.subject), serial: certificate.serialNumber, notAfter: certificate.validToDate });
    } catch {
      unreadable.push(file);
    }
  }
  return { expiries, unreadable };
}

/**
 * Adds `rxtrace_certificate_expiry_seconds` (seconds until notAfter, negative
 * once expired), `rxtrace_certificate_not_after_timestamp_seconds` and
 * `rxtrace_certificate_unreadable` (1 per held file that cannot be read) to the registry.
 * `held` throwing (no network.json yet) shows no certificates.
 */
export function installCertificateMetrics(registry: MetricsRegistry, held: () => readonly CertificateFile[], now: () => number = Date.now): void {
  const read = () => {
    let files: readonly CertificateFile[];
    try {
      files = held();
    } catch {
      files = [];
    }
    return readCertificateExpiries(files);
  };
  const labelNames = ["kind", "owner", "subject"] as const;
  readGauge(registry, {
    name: "rxtrace_certificate_expiry_seconds",
    help: "Seconds until each certificate the gateway holds expires (notAfter); negative once expired.",
    labelNames,
    read: () => read().expiries.map((c) => ({ labels: { kind: c.kind, owner: c.owner, subject: c.subject }, value: (c.notAfter.getTime() - now()) / 1000 })),
  });
  readGauge(registry, {
    name: "rxtrace_certificate_not_after_timestamp_seconds",
    help: "The notAfter of each certificate the gateway holds, as a Unix time.",
    labelNames,
    read: () => read().expiries.map((c) => ({ labels: { kind: c.kind, owner: c.owner, subject: c.subject }, value: c.notAfter.getTime() / 1000 })),
  });
  readGauge(registry, {
    name: "rxtrace_certificate_unreadable",
    help: "1 for each certificate file the gateway holds that is missing or not a PEM certificate.",
    labelNames: ["kind", "owner"],
    read: () => read().unreadable.map((c) => ({ labels: { kind: c.kind, owner: c.owner }, value: 1 })),
  });
}
