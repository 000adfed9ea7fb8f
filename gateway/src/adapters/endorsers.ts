/**
 * Which orgs' peers a submit asks to endorse, so that the endorsements
 * satisfy the channel's policies (docs/security.md). Every key the chaincode
 * writes needs the peers of two orgs at least: a new key two of the
 * channel's members (scripts/network/lib/chaincode.sh endorsement_quorum),
 * an existing key its owners and one other member (or the
 * regulator, for records it governs). A call naming one org therefore gets a
 * second: the regulator, a member of every channel and the peer
 * regulator-governed records need; when the one org is the regulator, the
 * member joined to most channels, whose peer also answers a cross-channel read
 * (imports and recall syncs on dist-pharm read mfr-dist).
 */
import type { NetworkDescription } from "./fabric-network.js";
import { CATALOG, REGULATOR_MSP } from "@rxtrace/domain";

/**
 * Transactions that write only the caller's implicit private collection: the
 * org's own peers endorse them (the collection's policy is the org's
 * Endorsement policy), and no other org's peer may see their transient data.
 */
export const OWN_ORG_ONLY: ReadonlySet<string> = new Set([CATALOG.documents.PutDocumentKey.qualified, CATALOG.documents.PurgeDocumentKey.qualified]);

export function endorsersFor(
  network: NetworkDescription,
  call: { channel: string; transaction: string; endorsingOrganizations?: readonly string[] },
  callerMspId: string,
): string[] {
  const named = [...new Set(call.endorsingOrganizations ?? [callerMspId])];
  if (named.length >= 2 || OWN_ORG_ONLY.has(call.transaction)) return named;
  const members = network.channels.find((c) => c.name === call.channel)?.orgs ?? [];
  const channelsOf = (mspId: string): number => network.channels.filter((c) => c.orgs.includes(mspId)).length;
  const candidates = members
    .filter((m) => !named.includes(m))
    .sort((a, b) => Number(b === REGULATOR_MSP) - Number(a === REGULATOR_MSP) || channelsOf(b) - channelsOf(a) || a.localeCompare(b));
  const second = candidates[0];
  return second === undefined ? named : [...named, second];
}
