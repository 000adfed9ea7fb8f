/**
 * The network's layout as TypeScript sees it, loaded once from
 * network/topology.json (the file scripts/network.sh reads with jq) and
 * validated against network/topology.schema.json: orgs, MSP ids, users and
 * their roles, channels and their members, every port.
 *
 * Channel names, user roles and partner roles are also types the compiler
 * checks (policies, routes, schemas), so they are listed here once as
 * literals; the loader refuses a topology whose channel names differ from
 * them, naming the field, so a rename in the file fails at load time and in
 * the unit tests. Orgs are not compiled in: a member that joins after launch
 * is an org of the file (its MSP id, its partner role), and the access policy
 * grants by partner role (auth/policy.ts).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { Ajv } from "ajv";
import { gtinCheckDigit } from "@rxtrace/domain";

/** An org's MSP id: any the loaded topology names (checked at runtime: auth/principal.ts isMspId). */
export type MspId = string;

/** Channels in the order goods cross them: the source channel first. */
export const CHANNELS = ["mfr-dist", "dist-pharm"] as const;
export type ChannelName = (typeof CHANNELS)[number];
/** Where products, lots and packs are made and first shipped (manufacturer → distributor). */
export const SOURCE_CHANNEL = CHANNELS[0];
/** Where handed-off packs continue (distributor → pharmacy) and master data is mirrored. */
export const DOWNSTREAM_CHANNEL = CHANNELS[1];

/** Roles as in the certificate attribute `rxtrace.role`, plus each org's `admin`. */
export const ROLES = ["operator", "quality", "pharmacist", "auditor", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** What an org is in the supply chain (`partner.role`); the access policy grants by it. */
export type PartnerRole = "Manufacturer" | "Distributor" | "Pharmacy" | "Regulator";

export type OrgPortKind = "ca" | "caOps" | "orderer" | "ordererAdmin" | "ordererOps" | "peer" | "peerChaincode" | "peerOps" | "ccaas" | "ccaasNext" | "noopCcaas" | "gateway";
export type ServicePortKind = "kuboApi" | "kuboGateway" | "evm" | "gateway" | "postgres";
/** The ports of a peer node an operator adds beside an org's first peer (scripts/network.sh add-peer). */
export type PeerNodePortKind = "peer" | "peerChaincode" | "peerOps";

export interface TopologyUser {
  readonly name: string;
  readonly role: Exclude<Role, "admin">;
}

export interface TopologyOrg {
  readonly name: string;
  /** GS1 Global Location Number of the org. */
  readonly gln: string;
  readonly mspId: MspId;
  readonly ordererMspId: string;
  readonly partner: { readonly name: string; readonly role: PartnerRole };
  readonly portBlock: number;
  readonly host?: string;
  readonly users: readonly TopologyUser[];
}

export interface TopologyChannel {
  readonly name: ChannelName;
  readonly profile: string;
  /** Member org names, upstream first. */
  readonly orgs: readonly string[];
  readonly tradingPartners: readonly string[];
}

export interface Topology {
  readonly domain: string;
  readonly chaincode: string;
  readonly registrar: string;
  readonly ports: {
    readonly perOrg: Readonly<Record<OrgPortKind, number>>;
    /** Added peer nodes by name ("peer1", ...), each with its own ports. */
    readonly addedPeers?: Readonly<Record<string, Readonly<Record<PeerNodePortKind, number>>>>;
    readonly services: Readonly<Record<ServicePortKind, number>>;
  };
  readonly orgs: readonly TopologyOrg[];
  readonly channels: readonly TopologyChannel[];
  readonly ordering: { readonly bft: readonly string[]; readonly raft: readonly string[] };
}

const NETWORK_DIR = path.resolve(import.meta.dirname, "../../network");

/** The topology file of this process: RXTRACE_TOPOLOGY, else the repository's network/topology.json. */
export function topologyFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.RXTRACE_TOPOLOGY ?? path.join(NETWORK_DIR, "topology.json");
}

function refuse(field: string, rule: string): never {
  throw new Error(`topology ${field}: ${rule}`);
}

function sameNames(actual: readonly string[], expected: readonly string[], field: string): void {
  if (actual.length !== expected.length || actual.some((name, i) => name !== expected[i])) {
    refuse(field, `must be ${expected.join(", ")} (the names the code is compiled for), not ${actual.join(", ")}`);
  }
}

/**
 * Validates parsed topology content: the schema first, then what a schema
 * cannot say (references between orgs and channels, unique names and ports,
 * the compiled-in channel names).
 * @throws Error naming the first wrong field and the rule
 */
export function parseTopology(content: unknown): Topology {
  const schema = JSON.parse(readFileSync(path.join(NETWORK_DIR, "topology.schema.json"), "utf8")) as object;
  const validate = new Ajv({ allErrors: false, strict: false }).compile(schema);
  if (!validate(content)) {
    const error = validate.errors?.[0];
    refuse(error?.instancePath || "(root)", error?.message ?? "is invalid");
  }
  const topology = content as Topology;
  const names = topology.orgs.map((o) => o.name);
  const known = (org: string, field: string) => {
    if (!names.includes(org)) refuse(field, `names no org of the topology: ${org}`);
  };
  sameNames(topology.channels.map((c) => c.name), CHANNELS, "/channels/*/name");
  if (new Set(names).size !== names.length) refuse("/orgs/*/name", "must be unique");
  if (new Set(topology.orgs.map((o) => o.mspId)).size !== names.length) refuse("/orgs/*/mspId", "must be unique");
  topology.orgs.forEach((o, i) => {
    if (gtinCheckDigit(o.gln.slice(0, 12)) !== Number(o.gln[12])) refuse(`/orgs/${i}/gln`, `check digit must be ${gtinCheckDigit(o.gln.slice(0, 12))}`);
  });
  if (new Set(topology.orgs.map((o) => o.gln)).size !== names.length) refuse("/orgs/*/gln", "must be unique");
  if (new Set(topology.orgs.map((o) => o.portBlock)).size !== names.length) refuse("/orgs/*/portBlock", "must be unique");
  known(topology.registrar, "/registrar");
  topology.channels.forEach((c, i) => {
    c.orgs.forEach((o, j) => known(o, `/channels/${i}/orgs/${j}`));
    c.tradingPartners.forEach((o, j) => {
      if (!c.orgs.includes(o)) refuse(`/channels/${i}/tradingPartners/${j}`, `must be a member of ${c.name}: ${o}`);
    });
    if (!c.orgs.includes(topology.registrar)) refuse(`/channels/${i}/orgs`, `must include the registrar ${topology.registrar}`);
  });
  for (const kind of ["bft", "raft"] as const) topology.ordering[kind].forEach((o, j) => known(o, `/ordering/${kind}/${j}`));
  const offsets = [...Object.values(topology.ports.perOrg), ...Object.values(topology.ports.addedPeers ?? {}).flatMap((node) => Object.values(node))];
  if (new Set(offsets).size !== offsets.length) refuse("/ports/perOrg", "must give every kind of node its own port");
  return topology;
}

export function loadTopology(file: string = topologyFile()): Topology {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new Error(`no topology at ${file}`);
  }
  try {
    return parseTopology(JSON.parse(text));
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
}

/** The layout of this process, loaded when first imported. */
export const TOPOLOGY: Topology = loadTopology();

/** The MSP ids of this process's topology, in the file's order. */
export const MSP_IDS: readonly MspId[] = TOPOLOGY.orgs.map((o) => o.mspId);

export function orgByName(name: string, topology: Topology = TOPOLOGY): TopologyOrg {
  const org = topology.orgs.find((o) => o.name === name);
  if (!org) throw new Error(`the topology has no org ${name}`);
  return org;
}

export function orgByMsp(mspId: MspId, topology: Topology = TOPOLOGY): TopologyOrg {
  const org = topology.orgs.find((o) => o.mspId === mspId);
  if (!org) throw new Error(`the topology has no org ${mspId}`);
  return org;
}

/** MSP ids of a channel's members, upstream first. */
export function channelMembers(channel: ChannelName, topology: Topology = TOPOLOGY): readonly MspId[] {
  const found = topology.channels.find((c) => c.name === channel);
  if (!found) throw new Error(`the topology has no channel ${channel}`);
  return found.orgs.map((name) => orgByName(name, topology).mspId);
}

/** Channels the org is a member of, in the order goods cross them. */
export function channelsOf(mspId: MspId, topology: Topology = TOPOLOGY): readonly ChannelName[] {
  return topology.channels.filter((c) => channelMembers(c.name, topology).includes(mspId)).map((c) => c.name);
}

/** The port of one of an org's nodes: portBlock * 1000 + the kind's number + RXTRACE_PORT_OFFSET. */
export function orgPort(org: string, kind: OrgPortKind, portOffset = 0, topology: Topology = TOPOLOGY): number {
  return orgByName(org, topology).portBlock * 1000 + topology.ports.perOrg[kind] + portOffset;
}

/**
 * The port of a peer node of an org: the org's first peer ("peer") on its
 * perOrg ports, an added node ("peer1", ...) on its addedPeers ports.
 * @throws Error for a node the topology does not name
 */
export function nodePort(org: string, node: string, kind: PeerNodePortKind, portOffset = 0, topology: Topology = TOPOLOGY): number {
  if (node === "peer") return orgPort(org, kind, portOffset, topology);
  const ports = topology.ports.addedPeers?.[node];
  if (ports === undefined) throw new Error(`peer node '${node}' is not in the topology (${["peer", ...Object.keys(topology.ports.addedPeers ?? {})].join(", ")})`);
  return orgByName(org, topology).portBlock * 1000 + ports[kind] + portOffset;
}

/** The address other nodes reach an org at: RXTRACE_HOST_<ORG>, else the topology's host, else 127.0.0.1. */
export function hostOf(org: string, env: NodeJS.ProcessEnv = process.env, topology: Topology = TOPOLOGY): string {
  return env[`RXTRACE_HOST_${org.toUpperCase()}`] ?? orgByName(org, topology).host ?? "127.0.0.1";
}

/** RXTRACE_PORT_OFFSET as network.sh reads it (a multiple of 10 from 0 to 990). */
export function portOffset(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.RXTRACE_PORT_OFFSET ?? "0";
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > 990 || value % 10 !== 0) throw new Error(`RXTRACE_PORT_OFFSET must be a multiple of 10 from 0 to 990, not '${raw}'`);
  return value;
}
