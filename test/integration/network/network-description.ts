/**
 * Loads `$RXTRACE_DATA/network.json`, what `scripts/network.sh up` publishes
 * for clients: channels and their member orgs, each org's peer, the TLS client
 * certificate its applications present (mutual TLS) and its users' signing
 * identities. Every path in it is absolute.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

export interface KeyPair {
  readonly certPath: string;
  readonly keyPath: string;
}

export interface NetworkUser extends KeyPair {
  readonly name: string;
  /** The `rxtrace.role` attribute in the user's enrolment certificate. */
  readonly role: string;
  readonly tlsCertPath: string;
  readonly tlsKeyPath: string;
}

export interface NetworkOrg {
  readonly name: string;
  readonly mspId: string;
  readonly peer: { readonly endpoint: string; readonly hostOverride: string; readonly tlsCaCertPath: string };
  readonly clientTls: KeyPair;
  readonly users: readonly NetworkUser[];
  readonly admin: NetworkUser;
}

export interface NetworkDescription {
  readonly channels: readonly { readonly name: string; readonly orgs: readonly string[] }[];
  readonly chaincode: string;
  readonly mutualTls: boolean;
  readonly orgs: readonly NetworkOrg[];
  readonly orderers: readonly { readonly name: string; readonly mspId: string; readonly endpoint: string; readonly hostOverride: string; readonly tlsCaCertPath: string }[];
}

/** Where the network description lives for this process. */
export function networkFile(env: NodeJS.ProcessEnv = process.env): string {
  const data = env.RXTRACE_DATA ?? path.resolve(import.meta.dirname, "../../../.rxtrace");
  return path.join(data, "network.json");
}

function fail(where: string, rule: string): never {
  throw new Error(`network.json ${where}: ${rule}`);
}

function record(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(where, "must be an object");
  return value as Record<string, unknown>;
}

function text(value: unknown, where: string): string {
  if (typeof value !== "string" || value.length === 0) fail(where, "must be a non-empty string");
  return value;
}

function list(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) fail(where, "must be an array");
  return value;
}

function absolutePath(value: unknown, where: string): string {
  const p = text(value, where);
  if (!path.isAbsolute(p)) fail(where, "must be an absolute path");
  return p;
}

function keyPair(value: unknown, where: string): KeyPair {
  const o = record(value, where);
  return { certPath: absolutePath(o.certPath, `${where}.certPath`), keyPath: absolutePath(o.keyPath, `${where}.keyPath`) };
}

function user(value: unknown, where: string): NetworkUser {
  const o = record(value, where);
  return {
    ...keyPair(o, where),
    name: text(o.name, `${where}.name`),
    role: text(o.role, `${where}.role`),
    tlsCertPath: absolutePath(o.tlsCertPath, `${where}.tlsCertPath`),
    tlsKeyPath: absolutePath(o.tlsKeyPath, `${where}.tlsKeyPath`),
  };
}

function org(value: unknown, where: string): NetworkOrg {
  const o = record(value, where);
  const peer = record(o.peer, `${where}.peer`);
  return {
    name: text(o.name, `${where}.name`),
    mspId: text(o.mspId, `${where}.mspId`),
    peer: {
      endpoint: text(peer.endpoint, `${where}.peer.endpoint`),
      hostOverride: text(peer.hostOverride, `${where}.peer.hostOverride`),
      tlsCaCertPath: absolutePath(peer.tlsCaCertPath, `${where}.peer.tlsCaCertPath`),
    },
    clientTls: keyPair(o.clientTls, `${where}.clientTls`),
    users: list(o.users, `${where}.users`).map((u, i) => user(u, `${where}.users[${i}]`)),
    admin: user(o.admin, `${where}.admin`),
  };
}

/** Validates parsed network.json content; the error names the first wrong field and the rule. */
export function parseNetworkDescription(content: unknown): NetworkDescription {
  const o = record(content, "(root)");
  if (typeof o.mutualTls !== "boolean") fail("mutualTls", "must be true or false");
  return {
    channels: list(o.channels, "channels").map((c, i) => {
      const ch = record(c, `channels[${i}]`);
      return {
        name: text(ch.name, `channels[${i}].name`),
        orgs: list(ch.orgs, `channels[${i}].orgs`).map((m, j) => text(m, `channels[${i}].orgs[${j}]`)),
      };
    }),
    chaincode: text(o.chaincode, "chaincode"),
    mutualTls: o.mutualTls,
    orgs: list(o.orgs, "orgs").map((v, i) => org(v, `orgs[${i}]`)),
    orderers: list(o.orderers, "orderers").map((v, i) => {
      const od = record(v, `orderers[${i}]`);
      return {
        name: text(od.name, `orderers[${i}].name`),
        mspId: text(od.mspId, `orderers[${i}].mspId`),
        endpoint: text(od.endpoint, `orderers[${i}].endpoint`),
        hostOverride: text(od.hostOverride, `orderers[${i}].hostOverride`),
        tlsCaCertPath: absolutePath(od.tlsCaCertPath, `orderers[${i}].tlsCaCertPath`),
      };
    }),
  };
}

export function readNetworkDescription(file: string = networkFile()): NetworkDescription {
  let content: string;
  try {
    content = readFileSync(file, "utf8");
  } catch {
    throw new Error(`no network description at ${file}: run scripts/network.sh up first`);
  }
  return parseNetworkDescription(JSON.parse(content));
}

export function orgByMsp(network: NetworkDescription, mspId: string): NetworkOrg {
  const found = network.orgs.find((o) => o.mspId === mspId);
  if (!found) throw new Error(`network.json has no org ${mspId}`);
  return found;
}

/** The org's user by name; "admin" is the org's admin. */
export function userOf(org: NetworkOrg, name: string): NetworkUser {
  const found = name === "admin" ? org.admin : org.users.find((u) => u.name === name);
  if (!found) throw new Error(`network.json has no user ${name} in ${org.mspId}`);
  return found;
}
