/**
 * Every endpoint the shipped Prometheus configuration scrapes, on the real
 * network, asked the way Prometheus asks it (scripts/monitoring/scrape.ts:
 * the org's application TLS pair for its peer and orderer): each peer's
 * ledger height, each orderer's BFT leader, each org gateway's own-peer
 * height, index lag and certificate expiry, and every series the alert
 * rules read.
 */
import { expect } from "chai";
import { environmentOptions, ALERT_RULES } from "../../../scripts/monitoring/cli.js";
import { scrapeTargets, type ScrapeTarget } from "../../../scripts/monitoring/prometheus-config.js";
import { scrape } from "../../../scripts/monitoring/scrape.js";
import { TOPOLOGY, channelsOf, orgByName } from "../../../gateway/src/topology.js";
import { call, startOrgGateways, type OrgGateway } from "../../../support/gateway-harness.js";
import { gtinFor, refrigeratedProduct } from "../../../support/fixtures.js";
import { parseExposition, samplesOf, valueOf, type Exposition } from "../../../support/prometheus-text.js";
import { metricNamesOf, readAlertRules } from "../../../support/prometheus-rules.js";

const DAY = 86_400;

describe("metrics of every node, scraped as Prometheus scrapes them", function () {
  this.timeout(240_000);
  const options = environmentOptions();
  const targets = scrapeTargets(options);
  let gateways: Record<string, OrgGateway> = {};
  const scraped = new Map<string, Exposition>();
  const of = (org: string, node: ScrapeTarget["node"]): Exposition => {
    const found = scraped.get(`${org}/${node}`);
    if (!found) throw new Error(`no scrape of the ${node} of ${org}`);
    return found;
  };
  const scrapeAll = async () => {
    for (const target of targets) scraped.set(`${target.org}/${target.node}`, parseExposition(await scrape(target, options.dataDir)));
  };

  before(async function () {
    // Four gateway processes compiling at once: slow on a loaded machine.
    this.timeout(600_000);
    gateways = await startOrgGateways();
    await scrapeAll();
  });
  after(async () => {
    await Promise.all(Object.values(gateways).map((g) => g.close()));
  });

  it("scrapes each org's gateway, peer and orderer, and every one answers", () => {
    expect(targets.filter((t) => t.node === "gateway")).to.have.length(TOPOLOGY.orgs.length);
    expect(targets.filter((t) => t.node === "peer")).to.have.length(TOPOLOGY.orgs.length);
    expect(targets.filter((t) => t.node === "orderer")).to.have.length(TOPOLOGY.ordering.bft.length);
    for (const target of targets) expect(of(target.org, target.node).samples.length, `${target.node} of ${target.org}`).to.be.above(0);
  });

  it("reads each peer's ledger_blockchain_height on each of its org's channels", () => {
    for (const org of TOPOLOGY.orgs) {
      for (const channel of channelsOf(org.mspId)) {
        expect(valueOf(of(org.name, "peer"), "ledger_blockchain_height", { channel }), `${org.name} ${channel}`).to.be.above(1);
      }
    }
  });

  it("reads the same consensus_BFT_leader_id on every orderer, per channel, naming one of the consenters", () => {
    for (const channel of TOPOLOGY.channels.map((c) => c.name)) {
      const leaders = TOPOLOGY.ordering.bft.map((org) => valueOf(of(org, "orderer"), "consensus_BFT_leader_id", { channel }));
      expect(new Set(leaders).size, `${channel}: ${leaders.join(", ")}`).to.equal(1);
      expect(leaders[0]).to.be.within(1, TOPOLOGY.ordering.bft.length);
    }
  });

  it("gives each gateway's own peer's height per channel, as that peer reports it", async () => {
    for (const org of TOPOLOGY.orgs) {
      for (const channel of channelsOf(org.mspId)) {
        const gateway = valueOf(of(org.name, "gateway"), "rxtrace_ledger_height", { channel });
        const peer = valueOf(of(org.name, "peer"), "ledger_blockchain_height", { channel });
        expect(gateway, `${org.name} ${channel}`).to.be.a("number");
        // Scraped one after the other: a block may have come in between.
        expect(Math.abs((gateway ?? 0) - (peer ?? 0)), `${org.name} ${channel}`).to.be.at.most(2);
      }
    }
  });

  it("shows each gateway's verify read model caught up with its peer, and the events index close behind", async () => {
    // The read model follows every block: once started it is 0 blocks behind.
    const deadline = Date.now() + 60_000;
    for (;;) {
      await scrapeAll();
      const behind = TOPOLOGY.orgs.flatMap((org) =>
        channelsOf(org.mspId).filter((channel) => valueOf(of(org.name, "gateway"), "rxtrace_index_lag_blocks", { channel, index: "verify" }) !== 0),
      );
      if (behind.length === 0) break;
      if (Date.now() > deadline) throw new Error(`verify read model still behind on ${behind.join(", ")}`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    // The events index follows chaincode events, so it only moves at blocks
    // that carry an rxtrace event: blocks without one at the tail count as
    // lag until the next event (docs/operations.md, IndexLagging). A fresh
    // event on mfr-dist must bring every member's events index to within a
    // block or two of its peer; on every channel the index is never ahead.
    const product = await call(gateways.manufacturer as OrgGateway, "POST", "/v1/products", gateways.manufacturer?.keys["ManufacturerMSP/operator"], refrigeratedProduct(gtinFor(`metrics-${Date.now()}`)));
    expect(product.status, JSON.stringify(product.body)).to.equal(201);
    const eventsLag = (org: string, channel: string) => valueOf(of(org, "gateway"), "rxtrace_index_lag_blocks", { channel, index: "events" });
    const members = TOPOLOGY.orgs.filter((org) => channelsOf(org.mspId).includes("mfr-dist"));
    for (const until = Date.now() + 60_000; ;) {
      await scrapeAll();
      const behind = members.filter((org) => (eventsLag(org.name, "mfr-dist") ?? Infinity) > 2).map((org) => `${org.name}: ${eventsLag(org.name, "mfr-dist")}`);
      if (behind.length === 0) break;
      if (Date.now() > until) expect.fail(`events index still more than 2 blocks behind on mfr-dist 60 s after an event there (${behind.join(", ")})`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    for (const org of TOPOLOGY.orgs) {
      for (const channel of channelsOf(org.mspId)) expect(eventsLag(org.name, channel), `${org.name} ${channel}`).to.be.at.least(0);
    }
  });

  it("gives the expiry of each certificate a gateway holds: its users' and admin's enrolment and TLS certificates, its application TLS pair and the trusted CAs", () => {
    for (const org of TOPOLOGY.orgs) {
      const metrics = of(org.name, "gateway");
      const { mspId } = orgByName(org.name);
      for (const user of [...org.users.map((u) => u.name), "admin"]) {
        for (const kind of ["enrolment", "tls-client"]) {
          const seconds = valueOf(metrics, "rxtrace_certificate_expiry_seconds", { kind, owner: `${mspId}/${user}` });
          expect(seconds, `${org.name} ${user} ${kind}`).to.be.above(30 * DAY);
        }
      }
      expect(valueOf(metrics, "rxtrace_certificate_expiry_seconds", { kind: "tls-client", owner: `${mspId}/applications` })).to.be.above(30 * DAY);
      expect(samplesOf(metrics, "rxtrace_certificate_expiry_seconds", { kind: "tls-ca" }).length, org.name).to.be.at.least(1);
      expect(samplesOf(metrics, "rxtrace_certificate_unreadable"), org.name).to.deep.equal([]);
      // Another org's users are not the gateway's to hold.
      const owners = samplesOf(metrics, "rxtrace_certificate_expiry_seconds", { kind: "enrolment" }).map((s) => s.labels.owner ?? "");
      expect(owners.every((o) => o.startsWith(`${mspId}/`)), owners.join(", ")).to.equal(true);
    }
  });

  it("serves every series the alert rules read: Fabric's on the peers or orderers, the gateways' on every gateway", () => {
    const families = (e: Exposition) => new Set([...e.types.keys(), ...e.samples.map((s) => s.name)]);
    const fabric = new Set(targets.filter((t) => t.node !== "gateway").flatMap((t) => [...families(of(t.org, t.node))]));
    for (const rule of readAlertRules(ALERT_RULES)) {
      for (const name of metricNamesOf(rule.expr).filter((n) => n !== "up")) {
        if (/^(rxtrace|nodejs|process)_/.test(name)) {
          for (const org of TOPOLOGY.orgs) expect(families(of(org.name, "gateway")).has(name), `${rule.alert}: ${name} at the ${org.name} gateway`).to.equal(true);
        } else {
          expect(fabric.has(name), `${rule.alert}: ${name} on a peer or orderer`).to.equal(true);
        }
      }
    }
  });
});
