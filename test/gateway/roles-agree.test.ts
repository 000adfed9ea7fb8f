import { expect } from "chai";
import { TRANSACTION_ROLES } from "@rxtrace/domain";
import { ACTIONS, isAllowed, type Action } from "../../gateway/src/auth/policy.js";
import { MSP_IDS, ROLES } from "../../gateway/src/auth/principal.js";
import { RECALL_RELAY } from "../../gateway/src/services/master-data.js";

/** The chaincode transactions each gateway action submits. */
const SUBMITS: Readonly<Record<Action, readonly string[]>> = {
  read: [],
  "partner.register": ["partners:RegisterPartner"],
  "product.register": ["products:RegisterProduct"],
  "lot.commission": ["packs:CommissionLot"],
  "shipment.ship": ["shipments:Ship"],
  "shipment.receive": ["shipments:Receive"],
  "return.ship": ["returns:ShipReturn"],
  "return.verify": ["returns:VerifyReturn"],
  "container.pack": ["aggregation:Pack", "aggregation:Unpack"],
  "pack.handoff": ["crosschannel:HandOff", "crosschannel:ImportPacks"],
  "coldchain.record": ["coldchain:RecordReadings"],
  "coldchain.release": ["coldchain:ReleaseHold", "coldchain:DestroyHeld"],
  "coldchain.decideDownstream": ["coldchain:DecideDownstreamHold"],
  "pack.dispense": ["packs:Dispense"],
  "pack.undoDecommission": ["packs:UndoDecommission"],
  "pack.decommission": ["packs:Decommission"],
  "lot.recall": ["packs:RecallLot"],
  "gtin.withdraw": ["products:WithdrawProduct"],
  "pack.mark": ["packs:SetMark", "packs:ClearMark"],
  "pack.quarantine": ["packs:SetMark", "packs:ClearMark"],
  "pack.markSuspect": ["packs:SetMark", "packs:ClearMark"],
  "pack.markIllegitimate": ["packs:SetMark", "packs:ClearMark"],
  "document.write": ["documents:AnchorDocument", "documents:PutDocumentKey"],
  "document.erase": ["documents:PurgeDocumentKey"],
  // An anchoring run writes to the EVM, not the chaincode.
  "evm.anchor": [],
  "investigation.open": ["investigations:OpenInvestigation"],
  "investigation.determine": ["investigations:DetermineInvestigation"],
  "investigation.notify": ["investigations:RecordRegulatorNotification"],
  "investigation.dispose": ["investigations:DisposeInvestigationPacks"],
  "investigation.close": ["investigations:CloseInvestigation"],
  "tracing.request": ["investigations:OpenTracingRequest"],
  "tracing.answer": ["investigations:AnswerTracingRequest"],
};

describe("the gateway's role matrix and the chaincode's role table", () => {
  it("never grants a role the chaincode refuses for a transaction the action submits", () => {
    const disagreements: string[] = [];
    for (const action of ACTIONS) {
      for (const mspId of MSP_IDS) {
        for (const role of ROLES) {
          if (!isAllowed({ keyId: "k", user: role, mspId, role }, action)) continue;
          for (const transaction of SUBMITS[action]) {
            const allowed = TRANSACTION_ROLES[transaction];
            if (!allowed?.includes(role)) disagreements.push(`${action}: ${mspId} ${role} -> ${transaction}`);
          }
        }
      }
    }
    expect(disagreements).to.deep.equal([]);
  });

  it("knows every restricted transaction: each is submitted by some action or by the recall relay", () => {
    const submitted = new Set(Object.values(SUBMITS).flat());
    const relayed = ["crosschannel:SyncRecall", "crosschannel:SyncWithdrawal", "crosschannel:SyncHoldDecision", "coldchain:ApplyHoldDecision"];
    expect(Object.keys(TRANSACTION_ROLES).filter((t) => !submitted.has(t) && !relayed.includes(t))).to.deep.equal([]);
    for (const transaction of relayed) expect(TRANSACTION_ROLES[transaction]).to.include(RECALL_RELAY.role);
  });

  it("names the same roles", () => {
    const chaincodeRoles = new Set(Object.values(TRANSACTION_ROLES).flat());
    expect([...chaincodeRoles].sort()).to.deep.equal([...ROLES].sort());
  });
});
