/**
 * A small in-memory stand-in for the chaincode behind the gateway's
 * LedgerClient port, answering what the scan page needs (verify, product,
 * history, pack, dispense) with the chaincode's rules for those calls: unknown
 * GTIN+serial, lot and expiry mismatch, recalled lot, already decommissioned,
 * and dispense only of a RECEIVED pack held by the calling pharmacy.
 */
import { NotFoundError, ConflictError } from "../../../gateway/src/errors.js";
import type { LedgerCall } from "../../../gateway/src/ports/ledger.js";
import { FakeLedger } from "../../gateway/support/fake-ledger.js";

export interface WorldPack {
  gtin: string;
  serial: string;
  lot: string;
  expiry: string;
  status: string;
  owner: string;
  marks: string[];
}

interface HistoryEntry {
  txId: string;
  at: string;
  isDelete: false;
  by: string;
  pack: WorldPack;
}

export const PRODUCT = {
  gtin: "09521234543213",
  name: "Amoxicillin 500 mg capsules",
  strength: "500 mg",
  form: "capsule",
  nationalCode: "NC-0001",
  manufacturer: "ManufacturerMSP",
  storage: { minCentiCelsius: 1500, maxCentiCelsius: 2500 },
  limits: { minCentiCelsius: 0, maxCentiCelsius: 3000 },
  stabilityBudgetMinutes: 600,
  registeredAt: "2026-11-01T08:00:00Z",
};

export class PackWorld {
  readonly ledger = new FakeLedger();
  readonly #packs = new Map<string, WorldPack>();
  readonly #history = new Map<string, HistoryEntry[]>();
  readonly #recalledLots = new Set<string>();
  #clock = Date.parse("2026-11-02T08:00:00Z");

  constructor() {
    this.ledger
      .on("packs:VerifyWithProvenance", (call) => this.#verifyWithProvenance(call))
      .on("packs:GetPack", (call) => this.#find(this.#args(call)[0], this.#args(call)[1]))
      .on("packs:GetPackHistory", (call) => this.#history.get(this.#key(this.#args(call)[0], this.#args(call)[1])) ?? [])
      .on("products:GetProduct", (call) => {
        if (this.#args(call)[0] !== PRODUCT.gtin) throw new NotFoundError(`product ${this.#args(call)[0]} not found`);
        return PRODUCT;
      })
      .on("packs:Dispense", (call, as) => this.#dispense(JSON.parse(this.#args(call)[0]) as Record<string, string>, as.mspId));
  }

  /** A pack commissioned by the manufacturer, shipped to the distributor, then to the pharmacy, which received it. */
  receivedAtPharmacy(serial: string, lot: string, expiry: string): WorldPack {
    const pack: WorldPack = { gtin: PRODUCT.gtin, serial, lot, expiry, status: "COMMISSIONED", owner: "ManufacturerMSP", marks: [] };
    this.#packs.set(this.#key(pack.gtin, serial), pack);
    this.#record(pack, "ManufacturerMSP");
    for (const [status, owner, by] of [
      ["IN_TRANSIT", "ManufacturerMSP", "ManufacturerMSP"],
      ["RECEIVED", "DistributorMSP", "DistributorMSP"],
      ["IN_TRANSIT", "DistributorMSP", "DistributorMSP"],
      ["RECEIVED", "PharmacyMSP", "PharmacyMSP"],
    ] as const) {
      pack.status = status;
      pack.owner = owner;
      this.#record(pack, by);
    }
    return { ...pack };
  }

  recallLot(lot: string): void {
    this.#recalledLots.add(`${PRODUCT.gtin}|${lot}`);
  }

  pack(serial: string): WorldPack | undefined {
    const found = this.#packs.get(this.#key(PRODUCT.gtin, serial));
    return found ? { ...found } : undefined;
  }

  #args(call: LedgerCall): string[] {
    return [...(call.args ?? [])];
  }

  #key(gtin: string | undefined, serial: string | undefined): string {
    return `${gtin ?? ""}|${serial ?? ""}`;
  }

  #find(gtin: string | undefined, serial: string | undefined): WorldPack {
    const pack = this.#packs.get(this.#key(gtin, serial));
    if (!pack) throw new NotFoundError(`pack ${gtin ?? ""}/${serial ?? ""} not found`);
    return pack;
  }

  #record(pack: WorldPack, by: string): void {
    this.#clock += 3_600_000;
    const list = this.#history.get(this.#key(pack.gtin, pack.serial)) ?? [];
    list.push({ txId: `tx-${list.length + 1}-${pack.serial}`, at: new Date(this.#clock).toISOString(), isDelete: false, by, pack: { ...pack, marks: [...pack.marks] } });
    this.#history.set(this.#key(pack.gtin, pack.serial), list);
  }

  /** What the chaincode answers on the call's channel: the verification, then the product and the pack's custody. */
  #verifyWithProvenance(call: LedgerCall): Record<string, unknown> {
    const args = this.#args(call);
    const verification = this.#verify(args);
    const history = this.#packs.has(this.#key(args[0], args[1])) ? (this.#history.get(this.#key(args[0], args[1])) ?? []) : undefined;
    if (history === undefined) return { verification, provenance: null };
    const custody = history.map((h) => ({ at: h.at, channel: call.channel, status: h.pack.status, owner: h.pack.owner, by: h.by, txId: h.txId }));
    const product = { manufacturer: PRODUCT.manufacturer, name: PRODUCT.name, strength: PRODUCT.strength, form: PRODUCT.form };
    return { verification, provenance: args[0] === PRODUCT.gtin ? { product, custody } : { custody } };
  }

  #verify([gtin, serial, lot, expiry]: string[]): Record<string, unknown> {
    const checkedAt = new Date(this.#clock).toISOString();
    const pack = this.#packs.get(this.#key(gtin, serial));
    if (!pack) return { verified: false, reason: "NO_MATCH_GTIN_SERIAL", additionalInfo: [], gtin, serial, checkedAt };
    const base = { gtin, serial, lot: pack.lot, expiry: pack.expiry, status: pack.status, owner: pack.owner, checkedAt };
    if (pack.lot !== lot) return { ...base, verified: false, reason: "LOT_MISMATCH", additionalInfo: [] };
    if (pack.expiry !== expiry) return { ...base, verified: false, reason: "EXPIRY_MISMATCH", additionalInfo: [] };
    const info: string[] = [];
    if (this.#recalledLots.has(`${pack.gtin}|${pack.lot}`)) info.push("RECALLED");
    if (pack.status === "DISPENSED") info.push("ALREADY_DECOMMISSIONED");
    return info.length > 0 ? { ...base, verified: false, reason: info[0], additionalInfo: info } : { ...base, verified: true, additionalInfo: [] };
  }

  #dispense(input: Record<string, string>, caller: string): Record<string, unknown> {
    const existing = this.#packs.get(this.#key(input.gtin, input.serial));
    if (existing?.status === "DISPENSED") {
      // As the chaincode: a second decommission is not refused; it records an alert.
      const verification = this.#verify([input.gtin ?? "", input.serial ?? "", input.lot ?? "", input.expiry ?? ""]);
      return { verification, alert: { code: "ALREADY_INACTIVE", at: new Date(this.#clock).toISOString(), by: caller, firstBy: existing.owner } };
    }
    const verification = this.#verify([input.gtin ?? "", input.serial ?? "", input.lot ?? "", input.expiry ?? ""]);
    if (verification.verified !== true) throw new ConflictError(`pack fails verification: ${String(verification.reason)}`);
    const pack = this.#find(input.gtin, input.serial);
    if (pack.owner !== caller || pack.status !== "RECEIVED") throw new ConflictError(`pack is ${pack.status} at ${pack.owner}`);
    pack.status = "DISPENSED";
    this.#record(pack, caller);
    return { verification, pack: { ...pack } };
  }
}
