import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { expect } from "chai";
import { CONTRACTS } from "@rxtrace/domain";

const ROOT = resolve(import.meta.dirname, "../..");
/** The TypeScript that calls transactions outside the tests: all of it goes through the catalog. */
const SOURCES = ["gateway/src", "chaincode/src", "bench/src", "scripts", "support"].map((dir) => join(ROOT, dir));
/** A quoted `contract:Transaction` name: the catalog's job, never a literal in the gateway or the chaincode. */
const TRANSACTION_LITERAL = new RegExp(`["'\`](${CONTRACTS.join("|")}):[A-Z][A-Za-z]*["'\`]`, "g");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.m?ts$/.test(entry.name) ? [path] : [];
  });
}

/** Every transaction-name literal in `text`, as `file:line name`. */
function literalsIn(file: string, text: string): string[] {
  return text.split("\n").flatMap((line, i) => [...line.matchAll(TRANSACTION_LITERAL)].map((m) => `${file}:${i + 1} ${m[0]}`));
}

describe("transaction names in the gateway, the chaincode, the benchmarks, the scripts and the test support", () => {
  it("come from the catalog: no quoted contract:Transaction literal in gateway/src, chaincode/src, bench/src, scripts or support", () => {
    const files = SOURCES.flatMap(sourceFiles);
    expect(files.some((path) => path.includes("chaincode/src/contracts/"))).to.be.true;
    expect(files.some((path) => path.endsWith("bench/src/scenarios.ts"))).to.be.true;
    const found = files.flatMap((path) => literalsIn(relative(ROOT, path), readFileSync(path, "utf8")));
    expect(found).to.deep.equal([]);
  });

  it("are recognised by the scan when they are written as literals", () => {
    expect(literalsIn("x.ts", `const t = "packs:Dispense"; const u = 'shipments:Ship';`)).to.deep.equal(['x.ts:1 "packs:Dispense"', "x.ts:1 'shipments:Ship'"]);
    expect(literalsIn("x.ts", "const t = CATALOG.packs.Dispense.qualified;")).to.deep.equal([]);
  });
});
