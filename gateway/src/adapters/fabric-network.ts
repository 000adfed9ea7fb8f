/**
 * Reads `$RXTRACE_DATA/network.json`, what the network scripts publish for
 * clients: channels and their member orgs, each org's peer (endpoint, TLS CA,
 * host override), its applications' TLS client certificate (mutual TLS) and
 * its users' certificate and key files.
 */
import { readFileSync } from "node:fs";
import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";

/** Every path network.sh writes is absolute. */
const AbsolutePath = Type.String({ minLength: 1, pattern: "^/" });
const KeyPairSchema = Type.Object({ certPath: AbsolutePath, keyPath: AbsolutePath });

const UserSchema = Type.Object({
  name: Type.String({ minLength: 1 }),
  /** The `rxtrace.role` attribute in the user's enrolment certificate ("admin" for the org's admin). */
  role: Type.String({ minLength: 1 }),
  certPath: AbsolutePath,
  keyPath: AbsolutePath,
  /** The user's own TLS client certificate (admin tools present it to peers and orderers). */
  tlsCertPath: AbsolutePath,
  tlsKeyPath: AbsolutePath,
});

const OrgSchema = Type.Object({
  name: Type.String({ minLength: 1 }),
  mspId: Type.String({ minLength: 1 }),
  peer: Type.Object({
    endpoint: Type.String({ minLength: 1 }),
    hostOverride: Type.String({ minLength: 1 }),
    tlsCaCertPath: AbsolutePath,
  }),
  /** The org applications' TLS client certificate, presented when the peers require mutual TLS. */
  clientTls: KeyPairSchema,
  users: Type.Array(UserSchema),
  admin: UserSchema,
});

const OrdererSchema = Type.Object({
  name: Type.String({ minLength: 1 }),
  mspId: Type.String({ minLength: 1 }),
  endpoint: Type.String({ minLength: 1 }),
  hostOverride: Type.String({ minLength: 1 }),
  tlsCaCertPath: AbsolutePath,
});

/** network.json as scripts/network/lib/publish.sh writes it; the one description of it. */
export const NetworkDescriptionSchema = Type.Object({
  chaincode: Type.String({ minLength: 1 }),
  mutualTls: Type.Boolean(),
  channels: Type.Array(Type.Object({ name: Type.String({ minLength: 1 }), orgs: Type.Array(Type.String()) })),
  orgs: Type.Array(OrgSchema, { minItems: 1 }),
  orderers: Type.Array(OrdererSchema),
});

export type NetworkDescription = Static<typeof NetworkDescriptionSchema>;
export type NetworkOrg = Static<typeof OrgSchema>;
export type NetworkUser = Static<typeof UserSchema>;

/** Parses network.json content; throws naming the first wrong field. */
export function parseNetworkDescription(content: unknown): NetworkDescription {
  const error = Value.Errors(NetworkDescriptionSchema, content).First();
  if (error) throw new Error(`network.json ${error.path || "(root)"}: ${error.message}`);
  return content as NetworkDescription;
}

export function readNetworkDescription(file: string): NetworkDescription {
  return parseNetworkDescription(JSON.parse(readFileSync(file, "utf8")));
}

export function findOrg(network: NetworkDescription, mspId: string): NetworkOrg | undefined {
  return network.orgs.find((o) => o.mspId === mspId);
}

/** The org's user by name; the org's admin is found by its name too. */
export function findUser(org: NetworkOrg, name: string): NetworkUser | undefined {
  return org.users.find((u) => u.name === name) ?? (org.admin.name === name ? org.admin : undefined);
}

export function channelMembers(network: NetworkDescription, channel: string): readonly string[] | undefined {
  return network.channels.find((c) => c.name === channel)?.orgs;
}

/**
 * The description as one org's gateway holds it: the channels (who is a
 * member, for choosing endorsers) and that org alone, with its own peer,
 * application TLS pair and users. Other orgs' key and certificate paths are
 * dropped, so the process never learns where another org's keys are.
 * @throws Error when the network has no such org
 */
export function scopeToOrg(network: NetworkDescription, mspId: string): NetworkDescription {
  const org = findOrg(network, mspId);
  if (!org) throw new Error(`network.json has no org ${mspId}`);
  return { ...network, orgs: [org] };
}

/** A certificate a client of network.json holds: what it is, whose it is, where it is. */
export interface HeldCertificate {
  /** enrolment: a user's signing certificate; tls-client: a TLS client certificate; tls-ca: a CA certificate trusted for TLS. */
  readonly kind: "enrolment" | "tls-client" | "tls-ca";
  /** `<MSP id>/<user>` for a user's, `<MSP id>/applications` for the org's application TLS pair, the MSP id for a CA. */
  readonly owner: string;
  readonly path: string;
}

/**
 * Every certificate the description names, once per file: each org's users'
 * and admin's enrolment and TLS certificates, the application TLS client
 * certificate, and the TLS CA certificates of its peer and of the orderers.
 */
export function heldCertificates(network: NetworkDescription): HeldCertificate[] {
  const held: HeldCertificate[] = [];
  for (const org of network.orgs) {
    for (const user of [...org.users, org.admin]) {
      held.push({ kind: "enrolment", owner: `${org.mspId}/${user.name}`, path: user.certPath });
      held.push({ kind: "tls-client", owner: `${org.mspId}/${user.name}`, path: user.tlsCertPath });
    }
    held.push({ kind: "tls-client", owner: `${org.mspId}/applications`, path: org.clientTls.certPath });
    held.push({ kind: "tls-ca", owner: org.mspId, path: org.peer.tlsCaCertPath });
  }
  for (const orderer of network.orderers) held.push({ kind: "tls-ca", owner: orderer.mspId, path: orderer.tlsCaCertPath });
  const seen = new Set<string>();
  return held.filter((c) => !seen.has(c.path) && seen.add(c.path));
}
