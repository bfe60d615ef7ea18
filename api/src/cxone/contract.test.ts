import { describe, expect, it } from 'vitest';
import { createLogger } from '../logging.ts';
import { type CxoneClientOptions, createCxoneClient } from './client.ts';
import {
  agentStatesPageSchema,
  agentsPageSchema,
  teamsPageSchema,
  tokenResponseSchema,
  unavailableCodesSchema,
} from './schemas.ts';

/**
 * The request and response shapes the CXone client relies on, pinned. Sources:
 * [facts] /work/shared/facts/cxone.md (NICE's agent SDK nice-devone/nice-cxone-agent-sdk,
 *   developer.niceincontact.com, help.incontact.com);
 * [openapi] calljacob/nice-cxone-api, generated from NICE's OpenAPI specs
 *   (src/services/realtime/RealtimedataRealtimeService.ts).
 */

interface Seen {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

function recorder(responses: ((req: Seen) => Response | undefined)[]) {
  const seen: Seen[] = [];
  const fetchImpl = async (input: string, init: RequestInit) => {
    const req: Seen = {
      url: new URL(input),
      method: init.method ?? 'GET',
      headers: Object.fromEntries(
        Object.entries((init.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]),
      ),
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    seen.push(req);
    for (const r of responses) {
      const res = r(req);
      if (res) return res;
    }
    return new Response(JSON.stringify({ error: 'NotFound' }), { status: 404 });
  };
  return { seen, fetchImpl };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const token = (req: Seen) =>
  req.url.pathname === '/authentication/v1/token/access-key'
    ? json({ access_token: 'tok-1', token_type: 'Bearer', expires_in: 3600, refresh_token: 'r', id_token: 'i' })
    : undefined;

function client(responses: ((req: Seen) => Response | undefined)[]) {
  const r = recorder([token, ...responses]);
  const make = (more: Partial<CxoneClientOptions> = {}) =>
    createCxoneClient({
      baseUrl: 'https://api-na1.niceincontact.com',
      authUrl: 'https://na1.nice-incontact.com',
      accessKeyId: 'AKID',
      accessKeySecret: 'AKSECRET',
      logger: createLogger({ level: 'silent' }),
      fetchImpl: r.fetchImpl,
      ...more,
    });
  return { seen: r.seen, make };
}

describe('CXone contract: requests', () => {
  it('when authenticating then it POSTs {accessKeyId, accessKeySecret} as JSON to /authentication/v1/token/access-key [facts]', async () => {
    const k = client([(r) => (r.url.pathname.endsWith('/teams') ? json({ teams: [] }) : undefined)]);
    await k.make().listTeams();
    const t = k.seen[0]!;
    expect(t.url.origin).toBe('https://na1.nice-incontact.com');
    expect(t.method).toBe('POST');
    expect(t.headers['content-type']).toBe('application/json');
    expect(t.headers.accept).toBe('application/json');
    expect(t.body).toEqual({ accessKeyId: 'AKID', accessKeySecret: 'AKSECRET' });
    // Then the API call carries the bearer token on the API host [facts: REST base].
    const api = k.seen[1]!;
    expect(api.url.toString()).toBe('https://api-na1.niceincontact.com/incontactapi/services/v26.0/teams');
    expect(api.headers.authorization).toBe('Bearer tok-1');
  });

  it('when listing agents then GET /agents pages with skip and top [facts]', async () => {
    const k = client([
      (r) =>
        r.url.pathname.endsWith('/agents')
          ? json({
              totalRecords: 3,
              agents: r.url.searchParams.get('skip') === '0' ? [{ agentId: 1 }, { agentId: 2 }] : [{ agentId: 3 }],
            })
          : undefined,
    ]);
    const agents = await k.make({ pageSize: 2 }).listAgents();
    expect(agents.map((a) => a.agentId)).toEqual(['1', '2', '3']);
    const q = k.seen.filter((s) => s.url.pathname.endsWith('/agents')).map((s) => Object.fromEntries(s.url.searchParams));
    expect(q).toEqual([
      { skip: '0', top: '2' },
      { skip: '2', top: '2' },
    ]);
  });

  it('when reading unavailable codes then GET /teams/{teamId}/unavailable-codes?activeOnly=true [facts]', async () => {
    const k = client([(r) => (r.url.pathname.includes('/unavailable-codes') ? json([]) : undefined)]);
    await k.make().listUnavailableCodes('2001');
    const s = k.seen[1]!;
    expect(s.url.pathname).toBe('/incontactapi/services/v26.0/teams/2001/unavailable-codes');
    expect(s.url.searchParams.get('activeOnly')).toBe('true');
  });

  it('when polling states then GET /agents/states?updatedSince=<previous lastPollTime>; 304 keeps the cursor [facts][openapi]', async () => {
    const k = client([(r) => (r.url.pathname.endsWith('/agents/states') ? new Response(null, { status: 304 }) : undefined)]);
    const page = await k.make().getAgentStatesSince('2026-11-26T09:00:00.000Z');
    expect(page).toEqual({ states: [], cursor: '2026-11-26T09:00:00.000Z' });
    expect(k.seen[1]!.url.searchParams.get('updatedSince')).toBe('2026-11-26T09:00:00.000Z');
  });

  it('when setting a state on the admin route then POST /agents/{agentId}/state {state, outStateId} [facts]', async () => {
    const k = client([(r) => (r.url.pathname.endsWith('/state') ? json({}, 202) : undefined)]);
    await k.make().setAgentState('100001', { state: 'Unavailable', outStateId: 2 });
    await k.make().setAgentState('100001', { state: 'Available' });
    const posts = k.seen.filter((s) => s.url.pathname.endsWith('/state'));
    expect(posts.map((p) => [p.method, p.url.pathname, p.body])).toEqual([
      ['POST', '/incontactapi/services/v26.0/agents/100001/state', { state: 'Unavailable', outStateId: 2 }],
      ['POST', '/incontactapi/services/v26.0/agents/100001/state', { state: 'Available' }],
    ]);
  });

  it('when setting a state on the agent-session route then join {asAgentId} then /agent-sessions/{id}/state {state, reason} [facts]', async () => {
    const k = client([
      (r) => (r.url.pathname.endsWith('/agent-sessions/join') ? json({ sessionId: 'S1' }, 202) : undefined),
      (r) => (r.url.pathname.endsWith('/agent-sessions/S1/state') ? json({}, 202) : undefined),
      (r) => (r.url.pathname.endsWith('/agents') ? json({ agents: [{ agentId: 100001, teamId: 2001 }] }) : undefined),
      (r) =>
        r.url.pathname.endsWith('/unavailable-codes')
          ? json({ codes: [{ outStateId: 2, outStateName: 'Lunch', isAcw: false }] })
          : undefined,
    ]);
    await k.make({ stateRoute: 'agent_session' }).setAgentState('100001', { state: 'Unavailable', outStateId: 2 });
    const join = k.seen.find((s) => s.url.pathname.endsWith('/join'))!;
    expect(join.body).toEqual({ asAgentId: 100001 });
    expect(k.seen.find((s) => s.url.pathname.endsWith('/S1/state'))!.body).toEqual({ state: 'Unavailable', reason: 'Lunch' });
    expect(k.seen.some((s) => s.method === 'POST' && s.url.pathname.endsWith('/agent-sessions'))).toBe(false);
  });

  it('when a version is configured per path then only that path changes', async () => {
    const k = client([
      (r) =>
        r.url.pathname.endsWith('/teams') || r.url.pathname.endsWith('/agents/states')
          ? json({ teams: [], lastPollTime: '2026-11-26T09:00:00Z', agentStates: [] })
          : undefined,
    ]);
    const c = k.make({ versions: { listTeams: 'v31.0' } });
    await c.listTeams();
    await c.getAgentStates();
    expect(k.seen.slice(1).map((s) => s.url.pathname)).toEqual([
      '/incontactapi/services/v31.0/teams',
      '/incontactapi/services/v26.0/agents/states',
    ]);
    expect(() => k.make({ versions: { listTeams: '31' } })).toThrow(/versions\.listTeams/);
    expect(() => k.make({ versions: { nope: 'v1.0' } as never })).toThrow(/versions\.nope/);
  });
});

describe('CXone contract: responses', () => {
  it('token: {access_token, token_type, expires_in (~3600), refresh_token, id_token} [facts]', () => {
    const r = tokenResponseSchema.parse({
      access_token: 'a',
      token_type: 'Bearer',
      expires_in: 3600,
      refresh_token: 'r',
      id_token: 'i',
    });
    expect(r.expires_in).toBe(3600);
  });

  it('agents: {businessUnitId, lastPollTime, totalRecords, agents:[{agentId, userName, firstName, lastName, emailAddress, isActive, teamId,…}]} [facts]', () => {
    const r = agentsPageSchema.parse({
      businessUnitId: 4600123,
      lastPollTime: '2026-11-26T09:00:00.000Z',
      totalRecords: 1,
      _links: {},
      agents: [
        {
          agentId: 100001,
          userName: 'ava@cx',
          firstName: 'Ava',
          lastName: 'Adams',
          userID: 'guid',
          emailAddress: 'ava@contoso.com',
          isActive: true,
          teamId: 2001,
          teamName: 'Inbound Sales',
          isSupervisor: false,
          federatedId: null,
        },
      ],
    });
    expect(r.agents[0]).toMatchObject({ agentId: '100001', teamId: '2001', emailAddress: 'ava@contoso.com', isActive: true });
  });

  it('teams: {teams:[{teamId, teamName, isActive, agentCount, teamUuid}]} [facts]', () => {
    expect(
      teamsPageSchema.parse({ teams: [{ teamId: 2001, teamName: 'Sales', isActive: true, agentCount: 3, teamUuid: 'u' }] })
        .teams[0],
    ).toEqual({
      teamId: '2001',
      teamName: 'Sales',
      isActive: true,
    });
  });

  it('unavailable codes: camelCase list, PascalCase, or the older resultSet wrapper (UNCONFIRMED) all read the same [facts]', () => {
    const want = [{ outStateId: 9, outStateName: 'ACW', isActive: true, isAcw: true }];
    expect(
      unavailableCodesSchema.parse([{ outStateId: 9, outStateName: 'ACW', isActive: true, isAcw: true, agentTimeoutMins: 5 }]),
    ).toMatchObject(want);
    expect(
      unavailableCodesSchema.parse({ codes: [{ OutStateId: 9, OutStateName: 'ACW', IsActive: true, IsAcw: true }] }),
    ).toMatchObject(want);
    expect(
      unavailableCodesSchema.parse({
        resultSet: { unavailableCodes: [{ outstateid: '9', outstatename: 'ACW', isactive: 'True', isacw: 'True' }] },
      }),
    ).toMatchObject(want);
  });

  it('agent states: {lastPollTime, totalRecords, agentStates:[{agentId, agentStateId, agentStateName, outStateId, outStateDescription, isACW, contactId, isOutbound, startDate,…}]} [facts][openapi]', () => {
    const r = agentStatesPageSchema.parse({
      lastPollTime: '2026-11-26T09:00:00.000Z',
      totalRecords: 1,
      agentStates: [
        {
          agentId: 100001,
          agentStateId: 2,
          agentStateName: 'Unavailable',
          businessUnitId: 4600123,
          contactId: 0,
          isACW: false,
          isOutbound: false,
          outStateId: 2,
          outStateDescription: 'Lunch',
          skillId: null,
          startDate: '2026-11-26T08:55:00.000Z',
          teamId: 2001,
          mediaTypeName: null,
          fromAddress: null,
          toAddress: null,
        },
      ],
    });
    expect(r.agentStates[0]).toMatchObject({
      agentId: '100001',
      agentStateName: 'Unavailable',
      outStateId: '2',
      contactId: null,
      isACW: false,
    });
  });

  it('errors: {error, errorDescription} (also error_description, message) are quoted in ExternalError messages [facts]', async () => {
    const k = client([
      (r) =>
        r.url.pathname.endsWith('/state')
          ? json({ error: 'Conflict', error_description: 'ACW needs a contact' }, 409)
          : undefined,
    ]);
    await expect(k.make().setAgentState('1', { state: 'Unavailable', outStateId: 9 })).rejects.toMatchObject({
      reason: 'cxone_rejected',
      message: expect.stringContaining('Conflict: ACW needs a contact'),
    });
  });
});
