import { expect } from "chai";
import { CATALOG } from "@rxtrace/domain";
import type { Principal } from "../../gateway/src/auth/principal.js";
import { ForbiddenError, NotFoundError } from "../../gateway/src/errors.js";
import { call, evaluate, liveView, readEverywhere, submit, toLedgerCall } from "../../gateway/src/services/ledger-calls.js";
import { FakeLedger } from "./support/fake-ledger.js";

const pharmacist: Principal = { keyId: "k", user: "pharmacist", mspId: "PharmacyMSP", role: "pharmacist" };

describe("the typed ledger client", () => {
  it("sends the catalog's qualified name with string arguments as they are and object arguments as JSON", () => {
    expect(toLedgerCall("mfr-dist", call(CATALOG.packs.GetPack, ["09506000134352", "S1"]))).to.deep.equal({
      channel: "mfr-dist",
      transaction: "packs:GetPack",
      args: ["09506000134352", "S1"],
    });
    const dispense = call(CATALOG.packs.Dispense, [{ gtin: "g", serial: "s", lot: "l", expiry: "e" }], { endorsingOrganizations: ["PharmacyMSP"] });
    expect(toLedgerCall("dist-pharm", dispense)).to.deep.equal({
      channel: "dist-pharm",
      transaction: "packs:Dispense",
      args: ['{"gtin":"g","serial":"s","lot":"l","expiry":"e"}'],
      endorsingOrganizations: ["PharmacyMSP"],
    });
  });

  it("answers a submit with its channel, transaction id, block and the transaction's result", async () => {
    const ledger = new FakeLedger().on(CATALOG.packs.UndoDecommission.qualified, () => ({ gtin: "g", serial: "s", status: "RECEIVED" }));
    const committed = await submit(ledger, pharmacist, "dist-pharm", call(CATALOG.packs.UndoDecommission, ["g", "s"]));
    expect(committed).to.deep.equal({ channel: "dist-pharm", transactionId: "tx1", blockNumber: "1", result: { gtin: "g", serial: "s", status: "RECEIVED" } });
    expect(ledger.submitted(CATALOG.packs.UndoDecommission.qualified)[0]?.call.args).to.deep.equal(["g", "s"]);
  });

  it("leaves out the channels where a read finds nothing", async () => {
    const ledger = new FakeLedger().on(CATALOG.packs.GetLot.qualified, (c) => {
      if (c.channel === "dist-pharm") throw new NotFoundError("no lot g/L");
      return { gtin: "g", lot: "L" };
    });
    const found = await readEverywhere(ledger, pharmacist, ["mfr-dist", "dist-pharm"], call(CATALOG.packs.GetLot, ["g", "L"]));
    expect(found).to.deep.equal([{ channel: "mfr-dist", result: { gtin: "g", lot: "L" } }]);
  });

  it("passes on any other failure of a read", async () => {
    const ledger = new FakeLedger().on(CATALOG.packs.GetLot.qualified, () => {
      throw new ForbiddenError("not yours");
    });
    const failure = await evaluate(ledger, pharmacist, "mfr-dist", call(CATALOG.packs.GetLot, ["g", "L"])).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).to.be.instanceOf(ForbiddenError);
  });
});

describe("live view of a pack", () => {
  const pack = (status: string) => ({ gtin: "g", serial: "s", status });

  it("prefers the channel where the pack was not handed off", () => {
    const live = liveView([
      { channel: "mfr-dist", result: pack("HANDED_OFF") },
      { channel: "dist-pharm", result: pack("RECEIVED") },
    ]);
    expect(live?.channel).to.equal("dist-pharm");
  });

  it("falls back to the handed-off view when no other channel has the pack", () => {
    expect(liveView([{ channel: "mfr-dist", result: pack("HANDED_OFF") }])?.channel).to.equal("mfr-dist");
    expect(liveView([])).to.equal(undefined);
  });
});
