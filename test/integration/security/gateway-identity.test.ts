/**
 * One org cannot sign as another, on the real network:
 *  - through the gateway, an API key acts as its own org user only: a
 *    distributor's key claiming the manufacturer (headers, query, body) is
 *    refused the manufacturer's writes, and the writes it may make are signed
 *    as the distributor;
 *  - below the gateway, a client holding the distributor's certificate and key
 *    that names ManufacturerMSP as the creator is refused by the manufacturer's
 *    peer at endorsement and by the ordering service at submission.
 * (With one gateway process holding every org's keys, its operator can still
 * act as any org; one gateway per org is a separate change.)
 */
import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { connect } from "@hyperledger/fabric-gateway";
import { fabricSigning } from "../../../gateway/src/adapters/fabric-signer.js";
import { call, startGateway, type Gateway } from "../../../support/gateway-harness.js";
import { FabricSessions, chaincodeErrorCode, eventually, failureOf, grpcClientFor, runId, withDetails, type OrgSession } from "../../../support/fabric-client.js";
import { futureExpiry } from "../../../support/fixtures.js";
import { orgByMsp, userOf, type NetworkUser } from "../../../support/network-description.js";
import { commissionLot, packOf, shipAndReceive, type Lot, type PackRef } from "../network/scenario.js";
import { endorsedTransaction, signingIdentity, submitPrepared } from "./forgery.js";
import { packRecord, statusName } from "./ledger-views.js";
import { creatorMspOn } from "./support.js";

const CHANNEL = "mfr-dist";

/** Every way a caller might try to tell the gateway whom to act as. */
const CLAIMS: readonly { readonly name: string; readonly headers: Record<string, string>; readonly query: string; readonly body: Record<string, unknown> }[] = [
  { name: "no claim", headers: {}, query: "", body: {} },
  { name: "identity headers", headers: { "x-msp-id": "ManufacturerMSP", "x-rxtrace-msp": "ManufacturerMSP", "x-rxtrace-user": "operator", "x-identity": "ManufacturerMSP/operator" }, query: "", body: {} },
  { name: "query parameters", headers: {}, query: "?mspId=ManufacturerMSP&user=operator&as=ManufacturerMSP", body: {} },
  { name: "body fields", headers: {}, query: "", body: { mspId: "ManufacturerMSP", user: "operator", identity: "ManufacturerMSP/operator" } },
];

describe("one org cannot sign as another", function () {
  this.timeout(300_000);
  let gw: Gateway;
  let sessions: FabricSessions;
  let manufacturer: OrgSession;
  let distributor: OrgSession;
  let regulator: OrgSession;
  let distributorOperator: NetworkUser;
  let lot: Lot;
  let held: PackRef;
  const run = runId();

  before(async () => {
    gw = await startGateway();
    sessions = new FabricSessions();
    manufacturer = sessions.as("ManufacturerMSP", "operator");
    distributor = sessions.as("DistributorMSP", "operator");
    regulator = sessions.as("RegulatorMSP", "auditor");
    distributorOperator = userOf(orgByMsp(sessions.description, "DistributorMSP"), "operator");
    lot = await commissionLot(manufacturer, `GI${run}`, 1);
    held = lot.packs[0]!;
    await eventually(() => packOf(distributor, CHANNEL, held));
    await shipAndReceive(manufacturer, distributor, CHANNEL, `SHGI${run}`, [held]);
    await eventually(async () => expect(await packOf(regulator, CHANNEL, held)).to.include({ owner: "DistributorMSP", status: "RECEIVED" }));
  });
  after(async () => {
    sessions?.close();
    await gw?.close();
  });

  /** Expects no pack `serial` of the lot's GTIN on the regulator's peer. */
  async function expectNoPack(serial: string): Promise<void> {
    const error = await failureOf(() => packRecord(regulator, CHANNEL, { gtin: lot.gtin, serial }));
    expect(chaincodeErrorCode(error), String(error)).to.equal("NOT_FOUND");
  }

  describe("through the gateway", () => {
    const key = (who: string): string => {
      const k = gw.keys[who];
      if (!k) throw new Error(`no API key for ${who}`);
      return k;
    };

    for (const claim of CLAIMS) {
      it(`refuses a distributor's key the manufacturer's commissioning (${claim.name}), and nothing reaches the ledger`, async () => {
        const serial = `G${claim.name.length}${run}`.slice(0, 20);
        const body = { gtin: lot.gtin, lot: `LG${run}`.slice(0, 20), expiry: futureExpiry(), serials: [serial], ...claim.body };
        const res = await call(gw, "POST", `/v1/lots${claim.query}`, key("DistributorMSP/operator"), body, claim.headers);
        expect(res.status, JSON.stringify(res.body)).to.equal(403);
        await expectNoPack(serial);
      });

      if (Object.keys(claim.body).length > 0) continue;
      it(`knows a distributor's key as the distributor (${claim.name})`, async () => {
        const res = await call(gw, "GET", `/v1/whoami${claim.query}`, key("DistributorMSP/operator"), undefined, claim.headers);
        expect(res.status).to.equal(200);
        expect(res.body).to.include({ mspId: "DistributorMSP", user: "operator" });
      });
    }

    it("signs a write the distributor may make as the distributor, whatever identity the call claims", async () => {
      const claim = CLAIMS[1]!;
      const res = await call(gw, "POST", `/v1/packs/${held.gtin}/${held.serial}/marks?mspId=ManufacturerMSP`, key("DistributorMSP/operator"), { mark: "QUARANTINED", reason: "crushed carton" }, claim.headers);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const txId = String(res.body.transactionId);
      expect(await creatorMspOn(regulator, CHANNEL, txId)).to.equal("DistributorMSP");
      expect(await packRecord(regulator, CHANNEL, held)).to.deep.include({ marks: ["QUARANTINED"], updatedTxId: txId, updatedBy: "DistributorMSP" });
    });
  });

  describe("below the gateway", () => {
    it("refuses, at the manufacturer's peer, a proposal signed with the distributor's key whose creator claims ManufacturerMSP", async () => {
      const org = orgByMsp(sessions.description, "ManufacturerMSP");
      const client = grpcClientFor(org, sessions.description.mutualTls);
      const impostor = connect({
        client,
        identity: { mspId: "ManufacturerMSP", credentials: readFileSync(distributorOperator.certPath) },
        ...fabricSigning(createPrivateKey(readFileSync(distributorOperator.keyPath))),
      });
      const serial = `GP${run}`.slice(0, 20);
      try {
        const commission = JSON.stringify({ gtin: lot.gtin, lot: `LP${run}`.slice(0, 20), expiry: futureExpiry(), serials: [serial] });
        const error = await failureOf(() => impostor.getNetwork(CHANNEL).getContract(sessions.description.chaincode).submitTransaction("packs:CommissionLot", commission));
        expect(String(withDetails(error))).to.include("access denied").and.include("creator");
      } finally {
        impostor.close();
        client.close();
      }
      await expectNoPack(serial);
    });

    const creators = [
      { claim: "the distributor's own certificate labelled ManufacturerMSP", certificate: (): Uint8Array => readFileSync(distributorOperator.certPath) },
      { claim: "the manufacturer operator's certificate", certificate: (): Uint8Array => readFileSync(userOf(orgByMsp(sessions.description, "ManufacturerMSP"), "operator").certPath) },
    ];
    for (const creator of creators) {
      it(`refuses, at the ordering service, an endorsed transaction re-signed by the distributor under ${creator.claim}`, async () => {
        const before = await packRecord(regulator, CHANNEL, held);
        const suspect = JSON.stringify({ ...held, mark: "SUSPECT", reason: "seal broken" });
        const endorsed = await endorsedTransaction(distributor.contract(CHANNEL), "packs:SetMark", [suspect]);
        endorsed.claimCreator({ mspId: "ManufacturerMSP", certificate: creator.certificate() });
        const bytes = await endorsed.signEnvelopeAs(signingIdentity(distributorOperator, "DistributorMSP"));
        const outcome = await submitPrepared(distributor.gateway, bytes).then(
          (status) => `committed ${statusName(status)}`,
          (error: unknown) => `refused: ${String(withDetails(error))}`,
        );
        // Every orderer checks the envelope's creator and signature against the channel's Writers policy.
        expect(outcome).to.match(/^refused: /).and.include("FORBIDDEN").and.include("'Writers'");
        expect(await packRecord(regulator, CHANNEL, held)).to.deep.equal(before);
      });
    }
  });
});
