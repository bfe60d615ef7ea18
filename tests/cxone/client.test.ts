import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExternalError } from '../../api/src/domain/reasons.ts';
import { cxoneRig } from './helpers.ts';

type Rig = Awaited<ReturnType<typeof cxoneRig>>;

async function failure(p: Promise<unknown>): Promise<ExternalError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ExternalError);
    return err as ExternalError;
  }
  throw new Error('expected the call to fail');
}

describe('CXone client against the emulator', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await cxoneRig();
  });
  afterAll(async () => rig?.emu.stop());
  beforeEach(() => {
    rig.emu.control.clearFaults();
    rig.emu.control.restoreKey();
    rig.emu.control.setCodeListStyle('modern');
    rig.emu.control.resetCalls();
    rig.sleeps.length = 0;
  });

  it('when listing agents then it authenticates once and pages with skip/top', async () => {
    const client = rig.makeClient({ pageSize: 10 });
    const agents = await client.listAgents();
    expect(agents).toHaveLength(24);
    const seedAgent = rig.emu.seed.agents[0]!;
    expect(agents[0]).toEqual({
      agentId: seedAgent.agentId,
      userName: seedAgent.userName,
      firstName: seedAgent.firstName,
      lastName: seedAgent.lastName,
      email: seedAgent.emailAddress,
      teamId: seedAgent.teamId,
      teamName: expect.any(String),
      isActive: true,
    });
    expect(agents.find((a) => a.agentId === rig.emu.seed.agents[5]!.agentId)?.email).toBeNull();
    const calls = rig.emu.control.calls();
    expect(calls.filter((c) => c.path.includes('/token/')).length).toBe(1);
    expect(calls.filter((c) => c.path.endsWith('/agents')).map((c) => c.query.skip)).toEqual(['0', '10', '20']);
  });

  it('when listing teams and unavailable codes then both casings and the resultSet wrapper read the same', async () => {
    const teams = await rig.client.listTeams();
    expect(teams.map((t) => t.teamId)).toEqual(rig.emu.seed.teams.map((t) => t.teamId));
    const modern = await rig.client.listUnavailableCodes(teams[0]!.teamId);
    rig.emu.control.setCodeListStyle('legacy');
    const legacy = await rig.client.listUnavailableCodes(teams[0]!.teamId);
    expect(legacy).toEqual(modern);
    expect(modern.find((c) => c.isAcw)).toEqual({ outStateId: 9, name: 'ACW', isActive: true, isAcw: true });
    expect(modern.filter((c) => !c.isAcw)).toHaveLength(6);
  });

  it('when the token nears expiry then it is refreshed before it expires, without a 401', async () => {
    const client = rig.makeClient();
    await client.listTeams();
    rig.time.t += 3600_000 - 60_000; // both clocks: a minute before expiry (inside the refresh margin)
    await client.listTeams();
    const calls = rig.emu.control.calls();
    expect(calls.filter((c) => c.path.includes('/token/')).length).toBe(2);
    expect(calls.some((c) => c.status === 401)).toBe(false);
  });

  it('when CXone says the token expired (401) then the client gets a new one and retries once', async () => {
    const client = rig.makeClient();
    await client.listTeams();
    rig.emu.control.advanceTime(3601_000); // only CXone's clock: the client still trusts its token
    await client.listTeams();
    const calls = rig.emu.control.calls().map((c) => `${c.method} ${c.path.replace(/.*services\/v[\d.]+/, '')} ${c.status}`);
    expect(calls.slice(-3)).toEqual(['GET /teams 401', 'POST /authentication/v1/token/access-key 200', 'GET /teams 200']);
  });

  it('when every request is 401 then it retries exactly once and names the access-key problem', async () => {
    const client = rig.makeClient();
    rig.emu.control.injectFault({ kind: 'unauthorized' });
    const err = await failure(client.listTeams());
    expect(err.reason).toBe('permission_missing');
    expect(err.extra).toMatchObject({ service: 'cxone', status: 401, permission: 'Teams > View' });
    expect(rig.emu.control.calls({ pathPrefix: '/teams' }).length).toBe(2);
  });

  it('when the access key is revoked then the failure names the key and never shows the secret', async () => {
    const client = rig.makeClient();
    rig.emu.control.revokeKey();
    const err = await failure(client.listTeams());
    expect(err.reason).toBe('permission_missing');
    expect(err.extra.status).toBe(401);
    expect(err.extra.permission).toMatch(/access key/);
    expect(err.message).not.toContain(rig.emu.accessKey.secret);
    expect(rig.logs.raw()).not.toContain(rig.emu.accessKey.secret);
    const tokenCall = rig.emu.control.calls({ pathPrefix: '/authentication' })[0]!;
    expect(tokenCall.body).toMatchObject({ accessKeyId: rig.emu.accessKey.id, accessKeySecret: '[redacted]' });
  });

  it('when CXone answers 403 then the error names the permission the call needs', async () => {
    rig.emu.control.injectFault({ kind: 'forbidden', pathPrefix: '/agents/states' });
    const err = await failure(rig.client.getAgentStates());
    expect(err.reason).toBe('permission_missing');
    expect(err.extra.status).toBe(403);
    expect(err.extra.permission).toBe('Real-time data > Agent states (View)');
    expect(err.message).toContain('Real-time data > Agent states (View)');
  });

  it('when throttled with Retry-After then it waits at least that long and then succeeds', async () => {
    await rig.client.listTeams(); // token first, so the counted fault hits the API call
    rig.emu.control.injectFault({ kind: 'throttle', requests: 2, retryAfterSec: 3 });
    const teams = await rig.client.listTeams();
    expect(teams.length).toBeGreaterThan(0);
    expect(rig.sleeps).toHaveLength(2);
    for (const ms of rig.sleeps) expect(ms).toBeGreaterThanOrEqual(3000);
  });

  it('when throttled without Retry-After until retries run out then it fails as throttled after jittered backoff', async () => {
    await rig.client.listTeams();
    rig.emu.control.injectFault({ kind: 'throttle' });
    const err = await failure(rig.client.listTeams());
    expect(err.reason).toBe('throttled');
    expect(err.extra.status).toBe(429);
    expect(rig.sleeps).toHaveLength(3);
    expect(rig.sleeps[0]!).toBeLessThan(rig.sleeps[2]!);
    expect(rig.emu.control.calls({ pathPrefix: '/teams' }).filter((c) => c.status === 429)).toHaveLength(4);
  });

  it('when Retry-After is longer than the client will wait then it fails at once as throttled, carrying the wait', async () => {
    await rig.client.listTeams();
    rig.emu.control.injectFault({ kind: 'throttle', retryAfterSec: 120 });
    const err = await failure(rig.client.listTeams());
    expect(err.reason).toBe('throttled');
    expect(err.extra.retryAfterMs).toBe(120_000);
    expect(rig.sleeps).toEqual([]);
  });

  it('when CXone answers 500 twice then the call is retried and succeeds', async () => {
    await rig.client.listTeams();
    rig.emu.control.injectFault({ kind: 'server_error', requests: 2 });
    await rig.client.listTeams();
    expect(rig.emu.control.calls({ pathPrefix: '/teams' }).map((c) => c.status)).toEqual([200, 500, 500, 200]);
  });

  it('when CXone keeps failing with 5xx then the error is cxone_unreachable with the status', async () => {
    await rig.client.listTeams();
    rig.emu.control.injectFault({ kind: 'server_error', status: 503 });
    const err = await failure(rig.client.listTeams());
    expect(err.reason).toBe('cxone_unreachable');
    expect(err.extra.status).toBe(503);
  });

  it('when CXone is down (connections dropped) then the error is cxone_unreachable', async () => {
    rig.emu.control.injectFault({ kind: 'outage' });
    const err = await failure(rig.makeClient().listTeams());
    expect(err.reason).toBe('cxone_unreachable');
    expect(err.extra.service).toBe('cxone');
  });

  it('when CXone is too slow then the request times out as cxone_unreachable', async () => {
    const client = rig.makeClient({ timeoutMs: 100, retry: { retries: 0 } });
    rig.emu.control.injectFault({ kind: 'slow', delayMs: 600 });
    const err = await failure(client.listTeams());
    expect(err.reason).toBe('cxone_unreachable');
    expect(err.message).toContain('timed out');
  });

  it('when CXone returns a wrong-shaped body then the error names the field', async () => {
    rig.emu.control.injectFault({ kind: 'bad_payload', pathPrefix: '/agents/states' });
    const err = await failure(rig.client.getAgentStates());
    expect(err.reason).toBe('cxone_unreachable');
    expect(err.message).toContain('lastPollTime');
    expect(err.message).toContain('agentStates.0.agentStateName');
  });

  it('when the teams list is not a list then the error names teams', async () => {
    rig.emu.control.injectFault({ kind: 'bad_payload', pathPrefix: '/teams', body: { teams: [{ teamId: 1 }] } });
    const err = await failure(rig.client.listTeams());
    expect(err.message).toContain('teams.0.teamName');
  });
});

describe('CXone agent states and writes against the emulator', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await cxoneRig();
  });
  afterAll(async () => rig?.emu.stop());
  const agentId = () => rig.emu.seed.agents[0]!.agentId;

  it('when reading states since a cursor then only changes come back, and 304 means nothing changed', async () => {
    const full = await rig.client.getAgentStatesSince(null);
    expect(full.states).toHaveLength(24);
    expect(full.cursor).toBe(new Date(rig.time.t).toISOString());
    const none = await rig.client.getAgentStatesSince(full.cursor);
    expect(none).toEqual({ states: [], cursor: full.cursor });
    expect(rig.emu.control.calls({ pathPrefix: '/agents/states' }).at(-1)?.status).toBe(304);
    rig.emu.control.startContact(agentId(), 'inbound');
    const one = await rig.client.getAgentStatesSince(full.cursor);
    expect(one.states).toEqual([
      expect.objectContaining({
        agentId: agentId(),
        state: 'InboundContact',
        isOutbound: false,
        agentToAgent: false,
        isAcw: false,
      }),
    ]);
    expect(one.states[0]!.contactId).toMatch(/^\d+$/);
    rig.emu.control.endContact(agentId(), { acw: true });
    const acw = await rig.client.getAgentStatesSince(one.cursor);
    expect(acw.states[0]).toMatchObject({ state: 'Unavailable', isAcw: true, outStateId: 9, outStateName: 'ACW' });
    rig.emu.control.endContact(agentId());
  });

  it('when states span several pages then all are read and the first lastPollTime is the cursor', async () => {
    rig.emu.control.resetCalls();
    const page = await rig.makeClient({ pageSize: 10 }).getAgentStatesSince(null);
    expect(new Set(page.states.map((s) => s.agentId)).size).toBe(24);
    expect(rig.emu.control.calls({ pathPrefix: '/agents/states' }).map((c) => c.query.skip)).toEqual(['0', '10', '20']);
  });

  it('when an agent consults another agent then the state is flagged agent-to-agent (configurable)', async () => {
    const start = await rig.client.getAgentStatesSince(null);
    rig.emu.control.startContact(agentId(), 'outbound', { agentToAgent: true });
    const page = await rig.client.getAgentStatesSince(start.cursor);
    expect(page.states[0]).toMatchObject({ state: 'OutboundConsult', agentToAgent: true, isOutbound: true });
    const strict = rig.makeClient({ agentToAgentStates: [] });
    expect((await strict.getAgentStates()).find((s) => s.agentId === agentId())?.agentToAgent).toBe(false);
    rig.emu.control.endContact(agentId());
  });

  it('when setting Available or an unavailable code then CXone shows it', async () => {
    await rig.client.setAgentState(agentId(), { state: 'Unavailable', outStateId: 2 });
    expect(rig.emu.control.agentState(agentId())).toMatchObject({ state: 'Unavailable', outStateId: 2, outStateName: 'Lunch' });
    await rig.client.setAgentState(agentId(), { state: 'Available' });
    expect(rig.emu.control.agentState(agentId()).state).toBe('Available');
    const body = rig.emu.control.calls({ pathPrefix: `/agents/${agentId()}/state` }).map((c) => c.body);
    expect(body).toEqual([{ state: 'Unavailable', outStateId: 2 }, { state: 'Available' }]);
  });

  it('when setting an ACW code outside a contact then CXone refuses (409) and the client reports cxone_rejected', async () => {
    const err = await failure(rig.client.setAgentState(agentId(), { state: 'Unavailable', outStateId: 9 }));
    expect(err.reason).toBe('cxone_rejected');
    expect(err.extra.status).toBe(409);
    expect(err.message).toMatch(/after-call-work/);
    expect(rig.emu.control.agentState(agentId()).state).toBe('Available');
  });

  it('when the agent is unknown or the target is malformed then the error says so', async () => {
    const unknown = await failure(rig.client.setAgentState('999999', { state: 'Available' }));
    expect(unknown).toMatchObject({ reason: 'cxone_rejected', extra: { status: 404 } });
    const bad = await failure(rig.client.setAgentState(agentId(), { state: 'Unavailable' } as never));
    expect(bad.reason).toBe('cxone_rejected');
    expect(bad.message).toContain('target.outStateId');
    const wrong = await failure(rig.client.setAgentState(agentId(), { state: 'InboundContact' } as never));
    expect(wrong.message).toContain('target.state');
  });

  it('when using the agent-session route then it joins once and sets the state by code name', async () => {
    const client = rig.makeClient({ stateRoute: 'agent_session' });
    const other = rig.emu.seed.agents[1]!.agentId;
    await client.setAgentState(other, { state: 'Unavailable', outStateId: 3 });
    await client.setAgentState(other, { state: 'Available' });
    expect(rig.emu.control.agentState(other).state).toBe('Available');
    const calls = rig.emu.control.calls({ pathPrefix: '/agent-sessions' });
    expect(calls.filter((c) => c.path.endsWith('/join'))).toHaveLength(1);
    expect(calls.find((c) => c.path.endsWith('/join'))?.body).toEqual({ asAgentId: Number(other) });
    expect(calls.filter((c) => c.path.endsWith('/state')).map((c) => c.body)).toEqual([
      { state: 'Unavailable', reason: 'Meeting' },
      { state: 'Available' },
    ]);
  });
});
