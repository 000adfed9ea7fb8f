import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { expect } from "chai";
import { DOWNSTREAM_CHANNEL, SOURCE_CHANNEL } from "../../chaincode/src/index.js";

const vocabulary = pathToFileURL(resolve(import.meta.dirname, "../../packages/domain/src/vocabulary.ts")).href;

/** The channel names a fresh chaincode process sees when started with `env`. */
function channelsUnder(env: Record<string, string>): { source: string; downstream: string } {
  const script = `const v = await import(${JSON.stringify(vocabulary)}); console.log(JSON.stringify({ source: v.SOURCE_CHANNEL, downstream: v.DOWNSTREAM_CHANNEL }));`;
  const out = execFileSync(process.execPath, ["--import=tsx", "--input-type=module", "-e", script], { env: { ...process.env, ...env }, encoding: "utf8" });
  return JSON.parse(out) as { source: string; downstream: string };
}

describe("channel names", () => {
  it("are the topology's constants mfr-dist and dist-pharm", () => {
    expect([SOURCE_CHANNEL, DOWNSTREAM_CHANNEL]).to.deep.equal(["mfr-dist", "dist-pharm"]);
  });

  it("do not change with the chaincode process's environment", () => {
    const seen = channelsUnder({ RXTRACE_SOURCE_CHANNEL: "elsewhere", RXTRACE_DOWNSTREAM_CHANNEL: "nowhere" });
    expect(seen).to.deep.equal({ source: "mfr-dist", downstream: "dist-pharm" });
  });
});
