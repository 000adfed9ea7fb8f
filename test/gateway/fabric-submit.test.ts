import { generateKeyPairSync, verify, type KeyObject } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { common } from "@hyperledger/fabric-protos";
import { EndorseError, type ConnectOptions, type Gateway } from "@hyperledger/fabric-gateway";
import { expect } from "chai";
import { FabricLedgerClient } from "../../gateway/src/adapters/fabric.js";
import type { Principal } from "../../gateway/src/auth/principal.js";
import { GatewayError } from "../../gateway/src/errors.js";
import { tempDir } from "./support/temp.js";

const MVCC_READ_CONFLICT = 11;
const ENDORSEMENT_POLICY_FAILURE = 10;

interface Attempt {
  transaction: string;
  args: string[];
  endorsingOrganizations?: string[];
}

/** A Gateway double: each submit commits with the next scripted status code. */
function gatewayDouble(statuses: number[], result = '{"ok":true}', endorseFailures: Error[] = []) {
  const attempts: Attempt[] = [];
  const opened: ConnectOptions[] = [];
  let tx = 0;
  const connectFn = (options: ConnectOptions): Gateway => {
    opened.push(options);
    const contract = {
      evaluate: async (name: string, opts: { arguments: string[] }) => {
        attempts.push({ transaction: name, args: opts.arguments });
        return new TextEncoder().encode(result);
      },
      newProposal: (name: string, opts: { arguments: string[]; endorsingOrganizations?: string[] }) => {
        const id = `tx${++tx}`;
        attempts.push({ transaction: name, args: opts.arguments, ...(opts.endorsingOrganizations ? { endorsingOrganizations: opts.endorsingOrganizations } : {}) });
        return {
          getTransactionId: () => id,
          endorse: async () => {
            const failure = endorseFailures.shift();
            if (failure) throw failure;
            return {
            getTransactionId: () => id,
            getResult: () => new TextEncoder().encode(result),
            submit: async () => ({
              getStatus: async () => {
                const code = statuses.shift() ?? 0;
                return { code, successful: code === 0, blockNumber: BigInt(40 + tx), transactionId: id };
              },
            }),
            };
          },
        };
      },
    };
    return { getNetwork: () => ({ getContract: () => contract }), close: () => {} } as unknown as Gateway;
  };
  return { connectFn, attempts, opened };
}

/** The public key of the user in the last network file written, to check what the adapter signs. */
let userPublicKey: KeyObject | undefined;

function networkFile(mfrDistMembers: readonly string[] = ["ManufacturerMSP"]): string {
  const dir = tempDir("rxtrace-fab-");
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  userPublicKey = publicKey;
  writeFileSync(path.join(dir, "key.pem"), privateKey.export({ type: "pkcs8", format: "pem" }));
  writeFileSync(path.join(dir, "cert.pem"), "-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n");
  writeFileSync(path.join(dir, "ca.pem"), "not used by the double");
  const files = { certPath: path.join(dir, "cert.pem"), keyPath: path.join(dir, "key.pem"), tlsCertPath: path.join(dir, "cert.pem"), tlsKeyPath: path.join(dir, "key.pem") };
  const file = path.join(dir, "network.json");
  writeFileSync(
    file,
    JSON.stringify({
      channels: [{ name: "mfr-dist", orgs: mfrDistMembers }, { name: "dist-pharm", orgs: [] }],
      orgs: [
        {
          name: "manufacturer",
          mspId: "ManufacturerMSP",
          peer: { endpoint: "127.0.0.1:1", hostOverride: "peer.manufacturer", tlsCaCertPath: path.join(dir, "ca.pem") },
          clientTls: { certPath: path.join(dir, "cert.pem"), keyPath: path.join(dir, "key.pem") },
          users: [{ name: "operator", role: "operator", ...files }],
          admin: { name: "admin", role: "admin", ...files },
        },
      ],
      chaincode: "rxtrace",
      mutualTls: false,
      orderers: [],
    }),
  );
  return file;
}

const as: Principal = { keyId: "k", user: "operator", mspId: "ManufacturerMSP", role: "operator" };
const deadlinesMs = { evaluate: 5000, endorse: 15000, submit: 5000, commitStatus: 60000 };

describe("Fabric ledger client submit", () => {
  it("returns the parsed result with the transaction id and block of a VALID commit", async () => {
    const double = gatewayDouble([0]);
    const client = new FabricLedgerClient({ networkFile: networkFile(), chaincode: "rxtrace", deadlinesMs, mvccRetries: 3, connect: double.connectFn });
    const committed = await client.submit(as, { channel: "mfr-dist", transaction: "packs:CommissionLot", args: ["{}"], endorsingOrganizations: ["ManufacturerMSP"] });
    expect(committed).to.deep.equal({ result: { ok: true }, transactionId: "tx1", blockNumber: "41" });
    expect(double.attempts[0]?.endorsingOrganizations).to.deep.equal(["ManufacturerMSP"]);
    client.close();
  });

  it("signs as the key's own user with the org's MSP id", async () => {
    const double = gatewayDouble([0]);
    const client = new FabricLedgerClient({ networkFile: networkFile(), chaincode: "rxtrace", deadlinesMs, mvccRetries: 3, connect: double.connectFn });
    await client.submit(as, { channel: "mfr-dist", transaction: "t" });
    expect(double.opened[0]?.identity.mspId).to.equal("ManufacturerMSP");
    expect(new TextDecoder().decode(double.opened[0]?.identity.credentials)).to.include("BEGIN CERTIFICATE");
    client.close();
  });

  it("signs the whole message with the user's key, low-S DER that verifies against its public key", async () => {
    const double = gatewayDouble([0]);
    const client = new FabricLedgerClient({ networkFile: networkFile(), chaincode: "rxtrace", deadlinesMs, mvccRetries: 3, connect: double.connectFn });
    await client.evaluate(as, { channel: "mfr-dist", transaction: "t" });
    const options = double.opened[0];
    const message = new TextEncoder().encode("a proposal's bytes");

    const signature = await options!.signer!(options!.hash!(message));

    expect(options!.hash!(message), "the signer gets the message itself and hashes it natively").to.deep.equal(message);
    expect(signature[0], "DER SEQUENCE").to.equal(0x30);
    expect(verify("sha256", message, userPublicKey!, signature)).to.equal(true);
    client.close();
  });

  it("sets a deadline per call kind", async () => {
    const double = gatewayDouble([0]);
    const client = new FabricLedgerClient({ networkFile: networkFile(), chaincode: "rxtrace", deadlinesMs, mvccRetries: 3, connect: double.connectFn });
    await client.evaluate(as, { channel: "mfr-dist", transaction: "t" });
    const options = double.opened[0];
    const now = Date.now();
    const deadline = (f: (() => { deadline?: unknown }) | undefined) => Number((f?.() as { deadline: number }).deadline) - now;
    expect(deadline(options?.evaluateOptions)).to.be.within(4900, 5100);
    expect(deadline(options?.endorseOptions)).to.be.within(14900, 15100);
    expect(deadline(options?.submitOptions)).to.be.within(4900, 5100);
    expect(deadline(options?.commitStatusOptions)).to.be.within(59900, 60100);
    client.close();
  });

  it("endorses and submits again after an MVCC read conflict, with a new transaction", async () => {
    const double = gatewayDouble([MVCC_READ_CONFLICT, MVCC_READ_CONFLICT, 0]);
    const client = new FabricLedgerClient({ networkFile: networkFile(), chaincode: "rxtrace", deadlinesMs, mvccRetries: 3, connect: double.connectFn });
    const committed = await client.submit(as, { channel: "mfr-dist", transaction: "t" });
    expect(committed.transactionId).to.equal("tx3");
    expect(double.attempts).to.have.length(3);
    client.close();
  });

  it("endorses again when only another org's peer refused, as that peer has not committed the last block yet", async () => {
    const notYet = () =>
      new EndorseError({
        code: 10,
        details: [{ address: "127.0.0.1:8051", mspId: "DistributorMSP", message: 'chaincode response 500, {"code":"NOT_FOUND","message":"pack not found"}' }],
        cause: new Error("10 ABORTED"),
        transactionId: "lagging",
      } as unknown as ConstructorParameters<typeof EndorseError>[0]);
    const double = gatewayDouble([0], '{"ok":true}', [notYet(), notYet()]);
    const client = new FabricLedgerClient({ networkFile: networkFile(), chaincode: "rxtrace", deadlinesMs, mvccRetries: 0, connect: double.connectFn });
    const committed = await client.submit(as, { channel: "mfr-dist", transaction: "t", endorsingOrganizations: ["ManufacturerMSP", "DistributorMSP"] });
    expect(committed.result).to.deep.equal({ ok: true });
    expect(double.attempts).to.have.length(3);
    client.close();
  });

  it("endorses again when the peers endorsed different results, as they stand at different heights", async () => {
    const mismatch = () =>
      new EndorseError({
        code: 10,
        details: [{ address: "127.0.0.1:7051", mspId: "ManufacturerMSP", message: "ProposalResponsePayloads do not match" }],
        cause: new Error("10 ABORTED"),
        transactionId: "mismatch",
      } as unknown as ConstructorParameters<typeof EndorseError>[0]);
    const double = gatewayDouble([0], '{"ok":true}', [mismatch()]);
    const client = new FabricLedgerClient({ networkFile: networkFile(), chaincode: "rxtrace", deadlinesMs, mvccRetries: 0, connect: double.connectFn });
    const committed = await client.submit(as, { channel: "mfr-dist", transaction: "t", endorsingOrganizations: ["ManufacturerMSP", "RegulatorMSP"] });
    expect(committed.result).to.deep.equal({ ok: true });
    expect(double.attempts).to.have.length(2);
    client.close();
  });

  it("does not retry a refusal by the caller's own peer", async () => {
    const refused = new EndorseError({
      code: 10,
      details: [{ address: "127.0.0.1:7051", mspId: "ManufacturerMSP", message: 'chaincode response 500, {"code":"NOT_FOUND","message":"pack not found"}' }],
      cause: new Error("10 ABORTED"),
      transactionId: "own",
    } as unknown as ConstructorParameters<typeof EndorseError>[0]);
    const double = gatewayDouble([0], '{"ok":true}', [refused]);
    const client = new FabricLedgerClient({ networkFile: networkFile(), chaincode: "rxtrace", deadlinesMs, mvccRetries: 0, connect: double.connectFn });
    const err = await client.submit(as, { channel: "mfr-dist", transaction: "t" }).catch((e: unknown) => e);
    expect((err as GatewayError).code).to.equal("NOT_FOUND");
    expect(double.attempts).to.have.length(1);
    client.close();
  });

  it("gives up with 409 after the allowed MVCC retries", async () => {
    const double = gatewayDouble([MVCC_READ_CONFLICT, MVCC_READ_CONFLICT, MVCC_READ_CONFLICT]);
    const client = new FabricLedgerClient({ networkFile: networkFile(), chaincode: "rxtrace", deadlinesMs, mvccRetries: 1, connect: double.connectFn });
    const err = await client.submit(as, { channel: "mfr-dist", transaction: "t" }).catch((e: unknown) => e);
    expect((err as GatewayError).code).to.equal("CONFLICT");
    expect((err as GatewayError).transactionId).to.equal("tx2");
    expect(double.attempts).to.have.length(2);
    client.close();
  });

  it("never retries another invalid status: 502 naming it, with the transaction id", async () => {
    const double = gatewayDouble([ENDORSEMENT_POLICY_FAILURE]);
    const client = new FabricLedgerClient({ networkFile: networkFile(), chaincode: "rxtrace", deadlinesMs, mvccRetries: 3, connect: double.connectFn });
    const err = await client.submit(as, { channel: "mfr-dist", transaction: "t" }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(GatewayError);
    expect((err as GatewayError).status).to.equal(502);
    expect((err as GatewayError).code).to.equal("COMMIT_FAILED");
    expect((err as GatewayError).message).to.equal("transaction tx1 committed invalid: ENDORSEMENT_POLICY_FAILURE");
    expect(double.attempts).to.have.length(1);
    client.close();
  });

  it("refuses an answer that is not JSON with 502", async () => {
    const double = gatewayDouble([0], "<html>");
    const client = new FabricLedgerClient({ networkFile: networkFile(), chaincode: "rxtrace", deadlinesMs, mvccRetries: 3, connect: double.connectFn });
    const err = await client.evaluate(as, { channel: "mfr-dist", transaction: "t" }).catch((e: unknown) => e);
    expect((err as GatewayError).status).to.equal(502);
    client.close();
  });

  it("opens one Gateway per org user and reuses it", async () => {
    const double = gatewayDouble([0, 0]);
    const client = new FabricLedgerClient({ networkFile: networkFile(), chaincode: "rxtrace", deadlinesMs, mvccRetries: 3, connect: double.connectFn });
    await client.submit(as, { channel: "mfr-dist", transaction: "t" });
    await client.evaluate(as, { channel: "mfr-dist", transaction: "t" });
    expect(double.opened).to.have.length(1);
    client.close();
  });
});

/** A Gateway double answering qscc GetChainInfo per target org: a height, or a failure (an unreachable peer). */
function chainInfoDouble(answers: Record<string, bigint | Error>) {
  const asked: { name: string; args: string[]; endorsingOrganizations?: string[]; deadline?: number }[] = [];
  const connectFn = (): Gateway => {
    const contract = {
      newProposal: (name: string, opts: { arguments: string[]; endorsingOrganizations?: string[] }) => ({
        evaluate: async (call?: { deadline?: number }) => {
          asked.push({ name, args: opts.arguments, ...(opts.endorsingOrganizations ? { endorsingOrganizations: opts.endorsingOrganizations } : {}), ...(call?.deadline ? { deadline: call.deadline } : {}) });
          const answer = answers[opts.endorsingOrganizations?.[0] ?? ""];
          if (answer === undefined || answer instanceof Error) throw answer ?? new Error("no such org");
          const info = new common.BlockchainInfo();
          info.setHeight(Number(answer));
          return info.serializeBinary();
        },
      }),
    };
    return { getNetwork: () => ({ getContract: () => contract }), close: () => {} } as unknown as Gateway;
  };
  return { connectFn, asked };
}

describe("Fabric ledger client: the channel's height on the other members' peers", () => {
  const members = ["ManufacturerMSP", "DistributorMSP", "RegulatorMSP"];

  it("asks each other member's peer for qscc GetChainInfo through the caller's Gateway, with a deadline, and takes the highest", async () => {
    const double = chainInfoDouble({ DistributorMSP: 12n, RegulatorMSP: 14n });
    const client = new FabricLedgerClient({ networkFile: networkFile(members), chaincode: "rxtrace", deadlinesMs, mvccRetries: 0, membersHeightTimeoutMs: 700, connect: double.connectFn });
    const before = Date.now();

    const height = await client.heights.membersHeight(as, "mfr-dist");

    expect(height).to.equal(14n);
    expect(double.asked.map((a) => [a.name, a.args, a.endorsingOrganizations])).to.have.deep.members([
      ["GetChainInfo", ["mfr-dist"], ["DistributorMSP"]],
      ["GetChainInfo", ["mfr-dist"], ["RegulatorMSP"]],
    ]);
    for (const a of double.asked) expect(a.deadline).to.be.within(before + 700, Date.now() + 700);
  });

  it("ignores a peer that does not answer, and says undefined when none does", async () => {
    const some = chainInfoDouble({ DistributorMSP: new Error("UNAVAILABLE"), RegulatorMSP: 9n });
    const client = new FabricLedgerClient({ networkFile: networkFile(members), chaincode: "rxtrace", deadlinesMs, mvccRetries: 0, connect: some.connectFn });
    expect(await client.heights.membersHeight(as, "mfr-dist")).to.equal(9n);

    const none = chainInfoDouble({ DistributorMSP: new Error("UNAVAILABLE"), RegulatorMSP: new Error("DEADLINE_EXCEEDED") });
    const silent = new FabricLedgerClient({ networkFile: networkFile(members), chaincode: "rxtrace", deadlinesMs, mvccRetries: 0, connect: none.connectFn });
    expect(await silent.heights.membersHeight(as, "mfr-dist")).to.equal(undefined);
  });
});
