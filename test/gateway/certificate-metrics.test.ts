/**
 * The expiry of the certificates the gateway holds, in /metrics: read from
 * the files at each scrape, so a renewed certificate shows at once.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { installCertificateMetrics, type CertificateFile } from "../../gateway/src/services/certificate-metrics.js";
import { createMetricsRegistry } from "../../gateway/src/services/metrics.js";
import { parseExposition, samplesOf, valueOf } from "../../support/prometheus-text.js";
import { buildTestApp } from "./support/app.js";
import { tempDir } from "./support/temp.js";

const DAY = 86_400;

/** A self-signed P-256 certificate with this common name, valid for `days` from now. */
function certificate(dir: string, name: string, days: number): string {
  const file = path.join(dir, `${name}.pem`);
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", String(days), "-subj", `/O=rxtrace/CN=${name}`, "-keyout", path.join(dir, `${name}.key`), "-out", file], { stdio: "ignore" });
  return file;
}

async function scrape(files: () => readonly CertificateFile[]) {
  const registry = createMetricsRegistry();
  installCertificateMetrics(registry, files);
  return parseExposition(await registry.metrics());
}

describe("certificate expiry metrics", () => {
  const dir = tempDir("rxtrace-certs-");

  it("gives the seconds until each held certificate's notAfter, by kind, owner and subject", async () => {
    const ecert = certificate(dir, "operator", 20);
    const ca = certificate(dir, "ca.manufacturer", 3650);

    const metrics = await scrape(() => [
      { kind: "enrolment", owner: "ManufacturerMSP/operator", path: ecert },
      { kind: "tls-ca", owner: "ManufacturerMSP", path: ca },
    ]);

    const operator = valueOf(metrics, "rxtrace_certificate_expiry_seconds", { kind: "enrolment", owner: "ManufacturerMSP/operator", subject: "operator" });
    expect(operator).to.be.closeTo(20 * DAY, 120);
    expect(valueOf(metrics, "rxtrace_certificate_expiry_seconds", { kind: "tls-ca", subject: "ca.manufacturer" })).to.be.closeTo(3650 * DAY, 120);
    const notAfter = valueOf(metrics, "rxtrace_certificate_not_after_timestamp_seconds", { owner: "ManufacturerMSP/operator" });
    expect(notAfter).to.be.closeTo(Date.now() / 1000 + 20 * DAY, 120);
    expect(samplesOf(metrics, "rxtrace_certificate_unreadable")).to.deep.equal([]);
  });

  it("shows a renewed certificate at the next scrape", async () => {
    const file = path.join(dir, "renewed.pem");
    copyFileSync(certificate(dir, "short", 1), file);
    const held = () => [{ kind: "tls-client", owner: "PharmacyMSP/pharmacist", path: file }];
    const before = valueOf(await scrape(held), "rxtrace_certificate_expiry_seconds", { owner: "PharmacyMSP/pharmacist" });

    copyFileSync(certificate(dir, "long", 400), file);
    const after = valueOf(await scrape(held), "rxtrace_certificate_expiry_seconds", { owner: "PharmacyMSP/pharmacist" });

    expect(before).to.be.closeTo(DAY, 120);
    expect(after).to.be.closeTo(400 * DAY, 120);
  });

  it("counts a missing or malformed file as unreadable and still shows the others", async () => {
    const good = certificate(dir, "good", 30);
    const garbage = path.join(dir, "garbage.pem");
    writeFileSync(garbage, "-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n");
    const gone = path.join(dir, "gone.pem");
    rmSync(gone, { force: true });

    const metrics = await scrape(() => [
      { kind: "enrolment", owner: "DistributorMSP/operator", path: good },
      { kind: "tls-client", owner: "DistributorMSP/applications", path: garbage },
      { kind: "tls-ca", owner: "DistributorMSP", path: gone },
    ]);

    expect(samplesOf(metrics, "rxtrace_certificate_expiry_seconds")).to.have.length(1);
    expect(valueOf(metrics, "rxtrace_certificate_unreadable", { kind: "tls-client", owner: "DistributorMSP/applications" })).to.equal(1);
    expect(valueOf(metrics, "rxtrace_certificate_unreadable", { kind: "tls-ca", owner: "DistributorMSP" })).to.equal(1);
  });

  it("shows no certificates, and still renders, while the list cannot be read (no network.json yet)", async () => {
    const metrics = await scrape(() => {
      throw new Error("no network description");
    });
    expect(samplesOf(metrics, "rxtrace_certificate_expiry_seconds")).to.deep.equal([]);
  });

  it("puts no file path in a label, since /metrics may be public", async () => {
    const file = certificate(dir, "private-path", 30);
    const metrics = await scrape(() => [{ kind: "enrolment", owner: "RegulatorMSP/auditor", path: file }]);
    for (const sample of metrics.samples) expect(Object.values(sample.labels).join(" ")).to.not.include(dir);
  });

  it("is served on the app's /metrics when the gateway is given its certificates", async () => {
    const file = certificate(dir, "auditor", 90);
    const t = await buildTestApp({ certificates: () => [{ kind: "enrolment", owner: "RegulatorMSP/auditor", path: file }] });
    try {
      const metrics = parseExposition((await t.app.inject({ method: "GET", url: "/metrics" })).body);
      expect(valueOf(metrics, "rxtrace_certificate_expiry_seconds", { owner: "RegulatorMSP/auditor" })).to.be.closeTo(90 * DAY, 120);
    } finally {
      await t.close();
    }
  });
});
