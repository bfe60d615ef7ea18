import type { Server } from 'restify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAgentStateGate } from '../../api/src/cxone/order-gate.ts';
import { createCxonePoller } from '../../api/src/cxone/poller.ts';
import { CXONE_PUSH_PATH, registerCxonePushRoute } from '../../api/src/cxone/push-route.ts';
import type { AgentStateSnapshot } from '../../api/src/domain/cxone.ts';
import { createHttpServer, listen } from '../../api/src/http/server.ts';
import { cxoneRig } from './helpers.ts';

type Rig = Awaited<ReturnType<typeof cxoneRig>>;
const CONNECTION = '3f6b1c2e-0d4a-4f5e-9a7b-1c2d3e4f5a6b';
const SECRET = 'push-secret-0123456789abcdef';

describe('CXone push endpoint (POST /api/cxone/events)', () => {
  let rig: Rig;
  let server: Server;
  let url: string;
  const received: { connectionId: string; states: AgentStateSnapshot[] }[] = [];
  const flat = () => received.flatMap((r) => r.states);

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}${CXONE_PUSH_PATH}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${SECRET}`,
        'x-connection-id': CONNECTION,
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const event = (agentId: string, startDate: string, extra: Record<string, unknown> = {}) => ({
    agentId: Number(agentId),
    agentStateName: 'Available',
    startDate,
    ...extra,
  });

  beforeAll(async () => {
    rig = await cxoneRig({ agents: 12 });
    server = createHttpServer({ logger: rig.logger });
    registerCxonePushRoute(server, {
      resolve: async (id) =>
        id === CONNECTION ? { pushSecret: SECRET, agentToAgentStates: ['InboundConsult', 'OutboundConsult'] } : null,
      onStates: (connectionId, states) => {
        received.push({ connectionId, states });
      },
      logger: rig.logger,
      maxBodyBytes: 64 * 1024,
    });
    const port = await listen(server, 0, '127.0.0.1');
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await rig?.emu.stop();
    await new Promise<void>((r) => server.close(() => r()));
  });
  beforeEach(() => {
    received.length = 0;
  });

  it('when the emulator pushes state changes then they arrive in order, mapped to snapshots', async () => {
    rig.emu.control.configurePush({ url: `${url}${CXONE_PUSH_PATH}`, secret: SECRET, connectionId: CONNECTION });
    const agentId = rig.emu.seed.agents[0]!.agentId;
    rig.emu.control.startContact(agentId, 'inbound');
    rig.emu.control.endContact(agentId, { acw: true });
    rig.emu.control.endContact(agentId);
    rig.emu.control.startContact(agentId, 'inbound', { agentToAgent: true });
    await rig.emu.control.flushPush();
    rig.emu.control.configurePush(null);
    expect(received.every((r) => r.connectionId === CONNECTION)).toBe(true);
    expect(flat().map((s) => [s.state, s.isAcw, s.agentToAgent])).toEqual([
      ['InboundContact', false, false],
      ['Unavailable', true, false],
      ['Available', false, false],
      ['InboundConsult', false, true],
    ]);
    const pushes = rig.emu.control.calls().filter((c) => c.method === 'PUSH');
    expect(pushes.length).toBeGreaterThan(0);
    expect(pushes.every((c) => c.status === 202)).toBe(true);
  });

  it('when the secret is wrong or missing, or the connection unknown, then 401 and nothing is delivered', async () => {
    const body = { events: [event('100001', '2026-11-26T09:00:00.000Z')] };
    expect((await post(body, { authorization: 'Bearer wrong-secret' })).status).toBe(401);
    expect((await post(body, { authorization: '' })).status).toBe(401);
    expect((await post(body, { 'x-connection-id': '' })).status).toBe(401);
    expect((await post(body, { 'x-connection-id': '00000000-0000-4000-8000-000000000000' })).status).toBe(401);
    const res = await post(body, { authorization: 'Basic abc' });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'unauthorized' } });
    expect(received).toEqual([]);
    expect(rig.logs.raw()).not.toContain(SECRET);
  });

  it('when the body is malformed then 400 names the field and nothing is delivered', async () => {
    const res = await post({ events: [{ agentId: 100001, agentStateName: 'Available', startDate: 'yesterday' }] });
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: { code: string; message: string } };
    expect(json.error.code).toBe('validation_failed');
    expect(json.error.message).toContain('events.0.startDate');
    const empty = await post({ events: [] });
    expect(((await empty.json()) as { error: { message: string } }).error.message).toContain('events');
    const missing = await post({ events: [{ agentId: 100001, startDate: '2026-11-26T09:00:00Z' }] });
    expect(((await missing.json()) as { error: { message: string } }).error.message).toContain('events.0.agentStateName');
    expect(received).toEqual([]);
  });

  it('when the body is too large then 413', async () => {
    const events = Array.from({ length: 900 }, (_, i) =>
      event(String(100001 + (i % 12)), '2026-11-26T09:00:00.000Z', { outStateDescription: 'x'.repeat(100) }),
    );
    const res = await post({ events });
    expect(res.status).toBe(413);
    expect(received).toEqual([]);
  });

  it('when an older or repeated state arrives then it is dropped (per-agent ordering)', async () => {
    const agent = '100005';
    const newer = event(agent, '2026-11-26T10:00:05.000Z', { agentStateName: 'Unavailable', outStateId: 2, sequence: 11 });
    const older = event(agent, '2026-11-26T10:00:01.000Z', { sequence: 10 });
    const r1 = await post({ events: [newer] });
    expect(r1.status).toBe(202);
    expect(await r1.json()).toEqual({ accepted: 1, dropped: 0 });
    expect(await (await post({ events: [older, newer] })).json()).toEqual({ accepted: 0, dropped: 2 });
    const sameTimeLaterSeq = event(agent, '2026-11-26T10:00:05.000Z', { sequence: 12 });
    expect(await (await post({ events: [sameTimeLaterSeq] })).json()).toEqual({ accepted: 1, dropped: 0 });
    expect(flat().map((s) => s.state)).toEqual(['Unavailable', 'Available']);
  });

  it('when delivery fails then 500, and the sender retry is accepted rather than dropped as a repeat', async () => {
    const failing = createHttpServer({ logger: rig.logger });
    let fail = true;
    const got: AgentStateSnapshot[] = [];
    registerCxonePushRoute(failing, {
      resolve: async () => ({ pushSecret: SECRET }),
      onStates: (_c, states) => {
        if (fail) throw new Error('inbox unavailable');
        got.push(...states);
      },
      logger: rig.logger,
    });
    const port = await listen(failing, 0, '127.0.0.1');
    try {
      const send = () =>
        fetch(`http://127.0.0.1:${port}${CXONE_PUSH_PATH}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}`, 'x-connection-id': CONNECTION },
          body: JSON.stringify({ events: [event('100002', '2026-11-26T11:00:00.000Z', { sequence: 1 })] }),
        });
      expect((await send()).status).toBe(500);
      fail = false;
      expect((await send()).status).toBe(202);
      expect(got.map((s) => s.agentId)).toEqual(['100002']);
    } finally {
      await new Promise<void>((r) => failing.close(() => r()));
    }
  });

  it('when the emulator both pushes and is polled through one shared gate then each change is delivered once', async () => {
    const gate = createAgentStateGate();
    const shared = createHttpServer({ logger: rig.logger });
    const got: string[] = [];
    const record = (source: string) => (states: AgentStateSnapshot[]) => {
      for (const s of states) got.push(`${source}:${s.agentId}:${s.state}`);
    };
    registerCxonePushRoute(shared, {
      resolve: async () => ({ pushSecret: SECRET }),
      gateFor: () => gate,
      onStates: (_c, states) => record('push')(states),
      logger: rig.logger,
    });
    const port = await listen(shared, 0, '127.0.0.1');
    const memory = new Map<string, string>();
    const poller = createCxonePoller({
      client: rig.makeClient(),
      cursorStore: {
        get: async (c, n) => memory.get(`${c}/${n}`) ?? null,
        set: async (c, n, v) => void memory.set(`${c}/${n}`, v),
      },
      connectionId: CONNECTION,
      gate,
      onStates: record('poll'),
      logger: rig.logger,
    });
    try {
      await poller.pollOnce();
      got.length = 0;
      rig.emu.control.configurePush({
        url: `http://127.0.0.1:${port}${CXONE_PUSH_PATH}`,
        secret: SECRET,
        connectionId: CONNECTION,
      });
      const agentId = rig.emu.seed.agents[9]!.agentId;
      rig.emu.control.startContact(agentId, 'outbound');
      await rig.emu.control.flushPush();
      await poller.pollOnce();
      expect(got).toEqual([`push:${agentId}:OutboundContact`]);
    } finally {
      rig.emu.control.configurePush(null);
      await new Promise<void>((r) => shared.close(() => r()));
    }
  });

  it('when poll and push share a gate then a state seen by one is not delivered again by the other', () => {
    const gate = createAgentStateGate();
    const s: AgentStateSnapshot = {
      agentId: '1',
      state: 'Available',
      outStateId: null,
      outStateName: null,
      isAcw: false,
      contactId: null,
      isOutbound: false,
      agentToAgent: false,
      startTime: '2026-11-26T10:00:00.000Z',
    };
    expect(gate.admit(s, 4)).toBe(true);
    expect(gate.admit(s)).toBe(false);
    expect(gate.admit({ ...s, startTime: '2026-11-26T10:00:01.000Z', state: 'Unavailable' })).toBe(true);
  });
});
