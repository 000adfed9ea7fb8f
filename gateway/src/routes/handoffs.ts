/** The distributor's one-call cross-channel hand-off (mfr-dist → dist-pharm). */
import type { FastifyPluginAsync } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { principalOf } from "../auth/hook.js";
import type { HandOffService } from "../services/handoff.js";
import { DOWNSTREAM_CHANNEL, SOURCE_CHANNEL } from "../ports/ledger.js";
import { PackRefs, errorResponses } from "./schemas.js";

const HandOffBody = Type.Object({ packs: PackRefs }, { additionalProperties: false });
const Step = Type.Union([Type.Object({ transactionId: Type.String(), blockNumber: Type.String(), count: Type.Integer() }), Type.Null()]);

export const handOffRoutes: FastifyPluginAsync<{ handOffs: HandOffService }> = async (app, { handOffs }) => {
  app.post<{ Body: Static<typeof HandOffBody> }>(
    "/handoffs",
    {
      config: { action: "pack.handoff" },
      schema: {
        tags: ["cross-channel"],
        summary: "Hand packs off on mfr-dist and import them on dist-pharm, in one call; a repeated call resumes",
        body: HandOffBody,
        response: {
          200: Type.Object({
            fromChannel: Type.Literal(SOURCE_CHANNEL),
            toChannel: Type.Literal(DOWNSTREAM_CHANNEL),
            packs: Type.Integer(),
            handOff: Step,
            import: Step,
          }),
          ...errorResponses(404, 409, 502),
        },
      },
    },
    async (request) => handOffs.handOff(principalOf(request), request.body.packs),
  );
};
