import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CxoneEmulator, startCxoneEmulator } from '../emulators/cxone/index.ts';
import { DEFAULT_APP, type GraphEmulator, startGraphEmulator } from '../emulators/graph/index.ts';
import { buildSeed, SEED_DOMAIN } from '../emulators/shared/seed.ts';
import { seedDemo } from '../scripts/demo/seed-demo.ts';
import { startTestApp, type TestApp } from './support/app.ts';

/**
 * The whole wired product, as `npm start` runs it: both emulators, the server with every part
 * started (engine, presence reader, CXone poller, bot, admin API), set up through the admin API.
 */
describe('the demo, end to end over HTTP', () => {
  const seed = buildSeed();
  let graph: GraphEmulator;
  let cxone: CxoneEmulator;
  let app: TestApp;
  let demo: Awaited<ReturnType<typeof seedDemo>>;

  beforeAll(async () => {
    graph = await startGraphEmulator({ seed, initialClientPresence: { availability: 'Available', activity: 'Available' } });
    tls.setDefaultCACertificates([...tls.getCACertificates('default'), graph.caCertPem]);
    cxone = await startCxoneEmulator({ seed });
    app = await startTestApp(
      {
        DEV_SIGN_IN: 'true',
        BOT_AUTH_DISABLED: 'true',
        GRAPH_BASE_URL: graph.graphBaseUrl,
        AUTHORITY_HOST: graph.authorityHost,
        EXTRA_CA_CERTS_FILE: graph.caCertFile,
        AAD_APP_CLIENT_ID: DEFAULT_APP.clientId,
      },
      { cxoneIntakeTickMs: 200 },
    );
    const admin = seed.users.find((u) => u.userPrincipalName === `it.admin@${SEED_DOMAIN}`)!;
    demo = await seedDemo({ app, graph, cxone, seed, admin });
  });
  afterAll(async () => {
    await app?.stop();
    await cxone?.stop();
    await graph?.stop();
  });

  const until = async <T>(what: string, probe: () => T | undefined | Promise<T | undefined>): Promise<T> => {
    for (let i = 0; i < 300; i++) {
      const v = await probe();
      if (v !== undefined) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`gave up waiting for ${what}`);
  };

  it('when set up then exact matches are mapped, ambiguous ones left for review, and the default rule exists', () => {
    expect(demo.mapped).toBe(43);
    expect(demo.ambiguous).toBe(2);
    expect(demo.ruleName).toBe('Contact center default');
  });

  it('when a CXone agent takes an inbound contact then Teams shows Busy / InACall through our presence session', async () => {
    const { agentId, userId } = demo.tourAgent;
    cxone.control.setAgentState(agentId, { state: 'Available' });
    cxone.control.startContact(agentId, 'inbound');
    const session = await until('the app session to show Busy/InACall', () => {
      const p = graph.control.getPresence(userId);
      const s = p.sessions.find((x) => x.id === DEFAULT_APP.clientId);
      return s?.availability === 'Busy' && s.activity === 'InACall' ? s : undefined;
    });
    expect(session.kind).toBe('app');
    expect(graph.control.getPresence(userId).aggregated).toMatchObject({ availability: 'Busy', activity: 'InACall' });
  });

  it('when the agent joins a Teams meeting after the contact then CXone goes Unavailable "Meeting", and it never bounces back', async () => {
    const { agentId, userId } = demo.tourAgent;
    cxone.control.endContact(agentId, { acw: false });
    cxone.control.setAgentState(agentId, { state: 'Available' });
    await until('Teams to show Available again', () => {
      const s = graph.control.getPresence(userId).sessions.find((x) => x.id === DEFAULT_APP.clientId);
      return s?.availability === 'Available' ? true : undefined;
    });
    graph.control.startMeeting(userId);
    const state = await until('CXone to show Unavailable/Meeting', () => {
      const s = cxone.control.agentState(agentId);
      return s.state === 'Unavailable' && s.outStateId === 3 ? s : undefined;
    });
    expect(state.outStateName).toBe('Meeting');
    // The CXone change we made must not be synced back to Teams as Away (the rule's Unavailable row).
    await app.engine.idle();
    const app_ = graph.control.getPresence(userId).sessions.find((x) => x.id === DEFAULT_APP.clientId);
    expect(app_?.availability).not.toBe('Away');
  });

  it('when the decisions are read through the admin API then each carries a reason code', async () => {
    const { token } = (await (
      await fetch(`${app.url}/api/dev/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ upn: `it.admin@${SEED_DOMAIN}`, tenantId: seed.tenantId }),
      })
    ).json()) as { token: string };
    const res = await fetch(`${app.url}/api/connections/${demo.connectionId}/decisions?agentId=${demo.tourAgent.agentId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: { reason: string; direction: string }[] };
    expect(body.items.some((d) => d.reason === 'applied' && d.direction === 'cxone_to_teams')).toBe(true);
    expect(body.items.some((d) => d.reason === 'applied' && d.direction === 'teams_to_cxone')).toBe(true);
  });
});
