import { expect } from "chai";
import { liveView } from "../../gateway/src/services/ledger-views.js";

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
