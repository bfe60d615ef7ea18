import { randomBytes } from 'node:crypto';
import { createLogger } from '../../api/src/logging.ts';
import { type Configured, configure, request } from '../../bench/lib/admin.ts';
import { type Mismatch, mismatches, waitConverged } from '../../bench/lib/expect.ts';
import { startWebhookProxy, type WebhookProxy } from '../../bench/lib/proxy.ts';
import { type CxoneEmulator, startCxoneEmulator } from '../../emulators/cxone/index.ts';
import type { GraphEmulator, GraphEmulatorOptions } from '../../emulators/graph/index.ts';
import { startTrustedEmulator } from '../../emulators/graph/test-helpers.ts';
import { buildSeed, type Seed } from '../../emulators/shared/seed.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

/**
 * A fault-test world: both emulators, the real server (startTestApp: engine, presence watching, CXone
 * intake, admin API) configured over its admin API like an admin would, a proxy standing in for the
 * network between Graph and our webhooks, and checks that every mapped user converged.
 */
export const FAULT_CLIENT_ID = '11111111-2222-4333-8444-555555555555';

export interface FaultWorld {
  seed: Seed;
  graph: GraphEmulator;
  cxone: CxoneEmulator;
  proxy: WebhookProxy;
  app: TestApp;
  cfg: Configured;
  pushSecret: string;
  api<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T; text: string }>;
  /** Waits (bounded) until every mapped user shows what the rules want; returns what did not. */
  converge(timeoutMs?: number): Promise<Mismatch[]>;
  mismatches(): Mismatch[];
  /** Mapped agents whose CXone state can be changed by rules (Available or Unavailable). */
  idleAgents(): string[];
  /** Successful Graph setPresence/clearPresence calls per user since a Graph-emulator time. */
  teamsWrites(since: number): Map<string, { ok: number; failed: number }>;
  /** CXone set-state calls per agent since a CXone-emulator time. */
  cxoneWrites(since: number): Map<string, { ok: number; failed: number }>;
  stop(): Promise<void>;
}

export async function startFaultWorld(
  o: {
    agents?: number;
    owners?: number;
    options?: Record<string, unknown>;
    env?: Record<string, string>;
    graph?: GraphEmulatorOptions;
  } = {},
): Promise<FaultWorld> {
  const seed = buildSeed({ agents: o.agents ?? 24, owners: o.owners ?? 2 });
  const graph = await startTrustedEmulator({ seed, logger: createLogger({ level: 'silent' }), ...o.graph });
  const cxone = await startCxoneEmulator({ seed });
  let appUrl = '';
  const proxy = await startWebhookProxy(() => appUrl);
  const app = await startTestApp({
    DEV_SIGN_IN: 'true',
    AAD_APP_CLIENT_ID: FAULT_CLIENT_ID,
    AUTH_FAILURES_PER_MINUTE: '10000',
    AUTHORITY_HOST: graph.authorityHost,
    GRAPH_BASE_URL: graph.graphBaseUrl,
    EXTRA_CA_CERTS_FILE: graph.caCertFile,
    PUBLIC_BASE_URL: proxy.url,
    LOG_LEVEL: 'info',
    ...o.env,
  });
  appUrl = app.url;
  const pushSecret = randomBytes(24).toString('base64url');
  let cfg: Configured;
  try {
    cfg = await configure({ baseUrl: app.url, graph, cxone, pushSecret, options: { cxoneChangeMode: 'push', ...o.options } });
  } catch (err) {
    await app.stop();
    await proxy.stop();
    await cxone.stop();
    await graph.stop();
    throw err;
  }
  if ((o.options?.cxoneChangeMode ?? 'push') === 'push')
    cxone.control.configurePush({ url: `${app.url}/api/cxone/events`, secret: pushSecret, connectionId: cfg.connectionId });
  const clientId = graph.defaultApp.clientId;
  const tally = (rows: { key: string | null; ok: boolean }[]) => {
    const m = new Map<string, { ok: number; failed: number }>();
    for (const r of rows) {
      if (!r.key) continue;
      const t = m.get(r.key) ?? { ok: 0, failed: 0 };
      if (r.ok) t.ok++;
      else t.failed++;
      m.set(r.key, t);
    }
    return m;
  };
  return {
    seed,
    graph,
    cxone,
    proxy,
    app,
    cfg,
    pushSecret,
    api: (method, path, body) =>
      request(app.url, method, `/api/connections/${cfg.connectionId}${path}`, {
        token: cfg.token,
        ...(body !== undefined ? { body } : {}),
      }),
    converge: (timeoutMs = 45_000) => waitConverged(graph, cxone, cfg.mapped, clientId, timeoutMs),
    mismatches: () => mismatches(graph, cxone, cfg.mapped, clientId),
    idleAgents: () =>
      [...cfg.mapped.keys()].filter((a) => ['Available', 'Unavailable'].includes(cxone.control.agentState(a).state)),
    teamsWrites: (since) =>
      tally(
        graph.control.calls({ since, pathPrefix: '/users/' }).map((c) => ({
          key: /\/users\/([^/]+)\/presence\/(setPresence|clearPresence)$/i.exec(c.path)?.[1] ?? null,
          ok: c.status < 300,
        })),
      ),
    cxoneWrites: (since) =>
      tally(
        cxone.control
          .calls({ since })
          .filter((c) => c.method === 'POST')
          .map((c) => ({ key: /\/agents\/([^/]+)\/state$/i.exec(c.path)?.[1] ?? null, ok: c.status > 0 && c.status < 300 })),
      ),
    async stop() {
      await app.stop();
      await proxy.stop();
      await cxone.stop();
      await graph.stop();
    },
  };
}

/** Flips a CXone agent between Available and Unavailable/2; returns the new state name. */
export function flip(w: FaultWorld, agentId: string): string {
  const s = w.cxone.control.agentState(agentId);
  const next = s.state === 'Available' ? { state: 'Unavailable', outStateId: 2 } : { state: 'Available' };
  w.cxone.control.setAgentState(agentId, next);
  return next.state;
}

export const describeMismatch = (m: Mismatch[]) =>
  m.slice(0, 5).map((x) => `${x.agentId}: cxone ${x.cxone} want ${JSON.stringify(x.want)} got ${JSON.stringify(x.got)}`);
