import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { status as GrpcStatus, Metadata, type ServiceError } from "@grpc/grpc-js";
import { CommitStatusError, EndorseError, GatewayError as FabricGatewayError } from "@hyperledger/fabric-gateway";
import { expect } from "chai";
import { toGatewayError } from "../../gateway/src/adapters/fabric-errors.js";
import { FabricLedgerClient } from "../../gateway/src/adapters/fabric.js";
import { GatewayError } from "../../gateway/src/errors.js";
import type { Principal } from "../../gateway/src/auth/principal.js";
import { tempDir } from "./support/temp.js";

function serviceError(code: number, details: string): ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new Metadata() });
}

function endorseError(code: number, detail: string, transactionId = "tx-42"): EndorseError {
  return new EndorseError({
    code,
    details: [{ address: "127.0.0.1:8051", mspId: "DistributorMSP", message: detail }],
    cause: serviceError(code, "failed to endorse transaction"),
    transactionId,
    message: "10 ABORTED: failed to endorse transaction, see attached details for more info",
  });
}

describe("Fabric error mapping", () => {
  it("maps a chaincode NOT_FOUND to 404 with its field and the transaction id", () => {
    const err = toGatewayError(
      endorseError(GrpcStatus.ABORTED, 'chaincode response 500, {"code":"NOT_FOUND","field":"serial","message":"serial: no pack 0950/X"}'),
      "peer",
    );
    expect(err.status).to.equal(404);
    expect(err.toBody()).to.deep.equal({ code: "NOT_FOUND", field: "serial", message: "serial: no pack 0950/X", transactionId: "tx-42" });
  });

  for (const [code, status] of [
    ["INVALID_ARGUMENT", 400],
    ["FORBIDDEN", 403],
    ["ALREADY_EXISTS", 409],
    ["CONFLICT", 409],
  ] as const) {
    it(`maps a chaincode ${code} to ${status}`, () => {
      const err = toGatewayError(endorseError(GrpcStatus.ABORTED, `chaincode response 500, {"code":"${code}","message":"m"}`), "peer");
      expect(err.code).to.equal(code);
      expect(err.status).to.equal(status);
    });
  }

  it("finds a chaincode error in an evaluate failure's details", () => {
    const err = new FabricGatewayError({
      code: GrpcStatus.UNKNOWN,
      details: [{ address: "a", mspId: "PharmacyMSP", message: '{"code":"CONFLICT","message":"pack is RECALLED"}' }],
      cause: serviceError(GrpcStatus.UNKNOWN, "evaluate call to endorser returned error"),
    });
    expect(toGatewayError(err, "peer").code).to.equal("CONFLICT");
  });

  it("maps an endorsement refused for another reason to 502 with the transaction id", () => {
    const err = toGatewayError(endorseError(GrpcStatus.ABORTED, "access denied: channel [mfr-dist] creator org unknown"), "peer");
    expect(err.status).to.equal(502);
    expect(err.code).to.equal("ENDORSEMENT_FAILED");
    expect(err.transactionId).to.equal("tx-42");
    expect(err.message).to.include("creator org unknown");
  });

  it("maps an unreachable peer to 503 naming Fabric", () => {
    const err = toGatewayError(endorseError(GrpcStatus.UNAVAILABLE, "connect ECONNREFUSED"), "DistributorMSP peer 127.0.0.1:8051");
    expect(err.status).to.equal(503);
    expect(err.details).to.deep.equal({ dependency: "fabric" });
    expect(err.message).to.include("127.0.0.1:8051");
  });

  it("maps a call on a gRPC channel closed under it to 503, not 500", () => {
    const err = toGatewayError(new Error("Channel has been shut down"), "ManufacturerMSP peer 127.0.0.1:7051");
    expect(err.status).to.equal(503);
    expect(err.details).to.deep.equal({ dependency: "fabric" });
    expect(err.message).to.include("127.0.0.1:7051");
  });

  it("maps a peer that cannot reach its chaincode server to 503, not 502", () => {
    const err = toGatewayError(
      endorseError(
        GrpcStatus.ABORTED,
        "error in simulation: could not launch chaincode rxtrace:72b2: error creating grpc connection to 127.0.0.1:7055: dial tcp 127.0.0.1:7055: connect: connection refused",
      ),
      "peer",
    );
    expect(err.status).to.equal(503);
    expect(err.transactionId).to.equal("tx-42");
    expect(err.message).to.match(/^fabric unavailable: endorsement impossible/);
  });

  it("maps a missed commit-status deadline to 504 with the transaction id", () => {
    const err = new CommitStatusError({
      code: GrpcStatus.DEADLINE_EXCEEDED,
      details: [],
      cause: serviceError(GrpcStatus.DEADLINE_EXCEEDED, "deadline"),
      transactionId: "tx-9",
    });
    const mapped = toGatewayError(err, "peer");
    expect(mapped.status).to.equal(504);
    expect(mapped.transactionId).to.equal("tx-9");
  });

  it("passes a gateway error through unchanged", () => {
    const original = new GatewayError("CONFLICT", "x");
    expect(toGatewayError(original, "peer")).to.equal(original);
  });
});

describe("Fabric ledger client without a network", () => {
  const manufacturer: Principal = { keyId: "k", user: "operator", mspId: "ManufacturerMSP", role: "operator" };

  function networkFile(): string {
    const dir = tempDir("rxtrace-net-");
    const file = path.join(dir, "network.json");
    const org = (name: string, mspId: string, port: number) => ({
      name,
      mspId,
      peer: { endpoint: `127.0.0.1:${port}`, hostOverride: `peer.${name}`, tlsCaCertPath: path.join(dir, "missing-ca.pem") },
      clientTls: { certPath: "/nope", keyPath: "/nope" },
      users: [{ name: "operator", role: "operator", certPath: "/nope", keyPath: "/nope", tlsCertPath: "/nope", tlsKeyPath: "/nope" }],
      admin: { name: "admin", role: "admin", certPath: "/nope", keyPath: "/nope", tlsCertPath: "/nope", tlsKeyPath: "/nope" },
    });
    writeFileSync(
      file,
      JSON.stringify({
        channels: [
          { name: "mfr-dist", orgs: ["ManufacturerMSP", "DistributorMSP"] },
          { name: "dist-pharm", orgs: ["DistributorMSP", "PharmacyMSP"] },
        ],
        orgs: [org("manufacturer", "ManufacturerMSP", 7051), org("distributor", "DistributorMSP", 8051)],
        chaincode: "rxtrace",
        mutualTls: false,
        orderers: [],
      }),
    );
    return file;
  }

  const options = (file: string) => ({
    networkFile: file,
    chaincode: "rxtrace",
    deadlinesMs: { evaluate: 100, endorse: 100, submit: 100, commitStatus: 100 },
    mvccRetries: 1,
  });

  it("answers 503 naming Fabric while network.json does not exist", async () => {
    const client = new FabricLedgerClient(options(path.join(tmpdir(), "rxtrace-none", "network.json")));
    const err = await client.evaluate(manufacturer, { channel: "mfr-dist", transaction: "partners:ListPartners" }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(GatewayError);
    expect((err as GatewayError).status).to.equal(503);
    expect((err as GatewayError).message).to.match(/^fabric unavailable: no network description/);
  });

  it("refuses a call on a channel the caller's org is not a member of, before contacting a peer", async () => {
    const client = new FabricLedgerClient(options(networkFile()));
    const err = await client.submit(manufacturer, { channel: "dist-pharm", transaction: "packs:Dispense" }).catch((e: unknown) => e);
    expect((err as GatewayError).code).to.equal("FORBIDDEN");
    expect((err as GatewayError).message).to.equal("ManufacturerMSP is not a member of channel dist-pharm");
  });

  it("refuses a user that network.json does not list", async () => {
    const client = new FabricLedgerClient(options(networkFile()));
    const err = await client
      .evaluate({ ...manufacturer, user: "quality" }, { channel: "mfr-dist", transaction: "partners:ListPartners" })
      .catch((e: unknown) => e);
    expect((err as GatewayError).code).to.equal("FORBIDDEN");
  });
});
