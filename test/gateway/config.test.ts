import { writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { ConfigError, loadConfig } from "../../gateway/src/config.js";
import { tempDir } from "./support/temp.js";

describe("configuration", () => {
  it("defaults to loopback port 3000 and state under <repo>/.rxtrace", () => {
    const config = loadConfig({}, "/repo");
    expect(config.server.host).to.equal("127.0.0.1");
    expect(config.server.port).to.equal(3000);
    expect(config.networkFile).to.equal("/repo/.rxtrace/network.json");
    expect(config.keysFile).to.equal("/repo/.rxtrace/gateway/keys.json");
    expect(config.fabric.deadlinesMs).to.deep.equal({ evaluate: 5000, endorse: 15000, submit: 5000, commitStatus: 60000 });
  });

  it("places every path under RXTRACE_DATA and takes the port from the environment", () => {
    const config = loadConfig({ RXTRACE_DATA: "/data", RXTRACE_GATEWAY_PORT: "3100" }, "/repo");
    expect(config.evm.deploymentFile).to.equal("/data/evm/deployment.json");
    expect(config.server.port).to.equal(3100);
  });

  it("limits each key's requests and streams, and keeps /metrics and /docs public, by default; the rate limit comes from the environment", () => {
    const defaults = loadConfig({}, "/repo");
    const unlimited = loadConfig({ RXTRACE_GATEWAY_RATE_LIMIT: "0" }, "/repo");

    expect(defaults.limits).to.deep.equal({ requestsPerMinute: 1200, eventStreamsPerKey: 4 });
    expect(defaults.exposure).to.deep.equal({ metrics: "public", docs: "public" });
    expect(unlimited.limits.requestsPerMinute).to.equal(0);
    expect(() => loadConfig({ RXTRACE_GATEWAY_RATE_LIMIT: "lots" }, "/repo")).to.throw(ConfigError, /RXTRACE_GATEWAY_RATE_LIMIT/);
  });

  it("rejects an exposure other than public or apiKey naming its path", () => {
    const dir = tempDir("rxtrace-cfg-");
    const file = path.join(dir, "gateway.json");
    writeFileSync(file, JSON.stringify({ exposure: { metrics: "private" } }));

    expect(() => loadConfig({ RXTRACE_GATEWAY_CONFIG: file }, "/repo")).to.throw(ConfigError, /exposure\.metrics/);
  });

  it("merges a JSON config file over the defaults", () => {
    const dir = tempDir("rxtrace-cfg-");
    const file = path.join(dir, "gateway.json");
    writeFileSync(file, JSON.stringify({ fabric: { mvccRetries: 5 }, ipfs: { uploadLimitBytes: 2048 } }));
    const config = loadConfig({ RXTRACE_GATEWAY_CONFIG: file }, "/repo");
    expect(config.fabric.mvccRetries).to.equal(5);
    expect(config.fabric.deadlinesMs.endorse).to.equal(15000);
    expect(config.ipfs.uploadLimitBytes).to.equal(2048);
  });

  it("rejects a non-numeric port naming the variable", () => {
    expect(() => loadConfig({ RXTRACE_GATEWAY_PORT: "http" }, "/repo")).to.throw(ConfigError, /RXTRACE_GATEWAY_PORT/);
  });

  it("rejects an unknown setting in the file naming its path", () => {
    const dir = tempDir("rxtrace-cfg-");
    const file = path.join(dir, "gateway.json");
    writeFileSync(file, JSON.stringify({ server: { port: 70000 } }));
    expect(() => loadConfig({ RXTRACE_GATEWAY_CONFIG: file }, "/repo")).to.throw(ConfigError, /server\.port/);
  });

  it("returns a frozen configuration", () => {
    const config = loadConfig({}, "/repo");
    expect(Object.isFrozen(config)).to.be.true;
    expect(Object.isFrozen(config.server)).to.be.true;
  });
});
