/**
 * Endorsement policies on the real network (docs/security.md): a new key
 * needs a majority of the channel's peers, a pack key its owner's peer and one
 * other member's, so a write endorsed by one org's peer alone fails validation
 * at commit, even though that peer's chaincode accepted it.
 */
import { expect } from "chai";
import { CommitError } from "@hyperledger/fabric-gateway";
import { FabricSessions, eventually, failureOf, runId, submitJson, withDetails, type OrgSession } from "../../../support/fabric-client.js";
import { commissionLot, packOf, type Lot } from "./scenario.js";

/** peer.TxValidationCode.ENDORSEMENT_POLICY_FAILURE */
const ENDORSEMENT_POLICY_FAILURE = 10;

describe("state-based endorsement of a pack", function () {
  this.timeout(120_000);
  let sessions: FabricSessions;
  let manufacturer: OrgSession;
  let regulator: OrgSession;
  let lot: Lot;

  before(async () => {
    sessions = new FabricSessions();
    manufacturer = sessions.as("ManufacturerMSP", "operator");
    regulator = sessions.as("RegulatorMSP", "auditor");
    lot = await commissionLot(manufacturer, `SBE${runId()}`, 1);
    // The regulator's peer simulates the mark, so it must have the pack first.
    await eventually(() => packOf(regulator, "mfr-dist", lot.packs[0]!));
  });
  after(() => sessions.close());

  it("invalidates a regulator's mark on a manufacturer's pack endorsed only by the regulator's peer, leaving the pack unchanged", async () => {
    const pack = lot.packs[0]!;
    const mark = JSON.stringify({ ...pack, mark: "SUSPECT", reason: "report from the field" });
    const error = await failureOf(() =>
      submitJson(regulator.contract("mfr-dist"), "packs:SetMark", { arguments: [mark], endorsingOrganizations: ["RegulatorMSP"] }),
    );
    expect(error).to.be.instanceOf(CommitError);
    expect((error as CommitError).code).to.equal(ENDORSEMENT_POLICY_FAILURE);
    expect((await packOf(regulator, "mfr-dist", pack)).marks).to.not.include("SUSPECT");
  });

  it("invalidates a new lot endorsed only by its manufacturer's peer, creating nothing", async () => {
    const serial = `ONE${runId()}`.slice(0, 20);
    const body = JSON.stringify({ gtin: lot.gtin, lot: lot.lot, expiry: lot.expiry, serials: [serial] });
    const error = await failureOf(() =>
      submitJson(manufacturer.contract("mfr-dist"), "packs:CommissionLot", { arguments: [body], endorsingOrganizations: ["ManufacturerMSP"] }),
    );
    expect(error).to.be.instanceOf(CommitError);
    expect((error as CommitError).code).to.equal(ENDORSEMENT_POLICY_FAILURE);
    const missing = await failureOf(() => packOf(manufacturer, "mfr-dist", { gtin: lot.gtin, serial }));
    expect((withDetails(missing) as Error).message).to.include("NOT_FOUND");
  });

  it("invalidates a change to the manufacturer's own pack endorsed only by its own peer", async () => {
    const pack = lot.packs[0]!;
    const body = JSON.stringify({ ...pack, reason: "DESTROYED" });
    const error = await failureOf(() =>
      submitJson(manufacturer.contract("mfr-dist"), "packs:Decommission", { arguments: [body], endorsingOrganizations: ["ManufacturerMSP"] }),
    );
    expect(error).to.be.instanceOf(CommitError);
    expect((error as CommitError).code).to.equal(ENDORSEMENT_POLICY_FAILURE);
    expect((await packOf(manufacturer, "mfr-dist", pack)).status).to.equal("COMMISSIONED");
  });

  it("commits the same mark once the owner's peer endorses it too", async () => {
    const pack = lot.packs[0]!;
    const mark = JSON.stringify({ ...pack, mark: "SUSPECT", reason: "report from the field" });
    await submitJson(regulator.contract("mfr-dist"), "packs:SetMark", {
      arguments: [mark],
      endorsingOrganizations: ["RegulatorMSP", "ManufacturerMSP"],
    });
    await eventually(async () => expect((await packOf(manufacturer, "mfr-dist", pack)).marks).to.include("SUSPECT"));
  });
});
