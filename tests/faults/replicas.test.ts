import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, startApp } from '../../api/src/app.ts';
import { loadConfig } from '../../api/src/config.ts';
import { createLogger } from '../../api/src/logging.ts';
import { configure, signInOwnerByDeviceCode } from '../../bench/lib/admin.ts';
import { mismatches, waitConverged } from '../../bench/lib/expect.ts';
import { startWebhookProxy, type WebhookProxy } from '../../bench/lib/proxy.ts';
import { type CxoneEmulator, startCxoneEmulator } from '../../emulators/cxone/index.ts';
import type { GraphEmulator } from '../../emulators/graph/index.ts';
import { startTrustedEmulator } from '../../emulators/graph/test-helpers.ts';
import { buildSeed } from '../../emulators/shared/seed.ts';
import { freshDatabaseUrl, testDatabaseUrl } from '../support/db.ts';
import { FAULT_CLIENT_ID } from './support.ts';

/**
 * Two replicas of the server on one PostgreSQL, Graph's webhooks reaching them through a round-robin
 * "load balancer": one engine writes (no double writes), one reader reads, and each subscription is
 * renewed once however many replicas look at it.
 */
// PostgreSQL only (replicas share a database server); without TEST_DATABASE_URL it is skipped locally, and
// testDatabaseUrl() fails the run in CI rather than skip.
describe.skipIf(!testDatabaseUrl())('two replicas on one PostgreSQL', () => {
  let graph: GraphEmulator;
  let cxone: CxoneEmulator;
  let lb: WebhookProxy;
  let db: { url: string; drop(): Promise<void> };
  const apps: App[] = [];
  /** One clock for both replicas, so a renewal can be made due without waiting 40 minutes. */
  let offsetMs = 0;
  const clock = { now: () => Date.now() + offsetMs };
  let cfg: Awaited<ReturnType<typeof configure>>;
  const clientId = () => graph.defaultApp.clientId;
  const converge = (ms = 45_000) => waitConverged(graph, cxone, cfg.mapped, clientId(), ms);
  const show = (m: ReturnType<typeof mismatches>) => m.slice(0, 5).map((x) => `${x.agentId} ${x.cxone} ${JSON.stringify(x.got)}`);
  const idle = () =>
    [...cfg.mapped.keys()].filter((a) => ['Available', 'Unavailable'].includes(cxone.control.agentState(a).state));

  beforeAll(async () => {
    const seed = buildSeed({ agents: 20, owners: 2 });
    graph = await startTrustedEmulator({ seed, logger: createLogger({ level: 'silent' }) });
    cxone = await startCxoneEmulator({ seed });
    let turn = 0;
    lb = await startWebhookProxy(() => apps[turn++ % apps.length]!.url);
    db = await freshDatabaseUrl();
    for (const name of ['replica-a', 'replica-b']) {
      const config = loadConfig({
        NODE_ENV: 'test',
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: db.url,
        ENCRYPTION_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=',
        LOG_LEVEL: 'silent',
        DEV_SIGN_IN: 'true',
        AAD_APP_CLIENT_ID: FAULT_CLIENT_ID,
        AUTH_FAILURES_PER_MINUTE: '10000',
        AUTHORITY_HOST: graph.authorityHost,
        GRAPH_BASE_URL: graph.graphBaseUrl,
        EXTRA_CA_CERTS_FILE: graph.caCertFile,
        PUBLIC_BASE_URL: lb.url,
        SHUTDOWN_GRACE_MS: '2000',
      });
      apps.push(await startApp({ config, instanceId: name, clock }));
    }
    cfg = await configure({
      baseUrl: apps[0]!.url,
      graph,
      cxone,
      pushSecret: randomBytes(24).toString('base64url'),
      options: { cxoneChangeMode: 'poll', cxonePollIntervalMs: 500, presenceWatch: 'subscriptions' },
    });
    expect(show(await converge())).toEqual([]);
  });
  afterAll(async () => {
    for (const a of apps) await a.stop();
    await lb?.stop();
    await cxone?.stop();
    await graph?.stop();
    await db?.drop();
  });

  it('when both replicas run then changes on either side are written exactly once', async () => {
    const gSince = graph.control.now();
    const cSince = cxone.control.now();
    const agents = idle();
    const meeting = agents.filter((a) => cxone.control.agentState(a).state === 'Available').slice(0, 3);
    const flipped = agents.filter((a) => !meeting.includes(a));
    for (const a of flipped) {
      const s = cxone.control.agentState(a);
      cxone.control.setAgentState(a, s.state === 'Available' ? { state: 'Unavailable', outStateId: 2 } : { state: 'Available' });
    }
    for (const a of meeting) graph.control.startMeeting(cfg.mapped.get(a)!);
    expect(show(await converge())).toEqual([]);
    const teams = new Map<string, number>();
    for (const c of graph.control.calls({ since: gSince, pathPrefix: '/users/' }))
      if (c.status < 300 && /setPresence$/.test(c.path)) teams.set(c.path, (teams.get(c.path) ?? 0) + 1);
    for (const a of flipped) expect(teams.get(`/v1.0/users/${cfg.mapped.get(a)}/presence/setPresence`), a).toBe(1);
    const sets = cxone.control.calls({ since: cSince }).filter((c) => c.method === 'POST' && /\/state$/.test(c.path));
    expect(sets.map((c) => c.path.split('/').at(-2)).sort()).toEqual([...meeting].sort());
  });

  it('when a subscription is due for renewal and both replicas look then it is renewed once', { timeout: 90_000 }, async () => {
    await signInOwnerByDeviceCode(apps[0]!.url, cfg.token, cfg.connectionId, {
      upn: 'presence-owner1@contoso.com',
      password: 'Owner1-Passw0rd!',
    });
    await Promise.all(apps.map((a) => a.watching.tick()));
    expect(graph.control.subscriptions()).toHaveLength(1);
    // Sessions that never fade, so moving Graph's clock does not change what users show.
    const notInMeeting = idle().filter((a) => graph.control.getPresence(cfg.mapped.get(a)!).aggregated.activity !== 'InAMeeting');
    for (const a of notInMeeting) cxone.control.setAgentState(a, { state: 'Unavailable', outStateId: 2 });
    expect(show(await converge())).toEqual([]);
    // Each replica's reader reads now: it sees as changes what the other replica's inbox was notified
    // of. Those were delivered, so no subscription may be taken for silent and re-created. (Every
    // notification is delivered and handled first: one still in flight when the clock jumps 45 min
    // would really be late.)
    await graph.control.idle();
    await Promise.all(apps.map((a) => a.watching.drainInbox()));
    await Promise.all(apps.map((a) => a.watching.readNow(cfg.connectionId)));
    const since = graph.control.now();
    graph.control.advanceTime(45 * 60_000);
    offsetMs += 45 * 60_000;
    await Promise.all(apps.map((a) => a.watching.tick()));
    await Promise.all(apps.map((a) => a.watching.tick()));
    const patches = graph.control
      .calls({ since, pathPrefix: '/subscriptions' })
      .filter((c) => c.method === 'PATCH' && c.status < 300);
    const posts = graph.control.calls({ since, pathPrefix: '/subscriptions' }).filter((c) => c.method === 'POST');
    expect(patches).toHaveLength(1);
    expect(posts).toHaveLength(0);
    expect(graph.control.subscriptions()).toHaveLength(1);
    expect(show(mismatches(graph, cxone, cfg.mapped, clientId()))).toEqual([]);
  });
});
