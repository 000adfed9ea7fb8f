/**
 * Which org roles may perform which gateway action. The chaincode enforces
 * the roles (TRANSACTION_ROLES of @rxtrace/domain, from the certificate),
 * ownership and org rules again on the ledger; this table answers 403 early
 * and keeps the regulator read-only except recall, withdrawal and the
 * suspect/illegitimate marks. It never grants a role the chaincode refuses
 * (test/gateway/roles-agree.test.ts).
 */
import type { MspId, Principal, Role } from "./principal.js";

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

type Grant = Readonly<Partial<Record<MspId, readonly Role[]>>>;

const TRADERS = ["operator", "quality", "pharmacist", "admin"] as const;
const ANY_TRADER: Grant = {
  ManufacturerMSP: TRADERS,
  DistributorMSP: TRADERS,
  PharmacyMSP: TRADERS,
};
const REGULATOR: readonly Role[] = ["auditor", "admin"];

const GRANTS: Readonly<Record<Action, Grant>> = {
  read: { ...ANY_TRADER, RegulatorMSP: REGULATOR },
  // Partners are registered by the regulator's admin (the network scripts), not its auditors.
  "partner.register": { RegulatorMSP: ["admin"] },
  "product.register": { ManufacturerMSP: ["operator", "quality", "admin"] },
  "lot.commission": { ManufacturerMSP: ["operator", "admin"] },
  "shipment.ship": ANY_TRADER,
  "shipment.receive": ANY_TRADER,
  // A saleable return goes from a pharmacy to the distributor that sold the packs, which verifies it (the chaincode checks both orgs).
  "return.ship": { PharmacyMSP: TRADERS },
  "return.verify": { DistributorMSP: TRADERS },
  // Packing and unpacking cases and pallets: any trading org, of what it holds (the chaincode checks the holder).
  "container.pack": ANY_TRADER,
  "pack.handoff": { DistributorMSP: TRADERS },
  "coldchain.record": ANY_TRADER,
  // A hold decision: the manufacturer's quality function, or the regulator on either channel (chaincode domain/roles.ts and coldchain).
  "coldchain.release": { ManufacturerMSP: ["quality"], RegulatorMSP: REGULATOR },
  // The manufacturer's decision on a dist-pharm hold, relayed there; the regulator decides on dist-pharm itself.
  "coldchain.decideDownstream": { ManufacturerMSP: ["quality"] },
  "pack.dispense": { PharmacyMSP: ["pharmacist", "operator", "admin"] },
  // Any trading org undoes its own dispense or decommission; the chaincode checks it is the org that made it.
  "pack.undoDecommission": ANY_TRADER,
  "pack.decommission": ANY_TRADER,
  "lot.recall": { ManufacturerMSP: ["quality", "operator", "admin"], RegulatorMSP: REGULATOR },
  "gtin.withdraw": { ManufacturerMSP: ["quality", "operator", "admin"], RegulatorMSP: REGULATOR },
  // Any org that may set some mark; the pack service checks the specific mark.
  "pack.mark": { ...ANY_TRADER, RegulatorMSP: REGULATOR },
  "pack.quarantine": ANY_TRADER,
  "pack.markSuspect": { ...ANY_TRADER, RegulatorMSP: REGULATOR },
  "pack.markIllegitimate": { RegulatorMSP: REGULATOR, ManufacturerMSP: ["quality", "admin"] },
  "document.write": ANY_TRADER,
  "document.erase": ANY_TRADER,
  // An anchoring run spends the anchorer account's gas: a write, so not for read-only roles (the regulator's auditor).
  "evm.anchor": { ...ANY_TRADER, RegulatorMSP: ["admin"] },
  // Investigations (the chaincode checks the orgs): a holder or the regulator opens; the opener or the regulator
  // determines and closes; the determining trading partner records the regulator's notification; a holder
  // quarantines or destroys its packs; only the regulator asks for tracing, and the asked holders answer.
  "investigation.open": { ...ANY_TRADER, RegulatorMSP: REGULATOR },
  "investigation.determine": { ...ANY_TRADER, RegulatorMSP: REGULATOR },
  "investigation.notify": ANY_TRADER,
  "investigation.dispose": ANY_TRADER,
  "investigation.close": { ...ANY_TRADER, RegulatorMSP: REGULATOR },
  "tracing.request": { RegulatorMSP: REGULATOR },
  "tracing.answer": ANY_TRADER,
};

/** True when the principal's org and role may perform the action. */
export function isAllowed(principal: Principal, action: Action): boolean {
  return GRANTS[action][principal.mspId]?.includes(principal.role) ?? false;
}
