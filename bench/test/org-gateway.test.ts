import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { gatewayNodeFlags, keyOfUser } from "../src/org-gateway.js";

describe("keyOfUser", () => {
  const file = [
    "# mspId\tuser\trole\tkeyId\tkey: shown once",
    "PharmacyMSP\tpharmacist\tpharmacist\tpharmacy-pharmacist-aa\tfirst",
    "PharmacyMSP\tadmin\tadmin\tpharmacy-admin-bb\tadminkey",
    "PharmacyMSP\tpharmacist\tpharmacist\tpharmacy-pharmacist-cc\tnewest",
    "",
  ].join("\n");

  it("answers the newest plain key of the user", () => {
    expect(keyOfUser(file, "PharmacyMSP", "pharmacist")).to.equal("newest");
    expect(keyOfUser(file, "PharmacyMSP", "admin")).to.equal("adminkey");
  });

  it("answers undefined for a user with no key in the file", () => {
    expect(keyOfUser(file, "PharmacyMSP", "auditor")).to.equal(undefined);
    expect(keyOfUser(file, "DistributorMSP", "pharmacist")).to.equal(undefined);
  });
});

describe("gatewayNodeFlags", () => {
  it("takes one flag per line and skips comments and blank lines", () => {
    expect(gatewayNodeFlags("# why\n--max-semi-space-size=4\n\n  --heap-growing-percent=30  \n# end\n")).to.deep.equal(["--max-semi-space-size=4", "--heap-growing-percent=30"]);
  });

  it("reads from gateway/node-flags.txt flags this Node accepts", () => {
    const flags = gatewayNodeFlags(readFileSync(new URL("../../gateway/node-flags.txt", import.meta.url), "utf8"));
    expect(flags.length).to.be.above(0);
    const run = spawnSync(process.execPath, [...flags, "-e", "0"], { encoding: "utf8" });
    expect(run.stderr).to.equal("");
    expect(run.status).to.equal(0);
  });
});
