import { expect } from "chai";
import { CATALOG, TRANSACTIONS, TRANSACTION_ROLES, encodeArguments, findTransaction } from "@rxtrace/domain";
import { contracts } from "../../chaincode/src/index.js";

interface TransactionMetadata {
  name: string;
  tag: string[];
}

/** Every `contract:Name` the chaincode serves, with submit or evaluate from its @Transaction decorator. */
function servedTransactions(): Map<string, "submit" | "evaluate"> {
  const served = new Map<string, "submit" | "evaluate">();
  for (const Contract of contracts) {
    const contract = new Contract();
    const metadata = (Reflect as unknown as { getMetadata(key: string, target: object): TransactionMetadata[] | undefined }).getMetadata(
      "fabric:transactions",
      Contract.prototype,
    );
    for (const tx of metadata ?? []) served.set(`${contract.getName()}:${tx.name}`, tx.tag.includes("submitTx") ? "submit" : "evaluate");
  }
  return served;
}

describe("the transaction catalog", () => {
  it("names exactly the transactions the chaincode serves, each submit or evaluate as the chaincode declares it", () => {
    const served = servedTransactions();
    const catalogued = new Map(TRANSACTIONS.map((spec) => [spec.qualified, spec.kind]));
    expect(catalogued).to.deep.equal(served);
  });

  it("files every transaction under its own contract and name", () => {
    for (const [contract, entries] of Object.entries(CATALOG)) {
      for (const [name, spec] of Object.entries(entries)) expect(spec.qualified).to.equal(`${contract}:${name}`);
    }
  });

  it("gives every submitted transaction at least one role and one event", () => {
    const bare = TRANSACTIONS.filter((spec) => spec.kind === "submit" && (spec.roles.length === 0 || spec.events.length === 0));
    expect(bare.map((spec) => spec.qualified)).to.deep.equal([]);
  });

  it("is where the chaincode's role table comes from", () => {
    expect(TRANSACTION_ROLES["packs:Dispense"]).to.equal(CATALOG.packs.Dispense.roles);
    expect(TRANSACTION_ROLES["packs:GetPack"]).to.equal(undefined);
  });

  it("finds a transaction by its qualified name and knows no other", () => {
    expect(findTransaction("shipments:Ship")).to.equal(CATALOG.shipments.Ship);
    expect(findTransaction("shipments:Sink")).to.equal(undefined);
  });

  it("encodes string arguments as they are and objects as JSON", () => {
    const encoded = encodeArguments(CATALOG.packs.Dispense, [{ gtin: "1", serial: "S", lot: "L", expiry: "260101", handedToPatient: true }]);
    expect(encoded).to.deep.equal(['{"gtin":"1","serial":"S","lot":"L","expiry":"260101","handedToPatient":true}']);
    expect(encodeArguments(CATALOG.packs.RecallLot, ["1", "L", "why"])).to.deep.equal(["1", "L", "why"]);
  });
});
