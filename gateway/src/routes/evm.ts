/**
 * /v1/evm: the public-chain side. Anchors of Fabric block hashes (run now,
 * state, check a block against them, fetch a raw block to keep a copy) and
 * the pack lifecycle on SupplyChain.sol for requests that target the public
 * variant.
 */
import type { FastifyPluginAsync } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { DECOMMISSION_REASONS, type DecommissionReason } from "@rxtrace/domain";
import { principalOf } from "../auth/hook.js";
import { GatewayError, InvalidArgumentError } from "../errors.js";
import type { BlockSource } from "../ports/ledger-events.js";
import type { PublicSupplyChain } from "../ports/public-chain.js";
import type { AnchoringService } from "../services/anchoring.js";
import { requireOrg } from "../services/channels.js";
import { MspId } from "./schemas.js";

export interface EvmRoutesOptions {
  readonly anchoring: AnchoringService;
  readonly blocks: BlockSource;
  readonly channelsOf: (mspId: string) => readonly string[];
  /** Absent when no SupplyChain deployment is configured: lifecycle routes answer 503. */
  readonly publicChain?: PublicSupplyChain;
}

const Gtin = Type.String({ pattern: "^[0-9]{14}$", description: "GTIN-14" });
const Gs1Text = Type.String({ minLength: 1, maxLength: 20, pattern: "^[!-~]+$" });
const Expiry = Type.String({ pattern: "^[0-9]{6}$", description: "YYMMDD" });
const BlockNumber = Type.String({ pattern: "^[0-9]{1,19}$" });
// A pack as printed: the chain keys packs by a commitment to all four identifiers.
const PackRef = Type.Object({ gtin: Gtin, serial: Gs1Text, lot: Gs1Text, expiry: Expiry }, { additionalProperties: false });
type PackRef = Static<typeof PackRef>;
const PackPath = Type.Object({ gtin: Gtin, serial: Gs1Text }, { additionalProperties: false });
const LotAndExpiry = Type.Object({ lot: Gs1Text, expiry: Expiry }, { additionalProperties: false });
const Packs = Type.Array(PackRef, { minItems: 1, maxItems: 500 });
const DecommissionReasonSchema = Type.Union(DECOMMISSION_REASONS.map((r) => Type.Literal(r)));
const PackList = Type.Array(PackRef, { maxItems: 500 });
const TxResult = Type.Object({ transactionHash: Type.String(), chainBlockNumber: Type.Integer() }, { additionalProperties: true });

const CheckBody = Type.Object(
  {
    channel: Type.String({ minLength: 1 }),
    blockNumber: BlockNumber,
    block: Type.Optional(Type.String({ minLength: 4, maxLength: 14_000_000, pattern: "^[A-Za-z0-9+/]+={0,2}$", description: "your copy of the block, base64 protobuf" })),
  },
  { additionalProperties: false },
);

const CheckAnswer = Type.Object({
  channel: Type.String(),
  blockNumber: Type.String(),
  blockHash: Type.String(),
  verified: Type.Boolean(),
  reason: Type.Optional(Type.String()),
  anchoredBlockNumber: Type.Optional(Type.String()),
  anchoredHash: Type.Optional(Type.String()),
  linksChecked: Type.Integer(),
});

export const evmRoutes: FastifyPluginAsync<EvmRoutesOptions> = async (app, options) => {
  const { anchoring, blocks } = options;
  const member = (mspId: string, channel: string): void => {
    const visible = options.channelsOf(mspId);
    if (!visible.includes(channel)) throw new InvalidArgumentError("channel", `must be one of the channels of ${mspId}: ${visible.join(", ")}`);
  };
  const chain = (): PublicSupplyChain => {
    if (options.publicChain === undefined) throw new GatewayError("UNAVAILABLE", "evm unavailable: no SupplyChain deployment is configured", { details: { dependency: "evm" } });
    return options.publicChain;
  };

  app.get(
    "/evm/anchors",
    { config: { action: "read" }, schema: { tags: ["evm"], summary: "The last anchoring run per channel" } },
    async () => ({ channels: anchoring.status() }),
  );

  app.post(
    "/evm/anchors",
    {
      config: { action: "evm.anchor" },
      schema: {
        tags: ["evm"],
        summary: "Anchor a channel's latest block hash on the EVM chain now (the gateway also does it periodically)",
        body: Type.Object({ channel: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
      },
    },
    async (request) => {
      const { channel } = request.body as { channel: string };
      member(principalOf(request).mspId, channel);
      return anchoring.anchorLatest(channel);
    },
  );

  app.post(
    "/evm/anchors/check",
    {
      config: { action: "read" },
      schema: {
        tags: ["evm"],
        summary: "Check a Fabric block (the ledger's or your copy) against the anchored hashes; a changed block answers verified false with the reason",
        body: CheckBody,
        response: { 200: CheckAnswer },
      },
    },
    async (request) => {
      const body = request.body as Static<typeof CheckBody>;
      member(principalOf(request).mspId, body.channel);
      return anchoring.check(body.channel, BigInt(body.blockNumber), body.block === undefined ? undefined : Buffer.from(body.block, "base64"));
    },
  );

  app.get(
    "/evm/blocks/:channel/:number",
    {
      config: { action: "read" },
      schema: {
        tags: ["evm"],
        summary: "A Fabric block as stored (base64 protobuf), to keep a copy and check it later",
        params: Type.Object({ channel: Type.String({ minLength: 1 }), number: BlockNumber }, { additionalProperties: false }),
      },
    },
    async (request) => {
      const { channel, number } = request.params as { channel: string; number: string };
      member(principalOf(request).mspId, channel);
      return { channel, blockNumber: number, block: Buffer.from(await blocks.raw(channel, BigInt(number))).toString("base64") };
    },
  );

  // ---- the pack lifecycle on the public chain

  app.post(
    "/evm/products",
    {
      config: { action: "product.register" },
      schema: { tags: ["evm"], summary: "Register a GTIN on the public chain", body: Type.Object({ gtin: Gtin, name: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }), response: { 201: TxResult } },
    },
    async (request, reply) => {
      const { gtin, name } = request.body as { gtin: string; name: string };
      return reply.code(201).send(await chain().registerProduct(principalOf(request).mspId, gtin, name));
    },
  );

  app.post(
    "/evm/lots",
    {
      config: { action: "lot.commission" },
      schema: { tags: ["evm"], summary: "Register a lot on the public chain", body: Type.Object({ gtin: Gtin, lot: Gs1Text, expiry: Expiry }, { additionalProperties: false }), response: { 201: TxResult } },
    },
    async (request, reply) => {
      const { gtin, lot, expiry } = request.body as { gtin: string; lot: string; expiry: string };
      return reply.code(201).send(await chain().registerLot(principalOf(request).mspId, gtin, lot, expiry));
    },
  );

  app.post(
    "/evm/lots/:gtin/:lot/packs",
    {
      config: { action: "lot.commission" },
      schema: {
        tags: ["evm"],
        summary: "Commission packs into a lot on the public chain (all or nothing)",
        params: Type.Object({ gtin: Gtin, lot: Gs1Text }, { additionalProperties: false }),
        body: Type.Object({ serials: Type.Array(Gs1Text, { minItems: 1, maxItems: 500, uniqueItems: true }) }, { additionalProperties: false }),
        response: { 201: TxResult },
      },
    },
    async (request, reply) => {
      const { gtin, lot } = request.params as { gtin: string; lot: string };
      const { serials } = request.body as { serials: string[] };
      return reply.code(201).send(await chain().commission(principalOf(request).mspId, gtin, lot, serials));
    },
  );

  app.post(
    "/evm/lots/:gtin/:lot/recall",
    {
      config: { action: "lot.recall" },
      schema: { tags: ["evm"], summary: "Recall a lot on the public chain (irreversible)", params: Type.Object({ gtin: Gtin, lot: Gs1Text }, { additionalProperties: false }), response: { 200: TxResult } },
    },
    async (request) => {
      const { gtin, lot } = request.params as { gtin: string; lot: string };
      return chain().recallLot(principalOf(request).mspId, gtin, lot);
    },
  );

  app.post(
    "/evm/shipments",
    {
      config: { action: "shipment.ship" },
      schema: { tags: ["evm"], summary: "Ship packs to a consignee on the public chain", body: Type.Object({ consignee: MspId, packs: Packs }, { additionalProperties: false }), response: { 200: TxResult } },
    },
    async (request) => {
      const { consignee, packs } = request.body as { consignee: string; packs: PackRef[] };
      return chain().ship(principalOf(request).mspId, packs, requireOrg(consignee, "consignee"));
    },
  );

  app.post(
    "/evm/receipts",
    {
      config: { action: "shipment.receive" },
      schema: { tags: ["evm"], summary: "Receive packs shipped to the caller on the public chain", body: Type.Object({ packs: Packs }, { additionalProperties: false }), response: { 200: TxResult } },
    },
    async (request) => {
      const { packs } = request.body as { packs: PackRef[] };
      return chain().receive(principalOf(request).mspId, packs);
    },
  );

  app.post(
    "/evm/packs/:gtin/:serial/dispense",
    {
      config: { action: "pack.dispense" },
      schema: { tags: ["evm"], summary: "Verify and decommission a pack at the pharmacy holding it, on the public chain", params: PackPath, body: LotAndExpiry, response: { 200: TxResult } },
    },
    async (request) => {
      const pack = { ...(request.params as { gtin: string; serial: string }), ...(request.body as { lot: string; expiry: string }) };
      return chain().dispense(principalOf(request).mspId, pack);
    },
  );

  app.post(
    "/evm/packs/:gtin/:serial/decommission",
    {
      config: { action: "pack.decommission" },
      schema: {
        tags: ["evm"],
        summary: "Decommission a pack the caller holds for an EU reason other than dispensing, on the public chain (FREE_SAMPLE: a manufacturer only)",
        params: PackPath,
        body: Type.Object({ lot: Gs1Text, expiry: Expiry, reason: DecommissionReasonSchema }, { additionalProperties: false }),
        response: { 200: TxResult },
      },
    },
    async (request) => {
      const { reason, ...printed } = request.body as { lot: string; expiry: string; reason: DecommissionReason };
      return chain().decommission(principalOf(request).mspId, { ...(request.params as { gtin: string; serial: string }), ...printed }, reason);
    },
  );

  app.post(
    "/evm/packs/:gtin/:serial/undo-decommission",
    {
      config: { action: "pack.undoDecommission" },
      schema: { tags: ["evm"], summary: "Revert the caller's decommission of a pack within 10 days, on the public chain", params: PackPath, body: LotAndExpiry, response: { 200: TxResult } },
    },
    async (request) => {
      const pack = { ...(request.params as { gtin: string; serial: string }), ...(request.body as { lot: string; expiry: string }) };
      return chain().undoDecommission(principalOf(request).mspId, pack);
    },
  );

  app.post(
    "/evm/shipment-exceptions",
    {
      config: { action: "shipment.receive" },
      schema: {
        tags: ["evm"],
        summary: "Record, as consignee, packs of a shipment that did not arrive and packs that arrived unshipped, on the public chain; nothing moves",
        body: Type.Object(
          {
            shipmentId: Type.String({ minLength: 1, maxLength: 128, description: "the ship transaction's hash, or a text reference (hashed)" }),
            missing: PackList,
            unexpected: PackList,
            evidence: Type.Optional(Type.String({ pattern: "^[0-9a-fA-F]{64}$", description: "sha256 (hex) of the receiving report" })),
          },
          { additionalProperties: false },
        ),
        response: { 200: TxResult },
      },
    },
    async (request) => {
      const { shipmentId, missing, unexpected, evidence } = request.body as { shipmentId: string; missing: PackRef[]; unexpected: PackRef[]; evidence?: string };
      if (missing.length + unexpected.length === 0) throw new InvalidArgumentError("missing", "missing and unexpected must not both be empty");
      return chain().recordShipmentException(principalOf(request).mspId, shipmentId, missing, unexpected, evidence);
    },
  );

  app.get(
    "/evm/packs/:gtin/:serial",
    { config: { action: "read" }, schema: { tags: ["evm"], summary: "A pack as stored on the public chain (lot and expiry as printed)", params: PackPath, querystring: LotAndExpiry } },
    async (request) => chain().pack({ ...(request.params as { gtin: string; serial: string }), ...(request.query as { lot: string; expiry: string }) }),
  );

  app.get(
    "/evm/verify",
    {
      config: { action: "read" },
      schema: {
        tags: ["evm"],
        summary: "Verify a pack (GTIN, serial, lot, expiry as printed) on the public chain",
        querystring: Type.Object({ gtin: Gtin, serial: Gs1Text, lot: Gs1Text, expiry: Expiry }, { additionalProperties: false }),
        response: { 200: Type.Object({ verified: Type.Boolean(), reason: Type.Optional(Type.String()) }) },
      },
    },
    async (request) => chain().verify(request.query as PackRef),
  );
};
