import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type Logger } from '../../api/src/logging.ts';
import { buildSeed, type Seed } from '../shared/seed.ts';
import { ensureTls } from '../shared/tls.ts';
import { CallLog } from './calls.ts';
import { EmulatorClock } from './clock.ts';
import { createControl, type GraphEmulatorControl } from './control.ts';
import { controlRoutes } from './control-routes.ts';
import { DEFAULT_APP, DEFAULT_QUOTA, VALIDATION_TIMEOUT_MS } from './defaults.ts';
import { Directory } from './directory.ts';
import { Faults } from './faults.ts';
import { graphError } from './graph-errors.ts';
import { createGraphPipeline } from './graph-pipeline.ts';
import { BodyError, decodePath, HttpError, isRecord, json, type Req, type Res, Router, readBody, send } from './http.ts';
import { TokenKeys } from './identity/keys.ts';
import { identityRoutes } from './identity/routes.ts';
import { IdentityService } from './identity/service.ts';
import { presenceRoutes } from './presence-routes.ts';
import { PresenceStore } from './presence-store.ts';
import { Quota } from './quota.ts';
import { newStats } from './stats.ts';
import { SubscriptionManager } from './subscriptions/manager.ts';
import { Poster } from './subscriptions/post.ts';
import { subscriptionRoutes } from './subscriptions/routes.ts';
import { usersRoutes } from './users-routes.ts';

export type { CallRecord } from './calls.ts';
export type { EmulatorStats, GraphEmulatorControl, SubscriptionInfo, UserInfo } from './control.ts';
export { DEFAULT_APP, GRAPH_NOTIFICATION_APP_ID } from './defaults.ts';
export type { FaultSpec } from './faults.ts';
export type { PresenceSnapshot } from './presence-store.ts';

export interface GraphEmulatorOptions {
  port?: number;
  host?: string;
  seed?: Seed;
  /** Where CA + server cert PEMs are written/reused; default a fresh temp dir. */
  tlsDir?: string;
  /** Per app per tenant; default 1500 / 30000. */
  quota?: { requests: number; windowMs: number };
  /** How a getPresencesByUserId call counts against the quota (UNCONFIRMED in Graph); default 'request'. */
  presenceBatchCost?: 'request' | 'per_id';
  /** Real-time delay before delivering change notifications; default 0. */
  notificationLatencyMs?: number;
  /** Base backoff (real ms, doubling) for failed notification deliveries; default 5000. */
  deliveryRetryMs?: number;
  /** Base clock; control.advanceTime() adds an offset on top. */
  now?: () => number;
  /** How long a subscriber has to answer the validation handshake; default 10000 (Graph's 10 s). */
  validationTimeoutMs?: number;
  /** Teams client status every seeded user starts with; default null (client closed → Offline). */
  initialClientPresence?: { availability: string; activity: string } | null;
  /** Where delivery errors are logged; default a pino logger at warn. */
  logger?: Logger;
}

export interface GraphEmulator {
  url: string;
  graphBaseUrl: string;
  authorityHost: string;
  tenantId: string;
  caCertFile: string;
  caCertPem: string;
  defaultApp: { clientId: string; clientSecret: string };
  control: GraphEmulatorControl;
  stop(): Promise<void>;
}

/** Bad options are a programming error: fail at start with the option's name, not later. */
function checkOptions(o: GraphEmulatorOptions): void {
  const nonNeg = (name: string, v: number | undefined) => {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0))
      throw new Error(`startGraphEmulator: ${name} must be a number >= 0 (got ${v})`);
  };
  nonNeg('port', o.port);
  nonNeg('notificationLatencyMs', o.notificationLatencyMs);
  nonNeg('deliveryRetryMs', o.deliveryRetryMs);
  nonNeg('validationTimeoutMs', o.validationTimeoutMs);
  if (o.quota && !(Number.isInteger(o.quota.requests) && o.quota.requests > 0 && o.quota.windowMs > 0))
    throw new Error('startGraphEmulator: quota needs requests (a positive integer) and windowMs > 0');
  if (o.presenceBatchCost !== undefined && o.presenceBatchCost !== 'request' && o.presenceBatchCost !== 'per_id')
    throw new Error("startGraphEmulator: presenceBatchCost must be 'request' or 'per_id'");
}

export async function startGraphEmulator(opts: GraphEmulatorOptions = {}): Promise<GraphEmulator> {
  checkOptions(opts);
  const seed = opts.seed ?? buildSeed();
  const host = opts.host ?? '127.0.0.1';
  const logger = opts.logger ?? createLogger({ level: 'warn', name: 'graph-emulator' });
  // Without a tlsDir, the material lives in a temp folder of our own, removed again by stop().
  const ownTlsDir = opts.tlsDir ? null : await mkdtemp(join(tmpdir(), 'graph-emulator-tls-'));
  const tls = await ensureTls(opts.tlsDir ?? ownTlsDir!);
  let url = '';
  const baseUrl = () => url;
  const graphBase = () => `${url}/v1.0`;

  const dir = new Directory(seed.tenantId);
  const stats = newStats();
  let store: PresenceStore;
  let subs: SubscriptionManager;
  const clock = new EmulatorClock(opts.now ?? Date.now, (key) => {
    if (key.startsWith('sub:')) subs.expire(key.slice(4));
    else if (key.startsWith('slowflush:')) subs.flushDelayed(key.slice('slowflush:'.length));
    else store.refresh(key);
  });
  const now = () => clock.now();
  const keys = await TokenKeys.create();
  const identity = new IdentityService(dir, keys, now, baseUrl);
  const faults = new Faults(now);
  const calls = new CallLog();
  const poster = new Poster(tls.caCertPem);
  subs = new SubscriptionManager({
    clock,
    faults,
    poster,
    identity,
    tenantId: seed.tenantId,
    stats,
    notificationLatencyMs: opts.notificationLatencyMs ?? 0,
    deliveryRetryMs: opts.deliveryRetryMs ?? 5000,
    graphBase,
    onError: (message, err) => logger.warn({ err }, message),
  });
  store = new PresenceStore(clock, (c) => subs.onPresenceChange(c));
  const quotaCfg = opts.quota ?? DEFAULT_QUOTA;
  const quota = new Quota(quotaCfg.requests, quotaCfg.windowMs, now);

  dir.registerApp({ ...DEFAULT_APP, tenantId: seed.tenantId });
  const initial = opts.initialClientPresence ?? null;
  const onUserAdded = (u: { id: string }) => {
    store.add(u.id);
    if (initial)
      store.mutate(u.id, (s) => {
        s.client.base = { ...initial };
      });
  };
  for (const u of seed.users) onUserAdded(dir.addSeedUser(u));

  const identityRouter = new Router();
  identityRoutes(identityRouter, identity, faults, now, baseUrl);
  const graphRouter = new Router();
  usersRoutes(graphRouter, { dir, graphBase, onUserAdded });
  presenceRoutes(graphRouter, { dir, store, graphBase });
  subscriptionRoutes(graphRouter, {
    subs,
    poster,
    faults,
    validationTimeoutMs: opts.validationTimeoutMs ?? VALIDATION_TIMEOUT_MS,
  });
  const control = createControl({ dir, store, clock, faults, calls, subs, identity, stats, onUserAdded });
  const controlRouter = new Router();
  controlRoutes(controlRouter, control);

  const graph = createGraphPipeline({
    router: graphRouter,
    quota,
    faults,
    stats,
    keys,
    dir,
    now,
    presenceBatchCost: opts.presenceBatchCost ?? 'request',
  });

  const handle = async (raw: IncomingMessage, res: ServerResponse): Promise<void> => {
    const at = now();
    const u = new URL(raw.url ?? '/', 'https://emulator.invalid');
    const path = decodePath(u.pathname);
    const req: Req = {
      method: raw.method ?? 'GET',
      path,
      query: u.searchParams,
      headers: raw.headers,
      body: undefined,
      raw,
      params: {},
    };
    let r: Res;
    try {
      req.body = await readBody(raw);
      if (path === '/v1.0' || path.startsWith('/v1.0/')) r = await graph(req);
      else {
        const router = path === '/_emulator' || path.startsWith('/_emulator/') ? controlRouter : identityRouter;
        const m = router.match(req.method, path === '/_emulator' ? '/_emulator/' : path);
        if (m === null || m === 'methodMismatch')
          r = json(m === null ? 404 : 405, { error: 'not_found', error_description: `No route for ${req.method} ${path}` });
        else r = await m.handler({ ...req, params: m.params });
      }
    } catch (e) {
      if (e instanceof HttpError) r = e.res;
      else if (e instanceof BodyError)
        r = graphError(e.status, e.status === 413 ? 'RequestEntityTooLarge' : 'BadRequest', e.message);
      else {
        logger.error({ err: e, path }, 'graph emulator: unhandled error');
        r = graphError(500, 'InternalServerError', 'Internal emulator error.');
      }
    }
    if (!path.startsWith('/_emulator')) {
      const body = req.body;
      const clientId = req.principal?.appId ?? (isRecord(body) && typeof body.client_id === 'string' ? body.client_id : null);
      calls.record({ at, method: req.method, path, status: r.status, clientId, body });
      if (path.endsWith('/oauth2/v2.0/token') && r.status === 200) stats.tokensIssued += 1;
    }
    send(res, r);
  };

  const server = https.createServer({ cert: tls.certPem, key: tls.keyPem, keepAliveTimeout: 30_000 }, (rq, rs) => {
    handle(rq, rs).catch((e) => {
      logger.error({ err: e }, 'graph emulator: failed to answer');
      if (!rs.headersSent) rs.writeHead(500);
      rs.end();
    });
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.removeListener('error', reject);
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : (opts.port ?? 0));
    });
  });
  url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url,
    graphBaseUrl: `${url}/v1.0`,
    authorityHost: url,
    tenantId: seed.tenantId,
    caCertFile: tls.caCertFile,
    caCertPem: tls.caCertPem,
    defaultApp: { clientId: DEFAULT_APP.clientId, clientSecret: DEFAULT_APP.clientSecret },
    control,
    async stop() {
      subs.stop();
      clock.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      poster.close();
      if (ownTlsDir) await rm(ownTlsDir, { recursive: true, force: true });
    },
  };
}
