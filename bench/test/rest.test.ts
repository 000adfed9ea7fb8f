import { expect } from "chai";
import { blockOn } from "../src/rest.js";

describe("blockOn", () => {
  it("reads a channel's block from an X-Ledger-Block header of one or several channels", () => {
    expect(blockOn("dist-pharm:42", "dist-pharm")).to.equal(42n);
    expect(blockOn("mfr-dist:7, dist-pharm:12", "dist-pharm")).to.equal(12n);
    expect(blockOn("mfr-dist:7, dist-pharm:12", "mfr-dist")).to.equal(7n);
  });

  it("answers undefined for a header without that channel, without a header, or with a malformed entry", () => {
    expect(blockOn("mfr-dist:7", "dist-pharm")).to.equal(undefined);
    expect(blockOn(undefined, "dist-pharm")).to.equal(undefined);
    expect(blockOn("dist-pharm:x", "dist-pharm")).to.equal(undefined);
  });
});
