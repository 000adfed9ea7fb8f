/** GET /v1/whoami: the org user and role an API key stands for. */
import type { FastifyPluginAsync } from "fastify";
import { Type } from "@sinclair/typebox";
import { principalOf } from "../auth/hook.js";

export const WhoamiBody = Type.Object({
  keyId: Type.String(),
  user: Type.String(),
  mspId: Type.String(),
  role: Type.String(),
});

export const whoamiRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    "/whoami",
    {
      config: { action: "read" },
      schema: { tags: ["identity"], summary: "The org user and role of the calling API key", response: { 200: WhoamiBody } },
    },
    async (request) => ({ ...principalOf(request) }),
  );
};
