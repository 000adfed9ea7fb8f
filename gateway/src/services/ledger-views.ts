/**
 * What verify.ts still reads through: a read by wire-level call and the two
 * record checks it applies to packs and products. Everything else reads
 * through the typed client (ledger-calls.ts); these go once verify.ts does.
 */
import { findTransaction, type Pack, type Product } from "@rxtrace/domain";
import type { Principal } from "../auth/principal.js";
import { GatewayError } from "../errors.js";
import type { ChannelName, LedgerCall, LedgerClient } from "../ports/ledger.js";
import { readEverywhere as readTyped, type ChannelResult } from "./ledger-calls.js";

export type { ChannelResult };

/** readEverywhere of ledger-calls.ts for a call already in wire form (its string arguments pass through unchanged). */
export async function readEverywhere(ledger: LedgerClient, as: Principal, channels: readonly ChannelName[], wire: Omit<LedgerCall, "channel">): Promise<ChannelResult[]> {
  const spec = findTransaction(wire.transaction);
  if (spec === undefined) throw new GatewayError("INTERNAL", `${wire.transaction} is not in the catalog`);
  return readTyped(ledger, as, channels, { ...wire, spec, args: (wire.args ?? []) as never });
}

function malformed(what: string): GatewayError {
  return new GatewayError("ENDORSEMENT_FAILED", `the chaincode returned a malformed ${what}`);
}

export function asPack(value: unknown): Pick<Pack, "gtin" | "serial" | "status" | "owner" | "marks"> {
  const v = value as Partial<Pack> | null;
  if (
    typeof v !== "object" || v === null ||
    typeof v.gtin !== "string" || typeof v.serial !== "string" || typeof v.status !== "string" ||
    typeof v.owner !== "string" || !Array.isArray(v.marks)
  ) {
    throw malformed("pack");
  }
  return v as Pack;
}

export function asProduct(value: unknown): Pick<Product, "gtin" | "manufacturer"> & Partial<Pick<Product, "name" | "strength" | "form">> {
  const v = value as Partial<Product> | null;
  if (typeof v !== "object" || v === null || typeof v.gtin !== "string" || typeof v.manufacturer !== "string") throw malformed("product");
  return v as Product;
}
