/**
 * The network itself, against the real processes that `scripts/network.sh up`
 * started: every member reaches the chaincode on its channels, outsiders and
 * clients without a TLS client certificate are turned away, and chaincode
 * events reach a listener that resumes from its checkpoint.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { checkpointers, type ChaincodeEvent, type CloseableAsyncIterable } from "@hyperledger/fabric-gateway";
import { common } from "@hyperledger/fabric-protos";
import { FabricSessions, evaluateJson, eventually, runId } from "../../../support/fabric-client.js";
import { gtinFor, productJson } from "../../../support/fixtures.js";
import { networkFile } from "../../../support/network-description.js";

const PARTNERS: Record<string, string[]> = {
  "mfr-dist": ["DistributorMSP", "ManufacturerMSP", "RegulatorMSP"],
  "dist-pharm": ["DistributorMSP", "PharmacyMSP", "RegulatorMSP"],
};

/** Reads events until one matches, or fails after the deadline. */
async function nextMatching(events: CloseableAsyncIterable<ChaincodeEvent>, match: (e: ChaincodeEvent) => boolean, ms = 30_000): Promise<ChaincodeEvent> {
  const iterator = events[Symbol.asyncIterator]();
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no matching event within ${ms} ms`)), ms).unref());
  for (;;) {
    const next = await Promise.race([iterator.next(), timeout]);
    if (next.done) throw new Error("event stream ended");
    if (match(next.value)) return next.value;
  }
}

describe("the Fabric network", function () {
  this.timeout(120_000);
  let sessions: FabricSessions;

  before(() => {
    sessions = new FabricSessions();
  });
  after(() => sessions.close());

  describe("channels", () => {
    for (const [channel, members] of Object.entries(PARTNERS)) {
      for (const mspId of members) {
        it(`lets ${mspId} query the chaincode on ${channel} through its own peer`, async () => {
          const user = sessions.description.orgs.find((o) => o.mspId === mspId)?.users[0]?.name ?? "admin";
          const partners = (await evaluateJson(sessions.as(mspId, user).contract(channel), "partners:ListPartners")) as { mspId: string }[];
          expect(partners.map((p) => p.mspId).sort()).to.deep.equal(members);
        });
      }
    }

    it("turns away an org that is not a member of the channel", async () => {
      const pharmacy = sessions.as("PharmacyMSP", "pharmacist").contract("mfr-dist");
      let error: unknown;
      try {
        await pharmacy.evaluateTransaction("partners:ListPartners");
      } catch (e) {
        error = e;
      }
      // Its peer never joined mfr-dist, so it holds none of that channel's data.
      expect(error, "a pharmacy query on mfr-dist").to.be.instanceOf(Error);
      expect((error as Error).message).to.match(/channel \[?mfr-dist\]?/);
    });
  });

  describe("mutual TLS", () => {
    it("refuses a client that presents no TLS client certificate", async () => {
      expect(sessions.description.mutualTls, "network.json says mutual TLS is on").to.equal(true);
      const anonymous = new FabricSessions(sessions.description);
      try {
        const contract = anonymous.as("ManufacturerMSP", "operator", { clientCertificate: false }).contract("mfr-dist");
        let error: unknown;
        try {
          await contract.evaluateTransaction("partners:ListPartners");
        } catch (e) {
          error = e;
        }
        expect(error, "a query without a client certificate").to.be.instanceOf(Error);
        expect((error as { code?: number }).code, "gRPC status UNAVAILABLE").to.equal(14);
      } finally {
        anonymous.close();
      }
    });
  });

  describe("chaincode servers", () => {
    /** The pid of the chaincode server its supervisor runs for `org`. */
    const serverPid = (org: string): number => {
      const supervisor = readFileSync(path.join(path.dirname(networkFile()), "run", `chaincode-${org}.pid`), "utf8").trim();
      const pids = execFileSync("pgrep", ["-P", supervisor, "-f", "chaincode-server"], { encoding: "utf8" }).trim().split("\n");
      expect(pids, "one chaincode server under the supervisor").to.have.length(1);
      return Number(pids[0]);
    };

    it("restarts a chaincode server that dies, and its org's peer uses the new one", async () => {
      const before = serverPid("pharmacy");
      process.kill(before, "SIGKILL");
      const after = await eventually(async () => {
        const pid = serverPid("pharmacy");
        expect(pid).to.not.equal(before);
        return pid;
      }, 20_000);
      const pharmacy = sessions.as("PharmacyMSP", "pharmacist").contract("dist-pharm");
      const partners = await eventually(async () => (await evaluateJson(pharmacy, "partners:ListPartners")) as unknown[], 30_000);
      expect(partners).to.have.length(3);
      expect(serverPid("pharmacy")).to.equal(after);
    });
  });

  describe("chaincode events", () => {
    let checkpointDir: string;
    before(() => {
      checkpointDir = mkdtempSync(path.join(tmpdir(), "rxtrace-events-"));
    });
    after(() => rmSync(checkpointDir, { recursive: true, force: true }));

    it("delivers an event to a listener and resumes after the checkpoint without repeating it", async () => {
      const manufacturer = sessions.as("ManufacturerMSP", "operator");
      const network = manufacturer.network("mfr-dist");
      const checkpointer = await checkpointers.file(path.join(checkpointDir, "mfr-dist.json"));
      const gtin = gtinFor(runId());
      // Listen from now on, then cause one event.
      const first = await network.getChaincodeEvents(sessions.description.chaincode, { checkpoint: checkpointer, startBlock: await currentHeight(sessions) });
      try {
        await manufacturer.contract("mfr-dist").submitTransaction("products:RegisterProduct", productJson(gtin));
        const event = await nextMatching(first, (e) => e.eventName === "ProductRegistered" && eventGtin(e) === gtin);
        await checkpointer.checkpointChaincodeEvent(event);
        expect(event.transactionId).to.equal(checkpointer.getTransactionId());
      } finally {
        first.close();
      }

      // A second product; a listener resuming from the checkpoint sees it and not the first again.
      const second = gtinFor(runId());
      await manufacturer.contract("mfr-dist").submitTransaction("products:RegisterProduct", productJson(second));
      const resumed = await network.getChaincodeEvents(sessions.description.chaincode, { checkpoint: checkpointer });
      try {
        const event = await nextMatching(resumed, (e) => e.eventName === "ProductRegistered");
        expect(eventGtin(event), "the first event after the checkpoint").to.equal(second);
      } finally {
        resumed.close();
      }
    });
  });
});

async function currentHeight(sessions: FabricSessions): Promise<bigint> {
  const qscc = sessions.as("ManufacturerMSP", "admin").network("mfr-dist").getContract("qscc");
  const info = common.BlockchainInfo.deserializeBinary(await qscc.evaluateTransaction("GetChainInfo", "mfr-dist"));
  return BigInt(info.getHeight());
}

function eventGtin(event: ChaincodeEvent): string | undefined {
  const payload = JSON.parse(new TextDecoder().decode(event.payload)) as { gtin?: string };
  return payload.gtin;
}
