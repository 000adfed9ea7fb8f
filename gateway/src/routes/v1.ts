/** Every /v1 resource of the gateway core, each in its own file. */
import type { FastifyPluginAsync } from "fastify";
import type { LedgerClient } from "../ports/ledger.js";
import { HandOffService } from "../services/handoff.js";
import { KeyLanes } from "../services/key-lanes.js";
import { MasterDataService } from "../services/master-data.js";
import type { OutboxRelay } from "../services/outbox-relay.js";
import { PackService } from "../services/packs.js";
import { ShipmentService } from "../services/shipments.js";
import { VerifyService } from "../services/verify.js";
import { handOffRoutes } from "./handoffs.js";
import { labelRoutes } from "./labels.js";
import { lotRoutes } from "./lots.js";
import { packRoutes } from "./packs.js";
import { partnerRoutes } from "./partners.js";
import { productRoutes } from "./products.js";
import { shipmentRoutes } from "./shipments.js";
import { verifyRoutes } from "./verify.js";
import { whoamiRoutes } from "./whoami.js";

export interface V1Options {
  ledger: LedgerClient;
  /** The durable outbox worker that carries recalls and withdrawals onto channels the caller is not on. */
  relay?: OutboxRelay;
}

export const v1Routes: FastifyPluginAsync<V1Options> = async (app, { ledger, relay }) => {
  // One set of key lanes for the whole process, so no two writes to one key share a block.
  const lanes = new KeyLanes();
  const masterData = new MasterDataService(ledger, lanes, relay ? { outbox: relay } : {});
  await app.register(whoamiRoutes);
  await app.register(partnerRoutes, { masterData });
  await app.register(productRoutes, { masterData });
  await app.register(lotRoutes, { masterData });
  await app.register(packRoutes, { packs: new PackService(ledger) });
  await app.register(shipmentRoutes, { shipments: new ShipmentService(ledger, lanes) });
  await app.register(handOffRoutes, { handOffs: new HandOffService(ledger, { lanes }) });
  await app.register(verifyRoutes, { verifier: new VerifyService(ledger) });
  await app.register(labelRoutes, { ledger });
};
