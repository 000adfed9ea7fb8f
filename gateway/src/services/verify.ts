/**
 * Verification of a pack as a scanner, a phone or a partner system presents
 * it: a GS1 DataMatrix element string, the bracketed human-readable form or a
 * GS1 Digital Link, parsed by the chaincode package's GS1 parser (one parser
 * for the whole system). The answer adds a short provenance summary.
 */
import { CATALOG, ChaincodeError, detectGs1Form, type Gs1Form, type PackIdentifiers, parseGs1, requirePackIdentifiers } from "@rxtrace/domain";
import type { Principal } from "../auth/principal.js";
import { GatewayError } from "../errors.js";
import { SOURCE_CHANNEL, type ChannelName, type LedgerClient } from "../ports/ledger.js";
import { readChannels } from "./channels.js";
import { asPack, asProduct, readEverywhere, type ChannelResult } from "./ledger-views.js";

export type CodeForm = Gs1Form;

export interface Verification {
  verified: boolean;
  reason?: string;
  additionalInfo: string[];
  status?: string;
  owner?: string;
  checkedAt?: string;
}

export interface CustodyStep {
  at: string;
  channel: ChannelName;
  status: string;
  owner: string;
  by?: string;
  txId?: string;
}

export interface Provenance {
  product?: { name?: string; strength?: string; form?: string; manufacturer: string };
  custody: CustodyStep[];
}

export interface VerifyAnswer extends Verification {
  pack: PackIdentifiers;
  channel: ChannelName;
  provenance: Provenance | null;
}

/** Parses a scanned code into a full pack identity; 400 naming what was wrong. */
export function parseScannedCode(code: string): { form: CodeForm; pack: PackIdentifiers; extra: Record<string, string> } {
  try {
    const ids = parseGs1(code);
    return { form: detectGs1Form(code), pack: requirePackIdentifiers(ids), extra: ids.extra };
  } catch (err) {
    if (err instanceof ChaincodeError) {
      // The detail already starts with the part it is about ("code: ..." or "serial: ..."); prefixing it again would say "code: code: ...".
      throw new GatewayError("INVALID_ARGUMENT", err.detail, { field: "code", details: { part: err.field ?? "code", form: detectGs1Form(code) } });
    }
    throw err;
  }
}

function asVerification(value: unknown): Verification {
  const v = value as Partial<Verification> | null;
  if (typeof v !== "object" || v === null || typeof v.verified !== "boolean") {
    throw new GatewayError("ENDORSEMENT_FAILED", "the chaincode returned a malformed verification");
  }
  return { ...v, additionalInfo: Array.isArray(v.additionalInfo) ? v.additionalInfo : [] } as Verification;
}

const NO_MATCH = "NO_MATCH_GTIN_SERIAL";

/** Of the per-channel answers, the one about the live pack. */
function pick(answers: ChannelResult<Verification>[]): ChannelResult<Verification> | undefined {
  const matched = answers.filter((a) => a.result.reason !== NO_MATCH);
  return matched.find((a) => a.result.status !== "HANDED_OFF") ?? matched[0] ?? answers[0];
}

export class VerifyService {
  constructor(private readonly ledger: LedgerClient) {}

  async verify(as: Principal, pack: PackIdentifiers, channel?: ChannelName): Promise<VerifyAnswer> {
    const channels = readChannels(as, channel);
    const answers = (
      await readEverywhere(this.ledger, as, channels, {
        transaction: CATALOG.packs.Verify.qualified,
        args: [pack.gtin, pack.serial, pack.lot, pack.expiry],
      })
    ).map((a) => ({ channel: a.channel, result: asVerification(a.result) }));
    const chosen = pick(answers);
    if (!chosen) {
      return { verified: false, reason: NO_MATCH, additionalInfo: [], pack, channel: channels[0] ?? SOURCE_CHANNEL, provenance: null };
    }
    const provenance = chosen.result.reason === NO_MATCH ? null : await this.provenance(as, pack, channels, chosen.channel);
    return { ...chosen.result, pack, channel: chosen.channel, provenance };
  }

  /** Product facts and the custody chain (status or owner changes) across channels. */
  async provenance(as: Principal, pack: PackIdentifiers, channels: readonly ChannelName[], where: ChannelName): Promise<Provenance> {
    const [products, histories] = await Promise.all([
      readEverywhere(this.ledger, as, [where], { transaction: CATALOG.products.GetProduct.qualified, args: [pack.gtin] }),
      readEverywhere(this.ledger, as, channels, { transaction: CATALOG.packs.GetPackHistory.qualified, args: [pack.gtin, pack.serial] }),
    ]);
    const steps: CustodyStep[] = [];
    for (const h of histories) {
      if (!Array.isArray(h.result)) continue;
      for (const entry of h.result as unknown[]) {
        const e = entry as { at?: unknown; by?: unknown; txId?: unknown; pack?: unknown };
        if (typeof e.at !== "string" || e.pack === undefined || e.pack === null) continue;
        const p = asPack(e.pack);
        steps.push({
          at: e.at,
          channel: h.channel,
          status: p.status,
          owner: p.owner,
          ...(typeof e.by === "string" ? { by: e.by } : {}),
          ...(typeof e.txId === "string" ? { txId: e.txId } : {}),
        });
      }
    }
    steps.sort((a, b) => a.at.localeCompare(b.at));
    const custody = steps.filter((s, i) => {
      const prev = steps[i - 1];
      return prev === undefined || prev.status !== s.status || prev.owner !== s.owner;
    });
    const productRecord = products[0] ? asProduct(products[0].result) : undefined;
    const product = productRecord
      ? {
          manufacturer: productRecord.manufacturer,
          ...(productRecord.name !== undefined ? { name: productRecord.name } : {}),
          ...(productRecord.strength !== undefined ? { strength: productRecord.strength } : {}),
          ...(productRecord.form !== undefined ? { form: productRecord.form } : {}),
        }
      : undefined;
    return product ? { product, custody } : { custody };
  }
}
