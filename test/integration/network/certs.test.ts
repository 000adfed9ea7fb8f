/**
 * `scripts/network.sh certs` on the real network: the report lists every
 * certificate with its expiry; the manufacturer's CA is made to issue
 * short-lived certificates (RXTRACE_CA_CERT_EXPIRY, a test-only setting), the
 * report flags them, and `certs renew manufacturer` re-enrols them under a
 * light write load through the manufacturer's peer, restarting its orderer,
 * peer and chaincode server one at a time. The orderer keeps its keys (BFT
 * consenter), the others get new ones, the nodes serve the new certificates,
 * and writes commit before, during and after.
 */
import { execFile } from "node:child_process";
import { createPublicKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { connect as tlsConnect } from "node:tls";
import { promisify } from "node:util";
import { expect } from "chai";
import { FabricSessions, chaincodeErrorCode, eventually, failureOf, runId, submitJson, type OrgSession } from "../../../support/fabric-client.js";
import { futureExpiry, gtinFor, productJson } from "../../../support/fixtures.js";
import { networkFile } from "../../../support/network-description.js";
import { orgPort, portOffset } from "../../../gateway/src/topology.js";
import type { CertificateReport, CertificateReportRow } from "../../../gateway/src/services/certificate-report.js";
import { packOf, type PackRef } from "./scenario.js";

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, "../../..");
const dataDir = path.dirname(networkFile());
const orgDir = path.join(dataDir, "fabric/orgs/manufacturer");
const SHORT = "20m";

interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** scripts/network.sh certs ARGS, its exit status kept (non-zero is an answer here, not a failure). */
async function certs(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await run("bash", [path.join(repoRoot, "scripts/network.sh"), "certs", ...args], { env: { ...process.env, ...env }, maxBuffer: 1 << 22 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function report(within: number): Promise<{ code: number; report: CertificateReport }> {
  const result = await certs(["report", "--within", String(within), "--json"]);
  return { code: result.code, report: JSON.parse(result.stdout) as CertificateReport };
}

const manufacturerRows = (r: CertificateReport): CertificateReportRow[] => r.certificates.filter((c) => c.org === "manufacturer" && (c.kind === "enrolment" || c.kind === "tls"));
const byOwnerKind = (rows: readonly CertificateReportRow[]) => new Map(rows.map((c) => [`${c.owner} ${c.kind}`, c]));

/** The SPKI of the certificate in FILE, to tell a kept key from a new one. */
function publicKeyOf(file: string): string {
  return createPublicKey(new X509Certificate(readFileSync(file)).publicKey.export({ type: "spki", format: "pem" })).export({ type: "spki", format: "der" }).toString("hex");
}

/** The serial of the TLS certificate the server on PORT presents now. */
function servedSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: "127.0.0.1",
      port,
      rejectUnauthorized: false,
      ALPNProtocols: ["h2"],
      cert: readFileSync(path.join(orgDir, "apptls/tls/server.crt")),
      key: readFileSync(path.join(orgDir, "apptls/tls/server.key")),
    });
    socket.once("secureConnect", () => {
      resolve(socket.getPeerX509Certificate()!.serialNumber);
      socket.destroy();
    });
    socket.once("error", reject);
  });
}

const pidOf = (name: string): number => Number(readFileSync(path.join(dataDir, "run", `${name}.pid`), "utf8").trim());

interface Write {
  readonly pack: PackRef;
  readonly startedAt: number;
  outcome?: string;
  ackedAt?: number;
}

describe("certificate report and renewal", function () {
  this.timeout(300_000);
  const id = runId();
  let sessions: FabricSessions;
  let manufacturer: OrgSession;
  let regulator: OrgSession;
  let gtin: string;

  const commission = async (serial: string): Promise<void> => {
    await submitJson(manufacturer.contract("mfr-dist"), "packs:CommissionLot", {
      arguments: [JSON.stringify({ gtin, lot: `L${serial}`.slice(0, 20), expiry: futureExpiry(), serials: [serial] })],
    });
  };

  before(async () => {
    sessions = new FabricSessions();
    manufacturer = sessions.as("ManufacturerMSP", "operator");
    regulator = sessions.as("RegulatorMSP", "auditor");
    gtin = gtinFor(`CR${id}`);
    await manufacturer.contract("mfr-dist").submitTransaction("products:RegisterProduct", productJson(gtin));
  });

  after(async () => {
    // Back to long-lived certificates for the specs that run after this one.
    const restored = await certs(["renew", "manufacturer", "--within", "1"]);
    if (restored.code !== 0) console.log(`      restoring long-lived certificates failed: ${restored.stderr}`);
    sessions.close();
  });

  it("reports every certificate of the network with its expiry, none due on a fresh network", async () => {
    const { code, report: fresh } = await report(30);

    expect(code).to.equal(0);
    const owners = new Set(fresh.certificates.map((c) => `${c.kind} ${c.owner}`));
    for (const owner of ["ManufacturerOrdererMSP/orderer", "ManufacturerMSP/peer", "ManufacturerMSP/chaincode", "ManufacturerMSP/applications", "ManufacturerMSP/admin", "ManufacturerMSP/operator", "RegulatorMSP/auditor"]) {
      expect(owners, owner).to.include(`enrolment ${owner}`).and.include(`tls ${owner}`);
    }
    expect(owners).to.include("ca ManufacturerMSP").and.include("ca PharmacyMSP");
    expect(fresh.unreadable).to.deep.equal([]);
    expect(fresh.certificates.every((c) => !c.due && c.daysLeft > 300)).to.equal(true);
  });

  it("refuses an unknown org and an org with nothing due, changing nothing", async () => {
    const before = (await report(30)).report;

    const unknown = await certs(["renew", "wholesaler"]);
    const nothingDue = await certs(["renew", "manufacturer", "--within", "1"]);
    const badDays = await certs(["renew", "manufacturer", "--within", "soon"]);

    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.include("unknown org 'wholesaler'").and.include("manufacturer distributor pharmacy regulator");
    expect(nothingDue.code).to.equal(1);
    expect(nothingDue.stderr).to.include("nothing of manufacturer expires within 1 days").and.include("nothing changed");
    expect(badDays.code).to.equal(1);
    expect(badDays.stderr).to.include("--within takes a number of days");
    expect((await report(30)).report.certificates.map((c) => c.serial)).to.deep.equal(before.certificates.map((c) => c.serial));
  });

  it(`flags certificates the CA issued for ${SHORT} as expiring within a day`, async () => {
    // Every manufacturer certificate is due within 400 days: all are re-issued, for SHORT.
    const shortened = await certs(["renew", "manufacturer", "--within", "400"], { RXTRACE_CA_CERT_EXPIRY: SHORT });
    expect(shortened.code, shortened.stderr).to.equal(0);

    const { code, report: soon } = await report(1);

    expect(code, "report exit status with certificates due").to.equal(3);
    const rows = manufacturerRows(soon);
    expect(rows).to.have.length(15); // 7 identities' enrolment and TLS certificates, the CA registrar's
    for (const row of rows) {
      expect(row.due, `${row.owner} ${row.kind}`).to.equal(true);
      expect(row.daysLeft * 24 * 60, `${row.owner} ${row.kind} minutes left`).to.be.within(5, 21);
    }
    expect(soon.certificates.filter((c) => c.org !== "manufacturer").every((c) => !c.due)).to.equal(true);
  });

  it("renews them under a light write load: new serials and expiry, orderer keys kept, nodes serving the new certificates, writes committing throughout", async () => {
    const before = byOwnerKind(manufacturerRows((await report(1)).report));
    const ordererKeys = [publicKeyOf(path.join(orgDir, "orderer/msp/signcerts/cert.pem")), publicKeyOf(path.join(orgDir, "orderer/tls/server.crt"))];
    const peerKeys = [publicKeyOf(path.join(orgDir, "peer/msp/signcerts/cert.pem")), publicKeyOf(path.join(orgDir, "peer/tls/server.crt"))];
    const pids = { orderer: pidOf("orderer-manufacturer"), peer: pidOf("peer-manufacturer"), chaincode: pidOf("chaincode-manufacturer") };
    await commission(`B${id}`.slice(0, 20));
    // The CA issues notAfter to the minute: renew once SHORT from now falls in a later minute than every current notAfter.
    const latest = Math.max(...[...before.values()].map((c) => Date.parse(c.notAfter)));
    const shortMs = Number.parseInt(SHORT, 10) * 60_000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, latest + 61_000 - shortMs - Date.now())));

    const writes: Write[] = [];
    const inFlight: Promise<void>[] = [];
    let loading = true;
    const load = (async () => {
      for (let n = 0; loading; n++) {
        const serial = `R${n}${id}`.slice(0, 20);
        const write: Write = { pack: { gtin, serial }, startedAt: Date.now() };
        writes.push(write);
        inFlight.push(
          commission(serial).then(
            () => void Object.assign(write, { outcome: "acknowledged", ackedAt: Date.now() }),
            (error: unknown) => void (write.outcome = `${(error as Error).name}: ${(error as Error).message}`),
          ),
        );
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    })();
    const started = Date.now();
    const renewal = await certs(["renew", "manufacturer", "--within", "1"], { RXTRACE_CA_CERT_EXPIRY: SHORT });
    const renewedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    loading = false;
    await load;
    await Promise.all(inFlight);

    const acknowledged = writes.filter((w) => w.outcome === "acknowledged");
    const failed = writes.filter((w) => w.outcome !== "acknowledged");
    console.log(`      renewal took ${renewedAt - started} ms; ${writes.length} writes, ${acknowledged.length} acknowledged, ${failed.length} failed`);
    for (const w of failed) console.log(`      not acknowledged: ${w.pack.serial}: ${w.outcome}`);
    expect(renewal.code, renewal.stderr).to.equal(0);
    expect(renewal.stdout).to.include("(key kept: BFT consenter)").and.include("restarting orderer-manufacturer").and.include("restarting peer-manufacturer");

    const after = byOwnerKind(manufacturerRows((await report(1)).report));
    expect([...after.keys()].sort()).to.deep.equal([...before.keys()].sort());
    for (const [key, row] of after) {
      expect(row.serial, key).to.not.equal(before.get(key)!.serial);
      expect(row.notAfter > before.get(key)!.notAfter, `${key}: ${before.get(key)!.notAfter} -> ${row.notAfter}`).to.equal(true);
    }
    expect([publicKeyOf(path.join(orgDir, "orderer/msp/signcerts/cert.pem")), publicKeyOf(path.join(orgDir, "orderer/tls/server.crt"))], "orderer keys").to.deep.equal(ordererKeys);
    const peerKeysAfter = [publicKeyOf(path.join(orgDir, "peer/msp/signcerts/cert.pem")), publicKeyOf(path.join(orgDir, "peer/tls/server.crt"))];
    expect(peerKeysAfter[0], "peer enrolment key").to.not.equal(peerKeys[0]);
    expect(peerKeysAfter[1], "peer TLS key").to.not.equal(peerKeys[1]);
    expect(pidOf("orderer-manufacturer")).to.not.equal(pids.orderer);
    expect(pidOf("peer-manufacturer")).to.not.equal(pids.peer);
    expect(pidOf("chaincode-manufacturer")).to.not.equal(pids.chaincode);
    const offset = portOffset();
    expect(await servedSerial(orgPort("manufacturer", "orderer", offset)), "orderer's served TLS certificate").to.equal(after.get("ManufacturerOrdererMSP/orderer tls")!.serial);
    expect(await servedSerial(orgPort("manufacturer", "peer", offset)), "peer's served TLS certificate").to.equal(after.get("ManufacturerMSP/peer tls")!.serial);

    // Writes through the renewed peer and orderer: before (above), during and after.
    expect(writes.length).to.be.at.least(10);
    expect(acknowledged.filter((w) => w.startedAt > renewedAt), "writes acknowledged after the renewal").to.not.be.empty;
    // The org has one peer, so its own writes are refused while that peer
    // restarts and until discovery sees the other orgs' peers again (how long
    // depends on the host's load: 15 of 39 refused in a quiet run, 31 of 57 in
    // a full suite). What must hold: writes are acknowledged while the
    // renewal runs (re-enrolment, the orderer's restart) and after it; every
    // write not acknowledged was refused before ordering, or lost its commit
    // status with the peer's restart (where those ended is checked below);
    // none was ordered and then invalidated.
    expect(acknowledged.filter((w) => (w.ackedAt ?? 0) > started && (w.ackedAt ?? 0) < renewedAt), "writes acknowledged during the renewal").to.not.be.empty;
    expect(failed.filter((w) => !/^(EndorseError|SubmitError|CommitStatusError):/.test(w.outcome ?? "")).map((w) => w.outcome), "writes that failed otherwise than refused before ordering or a lost commit status").to.deep.equal([]);
    for (const w of acknowledged) expect(await packOf(regulator, "mfr-dist", w.pack), w.pack.serial).to.include({ status: "COMMISSIONED" });
    for (const w of failed.filter((f) => f.outcome?.startsWith("CommitError") || f.outcome?.startsWith("EndorseError"))) {
      expect(chaincodeErrorCode(await failureOf(() => packOf(regulator, "mfr-dist", w.pack))), w.pack.serial).to.equal("NOT_FOUND");
    }
    // A write whose commit status was awaited when the peer stopped has an unknown outcome for its client: say where it ended.
    const unknown = failed.filter((f) => f.outcome?.startsWith("CommitStatusError"));
    const landed = await Promise.all(unknown.map((w) => packOf(regulator, "mfr-dist", w.pack).then(() => true, () => false)));
    console.log(`      of ${unknown.length} writes whose commit status was lost with the peer's restart, ${landed.filter(Boolean).length} committed`);
    // A session opened now signs with the renewed operator certificate, and its write commits.
    const fresh = new FabricSessions();
    const renewedSession = fresh.as("ManufacturerMSP", "operator");
    const serial = `A${id}`.slice(0, 20);
    await submitJson(renewedSession.contract("mfr-dist"), "packs:CommissionLot", { arguments: [JSON.stringify({ gtin, lot: `L${serial}`, expiry: futureExpiry(), serials: [serial] })] });
    await eventually(() => packOf(regulator, "mfr-dist", { gtin, serial }));
    fresh.close();
  });
});
