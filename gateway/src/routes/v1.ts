/** Every /v1 resource of the gateway core, each in its own file. */
import type { FastifyPluginAsync } from "fastify";
import { principalOf } from "../auth/hook.js";
import type { LedgerClient } from "../ports/ledger.js";
import { LEDGER_BLOCK_HEADER, MIN_BLOCK_HEADER, ledgerBlockHeader, parseMinBlock, visibilityAwareLedger, waitForBlocks } from "../services/block-visibility.js";
import { readChannels } from "../services/channels.js";
import { ContainerService } from "../services/containers.js";
import { HandOffService } from "../services/handoff.js";
import { KeyLanes } from "../services/key-lanes.js";
import { MasterDataService } from "../services/master-data.js";
import type { OutboxRelay } from "../services/outbox-relay.js";
import { PackService } from "../services/packs.js";
import { ReturnService } from "../services/returns.js";
import { InvestigationService } from "../services/investigations.js";
import { ShipmentService } from "../services/shipments.js";
import { Gs1VerificationService } from "../services/gs1-verification.js";
import { VerifyService } from "../services/verify.js";
import type { VerifyReadModel } from "../services/verify-read-model.js";
import { containerRoutes } from "./containers.js";
import { gs1Routes } from "./gs1.js";
import { handOffRoutes } from "./handoffs.js";
import { labelRoutes } from "./labels.js";
import { lotRoutes } from "./lots.js";
import { packRoutes } from "./packs.js";
import { partnerRoutes } from "./partners.js";
import { productRoutes } from "./products.js";
import { returnRoutes } from "./returns.js";
import { investigationRoutes } from "./investigations.js";
import { shipmentRoutes } from "./shipments.js";
import { verifyRoutes } from "./verify.js";
import { whoamiRoutes } from "./whoami.js";

export interface V1Options {
  ledger: LedgerClient;
  /** The verification read model of this gateway's own peer (verify answers from the ledger without it). */
  verifyReadModel?: VerifyReadModel;
  /** The durable outbox worker that carries recalls and withdrawals onto channels the caller is not on. */
  relay?: OutboxRelay;
  /** Whether this gateway carries recalls onto dist-pharm itself (MasterDataOptions.relayHere). */
  relayHere?: boolean;
  /** Longest wait for the blocks an `X-Min-Block` header names (default 3 s). */
  minBlockWaitMs?: number;
}

export const v1Routes: FastifyPluginAsync<V1Options> = async (app, { ledger: raw, verifyReadModel, relay, relayHere = true, minBlockWaitMs = 3_000 }) => {
  // A NOT_FOUND from a peer behind the channel is "not yet here" (503), not "does not exist".
  const ledger = visibilityAwareLedger(raw);
  // The caller's peer first reaches the blocks the request names, so a write elsewhere is visible here.
  app.addHook("preHandler", async (request) => {
    const header = request.headers[MIN_BLOCK_HEADER];
    if (header === undefined) return;
    const as = principalOf(request);
    await waitForBlocks(ledger, as, parseMinBlock(header, readChannels(as, undefined)), minBlockWaitMs);
  });
  // Every write's answer names its block(s) in a header too, ready to be sent back as X-Min-Block; a verification its read blocks.
  app.addHook("preSerialization", async (_request, reply, payload) => {
    const blocks = reply.statusCode < 300 ? ledgerBlockHeader(payload) : undefined;
    if (blocks !== undefined) void reply.header(LEDGER_BLOCK_HEADER, blocks);
    return payload;
  });

  // One set of key lanes for the whole process, so no two writes to one key share a block.
  const lanes = new KeyLanes();
  const masterData = new MasterDataService(ledger, lanes, { relayHere, ...(relay ? { outbox: relay } : {}) });
  await app.register(whoamiRoutes);
  await app.register(partnerRoutes, { masterData });
  await app.register(productRoutes, { masterData });
  await app.register(lotRoutes, { masterData });
  await app.register(packRoutes, { packs: new PackService(ledger) });
  await app.register(shipmentRoutes, { shipments: new ShipmentService(ledger, lanes), masterData });
  await app.register(returnRoutes, { returns: new ReturnService(ledger) });
  // Investigations and tracing requests (#18 part 4).
  await app.register(investigationRoutes, { investigations: new InvestigationService(ledger) });
  await app.register(containerRoutes, { containers: new ContainerService(ledger) });
  await app.register(handOffRoutes, { handOffs: new HandOffService(ledger, { lanes }) });
  // One verifier for both forms of the answer: /v1/verify and the GS1 Lightweight Messaging form.
  const verifier = new VerifyService(ledger, verifyReadModel);
  await app.register(verifyRoutes, { verifier });
  await app.register(gs1Routes, { gs1: new Gs1VerificationService(verifier) });
  await app.register(labelRoutes, { ledger });
};
