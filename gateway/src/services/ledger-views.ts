/** Reads across the caller's channels, and narrow views of the records the services need. */
import type { Principal } from "../auth/principal.js";
import { GatewayError, NotFoundError, NotYetVisibleError } from "../errors.js";
import type { ChannelName, LedgerCall, LedgerClient } from "../ports/ledger.js";

export interface ChannelResult<T = unknown> {
  readonly channel: ChannelName;
  readonly result: T;
}

/**
 * Evaluates the call on each channel; channels where it is NOT_FOUND (or not
 * yet visible on a peer that is behind) are left out. Found nowhere while some
 * channel's peer is behind: that channel's NotYetVisibleError (503).
 */
export async function readEverywhere(
  ledger: LedgerClient,
  as: Principal,
  channels: readonly ChannelName[],
  call: Omit<LedgerCall, "channel">,
): Promise<ChannelResult[]> {
  let notYetVisible: NotYetVisibleError | undefined;
  const answers = await Promise.all(
    channels.map(async (channel) => {
      try {
        const { result } = await ledger.evaluate(as, { ...call, channel });
        return { channel, result };
      } catch (err) {
        if (err instanceof NotYetVisibleError) {
          notYetVisible ??= err;
          return undefined;
        }
        if (err instanceof GatewayError && err.code === "NOT_FOUND") return undefined;
        throw err;
      }
    }),
  );
  const found = answers.filter((a): a is ChannelResult => a !== undefined);
  if (found.length === 0 && notYetVisible) throw notYetVisible;
  return found;
}

/** The first channel (in the given order) where the call finds something; 404 otherwise. */
export async function readFirst(
  ledger: LedgerClient,
  as: Principal,
  channels: readonly ChannelName[],
  call: Omit<LedgerCall, "channel">,
  what: string,
): Promise<ChannelResult> {
  const found = await readEverywhere(ledger, as, channels, call);
  const first = found[0];
  if (!first) throw new NotFoundError(`${what} not found on ${channels.join(" or ")}`);
  return first;
}

/** The fields of a Pack record the gateway routes by. */
export interface PackView {
  gtin: string;
  serial: string;
  lot: string;
  expiry: string;
  status: string;
  owner: string;
  consignee?: string;
  marks: string[];
}

function malformed(what: string): GatewayError {
  return new GatewayError("ENDORSEMENT_FAILED", `the chaincode returned a malformed ${what}`);
}

export function asPack(value: unknown): PackView {
  const v = value as Partial<PackView> | null;
  if (
    typeof v !== "object" || v === null ||
    typeof v.gtin !== "string" || typeof v.serial !== "string" || typeof v.status !== "string" ||
    typeof v.owner !== "string" || !Array.isArray(v.marks)
  ) {
    throw malformed("pack");
  }
  return v as PackView;
}

export interface ShipmentView {
  shipmentId: string;
  shipper: string;
  consignee: string;
  status: string;
  packs: { gtin: string; serial: string }[];
}

export function asShipment(value: unknown): ShipmentView {
  const v = value as Partial<ShipmentView> | null;
  if (typeof v !== "object" || v === null || typeof v.shipper !== "string" || typeof v.consignee !== "string" || !Array.isArray(v.packs)) {
    throw malformed("shipment");
  }
  return v as ShipmentView;
}

export interface ProductView {
  gtin: string;
  manufacturer: string;
  name?: string;
  strength?: string;
  form?: string;
}

export function asProduct(value: unknown): ProductView {
  const v = value as Partial<ProductView> | null;
  if (typeof v !== "object" || v === null || typeof v.gtin !== "string" || typeof v.manufacturer !== "string") throw malformed("product");
  return v as ProductView;
}

/**
 * Of the views of one pack on several channels, the live one: a pack handed
 * off on mfr-dist lives on in dist-pharm.
 */
export function liveView(views: readonly ChannelResult[]): ChannelResult<PackView> | undefined {
  const packs = views.map((v) => ({ channel: v.channel, result: asPack(v.result) }));
  return packs.find((v) => v.result.status !== "HANDED_OFF") ?? packs[0];
}
