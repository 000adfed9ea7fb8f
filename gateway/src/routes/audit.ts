/**
 * /v1/audit: a pack's or lot's timeline merged across channels, searches over
 * the off-chain index, EPCIS 2.0 export, and the index's state and rebuild.
 * Every org reads only its own channels; the regulator reads both.
 */
import type { FastifyPluginAsync } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { REGULATOR_MSP } from "@rxtrace/domain";
import { principalOf } from "../auth/hook.js";
import { ForbiddenError, InvalidArgumentError } from "../errors.js";
import type { ChannelStatus } from "../events/listener.js";
import { isoTime, type AuditService, type TimelineEntry } from "../services/audit.js";
import { epcisDocument } from "../services/epcis.js";

export interface AuditRoutesOptions {
  readonly audit: AuditService;
  /** The event listener, when one runs (status and rebuild). */
  readonly listener?: {
    status(): Record<string, ChannelStatus>;
    rebuild(channel: string): Promise<void>;
  };
  readonly now?: () => Date;
}

const Gtin = Type.String({ pattern: "^[0-9]{14}$", description: "GTIN-14" });
const Gs1Text = Type.String({ minLength: 1, maxLength: 20, pattern: "^[!-~]+$" });
const PackParams = Type.Object({ gtin: Gtin, serial: Gs1Text }, { additionalProperties: false });
const LotParams = Type.Object({ gtin: Gtin, lot: Gs1Text }, { additionalProperties: false });

const Subject = Type.Object({
  gtin: Type.Optional(Type.String()),
  serial: Type.Optional(Type.String()),
  lot: Type.Optional(Type.String()),
  shipmentId: Type.Optional(Type.String()),
});

const Entry = Type.Object({
  channel: Type.String(),
  txId: Type.String(),
  blockNumber: Type.Union([Type.Integer(), Type.Null()]),
  timestamp: Type.String(),
  org: Type.String(),
  event: Type.Union([Type.String(), Type.Null()]),
  status: Type.Optional(Type.String()),
  subjects: Type.Array(Subject),
  payload: Type.Optional(Type.Unknown()),
});

const Timeline = Type.Object({ entries: Type.Array(Entry) });

const SearchQuery = Type.Object(
  {
    gtin: Type.Optional(Gtin),
    lot: Type.Optional(Gs1Text),
    serial: Type.Optional(Gs1Text),
    shipmentId: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9._:-]{1,64}$" })),
    org: Type.Optional(Type.String({ pattern: "^[A-Za-z][A-Za-z0-9.-]{0,63}$", description: "submitting MSP id" })),
    eventType: Type.Optional(Type.String({ pattern: "^[A-Za-z]{1,64}$" })),
    channel: Type.Optional(Type.String({ minLength: 1 })),
    from: Type.Optional(Type.String({ description: "inclusive, ISO 8601" })),
    to: Type.Optional(Type.String({ description: "exclusive, ISO 8601" })),
    after: Type.Optional(Type.String({ pattern: "^[0-9]{1,15}$", description: "only events after this index position" })),
    limit: Type.Optional(Type.String({ pattern: "^[0-9]{1,5}$", description: "1-1000, default 100" })),
  },
  { additionalProperties: false },
);

const SearchResult = Type.Object({
  events: Type.Array(
    Type.Object({
      seq: Type.Integer(),
      channel: Type.String(),
      blockNumber: Type.Integer(),
      txId: Type.String(),
      eventName: Type.String(),
      timestamp: Type.String(),
      mspId: Type.String(),
      subjects: Type.Array(Subject),
      payload: Type.Optional(Type.Unknown()),
    }),
  ),
});

function entries(list: TimelineEntry[]): { entries: TimelineEntry[] } {
  return { entries: list };
}

export const auditRoutes: FastifyPluginAsync<AuditRoutesOptions> = async (app, options) => {
  const { audit } = options;
  const now = options.now ?? (() => new Date());

  app.get(
    "/audit/packs/:gtin/:serial/timeline",
    {
      config: { action: "read" },
      schema: { tags: ["audit"], summary: "A pack's history across channels: tx id, block, time, submitting org, event", params: PackParams, response: { 200: Timeline } },
    },
    async (request) => {
      const { gtin, serial } = request.params as Static<typeof PackParams>;
      return entries(await audit.packTimeline(principalOf(request), gtin, serial));
    },
  );

  app.get(
    "/audit/lots/:gtin/:lot/timeline",
    {
      config: { action: "read" },
      schema: { tags: ["audit"], summary: "A lot's history and its packs' across channels", params: LotParams, response: { 200: Timeline } },
    },
    async (request) => {
      const { gtin, lot } = request.params as Static<typeof LotParams>;
      return entries(await audit.lotTimeline(principalOf(request), gtin, lot));
    },
  );

  app.get(
    "/audit/packs/:gtin/:serial/epcis",
    {
      config: { action: "read" },
      schema: { tags: ["audit"], summary: "EPCIS 2.0 JSON-LD document of a pack's events (cold chain as sensorElementList)", params: PackParams },
    },
    async (request, reply) => {
      const { gtin, serial } = request.params as Static<typeof PackParams>;
      const timeline = await audit.packTimeline(principalOf(request), gtin, serial);
      return reply.type("application/ld+json").send(epcisDocument(timeline, { type: "pack", gtin, serial }, now()));
    },
  );

  app.get(
    "/audit/lots/:gtin/:lot/epcis",
    {
      config: { action: "read" },
      schema: { tags: ["audit"], summary: "EPCIS 2.0 JSON-LD document of a lot's events", params: LotParams },
    },
    async (request, reply) => {
      const { gtin, lot } = request.params as Static<typeof LotParams>;
      const timeline = await audit.lotTimeline(principalOf(request), gtin, lot);
      return reply.type("application/ld+json").send(epcisDocument(timeline, { type: "lot", gtin, lot }, now()));
    },
  );

  app.get(
    "/audit/events",
    {
      config: { action: "read" },
      schema: { tags: ["audit"], summary: "Search the off-chain event index by GTIN, lot, serial, shipment, org, event type and time range", querystring: SearchQuery, response: { 200: SearchResult } },
    },
    async (request) => {
      const q = request.query as Static<typeof SearchQuery>;
      const limit = q.limit === undefined ? 100 : Number(q.limit);
      if (limit < 1 || limit > 1000) throw new InvalidArgumentError("limit", "must be between 1 and 1000");
      const from = isoTime("from", q.from);
      const to = isoTime("to", q.to);
      if (from !== undefined && to !== undefined && from >= to) throw new InvalidArgumentError("to", "must be after from");
      const events = audit.search(principalOf(request), {
        limit,
        ...(q.gtin === undefined ? {} : { gtin: q.gtin }),
        ...(q.lot === undefined ? {} : { lot: q.lot }),
        ...(q.serial === undefined ? {} : { serial: q.serial }),
        ...(q.shipmentId === undefined ? {} : { shipmentId: q.shipmentId }),
        ...(q.org === undefined ? {} : { org: q.org }),
        ...(q.eventType === undefined ? {} : { eventType: q.eventType }),
        ...(q.channel === undefined ? {} : { channel: q.channel }),
        ...(from === undefined ? {} : { from }),
        ...(to === undefined ? {} : { to }),
        ...(q.after === undefined ? {} : { afterSeq: Number(q.after) }),
      });
      return { events };
    },
  );

  app.get(
    "/audit/index",
    {
      config: { action: "read" },
      schema: { tags: ["audit"], summary: "State of the event listener per channel (connected, last block, events recorded)" },
    },
    async () => ({ channels: options.listener?.status() ?? {} }),
  );

  app.post(
    "/audit/index/rebuild",
    {
      config: { action: "read" },
      schema: {
        tags: ["audit"],
        summary: "Regulator only: drop a channel's index and checkpoint and replay it from the ledger",
        body: Type.Object({ channel: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
        response: { 202: Type.Object({ channel: Type.String(), rebuilding: Type.Boolean() }) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.mspId !== REGULATOR_MSP) throw new ForbiddenError(`only the regulator may rebuild the index, not ${principal.mspId}`);
      const { channel } = request.body as { channel: string };
      const listener = options.listener;
      if (listener === undefined || !(channel in listener.status())) {
        throw new InvalidArgumentError("channel", `must be one of the listened channels: ${Object.keys(listener?.status() ?? {}).join(", ")}`);
      }
      await listener.rebuild(channel);
      return reply.code(202).send({ channel, rebuilding: true });
    },
  );
};
