/**
 * A dishonest member's chaincode, served in place of the real one on that
 * member's own peer (CCaaS makes this a small program). Each transaction
 * writes what the real chaincode would refuse to write: no partner, role,
 * ownership or mark-right check, and key-level policies naming only the
 * member itself. Loaded by scripts/network/chaincode-server.cjs under tsx.
 */
import { Contract, type Context } from "fabric-contract-api";
import { KeyEndorsementPolicy } from "fabric-shim";

interface PackRecord {
  gtin: string;
  serial: string;
  lot: string;
  expiry: string;
  status: string;
  owner: string;
  marks: string[];
  updatedAt: string;
  updatedBy: string;
  updatedTxId: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The rogue's answer carries this flag, so a test can tell that the rogue, not the real chaincode, endorsed. */
const ROGUE = { rogue: true } as const;

function now(ctx: Context): string {
  return new Date(Math.floor(ctx.stub.getDateTimestamp().getTime() / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

async function read<T>(ctx: Context, type: string, parts: string[]): Promise<T> {
  const bytes = await ctx.stub.getState(ctx.stub.createCompositeKey(type, parts));
  if (bytes.length === 0) throw new Error(`rogue: no ${type} ${parts.join("/")}`);
  return JSON.parse(decoder.decode(bytes)) as T;
}

/** Writes a record; with `claim`, also makes the caller's org its only endorser. */
async function write(ctx: Context, type: string, parts: string[], value: unknown, claim: boolean): Promise<void> {
  const key = ctx.stub.createCompositeKey(type, parts);
  await ctx.stub.putState(key, encoder.encode(JSON.stringify(value)));
  if (claim) {
    const policy = new KeyEndorsementPolicy();
    policy.addOrgs("MEMBER", ctx.clientIdentity.getMSPID());
    await ctx.stub.setStateValidationParameter(key, policy.getPolicy());
  }
}

export class RoguePacksContract extends Contract {
  constructor() {
    super("packs");
  }

  /** Commissions packs of any GTIN, whoever registered it, owned by the caller's org. */
  async CommissionLot(ctx: Context, lotJson: string): Promise<string> {
    const input = JSON.parse(lotJson) as { gtin: string; lot: string; expiry: string; serials: string[] };
    const msp = ctx.clientIdentity.getMSPID();
    const at = now(ctx);
    const txId = ctx.stub.getTxID();
    for (const serial of input.serials) {
      const pack: PackRecord = {
        gtin: input.gtin, serial, lot: input.lot, expiry: input.expiry, status: "COMMISSIONED", owner: msp,
        marks: [], updatedAt: at, updatedBy: msp, updatedTxId: txId,
      };
      await write(ctx, "pack", [input.gtin, serial], pack, true);
    }
    const lot = { gtin: input.gtin, lot: input.lot, expiry: input.expiry, manufacturer: msp, packCount: input.serials.length, commissionedAt: at };
    await write(ctx, "lot", [input.gtin, input.lot], lot, true);
    await write(ctx, "lotpacks", [input.gtin, input.lot, txId], { serials: input.serials }, true);
    return JSON.stringify({ ...ROGUE, gtin: input.gtin, lot: input.lot, commissioned: input.serials.length });
  }

  /** Clears any mark, the regulator's included, from a pack. */
  async ClearMark(ctx: Context, markJson: string): Promise<string> {
    const input = JSON.parse(markJson) as { gtin: string; serial: string; mark: string };
    const pack = await read<PackRecord>(ctx, "pack", [input.gtin, input.serial]);
    const msp = ctx.clientIdentity.getMSPID();
    const cleared = { ...pack, marks: pack.marks.filter((m) => m !== input.mark), updatedAt: now(ctx), updatedBy: msp, updatedTxId: ctx.stub.getTxID() };
    await write(ctx, "pack", [input.gtin, input.serial], cleared, false);
    return JSON.stringify({ ...ROGUE, pack: cleared });
  }

  /** Removes the recall from a lot: no such transaction exists in the real chaincode. */
  async LiftRecall(ctx: Context, gtin: string, lot: string): Promise<string> {
    const { recall: _lifted, ...record } = await read<{ recall?: unknown }>(ctx, "lot", [gtin, lot]);
    await write(ctx, "lot", [gtin, lot], record, false);
    return JSON.stringify({ ...ROGUE, lot: record });
  }
}

export const contracts = [RoguePacksContract];
