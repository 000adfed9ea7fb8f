/**
 * `scripts/network.sh upgrade` on the real network: the commit is refused
 * while an org has not approved, then the chaincode moves to sequence + 1
 * under a light write load (five commissions a second through the
 * manufacturer's peer). Every acknowledged write is on the ledger afterwards,
 * state written before still reads back, and the new generation's servers
 * answer while the old ones are gone.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { peer } from "@hyperledger/fabric-protos";
import { FabricSessions, chaincodeErrorCode, evaluateJson, eventually, failureOf, runId, submitJson, type OrgSession } from "../../../support/fabric-client.js";
import { futureExpiry, gtinFor, productJson } from "../../../support/fixtures.js";
import { networkFile } from "../../../support/network-description.js";
import { processAlive } from "../../../support/processes.js";
import { CHANNELS, channelsOf, orgPort, portOffset } from "../../../gateway/src/topology.js";
import { commissionLot, packOf, type PackRef } from "./scenario.js";

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, "../../..");
const runDir = path.join(path.dirname(networkFile()), "run");
const ORGS = { manufacturer: "ManufacturerMSP", distributor: "DistributorMSP", pharmacy: "PharmacyMSP", regulator: "RegulatorMSP" } as const;
type OrgName = keyof typeof ORGS;

function upgrade(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run("bash", [path.join(repoRoot, "scripts/network.sh"), "upgrade", ...args], { env: process.env, maxBuffer: 1 << 22 });
}

function pidOf(org: OrgName): number {
  return Number(readFileSync(path.join(runDir, `chaincode-${org}.pid`), "utf8").trim());
}

/** The environment a live process was started with. */
function environmentOf(pid: number): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of readFileSync(`/proc/${pid}/environ`, "utf8").split("\0")) {
    const eq = entry.indexOf("=");
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

interface Write {
  readonly pack: PackRef;
  readonly startedAt: number;
  /** "acknowledged", or why the write failed. */
  outcome?: string;
}

describe("a chaincode upgrade under a light write load", function () {
  this.timeout(240_000);
  const id = runId();
  let sessions: FabricSessions;
  let manufacturer: OrgSession;
  let regulator: OrgSession;
  let writtenBefore: PackRef;
  let sequenceBefore: Record<string, number>;
  const oldServers = new Map<OrgName, number>();

  /** The sequence of the rxtrace definition committed on `channel`, read through the _lifecycle chaincode. */
  const committedSequence = async (channel: string): Promise<number> => {
    const admin = sessions.as(channel === "mfr-dist" ? ORGS.manufacturer : ORGS.pharmacy, "admin");
    const args = new peer.lifecycle.QueryChaincodeDefinitionArgs();
    args.setName(sessions.description.chaincode);
    const answer = await admin.network(channel).getContract("_lifecycle").evaluateTransaction("QueryChaincodeDefinition", args.serializeBinary());
    return peer.lifecycle.QueryChaincodeDefinitionResult.deserializeBinary(answer).getSequence();
  };
  const sequences = async (): Promise<Record<string, number>> =>
    Object.fromEntries(await Promise.all(CHANNELS.map(async (ch) => [ch, await committedSequence(ch)] as const)));

  before(async () => {
    sessions = new FabricSessions();
    manufacturer = sessions.as(ORGS.manufacturer, "operator");
    regulator = sessions.as(ORGS.regulator, "auditor");
    const lot = await commissionLot(manufacturer, `UP${id}`, 1);
    writtenBefore = lot.packs[0]!;
    await eventually(() => packOf(regulator, "mfr-dist", writtenBefore));
    sequenceBefore = await sequences();
    for (const org of Object.keys(ORGS) as OrgName[]) oldServers.set(org, pidOf(org));
  });
  after(() => sessions.close());

  it("refuses to commit while the regulator has not approved, naming it, and leaves the sequence unchanged", async () => {
    await upgrade("approve", "manufacturer");
    await Promise.all(["distributor", "pharmacy"].map((org) => upgrade("approve", org)));

    const refusal = await upgrade("commit").then(
      () => undefined,
      (error: unknown) => error as { code: number; stderr: string },
    );

    expect(refusal, "upgrade commit succeeded").to.not.equal(undefined);
    expect(refusal!.code).to.equal(1);
    expect(refusal!.stderr).to.include("upgrade refused").and.include("RegulatorMSP (regulator) on mfr-dist").and.include("RegulatorMSP (regulator) on dist-pharm");
    expect(refusal!.stderr).to.not.match(/ManufacturerMSP|DistributorMSP|PharmacyMSP/);
    expect(await sequences()).to.deep.equal(sequenceBefore);
  });

  it("moves both channels to sequence + 1 under load, keeping every acknowledged write and the state written before", async () => {
    const gtin = gtinFor(`UPL${id}`);
    const contract = manufacturer.contract("mfr-dist");
    await contract.submitTransaction("products:RegisterProduct", productJson(gtin));
    const expiry = futureExpiry();
    const writes: Write[] = [];
    const inFlight: Promise<void>[] = [];
    let loading = true;
    const load = (async () => {
      for (let n = 0; loading; n++) {
        const serial = `U${n}${id}`.slice(0, 20);
        const write: Write = { pack: { gtin, serial }, startedAt: Date.now() };
        writes.push(write);
        inFlight.push(
          submitJson(contract, "packs:CommissionLot", { arguments: [JSON.stringify({ gtin, lot: `LU${n}${id}`.slice(0, 20), expiry, serials: [serial] })] }).then(
            () => void (write.outcome = "acknowledged"),
            (error: unknown) => void (write.outcome = `${(error as Error).name}: ${(error as Error).message}`),
          ),
        );
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();

    const started = Date.now();
    const { stdout } = await upgrade();
    const committedAt = Date.now();
    // A few more seconds of writes go to the new servers.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    loading = false;
    await load;
    await Promise.all(inFlight);

    const acknowledged = writes.filter((w) => w.outcome === "acknowledged");
    const failed = writes.filter((w) => w.outcome !== "acknowledged");
    console.log(`      upgrade took ${committedAt - started} ms; ${writes.length} writes, ${acknowledged.length} acknowledged, ${failed.length} failed`);
    for (const w of failed) console.log(`      not acknowledged: ${w.pack.serial}: ${w.outcome}`);

    expect(stdout).to.include(`sequence ${sequenceBefore["mfr-dist"]! + 1} committed on mfr-dist`);
    expect(await sequences()).to.deep.equal({ "mfr-dist": sequenceBefore["mfr-dist"]! + 1, "dist-pharm": sequenceBefore["dist-pharm"]! + 1 });
    expect(writes.length).to.be.at.least(20);
    expect(acknowledged.filter((w) => w.startedAt > committedAt), "writes acknowledged after the upgrade").to.not.be.empty;
    // Only writes endorsed under the old definition and ordered after the new one may fail (MVCC on the definition's sequence).
    expect(failed.length, "failed writes").to.be.below(writes.length / 2);
    for (const w of acknowledged) expect(await packOf(regulator, "mfr-dist", w.pack), w.pack.serial).to.include({ status: "COMMISSIONED" });
    // A write reported invalid at commit left nothing behind.
    for (const w of failed.filter((f) => f.outcome?.startsWith("CommitError"))) {
      expect(chaincodeErrorCode(await failureOf(() => packOf(regulator, "mfr-dist", w.pack))), w.pack.serial).to.equal("NOT_FOUND");
    }
    expect(await packOf(regulator, "mfr-dist", writtenBefore)).to.include({ status: "COMMISSIONED", owner: ORGS.manufacturer });
  });

  it("serves from the new generation's servers on the other port slot, the old servers gone", async () => {
    const generation = sequenceBefore["mfr-dist"]!; // the new definition's sequence - 1
    const slot = generation % 2 === 0 ? "ccaas" : "ccaasNext";
    for (const [org, oldPid] of oldServers) {
      expect(processAlive(oldPid), `old chaincode-${org} (pid ${oldPid})`).to.equal(false);
      const env = environmentOf(pidOf(org));
      expect(env.CHAINCODE_ID, org).to.match(new RegExp(`^${sessions.description.chaincode}_${generation}:`));
      expect(env.CHAINCODE_ADDRESS, org).to.equal(`127.0.0.1:${orgPort(org, slot, portOffset())}`);
    }
    // Each org's peer evaluates on its own chaincode server, the only one left for it.
    for (const [org, mspId] of Object.entries(ORGS)) {
      const session = sessions.as(mspId, "admin");
      for (const channel of channelsOf(mspId)) {
        expect(await evaluateJson(session.contract(channel), "partners:ListPartners"), `${org} on ${channel}`).to.have.length(3);
      }
    }
  });
});
