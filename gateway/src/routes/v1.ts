/** Every /v1 resource, each in its own file. */
import type { FastifyPluginAsync } from "fastify";
import type { Config } from "../config.js";
import type { LedgerClient } from "../ports/ledger.js";
import { whoamiRoutes } from "./whoami.js";

export interface V1Options {
  ledger: LedgerClient;
  config: Config;
}

export const v1Routes: FastifyPluginAsync<V1Options> = async (app) => {
  await app.register(whoamiRoutes);
};
