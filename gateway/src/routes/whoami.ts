/** GET /v1/whoami: the org user and role an API key stands for, and what kind of partner the org is. */
import type { FastifyPluginAsync } from "fastify";
import { Type } from "@sinclair/typebox";
import { principalOf } from "../auth/hook.js";
import { orgByMsp } from "../topology.js";

export const WhoamiBody = Type.Object({
  keyId: Type.String(),
  user: Type.String(),
  mspId: Type.String(),
  role: Type.String(),
  partnerRole: Type.String({ description: "the org's partner role in the topology (Manufacturer, Distributor, Pharmacy, Regulator): what the access policy grants by" }),
});

export const whoamiRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    "/whoami",
    {
      config: { action: "read" },
      schema: { tags: ["identity"], summary: "The org user and role of the calling API key", response: { 200: WhoamiBody } },
    },
    async (request) => {
      const principal = principalOf(request);
      return { ...principal, partnerRole: orgByMsp(principal.mspId).partner.role };
    },
  );
};
