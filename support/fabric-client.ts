/**
 * Connections to the real network for integration tests: one gRPC client per
 * org peer (mutual TLS with the org's application TLS certificate) and one
 * fabric-gateway Gateway per org user.
 */
import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { CommitError, connect, StatusCode, type Contract, type Gateway, type Identity, type Network, type ProposalOptions, type SubmittedTransaction } from "@hyperledger/fabric-gateway";
import { order } from "../gateway/src/adapters/fabric-order.js";
import { createPrivateKey } from "node:crypto";
import { fabricSigning } from "../gateway/src/adapters/fabric-signer.js";
import { orgByMsp, readNetworkDescription, userOf, type NetworkDescription, type NetworkOrg } from "./network-description.js";

export interface OrgSession {
  readonly org: NetworkOrg;
  readonly gateway: Gateway;
  network(channel: string): Network;
  /** rxtrace (or `chaincode`) on `channel`, its submits ordered as the gateway orders them. */
  contract(channel: string, chaincode?: string): Contract;
}

export interface ClientOptions {
  /** Present the org's TLS client certificate (mutual TLS); default: as network.json says. */
  readonly clientCertificate?: boolean;
  /**
   * The MSP id of the org whose peer gateway the session talks to; default:
   * the user's own. Any channel member's peer takes a member's proposals, so
   * a client can go on writing through another org's peer when its own is
   * unreachable.
   */
  readonly via?: string;
}

/** A gRPC client to PEER_ORG's peer, presenting TLS_ORG's client certificate under mutual TLS. */
export function grpcClientFor(peerOrg: NetworkOrg, mutualTls: boolean, tlsOrg: NetworkOrg = peerOrg): grpc.Client {
  const root = readFileSync(peerOrg.peer.tlsCaCertPath);
  const credentials = mutualTls
    ? grpc.credentials.createSsl(root, readFileSync(tlsOrg.clientTls.keyPath), readFileSync(tlsOrg.clientTls.certPath))
    : grpc.credentials.createSsl(root);
  return new grpc.Client(peerOrg.peer.endpoint, credentials, { "grpc.ssl_target_name_override": peerOrg.peer.hostOverride });
}

/** Opens sessions and closes every one of them at once (call `close` in `after`). */
export class FabricSessions {
  readonly description: NetworkDescription;
  readonly #clients = new Map<string, grpc.Client>();
  readonly #gateways: Gateway[] = [];

  constructor(description: NetworkDescription = readNetworkDescription()) {
    this.description = description;
  }

  /** A session as `user` ("operator", "quality", "pharmacist", "auditor", "admin") of the org `mspId`. */
  as(mspId: string, user: string, options: ClientOptions = {}): OrgSession {
    const org = orgByMsp(this.description, mspId);
    const identityFiles = userOf(org, user);
    const mutual = options.clientCertificate ?? this.description.mutualTls;
    const peerOrg = options.via === undefined ? org : orgByMsp(this.description, options.via);
    const key = `${org.name}@${peerOrg.name}/${mutual ? "mtls" : "tls"}`;
    let client = this.#clients.get(key);
    if (!client) {
      client = grpcClientFor(peerOrg, mutual, org);
      this.#clients.set(key, client);
    }
    const gateway = connect({
      client,
      identity: { mspId: org.mspId, credentials: readFileSync(identityFiles.certPath) },
      ...fabricSigning(createPrivateKey(readFileSync(identityFiles.keyPath))),
      evaluateOptions: () => ({ deadline: Date.now() + 15_000 }),
      endorseOptions: () => ({ deadline: Date.now() + 30_000 }),
      submitOptions: () => ({ deadline: Date.now() + 15_000 }),
      commitStatusOptions: () => ({ deadline: Date.now() + 60_000 }),
    });
    this.#gateways.push(gateway);
    const chaincode = this.description.chaincode;
    const identity = { mspId: org.mspId, credentials: readFileSync(identityFiles.certPath) };
    return {
      org,
      gateway,
      network: (channel) => gateway.getNetwork(channel),
      contract: (channel, name = chaincode) => ordering(gateway.getNetwork(channel).getContract(name), gateway, channel, identity),
    };
  }

  close(): void {
    for (const g of this.#gateways.splice(0)) g.close();
    for (const c of this.#clients.values()) c.close();
    this.#clients.clear();
  }
}

const statusName = (code: number): string => Object.entries(StatusCode).find(([, value]) => value === code)?.[0] ?? String(code);

/**
 * The contract with its submits ordered as the gateway orders them
 * (gateway/src/adapters/fabric-order.ts): an orderer's "request already
 * processed" read as ordered, another UNAVAILABLE sent again. Fabric's peer
 * answers UNAVAILABLE for a transaction two of four orderers had already put
 * in a block, which on a loaded host would fail a spec whose write committed.
 */
function ordering(contract: Contract, gateway: Gateway, channel: string, identity: Identity): Contract {
  const submitAsync = async (name: string, options?: ProposalOptions): Promise<SubmittedTransaction> => {
    const transaction = await contract.newProposal(name, options).endorse();
    const commit = await order(gateway, transaction, { channel, identity });
    return {
      getResult: () => transaction.getResult(),
      getTransactionId: () => commit.getTransactionId(),
      getStatus: (callOptions) => commit.getStatus(callOptions),
      getBytes: () => commit.getBytes(),
      getDigest: () => commit.getDigest(),
    };
  };
  const submit = async (name: string, options?: ProposalOptions): Promise<Uint8Array> => {
    const submitted = await submitAsync(name, options);
    const status = await submitted.getStatus();
    if (!status.successful) throw new CommitError({ code: status.code, transactionId: status.transactionId, message: `Transaction ${status.transactionId} failed to commit with status code ${status.code} (${statusName(status.code)})` });
    return submitted.getResult();
  };
  return Object.assign(Object.create(contract) as Contract, {
    submitAsync,
    submit,
    submitTransaction: (name: string, ...args: (string | Uint8Array)[]) => submit(name, { arguments: args }),
    evaluate: (name: string, options?: ProposalOptions) => contract.evaluate(name, options),
    evaluateTransaction: (name: string, ...args: (string | Uint8Array)[]) => contract.evaluateTransaction(name, ...args),
    newProposal: (name: string, options?: ProposalOptions) => contract.newProposal(name, options),
    getChaincodeName: () => contract.getChaincodeName(),
    getContractName: () => contract.getContractName(),
  });
}

const utf8 = new TextDecoder();

/** Evaluates a query and parses its JSON answer. */
export async function evaluateJson(contract: Contract, name: string, ...args: string[]): Promise<unknown> {
  return JSON.parse(utf8.decode(await contract.evaluateTransaction(name, ...args))) as unknown;
}

/** Submits a transaction, waits for it to commit, and parses its JSON answer. */
export async function submitJson(contract: Contract, name: string, options: { arguments: string[]; endorsingOrganizations?: string[]; transientData?: Record<string, string> }): Promise<unknown> {
  const transient = options.transientData
    ? Object.fromEntries(Object.entries(options.transientData).map(([k, v]) => [k, new TextEncoder().encode(v)]))
    : undefined;
  try {
    const result = await contract.submit(name, {
      arguments: options.arguments,
      ...(options.endorsingOrganizations ? { endorsingOrganizations: options.endorsingOrganizations } : {}),
      ...(transient ? { transientData: transient } : {}),
    });
    return JSON.parse(utf8.decode(result)) as unknown;
  } catch (error) {
    throw withDetails(error);
  }
}

/**
 * submitJson for a write another org's peer endorses right after a write it
 * depends on committed: that peer may not have the block yet and answers
 * NOT_FOUND. A proposal refused at endorsement ordered nothing, so it is
 * asked again every 200 ms, up to `ms`; any other failure is thrown at once
 * (the gateway does the same: otherPeersLagging in gateway/src/adapters/fabric.ts).
 */
export async function submitJsonOnceEndorsersCatchUp(contract: Contract, name: string, options: Parameters<typeof submitJson>[2], ms = 10_000): Promise<unknown> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await submitJson(contract, name, options);
    } catch (error) {
      const behind = error instanceof Error && /endorsements/.test(error.message) && /NOT_FOUND/.test(error.message);
      if (!behind || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Copies the peers' messages of a gateway error into its message, so a failed test says why. */
export function withDetails(error: unknown): unknown {
  const details = (error as { details?: { address?: string; message?: string }[] } | undefined)?.details;
  if (error instanceof Error && details && details.length > 0) {
    error.message += details.map((d) => `\n  ${d.address ?? "peer"}: ${d.message ?? ""}`).join("");
  }
  return error;
}

/** A unique suffix so repeated runs on the same ledger never collide. */
export function runId(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`.toUpperCase();
}

/**
 * The chaincode error code (INVALID_ARGUMENT, FORBIDDEN, ...) carried by a
 * failed evaluate or endorse, found in the error or its peer details.
 */
export function chaincodeErrorCode(error: unknown): string | undefined {
  const texts: string[] = [];
  if (error instanceof Error) texts.push(error.message);
  const details = (error as { details?: { message?: string }[] } | undefined)?.details ?? [];
  for (const d of details) if (d.message) texts.push(d.message);
  for (const t of texts) {
    const match = /"code":"([A-Z_]+)"/.exec(t);
    if (match) return match[1];
  }
  return undefined;
}

/** Runs `action`, expecting it to fail; returns what it threw. */
export async function failureOf(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail, but it succeeded");
}

/**
 * Retries `check` until it passes or `ms` elapse. A submit returns once the
 * submitting org's peer committed the block; another org's peer may commit it
 * a moment later, so reads through another org's peer use this.
 */
export async function eventually<T>(check: () => Promise<T>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
