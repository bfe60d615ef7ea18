import { randomBytes } from 'node:crypto';
import type { Request, Server } from 'restify';
import { createRuntimeProvider, type RuntimeProvider } from '../../api/src/connections/runtime.ts';
import { createSecretBox, type SecretBox } from '../../api/src/crypto/secrets.ts';
import type { ConnectionOptions } from '../../api/src/domain/connection.ts';
import type { Notice, SyncEvent } from '../../api/src/domain/ports.ts';
import type { Timer } from '../../api/src/graph/timer.ts';
import { unauthorized } from '../../api/src/http/errors.ts';
import { createHttpServer, listen } from '../../api/src/http/server.ts';
import { createLogger } from '../../api/src/logging.ts';
import type { Storage } from '../../api/src/storage/db.ts';
import { connections, mappings } from '../../api/src/storage/schema.ts';
import { createPresenceWatching, type PresenceWatching, type PresenceWatchingDeps } from '../../api/src/watch/index.ts';
import type { GraphEmulator, GraphEmulatorOptions } from '../../emulators/graph/index.ts';
import { startTrustedEmulator } from '../../emulators/graph/test-helpers.ts';
import { buildSeed } from '../../emulators/shared/seed.ts';
import { defaultBackend, openTestStorage } from '../support/db.ts';

/**
 * One product-side "watch" stack against the Graph emulator over HTTPS: a database, a connection for
 * the emulator's tenant and app, the real runtime provider (Graph client + shared quota), our restify
 * server with the webhooks and admin routes (PUBLIC_BASE_URL = that server), and presence watching,
 * all on the emulator's clock so tests advance time instead of waiting.
 */
export interface WatchStack {
  emu: GraphEmulator;
  storage: Storage;
  secrets: SecretBox;
  server: Server;
  baseUrl: string;
  connectionId: string;
  userIds: string[];
  watching: PresenceWatching;
  /** A second, independent instance over the same database (a restart or another replica). */
  makeWatching(extra?: Partial<PresenceWatchingDeps>): PresenceWatching;
  runtimes: RuntimeProvider;
  events: SyncEvent[];
  notices: Notice[];
  /** Headers that pass the test requireAdmin. */
  admin: Record<string, string>;
  setOptions(o: Partial<ConnectionOptions>): Promise<void>;
  /** Waits for the emulator's deliveries, then drains our inbox. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

export async function startWatchStack(o: {
  agents: number;
  owners?: number;
  options?: Partial<ConnectionOptions>;
  emulator?: GraphEmulatorOptions;
  watching?: Partial<PresenceWatchingDeps>;
}): Promise<WatchStack> {
  const seed = buildSeed({ agents: o.agents, owners: o.owners ?? 2 });
  const emu = await startTrustedEmulator({ seed, ...o.emulator });
  const storage = await openTestStorage(defaultBackend());
  const secrets = createSecretBox(randomBytes(32));
  const logger = createLogger({ level: process.env.WATCH_TEST_LOG ?? 'silent' });
  const timer: Timer = {
    now: () => emu.control.now(),
    after(ms, fn) {
      const h = setTimeout(fn, Math.max(0, ms));
      return () => clearTimeout(h);
    },
  };
  const [c] = await storage.db
    .insert(connections)
    .values({
      name: 'emulated',
      tenantId: emu.tenantId,
      azureClientId: emu.defaultApp.clientId,
      azureClientSecretEnc: secrets.seal(emu.defaultApp.clientSecret),
      cxoneBaseUrl: 'https://cxone.invalid',
      cxoneAccessKeyId: 'unused',
      cxoneAccessKeySecretEnc: secrets.seal('unused'),
      options: { ...o.options },
    })
    .returning();
  const connectionId = c!.id;
  const userIds = seed.agents.map((a) => a.teamsUserId).filter((u): u is string => u !== null);
  for (let i = 0; i < userIds.length; i += 500)
    await storage.db
      .insert(mappings)
      .values(
        userIds.slice(i, i + 500).map((userId, k) => ({ connectionId, agentId: `agent-${i + k}`, userId, source: 'manual' })),
      );

  const runtimes = createRuntimeProvider({
    db: storage.db,
    secrets,
    logger,
    graphBaseUrl: emu.graphBaseUrl,
    authorityHost: emu.authorityHost,
    timer,
  });
  const events: SyncEvent[] = [];
  const notices: Notice[] = [];
  const server = createHttpServer({ logger });
  const port = await listen(server, 0, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${port}`;
  const makeWatching = (extra: Partial<PresenceWatchingDeps> = {}) =>
    createPresenceWatching({
      db: storage.db,
      secrets,
      logger,
      clock: timer,
      publicBaseUrl: baseUrl,
      authorityHost: emu.authorityHost,
      runtimes,
      sink: { publish: (e) => events.push(e) },
      notices: { notify: (n) => notices.push(n) },
      graphFor: async (id) => (await runtimes.get(id)).teams,
      quotaFor: async (id) => runtimes.quotaFor((await runtimes.get(id)).tenantId),
      ...o.watching,
      ...extra,
    });
  const watching = makeWatching();
  const requireAdmin = async (req: Request) => {
    if (req.header('x-test-admin') !== 'yes') throw unauthorized();
    return { userId: 'admin' };
  };
  watching.registerRoutes(server, requireAdmin);
  return {
    emu,
    storage,
    secrets,
    server,
    baseUrl,
    connectionId,
    userIds,
    watching,
    makeWatching,
    runtimes,
    events,
    notices,
    admin: { 'x-test-admin': 'yes', 'content-type': 'application/json' },
    async setOptions(opts) {
      const [row] = await storage.db.select().from(connections);
      await storage.db
        .update(connections)
        .set({ options: { ...(row!.options as object), ...opts } })
        .where((await import('drizzle-orm')).eq(connections.id, connectionId));
      runtimes.invalidate(connectionId);
    },
    async settle() {
      await emu.control.idle();
      await watching.drainInbox();
    },
    async stop() {
      await watching.stop();
      await new Promise<void>((r) => server.close(() => r()));
      await emu.stop();
      await storage.close();
    },
  };
}

/** Completes the emulator's sign-in form as a person would: user + password, following the redirect to our callback. */
export interface SignInStart {
  signInId: string;
  authorizeUrl: string;
  expiresAt: string;
}

export async function signInThroughBrowser(authorizeUrl: string, username: string, password: string): Promise<Response> {
  const u = new URL(authorizeUrl);
  const form = new URLSearchParams(Object.fromEntries(u.searchParams));
  form.set('username', username);
  form.set('password', password);
  const r = await fetch(`${u.origin}${u.pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
    redirect: 'manual',
  });
  if (r.status !== 302 && r.status !== 303) throw new Error(`sign-in page answered ${r.status}: ${await r.text()}`);
  const location = r.headers.get('location');
  if (!location) throw new Error('no redirect after sign-in');
  return fetch(location);
}
