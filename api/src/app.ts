import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import type { Server } from 'restify';
import { createSecurity } from './auth/setup.ts';
import { type RenewSubscriptionsNow, renewViaManager } from './bot-backend/backend.ts';
import { type BotWiring, setUpBot } from './bot-backend/wire.ts';
import type { Config } from './config.ts';
import { createConnectionClientFactory } from './connections/client-factory.ts';
import { createRuntimeProvider, type RuntimeProvider } from './connections/runtime.ts';
import { createSecretBox, resolveEncryptionKey, type SecretBox } from './crypto/secrets.ts';
import type { NoticeSink } from './domain/ports.ts';
import { type Clock, type SyncEventSink, systemClock } from './domain/ports.ts';
import { createSyncEngine, type SyncEngine, type SyncEngineOptions } from './engine/engine.ts';
import { registerHealthRoutes } from './http/health.ts';
import { createHttpServer, listen } from './http/server.ts';
import { registerStaticTab } from './http/static-tab.ts';
import { createLogger, type Logger } from './logging.ts';
import type { Notifier } from './notices/notifier.ts';
import { registerAdminApi } from './routes/index.ts';
import { openStorage, type Storage } from './storage/db.ts';
import { createLeaseManager } from './storage/leases.ts';
import { createCxoneIntake } from './sync/cxone-intake.ts';
import { createEngineRelay, type EngineRelay, type EngineRelayOptions } from './sync/engine-relay.ts';
import { createPresenceWatching, type PresenceWatching, type PresenceWatchingDeps } from './watch/index.ts';

export const VERSION = '0.1.0';

export interface App {
  /** Base URL the server listens on, e.g. http://127.0.0.1:3978 */
  url: string;
  port: number;
  config: Config;
  logger: Logger;
  storage: Storage;
  secrets: SecretBox;
  server: Server;
  /** The NoticeSink (alerts + bot cards) engine and watchers report faults and agent notices to. */
  notices: Notifier;
  /** Per-connection Graph/CXone clients, rebuilt after a settings or secret change. */
  runtimes: RuntimeProvider;
  /** Teams presence watching: the presence reader, subscriptions and their owners, Graph webhooks. */
  watching: PresenceWatching;
  /** The sync engine (runs the connections whose lease this replica holds). */
  engine: SyncEngine;
  /** The SyncEventSink every watcher and the admin API publish to: this engine, or the replica that runs the connection. */
  relay: EngineRelay;
  stop(): Promise<void>;
}

export interface AppOptions {
  config: Config;
  logger?: Logger;
  /** Time source for the bot and notices (tests). */
  clock?: Clock;
  /** Subscription renewal for the bot's "Renew now" (the subscription manager provides it). */
  renewSubscriptionsNow?: RenewSubscriptionsNow;
  /** Where settings changes are published (the engine's sink; default: logged). */
  syncEvents?: SyncEventSink;
  /** Start the presence reader / subscription loops (default true; routes and webhooks are always served). */
  watchPresence?: boolean;
  /** Engine tuning (tests, benchmarks). */
  engine?: SyncEngineOptions;
  /** Presence-watching tuning (tests, benchmarks). */
  watch?: Pick<PresenceWatchingDeps, 'readerOptions' | 'tickMs' | 'subscription' | 'verifier'>;
  /** Forwarding between replicas (tests). */
  relay?: EngineRelayOptions;
  /** How often CXone pollers are (re)started to follow leases and settings (default 2 s). */
  cxoneIntakeTickMs?: number;
  /** Replica id for leases (default random). */
  instanceId?: string;
}

/**
 * The composition root: config → storage → clients → engine → routes, then listen.
 * Everything the process runs is created here and stopped by `stop()` in reverse order.
 */
export async function startApp(opts: AppOptions): Promise<App> {
  const { config } = opts;
  const logger = opts.logger ?? createLogger({ level: config.LOG_LEVEL });
  if (config.EXTRA_CA_CERTS_FILE) trustExtraCa(config.EXTRA_CA_CERTS_FILE);

  const key = resolveEncryptionKey({
    encryptionKey: config.ENCRYPTION_KEY,
    dataDir: config.DATA_DIR === 'memory://' ? '.data' : config.DATA_DIR,
    allowGenerate: config.NODE_ENV !== 'production',
  });
  if (key.generated) logger.warn({ file: key.file }, 'generated a local encryption key (set ENCRYPTION_KEY in production)');
  const secrets = createSecretBox(key.key);

  const storage = await openStorage({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
  const server = createHttpServer({ logger });
  registerHealthRoutes(server, { storage, startedAt: Date.now(), version: VERSION });
  registerStaticTab(server, { logger });
  const clock = opts.clock ?? systemClock;
  const runtimes = createRuntimeProvider({
    db: storage.db,
    secrets,
    logger,
    graphBaseUrl: config.GRAPH_BASE_URL,
    authorityHost: config.AUTHORITY_HOST,
  });
  // The bot's notifier is built after the routes it serves; engine and watchers report through this.
  let notifier: NoticeSink | undefined;
  const notices: NoticeSink = { notify: (n) => notifier?.notify(n) };
  const engine = createSyncEngine({
    storage,
    runtimes,
    notices,
    logger,
    clock,
    ...(opts.instanceId ? { instanceId: opts.instanceId } : {}),
    ...(opts.engine ? { options: opts.engine } : {}),
  });
  // Events reach the replica that runs their connection's engine, wherever they were accepted.
  const relay = createEngineRelay({
    db: storage.db,
    databaseUrl: config.DATABASE_URL,
    engine,
    clock,
    logger,
    deliver: (batch) => cxoneIntake.acceptForwarded(batch),
    ...(opts.relay ? { options: opts.relay } : {}),
  });
  const sink = opts.syncEvents ?? relay;
  const cxoneIntake = createCxoneIntake({
    db: storage.db,
    secrets,
    runtimes,
    sink,
    notices,
    logger,
    clock,
    held: () => engine.heldConnections(),
    ...(opts.syncEvents ? {} : { relay }),
    ...(opts.cxoneIntakeTickMs ? { tickMs: opts.cxoneIntakeTickMs } : {}),
  });
  cxoneIntake.registerRoutes(server);
  const security = await createSecurity(config, { logger, clock });
  const adminApi = registerAdminApi(server, {
    storage,
    secrets,
    logger,
    config,
    authenticator: security.authenticator,
    devSigner: security.devSigner,
    sink,
    runtimes,
    clients: createConnectionClientFactory({ runtimes, logger }),
    clock,
    version: VERSION,
    // Built below; only called when a request runs test-connection.
    ownerTokens: () => watching.owners,
  });
  let baseUrl = config.PUBLIC_BASE_URL ?? '';
  const watching = createPresenceWatching({
    db: storage.db,
    secrets,
    logger,
    clock,
    publicBaseUrl: () => baseUrl || undefined,
    authorityHost: config.AUTHORITY_HOST,
    runtimes,
    sink,
    notices,
    graphFor: async (id) => (await runtimes.get(id)).teams,
    quotaFor: async (id) => runtimes.quotaFor((await runtimes.get(id)).tenantId),
    leases: createLeaseManager(storage.db, opts.instanceId ?? `watch-${randomUUID()}`, clock, storage.liveness),
    ...opts.watch,
  });
  watching.registerRoutes(server, (req, connectionId) => adminApi.requireAdmin(req, connectionId));
  const bot: BotWiring = setUpBot({
    server,
    config,
    storage,
    logger,
    clock: opts.clock ?? systemClock,
    baseUrl: () => baseUrl,
    renewSubscriptionsNow: opts.renewSubscriptionsNow ?? renewViaManager(watching.subscriptions),
  });
  notifier = bot.notifier;

  let port: number;
  try {
    await engine.start();
    await relay.start();
    cxoneIntake.start();
    port = await listen(server, config.PORT, config.HOST);
  } catch (err) {
    await cxoneIntake.stop();
    await watching.stop();
    await relay.stop();
    await engine.stop();
    await bot.stop();
    await storage.close();
    throw err;
  }
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
  const url = `http://${host}:${port}`;
  baseUrl = config.PUBLIC_BASE_URL ?? url;
  logger.info({ url, storage: storage.kind }, 'listening');
  if (opts.watchPresence !== false) await watching.start();

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      // Stop accepting, let in-flight requests finish (bounded), then release the database.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, config.SHUTDOWN_GRACE_MS);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.server.closeIdleConnections?.();
      });
      await cxoneIntake.stop();
      await watching.stop();
      await relay.stop();
      await engine.stop();
      await bot.stop();
      await adminApi.jobs.drain();
      await storage.close();
      logger.info('stopped');
    })();
    return stopped;
  };
  return { url, port, config, logger, storage, secrets, server, notices: bot.notifier, runtimes, engine, relay, watching, stop };
}

/** Adds a CA (e.g. the local emulators') to the trusted set for every outgoing TLS connection. */
function trustExtraCa(file: string): void {
  const extra = readFileSync(file, 'utf8');
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), extra]);
}
