import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, startApp } from '../../api/src/app.ts';
import { loadConfig } from '../../api/src/config.ts';
import { createLogger } from '../../api/src/logging.ts';
import { engineInbox } from '../../api/src/storage/schema.ts';
import { configure, request } from '../../bench/lib/admin.ts';
import { type mismatches, waitConverged } from '../../bench/lib/expect.ts';
import { type CxoneEmulator, startCxoneEmulator } from '../../emulators/cxone/index.ts';
import type { GraphEmulator } from '../../emulators/graph/index.ts';
import { startTrustedEmulator } from '../../emulators/graph/test-helpers.ts';
import { buildSeed } from '../../emulators/shared/seed.ts';
import { freshDatabaseUrl, testDatabaseUrl } from '../support/db.ts';
import { FAULT_CLIENT_ID } from './support.ts';

/**
 * Two replicas on one PostgreSQL, CXone pushing to the one that does NOT run the connection's engine
 * (half of all pushes behind a load balancer). Sweeps are 10 minutes apart here, so a change that
 * reaches Teams within seconds went through the relay (engine_inbox + NOTIFY), not a sweep.
 */
describe.skipIf(!testDatabaseUrl())('two replicas: CXone pushes to the replica without the engine', { timeout: 60_000 }, () => {
  let graph: GraphEmulator;
  let cxone: CxoneEmulator;
  let db: { url: string; drop(): Promise<void> };
  const apps: App[] = [];
  let cfg: Awaited<ReturnType<typeof configure>>;
  let holder: App;
  let other: App;
  const pushSecret = randomBytes(24).toString('base64url');
  const clientId = () => graph.defaultApp.clientId;
  const show = (m: ReturnType<typeof mismatches>) => m.slice(0, 5).map((x) => `${x.agentId} ${x.cxone} ${JSON.stringify(x.got)}`);
  const idle = () =>
    [...cfg.mapped.keys()].filter((a) => ['Available', 'Unavailable'].includes(cxone.control.agentState(a).state));
  const flip = (a: string) => {
    const s = cxone.control.agentState(a);
    cxone.control.setAgentState(a, s.state === 'Available' ? { state: 'Unavailable', outStateId: 2 } : { state: 'Available' });
  };
  const pushTo = (app: App) =>
    cxone.control.configurePush({ url: `${app.url}/api/cxone/events`, secret: pushSecret, connectionId: cfg.connectionId });
  /** Successful Graph presence writes per user since a Graph-emulator time, with when they arrived. */
  const writes = (since: number) => {
    const m = new Map<string, number[]>();
    for (const c of graph.control.calls({ since, pathPrefix: '/users/' })) {
      const u = /\/users\/([^/]+)\/presence\/(setPresence|clearPresence)$/.exec(c.path)?.[1];
      if (u && c.status < 300) m.set(u, [...(m.get(u) ?? []), c.at]);
    }
    return m;
  };
  const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

  /** Flips agents one by one (as a relay would push them) and returns each one's flip → Teams write delay. */
  async function flipAndTime(agents: string[]): Promise<{ delays: number[]; since: number }> {
    const since = graph.control.now();
    const flippedAt = new Map<string, number>();
    for (const a of agents) {
      flippedAt.set(a, graph.control.now());
      flip(a);
      await cxone.control.flushPush();
    }
    expect(show(await waitConverged(graph, cxone, cfg.mapped, clientId(), 5_000))).toEqual([]);
    const w = writes(since);
    const delays: number[] = [];
    for (const a of agents) {
      const at = w.get(cfg.mapped.get(a)!) ?? [];
      expect(at, `agent ${a}: one Teams write`).toHaveLength(1);
      delays.push(at[0]! - flippedAt.get(a)!);
    }
    return { delays, since };
  }

  beforeAll(async () => {
    const seed = buildSeed({ agents: 24, owners: 1 });
    graph = await startTrustedEmulator({ seed, logger: createLogger({ level: 'silent' }) });
    cxone = await startCxoneEmulator({ seed });
    db = await freshDatabaseUrl();
    for (const name of ['replica-a', 'replica-b']) {
      const config = loadConfig({
        NODE_ENV: 'test',
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: db.url,
        ENCRYPTION_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=',
        LOG_LEVEL: process.env.DEBUG_RELAY ? 'debug' : 'silent',
        DEV_SIGN_IN: 'true',
        AAD_APP_CLIENT_ID: FAULT_CLIENT_ID,
        AUTH_FAILURES_PER_MINUTE: '10000',
        AUTHORITY_HOST: graph.authorityHost,
        GRAPH_BASE_URL: graph.graphBaseUrl,
        EXTRA_CA_CERTS_FILE: graph.caCertFile,
        SHUTDOWN_GRACE_MS: '2000',
      });
      // No periodic sweep within the test: only the relay can bring a push on the other replica over in time.
      apps.push(await startApp({ config, instanceId: name, engine: { sweepIntervalMs: 600_000 } }));
    }
    cfg = await configure({
      baseUrl: apps[0]!.url,
      graph,
      cxone,
      pushSecret,
      options: { cxoneChangeMode: 'push' },
    });
    const end = Date.now() + 30_000;
    while (!apps.some((a) => a.engine.heldConnections().includes(cfg.connectionId))) {
      if (Date.now() > end) throw new Error('no replica took the engine lease');
      await new Promise((r) => setTimeout(r, 100));
    }
    holder = apps.find((a) => a.engine.holds(cfg.connectionId))!;
    other = apps.find((a) => a !== holder)!;
    expect(show(await waitConverged(graph, cxone, cfg.mapped, clientId(), 30_000))).toEqual([]);
    // What was published before any replica held the new connection (settings, first presence reads)
    // waited in engine_inbox; the holder takes it once it runs the connection.
    while ((await holder.storage.db.select().from(engineInbox)).length > 0) {
      if (Date.now() > end) throw new Error('engine_inbox was not emptied');
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  afterAll(async () => {
    for (const a of apps) await a.stop();
    await cxone?.stop();
    await graph?.stop();
    await db?.drop();
  });

  it('when pushes land on the replica without the engine then Teams is written within a second, exactly once', async () => {
    pushTo(other);
    const before = { forwarded: other.relay.status().forwarded, received: holder.relay.status().received };
    const agents = idle().slice(0, 10);
    const { delays } = await flipAndTime(agents);
    console.log(
      `forwarded push → Teams write: p50 ${pct(delays, 0.5)} ms, max ${Math.max(...delays)} ms (${delays.length} agents)`,
    );
    expect(Math.max(...delays)).toBeLessThan(1_000);
    expect(other.relay.status().forwarded - before.forwarded).toBe(agents.length);
    expect(holder.relay.status().received - before.received).toBe(agents.length);
    // The engine stayed where it was: no lease move (with its sweep) explains the writes either.
    expect(holder.engine.holds(cfg.connectionId)).toBe(true);
    expect(other.engine.holds(cfg.connectionId)).toBe(false);
    expect(await holder.storage.db.select().from(engineInbox)).toEqual([]);
  });

  it('when pushes land on the replica with the engine then they go straight to it (no queue)', async () => {
    pushTo(holder);
    const before = { forwarded: holder.relay.status().forwarded, received: holder.relay.status().received };
    const agents = idle().slice(0, 10);
    const { delays } = await flipAndTime(agents);
    console.log(`direct push → Teams write: p50 ${pct(delays, 0.5)} ms, max ${Math.max(...delays)} ms (${delays.length} agents)`);
    expect(holder.relay.status()).toMatchObject(before);
  });

  it('when a push for one agent alternates between replicas then the last state wins, written once per change', async () => {
    const a = idle()[0]!;
    const since = graph.control.now();
    // Seven changes, the last one through the replica without the engine.
    for (let i = 0; i < 7; i++) {
      pushTo(i % 2 ? holder : other);
      flip(a);
      await cxone.control.flushPush();
    }
    expect(show(await waitConverged(graph, cxone, cfg.mapped, clientId(), 5_000))).toEqual([]);
    expect((writes(since).get(cfg.mapped.get(a)!) ?? []).length).toBeLessThanOrEqual(7);
  });

  it('when an admin excludes an agent on the replica without the engine then the holder applies it at once', async () => {
    const a = [...cfg.mapped.keys()].find((x) => cxone.control.agentState(x).state === 'Available')!;
    const user = cfg.mapped.get(a)!;
    // Dev sign-in tokens are signed per process: the same admin signs in on that replica.
    const { oid } = JSON.parse(Buffer.from(cfg.token.split('.')[1]!, 'base64url').toString()) as { oid: string };
    const signIn = await request<{ token: string }>(other.url, 'POST', '/api/dev/sign-in', {
      body: { userId: oid, upn: 'it.admin@contoso.com', tenantId: graph.tenantId },
    });
    const token = signIn.body.token;
    const since = graph.control.now();
    const r = await request(other.url, 'PATCH', `/api/connections/${cfg.connectionId}/mappings/${a}`, {
      token,
      body: { included: false },
    });
    expect(r.status).toBeLessThan(300);
    const end = Date.now() + 3_000;
    while (!graph.control.calls({ since, pathPrefix: `/users/${user}/presence/clearPresence` }).length) {
      if (Date.now() > end) throw new Error('the exclusion did not reach the engine');
      await new Promise((res) => setTimeout(res, 20));
    }
    await request(other.url, 'PATCH', `/api/connections/${cfg.connectionId}/mappings/${a}`, {
      token,
      body: { included: true },
    });
    expect(show(await waitConverged(graph, cxone, cfg.mapped, clientId(), 5_000))).toEqual([]);
  });

  it('when the replica that answered 202 is gone before the holder takes the push then the push is still applied', async () => {
    // The holder stops taking forwarded events for a moment; the receiving replica then disappears.
    await holder.relay.stop();
    pushTo(other);
    const a = idle()[0]!;
    const since = graph.control.now();
    flip(a);
    await cxone.control.flushPush();
    expect(
      cxone.control
        .calls({ since: cxone.control.now() - 5_000 })
        .filter((c) => c.method === 'PUSH')
        .at(-1)?.status,
    ).toBe(202);
    await other.stop();
    expect(await holder.storage.db.select().from(engineInbox)).toHaveLength(1);
    expect(writes(since).get(cfg.mapped.get(a)!)).toBeUndefined();
    await holder.relay.start();
    expect(show(await waitConverged(graph, cxone, cfg.mapped, clientId(), 5_000))).toEqual([]);
    expect(writes(since).get(cfg.mapped.get(a)!)).toHaveLength(1);
    expect(await holder.storage.db.select().from(engineInbox)).toEqual([]);
  });
});
