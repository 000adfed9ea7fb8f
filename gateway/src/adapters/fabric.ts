/**
 * LedgerClient over Fabric's Gateway service (@hyperledger/fabric-gateway).
 * One gRPC connection per peer (mutual TLS with the org's application
 * certificate when network.json names one), shared by every org user whose
 * calls go through that peer; one Gateway (identity + signer) per org user. Deadlines
 * per call kind; a transaction invalidated by an MVCC read conflict is
 * endorsed and submitted again (and only that); every submit waits for its
 * commit status and fails unless it committed VALID.
 *
 * An org's gateway names its org (`org`): the client then holds that org's
 * identities only (scopeToOrg), connects to that org's peer only and refuses
 * a call as any other org before any key is read. Without `org` it holds
 * every org's identities: the multi-org test mode of support/gateway-harness.ts.
 */
import { createHash, createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { common } from "@hyperledger/fabric-protos";
import { connect, EndorseError, StatusCode, type ConnectOptions, type Gateway, type Identity, type Network } from "@hyperledger/fabric-gateway";
import { isRole, type Principal } from "../auth/principal.js";
import type { Config } from "../config.js";
import { CommitError, ConflictError, ForbiddenError, GatewayError, UnavailableError } from "../errors.js";
import type { ChannelName, EvaluateResult, LedgerCall, LedgerClient, LedgerHeights, SubmitResult } from "../ports/ledger.js";
import { CHANNELS } from "../ports/ledger.js";
import { endorsersFor } from "./endorsers.js";
import { fabricSigning } from "./fabric-signer.js";
import { toGatewayError } from "./fabric-errors.js";
import { order, type OrderOptions } from "./fabric-order.js";
import {
  channelMembers,
  findOrg,
  findUser,
  heldCertificates,
  readNetworkDescription,
  scopeToOrg,
  type HeldCertificate,
  type NetworkDescription,
  type NetworkOrg,
} from "./fabric-network.js";
import { CATALOG, REGULATOR_MSP } from "@rxtrace/domain";

/** How often, and how far apart, an endorsement refused only by other orgs' peers is tried again. */
const LAG_RETRIES = 12;
const LAG_RETRY_MS = 250;

/**
 * The caller's own peer endorsed, and only other orgs' peers refused, or the
 * peers endorsed different results: the chaincode is deterministic, so the
 * peers almost always stand at different heights (a submit returns once the
 * caller's peer committed; the second endorser may not have that block yet).
 * Worth a short, bounded retry, not an error; a peer that keeps answering
 * otherwise still fails the call once the retries are spent.
 */
const PAYLOAD_MISMATCH = "ProposalResponsePayloads do not match";
function otherPeersLagging(err: unknown, ownMspId: string, call: LedgerCall): boolean {
  const ownPeerEndorses = call.endorsingOrganizations === undefined || call.endorsingOrganizations.includes(ownMspId);
  return (
    ownPeerEndorses &&
    err instanceof EndorseError &&
    err.details.length > 0 &&
    err.details.every((d) => d.mspId !== ownMspId || d.message.includes(PAYLOAD_MISMATCH))
  );
}

const STATUS_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(StatusCode).map(([name, code]) => [code, name]),
);

export interface FabricLedgerOptions {
  networkFile: string;
  chaincode: string;
  deadlinesMs: Config["fabric"]["deadlinesMs"];
  mvccRetries: number;
  /** The MSP id of the org this client serves alone; absent: every org of network.json (test mode). */
  org?: string;
  /** Deadline of asking another member's peer for the channel's height after a miss (default 1000). */
  membersHeightTimeoutMs?: number;
  /** Opens a Gateway; fabric-gateway's `connect` unless a test passes a double. */
  connect?: (options: ConnectOptions) => Gateway;
  /** Told when the orderers' answer to a submit was not taken at its word (fabric-order.ts): for the log. */
  onOrderRecovered?: OrderOptions["onRecovered"];
  /** Waits between sends of a transaction the orderers did not take (a test passes a fast one). */
  sleep?: OrderOptions["sleep"];
}

interface Loaded {
  stamp: string;
  network: NetworkDescription;
}

function decodeResult(bytes: Uint8Array, transactionId?: string): unknown {
  if (bytes.length === 0) return undefined;
  const text = Buffer.from(bytes).toString("utf8");
  try {
    return JSON.parse(text);
  } catch {
    throw new GatewayError("ENDORSEMENT_FAILED", "chaincode answered with something that is not JSON", { transactionId });
  }
}

export class FabricLedgerClient implements LedgerClient {
  readonly #options: FabricLedgerOptions;
  #loaded: Loaded | undefined;
  readonly #clients = new Map<string, grpc.Client>();
  readonly #gateways = new Map<string, { gateway: Gateway; identity: Identity }>();
  readonly #highest = new Map<string, bigint>();
  readonly heights: LedgerHeights;

  constructor(options: FabricLedgerOptions) {
    this.#options = options;
    this.heights = {
      peerHeight: (as, channel) => this.#peerHeight(as, channel),
      highestCommitted: (channel) => this.#highest.get(channel),
      noteCommitted: (channel, blockNumber) => {
        if (blockNumber > (this.#highest.get(channel) ?? -1n)) this.#highest.set(channel, blockNumber);
      },
      membersHeight: (as, channel) => this.#membersHeight(as, channel),
    };
  }

  /** The height of the channel on the caller's own peer (qscc GetChainInfo, evaluated where the caller's Gateway connects). */
  async #peerHeight(as: Principal, channel: ChannelName): Promise<bigint> {
    const { gateway, peer } = this.#gatewayFor(as, { channel });
    try {
      const bytes = await gateway.getNetwork(channel).getContract("qscc").evaluateTransaction("GetChainInfo", channel);
      return BigInt(common.BlockchainInfo.deserializeBinary(bytes).getHeight());
    } catch (err) {
      throw toGatewayError(err, peer);
    }
  }

  /**
   * The channel's height on the other member orgs' peers: qscc GetChainInfo
   * through the caller's own Gateway with `endorsingOrganizations: [org]`,
   * so the caller's peer forwards it (this gateway knows no other org's
   * peer). All asked at once under one short deadline; the highest answer,
   * or undefined when none answered.
   */
  async #membersHeight(as: Principal, channel: ChannelName): Promise<bigint | undefined> {
    const { gateway } = this.#gatewayFor(as, { channel });
    const others = (channelMembers(this.#network(), channel) ?? []).filter((m) => m !== as.mspId);
    const qscc = gateway.getNetwork(channel).getContract("qscc");
    const deadline = Date.now() + (this.#options.membersHeightTimeoutMs ?? 1_000);
    const answers = await Promise.allSettled(
      others.map(async (org) => {
        const bytes = await qscc.newProposal("GetChainInfo", { arguments: [channel], endorsingOrganizations: [org] }).evaluate({ deadline });
        return BigInt(common.BlockchainInfo.deserializeBinary(bytes).getHeight());
      }),
    );
    const heights = answers.flatMap((a) => (a.status === "fulfilled" ? [a.value] : []));
    return heights.length === 0 ? undefined : heights.reduce((a, b) => (a > b ? a : b));
  }

  async evaluate(as: Principal, call: LedgerCall): Promise<EvaluateResult> {
    const { gateway, peer } = this.#gatewayFor(as, call);
    const contract = gateway.getNetwork(call.channel).getContract(this.#options.chaincode);
    try {
      const bytes = await contract.evaluate(call.transaction, {
        arguments: [...(call.args ?? [])],
        transientData: call.transient,
        endorsingOrganizations: call.endorsingOrganizations ? [...call.endorsingOrganizations] : undefined,
      });
      return { result: decodeResult(bytes) };
    } catch (err) {
      throw toGatewayError(err, peer);
    }
  }

  async submit(as: Principal, named: LedgerCall): Promise<SubmitResult> {
    const { gateway, peer, identity } = this.#gatewayFor(as, named);
    // Every write needs a second org's peer (adapters/endorsers.ts).
    const call: LedgerCall = { ...named, endorsingOrganizations: endorsersFor(this.#network(), named, as.mspId) };
    const contract = gateway.getNetwork(call.channel).getContract(this.#options.chaincode);
    let lagRetries = 0;
    for (let attempt = 0; ; attempt++) {
      let transactionId: string | undefined;
      try {
        const proposal = contract.newProposal(call.transaction, {
          arguments: [...(call.args ?? [])],
          transientData: call.transient,
          endorsingOrganizations: call.endorsingOrganizations ? [...call.endorsingOrganizations] : undefined,
        });
        transactionId = proposal.getTransactionId();
        const transaction = await proposal.endorse();
        const commit = await order(gateway, transaction, {
          channel: call.channel,
          identity,
          ...(this.#options.sleep ? { sleep: this.#options.sleep } : {}),
          ...(this.#options.onOrderRecovered ? { onRecovered: this.#options.onOrderRecovered } : {}),
        });
        const status = await commit.getStatus();
        if (status.successful) {
          this.heights.noteCommitted(call.channel, status.blockNumber);
          return {
            result: decodeResult(transaction.getResult(), transactionId),
            transactionId,
            blockNumber: status.blockNumber.toString(),
          };
        }
        const statusName = STATUS_NAMES[status.code] ?? String(status.code);
        if (status.code === StatusCode.MVCC_READ_CONFLICT) {
          if (attempt < this.#options.mvccRetries) continue;
          throw new ConflictError(`transaction ${transactionId} lost ${attempt + 1} MVCC read conflicts; try again`, {
            transactionId,
            details: { status: statusName },
          });
        }
        throw new CommitError(`transaction ${transactionId} committed invalid: ${statusName}`, {
          transactionId,
          details: { status: statusName, blockNumber: status.blockNumber.toString() },
        });
      } catch (err) {
        if (err instanceof GatewayError) throw err;
        if (lagRetries < LAG_RETRIES && otherPeersLagging(err, as.mspId, call)) {
          lagRetries += 1;
          await new Promise((resolve) => setTimeout(resolve, LAG_RETRY_MS));
          attempt -= 1;
          continue;
        }
        throw toGatewayError(err, peer);
      }
    }
  }

  /** The MSP id this client serves alone, or undefined in the multi-org test mode. */
  get org(): string | undefined {
    return this.#options.org;
  }

  /** The Fabric identities (MSP id/user) this client can sign as. */
  identities(): string[] {
    return this.#network().orgs.flatMap((o) => [...o.users, o.admin].map((u) => `${o.mspId}/${u.name}`));
  }

  /** The certificates this client holds (its org's alone when it serves one org), for their expiry in /metrics. */
  heldCertificates(): HeldCertificate[] {
    return heldCertificates(this.#network());
  }

  async ready(): Promise<void> {
    const failures: string[] = [];
    const own = this.#options.org;
    for (const channel of CHANNELS) {
      if (own !== undefined && !channelMembers(this.#network(), channel)?.includes(own)) continue;
      let observer: Principal;
      try {
        observer = this.observer(channel);
      } catch (err) {
        failures.push(`${channel}: ${err instanceof Error ? err.message : String(err)}`);
        continue;
      }
      try {
        await this.evaluate(observer, { channel, transaction: CATALOG.partners.ListPartners.qualified });
      } catch (err) {
        failures.push(`${channel}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (failures.length > 0) throw new Error(failures.join("; "));
  }

  /**
   * A client user of a member of the channel, for the gateway's own reads
   * (readiness, event listening): the regulator's when it has one, being a
   * member of every channel.
   */
  observer(channel: string): Principal {
    const network = this.#network();
    const members = channelMembers(network, channel);
    if (!members) throw new UnavailableError("fabric", `channel ${channel} is not in network.json`);
    const candidates = [...members].sort((a, b) => Number(b === REGULATOR_MSP) - Number(a === REGULATOR_MSP));
    const org = candidates.map((m) => findOrg(network, m)).find((o) => o !== undefined && o.users.length > 0);
    const user = org?.users[0];
    if (!org || !user || !isRole(user.role)) throw new UnavailableError("fabric", `no client user of a ${channel} member in network.json`);
    return { keyId: "gateway", user: user.name, mspId: org.mspId, role: user.role };
  }

  /** The fabric-gateway Network of a channel as the observer (for the event listener adapter). */
  observerNetwork(channel: string): Network {
    const as = this.observer(channel);
    return this.#gatewayFor(as, { channel: channel as LedgerCall["channel"] }).gateway.getNetwork(channel);
  }

  close(): void {
    for (const { gateway } of this.#gateways.values()) gateway.close();
    this.#gateways.clear();
    for (const client of this.#clients.values()) client.close();
    this.#clients.clear();
  }

  /** The network description, re-read (and connections rebuilt) when the file changes. */
  #network(): NetworkDescription {
    let stamp: string;
    try {
      const st = statSync(this.#options.networkFile);
      stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch {
      throw new UnavailableError("fabric", `no network description at ${this.#options.networkFile} (is the network up?)`);
    }
    if (this.#loaded?.stamp !== stamp) {
      const full = readNetworkDescription(this.#options.networkFile);
      const own = this.#options.org;
      let network: NetworkDescription;
      try {
        network = own === undefined ? full : scopeToOrg(full, own);
      } catch (err) {
        throw new UnavailableError("fabric", `${(err as Error).message} (the org this gateway serves)`);
      }
      this.close();
      this.#loaded = { stamp, network };
    }
    return this.#loaded.network;
  }

  #client(org: NetworkOrg): grpc.Client {
    let client = this.#clients.get(org.name);
    if (!client) {
      const tlsRoot = readFileSync(org.peer.tlsCaCertPath);
      const credentials = this.#network().mutualTls
        ? grpc.credentials.createSsl(tlsRoot, readFileSync(org.clientTls.keyPath), readFileSync(org.clientTls.certPath))
        : grpc.credentials.createSsl(tlsRoot);
      client = new grpc.Client(org.peer.endpoint, credentials, {
        "grpc.ssl_target_name_override": org.peer.hostOverride,
      });
      this.#clients.set(org.name, client);
    }
    return client;
  }

  #gatewayFor(as: Principal, call: Pick<LedgerCall, "channel">): { gateway: Gateway; peer: string; identity: Identity } {
    const own = this.#options.org;
    if (own !== undefined && as.mspId !== own) {
      throw new ForbiddenError(`this gateway serves ${own} only; ${as.mspId} calls go through its own gateway`, { field: "mspId" });
    }
    const network = this.#network();
    const members = channelMembers(network, call.channel);
    if (!members?.includes(as.mspId)) {
      throw new ForbiddenError(`${as.mspId} is not a member of channel ${call.channel}`, { field: "channel" });
    }
    const org = findOrg(network, as.mspId);
    const user = org ? findUser(org, as.user) : undefined;
    if (!org || !user) {
      throw new ForbiddenError(`no Fabric identity for user ${as.user} of ${as.mspId} in network.json`);
    }
    const key = `${org.mspId}/${user.name}`;
    let entry = this.#gateways.get(key);
    if (!entry) {
      const identity: Identity = { mspId: org.mspId, credentials: readFileSync(user.certPath) };
      const deadlines = this.#options.deadlinesMs;
      const gateway = (this.#options.connect ?? connect)({
        client: this.#client(org),
        // A peer under mutual TLS binds block event requests to the client's TLS certificate.
        ...(network.mutualTls ? { tlsClientCertificateHash: createHash("sha256").update(new X509Certificate(readFileSync(org.clientTls.certPath)).raw).digest() } : {}),
        identity,
        ...fabricSigning(createPrivateKey(readFileSync(user.keyPath))),
        evaluateOptions: () => ({ deadline: Date.now() + deadlines.evaluate }),
        endorseOptions: () => ({ deadline: Date.now() + deadlines.endorse }),
        submitOptions: () => ({ deadline: Date.now() + deadlines.submit }),
        commitStatusOptions: () => ({ deadline: Date.now() + deadlines.commitStatus }),
      });
      entry = { gateway, identity };
      this.#gateways.set(key, entry);
    }
    return { ...entry, peer: `${org.mspId} peer ${org.peer.endpoint}` };
  }
}
