/**
 * The network certificate report (scripts/network.sh certs report): the
 * inventory parsed, each certificate read as the gateway's expiry metric
 * reads it, flagged when it expires within the threshold.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { buildCertificateReport, parseCertificateInventory, parseThresholdDays, renderCertificateReport } from "../../gateway/src/services/certificate-report.js";
import { tempDir } from "./support/temp.js";

const DAY_MS = 86_400_000;

/** A self-signed P-256 certificate with this common name, valid for `days` from now. */
function certificate(dir: string, name: string, days: number): string {
  const file = path.join(dir, `${name}.pem`);
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", String(days), "-subj", `/O=rxtrace/CN=${name}`, "-keyout", path.join(dir, `${name}.key`), "-out", file], { stdio: "ignore" });
  return file;
}

describe("certificate report", () => {
  const dir = tempDir("rxtrace-cert-report-");

  describe("parseCertificateInventory", () => {
    it("reads org, kind, owner and path from each tab-separated line, skipping blank ones", () => {
      const files = parseCertificateInventory("manufacturer\ttls\tManufacturerMSP/peer\t/a/b c/server.crt\n\nregulator\tca\tRegulatorMSP\t/ca.pem\n");
      expect(files).to.deep.equal([
        { org: "manufacturer", kind: "tls", owner: "ManufacturerMSP/peer", path: "/a/b c/server.crt" },
        { org: "regulator", kind: "ca", owner: "RegulatorMSP", path: "/ca.pem" },
      ]);
    });

    it("rejects a line without four fields, naming its number", () => {
      expect(() => parseCertificateInventory("a\tb\tc\t/d\nmanufacturer\ttls\t/x\n")).to.throw(Error, /line 2/);
      expect(() => parseCertificateInventory("a\t\tc\t/d\n")).to.throw(Error, /line 1/);
    });
  });

  describe("parseThresholdDays", () => {
    it("takes whole and decimal days", () => {
      expect(parseThresholdDays("30")).to.equal(30);
      expect(parseThresholdDays("0.5")).to.equal(0.5);
    });

    it("rejects what is not a non-negative number of days", () => {
      for (const bad of ["", "-1", "30d", "1e3", "abc"]) expect(() => parseThresholdDays(bad), bad).to.throw(Error, /number of days/);
    });
  });

  describe("buildCertificateReport", () => {
    it("lists every certificate soonest first with its subject, serial, notAfter and days left, flagging those within the threshold", () => {
      const long = certificate(dir, "peer.manufacturer", 400);
      const short = certificate(dir, "operator", 10);
      const now = new Date();

      const report = buildCertificateReport(
        [
          { org: "manufacturer", kind: "tls", owner: "ManufacturerMSP/peer", path: long },
          { org: "manufacturer", kind: "enrolment", owner: "ManufacturerMSP/operator", path: short },
        ],
        30,
        now,
      );

      expect(report.certificates.map((c) => [c.owner, c.subject, c.due])).to.deep.equal([
        ["ManufacturerMSP/operator", "operator", true],
        ["ManufacturerMSP/peer", "peer.manufacturer", false],
      ]);
      const [operator] = report.certificates;
      expect(operator!.daysLeft).to.be.closeTo(10, 0.01);
      expect(new Date(operator!.notAfter).getTime()).to.be.closeTo(now.getTime() + 10 * DAY_MS, 120_000);
      expect(operator!.serial).to.match(/^[0-9A-F]+$/);
      expect(report).to.include({ withinDays: 30, generatedAt: now.toISOString() });
    });

    it("flags an expired certificate with negative days left", () => {
      const cert = certificate(dir, "soon", 1);
      const report = buildCertificateReport([{ org: "pharmacy", kind: "tls", owner: "PharmacyMSP/peer", path: cert }], 0, new Date(Date.now() + 3 * DAY_MS));
      expect(report.certificates[0]).to.include({ due: true });
      expect(report.certificates[0]!.daysLeft).to.be.closeTo(-2, 0.01);
    });

    it("keeps a missing or malformed file apart as unreadable", () => {
      const garbage = path.join(dir, "garbage.pem");
      writeFileSync(garbage, "not a certificate");
      const files = [
        { org: "distributor", kind: "tls", owner: "DistributorMSP/peer", path: garbage },
        { org: "distributor", kind: "enrolment", owner: "DistributorMSP/peer", path: path.join(dir, "gone.pem") },
      ];
      const report = buildCertificateReport(files, 30, new Date());
      expect(report.certificates).to.deep.equal([]);
      expect(report.unreadable).to.deep.equal(files);
    });
  });

  describe("renderCertificateReport", () => {
    it("prints one aligned row per certificate, marks the due ones and sums up", () => {
      const report = buildCertificateReport(
        [
          { org: "regulator", kind: "ca", owner: "RegulatorMSP", path: certificate(dir, "ca.regulator", 3650) },
          { org: "regulator", kind: "tls", owner: "RegulatorMSP/auditor", path: certificate(dir, "auditor", 5) },
        ],
        30,
        new Date(),
      );

      const lines = renderCertificateReport(report).split("\n");

      expect(lines[0]).to.match(/^org\s+kind\s+owner\s+subject\s+serial\s+notAfter\s+days left$/);
      expect(lines[1]).to.match(/^regulator\s+tls\s+RegulatorMSP\/auditor\s+auditor\s.*\s5\.00\s+DUE$/);
      expect(lines[2]).to.not.include("DUE");
      expect(lines[1]!.indexOf("auditor ")).to.be.greaterThan(0);
      expect(lines.at(-1)).to.equal("2 certificates; 1 expire within 30 days");
    });
  });
});
