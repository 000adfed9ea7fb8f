/**
 * Aggregation on the real network, through REST: the manufacturer packs two
 * cases into a pallet (bad input refused with the field named, nothing
 * changed), ships the pallet by its SSCC, the distributor counts one case
 * only (an exception naming each missing pack and the missing case), then
 * the whole pallet (received: every case and pack is the distributor's),
 * verifies a case code and unpacks; a case packed on dist-pharm goes to the
 * pharmacy by its SSCC and a pack dispensed from it leaves it; a packed case
 * handed off arrives packed on dist-pharm. Writes of a
 * container endorsed by its holder's peer alone, or by peers that are not
 * its holder's, are invalidated at commit.
 * Depth and size limits, decommissioning from a case and the refusals of
 * shipping a case on a pallet or a pack in a case: test/chaincode/aggregation.test.ts.
 */
import { expect } from "chai";
import { CommitError } from "@hyperledger/fabric-gateway";
import { ssccOf } from "@rxtrace/domain";
import { FabricSessions, eventually, failureOf, runId, submitJson, withDetails, type OrgSession } from "../../../support/fabric-client.js";
import { blockTracker, call, keyOf, startGateway, type Gateway } from "../../../support/gateway-harness.js";
import { commissionLot, handOffAndImport, packOf, type Lot, type PackRef } from "./scenario.js";

/** peer.TxValidationCode.ENDORSEMENT_POLICY_FAILURE */
const ENDORSEMENT_POLICY_FAILURE = 10;

/** SSCCs fresh for this run: extension 0, company prefix 9521234, a serial reference from the clock. */
const base = Date.now() % 100_000_000;
const ssccFor = (k: number): string => ssccOf(`09521234${String(base * 10 + k).padStart(9, "0").slice(-9)}`);

interface ContainerAnswer {
  sscc: string;
  owner: string;
  status: string;
  packs: { gtin: string; serial: string; status?: string; active?: boolean }[];
  containers: (string | ContainerAnswer)[];
  packCount?: number;
  activeCount?: number;
}

describe("aggregation (SSCC) on the real network", function () {
  this.timeout(300_000);
  let sessions: FabricSessions;
  let manufacturer: OrgSession, distributor: OrgSession, pharmacy: OrgSession;
  let gw: Gateway;
  let mfr: string, dist: string, pharm: string, auditor: string;
  let lot: Lot;
  let inA: PackRef[], inB: PackRef[];
  const run = runId();
  const [PALLET, CASE_A, CASE_B, CASE_C] = [ssccFor(1), ssccFor(2), ssccFor(3), ssccFor(4)] as [string, string, string, string];
  /** The block a write committed in, so the next call reads at least that far. */
  const { at, remember } = blockTracker();

  before(async () => {
    sessions = new FabricSessions();
    manufacturer = sessions.as("ManufacturerMSP", "operator");
    distributor = sessions.as("DistributorMSP", "operator");
    pharmacy = sessions.as("PharmacyMSP", "pharmacist");
    lot = await commissionLot(manufacturer, `AG${run}`, 6);
    inA = lot.packs.slice(0, 3);
    inB = lot.packs.slice(3, 6);
    gw = await startGateway();
    mfr = keyOf(gw, "ManufacturerMSP/operator");
    dist = keyOf(gw, "DistributorMSP/operator");
    pharm = keyOf(gw, "PharmacyMSP/pharmacist");
    auditor = keyOf(gw, "RegulatorMSP/auditor");
  });
  after(async () => {
    await gw?.close();
    sessions?.close();
  });

  it("refuses a bad check digit naming sscc, and packing packs the caller does not hold; nothing changes", async () => {
    const bad = `${CASE_A.slice(0, 17)}${(Number(CASE_A[17]) + 1) % 10}`;
    const badDigit = await call(gw, "POST", `/v1/containers/${bad}/pack`, mfr, { packs: inA });
    expect([badDigit.status, badDigit.body.code, badDigit.body.field]).to.deep.equal([400, "INVALID_ARGUMENT", "sscc"]);
    const notHeld = await call(gw, "POST", `/v1/containers/${CASE_A}/pack`, dist, { packs: inA, channel: "mfr-dist" });
    expect([notHeld.status, notHeld.body.code]).to.deep.equal([403, "FORBIDDEN"]);
    expect((await call(gw, "GET", `/v1/containers/${CASE_A}`, auditor)).status).to.equal(404);
    expect(await packOf(manufacturer, "mfr-dist", inA[0] as PackRef)).to.not.have.property("container");
  });

  it("packs two cases and puts them on a pallet; a pack already in a case is refused", async () => {
    for (const [sscc, packs] of [[CASE_A, inA], [CASE_B, inB]] as const) {
      const res = await call(gw, "POST", `/v1/containers/${sscc}/pack`, mfr, { packs }, at());
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      remember(res.headers);
    }
    const twice = await call(gw, "POST", `/v1/containers/${CASE_C}/pack`, mfr, { packs: [inA[0]] }, at());
    expect([twice.status, twice.body.code, twice.body.field]).to.deep.equal([409, "CONFLICT", "packs[0]"]);
    const pallet = await call(gw, "POST", `/v1/containers/${PALLET}/pack`, mfr, { containers: [CASE_A, CASE_B] }, at());
    expect(pallet.status, JSON.stringify(pallet.body)).to.equal(200);
    remember(pallet.headers);
    const view = await call(gw, "GET", `/v1/containers/${PALLET}`, mfr, undefined, at());
    expect(view.body.result).to.include({ owner: "ManufacturerMSP", status: "HELD", level: 2, packCount: 6, activeCount: 6 });
  });

  it("invalidates an unpack endorsed by the holder's peer alone: no org rewrites a container by itself", async () => {
    await eventually(async () => expect(await packOf(manufacturer, "mfr-dist", inA[0] as PackRef)).to.include({ container: CASE_A }));
    const body = JSON.stringify({ sscc: PALLET });
    const error = await failureOf(() => submitJson(manufacturer.contract("mfr-dist"), "aggregation:Unpack", { arguments: [body], endorsingOrganizations: ["ManufacturerMSP"] }));
    expect(error, String(withDetails(error))).to.be.instanceOf(CommitError);
    expect((error as CommitError).code).to.equal(ENDORSEMENT_POLICY_FAILURE);
    const view = await call(gw, "GET", `/v1/containers/${PALLET}`, mfr, undefined, at());
    expect(view.body.result.packCount).to.equal(6);
  });

  it("ships the pallet by its SSCC: every case and pack goes in transit", async () => {
    const res = await call(gw, "POST", "/v1/shipments", mfr, { shipmentId: `AG-${run}`, consignee: "DistributorMSP", containers: [PALLET] }, at());
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.result.containers).to.deep.equal([PALLET]);
    expect(res.body.result.packs).to.have.length(6);
    remember(res.headers);
    const pack = await call(gw, "GET", `/v1/packs/${inB[2]?.gtin}/${inB[2]?.serial}?channel=mfr-dist`, dist, undefined, at());
    expect(pack.body.result).to.include({ status: "IN_TRANSIT", consignee: "DistributorMSP", container: CASE_B });
  });

  it("invalidates a receipt endorsed by peers that are not the holder's (the distributor's and the regulator's), moving nothing", async () => {
    await eventually(async () => expect(await packOf(distributor, "mfr-dist", inA[0] as PackRef)).to.include({ status: "IN_TRANSIT" }));
    const body = JSON.stringify({ shipmentId: `AG-${run}`, containers: [PALLET] });
    const error = await failureOf(() => submitJson(distributor.contract("mfr-dist"), "shipments:Receive", { arguments: [body], endorsingOrganizations: ["DistributorMSP", "RegulatorMSP"] }));
    expect(error, String(withDetails(error))).to.be.instanceOf(CommitError);
    expect((error as CommitError).code).to.equal(ENDORSEMENT_POLICY_FAILURE);
    expect((await call(gw, "GET", `/v1/containers/${PALLET}`, dist, undefined, at())).body.result).to.include({ owner: "ManufacturerMSP", status: "IN_TRANSIT" });
  });

  it("records a receipt of one case as an exception naming each missing pack and the missing case, and moves nothing", async () => {
    const res = await call(gw, "POST", `/v1/shipments/AG-${run}/receive`, dist, { containers: [CASE_A], channel: "mfr-dist" }, at());
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    remember(res.headers);
    expect(res.body.result.status).to.equal("EXCEPTION");
    expect(res.body.result.exception.missing).to.have.deep.members(inB);
    expect(res.body.result.exception.missingContainers).to.deep.equal([CASE_B]);
    const pack = await call(gw, "GET", `/v1/packs/${inA[0]?.gtin}/${inA[0]?.serial}?channel=mfr-dist`, dist, undefined, at());
    expect(pack.body.result).to.include({ status: "IN_TRANSIT", owner: "ManufacturerMSP" });
  });

  it("receives the pallet counted by its SSCC: the pallet, its cases and packs are the distributor's", async () => {
    const res = await call(gw, "POST", `/v1/shipments/AG-${run}/receive`, dist, { containers: [PALLET], channel: "mfr-dist" }, at());
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.result.status).to.equal("RECEIVED");
    remember(res.headers);
    const view = await call(gw, "GET", `/v1/containers/${PALLET}`, dist, undefined, at());
    expect(view.body.result).to.include({ owner: "DistributorMSP", status: "HELD", packCount: 6 });
    expect((view.body.result.containers as ContainerAnswer[]).map((c) => [c.sscc, c.owner, c.status])).to.deep.equal([
      [CASE_A, "DistributorMSP", "HELD"],
      [CASE_B, "DistributorMSP", "HELD"],
    ]);
  });

  it("verifies a case code: what it holds and that each pack is active", async () => {
    const res = await call(gw, "GET", `/v1/containers/${CASE_B}`, auditor, undefined, at());
    expect(res.status).to.equal(200);
    expect(res.body.result).to.include({ parent: PALLET, packCount: 3, activeCount: 3 });
    expect((res.body.result.packs as ContainerAnswer["packs"]).map((p) => [p.serial, p.status, p.active])).to.deep.equal(inB.map((p) => [p.serial, "RECEIVED", true]));
  });

  it("unpacks the pallet fully and a case partly: what comes out is loose again", async () => {
    const pallet = await call(gw, "POST", `/v1/containers/${PALLET}/unpack`, dist, {}, at());
    expect(pallet.status, JSON.stringify(pallet.body)).to.equal(200);
    expect(pallet.body.result.containers).to.deep.equal([]);
    remember(pallet.headers);
    const partly = await call(gw, "POST", `/v1/containers/${CASE_B}/unpack`, dist, { packs: [inB[0]] }, at());
    expect(partly.status, JSON.stringify(partly.body)).to.equal(200);
    expect(partly.body.result.packs).to.deep.equal(inB.slice(1));
    remember(partly.headers);
    const loose = await call(gw, "GET", `/v1/packs/${inB[0]?.gtin}/${inB[0]?.serial}?channel=mfr-dist`, dist, undefined, at());
    expect(loose.body.result).to.not.have.property("container");
    const stranger = await call(gw, "POST", `/v1/containers/${CASE_B}/unpack`, dist, { packs: [inA[0]] }, at());
    expect([stranger.status, stranger.body.field]).to.deep.equal([400, "packs[0]"]);
  });

  it("ships a case to the pharmacy by its SSCC on dist-pharm; dispensing a pack from the opened case takes it out", async () => {
    const all = await call(gw, "POST", `/v1/containers/${CASE_A}/unpack`, dist, {}, at());
    expect(all.status, JSON.stringify(all.body)).to.equal(200);
    await eventually(async () => expect(await packOf(distributor, "mfr-dist", inA[0] as PackRef)).to.not.have.property("container"));
    await handOffAndImport(distributor, inA);
    const packed = await call(gw, "POST", `/v1/containers/${CASE_C}/pack`, dist, { packs: inA, channel: "dist-pharm" });
    expect(packed.status, JSON.stringify(packed.body)).to.equal(200);
    remember(packed.headers);
    const shipped = await call(gw, "POST", "/v1/shipments", dist, { shipmentId: `AG-P-${run}`, consignee: "PharmacyMSP", containers: [CASE_C] }, at());
    expect(shipped.status, JSON.stringify(shipped.body)).to.equal(201);
    remember(shipped.headers);
    const received = await call(gw, "POST", `/v1/shipments/AG-P-${run}/receive`, pharm, { containers: [CASE_C] }, at());
    expect([received.status, received.body.result?.status]).to.deep.equal([200, "RECEIVED"]);
    remember(received.headers);
    const first = inA[0] as PackRef;
    const dispensed = await call(gw, "POST", `/v1/packs/${first.gtin}/${first.serial}/dispense`, pharm, { lot: lot.lot, expiry: lot.expiry }, at());
    expect(dispensed.status, JSON.stringify(dispensed.body)).to.equal(200);
    remember(dispensed.headers);
    const view = await call(gw, "GET", `/v1/containers/${CASE_C}`, pharm, undefined, at());
    expect(view.body.result).to.include({ owner: "PharmacyMSP", packCount: 2, activeCount: 2 });
    expect((view.body.result.packs as PackRef[]).map((p) => p.serial)).to.deep.equal(inA.slice(1).map((p) => p.serial));
    expect(await packOf(pharmacy, "dist-pharm", first)).to.include({ status: "DISPENSED" });
  });

  it("hands a packed case off to dist-pharm through /v1/handoffs: the case comes with its packs", async () => {
    const packed = inB.slice(1);
    const res = await call(gw, "POST", "/v1/handoffs", dist, { packs: packed }, at());
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    remember(res.headers);
    await eventually(async () => {
      const view = await call(gw, "GET", `/v1/containers/${CASE_B}?channel=dist-pharm`, dist, undefined, at());
      expect(view.status, JSON.stringify(view.body)).to.equal(200);
      expect(view.body.result).to.include({ owner: "DistributorMSP", status: "HELD", packCount: 2, activeCount: 2 });
    });
    const source = await call(gw, "GET", `/v1/containers/${CASE_B}?channel=mfr-dist`, dist, undefined, at());
    expect(source.body.result).to.include({ packCount: 0 });
  });
});
