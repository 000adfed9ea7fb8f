// The mutation operators of scripts/evm/mutator.ts (the full mutation run is `npm run mutate`).
import { expect } from "chai";
import { generateMutants, maskNonCode, summarise, type MutantResult } from "../../scripts/evm/mutator.js";

const SNIPPET = `pragma solidity 0.8.30;
contract Tiny {
    uint256 private constant LIMIT = 10; // a < b + c in a comment
    string private constant NOTE = "x > y - z";
    function put(uint256 a, bool b) external whenNotPaused onlyRole(WRITER_ROLE) returns (uint256) {
        if (a > LIMIT) revert TooBig(a);
        if (a == 0 && b) {
            revert Zero();
        }
        if (b) return a << 2;
        return a + 1;
    }
}
`;

const brief = (source: string) =>
  generateMutants(source).map((m) => `${m.operator} ${m.line} ${m.original.replace(/\s+/g, " ")} -> ${m.replacement}`);

describe("mutator", function () {
  it("masks comments, strings and the pragma, keeping every offset", function () {
    const masked = maskNonCode(SNIPPET);
    expect(masked).to.have.length(SNIPPET.length);
    expect(masked).not.to.include("a < b");
    expect(masked).not.to.include("x > y");
    expect(masked).not.to.include("0.8.30");
    expect(masked).to.include("if (a > LIMIT)");
  });

  it("produces one mutant per operator and place, in code only", function () {
    expect(brief(SNIPPET)).to.deep.equal([
      "relational 6 > -> >=",
      "relational 7 == -> !=",
      "logical 7 && -> ||",
      "negate-condition 6 (a > LIMIT) -> (!(a > LIMIT))",
      "negate-condition 7 (a == 0 && b) -> (!(a == 0 && b))",
      "negate-condition 10 (b) -> (!(b))",
      "remove-guard 6 if (a > LIMIT) revert TooBig(a); -> ",
      "remove-guard 7 if (a == 0 && b) { revert Zero(); } -> ",
      "arithmetic 11 + -> -",
      "constant 3 10 -> 11",
      "constant 7 0 -> 1",
      "constant 10 2 -> 3",
      "constant 11 1 -> 2",
      "remove-modifier 5 whenNotPaused -> ",
      "remove-modifier 5 onlyRole(WRITER_ROLE) -> ",
    ]);
  });

  it("does not negate a lone equality, whose relational mutant is the same", function () {
    const mutants = generateMutants("contract C { function f(uint a) external { if (a != 3) revert E(); } }");
    expect(mutants.filter((m) => m.operator === "negate-condition")).to.deep.equal([]);
    expect(mutants.filter((m) => m.operator === "relational").map((m) => m.replacement)).to.deep.equal(["=="]);
  });

  it("gives each mutant the whole source with exactly its one change", function () {
    const [first] = generateMutants(SNIPPET);
    expect(first?.source).to.equal(SNIPPET.replace("if (a > LIMIT)", "if (a >= LIMIT)"));
  });

  it("reports killed, survived and the kill rate over tested mutants only, naming each survivor", function () {
    const result = (id: number, outcome: MutantResult["outcome"]): MutantResult => ({
      id,
      operator: "relational",
      line: id,
      original: "<",
      replacement: "<=",
      outcome,
    });
    const results = [result(1, "killed"), result(2, "killed"), result(3, "killed"), result(4, "survived"), result(5, "equivalent"), result(6, "uncompilable")];
    const report = summarise("contracts/Tiny.sol", ["relational"], 6, results);
    expect(report).to.deep.include({ generated: 6, total: 4, killed: 3, survived: 1, equivalent: 1, uncompilable: 1, killRate: 0.75 });
    expect(report.survivors).to.deep.equal([{ location: "contracts/Tiny.sol:4", operator: "relational", original: "<", replacement: "<=" }]);
  });
});
