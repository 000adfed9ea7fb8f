/** Test data for the integration tests: unique per run, valid by the chaincode's rules. */
import { gtinCheckDigit } from "@rxtrace/domain";

/** A valid GTIN-14 derived from `seed` (GS1 mod-10 check digit), so each run uses fresh keys. */
export function gtinFor(seed: string): string {
  let n = 0;
  for (const ch of seed) n = (n * 31 + ch.charCodeAt(0)) % 1e12;
  const first13 = `0${n.toString().padStart(12, "0")}`;
  return first13 + String(gtinCheckDigit(first13));
}

/** A refrigerated product: labelled 2-8 °C, absolute limits 0-25 °C, 60 minutes of stability budget. */
export function refrigeratedProduct(gtin: string) {
  return {
    gtin,
    name: "Insulin glargine 100 U/ml",
    strength: "100 U/ml",
    form: "solution for injection",
    nationalCode: "NC-1",
    storage: { minCentiCelsius: 200, maxCentiCelsius: 800 },
    limits: { minCentiCelsius: 0, maxCentiCelsius: 2500 },
    stabilityBudgetMinutes: 60,
  };
}

/** The same product as the chaincode argument of products:RegisterProduct. */
export function productJson(gtin: string): string {
  return JSON.stringify(refrigeratedProduct(gtin));
}

/** An expiry (YYMMDD) about two years ahead. */
export function futureExpiry(now: Date = new Date()): string {
  const y = (now.getUTCFullYear() + 2) % 100;
  return `${String(y).padStart(2, "0")}1231`;
}
