/**
 * Which org roles may perform which gateway action. Grants go by the org's
 * partner role in the topology (`partner.role`: Manufacturer, Distributor,
 * Pharmacy, Regulator), so a member that joins after launch (a second
 * pharmacy) gets what its kind of partner gets. The chaincode enforces the
 * roles (TRANSACTION_ROLES of @rxtrace/domain, from the certificate),
 * ownership and org rules again on the ledger; this table answers 403 early
 * and keeps the regulator read-only except recall, withdrawal and the
 * suspect/illegitimate marks. It never grants a role the chaincode refuses
 * (test/gateway/roles-agree.test.ts).
 */
import { TOPOLOGY, orgByMsp, type PartnerRole, type Topology } from "../topology.js";
import { isMspId, type Principal, type Role } from "./principal.js";

export const ACTIONS = [
  "read",
  "partner.register",
  "product.register",
  "lot.commission",
  "shipment.ship",
  "shipment.receive",
  "return.ship",
  "return.verify",
  "container.pack",
  "pack.handoff",
  "coldchain.record",
  "coldchain.release",
  "coldchain.decideDownstream",
  "pack.dispense",
  "pack.undoDecommission",
  "pack.decommission",
  "lot.recall",
  "gtin.withdraw",
  "pack.mark",
  "pack.quarantine",
  "pack.markSuspect",
  "pack.markIllegitimate",
  "document.write",
  "document.erase",
  "evm.anchor",
  // investigations (#18 part 4)
  "investigation.open",
  "investigation.determine",
  "investigation.notify",
  "investigation.dispose",
  "investigation.close",
  "tracing.request",
  "tracing.answer",
] as const;
export type Action = (typeof ACTIONS)[number];

type Grant = Readonly<Partial<Record<PartnerRole, readonly Role[]>>>;

const TRADERS = ["operator", "quality", "pharmacist", "admin"] as const;
const ANY_TRADER: Grant = {
  Manufacturer: TRADERS,
  Distributor: TRADERS,
  Pharmacy: TRADERS,
};
const REGULATOR: readonly Role[] = ["auditor", "admin"];

const GRANTS: Readonly<Record<Action, Grant>> = {
  read: { ...ANY_TRADER, Regulator: REGULATOR },
  // Partners are registered by the regulator's admin (the network scripts), not its auditors.
  "partner.register": { Regulator: ["admin"] },
  "product.register": { Manufacturer: ["operator", "quality", "admin"] },
  "lot.commission": { Manufacturer: ["operator", "admin"] },
  "shipment.ship": ANY_TRADER,
  "shipment.receive": ANY_TRADER,
  // A saleable return goes from a pharmacy to the distributor that sold the packs, which verifies it (the chaincode checks both orgs).
  "return.ship": { Pharmacy: TRADERS },
  "return.verify": { Distributor: TRADERS },
  // Packing and unpacking cases and pallets: any trading org, of what it holds (the chaincode checks the holder).
  "container.pack": ANY_TRADER,
  "pack.handoff": { Distributor: TRADERS },
  "coldchain.record": ANY_TRADER,
  // A hold decision: the manufacturer's quality function, or the regulator on either channel (chaincode domain/roles.ts and coldchain).
  "coldchain.release": { Manufacturer: ["quality"], Regulator: REGULATOR },
  // The manufacturer's decision on a dist-pharm hold, relayed there; the regulator decides on dist-pharm itself.
  "coldchain.decideDownstream": { Manufacturer: ["quality"] },
  "pack.dispense": { Pharmacy: ["pharmacist", "operator", "admin"] },
  // Any trading org undoes its own dispense or decommission; the chaincode checks it is the org that made it.
  "pack.undoDecommission": ANY_TRADER,
  "pack.decommission": ANY_TRADER,
  "lot.recall": { Manufacturer: ["quality", "operator", "admin"], Regulator: REGULATOR },
  "gtin.withdraw": { Manufacturer: ["quality", "operator", "admin"], Regulator: REGULATOR },
  // Any org that may set some mark; the pack service checks the specific mark.
  "pack.mark": { ...ANY_TRADER, Regulator: REGULATOR },
  "pack.quarantine": ANY_TRADER,
  "pack.markSuspect": { ...ANY_TRADER, Regulator: REGULATOR },
  "pack.markIllegitimate": { Regulator: REGULATOR, Manufacturer: ["quality", "admin"] },
  "document.write": ANY_TRADER,
  "document.erase": ANY_TRADER,
  // An anchoring run spends the anchorer account's gas: a write, so not for read-only roles (the regulator's auditor).
  "evm.anchor": { ...ANY_TRADER, Regulator: ["admin"] },
  // Investigations (the chaincode checks the orgs): a holder or the regulator opens; the opener or the regulator
  // determines and closes; the determining trading partner records the regulator's notification; a holder
  // quarantines or destroys its packs; only the regulator asks for tracing, and the asked holders answer.
  "investigation.open": { ...ANY_TRADER, Regulator: REGULATOR },
  "investigation.determine": { ...ANY_TRADER, Regulator: REGULATOR },
  "investigation.notify": ANY_TRADER,
  "investigation.dispose": ANY_TRADER,
  "investigation.close": { ...ANY_TRADER, Regulator: REGULATOR },
  "tracing.request": { Regulator: REGULATOR },
  "tracing.answer": ANY_TRADER,
};

/** True when the principal's org (by its partner role in the topology) and role may perform the action. */
export function isAllowed(principal: Principal, action: Action, topology: Topology = TOPOLOGY): boolean {
  if (!isMspId(principal.mspId, topology)) return false;
  return GRANTS[action][orgByMsp(principal.mspId, topology).partner.role]?.includes(principal.role) ?? false;
}
