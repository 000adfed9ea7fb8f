/**
 * Verification of a pack as a scanner, a phone or a partner system presents
 * it: a GS1 DataMatrix element string, the bracketed human-readable form or a
 * GS1 Digital Link, parsed by the domain's GS1 parser (one parser for the
 * whole system). The answer is the domain's VerifyAnswer, served from the
 * read model kept from the caller's own peer's committed blocks, or from one
 * ledger evaluate per channel (packs:VerifyWithProvenance) when the caller
 * asks for ledger consistency or the read model cannot answer.
 */
import {
  CATALOG,
  ChaincodeError,
  detectGs1Form,
  parseGs1,
  requirePackIdentifiers,
  scannedSscc,
  verifyAnswerOf,
  VERIFY_REASONS,
  type Gs1Form,
  type PackIdentifiers,
  type VerifyAnswer,
} from "@rxtrace/domain";
import type { Principal } from "../auth/principal.js";
import { GatewayError } from "../errors.js";
import { SOURCE_CHANNEL, type ChannelName, type LedgerClient } from "../ports/ledger.js";
import { readChannels } from "./channels.js";
import { call, readEverywhere } from "./ledger-calls.js";
import type { VerifyReadModel } from "./verify-read-model.js";

export type CodeForm = Gs1Form;

/** Where an answer comes from: the read model (default) or a ledger evaluate. */
export const CONSISTENCIES = ["read-model", "ledger"] as const;
export type Consistency = (typeof CONSISTENCIES)[number];

/** The blocks an answer reflects: on each channel, every block up to and including `block` (decimal). */
export interface AsOf {
  source: Consistency;
  blocks: { channel: string; block: string }[];
}

export type StatedVerifyAnswer = VerifyAnswer & { asOf: AsOf };

/** Parses a scanned code into a full pack identity; 400 naming what was wrong. */
export function parseScannedCode(code: string): { form: CodeForm; pack: PackIdentifiers; extra: Record<string, string> } {
  const sscc = ssccOf(code);
  if (sscc !== undefined) {
    throw new GatewayError("INVALID_ARGUMENT", `code: is the SSCC ${sscc} of a case or pallet, not a pack; GET /v1/containers/${sscc} verifies what it holds`, {
      field: "code",
      details: { part: "sscc", form: detectGs1Form(code), sscc },
    });
  }
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

/** The SSCC of a logistic label's scan; undefined for a pack's code or text that is neither (its error is the pack parser's). */
function ssccOf(code: string): string | undefined {
  try {
    return scannedSscc(code);
  } catch {
    return undefined;
  }
}

export class VerifyService {
  constructor(
    private readonly ledger: LedgerClient,
    private readonly readModel?: VerifyReadModel,
  ) {}

  /**
   * Verifies a pack on the caller's channels (or the one named). From the
   * read model unless `consistency` is "ledger", the read model does not
   * follow one of the channels yet, it knows the pack on none of them
   * (a pack newer than its last block), or its store does not answer (the
   * replicas' PostgreSQL away): the ledger answers then.
   */
  async verify(as: Principal, pack: PackIdentifiers, channel?: ChannelName, consistency: Consistency = "read-model"): Promise<StatedVerifyAnswer> {
    const channels = readChannels(as, channel);
    const fallback = channels[0] ?? SOURCE_CHANNEL;
    const atIso = new Date().toISOString();
    if (consistency === "read-model" && this.readModel !== undefined) {
      const model = this.readModel;
      const answers = (await Promise.all(channels.map((c) => model.answer(c, pack, atIso))).catch(() => [])).flatMap((a) => a ?? []);
      if (answers.length === channels.length && answers.some((a) => a.verification.reason !== VERIFY_REASONS.NO_MATCH_GTIN_SERIAL)) {
        const blocks = answers.map((a) => ({ channel: a.channel, block: a.block.toString() }));
        return { ...verifyAnswerOf(pack, answers, fallback, atIso), asOf: { source: "read-model", blocks } };
      }
    }
    // The read model's blocks, read before the evaluate: the peer has committed them, so the evaluate reflects at least those.
    const blocks = (
      await Promise.all(channels.map(async (c) => ({ channel: c, block: await this.readModel?.lastBlock(c).catch(() => undefined) })))
    ).flatMap(({ channel: c, block }) => (block === undefined ? [] : [{ channel: c, block: block.toString() }]));
    // Read on the caller's own org's peer, typed by the catalog (ledger-calls.ts says why it is not re-checked).
    const answers = (
      await readEverywhere(this.ledger, as, channels, call(CATALOG.packs.VerifyWithProvenance, [pack.gtin, pack.serial, pack.lot, pack.expiry]))
    ).map((a) => ({ channel: a.channel, ...a.result }));
    return { ...verifyAnswerOf(pack, answers, fallback, atIso), asOf: { source: "ledger", blocks } };
  }
}
