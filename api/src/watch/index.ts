import { randomUUID } from 'node:crypto';
import { and, eq, inArray, isNotNull, lt, sql } from 'drizzle-orm';
import type { Server } from 'restify';
import type { SecretBox } from '../crypto/secrets.ts';
import type { ConnectionOptions } from '../domain/connection.ts';
import type { Clock, ConnectionRuntimeProvider, NoticeSink, SyncEventSink } from '../domain/ports.ts';
import { systemClock } from '../domain/ports.ts';
import { createDelegatedAuth, type DelegatedAuth } from '../graph/delegated.ts';
import { AppError, notFound } from '../http/errors.ts';
import type { Logger } from '../logging.ts';
import { bulkInsert } from '../storage/bulk.ts';
import type { Db } from '../storage/db.ts';
import { createGroupCommit } from '../storage/group-commit.ts';
import { createLeaseManager, type LeaseManager } from '../storage/leases.ts';
import { connections, jobs, notificationInbox, teamsUsers } from '../storage/schema.ts';
import { type CertStore, type CertStoreOptions, createCertStore } from './certs.ts';
import { createInlineDecryptor } from './decrypt.ts';
import { createThreadDecryptor } from './decrypt-thread.ts';
import { createInboxWorker } from './inbox.ts';
import { PresenceLedger } from './ledger.ts';
import { createOwnerService, type OwnerDirectory } from './owners.ts';
import { createPresenceSeenStore } from './presence-store.ts';
import { createPresenceReader, type PresenceReader, type PresenceReaderOptions, type ReaderQuota } from './reader.ts';
import { type RequireAdmin, registerWatchRoutes } from './routes.ts';
import { createSubscriptionStore } from './subscription-store.ts';
import { createSubscriptionManager, type SubscriptionGraph } from './subscriptions.ts';
import { createValidationTokenVerifier, jwksUrlFor, type ValidationTokenVerifier } from './validation-tokens.ts';
import { type InboxItem, registerGraphWebhooks, type WebhookCounters } from './webhooks.ts';

export type { RequireAdmin } from './routes.ts';
export { GRAPH_CHANGE_TRACKING_APP_ID } from './validation-tokens.ts';

/**
 * Watching Teams presence (Teams → CXone), wired in one place: the app-only presence reader for every
 * connection, optional presence subscriptions with their owners, the Graph webhooks and the inbox
 * worker. The composition root builds it once, calls `registerRoutes` before listening, then `start`.
 */
export interface PresenceWatchingDeps {
  db: Db;
  secrets: SecretBox;
  logger: Logger;
  clock?: Clock;
  /** PUBLIC_BASE_URL (Graph must reach it over HTTPS), or a getter (known after listen); required only for subscriptions. */
  publicBaseUrl: string | undefined | (() => string | undefined);
  /** AUTHORITY_HOST: delegated sign-in and the JWKS that signs validation tokens. */
  authorityHost: string;
  runtimes: ConnectionRuntimeProvider;
  sink: SyncEventSink;
  notices?: NoticeSink | undefined;
  /** The connection's Graph client (same instance/quota as the engine's): subscriptions and, in system-user mode, POST /users. */
  graphFor(connectionId: string): Promise<SubscriptionGraph & Partial<OwnerDirectory>>;
  /** The tenant's shared quota budget for the connection (api/src/graph/quota.ts); the reader paces itself with it. */
  quotaFor?(connectionId: string): Promise<ReaderQuota | undefined> | ReaderQuota | undefined;
  /** Defaults to delegated sign-in for the connection's own Azure app (client id + stored secret). */
  delegatedAuthFor?(connectionId: string): Promise<DelegatedAuth>;
  leases?: LeaseManager;
  /** This replica's id for leases (default random). */
  holderId?: string;
  /** Validation-token checking; default: the identity JWKS at AUTHORITY_HOST. null turns it off. */
  verifier?: ValidationTokenVerifier | null;
  readerOptions?: Partial<Omit<PresenceReaderOptions, 'quota'>>;
  /** How often subscriptions are reconciled/renewed and connections re-listed (default 60 s). */
  tickMs?: number;
  /** Encryption certificate validity and rotation margin (default 90 days, rotated 14 days before expiry). */
  certOptions?: CertStoreOptions;
  /** Subscription lifetimes (tests shorten nothing: they advance the clock). */
  subscription?: { lifetimeMs?: number; renewBeforeMs?: number; silenceGraceMs?: number };
  /** Decrypt notifications on a worker thread (default true); false keeps it on the event loop, in slices. */
  decryptOnThread?: boolean;
}

export interface WatchStatus {
  connectionId: string;
  mode: ConnectionOptions['presenceWatch'];
  reader: ReturnType<PresenceReader['status']> | null;
  subscriptions: Awaited<ReturnType<ReturnType<typeof createSubscriptionManager>['coverage']>> | null;
  plan: { ownersNeeded: number; ownersAvailable: number; ownersMissing: number; uncoveredUsers: number } | null;
  webhooks: WebhookCounters;
  inbox: ReturnType<ReturnType<typeof createInboxWorker>['counters']>;
}

export interface PresenceWatching {
  /** Starts the inbox worker and the periodic pass (first pass at once, in the background). */
  start(): Promise<void>;
  stop(): Promise<void>;
  registerRoutes(server: Server, requireAdmin: RequireAdmin): void;
  status(connectionId: string): Promise<WatchStatus>;
  /** Runs one reconcile pass now (tests, admin "re-plan"): readers for new connections, subscriptions. */
  tick(): Promise<void>;
  /** One reader round for a connection now. */
  readNow(connectionId: string): Promise<number>;
  /** Drains the notification inbox now. */
  drainInbox(): Promise<number>;
  readonly subscriptions: ReturnType<typeof createSubscriptionManager>;
  readonly owners: ReturnType<typeof createOwnerService>;
  readonly certs: CertStore;
}

export function createPresenceWatching(deps: PresenceWatchingDeps): PresenceWatching {
  const { db, secrets, runtimes } = deps;
  const clock = deps.clock ?? systemClock;
  const log = deps.logger.child({ component: 'presence-watching' });
  const leases = deps.leases ?? createLeaseManager(db, deps.holderId ?? `watch-${randomUUID()}`, clock);
  const seen = createPresenceSeenStore(db);
  const subsStore = createSubscriptionStore(db, secrets);
  const certs = createCertStore(db, secrets, clock, deps.certOptions);
  const ledgers = new Map<string, PresenceLedger>();
  const readers = new Map<string, PresenceReader>();
  const healthy = new Map<string, boolean>();
  const auths = new Map<string, Promise<DelegatedAuth>>();
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let discover: NodeJS.Timeout | undefined;
  /** Connections a discovery pass was run for (each triggers one early pass, not one every few seconds). */
  const discovered = new Set<string>();
  let ticking: Promise<void> | undefined;

  const ledgerOf = (connectionId: string) => {
    let l = ledgers.get(connectionId);
    if (!l) {
      l = new PresenceLedger();
      ledgers.set(connectionId, l);
    }
    return l;
  };
  const loadedLedger = async (connectionId: string) => {
    const l = ledgerOf(connectionId);
    await l.ensureLoaded(() => seen.load(connectionId));
    return l;
  };
  const optionsOf = async (connectionId: string) => (await runtimes.get(connectionId)).options;
  const connectionRow = async (connectionId: string) => {
    const [row] = await db.select().from(connections).where(eq(connections.id, connectionId)).limit(1);
    if (!row) throw notFound('connection');
    return row;
  };
  const defaultDelegatedAuth = async (connectionId: string): Promise<DelegatedAuth> => {
    const row = await connectionRow(connectionId);
    if (!row.azureClientSecretEnc)
      throw new AppError(409, 'secrets_missing', 'this connection has no stored Azure client secret');
    return createDelegatedAuth({
      tenantId: row.tenantId,
      clientId: row.azureClientId,
      clientSecret: secrets.open(row.azureClientSecretEnc),
      authorityHost: deps.authorityHost,
      logger: deps.logger,
      clock: {
        now: () => clock.now(),
        after: (ms, fn) => {
          const h = setTimeout(fn, Math.max(0, ms));
          return () => clearTimeout(h);
        },
      },
    });
  };
  const delegatedAuth = (connectionId: string) => {
    if (deps.delegatedAuthFor) return deps.delegatedAuthFor(connectionId);
    let p = auths.get(connectionId);
    if (!p) {
      p = defaultDelegatedAuth(connectionId);
      p.catch(() => auths.delete(connectionId));
      auths.set(connectionId, p);
    }
    return p;
  };
  const users = (connectionId: string) => subsStore.mappedUsers(connectionId);
  const requirePublicBase = () => {
    const base = typeof deps.publicBaseUrl === 'function' ? deps.publicBaseUrl() : deps.publicBaseUrl;
    if (!base) throw new AppError(409, 'public_base_url_missing', 'PUBLIC_BASE_URL must be set for presence subscriptions');
    return base;
  };

  let subscriptions!: ReturnType<typeof createSubscriptionManager>;
  const owners = createOwnerService({
    db,
    secrets,
    clock,
    logger: deps.logger,
    notices: deps.notices,
    delegatedAuth,
    directory: async (connectionId) => {
      const g = await deps.graphFor(connectionId);
      if (!g.createUser) throw new Error('this Graph client cannot create users');
      const createUser = g.createUser.bind(g);
      return { createUser };
    },
    options: optionsOf,
    beforeOwnerRemoved: (connectionId, ownerId) => subscriptions.releaseOwner(connectionId, ownerId),
    redirectUri: () => `${requirePublicBase().replace(/\/+$/, '')}/api/owners/callback`,
    onOwnersChanged: (connectionId) => {
      void optionsOf(connectionId)
        .then((o) => (o.presenceWatch === 'subscriptions' ? subscriptions.reconcile(connectionId) : undefined))
        .catch((err: unknown) => log.warn({ connectionId, err: (err as Error).message }, 're-plan after an owner change failed'));
    },
    systemUserDomain: async (connectionId) => {
      const rows = await db
        .select({ upn: teamsUsers.userPrincipalName })
        .from(teamsUsers)
        .where(and(eq(teamsUsers.connectionId, connectionId), isNotNull(teamsUsers.userPrincipalName)))
        .limit(50);
      const counts = new Map<string, number>();
      for (const r of rows) {
        const d = r.upn?.split('@')[1]?.toLowerCase();
        if (d) counts.set(d, (counts.get(d) ?? 0) + 1);
      }
      const best = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
      if (!best) throw new Error('no directory users yet to learn the tenant domain from: run directory sync first');
      return best;
    },
  });

  subscriptions = createSubscriptionManager({
    store: subsStore,
    graph: (connectionId) => deps.graphFor(connectionId),
    owners,
    certs,
    leases,
    clock,
    logger: deps.logger,
    notices: deps.notices,
    publicBaseUrl: requirePublicBase,
    groupSize: async (connectionId) => (await optionsOf(connectionId)).subscriptionGroupSize,
    users,
    onMissed: (connectionId) => void readNow(connectionId).catch(() => undefined),
    ...deps.subscription,
  });

  const verifier =
    deps.verifier === undefined
      ? createValidationTokenVerifier({ jwksUrl: jwksUrlFor(deps.authorityHost), clock })
      : deps.verifier;
  const decryptor = deps.decryptOnThread === false ? createInlineDecryptor() : createThreadDecryptor({ logger: deps.logger });
  const inbox = createInboxWorker({
    db,
    certs,
    verifier,
    decryptor,
    appClientId: async (connectionId) => (await connectionRow(connectionId)).azureClientId,
    ledger: loadedLedger,
    store: seen,
    sink: deps.sink,
    lifecycle: (connectionId, item) => subscriptions.handleLifecycle(connectionId, item),
    notificationsArrived: (ids, at) => subscriptions.notificationsArrived(ids, at),
    readUsers: (connectionId) => void readNow(connectionId).catch(() => undefined),
    clock,
    logger: deps.logger,
  });
  let webhookCounters: () => WebhookCounters = () => ({
    validations: 0,
    received: 0,
    accepted: 0,
    ignoredClientState: 0,
    ignoredUnknownSubscription: 0,
    malformed: 0,
    tooLarge: 0,
  });

  /** Processed webhook items are kept a day for diagnosis, then deleted. */
  async function purgeInbox(): Promise<void> {
    try {
      await db
        .delete(notificationInbox)
        .where(
          and(
            inArray(notificationInbox.kind, ['graph_change', 'graph_lifecycle']),
            isNotNull(notificationInbox.processedAt),
            lt(notificationInbox.processedAt, new Date(clock.now() - 24 * 3600_000)),
          ),
        );
      // Sign-ins nobody finished: close them and drop their sealed PKCE verifier / device code.
      await db
        .update(jobs)
        .set({ status: 'failed', error: 'expired', progress: sql`'{}'::jsonb`, updatedAt: new Date(clock.now()) })
        .where(
          and(
            eq(jobs.kind, 'owner_sign_in'),
            eq(jobs.status, 'running'),
            sql`(${jobs.progress}->>'expiresAt')::bigint < ${clock.now()}`,
          ),
        );
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'purging the notification inbox / expired sign-ins failed');
    }
  }

  /** The tenant budget, resolved on first use (the reader is built synchronously). */
  const lazyQuota = (connectionId: string): ReaderQuota | undefined => {
    const source = deps.quotaFor;
    if (!source) return undefined;
    let q: ReaderQuota | undefined;
    let resolving: Promise<ReaderQuota | undefined> | undefined;
    const resolve = async () => {
      resolving ??= Promise.resolve(source(connectionId)).then((x) => (q = x));
      return resolving;
    };
    void resolve().catch(() => {
      resolving = undefined;
    });
    // No `acquire`: the Graph client's transport acquires every request from this same budget.
    return {
      readRoom: () => q?.readRoom?.(),
      snapshot: () => q?.snapshot?.() ?? null,
    };
  };

  const readerFor = (connectionId: string, quotaSettings?: ConnectionOptions['graphQuota']): PresenceReader => {
    let r = readers.get(connectionId);
    if (r) return r;
    const quota = lazyQuota(connectionId);
    r = createPresenceReader({
      connectionId,
      reader: { getPresences: async (ids) => (await runtimes.get(connectionId)).teams.getPresences(ids) },
      quota,
      users: () => users(connectionId),
      sink: deps.sink,
      ledger: ledgerOf(connectionId),
      store: seen,
      clock,
      logger: deps.logger,
      notices: deps.notices,
      options: { ...deps.readerOptions, quota: quotaSettings ?? { requests: 1_500, windowMs: 30_000 } },
      mode: () => (healthy.get(connectionId) ? 'healing' : 'primary'),
      // One replica reads a connection at a time; the lease outlives a few slow rounds.
      mayRun: () => leases.tryAcquire(`watch:reader:${connectionId}`, 45_000),
      onChanges: (changes) => subscriptions.readerSawChanges(connectionId, changes),
    });
    readers.set(connectionId, r);
    return r;
  };

  async function readNow(connectionId: string): Promise<number> {
    return readerFor(connectionId, (await optionsOf(connectionId)).graphQuota).roundOnce();
  }

  async function tickOnce(): Promise<void> {
    const ids = await runtimes.listConnectionIds();
    await purgeInbox();
    for (const [id, r] of readers)
      if (!ids.includes(id)) {
        await r.stop();
        readers.delete(id);
        // Its subscriptions went with it (cascade): stop recognising their notifications at once.
        subsStore.forgetLookups();
      }
    for (const connectionId of ids) {
      try {
        const options = await optionsOf(connectionId);
        const reader = readerFor(connectionId, options.graphQuota);
        if (running) await reader.start();
        if (options.presenceWatch === 'subscriptions') {
          await subscriptions.reconcile(connectionId);
          healthy.set(connectionId, await subscriptions.healthy(connectionId));
        } else {
          healthy.set(connectionId, false);
          if ((await subsStore.list(connectionId)).length > 0) {
            await subscriptions.teardown(connectionId);
          }
        }
      } catch (err) {
        log.warn({ connectionId, err: (err as Error).message }, 'presence watching tick failed for a connection');
      }
    }
  }
  const tick = () => {
    ticking ??= tickOnce().finally(() => {
      ticking = undefined;
    });
    return ticking;
  };
  const loop = () => {
    if (!running) return;
    timer = setTimeout(() => void tick().finally(loop), deps.tickMs ?? 60_000);
    timer.unref?.();
  };

  return {
    subscriptions,
    owners,
    certs,
    async start() {
      if (running) return;
      running = true;
      inbox.start();
      // The first pass runs in the background: a slow or unreachable Graph must not hold up start-up.
      void tick().finally(loop);
      // A connection created after a pass gets its reader within seconds, not at the next full pass.
      discover = setInterval(() => {
        if (ticking || !running) return;
        runtimes.listConnectionIds().then(
          (ids) => {
            const fresh = ids.filter((id) => !readers.has(id) && !discovered.has(id));
            for (const id of fresh) discovered.add(id);
            if (fresh.length && running) void tick();
          },
          (err: unknown) => log.warn({ err: (err as Error).message }, 'listing connections failed'),
        );
      }, 2_000);
      discover.unref?.();
      log.info('presence watching started');
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      if (discover) clearInterval(discover);
      await ticking?.catch(() => undefined);
      await Promise.all([...readers.values()].map((r) => r.stop()));
      // Let another replica take over reading at once.
      await Promise.all([...readers.keys()].map((id) => leases.release(`watch:reader:${id}`).catch(() => undefined)));
      await inbox.stop();
      await decryptor.close();
    },
    registerRoutes(server, requireAdmin) {
      // Concurrent POSTs share one INSERT (one round trip and commit); each 202 waits for its commit.
      // Two in flight: one slow statement does not hold every acknowledgement behind it.
      const persist = createGroupCommit<InboxItem>(
        async (items) => {
          await bulkInsert(
            db,
            notificationInbox,
            ['connectionId', 'kind', 'payload'],
            items.map((i) => ({ connectionId: i.connectionId, kind: i.kind, payload: i.payload })),
          );
        },
        // A row is one POST (up to 100 notifications, ~200 KB): 16 keep a statement a few MB. Unbounded,
        // a backlog became one ~100 MB INSERT, and embedded PGlite's heap grew to it and stayed there.
        { maxInFlight: 2, maxRows: 16 },
      );
      const hooks = registerGraphWebhooks(server, {
        lookup: (id) => subsStore.lookup(id),
        persist,
        wake: () => inbox.wake(),
        logger: deps.logger,
      });
      webhookCounters = hooks.counters;
      registerWatchRoutes(server, requireAdmin, {
        owners,
        subscriptions,
        status: (id) => this.status(id),
        readerStatus: (id) => readers.get(id)?.status() ?? null,
        readNow,
        logger: deps.logger,
      });
    },
    async status(connectionId) {
      const options = await optionsOf(connectionId);
      const subs = options.presenceWatch === 'subscriptions' || (await subsStore.list(connectionId)).length > 0;
      const plan = subs ? await subscriptions.plan(connectionId) : null;
      return {
        connectionId,
        mode: options.presenceWatch,
        reader: readers.get(connectionId)?.status() ?? null,
        subscriptions: subs ? await subscriptions.coverage(connectionId) : null,
        plan: plan
          ? {
              ownersNeeded: plan.ownersNeeded,
              ownersAvailable: plan.ownersAvailable,
              ownersMissing: plan.ownersMissing,
              uncoveredUsers: plan.uncoveredUsers,
            }
          : null,
        webhooks: webhookCounters(),
        inbox: inbox.counters(),
      };
    },
    tick,
    readNow,
    drainInbox: () => inbox.drain(),
  };
}
