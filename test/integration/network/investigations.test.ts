/**
 * Suspect and illegitimate product investigations on the real network,
 * through each org's own gateway: the manufacturer uploads evidence to IPFS
 * (anchored to the lot) and opens an investigation on the lot, the
 * distributor that received packs of it is named in the event its webhook
 * receives, the regulator sees it among the active investigations with its
 * age, the determination ILLEGITIMATE makes verification fail and starts the
 * 24 h DSCSA clock, the notification of the regulator is recorded against
 * it, each holder quarantines or destroys its packs, and the investigation
 * is closed. A regulator's tracing request on the lot is answered by the
 * distributor. A determination endorsed by the manufacturer's peer alone,
 * and a tracing answer by the distributor's alone, are invalidated at commit.
 */
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { CommitError } from "@hyperledger/fabric-gateway";
import { FabricSessions, eventually, failureOf, runId, submitJson, withDetails, type OrgSession } from "../../../support/fabric-client.js";
import { blockTracker, call, keyOf, startOrgGateways, type OrgGateway } from "../../../support/gateway-harness.js";
import { commissionLot, packOf, shipAndReceive, type Lot, type PackRef } from "./scenario.js";

/** peer.TxValidationCode.ENDORSEMENT_POLICY_FAILURE */
const ENDORSEMENT_POLICY_FAILURE = 10;
const SECRET = "investigations-webhook-secret";

describe("investigations on the real network", function () {
  this.timeout(600_000);
  let sessions: FabricSessions;
  let manufacturerSession: OrgSession;
  let distributorSession: OrgSession;
  let gws: Record<string, OrgGateway> = {};
  let mfr: string, dist: string, auditor: string;
  let lot: Lot;
  let atDistributor: PackRef[];
  let atManufacturer: PackRef;
  let webhook: Server;
  const deliveries: { eventName: string; payload: Record<string, unknown> }[] = [];
  const run = runId();
  const id = `INV-${run}`;
  const traceId = `TR-${run}`;
  /** The block a write committed in, so the next call reads at least that far. */
  const { at, remember } = blockTracker();
  const gw = (org: string): OrgGateway => gws[org] as OrgGateway;

  before(async () => {
    webhook = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        try {
          deliveries.push(JSON.parse(body) as { eventName: string; payload: Record<string, unknown> });
        } catch {
          // not an event
        }
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/`;

    sessions = new FabricSessions();
    manufacturerSession = sessions.as("ManufacturerMSP", "operator");
    distributorSession = sessions.as("DistributorMSP", "operator");
    lot = await commissionLot(manufacturerSession, `IV${run}`, 3);
    atDistributor = lot.packs.slice(0, 2);
    atManufacturer = lot.packs[2] as PackRef;
    await shipAndReceive(manufacturerSession, distributorSession, "mfr-dist", `IV-S-${run}`, atDistributor);
    await eventually(async () => expect(await packOf(distributorSession, "mfr-dist", atDistributor[1] as PackRef)).to.include({ status: "RECEIVED" }));
    // The distributor's gateway relays every event to its webhook subscriber.
    gws = await startOrgGateways(["manufacturer", "distributor", "regulator"], {
      configOf: (org) => (org === "distributor" ? { events: { webhooks: [{ url, secret: SECRET }], development: true } } : {}),
    });
    mfr = keyOf(gw("manufacturer"), "ManufacturerMSP/operator");
    dist = keyOf(gw("distributor"), "DistributorMSP/operator");
    auditor = keyOf(gw("regulator"), "RegulatorMSP/auditor");
  });
  after(async () => {
    await Promise.all(Object.values(gws).map((g) => g.close()));
    if (webhook) await new Promise<void>((resolve) => webhook.close(() => resolve()));
    sessions?.close();
  });

  it("refuses bad input naming the field, and an opener that never held the packs; nothing changes", async () => {
    const noReason = await call(gw("manufacturer"), "POST", "/v1/investigations", mfr, { investigationId: id, scope: { type: "lot", gtin: lot.gtin, lot: lot.lot } });
    expect([noReason.status, noReason.body.field]).to.deep.equal([400, "reason"]);
    const badDigit = await call(gw("manufacturer"), "POST", "/v1/investigations", mfr, { investigationId: id, scope: { type: "packs", packs: [{ gtin: "09521234543214", serial: "X1" }] }, reason: "r" });
    expect([badDigit.status, badDigit.body.code, badDigit.body.field]).to.deep.equal([400, "INVALID_ARGUMENT", "scope.packs[0].gtin"]);
    const unknownLot = await call(gw("manufacturer"), "POST", "/v1/investigations", mfr, { investigationId: id, scope: { type: "lot", gtin: lot.gtin, lot: "NOSUCHLOT" }, reason: "r" });
    expect([unknownLot.status, unknownLot.body.field]).to.deep.equal([404, "scope.lot"]);
    // The distributor never held the pack the manufacturer kept: it may not open on it.
    const stranger = await call(gw("distributor"), "POST", "/v1/investigations", dist, { investigationId: id, scope: { type: "packs", packs: [atManufacturer] }, reason: "r", channel: "mfr-dist" });
    expect([stranger.status, stranger.body.code]).to.deep.equal([403, "FORBIDDEN"]);
    expect((await call(gw("regulator"), "GET", `/v1/investigations/${id}?channel=mfr-dist`, auditor)).status).to.equal(404);
    expect((await packOf(manufacturerSession, "mfr-dist", atManufacturer)).marks).to.deep.equal([]);
  });

  it("opens an investigation on the lot with evidence on IPFS; the packs become suspect and the distributor's webhook is told, naming it", async () => {
    const evidence = `photo report of counterfeit cartons, lot ${lot.lot}, ${run}`;
    const upload = await fetch(`${gw("manufacturer").url}/v1/documents?channel=mfr-dist&kind=OTHER&subjectType=lot&gtin=${lot.gtin}&lot=${lot.lot}`, {
      method: "POST",
      headers: { "x-api-key": mfr, "content-type": "text/plain" },
      body: evidence,
    });
    expect(upload.status, await upload.clone().text()).to.equal(201);
    const document = (await upload.json()) as { cid: string; sha256: string };
    expect(document.sha256).to.equal(createHash("sha256").update(evidence).digest("hex"));

    const res = await call(gw("manufacturer"), "POST", "/v1/investigations", mfr, {
      investigationId: id,
      scope: { type: "lot", gtin: lot.gtin, lot: lot.lot },
      reason: "cartons reported counterfeit by a pharmacy",
      evidence: [{ cid: document.cid, sha256: document.sha256 }],
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    remember(res.headers);
    expect(res.body.result).to.deep.include({ status: "OPEN", partners: ["DistributorMSP", "ManufacturerMSP"], evidence: [{ cid: document.cid, sha256: document.sha256 }] });
    expect(res.body.result.packs).to.have.length(3);
    const again = await call(gw("manufacturer"), "POST", "/v1/investigations", mfr, { investigationId: id, scope: { type: "lot", gtin: lot.gtin, lot: lot.lot }, reason: "r" });
    expect([again.status, again.body.code]).to.deep.equal([409, "ALREADY_EXISTS"]);

    await eventually(async () => {
      const opened = deliveries.find((d) => d.eventName === "InvestigationOpened" && d.payload.investigationId === id);
      expect(opened, "webhook delivery of InvestigationOpened").to.not.equal(undefined);
      expect(opened?.payload.partners).to.include("DistributorMSP");
    }, 120_000);
    await eventually(async () => expect((await packOf(distributorSession, "mfr-dist", atDistributor[0] as PackRef)).marks).to.deep.equal(["SUSPECT"]), 30_000);
  });

  it("shows the regulator the open investigation with its age", async () => {
    await eventually(async () => {
      const res = await call(gw("regulator"), "GET", "/v1/investigations?channel=mfr-dist&status=OPEN&pageSize=100", auditor);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const mine = (res.body.result.investigations as { investigationId: string; clock: { ageSeconds: number; overdue: boolean } }[]).find((i) => i.investigationId === id);
      expect(mine, "the investigation in the regulator's list").to.not.equal(undefined);
      expect(mine?.clock.ageSeconds).to.be.at.least(0);
      expect(mine?.clock.overdue).to.equal(false);
    }, 60_000);
  });

  it("invalidates a determination endorsed only by the manufacturer's peer (what modified chaincode there could sign)", async () => {
    const body = JSON.stringify({ investigationId: id, outcome: "CLEARED", reason: "nothing to see" });
    const error = await failureOf(() => submitJson(manufacturerSession.contract("mfr-dist"), "investigations:DetermineInvestigation", { arguments: [body], endorsingOrganizations: ["ManufacturerMSP"] }));
    expect(error, String(withDetails(error))).to.be.instanceOf(CommitError);
    expect((error as CommitError).code).to.equal(ENDORSEMENT_POLICY_FAILURE);
    expect((await packOf(manufacturerSession, "mfr-dist", atManufacturer)).marks).to.deep.equal(["SUSPECT"]);
  });

  it("determines ILLEGITIMATE: verification fails, and the 24 h notification deadline is shown", async () => {
    const bad = await call(gw("manufacturer"), "POST", `/v1/investigations/${id}/determination`, mfr, { outcome: "FAKE", reason: "r" }, at());
    expect([bad.status, bad.body.field]).to.deep.equal([400, "outcome"]);
    const byDistributor = await call(gw("distributor"), "POST", `/v1/investigations/${id}/determination`, dist, { outcome: "CLEARED", reason: "r" }, at());
    expect(byDistributor.status).to.be.oneOf([403, 404]);
    const res = await call(gw("manufacturer"), "POST", `/v1/investigations/${id}/determination`, mfr, { outcome: "ILLEGITIMATE", reason: "counterfeit confirmed against retained samples" }, at());
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    remember(res.headers);
    const determination = res.body.result.determination as { at: string; notifyBy: string };
    expect(Date.parse(determination.notifyBy) - Date.parse(determination.at)).to.equal(24 * 3600 * 1000);
    expect(res.body.result.clock).to.include({ notifyBy: determination.notifyBy, overdue: false });
    const verify = await call(gw("manufacturer"), "GET", `/v1/verify?gtin=${lot.gtin}&serial=${atManufacturer.serial}&lot=${lot.lot}&expiry=${lot.expiry}&channel=mfr-dist&consistency=ledger`, mfr, undefined, at());
    expect(verify.status, JSON.stringify(verify.body)).to.equal(200);
    expect(verify.body.verified).to.equal(false);
    expect(verify.body.additionalInfo).to.include("ILLEGITIMATE");
    await eventually(async () => {
      const shown = await call(gw("regulator"), "GET", "/v1/investigations?channel=mfr-dist&status=ACTIVE&pageSize=100", auditor);
      const mine = (shown.body.result.investigations as { investigationId: string; clock: { notifyBy?: string } }[]).find((i) => i.investigationId === id);
      expect(mine?.clock.notifyBy).to.equal(determination.notifyBy);
    }, 60_000);
  });

  it("records the regulator's notification within the deadline, quarantines the distributor's packs, destroys the manufacturer's, and closes", async () => {
    const early = await call(gw("manufacturer"), "POST", `/v1/investigations/${id}/close`, mfr, { reason: "done" }, at());
    expect([early.status, early.body.code]).to.deep.equal([409, "CONFLICT"]);
    const notified = await call(gw("manufacturer"), "POST", `/v1/investigations/${id}/regulator-notification`, mfr, { reference: `FDA-3911-${run}` }, at());
    expect(notified.status, JSON.stringify(notified.body)).to.equal(200);
    remember(notified.headers);
    expect(notified.body.result.regulatorNotified).to.include({ by: "ManufacturerMSP", withinDeadline: true });

    const quarantined = await eventually(async () => {
      const res = await call(gw("distributor"), "POST", `/v1/investigations/${id}/disposal`, dist, { action: "QUARANTINE" }, at());
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      return res;
    }, 60_000);
    remember(quarantined.headers);
    const destroyed = await eventually(async () => {
      const res = await call(gw("manufacturer"), "POST", `/v1/investigations/${id}/disposal`, mfr, { action: "DESTROY" }, at());
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      return res;
    }, 60_000);
    remember(destroyed.headers);
    expect((destroyed.body.result.disposals as { action: string; by: string }[]).map((d) => [d.action, d.by])).to.deep.equal([
      ["QUARANTINE", "DistributorMSP"],
      ["DESTROY", "ManufacturerMSP"],
    ]);
    expect(await packOf(manufacturerSession, "mfr-dist", atManufacturer)).to.include({ status: "DESTROYED" });
    await eventually(async () => expect((await packOf(distributorSession, "mfr-dist", atDistributor[0] as PackRef)).marks).to.deep.equal(["ILLEGITIMATE", "QUARANTINED"]), 30_000);

    const closed = await call(gw("manufacturer"), "POST", `/v1/investigations/${id}/close`, mfr, { reason: "packs quarantined and destroyed; FDA notified" }, at());
    expect(closed.status, JSON.stringify(closed.body)).to.equal(200);
    expect(closed.body.result.status).to.equal("CLOSED");
    await eventually(async () => {
      const active = await call(gw("regulator"), "GET", "/v1/investigations?channel=mfr-dist&status=ACTIVE&pageSize=100", auditor);
      expect((active.body.result.investigations as { investigationId: string }[]).map((i) => i.investigationId)).to.not.include(id);
    }, 60_000);
  });

  it("a tracing request by the regulator on the lot is answered by the distributor, timed against its 24 h clock", async () => {
    const denied = await call(gw("distributor"), "POST", "/v1/tracing-requests", dist, { requestId: traceId, scope: { type: "lot", gtin: lot.gtin, lot: lot.lot }, reason: "r" });
    expect(denied.status).to.equal(403);
    const asked = await call(gw("regulator"), "POST", "/v1/tracing-requests", auditor, { requestId: traceId, scope: { type: "lot", gtin: lot.gtin, lot: lot.lot }, reason: "trace the counterfeit lot", investigationId: id, channel: "mfr-dist" });
    expect(asked.status, JSON.stringify(asked.body)).to.equal(201);
    expect(asked.body.result.asked).to.deep.equal(["DistributorMSP", "ManufacturerMSP"]);
    expect(asked.body.result.clock.pending).to.deep.equal(["DistributorMSP", "ManufacturerMSP"]);

    // The answer's key needs the regulator's peer as well as the holder's.
    const rogue = await eventually(async () =>
      failureOf(() =>
        submitJson(distributorSession.contract("mfr-dist"), "investigations:AnswerTracingRequest", {
          arguments: [JSON.stringify({ requestId: traceId, statement: "forged" })],
          endorsingOrganizations: ["DistributorMSP"],
        }),
      ).then((error) => {
        expect(error, String(withDetails(error))).to.be.instanceOf(CommitError);
        return error as CommitError;
      }),
    30_000);
    expect(rogue.code).to.equal(ENDORSEMENT_POLICY_FAILURE);

    const answer = await eventually(async () => {
      const res = await call(gw("distributor"), "POST", `/v1/tracing-requests/${traceId}/answers`, dist, { statement: `received 2 packs on IV-S-${run} from ManufacturerMSP; quarantined` });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      return res;
    }, 60_000);
    expect(answer.body.result).to.include({ holder: "DistributorMSP", withinDeadline: true });
    await eventually(async () => {
      const view = await call(gw("regulator"), "GET", `/v1/tracing-requests/${traceId}?channel=mfr-dist`, auditor);
      expect(view.body.result.answers.map((a: { holder: string }) => a.holder)).to.deep.equal(["DistributorMSP"]);
      expect(view.body.result.clock).to.deep.include({ pending: ["ManufacturerMSP"], overdue: false });
    }, 60_000);
  });
});
