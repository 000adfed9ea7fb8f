import { notFound, packRefKey, type Container, type Pack, type PackRef } from "@rxtrace/domain";
import { KEY_TYPES, type State } from "./state";
import type { Tx } from "./tx";

export async function loadContainer(state: State, sscc: string, field = "sscc"): Promise<Container> {
  const container = await state.get<Container>(KEY_TYPES.CONTAINER, [sscc]);
  if (!container) throw notFound(`container ${sscc}`, field);
  return container;
}

/**
 * The orgs whose endorsement a container key needs: exactly a pack's
 * (ledger/packs.ts packEndorsers): the holder, plus the consignee in transit;
 * State.put adds one other member when that leaves one org. So no org but
 * the holder's peer (with another's) rewrites what a container holds.
 */
export function containerEndorsers(container: Container): string[] {
  return container.status === "IN_TRANSIT" && container.consignee ? [container.owner, container.consignee] : [container.owner];
}

/** Stamps and writes a container with its endorsement policy. */
export async function writeContainer(state: State, tx: Tx, container: Container): Promise<Container> {
  const stamped: Container = { ...container, updatedAt: tx.at, updatedBy: tx.msp, updatedTxId: tx.txId };
  await state.put(KEY_TYPES.CONTAINER, [container.sscc], stamped, containerEndorsers(stamped));
  return stamped;
}

/** Everything inside a container, at every level: the packs and the containers (the root not among them), depth first. */
export async function expandContainer(state: State, root: Container): Promise<{ packs: PackRef[]; containers: Container[] }> {
  const packs: PackRef[] = [...root.packs];
  const containers: Container[] = [];
  for (const sscc of root.containers) {
    const child = await loadContainer(state, sscc);
    containers.push(child);
    const inner = await expandContainer(state, child);
    packs.push(...inner.packs);
    containers.push(...inner.containers);
  }
  return { packs, containers };
}

/**
 * Takes packs leaving the supply (dispensed, decommissioned, destroyed) out
 * of the containers they are in: each container no longer lists or counts
 * them, written once (a transaction does not read its own writes). Returns
 * the packs without their container, in the order given.
 */
export async function takeOutOfContainers(state: State, tx: Tx, packs: readonly Pack[]): Promise<Pack[]> {
  const leaving = new Map<string, Set<string>>();
  for (const pack of packs) {
    if (pack.container === undefined) continue;
    const keys = leaving.get(pack.container) ?? new Set<string>();
    keys.add(packRefKey(pack));
    leaving.set(pack.container, keys);
  }
  for (const [sscc, keys] of leaving) {
    const container = await state.get<Container>(KEY_TYPES.CONTAINER, [sscc]);
    if (container) await writeContainer(state, tx, { ...container, packs: container.packs.filter((ref) => !keys.has(packRefKey(ref))) });
  }
  return packs.map(({ container: _container, ...loose }) => loose);
}

/** takeOutOfContainers for one pack. */
export async function takeOutOfContainer(state: State, tx: Tx, pack: Pack): Promise<Pack> {
  const [loose] = await takeOutOfContainers(state, tx, [pack]);
  return loose ?? pack;
}
