import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createLogger } from '../../api/src/logging.ts';
import { type CxoneEmulator, startCxoneEmulator } from '../../emulators/cxone/index.ts';
import { type GraphEmulator, startGraphEmulator } from '../../emulators/graph/index.ts';
import { trustCa } from '../../emulators/graph/test-helpers.ts';
import { buildSeed, type Seed } from '../../emulators/shared/seed.ts';
import { throwawayDatabase } from '../../tests/support/db.ts';
import { type Configured, configure } from './admin.ts';
import { type ProxyChild, type ServerChild, startProxyChild, startServerChild } from './child.ts';

export type Backend = 'pglite' | 'postgres';

export const BENCH_CLIENT_ID = '11111111-2222-4333-8444-555555555555';
const ENCRYPTION_KEY = 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=';

/** One measured world: both emulators here, the server in a child process, a webhook proxy (own process) between. */
export interface BenchWorld {
  seed: Seed;
  graph: GraphEmulator;
  cxone: CxoneEmulator;
  proxy: ProxyChild;
  server: ServerChild;
  cfg: Configured;
  pushSecret: string;
  /** When the server process was forked (ms since epoch). */
  spawnedAt: number;
  /** The server's peak RSS right after it was ready, before any connection existed. */
  startRssKb: number;
  stop(): Promise<void>;
}

export async function postgresReachable(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await c.connect();
    await c.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

export async function startBenchWorld(o: {
  backend: Backend;
  agents: number;
  postgresUrl: string;
  quota: { requests: number; windowMs: number };
}): Promise<BenchWorld> {
  const owners = Math.ceil(o.agents / 650) + 1;
  const seed = buildSeed({ agents: o.agents, owners });
  const silent = createLogger({ level: 'silent' });
  const graph = await startGraphEmulator({ seed, quota: o.quota, logger: silent });
  trustCa(graph.caCertPem);
  const cxone = await startCxoneEmulator({ seed });
  const proxy = await startProxyChild();
  const pg = o.backend === 'postgres' ? await throwawayDatabase(o.postgresUrl, 'ps_bench') : null;
  const dataDir = o.backend === 'pglite' ? await mkdtemp(join(tmpdir(), 'ps-bench-')) : null;
  const spawnedAt = Date.now();
  const server = await startServerChild({
    ...(pg ? { DATABASE_URL: pg.url } : { DATA_DIR: dataDir! }),
    GRAPH_BASE_URL: graph.graphBaseUrl,
    AUTHORITY_HOST: graph.authorityHost,
    EXTRA_CA_CERTS_FILE: graph.caCertFile,
    DEV_SIGN_IN: 'true',
    AAD_APP_CLIENT_ID: BENCH_CLIENT_ID,
    AUTH_FAILURES_PER_MINUTE: '10000',
    PUBLIC_BASE_URL: proxy.url,
    LOG_LEVEL: 'warn',
    ENCRYPTION_KEY,
  });
  await proxy.setTarget(server.url);
  const startRssKb = (await server.usage()).maxRssKb;
  const stopAll = async () => {
    await server.stop();
    await proxy.stop();
    await cxone.stop();
    await graph.stop();
    await pg?.drop().catch(() => {});
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const pushSecret = randomBytes(24).toString('base64url');
    const cfg = await configure({
      baseUrl: server.url,
      graph,
      cxone,
      pushSecret,
      options: { cxoneChangeMode: 'push', graphQuota: o.quota, subscriptionGroupSize: 650 },
      timeoutMs: 300_000,
    });
    cxone.control.configurePush({ url: `${server.url}/api/cxone/events`, secret: pushSecret, connectionId: cfg.connectionId });
    return { seed, graph, cxone, proxy, server, cfg, pushSecret, spawnedAt, startRssKb, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
