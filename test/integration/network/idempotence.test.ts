/**
 * `scripts/network.sh up` on a running network resumes instead of redoing:
 * no new enrolment, no new channel, no new chaincode package, and the ledger
 * keeps its blocks. Runs the real script against the network under test.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { common } from "@hyperledger/fabric-protos";
import { FabricSessions } from "../../../support/fabric-client.js";
import { networkFile } from "../../../support/network-description.js";

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, "../../..");

function digest(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

describe("network.sh up on a running network", function () {
  this.timeout(300_000);
  let sessions: FabricSessions;

  before(() => {
    sessions = new FabricSessions();
  });
  after(() => sessions.close());

  const height = async (): Promise<number> => {
    const qscc = sessions.as("ManufacturerMSP", "admin").network("mfr-dist").getContract("qscc");
    return Number(common.BlockchainInfo.deserializeBinary(await qscc.evaluateTransaction("GetChainInfo", "mfr-dist")).getHeight());
  };

  it("keeps every identity, channel block and chaincode package, and the ledger's blocks", async () => {
    const fabric = path.join(path.dirname(networkFile()), "fabric");
    const files = [
      path.join(fabric, "orgs/manufacturer/users/quality/msp/signcerts/cert.pem"),
      path.join(fabric, "orgs/regulator/peer/tls/server.crt"),
      path.join(fabric, "ca/distributor/ca-cert.pem"),
      path.join(fabric, "channels/mfr-dist.block"),
      path.join(fabric, "chaincode/pharmacy/rxtrace.tar.gz"),
    ];
    const before = files.map(digest);
    const heightBefore = await height();

    const { stdout } = await run("bash", [path.join(repoRoot, "scripts/network.sh"), "up"], { env: process.env, maxBuffer: 1 << 20 });

    expect(stdout).to.not.match(/joined|installed|approved|committed|registered as/);
    expect(files.map(digest)).to.deep.equal(before);
    expect(await height()).to.be.at.least(heightBefore);
  });

  it("reports every CA, orderer, peer and chaincode server healthy", async () => {
    const { stdout } = await run("bash", [path.join(repoRoot, "scripts/network.sh"), "status"], { env: process.env });
    const lines = stdout.trim().split("\n");
    // Four CAs, peers and chaincode servers, and the orderers (4 under BFT, 3 under Raft).
    expect(lines).to.have.length(12 + sessions.description.orderers.length);
    for (const line of lines) expect(line, line).to.match(/ OK$/);
  });
});
