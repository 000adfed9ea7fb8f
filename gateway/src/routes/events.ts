/**
 * GET /v1/events: Server-Sent Events of newly indexed chaincode events, only
 * from channels the caller's org belongs to. `Last-Event-ID` (or `?after=`)
 * replays what the index recorded since that id before going live, so a
 * reconnecting client misses nothing. Each API key may hold `streamsPerKey`
 * streams open at once; one more answers 429.
 */
import type { FastifyPluginAsync } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { principalOf } from "../auth/hook.js";
import { GatewayError, InvalidArgumentError } from "../errors.js";
import type { EventIndex, IndexedEvent } from "../ports/event-index.js";
import type { EventHub } from "../events/hub.js";
import { deliveryBody } from "../events/webhooks.js";

export interface EventRoutesOptions {
  readonly index: EventIndex;
  readonly hub: EventHub;
  /** Channels whose events an org may see. */
  readonly channelsOf: (mspId: string) => readonly string[];
  readonly heartbeatMs: number;
  /** Most events replayed on (re)connection. */
  readonly replayLimit: number;
  /** Streams one API key may hold open at once (config limits.eventStreamsPerKey); no cap when absent. */
  readonly streamsPerKey?: number;
}

/** How long a client refused for too many streams waits before trying again. */
const STREAM_RETRY_AFTER_SECONDS = 30;

const EventsQuery = Type.Object(
  {
    channel: Type.Optional(Type.String({ minLength: 1 })),
    eventType: Type.Optional(Type.String({ pattern: "^[A-Za-z]{1,64}$" })),
    gtin: Type.Optional(Type.String({ pattern: "^[0-9]{14}$" })),
    after: Type.Optional(Type.String({ pattern: "^[0-9]{1,15}$", description: "replay events after this id (as Last-Event-ID)" })),
  },
  { additionalProperties: false },
);

export const eventRoutes: FastifyPluginAsync<EventRoutesOptions> = async (app, options) => {
  const openStreams = new Map<string, number>();
  const cap = options.streamsPerKey ?? Number.POSITIVE_INFINITY;
  app.get(
    "/events",
    {
      config: { action: "read" },
      schema: {
        tags: ["events"],
        summary: "Server-Sent Events of committed chaincode events (text/event-stream; id = index position)",
        querystring: EventsQuery,
      },
    },
    async (request, reply) => {
      const query = request.query as Static<typeof EventsQuery>;
      const principal = principalOf(request);
      const visible = options.channelsOf(principal.mspId);
      if (query.channel !== undefined && !visible.includes(query.channel)) {
        throw new InvalidArgumentError("channel", `must be one of the channels of ${principal.mspId}: ${visible.join(", ")}`);
      }
      const lastEventId = request.headers["last-event-id"];
      const afterText = query.after ?? (typeof lastEventId === "string" ? lastEventId : undefined);
      if (afterText !== undefined && !/^[0-9]{1,15}$/.test(afterText)) {
        throw new InvalidArgumentError("Last-Event-ID", "must be a non-negative integer event id");
      }
      const matches = (e: IndexedEvent): boolean =>
        visible.includes(e.channel) &&
        (query.channel === undefined || e.channel === query.channel) &&
        (query.eventType === undefined || e.eventName === query.eventType) &&
        (query.gtin === undefined || e.subjects.some((s) => s.gtin === query.gtin));

      const held = openStreams.get(principal.keyId) ?? 0;
      if (held >= cap) {
        reply.header("retry-after", String(STREAM_RETRY_AFTER_SECONDS));
        throw new GatewayError("RATE_LIMITED", `too many event streams: this API key holds ${held} open, at most ${cap}; close one first`, {
          details: { streamsPerKey: cap, retryAfterSeconds: STREAM_RETRY_AFTER_SECONDS },
        });
      }
      openStreams.set(principal.keyId, held + 1);

      reply.hijack();
      const raw = reply.raw;
      let unsubscribe: () => void = () => undefined;
      let ended = false;
      // The stream's slot is given back however it ends: client gone, socket error, or a failed replay.
      const end = (): void => {
        if (ended) return;
        ended = true;
        clearInterval(heartbeat);
        unsubscribe();
        const left = (openStreams.get(principal.keyId) ?? 1) - 1;
        if (left > 0) openStreams.set(principal.keyId, left);
        else openStreams.delete(principal.keyId);
      };
      raw.on("close", end);
      raw.on("error", end);
      raw.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      const heartbeat = setInterval(() => raw.write(": keep-alive\n\n"), options.heartbeatMs);
      let lastSent = afterText === undefined ? undefined : Number(afterText);
      const send = (e: IndexedEvent): void => {
        if (lastSent !== undefined && e.seq <= lastSent) return;
        lastSent = e.seq;
        raw.write(`id: ${e.seq}\nevent: ${e.eventName}\ndata: ${deliveryBody(e)}\n\n`);
      };
      // Subscribe before replaying so nothing recorded in between is lost.
      const pending: IndexedEvent[] = [];
      let live = false;
      unsubscribe = options.hub.subscribe((e) => {
        if (!matches(e)) return;
        if (live) send(e);
        else pending.push(e);
      });
      raw.write(`retry: 3000\n: rxtrace events for ${principal.mspId}\n\n`);
      try {
        replayMissed();
      } catch (error) {
        request.log.warn({ err: error }, "event stream replay failed");
        end();
        raw.destroy();
        return;
      }
      live = true;

      function replayMissed(): void {
        if (lastSent !== undefined) {
          const replay = options.index.search({
            afterSeq: lastSent,
            limit: options.replayLimit,
            ...(query.channel === undefined ? {} : { channel: query.channel }),
            ...(query.eventType === undefined ? {} : { eventType: query.eventType }),
            ...(query.gtin === undefined ? {} : { gtin: query.gtin }),
          });
          for (const e of replay.filter(matches).sort((a, b) => a.seq - b.seq)) send(e);
        }
        for (const e of pending.sort((a, b) => a.seq - b.seq)) send(e);
      }
    },
  );
};
