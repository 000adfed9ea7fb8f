/**
 * The EU FMD pack statuses and their undo rules on the real network: a free
 * sample handed out by the manufacturer and reactivated by it, a pack checked
 * out by the distributor, an undo by another org refused, a free sample refused
 * to a wholesaler, and no undo of a stolen pack or of a pack of a recalled lot.
 * The 10-day window needs the transaction timestamp to move 10 days, which a
 * real network cannot do in a test: test/chaincode/lifecycle.test.ts covers it.
 */
import { expect } from "chai";
import { FabricSessions, chaincodeErrorCode, evaluateJson, eventually, failureOf, runId, submitJson, type OrgSession } from "../../../support/fabric-client.js";
import { commissionLot, packOf, shipAndReceive, type Lot, type PackRef } from "./scenario.js";

interface Verification { verified: boolean; reason?: string; status?: string; additionalInfo: string[] }

describe("EU pack statuses and their undo rules on the real network", function () {
  this.timeout(180_000);
  let sessions: FabricSessions;
  let manufacturer: OrgSession;
  let distributor: OrgSession;
  let lot: Lot;
  let freeSample: PackRef;
  let checkedOut: PackRef;
  let stolen: PackRef;
  let recalled: PackRef;

  const decommission = (who: OrgSession, ref: PackRef, reason: string): Promise<unknown> =>
    submitJson(who.contract("mfr-dist"), "packs:Decommission", { arguments: [JSON.stringify({ ...ref, reason })] });
  const undo = (who: OrgSession, ref: PackRef): Promise<unknown> =>
    submitJson(who.contract("mfr-dist"), "packs:UndoDecommission", { arguments: [ref.gtin, ref.serial] });
  const verify = async (who: OrgSession, ref: PackRef): Promise<Verification> =>
    (await evaluateJson(who.contract("mfr-dist"), "packs:Verify", ref.gtin, ref.serial, lot.lot, lot.expiry)) as Verification;

  before(async () => {
    sessions = new FabricSessions();
    manufacturer = sessions.as("ManufacturerMSP", "operator");
    distributor = sessions.as("DistributorMSP", "operator");
    lot = await commissionLot(manufacturer, `EU${runId()}`, 4);
    [freeSample, checkedOut, stolen, recalled] = lot.packs as [PackRef, PackRef, PackRef, PackRef];
  });
  after(() => sessions.close());

  it("hands out a free sample: the pack verifies as decommissioned FREE_SAMPLE", async () => {
    const answer = (await decommission(manufacturer, freeSample, "FREE_SAMPLE")) as { pack: { status: string } };
    expect(answer.pack.status).to.equal("FREE_SAMPLE");
    await eventually(async () => expect(await verify(distributor, freeSample)).to.include({ verified: false, reason: "ALREADY_DECOMMISSIONED", status: "FREE_SAMPLE" }));
  });

  it("refuses the undo of the free sample by another org and leaves it decommissioned", async () => {
    const error = await failureOf(() => undo(distributor, freeSample));
    expect(chaincodeErrorCode(error)).to.equal("FORBIDDEN");
    expect(await packOf(distributor, "mfr-dist", freeSample)).to.include({ status: "FREE_SAMPLE" });
  });

  it("reactivates the free sample by the manufacturer that decommissioned it", async () => {
    const pack = (await undo(manufacturer, freeSample)) as { status: string; decommission?: unknown };
    expect(pack.status).to.equal("COMMISSIONED");
    expect(pack.decommission).to.equal(undefined);
    await eventually(async () => expect(await verify(distributor, freeSample)).to.include({ verified: true, status: "COMMISSIONED" }));
  });

  it("refuses a free sample to the distributor, then lets it check its pack out and back in; the manufacturer may not undo it", async () => {
    await shipAndReceive(manufacturer, distributor, "mfr-dist", `EU-${checkedOut.serial}`, [checkedOut]);
    expect(chaincodeErrorCode(await failureOf(() => decommission(distributor, checkedOut, "FREE_SAMPLE")))).to.equal("FORBIDDEN");
    const answer = (await decommission(distributor, checkedOut, "CHECKED_OUT")) as { pack: { status: string } };
    expect(answer.pack.status).to.equal("CHECKED_OUT");
    await eventually(async () => expect(await packOf(manufacturer, "mfr-dist", checkedOut)).to.include({ status: "CHECKED_OUT" }));
    expect(chaincodeErrorCode(await failureOf(() => undo(manufacturer, checkedOut)))).to.equal("FORBIDDEN");
    expect(await undo(distributor, checkedOut)).to.include({ status: "RECEIVED", owner: "DistributorMSP" });
  });

  it("never undoes a stolen pack, even for the org that reported it", async () => {
    await decommission(manufacturer, stolen, "STOLEN");
    expect(chaincodeErrorCode(await failureOf(() => undo(manufacturer, stolen)))).to.equal("CONFLICT");
    expect(await packOf(manufacturer, "mfr-dist", stolen)).to.include({ status: "STOLEN" });
  });

  it("refuses the undo of a free sample once its lot is recalled", async () => {
    await decommission(manufacturer, recalled, "FREE_SAMPLE");
    await manufacturer.contract("mfr-dist").submitTransaction("packs:RecallLot", lot.gtin, lot.lot, "sterility deviation");
    const error = await failureOf(() => undo(manufacturer, recalled));
    expect(chaincodeErrorCode(error)).to.equal("CONFLICT");
    expect(String((error as Error).message)).to.include("RECALLED");
    expect(await packOf(manufacturer, "mfr-dist", recalled)).to.include({ status: "FREE_SAMPLE" });
  });
});
