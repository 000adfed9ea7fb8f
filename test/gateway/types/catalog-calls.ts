/**
 * Compiled, never run (scripts/test/gateway.sh: tsc -p test/gateway/types):
 * each @ts-expect-error is a call the catalog must refuse, so a catalog that
 * stopped typing arguments or results fails the gateway suite.
 */
import { CATALOG, type Pack } from "@rxtrace/domain";
import type { Principal } from "../../../gateway/src/auth/principal.js";
import type { LedgerClient } from "../../../gateway/src/ports/ledger.js";
import { call, evaluate, submit } from "../../../gateway/src/services/ledger-calls.js";

export function argumentsAreTheCatalogs(): void {
  call(CATALOG.packs.GetPack, ["gtin", "serial"]);
  // @ts-expect-error packs:GetPack takes a GTIN and a serial
  call(CATALOG.packs.GetPack, ["gtin"]);
  // @ts-expect-error packs:Dispense takes a scan (gtin, serial, lot, expiry), not a bare GTIN
  call(CATALOG.packs.Dispense, [{ gtin: "g" }]);
  // @ts-expect-error packs:Decommission takes only the catalog's decommission reasons
  call(CATALOG.packs.Decommission, [{ gtin: "g", serial: "s", reason: "LOST" }]);
  // @ts-expect-error a call names a catalog entry, not a string
  call("packs:GetPack", ["gtin", "serial"]);
}

export async function resultsAreTheCatalogs(ledger: LedgerClient, as: Principal): Promise<void> {
  const pack = await evaluate(ledger, as, "mfr-dist", call(CATALOG.packs.GetPack, ["g", "s"]));
  const record: Pack = pack;
  const flags: boolean = pack.recalled && pack.withdrawn;
  // @ts-expect-error a pack has no field the catalog does not declare
  void pack.price;
  const committed = await submit(ledger, as, "mfr-dist", call(CATALOG.products.WithdrawProduct, ["g", "why"]));
  // @ts-expect-error products:WithdrawProduct answers a product, which has no serial
  void committed.result.serial;
  void record;
  void flags;
}
