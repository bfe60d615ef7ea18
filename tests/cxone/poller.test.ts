import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CXONE_STATES_CURSOR, createDbCursorStore } from '../../api/src/cxone/cursor-store.ts';
import { createCxonePoller } from '../../api/src/cxone/poller.ts';
import type { AgentStateSnapshot } from '../../api/src/domain/cxone.ts';
import type { Notice } from '../../api/src/domain/ports.ts';
import type { Storage } from '../../api/src/storage/db.ts';
import { connections } from '../../api/src/storage/schema.ts';
import { defaultBackend, openTestStorage } from '../support/db.ts';
import { cxoneRig } from './helpers.ts';

type Rig = Awaited<ReturnType<typeof cxoneRig>>;

describe('CXone poller with a persisted cursor', () => {
  let storage: Storage;
  let rig: Rig;
  let connectionId: string;
  const notices: Notice[] = [];
  const received: AgentStateSnapshot[] = [];

  const makePoller = (client = rig.makeClient()) =>
    createCxonePoller({
      client,
      cursorStore: createDbCursorStore(storage.db),
      connectionId,
      intervalMs: 2_000,
      onStates: (s) => {
        received.push(...s);
      },
      logger: rig.logger,
      clock: { now: () => rig.time.t },
      notices: { notify: (n) => notices.push(n) },
    });

  beforeAll(async () => {
    storage = await openTestStorage(defaultBackend());
    rig = await cxoneRig({ agents: 12 });
    const [row] = await storage.db
      .insert(connections)
      .values({ name: 'poll test', tenantId: 't1', azureClientId: 'c1', cxoneBaseUrl: rig.emu.baseUrl, cxoneAccessKeyId: 'k' })
      .returning({ id: connections.id });
    connectionId = row!.id;
  });
  afterAll(async () => {
    await rig?.emu.stop();
    await storage?.close();
  });
  beforeEach(() => {
    received.length = 0;
    notices.length = 0;
    rig.emu.control.clearFaults();
    rig.emu.control.restoreKey();
  });

  it('when restarted then it resumes from the stored cursor: nothing missed, nothing repeated', async () => {
    const [a, b, c] = rig.emu.seed.agents.map((x) => x.agentId);
    const first = makePoller();
    const r1 = await first.pollOnce();
    expect(r1).toMatchObject({ ok: true, delivered: 12 });
    expect(await createDbCursorStore(storage.db).get(connectionId, CXONE_STATES_CURSOR)).toBe(r1.cursor);
    await first.stop();
    received.length = 0;

    // While "down": three changes, one agent twice.
    rig.time.t += 5_000;
    rig.emu.control.startContact(a!, 'inbound');
    rig.emu.control.setAgentState(b!, { state: 'Unavailable', outStateId: 2 });
    rig.time.t += 1_000;
    rig.emu.control.endContact(a!, { acw: true });

    const second = makePoller(rig.makeClient()); // a new process: new client, new gate
    const r2 = await second.pollOnce();
    expect(r2.ok).toBe(true);
    expect(received.map((s) => `${s.agentId}:${s.state}${s.isAcw ? '/acw' : ''}`).sort()).toEqual(
      [`${a}:Unavailable/acw`, `${b}:Unavailable`].sort(),
    );
    received.length = 0;
    expect(await second.pollOnce()).toMatchObject({ ok: true, delivered: 0 });
    rig.emu.control.setAgentState(c!, { state: 'Available' });
    await second.pollOnce();
    expect(received.map((s) => s.agentId)).toEqual([c]);
    await second.stop();
  });

  it('when CXone is down then the outage is reported once, and on return it heals and catches up', async () => {
    const poller = makePoller();
    await poller.pollOnce();
    received.length = 0;
    const agentId = rig.emu.seed.agents[3]!.agentId;
    rig.emu.control.injectFault({ kind: 'outage', forMs: 10_000 });
    rig.emu.control.setAgentState(agentId, { state: 'Available' });
    const down1 = await poller.pollOnce();
    const down2 = await poller.pollOnce();
    expect(down1.ok).toBe(false);
    expect(down2.error?.reason).toBe('cxone_unreachable');
    expect(notices).toEqual([
      expect.objectContaining({ kind: 'fault', fault: 'cxone_unreachable', connectionId, key: `cxone:${connectionId}` }),
    ]);
    expect(poller.fault()).toBe('cxone_unreachable');
    rig.emu.control.advanceTime(10_001);
    const up = await poller.pollOnce();
    expect(up).toMatchObject({ ok: true, delivered: 1 });
    expect(received[0]).toMatchObject({ agentId, state: 'Available' });
    expect(notices.at(-1)).toMatchObject({ kind: 'fault_healed', fault: 'cxone_unreachable', connectionId });
    expect(poller.fault()).toBeNull();
  });

  it('when the access key is revoked then the key rejection is reported and healed when restored', async () => {
    const poller = makePoller();
    await poller.pollOnce();
    rig.emu.control.revokeKey();
    rig.emu.control.advanceTime(3_601_000); // the cached token expires too
    expect((await poller.pollOnce()).ok).toBe(false);
    expect(notices).toEqual([expect.objectContaining({ kind: 'fault', fault: 'cxone_key_rejected' })]);
    rig.emu.control.restoreKey();
    expect((await poller.pollOnce()).ok).toBe(true);
    expect(notices.at(-1)).toMatchObject({ kind: 'fault_healed', fault: 'cxone_key_rejected' });
  });

  it('when started then it polls on its own until stopped', async () => {
    const poller = makePoller();
    const agentId = rig.emu.seed.agents[4]!.agentId;
    await poller.pollOnce();
    received.length = 0;
    rig.emu.control.setAgentState(agentId, { state: 'Unavailable', outStateId: 4 });
    poller.start();
    await vi.waitFor(() => expect(received.map((s) => s.agentId)).toContain(agentId), { timeout: 10_000 });
    await poller.stop();
  });

  it('when CXone answers slowly then polls still start one interval apart, not interval + answer time', async () => {
    const starts: number[] = [];
    const real = rig.makeClient();
    const slow = {
      getAgentStatesSince: async (cursor: string | null) => {
        starts.push(performance.now());
        await new Promise((r) => setTimeout(r, 150));
        return real.getAgentStatesSince(cursor);
      },
    };
    const poller = createCxonePoller({
      client: slow,
      cursorStore: createDbCursorStore(storage.db),
      connectionId,
      intervalMs: 300,
      onStates: () => {},
      logger: rig.logger,
    });
    poller.start();
    await vi.waitFor(() => expect(starts.length).toBeGreaterThanOrEqual(5), { timeout: 10_000 });
    await poller.stop();
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    // Fixed rate: ~300 ms apart. Scheduling after each answer would make every gap ≥ 450 ms.
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(290);
    expect(gaps.filter((g) => g < 440).length).toBeGreaterThanOrEqual(gaps.length - 1);
  });

  it('when delivering fails then the cursor stays and the same states come again next poll', async () => {
    const ok = makePoller();
    await ok.pollOnce();
    received.length = 0;
    const agentId = rig.emu.seed.agents[6]!.agentId;
    rig.emu.control.setAgentState(agentId, { state: 'Unavailable', outStateId: 5 });
    let fail = true;
    const flaky = createCxonePoller({
      client: rig.makeClient(),
      cursorStore: createDbCursorStore(storage.db),
      connectionId,
      onStates: (s) => {
        if (fail) throw new Error('engine busy');
        received.push(...s);
      },
      logger: rig.logger,
    });
    await expect(flaky.pollOnce()).rejects.toThrow('engine busy');
    fail = false;
    await flaky.pollOnce();
    expect(received.map((s) => [s.agentId, s.outStateId])).toEqual([[agentId, 5]]);
  });

  it('when CXone refuses the stored cursor (400) then it falls back to one full read', async () => {
    await createDbCursorStore(storage.db).set(connectionId, CXONE_STATES_CURSOR, 'not-a-time');
    const poller = makePoller();
    const r = await poller.pollOnce();
    expect(r).toMatchObject({ ok: true, delivered: 12 });
    expect(r.cursor).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(notices).toEqual([]);
  });

  it('when the interval is out of range then creating the poller fails naming intervalMs', () => {
    expect(() =>
      createCxonePoller({
        client: rig.client,
        cursorStore: createDbCursorStore(storage.db),
        connectionId,
        intervalMs: 5,
        onStates: () => {},
        logger: rig.logger,
      }),
    ).toThrow(/intervalMs/);
  });
});
