import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import type { ConnectOptions, Gateway } from "@hyperledger/fabric-gateway";
import { expect } from "chai";
import { FabricLedgerClient } from "../../gateway/src/adapters/fabric.js";
import { readNetworkDescription, scopeToOrg } from "../../gateway/src/adapters/fabric-network.js";
import { FileApiKeyStore } from "../../gateway/src/auth/api-keys.js";
import type { Principal } from "../../gateway/src/auth/principal.js";
import { ConfigError, loadConfig } from "../../gateway/src/config.js";
import { ForbiddenError } from "../../gateway/src/errors.js";
import type { LedgerEvent } from "../../gateway/src/ports/event-index.js";
import { HOLD_DECISION_KIND, RELAY_KINDS, relayWorkFor } from "../../gateway/src/services/master-data.js";
import { loadTopology } from "../../gateway/src/topology.js";
import { withPharmacy2 } from "../../support/joining-member.js";
import { buildTestApp, KEY_RECORDS, KEYS } from "./support/app.js";
import { tempDir } from "./support/temp.js";

const GTIN = "09506000134352";
const repoRoot = path.resolve(import.meta.dirname, "../..");
const run = promisify(execFile);
const deadlinesMs = { evaluate: 5000, endorse: 15000, submit: 5000, commitStatus: 60000 };
const ORGS = [
  ["manufacturer", "ManufacturerMSP", "operator", "operator"],
  ["distributor", "DistributorMSP", "operator", "operator"],
  ["pharmacy", "PharmacyMSP", "pharmacist", "pharmacist"],
  ["regulator", "RegulatorMSP", "auditor", "auditor"],
] as const;

/** A network.json of four orgs, each with its own key and certificate files. */
function fourOrgNetwork(): string {
  const dir = tempDir("rxtrace-orgs-");
  writeFileSync(path.join(dir, "ca.pem"), "not used by the double");
  const orgs = ORGS.map(([name, mspId, user, role]) => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const keyPath = path.join(dir, `${name}-key.pem`);
    const certPath = path.join(dir, `${name}-cert.pem`);
    writeFileSync(keyPath, privateKey.export({ type: "pkcs8", format: "pem" }));
    writeFileSync(certPath, `-----BEGIN CERTIFICATE-----\n${Buffer.from(name).toString("base64")}\n-----END CERTIFICATE-----\n`);
    const files = { certPath, keyPath, tlsCertPath: certPath, tlsKeyPath: keyPath };
    return {
      name,
      mspId,
      peer: { endpoint: "127.0.0.1:1", hostOverride: `peer.${name}`, tlsCaCertPath: path.join(dir, "ca.pem") },
      clientTls: { certPath, keyPath },
      users: [{ name: user, role, ...files }],
      admin: { name: "admin", role: "admin", ...files, certPath: path.join(dir, `${name}-admin-cert.pem`), keyPath: path.join(dir, `${name}-admin-key.pem`) },
    };
  });
  const file = path.join(dir, "network.json");
  writeFileSync(
    file,
    JSON.stringify({
      chaincode: "rxtrace",
      mutualTls: false,
      channels: [
        { name: "mfr-dist", orgs: ["ManufacturerMSP", "DistributorMSP", "RegulatorMSP"] },
        { name: "dist-pharm", orgs: ["DistributorMSP", "PharmacyMSP", "RegulatorMSP"] },
      ],
      orgs,
      orderers: [],
    }),
  );
  return file;
}

/** A Gateway double that records whom each connection signs as. */
function connectDouble() {
  const opened: ConnectOptions[] = [];
  const connect = (options: ConnectOptions): Gateway => {
    opened.push(options);
    const contract = { evaluate: async () => new TextEncoder().encode("{}") };
    return { getNetwork: () => ({ getContract: () => contract }), close: () => {} } as unknown as Gateway;
  };
  return { connect, opened };
}

const manufacturer: Principal = { keyId: "k", user: "operator", mspId: "ManufacturerMSP", role: "operator" };
const distributor: Principal = { keyId: "k", user: "operator", mspId: "DistributorMSP", role: "operator" };

describe("one gateway per org: configuration", () => {
  it("gives the org's gateway its own state folder, keys file and topology port", () => {
    const config = loadConfig({ RXTRACE_DATA: "/data", RXTRACE_GATEWAY_ORG: "pharmacy", RXTRACE_PORT_OFFSET: "300" }, "/repo");

    expect(config.org).to.equal("pharmacy");
    expect(config.stateDir).to.equal("/data/gateway/pharmacy");
    expect(config.keysFile).to.equal("/data/gateway/pharmacy/keys.json");
    expect(config.server.port).to.equal(9357);
  });

  it("gives each org a different port and state folder", () => {
    const configs = ORGS.map(([org]) => loadConfig({ RXTRACE_DATA: "/data", RXTRACE_GATEWAY_ORG: org }, "/repo"));

    expect(new Set(configs.map((c) => c.server.port)).size).to.equal(4);
    expect(new Set(configs.map((c) => c.stateDir)).size).to.equal(4);
  });

  it("serves an org that joined after launch, named only in RXTRACE_TOPOLOGY's file: its config, channels, API keys and grants", async () => {
    const file = path.join(tempDir("rxtrace-joined-"), "topology.json");
    writeFileSync(file, JSON.stringify(withPharmacy2(loadTopology())));
    const src = (module: string) => pathToFileURL(path.join(repoRoot, "gateway/src", module)).href;
    // A process of its own: the topology is the one RXTRACE_TOPOLOGY names when the gateway's modules load.
    const script = `
      import { loadConfigFromProcess } from ${JSON.stringify(src("config.ts"))};
      import { parseKeyFile } from ${JSON.stringify(src("auth/api-keys.ts"))};
      import { isAllowed } from ${JSON.stringify(src("auth/policy.ts"))};
      import { channelsOf } from ${JSON.stringify(src("services/channels.ts"))};
      import { orgByName } from ${JSON.stringify(src("topology.ts"))};
      const config = loadConfigFromProcess("/repo");
      const mspId = orgByName(config.org).mspId;
      const pharmacist = { keyId: "k", user: "pharmacist", mspId, role: "pharmacist" };
      const keys = parseKeyFile({ version: 1, keys: [{ id: "k", sha256: "0".repeat(64), user: "pharmacist", mspId, role: "pharmacist", createdAt: "2026-01-01T00:00:00Z" }] }).keys;
      console.log(JSON.stringify({ org: config.org, stateDir: config.stateDir, port: config.server.port, mspId, channels: channelsOf(mspId), keys: keys.length, dispense: isAllowed(pharmacist, "pack.dispense"), commission: isAllowed(pharmacist, "lot.commission") }));`;
    const env = { ...process.env, RXTRACE_TOPOLOGY: file, RXTRACE_GATEWAY_ORG: "pharmacy2", RXTRACE_DATA: "/data", RXTRACE_PORT_OFFSET: "300", RXTRACE_GATEWAY_CONFIG: "" };
    const { stdout } = await run(process.execPath, ["--import=tsx", "--input-type=module", "-e", script], { cwd: repoRoot, env });

    expect(JSON.parse(stdout)).to.deep.equal({
      org: "pharmacy2",
      stateDir: "/data/gateway/pharmacy2",
      port: 11357,
      mspId: "Pharmacy2MSP",
      channels: ["dist-pharm"],
      keys: 1,
      dispense: true,
      commission: false,
    });
    expect(() => loadConfig({ RXTRACE_GATEWAY_ORG: "pharmacy2" }, "/repo")).to.throw(ConfigError, /RXTRACE_GATEWAY_ORG.*pharmacy2/);
  });

  it("refuses an org the topology does not name, naming the variable", () => {
    expect(() => loadConfig({ RXTRACE_GATEWAY_ORG: "wholesaler" }, "/repo")).to.throw(ConfigError, /RXTRACE_GATEWAY_ORG.*wholesaler/);
  });
});

describe("one gateway per org: identities", () => {
  it("keeps no path to another org's keys in the distributor's network description", () => {
    const full = readNetworkDescription(fourOrgNetwork());
    const scoped = JSON.stringify(scopeToOrg(full, "DistributorMSP"));

    for (const org of full.orgs.filter((o) => o.mspId !== "DistributorMSP")) {
      for (const user of [...org.users, org.admin]) {
        expect(scoped).not.to.include(user.keyPath);
        expect(scoped).not.to.include(user.certPath);
      }
      expect(scoped).not.to.include(org.clientTls.keyPath);
    }
    expect(scoped).to.include("DistributorMSP");
  });

  it("lets the distributor's gateway sign as the distributor's users only", () => {
    const client = new FabricLedgerClient({ org: "DistributorMSP", networkFile: fourOrgNetwork(), chaincode: "rxtrace", deadlinesMs, mvccRetries: 0, connect: connectDouble().connect });

    expect(client.identities()).to.deep.equal(["DistributorMSP/operator", "DistributorMSP/admin"]);
    client.close();
  });

  it("refuses a submit as the manufacturer from the distributor's gateway before opening any connection", async () => {
    const double = connectDouble();
    const client = new FabricLedgerClient({ org: "DistributorMSP", networkFile: fourOrgNetwork(), chaincode: "rxtrace", deadlinesMs, mvccRetries: 0, connect: double.connect });

    const refused = await client.submit(manufacturer, { channel: "mfr-dist", transaction: "packs:CommissionLot", args: ["{}"] }).catch((e: unknown) => e);

    expect(refused).to.be.instanceOf(ForbiddenError);
    expect((refused as Error).message).to.include("serves DistributorMSP only");
    expect(double.opened).to.deep.equal([]);
    client.close();
  });

  it("signs the distributor's own reads with the distributor's certificate", async () => {
    const double = connectDouble();
    const client = new FabricLedgerClient({ org: "DistributorMSP", networkFile: fourOrgNetwork(), chaincode: "rxtrace", deadlinesMs, mvccRetries: 0, connect: double.connect });

    await client.evaluate(distributor, { channel: "dist-pharm", transaction: "partners:ListPartners" });

    expect(double.opened.map((o) => o.identity.mspId)).to.deep.equal(["DistributorMSP"]);
    expect(new TextDecoder().decode(double.opened[0]?.identity.credentials)).to.include(Buffer.from("distributor").toString("base64"));
    client.close();
  });

  it("observes the channels with the gateway's own org's user", () => {
    const client = new FabricLedgerClient({ org: "PharmacyMSP", networkFile: fourOrgNetwork(), chaincode: "rxtrace", deadlinesMs, mvccRetries: 0, connect: connectDouble().connect });

    expect(client.observer("dist-pharm").mspId).to.equal("PharmacyMSP");
    expect(() => client.observer("mfr-dist")).to.throw(/no client user of a mfr-dist member/);
    client.close();
  });
});

describe("one gateway per org: API keys", () => {
  function keysFile(): string {
    const file = path.join(tempDir("rxtrace-keys-"), "keys.json");
    writeFileSync(file, JSON.stringify({ version: 1, keys: KEY_RECORDS }));
    return file;
  }

  it("never accepts another org's key, even one in its keys file", () => {
    const store = new FileApiKeyStore(keysFile(), { mspId: "DistributorMSP" });

    expect(store.authenticate(KEYS.distributor)?.mspId).to.equal("DistributorMSP");
    expect(store.authenticate(KEYS.manufacturer)).to.equal(undefined);
    expect(store.authenticate(KEYS.regulatorAdmin)).to.equal(undefined);
  });

  it("answers 401 to a manufacturer's key at the distributor's gateway", async () => {
    const t = await buildTestApp({ org: "distributor", keys: new FileApiKeyStore(keysFile(), { mspId: "DistributorMSP" }) });
    try {
      const refused = await t.app.inject({ method: "GET", url: "/v1/whoami", headers: { "x-api-key": KEYS.manufacturer } });
      const own = await t.app.inject({ method: "GET", url: "/v1/whoami", headers: { "x-api-key": KEYS.distributor } });

      expect(refused.statusCode).to.equal(401);
      expect(own.statusCode).to.equal(200);
      expect(own.json().mspId).to.equal("DistributorMSP");
    } finally {
      await t.close();
    }
  });
});

describe("one gateway per org: the recall relay", () => {
  function event(over: Partial<LedgerEvent>): LedgerEvent {
    return { channel: "mfr-dist", blockNumber: 9, txId: "tx", eventName: "LotRecalled", timestamp: "2026-01-01T00:00:00Z", mspId: "ManufacturerMSP", payload: { gtin: GTIN, lot: "L1", reason: "x" }, ...over };
  }

  it("turns a manufacturer's recall on mfr-dist into a copy onto dist-pharm's lot", () => {
    expect(relayWorkFor(event({}))).to.deep.equal({ kind: RELAY_KINDS.recall, key: `dist-pharm/lot/${GTIN}/L1`, payload: { gtin: GTIN, lot: "L1" } });
  });

  it("turns a manufacturer's withdrawal on mfr-dist into a copy onto dist-pharm's product", () => {
    expect(relayWorkFor(event({ eventName: "ProductWithdrawn", payload: { gtin: GTIN, reason: "x" } }))).to.deep.equal({
      kind: RELAY_KINDS.withdrawal,
      key: `dist-pharm/product/${GTIN}`,
      payload: { gtin: GTIN },
    });
  });

  it("turns a manufacturer's decision on a dist-pharm hold, recorded on mfr-dist, into its mirror and apply on dist-pharm", () => {
    const recorded = event({ eventName: "HoldDecisionRecorded", payload: { shipmentId: "S-1", decision: "destroy", reason: "x", channel: "dist-pharm" } });
    expect(relayWorkFor(recorded)).to.deep.equal({
      kind: HOLD_DECISION_KIND,
      key: "dist-pharm/holddecision/S-1/ManufacturerMSP",
      payload: { shipmentId: "S-1", manufacturer: "ManufacturerMSP", decision: "destroy" },
    });
    expect(relayWorkFor(event({ eventName: "HoldDecisionRecorded", payload: { shipmentId: "S-1", decision: "keep" } }))).to.equal(undefined);
  });

  it("leaves alone the regulator's own recalls, recalls on dist-pharm and other events", () => {
    expect(relayWorkFor(event({ mspId: "RegulatorMSP" }))).to.equal(undefined);
    expect(relayWorkFor(event({ channel: "dist-pharm" }))).to.equal(undefined);
    expect(relayWorkFor(event({ eventName: "LotCommissioned" }))).to.equal(undefined);
    expect(relayWorkFor(event({ payload: "not json" }))).to.equal(undefined);
  });

  it("answers a manufacturer's recall at the manufacturer's gateway with dist-pharm pending and signs nothing as the regulator", async () => {
    const t = await buildTestApp({ org: "manufacturer" });
    try {
      t.ledger.on("packs:GetLot", () => ({ gtin: GTIN, lot: "L1", manufacturer: "ManufacturerMSP" }));
      t.ledger.on("packs:RecallLot", () => ({ recall: {} }));

      const res = await t.app.inject({
        method: "POST",
        url: `/v1/lots/${GTIN}/L1/recall`,
        headers: { "x-api-key": KEYS.quality, "content-type": "application/json" },
        payload: { reason: "contamination" },
      });

      expect(res.statusCode).to.equal(200);
      expect(res.json().commits.map((c: { channel: string }) => c.channel)).to.deep.equal(["mfr-dist"]);
      expect(res.json().pending.map((p: { channel: string; transaction: string }) => [p.channel, p.transaction])).to.deep.equal([["dist-pharm", "crosschannel:SyncRecall"]]);
      expect(t.ledger.calls.filter((c) => c.as.mspId !== "ManufacturerMSP")).to.deep.equal([]);
    } finally {
      await t.close();
    }
  });
});
