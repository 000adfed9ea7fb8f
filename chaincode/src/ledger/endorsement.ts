import { common, msp } from "@hyperledger/fabric-protos";
import { MARKS, REGULATOR_MSP, type Lot, type Mark, type Pack, type Product } from "@rxtrace/domain";
import { KEY_TYPES, type KeyType } from "./keys";

/**
 * A key-level endorsement policy: the peers of every org in `all`, and the
 * peer of one org in `anyOf` when that list is not empty. Principals are
 * always the PEER role: with NodeOUs a MEMBER principal is satisfied by any
 * client or admin certificate of the org, which never ran the chaincode.
 */
export interface KeyPolicy {
  readonly all: readonly string[];
  readonly anyOf: readonly string[];
}

/** Marks only the regulator clears (docs/chaincode-api.md, "Marks"). */
const REGULATOR_MARKS: readonly Mark[] = [MARKS.SUSPECT, MARKS.ILLEGITIMATE];

/**
 * Records carrying a decision of the regulator, or one it alone may undo: a
 * pack with a mark only the regulator clears, a recalled lot, a withdrawn
 * product. Their keys need the regulator's peer, so neither the owner nor any
 * two other orgs can lift the decision.
 */
export function isRegulatorGoverned(type: KeyType, value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (type === KEY_TYPES.PACK) return ((value as Pack).marks ?? []).some((mark) => REGULATOR_MARKS.includes(mark));
  if (type === KEY_TYPES.LOT) return (value as Lot).recall !== undefined;
  if (type === KEY_TYPES.PRODUCT) return (value as Product).withdrawal !== undefined;
  return false;
}

/**
 * The policy of a key written by this transaction: every owner's peer, the
 * regulator's for regulator-governed records, and when that leaves a single
 * org, the peer of one other channel member, so no org changes a key alone.
 * Undefined when the channel has no other member yet (the regulator's own
 * partner record, written first): the key then stays under the
 * chaincode-level policy, a majority of the channel's peers.
 */
export function keyPolicy(type: KeyType, value: unknown, owners: readonly string[], members: readonly string[]): KeyPolicy | undefined {
  const all = [...new Set([...owners, ...(isRegulatorGoverned(type, value) ? [REGULATOR_MSP] : [])])].sort();
  if (all.length >= 2) return { all, anyOf: [] };
  const anyOf = [...new Set(members)].filter((m) => !all.includes(m)).sort();
  return anyOf.length === 0 ? undefined : { all, anyOf };
}

function peerPrincipal(mspId: string): msp.MSPPrincipal {
  const role = new msp.MSPRole();
  role.setMspIdentifier(mspId);
  role.setRole(msp.MSPRole.MSPRoleType.PEER);
  const principal = new msp.MSPPrincipal();
  principal.setPrincipalClassification(msp.MSPPrincipal.Classification.ROLE);
  principal.setPrincipal(role.serializeBinary());
  return principal;
}

function signedBy(index: number): common.SignaturePolicy {
  const rule = new common.SignaturePolicy();
  rule.setSignedBy(index);
  return rule;
}

function outOf(n: number, rules: common.SignaturePolicy[]): common.SignaturePolicy {
  const nOutOf = new common.SignaturePolicy.NOutOf();
  nOutOf.setN(n);
  nOutOf.setRulesList(rules);
  const rule = new common.SignaturePolicy();
  rule.setNOutOf(nOutOf);
  return rule;
}

/** The validation parameter bytes: NOutOf(|all|+1, [SignedBy(each of all), NOutOf(1, [SignedBy(each of anyOf)])]). */
export function encodeKeyPolicy(policy: KeyPolicy): Uint8Array {
  const identities = [...policy.all, ...policy.anyOf].map(peerPrincipal);
  const rules = policy.all.map((_, i) => signedBy(i));
  if (policy.anyOf.length > 0) rules.push(outOf(1, policy.anyOf.map((_, j) => signedBy(policy.all.length + j))));
  const envelope = new common.SignaturePolicyEnvelope();
  envelope.setVersion(0);
  envelope.setIdentitiesList(identities);
  envelope.setRule(outOf(rules.length, rules));
  return envelope.serializeBinary();
}

/** A decoded validation parameter: the policy and the role of every principal it names. */
export interface DecodedKeyPolicy extends KeyPolicy {
  readonly roles: readonly string[];
}

const ROLE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(msp.MSPRole.MSPRoleType as unknown as Record<string, number>).map(([name, code]) => [code, name]),
);

/** Reads back what encodeKeyPolicy wrote; throws on any other shape. */
export function decodeKeyPolicy(bytes: Uint8Array): DecodedKeyPolicy {
  const envelope = common.SignaturePolicyEnvelope.deserializeBinary(bytes);
  const principals = envelope.getIdentitiesList().map((identity) => msp.MSPRole.deserializeBinary(identity.getPrincipal_asU8()));
  const mspOf = (rule: common.SignaturePolicy): string => {
    const principal = rule.hasSignedBy() ? principals[rule.getSignedBy()] : undefined;
    if (!principal) throw new Error("key policy: a rule is not SignedBy a known principal");
    return principal.getMspIdentifier();
  };
  const top = envelope.getRule()?.getNOutOf();
  if (!top) throw new Error("key policy: the rule is not NOutOf");
  const all: string[] = [];
  let anyOf: string[] = [];
  for (const rule of top.getRulesList()) {
    const nested = rule.getNOutOf();
    if (nested) {
      if (nested.getN() !== 1) throw new Error("key policy: a nested rule is not 1 out of");
      anyOf = nested.getRulesList().map(mspOf);
    } else all.push(mspOf(rule));
  }
  if (top.getN() !== top.getRulesList().length) throw new Error("key policy: the top rule does not require every part");
  return { all, anyOf, roles: principals.map((p) => ROLE_NAMES[p.getRole()] ?? String(p.getRole())) };
}
