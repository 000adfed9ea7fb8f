import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { bytesUnder, diskPerMillion, diskUse, flatness, FLATNESS_BOUND, formatBytes, growthPack } from "../src/growth.js";
import { validateGtin, validateLot, validateSerial } from "@rxtrace/domain";

describe("ledger growth: flatness", () => {
  it("is met when the worst size is within the bound of the best, and says the spread", () => {
    const check = flatness("verify p99", " ms", [
      { packs: 10_000, value: 40 },
      { packs: 100_000, value: 44 },
      { packs: 1_000_000, value: 47 },
    ]);
    expect(check.met).to.equal(true);
    expect(check.figure).to.equal("40 ms / 44 ms / 47 ms (max/min 1.18)");
    expect(check.what).to.equal("verify p99 at 10,000 / 100,000 / 1,000,000 packs");
    expect(check.bound).to.equal(`max/min <= ${FLATNESS_BOUND}`);
  });

  it("is missed just past the bound, whichever way the figure moved", () => {
    expect(flatness("p99", " ms", [{ packs: 1, value: 100 }, { packs: 2, value: 121 }]).met).to.equal(false);
    expect(flatness("tx/s", " tx/s", [{ packs: 1, value: 121 }, { packs: 2, value: 100 }]).met).to.equal(false);
    expect(flatness("tx/s", " tx/s", [{ packs: 1, value: 120 }, { packs: 2, value: 100 }]).met).to.equal(true);
  });

  it("refuses one size, and a zero figure (a round with no success is no evidence of flatness)", () => {
    expect(() => flatness("p99", " ms", [{ packs: 1, value: 5 }])).to.throw("at least two ledger sizes");
    expect(() => flatness("tx/s", " tx/s", [{ packs: 1, value: 5 }, { packs: 2, value: 0 }])).to.throw("no positive figure at 2 packs");
  });
});

describe("ledger growth: disk", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), "growth-"));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("counts regular files recursively, not symbolic links, and 0 for a missing folder", () => {
    mkdirSync(path.join(root, "a", "b"), { recursive: true });
    writeFileSync(path.join(root, "a", "x"), Buffer.alloc(100));
    writeFileSync(path.join(root, "a", "b", "y"), Buffer.alloc(23));
    symlinkSync(path.join(root, "a", "x"), path.join(root, "a", "link"));
    expect(bytesUnder(path.join(root, "a"))).to.equal(123);
    expect(bytesUnder(path.join(root, "missing"))).to.equal(0);
  });

  it("sums peers' ledgers, orderers' block stores, WALs and snapshots, and the gateway index with its WAL", () => {
    const nodes = path.join(root, "fabric", "nodes");
    const put = (rel: string, bytes: number): void => {
      mkdirSync(path.dirname(path.join(nodes, rel)), { recursive: true });
      writeFileSync(path.join(nodes, rel), Buffer.alloc(bytes));
    };
    put("peer0-manufacturer/ledger/state/000001.ldb", 1000);
    put("peer0-distributor/ledger/chains/blockfile_000000", 500);
    put("peer0-manufacturer/msp/cert.pem", 7); // not the ledger
    put("orderer-manufacturer/ledger/chains/blockfile_000000", 300);
    put("orderer-manufacturer/wal/0.wal", 40);
    put("orderer-regulator/snap/1.snap", 2);
    put("orderer-regulator/tls/key.pem", 9); // not the ledger
    const gateway = path.join(root, "gateway");
    mkdirSync(gateway);
    writeFileSync(path.join(gateway, "index.db"), Buffer.alloc(60));
    writeFileSync(path.join(gateway, "index.db-wal"), Buffer.alloc(6));
    writeFileSync(path.join(gateway, "idempotency.db"), Buffer.alloc(1));
    expect(diskUse(nodes, gateway)).to.deep.equal({ peers: 1500, orderers: 342, gatewayIndex: 66 });
  });

  it("scales what the preloads added to a million packs, leaving out the disk the rounds between them took, and refuses no packs", () => {
    const disk = (peers: number, orderers: number, gatewayIndex: number) => ({ peers, orderers, gatewayIndex });
    const preloads = [
      { packs: 10_000, before: disk(1e6, 1e6, 0), after: disk(21e6, 10e6, 1e6) },
      // between the two preloads, measured rounds grew the peers by 500 MB: not counted
      { packs: 990_000, before: disk(521e6, 10e6, 1e6), after: disk(2501e6, 901e6, 1e6) },
    ];
    expect(diskPerMillion(preloads)).to.deep.equal({ peers: 2000e6, orderers: 900e6, gatewayIndex: 1e6 });
    expect(() => diskPerMillion([])).to.throw("added packs");
    expect(formatBytes(2000e6)).to.equal("2.00 GB");
    expect(formatBytes(900e6)).to.equal("900.0 MB");
  });
});

describe("ledger growth: preloaded packs", () => {
  it("names the n-th pack from its index alone, in lots of 1,000, with valid GS1 lots and serials", () => {
    const a = growthPack("BX1", "00614141123452", "301231", 0);
    const b = growthPack("BX1", "00614141123452", "301231", 999);
    const c = growthPack("BX1", "00614141123452", "301231", 1_000_000 - 1);
    expect(a).to.deep.equal({ gtin: "00614141123452", lot: "BX1G0", expiry: "301231", serial: "BX1G0-0" });
    expect(b.lot).to.equal("BX1G0");
    expect(b.serial).to.equal("BX1G0-999");
    expect(c.lot).to.equal("BX1G999");
    expect(c.serial).to.equal("BX1G999-999");
    // A bench tag is 'B' + base-36 time (9 characters today), so the longest names still fit GS1's 20.
    const longest = growthPack("B" + Date.now().toString(36).toUpperCase(), "00614141123452", "301231", 1_000_000 - 1);
    expect(() => validateLot("lot", longest.lot)).not.to.throw();
    expect(() => validateSerial("serial", longest.serial)).not.to.throw();
    expect(() => validateGtin("gtin", a.gtin)).not.to.throw();
  });
});
