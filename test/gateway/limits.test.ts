import { expect } from "chai";
import { MAX_REASON_LENGTH, ChaincodeError, parseReason } from "@rxtrace/domain";
import { buildTestApp, KEYS, type TestApp } from "./support/app.js";

const GTIN = "09521234543213";
const json = (key: string) => ({ "x-api-key": key, "content-type": "application/json" });

describe("limits shared by the gateway and the chaincode", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
    t.ledger.on("packs:GetLot", () => ({ gtin: GTIN, lot: "L1", manufacturer: "ManufacturerMSP", recall: {} }));
    t.ledger.on("packs:RecallLot", () => ({ recall: {} }));
    t.ledger.on("crosschannel:SyncRecall", () => ({ recall: {} }));
  });
  afterEach(async () => t.close());

  const recall = (reason: string) =>
    t.app.inject({ method: "POST", url: `/v1/lots/${GTIN}/L1/recall`, headers: json(KEYS.quality), payload: { reason } });

  it("lets through a reason as long as the chaincode accepts", async () => {
    const longest = "r".repeat(MAX_REASON_LENGTH);
    expect(parseReason(longest)).to.equal(longest);
    const res = await recall(longest);
    expect(res.statusCode).to.equal(200);
    expect(t.ledger.submitted("packs:RecallLot")[0]?.call.args?.[2]).to.equal(longest);
  });

  it("refuses a reason one character longer than the chaincode accepts, naming the field, before the ledger", async () => {
    const tooLong = "r".repeat(MAX_REASON_LENGTH + 1);
    expect(() => parseReason(tooLong)).to.throw(ChaincodeError);
    const res = await recall(tooLong);
    expect(res.statusCode).to.equal(400);
    expect(JSON.stringify(res.json())).to.contain("reason");
    expect(t.ledger.submitted("packs:RecallLot")).to.have.length(0);
  });
});
