/** What the attack tests read back: records and verifications as one org's own peer answers them. */
import { StatusCode } from "@hyperledger/fabric-gateway";
import { evaluateJson, type OrgSession } from "../../../support/fabric-client.js";
import type { Lot, PackRef } from "../network/scenario.js";

export interface PackRecord {
  readonly gtin: string;
  readonly serial: string;
  readonly lot: string;
  readonly expiry: string;
  readonly status: string;
  readonly owner: string;
  readonly marks: readonly string[];
  readonly updatedTxId: string;
  readonly [field: string]: unknown;
}

export interface LotRecord {
  readonly gtin: string;
  readonly lot: string;
  readonly manufacturer: string;
  readonly recall?: { readonly by: string; readonly reason: string };
  readonly [field: string]: unknown;
}

export interface Verification {
  readonly verified: boolean;
  readonly reason?: string;
  readonly additionalInfo: readonly string[];
  readonly owner?: string;
}

export async function packRecord(who: OrgSession, channel: string, ref: PackRef): Promise<PackRecord> {
  return (await evaluateJson(who.contract(channel), "packs:GetPack", ref.gtin, ref.serial)) as PackRecord;
}

export async function lotRecord(who: OrgSession, channel: string, gtin: string, lot: string): Promise<LotRecord> {
  return (await evaluateJson(who.contract(channel), "packs:GetLot", gtin, lot)) as LotRecord;
}

/** A scan of the pack as printed (GTIN, serial, lot, expiry of `lot`), verified by `who`'s peer. */
export async function verification(who: OrgSession, channel: string, lot: Lot, ref: PackRef): Promise<Verification> {
  return (await evaluateJson(who.contract(channel), "packs:Verify", ref.gtin, ref.serial, lot.lot, lot.expiry)) as Verification;
}

/** "ENDORSEMENT_POLICY_FAILURE (10)", so a failed assertion says what committed instead. */
export function statusName(status: { readonly code: number }): string {
  const name = Object.entries(StatusCode).find(([, code]) => code === status.code)?.[0] ?? "UNKNOWN";
  return `${name} (${status.code})`;
}
