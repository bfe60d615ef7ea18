import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInOwnerByDeviceCode } from '../../bench/lib/admin.ts';
import { describeMismatch, type FaultWorld, startFaultWorld } from './support.ts';

/**
 * Presence subscriptions with the network between Graph and our webhooks under our control (the
 * proxy): notifications held back, then delivered reordered and duplicated, dropped ones reported
 * missed, forged ones with a wrong clientState, the subscription removed or needing
 * reauthorization. Every case ends with every mapped user converged and no write the truth did not call for.
 */
describe('Graph notifications under faults', () => {
  let w: FaultWorld;
  const NOTIFY = '/api/graph/notifications';
  const settle = async () => {
    await w.graph.control.idle();
    await new Promise((r) => setTimeout(r, 300));
  };
  /** Waits until no notification has reached the proxy for a second (our own writes' echoes included). */
  const quiet = async () => {
    await w.graph.control.idle();
    for (let i = 0, n = -1; i < 50 && n !== w.proxy.calls.length; i++) {
      n = w.proxy.calls.length;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  };
  const status = async () =>
    (
      await w.api<{ webhooks: { ignoredClientState: number; ignoredUnknownSubscription: number; accepted: number } }>(
        'GET',
        '/watch/status',
      )
    ).body;
  const subscriptionIds = () => w.graph.control.subscriptions().map((s) => s.id);
  const waitFor = async (what: string, ok: () => boolean | Promise<boolean>, ms = 30_000) => {
    const deadline = Date.now() + ms;
    while (!(await ok())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const availableAgents = () =>
    w
      .idleAgents()
      .filter(
        (a) =>
          w.cxone.control.agentState(a).state === 'Available' &&
          w.graph.control.getPresence(w.cfg.mapped.get(a)!).aggregated.activity !== 'InAMeeting',
      );

  beforeAll(async () => {
    w = await startFaultWorld({ agents: 16, owners: 2, options: { presenceWatch: 'subscriptions' } });
    await signInOwnerByDeviceCode(w.app.url, w.cfg.token, w.cfg.connectionId, {
      upn: 'presence-owner1@contoso.com',
      password: 'Owner1-Passw0rd!',
    });
    await w.api('POST', '/watch/replan');
    await waitFor('one subscription', () => subscriptionIds().length === 1).catch(async (err) => {
      console.log(JSON.stringify(w.proxy.calls.map((c) => [c.path, c.status, c.body.slice(0, 200)])));
      console.log(JSON.stringify((await w.api('GET', '/watch/subscriptions')).body).slice(0, 2000));
      console.log(
        w.app.logs
          .filter((l) => (l.level as number) >= 40)
          .slice(-10)
          .map((l) => JSON.stringify(l).slice(0, 400))
          .join('\n'),
      );
      throw err;
    });
    expect(describeMismatch(await w.converge())).toEqual([]);
  });
  afterAll(async () => w?.stop());

  it('when notifications arrive reordered and duplicated then the stale one is ignored and each change is written once', async () => {
    const [a, b] = availableAgents();
    const ua = w.cfg.mapped.get(a!)!;
    const ub = w.cfg.mapped.get(b!)!;
    await quiet();
    const since = w.cxone.control.now();
    w.proxy.held = [];
    w.proxy.holdWhen = (path) => path === NOTIFY;
    w.graph.control.startMeeting(ua);
    await settle();
    w.graph.control.endMeeting(ua);
    await settle();
    w.graph.control.startMeeting(ub);
    await settle();
    w.proxy.holdWhen = null;
    expect(w.proxy.held.length).toBeGreaterThanOrEqual(3);
    // Newest first, each twice: every stale notification arrives after a newer one for the same user.
    const reversed = [...w.proxy.held].reverse();
    const statuses = await w.proxy.release([...reversed, ...reversed]);
    expect(statuses.every((s) => s === 202)).toBe(true);
    expect(describeMismatch(await w.converge())).toEqual([]);
    const writes = w.cxoneWrites(since);
    expect(writes.get(a!)).toBeUndefined(); // the meeting had ended: nothing to set
    expect(writes.get(b!)).toEqual({ ok: 1, failed: 0 });
    expect(w.cxone.control.agentState(b!)).toMatchObject({ state: 'Unavailable', outStateId: 3 });
    expect(w.cxone.control.agentState(a!).state).toBe('Available');
  });

  it('when a notification is forged with a wrong clientState then it is refused and nothing changes', async () => {
    const [c] = availableAgents();
    const uc = w.cfg.mapped.get(c!)!;
    await quiet();
    w.proxy.held = [];
    w.proxy.holdWhen = (path) => path === NOTIFY;
    w.graph.control.startMeeting(uc);
    await settle();
    w.graph.control.endMeeting(uc);
    await settle();
    w.proxy.holdWhen = null;
    const [real] = w.proxy.held;
    expect(real).toBeDefined();
    const body = JSON.parse(real!.body) as { value: Record<string, unknown>[] };
    const forged = JSON.stringify({ ...body, value: body.value.map((n) => ({ ...n, clientState: 'not-the-secret' })) });
    const unknown = JSON.stringify({
      ...body,
      value: body.value.map((n) => ({ ...n, subscriptionId: '00000000-0000-4000-8000-000000000000' })),
    });
    const before = await status();
    const since = w.cxone.control.now();
    const statuses = await w.proxy.release([
      { ...real!, body: forged },
      { ...real!, body: unknown },
    ]);
    expect(statuses).toEqual([202, 202]);
    const after = await status();
    expect(after.webhooks.ignoredClientState - before.webhooks.ignoredClientState).toBe(body.value.length);
    expect(after.webhooks.ignoredUnknownSubscription - before.webhooks.ignoredUnknownSubscription).toBe(body.value.length);
    expect(after.webhooks.accepted).toBe(before.webhooks.accepted);
    await new Promise((r) => setTimeout(r, 500));
    expect(w.cxoneWrites(since).size).toBe(0);
    expect(w.cxone.control.agentState(c!).state).toBe('Available');
    expect(describeMismatch(w.mismatches())).toEqual([]);
  });

  it('when notifications are lost and Graph reports them missed then a read catches the change up', async () => {
    const [d] = availableAgents();
    w.proxy.holdWhen = (path) => path === NOTIFY; // dropped: never released
    w.graph.control.startMeeting(w.cfg.mapped.get(d!)!);
    await settle();
    w.proxy.holdWhen = null;
    w.proxy.held = [];
    await w.graph.control.sendLifecycle(subscriptionIds()[0]!, 'missed');
    expect(describeMismatch(await w.converge())).toEqual([]);
    expect(w.cxone.control.agentState(d!)).toMatchObject({ state: 'Unavailable', outStateId: 3 });
  });

  it('when reauthorization is required then the same subscription is renewed, not duplicated', async () => {
    const [id] = subscriptionIds();
    const before = w.graph.control.subscriptions()[0]!.expirationDateTime;
    w.graph.control.advanceTime(60_000);
    await w.graph.control.sendLifecycle(id!, 'reauthorizationRequired');
    await waitFor('the renewal', () => w.graph.control.subscriptions()[0]?.expirationDateTime !== before);
    expect(subscriptionIds()).toEqual([id]);
    const [e] = availableAgents();
    w.graph.control.startMeeting(w.cfg.mapped.get(e!)!);
    expect(describeMismatch(await w.converge())).toEqual([]);
  });

  it('when the subscription is removed then exactly one new one replaces it and notifications flow again', async () => {
    const [old] = subscriptionIds();
    await w.graph.control.removeSubscription(old!);
    await waitFor('a replacement subscription', () => subscriptionIds().length === 1 && subscriptionIds()[0] !== old, 60_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(subscriptionIds()).toHaveLength(1);
    const [f] = availableAgents();
    const since = w.cxone.control.now();
    w.graph.control.startMeeting(w.cfg.mapped.get(f!)!);
    expect(describeMismatch(await w.converge())).toEqual([]);
    expect(w.cxoneWrites(since).get(f!)).toEqual({ ok: 1, failed: 0 });
  });
});
