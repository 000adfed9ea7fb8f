/** Packs: read, history, dispense and undo, decommission, marks. */
import type { FastifyPluginAsync } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { DECOMMISSION_REASONS, SETTABLE_MARKS } from "@rxtrace/domain";
import { principalOf } from "../auth/hook.js";
import type { PackService } from "../services/packs.js";
import { committedAnswer } from "./answers.js";
import * as records from "./records.js";
import { Channel, ChannelQuery, Expiry, Lot, PackParams, Reason, errorResponses, writeAnswer } from "./schemas.js";

const DispenseBody = Type.Object(
  { lot: Lot, expiry: Expiry, handedToPatient: Type.Optional(Type.Boolean({ description: "the pack left the pharmacy; undo is then refused" })) },
  { additionalProperties: false },
);
const DecommissionBody = Type.Object(
  {
    reason: Type.Union(DECOMMISSION_REASONS.map((r) => Type.Literal(r))),
    channel: Type.Optional(Channel),
  },
  { additionalProperties: false },
);
const Mark = Type.Union(SETTABLE_MARKS.map((m) => Type.Literal(m)));
const MarkBody = Type.Object({ mark: Mark, reason: Reason, channel: Type.Optional(Channel) }, { additionalProperties: false });
const ClearParams = Type.Object({ gtin: PackParams.properties.gtin, serial: PackParams.properties.serial, mark: Mark }, { additionalProperties: false });
const ClearBody = Type.Object({ reason: Reason, channel: Type.Optional(Channel) }, { additionalProperties: false });
const UndoBody = Type.Object({ channel: Type.Optional(Channel) }, { additionalProperties: false });

const PackAnswer = Type.Object({
  channel: Channel,
  result: records.PackView,
  views: Type.Array(Type.Object({ channel: Channel, status: Type.String(), owner: Type.String() })),
});

export const packRoutes: FastifyPluginAsync<{ packs: PackService }> = async (app, { packs }) => {
  records.sendRecordsAsReturned(app);
  app.get<{ Params: PackParams; Querystring: ChannelQuery }>(
    "/packs/:gtin/:serial",
    {
      config: { action: "read" },
      schema: {
        tags: ["packs"],
        summary: "A pack's live state (dist-pharm once handed off) and its state on every channel the caller sees",
        params: PackParams,
        querystring: ChannelQuery,
        response: { 200: PackAnswer, ...errorResponses(404) },
      },
    },
    async (request) => {
      const as = principalOf(request);
      const views = await packs.views(as, request.params.gtin, request.params.serial, request.query.channel);
      const live = await packs.locate(as, request.params.gtin, request.params.serial, request.query.channel);
      return {
        channel: live.channel,
        result: views.find((v) => v.channel === live.channel)?.result,
        views: views.map((v) => {
          const p = v.result as { status: string; owner: string };
          return { channel: v.channel, status: p.status, owner: p.owner };
        }),
      };
    },
  );

  app.get<{ Params: PackParams; Querystring: ChannelQuery }>(
    "/packs/:gtin/:serial/history",
    {
      config: { action: "read" },
      schema: {
        tags: ["packs"],
        summary: "The pack's ledger history on every channel the caller sees, oldest first",
        params: PackParams,
        querystring: ChannelQuery,
        response: { 200: Type.Object({ entries: Type.Array(Type.Object({ channel: Channel, entry: records.PackHistoryEntry })) }), ...errorResponses(404) },
      },
    },
    async (request) => ({ entries: await packs.history(principalOf(request), request.params.gtin, request.params.serial, request.query.channel) }),
  );

  app.post<{ Params: PackParams; Body: Static<typeof DispenseBody> }>(
    "/packs/:gtin/:serial/dispense",
    {
      config: { action: "pack.dispense" },
      schema: {
        tags: ["packs"],
        summary: "Verify and decommission as dispensed, in one transaction (pharmacy)",
        params: PackParams,
        body: DispenseBody,
        response: { 200: writeAnswer(records.DispenseAnswer), ...errorResponses(404, 409) },
      },
    },
    async (request) => committedAnswer(await packs.dispense(principalOf(request), { ...request.params, ...request.body })),
  );

  app.post<{ Params: PackParams; Body: Static<typeof DecommissionBody> }>(
    "/packs/:gtin/:serial/decommission",
    {
      config: { action: "pack.decommission" },
      schema: {
        tags: ["packs"],
        summary: "Decommission for another reason than supplied (EU FMD: exported, checked-out, sample, free sample, locked, destroyed, stolen)",
        params: PackParams,
        body: DecommissionBody,
        response: { 200: writeAnswer(records.DecommissionAnswer), ...errorResponses(404, 409) },
      },
    },
    async (request) =>
      committedAnswer(await packs.decommission(principalOf(request), request.params.gtin, request.params.serial, request.body.reason, request.body.channel)),
  );

  app.post<{ Params: PackParams; Body: Static<typeof UndoBody> }>(
    "/packs/:gtin/:serial/undo-decommission",
    {
      config: { action: "pack.undoDecommission" },
      schema: {
        tags: ["packs"],
        summary: "Undo a dispense or decommission (the org that made it, within 10 days; not recalled, withdrawn, expired, destroyed, stolen or handed to a patient)",
        params: PackParams,
        body: UndoBody,
        response: { 200: writeAnswer(records.Pack), ...errorResponses(404, 409) },
      },
    },
    async (request) => committedAnswer(await packs.undoDecommission(principalOf(request), request.params.gtin, request.params.serial, request.body.channel)),
  );

  app.post<{ Params: PackParams; Body: Static<typeof MarkBody> }>(
    "/packs/:gtin/:serial/marks",
    {
      config: { action: "pack.mark" },
      schema: {
        tags: ["packs"],
        summary: "Set a mark: QUARANTINED (holder), SUSPECT (holder, manufacturer, regulator), ILLEGITIMATE (regulator)",
        params: PackParams,
        body: MarkBody,
        response: { 200: writeAnswer(records.Pack), ...errorResponses(404, 409) },
      },
    },
    async (request) =>
      committedAnswer(
        await packs.mark(principalOf(request), "set", { ...request.params, mark: request.body.mark, reason: request.body.reason }, request.body.channel),
      ),
  );

  app.post<{ Params: Static<typeof ClearParams>; Body: Static<typeof ClearBody> }>(
    "/packs/:gtin/:serial/marks/:mark/clear",
    {
      config: { action: "pack.mark" },
      schema: {
        tags: ["packs"],
        summary: "Clear a mark (SUSPECT and ILLEGITIMATE: regulator only)",
        params: ClearParams,
        body: ClearBody,
        response: { 200: writeAnswer(records.Pack), ...errorResponses(404, 409) },
      },
    },
    async (request) =>
      committedAnswer(
        await packs.mark(
          principalOf(request),
          "clear",
          { gtin: request.params.gtin, serial: request.params.serial, mark: request.params.mark, reason: request.body.reason },
          request.body.channel,
        ),
      ),
  );
};
