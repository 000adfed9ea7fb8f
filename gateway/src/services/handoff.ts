/**
 * The distributor's one-call cross-channel hand-off: the packs leave mfr-dist
 * by a hand-off recorded there, then enter dist-pharm by an import that reads
 * the hand-off through a read-only cross-channel query. The import must run on
 * a peer joined to both channels (the distributor's, with the regulator's
 * endorsing the mirrored master data). A repeated call resumes: packs already
 * handed off are not handed off again, packs already imported are skipped.
 */
import type { Principal } from "../auth/principal.js";
import { ConflictError, GatewayError } from "../errors.js";
import { DOWNSTREAM_CHANNEL, SOURCE_CHANNEL, type LedgerClient, type SubmitResult } from "../ports/ledger.js";
import { KeyLanes, importLanes } from "./key-lanes.js";
import { call, evaluate, readEverywhere, submit } from "./ledger-calls.js";
import { CATALOG, REGULATOR_MSP, type PackRef } from "@rxtrace/domain";

const SOURCE = SOURCE_CHANNEL;
const DOWNSTREAM = DOWNSTREAM_CHANNEL;

export interface HandOffStep {
  transactionId: string;
  blockNumber: string;
  count: number;
}

export interface HandOffAnswer {
  fromChannel: typeof SOURCE;
  toChannel: typeof DOWNSTREAM;
  packs: number;
  /** null when every pack had already been handed off by an earlier call. */
  handOff: HandOffStep | null;
  /** null when every pack had already been imported by an earlier call. */
  import: HandOffStep | null;
}

function step(committed: SubmitResult, count: number): HandOffStep {
  return { transactionId: committed.transactionId, blockNumber: committed.blockNumber, count };
}

export interface HandOffOptions {
  /** How long to wait for the regulator's peer to commit the hand-off block before importing. */
  propagationTimeoutMs?: number;
  pollIntervalMs?: number;
  /** Shared with the other services so writes to one key never share a block. */
  lanes?: KeyLanes;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class HandOffService {
  readonly #timeoutMs: number;
  readonly #pollMs: number;
  readonly #lanes: KeyLanes;

  constructor(
    private readonly ledger: LedgerClient,
    options: HandOffOptions = {},
  ) {
    this.#timeoutMs = options.propagationTimeoutMs ?? 10_000;
    this.#pollMs = options.pollIntervalMs ?? 200;
    this.#lanes = options.lanes ?? new KeyLanes();
  }

  /**
   * The commit status came from the distributor's peer; the import is also
   * endorsed by the regulator's peer, whose cross-channel read must already
   * see the hand-off block. Waits until it does (or the timeout passes, and
   * the import then reports what is missing).
   */
  async #awaitPropagation(as: Principal, packs: PackRef[]): Promise<void> {
    const deadline = Date.now() + this.#timeoutMs;
    for (;;) {
      const result = await evaluate(this.ledger, as, SOURCE, call(CATALOG.crosschannel.GetHandOffs, [{ packs }], { endorsingOrganizations: [REGULATOR_MSP] }));
      const seen = result.length === packs.length && result.every((r) => r !== null);
      if (seen || Date.now() >= deadline) return;
      await sleep(this.#pollMs);
    }
  }

  async handOff(as: Principal, packs: PackRef[]): Promise<HandOffAnswer> {
    const existing = await evaluate(this.ledger, as, SOURCE, call(CATALOG.crosschannel.GetHandOffs, [{ packs }]));
    const pending: PackRef[] = [];
    const done: PackRef[] = [];
    packs.forEach((pack, i) => {
      const record = existing[i];
      if (record === null || record === undefined) pending.push(pack);
      else if (record.holder === as.mspId && record.toChannel === DOWNSTREAM) done.push(pack);
      else throw new ConflictError(`packs[${i}]: already handed off by ${record.holder} to ${record.toChannel}`, { field: `packs[${i}]` });
    });

    let handOff: HandOffStep | null = null;
    if (pending.length > 0) {
      const committed = await submit(this.ledger, as, SOURCE, call(CATALOG.crosschannel.HandOff, [{ packs: pending, toChannel: DOWNSTREAM }], { endorsingOrganizations: [as.mspId] }));
      handOff = step(committed, pending.length);
      await this.#awaitPropagation(as, pending);
    }

    // Packs handed off by an earlier call may already be imported.
    const alreadyImported = new Set<string>();
    if (done.length > 0) {
      await Promise.all(
        done.map(async (p) => {
          const found = await readEverywhere(this.ledger, as, [DOWNSTREAM], call(CATALOG.packs.GetPack, [p.gtin, p.serial]));
          if (found.length > 0) alreadyImported.add(`${p.gtin}/${p.serial}`);
        }),
      );
    }
    const toImport = packs.filter((p) => !alreadyImported.has(`${p.gtin}/${p.serial}`));

    let imported: HandOffStep | null = null;
    if (toImport.length > 0) {
      try {
        const committed = await this.#lanes.run(importLanes(toImport.map((p) => p.gtin)), () =>
          submit(this.ledger, as, DOWNSTREAM, call(CATALOG.crosschannel.ImportPacks, [{ packs: toImport, fromChannel: SOURCE }], { endorsingOrganizations: [as.mspId, REGULATOR_MSP] })),
        );
        imported = step(committed, toImport.length);
      } catch (err) {
        if (err instanceof GatewayError && handOff) {
          throw new GatewayError(err.code, `hand-off committed (${handOff.transactionId}) but the import failed: ${err.message}; repeat the request to finish`, {
            field: err.field,
            transactionId: err.transactionId,
            details: { handOffTransactionId: handOff.transactionId, importError: err.toBody() },
            cause: err,
          });
        }
        throw err;
      }
    }
    return { fromChannel: SOURCE, toChannel: DOWNSTREAM, packs: packs.length, handOff, import: imported };
  }
}
