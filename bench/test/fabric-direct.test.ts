import { expect } from "chai";
import { DirectCallError, refusedAtEndorsement } from "../src/fabric-direct.js";

describe("refusedAtEndorsement", () => {
  it("is true for a chaincode refusal or an endorsement error, which never reached the orderers", () => {
    expect(refusedAtEndorsement(new DirectCallError("NOT_FOUND", "shipment S1 not found"))).to.equal(true);
    expect(refusedAtEndorsement(new DirectCallError("EndorseError/ABORTED", "NOT_FOUND: k1"))).to.equal(true);
  });

  it("is false for a submit error, which may still commit, and for a transaction invalid at commit", () => {
    expect(refusedAtEndorsement(new DirectCallError("SubmitError/UNAVAILABLE", "request already processed"))).to.equal(false);
    expect(refusedAtEndorsement(new DirectCallError("MVCC_READ_CONFLICT", "tx committed MVCC_READ_CONFLICT", true))).to.equal(false);
    expect(refusedAtEndorsement(new Error("NOT_FOUND"))).to.equal(false);
  });
});
