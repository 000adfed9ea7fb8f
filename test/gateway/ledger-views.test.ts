import { expect } from "chai";
import { chronological, liveView } from "../../gateway/src/services/ledger-views.js";

describe("history order", () => {
  it("reverses a history Fabric returned newest first", () => {
    const entries = [{ at: "2026-01-03T00:00:00Z" }, { at: "2026-01-02T00:00:00Z" }, { at: "2026-01-01T00:00:00Z" }];
    expect(chronological(entries).map((e) => e.at)).to.deep.equal(["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"]);
  });

  it("keeps a history that is already oldest first", () => {
    const entries = [{ at: "2026-01-01T00:00:00Z" }, { at: "2026-01-02T00:00:00Z" }];
    expect(chronological(entries)).to.deep.equal(entries);
  });

  it("takes Fabric's newest-first order when every entry falls in one second", () => {
    const entries = [
      { at: "2026-01-01T00:00:00Z", status: "RECEIVED" },
      { at: "2026-01-01T00:00:00Z", status: "IN_TRANSIT" },
      { at: "2026-01-01T00:00:00Z", status: "COMMISSIONED" },
    ];
    expect(chronological(entries).map((e) => e.status)).to.deep.equal(["COMMISSIONED", "IN_TRANSIT", "RECEIVED"]);
  });
});

describe("live view of a pack", () => {
  const pack = (status: string) => ({ gtin: "g", serial: "s", lot: "l", expiry: "e", status, owner: "o", marks: [] });

  it("prefers the channel where the pack was not handed off", () => {
    const live = liveView([
      { channel: "mfr-dist", result: pack("HANDED_OFF") },
      { channel: "dist-pharm", result: pack("RECEIVED") },
    ]);
    expect(live?.channel).to.equal("dist-pharm");
  });

  it("refuses a record that is not a pack", () => {
    expect(() => liveView([{ channel: "mfr-dist", result: { gtin: "g" } }])).to.throw(/malformed pack/);
  });
});
