/**
 * Shared request and response schemas (TypeBox: validation, types and OpenAPI
 * from one definition). The chaincode checks every rule again; these refuse
 * malformed input before it reaches the ledger and name the field.
 */
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { MAX_CONTAINERS_PER_CALL, MAX_PACKS_PER_CALL, MAX_REASON_LENGTH } from "@rxtrace/domain";
import { CHANNELS } from "../ports/ledger.js";

export const Gtin = Type.String({ pattern: "^[0-9]{14}$", description: "GTIN-14 (AI 01) with a valid check digit", examples: ["09521234543213"] });
/** GS1 character set 82, 1-20 characters. */
const GS1_82 = "^[!\"%&'()*+,./0-9:;<=>?A-Z_a-z-]{1,20}$";
export const Serial = Type.String({ pattern: GS1_82, description: "serial (AI 21), 1-20 characters of GS1 set 82" });
export const Lot = Type.String({ pattern: GS1_82, description: "lot (AI 10), 1-20 characters of GS1 set 82" });
export const Expiry = Type.String({ pattern: "^[0-9]{6}$", description: "expiry (AI 17) YYMMDD; day 00 = last day of the month" });
/** The pattern of network/topology.schema.json; the service checks it names an org of the topology (orgs may join after launch). */
export const MspId = Type.String({ pattern: "^[A-Za-z][A-Za-z0-9]*MSP$", description: "MSP id of an org of the network", examples: ["DistributorMSP"] });
export const Channel = Type.Union(CHANNELS.map((c) => Type.Literal(c)), { description: "ledger channel" });
export const Sha256Hex = Type.String({ pattern: "^[0-9a-f]{64}$", description: "sha256, 64 lowercase hex characters" });
export const Reason = Type.String({ minLength: 1, maxLength: MAX_REASON_LENGTH });
export const ShipmentId = Type.String({ pattern: "^[A-Za-z0-9._:-]{1,64}$", description: "chosen by the shipper; a retry with the same id is refused" });

export const Sscc = Type.String({ pattern: "^[0-9]{18}$", description: "SSCC (AI 00), 18 digits with a valid check digit", examples: ["095212340000000013"] });
export const Ssccs = Type.Array(Sscc, { minItems: 1, maxItems: MAX_CONTAINERS_PER_CALL });

export const PackRef = Type.Object({ gtin: Gtin, serial: Serial }, { additionalProperties: false });
export type PackRef = Static<typeof PackRef>;
export const PackRefs = Type.Array(PackRef, { minItems: 1, maxItems: MAX_PACKS_PER_CALL });

export const PackParams = Type.Object({ gtin: Gtin, serial: Serial }, { additionalProperties: false });
export type PackParams = Static<typeof PackParams>;
export const GtinParams = Type.Object({ gtin: Gtin }, { additionalProperties: false });
export const LotParams = Type.Object({ gtin: Gtin, lot: Lot }, { additionalProperties: false });
export const ShipmentParams = Type.Object({ shipmentId: ShipmentId }, { additionalProperties: false });

export const ChannelQuery = Type.Object({ channel: Type.Optional(Channel) }, { additionalProperties: false });
export type ChannelQuery = Static<typeof ChannelQuery>;


/** Answer of a read: where it was read and what. */
export function readAnswer<T extends TSchema>(result: T) {
  return Type.Object({ channel: Channel, result });
}

/** Answer of a committed write. */
export function writeAnswer<T extends TSchema>(result: T) {
  return Type.Object({
    channel: Channel,
    transactionId: Type.String(),
    blockNumber: Type.String(),
    result,
  });
}

/** Answer of a recall or withdrawal: the commits (each answering `result`), and the channels the relay has not reached yet (retried until it does). */
export function relayedWriteAnswer<T extends TSchema>(result: T) {
  return Type.Object({
  commits: Type.Array(writeAnswer(result)),
  pending: Type.Array(
    Type.Object({
      channel: Channel,
      transaction: Type.String(),
      since: Type.String({ description: "when the relay took the work on, ISO 8601" }),
      attempts: Type.Integer(),
      lastError: Type.Optional(Type.String()),
    }),
  ),
  });
}

export const ErrorAnswer = Type.Object(
  {
    code: Type.String(),
    message: Type.String(),
    field: Type.Optional(Type.String()),
    transactionId: Type.Optional(Type.String()),
    details: Type.Optional(Type.Any()),
  },
  { $id: "ErrorAnswer" },
);

/** Error answers every authenticated route can give. */
export function errorResponses(...statuses: number[]): Record<number, typeof ErrorAnswer> {
  const all = [400, 401, 403, 503, ...statuses];
  return Object.fromEntries(all.map((s) => [s, ErrorAnswer]));
}
