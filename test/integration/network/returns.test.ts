/**
 * Saleable returns on the real network, through REST: a pharmacy returns packs
 * its distributor sold it, the distributor verifies each as scanned (one with
 * a wrong lot is quarantined, the others sold again; in a second return one
 * with a wrong expiry is destroyed), an ordinary pharmacy-to-distributor shipment and bad input are
 * refused with the field named and nothing changed, and the regulator reads
 * the return and exports the pack's EPCIS events from its own gateway. A
 * return endorsed by the pharmacy's peer alone, or a verification by the
 * distributor's alone, is invalidated at commit.
 * The suspect, recalled, expired and not-sold-here cases need a regulator
 * mark, a synced recall, a clock moved by years or a second distributor:
 * test/chaincode/returns.test.ts covers them.
 */
import { expect } from "chai";
import { CommitError } from "@hyperledger/fabric-gateway";
import { FabricSessions, eventually, failureOf, runId, submitJson, withDetails, type OrgSession } from "../../../support/fabric-client.js";
import { blockTracker, call, keyOf, startGateway, startOrgGateways, type Gateway, type OrgGateway } from "../../../support/gateway-harness.js";
import { commissionLot, handOffAndImport, packOf, shipAndReceive, type Lot, type PackRef } from "./scenario.js";

/** peer.TxValidationCode.ENDORSEMENT_POLICY_FAILURE */
const ENDORSEMENT_POLICY_FAILURE = 10;

describe("saleable returns on the real network", function () {
  this.timeout(300_000);
  let sessions: FabricSessions;
  let pharmacySession: OrgSession;
  let distributorSession: OrgSession;
  let gw: Gateway;
  let regulatorGw: OrgGateway | undefined;
  let pharm: string, dist: string, auditor: string;
  let lot: Lot;
  let resold: PackRef, wrongLot: PackRef, alsoResold: PackRef, damaged: PackRef;
  const run = runId();
  const scan = (ref: PackRef, overrides: { lot?: string; expiry?: string } = {}) => ({ ...ref, lot: overrides.lot ?? lot.lot, expiry: overrides.expiry ?? lot.expiry });
  /** The block a write committed in, so the next call reads at least that far. */
  const { at, remember } = blockTracker();

  before(async () => {
    sessions = new FabricSessions();
    const manufacturer = sessions.as("ManufacturerMSP", "operator");
    const distributor = sessions.as("DistributorMSP", "operator");
    distributorSession = distributor;
    pharmacySession = sessions.as("PharmacyMSP", "pharmacist");
    lot = await commissionLot(manufacturer, `RT${run}`, 4);
    [resold, wrongLot, alsoResold, damaged] = lot.packs as [PackRef, PackRef, PackRef, PackRef];
    await shipAndReceive(manufacturer, distributor, "mfr-dist", `RT-M-${run}`, lot.packs);
    await eventually(async () => expect(await packOf(distributor, "mfr-dist", resold)).to.include({ status: "RECEIVED" }));
    await handOffAndImport(distributor, lot.packs);
    await shipAndReceive(distributor, pharmacySession, "dist-pharm", `RT-D-${run}`, lot.packs);
    await eventually(async () => expect(await packOf(pharmacySession, "dist-pharm", damaged)).to.include({ status: "RECEIVED", owner: "PharmacyMSP" }));
    gw = await startGateway();
    pharm = keyOf(gw, "PharmacyMSP/pharmacist");
    dist = keyOf(gw, "DistributorMSP/operator");
    auditor = keyOf(gw, "RegulatorMSP/auditor");
  });
  after(async () => {
    await regulatorGw?.close();
    await gw?.close();
    sessions?.close();
  });

  it("refuses an ordinary shipment from the pharmacy to the distributor, naming the consignee, and moves nothing", async () => {
    const res = await call(gw, "POST", "/v1/shipments", pharm, { shipmentId: `RT-BACK-${run}`, consignee: "DistributorMSP", packs: [damaged] });
    expect([res.status, res.body.code, res.body.field]).to.deep.equal([400, "INVALID_ARGUMENT", "consignee"]);
    expect(await packOf(pharmacySession, "dist-pharm", damaged)).to.include({ status: "RECEIVED", owner: "PharmacyMSP" });
  });

  it("refuses a return with bad input, naming the field, and a return by the distributor; nothing changes", async () => {
    const shortGtin = await call(gw, "POST", "/v1/returns", pharm, { returnId: `RT-X-${run}`, distributor: "DistributorMSP", packs: [{ gtin: "123", serial: damaged.serial }], reason: "overstock" });
    expect([shortGtin.status, shortGtin.body.field]).to.deep.equal([400, "packs.0.gtin"]);
    const badCheckDigit = await call(gw, "POST", "/v1/returns", pharm, { returnId: `RT-X-${run}`, distributor: "DistributorMSP", packs: [{ gtin: "09521234543214", serial: damaged.serial }], reason: "overstock" });
    expect([badCheckDigit.status, badCheckDigit.body.code, badCheckDigit.body.field]).to.deep.equal([400, "INVALID_ARGUMENT", "packs[0].gtin"]);
    const noReason = await call(gw, "POST", "/v1/returns", pharm, { returnId: `RT-X-${run}`, distributor: "DistributorMSP", packs: [damaged] });
    expect([noReason.status, noReason.body.field]).to.deep.equal([400, "reason"]);
    const byDistributor = await call(gw, "POST", "/v1/returns", dist, { returnId: `RT-X-${run}`, distributor: "DistributorMSP", packs: [damaged], reason: "overstock" });
    expect(byDistributor.status).to.equal(403);
    expect((await call(gw, "GET", `/v1/returns/RT-X-${run}`, auditor)).status).to.equal(404);
    expect(await packOf(pharmacySession, "dist-pharm", damaged)).to.include({ status: "RECEIVED", owner: "PharmacyMSP" });
  });

  it("invalidates a return endorsed only by the pharmacy's peer (what modified chaincode there could sign), moving nothing", async () => {
    const body = JSON.stringify({ returnId: `RT-ROGUE-${run}`, distributor: "DistributorMSP", packs: [damaged], reason: "overstock" });
    const error = await failureOf(() => submitJson(pharmacySession.contract("dist-pharm"), "returns:ShipReturn", { arguments: [body], endorsingOrganizations: ["PharmacyMSP"] }));
    expect(error, String(withDetails(error))).to.be.instanceOf(CommitError);
    expect((error as CommitError).code).to.equal(ENDORSEMENT_POLICY_FAILURE);
    expect(await packOf(pharmacySession, "dist-pharm", damaged)).to.include({ status: "RECEIVED", owner: "PharmacyMSP" });
  });

  it("ships the return: the packs are in transit back to the distributor", async () => {
    const res = await call(gw, "POST", "/v1/returns", pharm, { returnId: `RT-${run}`, distributor: "DistributorMSP", packs: [resold, wrongLot, alsoResold], reason: "overstock" });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body).to.deep.include({ channel: "dist-pharm" });
    expect(res.body.result).to.include({ pharmacy: "PharmacyMSP", distributor: "DistributorMSP", status: "IN_TRANSIT" });
    remember(res.headers);
    const pack = await call(gw, "GET", `/v1/packs/${resold.gtin}/${resold.serial}?channel=dist-pharm`, dist, undefined, at());
    expect(pack.body.result).to.include({ status: "IN_TRANSIT", owner: "PharmacyMSP", consignee: "DistributorMSP", returnId: `RT-${run}`, receivedFrom: "DistributorMSP" });
    const again = await call(gw, "POST", "/v1/returns", pharm, { returnId: `RT-${run}`, distributor: "DistributorMSP", packs: [damaged], reason: "overstock" });
    expect([again.status, again.body.code]).to.deep.equal([409, "ALREADY_EXISTS"]);
  });

  it("refuses a verification by the pharmacy and one that leaves a returned pack out, and the return stays in transit", async () => {
    const byPharmacy = await call(gw, "POST", `/v1/returns/RT-${run}/verify`, pharm, { packs: [scan(resold), scan(wrongLot), scan(alsoResold)] }, at());
    expect(byPharmacy.status).to.equal(403);
    const partial = await call(gw, "POST", `/v1/returns/RT-${run}/verify`, dist, { packs: [scan(resold)] }, at());
    expect([partial.status, partial.body.code, partial.body.field]).to.deep.equal([400, "INVALID_ARGUMENT", "packs"]);
    const stranger = await call(gw, "POST", `/v1/returns/RT-${run}/verify`, dist, { packs: [scan(resold), scan(wrongLot), scan(damaged)] }, at());
    expect([stranger.status, stranger.body.field]).to.deep.equal([400, "packs[2]"]);
    expect((await call(gw, "GET", `/v1/returns/RT-${run}`, auditor, undefined, at())).body.result).to.include({ status: "IN_TRANSIT" });
  });

  it("invalidates a verification endorsed only by the distributor's peer: the packs in transit need the pharmacy's too", async () => {
    await eventually(async () => expect(await packOf(distributorSession, "dist-pharm", resold)).to.include({ status: "IN_TRANSIT" }));
    const body = JSON.stringify({ returnId: `RT-${run}`, packs: [scan(resold), scan(wrongLot), scan(alsoResold)] });
    const error = await failureOf(() => submitJson(distributorSession.contract("dist-pharm"), "returns:VerifyReturn", { arguments: [body], endorsingOrganizations: ["DistributorMSP"] }));
    expect(error, String(withDetails(error))).to.be.instanceOf(CommitError);
    expect((error as CommitError).code).to.equal(ENDORSEMENT_POLICY_FAILURE);
    expect(await packOf(distributorSession, "dist-pharm", resold)).to.include({ status: "IN_TRANSIT", owner: "PharmacyMSP" });
  });

  it("verifies each pack as scanned: the matching one is saleable again, a wrong lot is quarantined", async () => {
    const res = await call(gw, "POST", `/v1/returns/RT-${run}/verify`, dist, { packs: [scan(resold), scan(wrongLot, { lot: "NOTTHELOT" }), scan(alsoResold)] }, at());
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    remember(res.headers);
    const checks = res.body.result.checks as { serial: string; verified: boolean; reason?: string; outcome: string }[];
    expect(checks.map((c) => [c.serial, c.verified, c.reason ?? null, c.outcome])).to.deep.equal(
      [
        [resold.serial, true, null, "RESALEABLE"],
        [wrongLot.serial, false, "LOT_MISMATCH", "QUARANTINED"],
        [alsoResold.serial, true, null, "RESALEABLE"],
      ],
    );
    const back = await call(gw, "GET", `/v1/packs/${resold.gtin}/${resold.serial}?channel=dist-pharm`, dist, undefined, at());
    expect(back.body.result).to.include({ status: "RECEIVED", owner: "DistributorMSP", receivedFrom: "PharmacyMSP" });
    const quarantined = await call(gw, "GET", `/v1/packs/${wrongLot.gtin}/${wrongLot.serial}?channel=dist-pharm`, dist, undefined, at());
    expect(quarantined.body.result).to.deep.include({ owner: "DistributorMSP", marks: ["QUARANTINED"] });
    const repeat = await call(gw, "POST", `/v1/returns/RT-${run}/verify`, dist, { packs: [scan(resold), scan(wrongLot), scan(alsoResold)] }, at());
    expect([repeat.status, repeat.body.code]).to.deep.equal([409, "CONFLICT"]);
  });

  it("sells the verified pack again, and refuses the quarantined one", async () => {
    const resale = await call(gw, "POST", "/v1/shipments", dist, { shipmentId: `RT-RESALE-${run}`, consignee: "PharmacyMSP", packs: [resold] }, at());
    expect(resale.status, JSON.stringify(resale.body)).to.equal(201);
    const blocked = await call(gw, "POST", "/v1/shipments", dist, { shipmentId: `RT-BLOCKED-${run}`, consignee: "PharmacyMSP", packs: [wrongLot] }, at());
    expect([blocked.status, blocked.body.code]).to.deep.equal([409, "CONFLICT"]);
  });

  it("destroys a failing pack when the distributor asks, in a second return", async () => {
    const shipped = await call(gw, "POST", "/v1/returns", pharm, { returnId: `RT2-${run}`, distributor: "DistributorMSP", packs: [damaged], reason: "damaged outer carton" });
    expect(shipped.status, JSON.stringify(shipped.body)).to.equal(201);
    remember(shipped.headers);
    const res = await call(gw, "POST", `/v1/returns/RT2-${run}/verify`, dist, { packs: [scan(damaged, { expiry: "991231" })], onFailure: "DESTROY" }, at());
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    remember(res.headers);
    expect(res.body.result.checks[0]).to.include({ verified: false, reason: "EXPIRY_MISMATCH", outcome: "DESTROYED" });
    const pack = await call(gw, "GET", `/v1/packs/${damaged.gtin}/${damaged.serial}?channel=dist-pharm`, auditor, undefined, at());
    expect(pack.body.result).to.include({ status: "DESTROYED", owner: "DistributorMSP" });
  });

  it("shows the regulator the returns, page by page", async () => {
    const one = await call(gw, "GET", `/v1/returns/RT-${run}`, auditor, undefined, at());
    expect(one.body).to.deep.include({ channel: "dist-pharm" });
    expect(one.body.result).to.include({ status: "VERIFIED", returnId: `RT-${run}` });
    const seen: string[] = [];
    let bookmark = "";
    for (let page = 0; page < 50; page += 1) {
      const res = await call(gw, "GET", `/v1/returns?channel=dist-pharm&pageSize=1${bookmark ? `&bookmark=${encodeURIComponent(bookmark)}` : ""}`, auditor, undefined, at());
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      seen.push(...(res.body.result.returns as { returnId: string }[]).map((r) => r.returnId));
      bookmark = res.body.result.bookmark;
      if (bookmark === "") break;
    }
    expect(seen).to.include.members([`RT-${run}`, `RT2-${run}`]);
  });

  it("exports the returned pack's return and check as EPCIS events from the regulator's gateway", async () => {
    regulatorGw = (await startOrgGateways(["regulator"])).regulator;
    const key = keyOf(regulatorGw, "RegulatorMSP/auditor");
    await eventually(async () => {
      const res = await call(regulatorGw as OrgGateway, "GET", `/v1/audit/packs/${resold.gtin}/${resold.serial}/epcis`, key);
      expect(res.status).to.equal(200);
      const events = res.body.epcisBody.eventList as Record<string, unknown>[];
      const rma = [{ type: "rma", bizTransaction: `urn:rxtrace:return:RT-${run}` }];
      expect(events.find((e) => e["rxtrace:event"] === "ReturnShipped")).to.deep.include({ bizStep: "shipping", disposition: "returned", bizTransactionList: rma });
      expect(events.find((e) => e["rxtrace:event"] === "ReturnVerified")).to.deep.include({ bizStep: "receiving", disposition: "sellable_accessible", bizTransactionList: rma });
    }, 120_000);
  });
});
