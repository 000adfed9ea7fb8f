/**
 * The SmartBFT options in network/configtx.yaml go into every channel's
 * genesis block: they must pass SmartBFT's own validation (an orderer refuses
 * a block whose options fail it) and keep a dead leader's replacement within
 * the failover budget the fault suite measures (writes resume within 5 s).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";

const repo = path.resolve(import.meta.dirname, "../..");
const configtx = readFileSync(path.join(repo, "network/configtx.yaml"), "utf8");

/** Go's time.ParseDuration for the units configtx uses (h, m, s, ms), in ms. */
function durationMs(text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) throw new Error(`not a duration: ${text}`);
  const unit = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
  return parts.reduce((sum, p) => sum + Number(p[1]) * unit[p[2] as keyof typeof unit], 0);
}

function smartBftOptions(): Record<string, string> {
  const block = /\n {2}SmartBFT:\n((?: {4}.*\n)+)/.exec(configtx)?.[1];
  if (!block) throw new Error("no SmartBFT section under Orderer in network/configtx.yaml");
  return Object.fromEntries([...block.matchAll(/^ {4}(\w+): (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

describe("SmartBFT options in network/configtx.yaml", () => {
  const options = smartBftOptions();
  const ms = (name: string): number => {
    const value = options[name];
    if (value === undefined) throw new Error(`SmartBFT option ${name} is missing`);
    return durationMs(value);
  };

  it("reads durations as Go does", () => {
    expect(durationMs("1m0s")).to.equal(60_000);
    expect(durationMs("1500ms")).to.equal(1_500);
    expect(() => durationMs("5 s")).to.throw("not a duration: 5 s");
  });

  it("pass SmartBFT's validation of the timeouts", () => {
    for (const name of ["RequestForwardTimeout", "RequestComplainTimeout", "RequestAutoRemoveTimeout", "ViewChangeResendInterval", "ViewChangeTimeout", "LeaderHeartbeatTimeout", "CollectTimeout"]) {
      expect(ms(name), name).to.be.greaterThan(0);
    }
    expect(Number(options.LeaderHeartbeatCount), "LeaderHeartbeatCount").to.be.greaterThan(0);
    expect(ms("RequestForwardTimeout"), "RequestForwardTimeout <= RequestComplainTimeout").to.be.at.most(ms("RequestComplainTimeout"));
    expect(ms("RequestComplainTimeout"), "RequestComplainTimeout <= RequestAutoRemoveTimeout").to.be.at.most(ms("RequestAutoRemoveTimeout"));
    expect(ms("ViewChangeResendInterval"), "ViewChangeResendInterval <= ViewChangeTimeout").to.be.at.most(ms("ViewChangeTimeout"));
  });

  it("let followers give up on a dead leader within half of the 5 s failover budget, leaving the rest to the view change", () => {
    expect(ms("RequestForwardTimeout") + ms("RequestComplainTimeout"), "a request's wait before its follower complains").to.be.at.most(2_500);
    expect(ms("LeaderHeartbeatTimeout"), "an idle leader's silence before followers complain").to.be.at.most(5_000);
  });

  it("send at most four leader heartbeats a second per channel, so an idle network stays quiet", () => {
    expect(ms("LeaderHeartbeatTimeout") / Number(options.LeaderHeartbeatCount)).to.be.at.least(250);
  });
});
