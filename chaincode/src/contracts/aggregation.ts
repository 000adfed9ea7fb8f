import { Context, Contract, Info, Returns, Transaction } from "fabric-contract-api";
import {
  comparePackRefs,
  conflict,
  EVENTS,
  forbidden,
  invalidArgument,
  isDecommissioned,
  MAX_AGGREGATION_DEPTH,
  MAX_CHILD_CONTAINERS,
  MAX_PACKS_PER_CONTAINER,
  ORG_ROLES,
  packRefKey,
  parseAggregationInput,
  parseJsonObject,
  SHIPPABLE_STATUSES,
  validateSscc,
  type ContainedPack,
  type Container,
  type ContainerView,
  type Pack,
  type PackRef,
} from "@rxtrace/domain";
import { requirePartner, requireRole } from "../ledger/access";
import { begin } from "../ledger/begin";
import { expandContainer, loadContainer, writeContainer } from "../ledger/containers";
import { blockingCause, PackLoader, loadPack, writePack } from "../ledger/packs";
import { KEY_TYPES, result, type State } from "../ledger/state";
import type { Tx } from "../ledger/tx";

const TRADING_ROLES = [ORG_ROLES.MANUFACTURER, ORG_ROLES.DISTRIBUTOR, ORG_ROLES.PHARMACY];

/** The caller must hold the container, and it must be at rest (not in transit). */
function requireHeldBy(container: Container, tx: Tx, field: string): void {
  if (container.owner !== tx.msp) throw forbidden(`container ${container.sscc} is held by ${container.owner}, not ${tx.msp}`);
  if (container.status !== "HELD") throw conflict(`container ${container.sscc} is ${container.status}`, field);
}

/** The level a container has with these children: 1 with none, else one more than the highest. */
async function levelOf(state: State, children: readonly string[]): Promise<number> {
  let level = 1;
  for (const sscc of children) level = Math.max(level, (await loadContainer(state, sscc)).level + 1);
  return level;
}

/**
 * Aggregation: packs into cases and cases into pallets, each identified by an
 * SSCC, so a pallet ships and is received as one code. A container's key
 * carries its holder's endorsement policy, as its packs' keys do, and its
 * holder is always its packs' holder.
 */
@Info({ title: "aggregation", description: "Packs into cases, cases into pallets (SSCC): pack, unpack, verify a container's contents" })
export class AggregationContract extends Contract {
  constructor() {
    super("aggregation");
  }

  /**
   * Puts packs and containers the caller holds into a container (created on
   * first use): every pack at rest (COMMISSIONED or RECEIVED) and in no other
   * container, every child container at rest and outermost; at most
   * MAX_AGGREGATION_DEPTH levels and MAX_PACKS_PER_CONTAINER packs in all.
   */
  @Transaction()
  @Returns("string")
  async Pack(ctx: Context, aggregationJson: string): Promise<string> {
    const input = parseAggregationInput(parseJsonObject("aggregation", aggregationJson), false);
    const { tx, state } = begin(ctx);
    requireRole(await requirePartner(state, tx), TRADING_ROLES, "packing containers");
    const existing = await state.get<Container>(KEY_TYPES.CONTAINER, [input.sscc]);
    if (existing) {
      requireHeldBy(existing, tx, "sscc");
      if (existing.parent !== undefined) throw conflict(`container ${input.sscc} is inside ${existing.parent}; unpack it from there first`, "sscc");
    }
    const packs: Pack[] = [];
    for (const [i, ref] of input.packs.entries()) {
      const pack = await loadPack(state, ref, `packs[${i}]`);
      if (pack.owner !== tx.msp) throw forbidden(`pack ${ref.gtin}/${ref.serial} is held by ${pack.owner}, not ${tx.msp}`);
      if (!SHIPPABLE_STATUSES.includes(pack.status)) throw conflict(`pack ${ref.gtin}/${ref.serial} is ${pack.status}; only a COMMISSIONED or RECEIVED pack is packed`, `packs[${i}]`);
      if (pack.container !== undefined) throw conflict(`pack ${ref.gtin}/${ref.serial} is already in container ${pack.container}`, `packs[${i}]`);
      packs.push(pack);
    }
    let total = packs.length + (existing ? (await expandContainer(state, existing)).packs.length : 0);
    const children: Container[] = [];
    for (const [i, sscc] of input.containers.entries()) {
      const child = await loadContainer(state, sscc, `containers[${i}]`);
      requireHeldBy(child, tx, `containers[${i}]`);
      if (child.parent !== undefined) throw conflict(`container ${sscc} is already in container ${child.parent}`, `containers[${i}]`);
      if (child.level + 1 > MAX_AGGREGATION_DEPTH) {
        throw conflict(`container ${sscc} has ${child.level} levels; a container nests at most ${MAX_AGGREGATION_DEPTH}`, `containers[${i}]`);
      }
      total += (await expandContainer(state, child)).packs.length;
      children.push(child);
    }
    if (total > MAX_PACKS_PER_CONTAINER) throw invalidArgument("packs", `the container would hold ${total} packs; at most ${MAX_PACKS_PER_CONTAINER}`);
    const childSsccs = [...(existing?.containers ?? []), ...input.containers].sort();
    if (childSsccs.length > MAX_CHILD_CONTAINERS) throw invalidArgument("containers", `the container would hold ${childSsccs.length} containers; at most ${MAX_CHILD_CONTAINERS}`);
    const level = Math.max(existing?.level ?? 1, ...children.map((child) => child.level + 1));
    for (const pack of packs) await writePack(state, tx, { ...pack, container: input.sscc });
    for (const child of children) await writeContainer(state, tx, { ...child, parent: input.sscc });
    const refs: PackRef[] = [...(existing?.packs ?? []), ...input.packs].sort(comparePackRefs);
    const container = await writeContainer(state, tx, {
      sscc: input.sscc,
      owner: tx.msp,
      status: "HELD",
      packs: refs,
      containers: childSsccs,
      level,
      createdAt: existing?.createdAt ?? tx.at,
      createdBy: existing?.createdBy ?? tx.msp,
      updatedAt: tx.at,
      updatedBy: tx.msp,
      updatedTxId: tx.txId,
    });
    state.emit(EVENTS.CONTAINER_PACKED, { sscc: input.sscc, owner: tx.msp, packs: input.packs, containers: input.containers });
    return result(container);
  }

  /**
   * Takes packs and containers out of a container the caller holds at rest;
   * with neither named, everything (the container is emptied, and may be
   * packed again). What is taken out is loose again, held as before.
   */
  @Transaction()
  @Returns("string")
  async Unpack(ctx: Context, aggregationJson: string): Promise<string> {
    const input = parseAggregationInput(parseJsonObject("aggregation", aggregationJson), true);
    const { tx, state } = begin(ctx);
    await requirePartner(state, tx);
    const container = await loadContainer(state, input.sscc);
    requireHeldBy(container, tx, "sscc");
    const everything = input.packs.length === 0 && input.containers.length === 0;
    const packs = everything ? container.packs : input.packs;
    const containers = everything ? container.containers : input.containers;
    const inside = new Set(container.packs.map(packRefKey));
    for (const [i, ref] of packs.entries()) {
      if (!inside.has(packRefKey(ref))) throw invalidArgument(`packs[${i}]`, `pack ${ref.gtin}/${ref.serial} is not in container ${input.sscc}`);
    }
    for (const [i, sscc] of containers.entries()) {
      if (!container.containers.includes(sscc)) throw invalidArgument(`containers[${i}]`, `container ${sscc} is not in container ${input.sscc}`);
    }
    for (const ref of packs) {
      const { container: _container, ...loose } = await loadPack(state, ref);
      await writePack(state, tx, loose);
    }
    for (const sscc of containers) {
      const { parent: _parent, ...loose } = await loadContainer(state, sscc);
      await writeContainer(state, tx, loose);
    }
    const out = new Set(packs.map(packRefKey));
    const remaining = container.containers.filter((sscc) => !containers.includes(sscc));
    const updated = await writeContainer(state, tx, {
      ...container,
      packs: container.packs.filter((ref) => !out.has(packRefKey(ref))),
      containers: remaining,
      level: await levelOf(state, remaining),
    });
    const emptied = updated.packs.length === 0 && updated.containers.length === 0;
    state.emit(EVENTS.CONTAINER_UNPACKED, { sscc: input.sscc, owner: tx.msp, packs, containers, emptied });
    return result(updated);
  }

  /** What a container holds, nested, with each pack's status and whether it is active, and the counts. */
  @Transaction(false)
  @Returns("string")
  async GetContainer(ctx: Context, sscc: string): Promise<string> {
    validateSscc("sscc", sscc);
    const { tx, state } = begin(ctx);
    const container = await loadContainer(state, sscc);
    return result(await viewOf(state, new PackLoader(state), container, tx.at));
  }
}

async function viewOf(state: State, loader: PackLoader, container: Container, atIso: string): Promise<ContainerView> {
  const packs: ContainedPack[] = [];
  for (const ref of container.packs) {
    const context = await loader.load(ref);
    const cause = isDecommissioned(context.pack.status) ? `pack is ${context.pack.status}` : blockingCause(context, atIso);
    packs.push({ gtin: ref.gtin, serial: ref.serial, status: context.pack.status, active: cause === undefined, ...(cause === undefined ? {} : { cause }) });
  }
  const containers: ContainerView[] = [];
  for (const sscc of container.containers) containers.push(await viewOf(state, loader, await loadContainer(state, sscc), atIso));
  const packCount = packs.length + containers.reduce((sum, child) => sum + child.packCount, 0);
  const activeCount = packs.filter((pack) => pack.active).length + containers.reduce((sum, child) => sum + child.activeCount, 0);
  return { ...container, packs, containers, packCount, activeCount };
}
