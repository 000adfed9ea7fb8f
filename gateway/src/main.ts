/**
 * Starts one org's gateway: load the configuration (RXTRACE_GATEWAY_ORG names
 * the org), build the adapters holding that org's identities and API keys
 * only, with state under the org's own folder, and listen on the org's port.
 * The regulator's gateway also carries manufacturers' recalls and
 * withdrawals onto dist-pharm (the recall relay) and anchors block hashes.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { OrderRecovery } from "./adapters/fabric-order.js";
import { STATE_FILES } from "./adapters/state-backup.js";
import { newLazyEvm, type LazyEvm } from "./adapters/evm-lazy.js";
import { newFabricBlockSource, newFabricCommittedBlockSource, newFabricEventSource } from "./adapters/fabric-events.js";
import { FabricLedgerClient } from "./adapters/fabric.js";
import { PostgresIdempotencyStore } from "./adapters/idempotency-postgres.js";
import { SqliteIdempotencyStore } from "./adapters/idempotency-sqlite.js";
import { PostgresOutbox } from "./adapters/outbox-postgres.js";
import { SqliteOutbox } from "./adapters/outbox-sqlite.js";
import { newKuboContentStore } from "./adapters/ipfs.js";
import { connectPostgres, DatabaseUnreachableError } from "./adapters/postgres.js";
import { openPostgresReadModel } from "./adapters/postgres-read-model.js";
import { privateDir } from "./adapters/private-files.js";
import { openSqliteEventIndex } from "./adapters/sqlite-event-index.js";
import { openSqliteReadModel } from "./adapters/sqlite-read-model.js";
import { buildApp } from "./app.js";
import { FileApiKeyStore } from "./auth/api-keys.js";
import { ConfigError, loadConfigFromProcess } from "./config.js";
import { EventHub } from "./events/hub.js";
import { EventListener } from "./events/listener.js";
import { relayAlertPublisher } from "./events/relay-alerts.js";
import { WebhookDispatcher } from "./events/webhooks.js";
import { CHANNELS, type ChannelName } from "./ports/ledger.js";
import { NotConfiguredError, type ReadinessProbe } from "./routes/health.js";
import type { EvmRoutesOptions } from "./routes/evm.js";
import { AnchoringService } from "./services/anchoring.js";
import { AuditService, shipmentEnricher } from "./services/audit.js";
import { channelsOf } from "./services/channels.js";
import { DocumentsService, newChaincodeDocumentLedger } from "./services/documents.js";
import { RECALL_RELAY, relayWorkFor } from "./services/master-data.js";
import { OutboxRelay } from "./services/outbox-relay.js";
import { VerifyReadModel } from "./services/verify-read-model.js";
import { orgByName, TOPOLOGY } from "./topology.js";

async function main(): Promise<void> {
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
  const config = loadConfigFromProcess(repoRoot);
  if (config.org === undefined && !config.testAllOrgs) {
    throw new ConfigError(`RXTRACE_GATEWAY_ORG: names the org this gateway serves (${TOPOLOGY.orgs.map((o) => o.name).join(", ")}); each org runs its own gateway`);
  }
  // Undefined only in the multi-org test mode (config.testAllOrgs): every org's identities and keys.
  const mspId = config.org === undefined ? undefined : orgByName(config.org).mspId;
  const ownChannels = mspId === undefined ? CHANNELS : channelsOf(mspId);
  // The relay identity is the regulator's: only its gateway can sign the copies onto dist-pharm.
  const isRelay = mspId === RECALL_RELAY.mspId;
  privateDir(config.stateDir);
  privateDir(path.join(config.stateDir, STATE_FILES.checkpoints));
  // Replicas of one org's gateway share PostgreSQL; one gateway alone keeps SQLite files in its state folder.
  let database: Awaited<ReturnType<typeof connectPostgres>> | undefined;
  if (config.databaseUrl !== undefined) {
    try {
      database = await connectPostgres(config.databaseUrl);
    } catch (error) {
      if (error instanceof DatabaseUnreachableError) throw new ConfigError(`databaseUrl (RXTRACE_GATEWAY_DATABASE_URL): ${error.message}`);
      throw error;
    }
  }

  const orderRecoveries: Record<OrderRecovery, number> = { resubmitted: 0, "ordered-despite-unavailable": 0 };
  const ledger = new FabricLedgerClient({
    ...(mspId === undefined ? {} : { org: mspId }),
    networkFile: config.networkFile,
    chaincode: config.fabric.chaincode,
    deadlinesMs: config.fabric.deadlinesMs,
    mvccRetries: config.fabric.mvccRetries,
    membersHeightTimeoutMs: config.fabric.membersHeightTimeoutMs,
    onOrderRecovered: (what, transactionId, detail) => {
      orderRecoveries[what] += 1;
      app.log.warn({ transactionId, detail }, `orderers' answer not taken at its word: ${what}`);
    },
  });
  const idempotency = database ? new PostgresIdempotencyStore(database) : new SqliteIdempotencyStore(path.join(config.stateDir, STATE_FILES.idempotency));
  const contentStore = newKuboContentStore({ url: config.ipfs.apiUrl, timeoutMs: 10_000 });
  const documentPolicy = { uploadLimitBytes: config.ipfs.uploadLimitBytes, allowedContentTypes: config.ipfs.allowedContentTypes };

  const index = openSqliteEventIndex(path.join(config.stateDir, STATE_FILES.index));
  const hub = new EventHub();
  const listener = new EventListener(newFabricEventSource((channel) => ledger.observerNetwork(channel), config.fabric.chaincode), index, hub, {
    channels: ownChannels,
    checkpointDir: path.join(config.stateDir, STATE_FILES.checkpoints),
    retryInitialMs: 1_000,
    retryMaxMs: 30_000,
    enrich: (event) => shipmentEnricher(ledger, ledger.observer(event.channel))(event),
    onError: (channel, error) => app.log.warn({ channel, err: error }, "event listener"),
  });
  // Scans are answered from the org's own peer's committed blocks; the multi-org test mode has no own peer, so it evaluates.
  const readModelStore =
    mspId === undefined ? undefined : database ? openPostgresReadModel(database) : openSqliteReadModel(path.join(config.stateDir, STATE_FILES.readModel));
  const verifyReadModel =
    readModelStore === undefined
      ? undefined
      : new VerifyReadModel(
          newFabricCommittedBlockSource((channel) => ledger.observerNetwork(channel), config.fabric.chaincode),
          readModelStore,
          {
          channels: ownChannels,
          retryInitialMs: 1_000,
          retryMaxMs: 30_000,
            onError: (channel, error) => app.log.warn({ channel, err: error }, "verify read model"),
          },
        );
  const outbox = database ? new PostgresOutbox(database) : new SqliteOutbox(path.join(config.stateDir, STATE_FILES.outbox));
  const publishRelayAlert = relayAlertPublisher(index, hub);
  const relay = new OutboxRelay(outbox, {
    initialDelayMs: config.relay.retryInitialMs,
    maxDelayMs: config.relay.retryMaxMs,
    pollMs: config.relay.pollMs,
    alertAfterMs: config.relay.alertAfterMs,
    onAlert: (item) => {
      app.log.warn({ kind: item.kind, key: item.key, attempts: item.attempts, lastError: item.lastError }, "outbox item still pending");
      publishRelayAlert(item);
    },
    onAbandon: (item, reason) => app.log.warn({ kind: item.kind, key: item.key, reason }, "outbox item given up"),
  });
  let webhooks: WebhookDispatcher;
  try {
    webhooks = new WebhookDispatcher(config.events.webhooks, {
      maxAttempts: 8,
      initialDelayMs: 500,
      maxDelayMs: 60_000,
      timeoutMs: 5_000,
      development: config.events.development,
      relay,
    });
  } catch (error) {
    throw new ConfigError(error instanceof Error ? error.message : String(error));
  }
  webhooks.attach(hub);
  // A recall or withdrawal on mfr-dist by an org off dist-pharm: the relay copies it there, durably.
  // The listener checkpoints an event right after publishing it: an enqueue that fails (the database away) is tried again, capped backoff, until recorded.
  if (isRelay) {
    hub.subscribe((event) => {
      const work = relayWorkFor(event);
      if (!work) return;
      const record = async (attempt: number): Promise<void> => {
        try {
          await relay.enqueue(work.kind, work.key, work.payload);
        } catch (error) {
          app.log.error({ err: error, key: work.key, attempt }, "relay work not recorded yet");
          await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 1_000 * 2 ** attempt)));
          return record(attempt + 1);
        }
      };
      void record(0);
    });
  }
  // Blocks the listener sees committed tell which peers are behind (a NOT_FOUND there answers 503).
  hub.subscribe((event) => {
    if (event.blockNumber > 0 && (CHANNELS as readonly string[]).includes(event.channel)) ledger.heights.noteCommitted(event.channel as ChannelName, BigInt(event.blockNumber));
  });

  // The EVM side needs evm/deployment.json; without it the gateway runs, /readyz names what is missing.
  // ethers is loaded on the first EVM call (adapters/evm-lazy.ts): most gateways never make one.
  const probes: ReadinessProbe[] = [{ name: "ipfs", check: () => contentStore.ping() }];
  let evm: EvmRoutesOptions | undefined;
  let evmConnection: LazyEvm | undefined;
  let anchoring: AnchoringService | undefined;
  try {
    // An org's gateway reads its own org's EVM key only (and the anchorer's, on the gateway that anchors).
    const connection = newLazyEvm(config.evm.deploymentFile, { pingTimeoutMs: 10_000, ...(mspId === undefined ? {} : { signer: { mspId, anchors: isRelay } }) });
    const blocks = newFabricBlockSource((channel) => ledger.observerNetwork(channel));
    anchoring = new AnchoringService(blocks, connection.anchorRegistry, {
      channels: ownChannels,
      intervalMs: config.evm.anchorIntervalMs,
      maxWalk: 10_000,
      onError: (channel, error) => app.log.warn({ channel, err: error }, "block anchoring"),
    });
    evm = { anchoring, blocks, channelsOf, publicChain: connection.publicChain };
    evmConnection = connection;
    probes.push({ name: "evm", check: () => connection.ping() });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    probes.push({ name: "evm", check: async () => Promise.reject(new NotConfiguredError(`${reason} (restart the gateway once it is deployed)`)) });
  }

  const app = await buildApp({
    config,
    keys: new FileApiKeyStore(config.keysFile, mspId === undefined ? {} : { mspId }),
    idempotency,
    ledger,
    relay,
    ...(verifyReadModel ? { verifyReadModel } : {}),
    probes,
    ...(evm ? { evm } : {}),
    documents: { documents: new DocumentsService(contentStore, newChaincodeDocumentLedger(ledger), documentPolicy), ...documentPolicy },
    audit: { audit: new AuditService(ledger, index, { channelsOf, maxEvents: 5_000 }), listener },
    events: { index, hub, channelsOf, heartbeatMs: 15_000, replayLimit: 1_000 },
    progress: {
      channels: ownChannels,
      peerHeight: (channel) => ledger.heights.peerHeight(ledger.observer(channel), channel as ChannelName),
      indexes: {
        events: (channel) => index.lastBlock(channel),
        ...(verifyReadModel ? { verify: (channel: string) => verifyReadModel.lastBlock(channel) } : {}),
      },
      timeoutMs: 3_000,
    },
    certificates: () => ledger.heldCertificates(),
    ordering: () => orderRecoveries,
    logger: { level: config.server.logLevel },
  });

  const shutdown = async (signal: string): Promise<void> => {
    app.log.info({ signal }, "shutting down");
    await listener.stop();
    await verifyReadModel?.stop();
    await readModelStore?.close();
    await anchoring?.stop();
    evmConnection?.destroy();
    await webhooks.close();
    await relay.stop();
    await app.close();
    ledger.close();
    await idempotency.close();
    await outbox.close();
    await database?.end();
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));

  await app.listen({ host: config.server.host, port: config.server.port });
  listener.start();
  verifyReadModel?.start();
  relay.start();
  // One anchorer: the EVM account is one, and the regulator's peer is on every channel.
  if (isRelay || mspId === undefined) anchoring?.start();
}

main().catch((err: unknown) => {
  const message = err instanceof ConfigError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`rxtrace gateway: ${message}\n`);
  process.exit(1);
});
