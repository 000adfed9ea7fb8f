import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import path from "node:path";
import { ProcessSampler, kindOfPidFile, parseProcStat } from "../src/procstat.js";

describe("kindOfPidFile", () => {
  it("names the kind of a per-org process and keeps single processes as they are", () => {
    expect(kindOfPidFile("peer-manufacturer.pid")).to.equal("peer");
    expect(kindOfPidFile("orderer-regulator.pid")).to.equal("orderer");
    expect(kindOfPidFile("chaincode-pharmacy.pid")).to.equal("chaincode");
    expect(kindOfPidFile("noop-chaincode-distributor.pid")).to.equal("noop-chaincode");
    expect(kindOfPidFile("ca-distributor.pid")).to.equal("ca");
    expect(kindOfPidFile("kubo.pid")).to.equal("kubo");
    expect(kindOfPidFile("gateway.pid")).to.equal("gateway");
    // An org's own gateway (bench/src/org-gateway.ts) is a kind apart from the multi-org one.
    expect(kindOfPidFile("gateway-pharmacy.pid")).to.equal("gateway-pharmacy");
  });
});

describe("parseProcStat", () => {
  it("reads parent, CPU ticks and RSS even when the command name holds spaces and parentheses", () => {
    // Fields after the name: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime priority nice threads itreal starttime vsize rss
    const line = "42 (node (x) y) S 7 42 42 0 -1 0 0 0 0 0 150 50 9 9 20 0 1 0 100 1000 256 rest";
    expect(parseProcStat(line)).to.deep.equal({ ppid: 7, ticks: 200, rssBytes: 256 * 4096 });
  });
});

describe("ProcessSampler", () => {
  it("measures the CPU of a pid-file process and its children, by kind", async function () {
    this.timeout(10_000);
    const runDir = mkdtempSync(path.join(tmpdir(), "bench-run-"));
    // A shell that keeps one busy child: the child counts under the shell's kind.
    const busy = spawn("sh", ["-c", "while :; do :; done & wait"], { stdio: "ignore", detached: true });
    try {
      writeFileSync(path.join(runDir, "peer-test.pid"), String(busy.pid));
      writeFileSync(path.join(runDir, "gone.pid"), "999999999");
      const sampler = new ProcessSampler(runDir, 100);
      sampler.start();
      await new Promise((resolve) => setTimeout(resolve, 800));
      const usage = sampler.stop();
      expect(usage.peer?.processes).to.equal(2);
      // A spinning child shows CPU; an idle process would show 0 (the bound is low: the host may be busy).
      expect(usage.peer?.cpuPercent).to.be.above(2);
      expect(usage.peer?.rssMiBMax).to.be.above(0);
      expect(usage).to.not.have.property("gone");
    } finally {
      if (busy.pid) process.kill(-busy.pid, "SIGKILL");
      rmSync(runDir, { recursive: true, force: true });
    }
  });
});
