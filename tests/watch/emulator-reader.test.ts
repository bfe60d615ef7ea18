import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncEvent } from '../../api/src/domain/ports.ts';
import { signInThroughBrowser, startWatchStack, type WatchStack } from './emulator-support.ts';

const presenceCalls = (s: WatchStack) =>
  s.emu.control.calls().filter((c) => c.method === 'POST' && c.path.toLowerCase().includes('getpresencesbyuserid'));
const usersOf = (events: SyncEvent[]) => events.map((e) => (e.kind === 'teams_presence' ? e.userId : '')).sort();

describe('presence reader against the Graph emulator: 1,000 users', () => {
  let s: WatchStack;
  beforeAll(async () => {
    s = await startWatchStack({ agents: 1000 });
  });
  afterAll(async () => s?.stop());

  it('when presence changes then each change is seen once, in 650-id requests, within the quota; a restart emits nothing false', async () => {
    const n = s.userIds.length;
    expect(n).toBeGreaterThan(950);
    s.emu.control.resetCalls();
    await s.watching.readNow(s.connectionId);
    expect(s.events).toHaveLength(n); // first sighting of everyone
    expect(presenceCalls(s)).toHaveLength(Math.ceil(n / 650));

    s.events.length = 0;
    await s.watching.readNow(s.connectionId);
    expect(s.events).toEqual([]);

    const changed = s.userIds.filter((_, i) => i % 20 === 3);
    changed.forEach((u, i) => {
      s.emu.control.setClientPresence(
        u,
        i % 2 ? { availability: 'Busy', activity: 'InACall' } : { availability: 'DoNotDisturb', activity: 'Presenting' },
      );
    });
    await s.watching.readNow(s.connectionId);
    expect(usersOf(s.events)).toEqual([...changed].sort());
    expect(s.events.every((e) => e.kind === 'teams_presence' && e.source === 'reader')).toBe(true);

    const status = await s.watching.status(s.connectionId);
    const reader = status.reader!;
    const quota = reader.quota as { usedInWindow: number; limit: number; readLimit: number };
    expect(reader.cadence.requestsPerRound).toBe(2);
    expect(reader.cadence.requestsPerWindow).toBeLessThanOrEqual(quota.readLimit);
    expect(quota.usedInWindow).toBeLessThanOrEqual(quota.limit);
    expect(reader.cadence.expectedDelayMs).toBeLessThan(2_000);

    // A restart: a fresh instance over the same database.
    const restarted = s.makeWatching();
    s.events.length = 0;
    await restarted.readNow(s.connectionId);
    expect(s.events).toEqual([]);
    s.emu.control.setClientPresence(s.userIds[7]!, { availability: 'Away', activity: 'Away' });
    await restarted.readNow(s.connectionId);
    expect(usersOf(s.events)).toEqual([s.userIds[7]]);
    await restarted.stop();
  });

  it('when Graph throttles then the reader backs off by Retry-After and recovers', async () => {
    s.emu.control.injectFault({ kind: 'throttle', retryAfterSeconds: 1, count: 1 });
    s.events.length = 0;
    const before = (await s.watching.status(s.connectionId)).reader!.errors.count;
    await s.watching.readNow(s.connectionId).catch(() => undefined);
    s.emu.control.setClientPresence(s.userIds[9]!, { availability: 'Busy', activity: 'InACall' });
    await s.watching.readNow(s.connectionId);
    expect(usersOf(s.events)).toContain(s.userIds[9]);
    const after = (await s.watching.status(s.connectionId)).reader!;
    expect(after.errors.consecutive).toBe(0);
    expect(after.errors.count).toBeGreaterThanOrEqual(before);
  });
});

describe('the running reader loop with two replicas', () => {
  let s: WatchStack;
  beforeAll(async () => {
    s = await startWatchStack({ agents: 40 });
  });
  afterAll(async () => s?.stop());

  it('when both replicas run then one reads (lease) and a change still arrives on its own', async () => {
    const other = s.makeWatching({ holderId: 'replica-b' });
    await s.watching.start();
    await other.start();
    const waitFor = async (what: () => boolean) => {
      for (let i = 0; i < 400 && !what(); i++) await new Promise((r) => setTimeout(r, 25));
      return what();
    };
    // Everyone is seen once (first sightings), by exactly one replica.
    expect(await waitFor(() => s.events.length >= s.userIds.length)).toBe(true);
    s.events.length = 0;
    const user = s.userIds[5]!;
    s.emu.control.setClientPresence(user, { availability: 'Busy', activity: 'InACall' });
    expect(await waitFor(() => s.events.some((e) => e.kind === 'teams_presence' && e.userId === user))).toBe(true);
    const a = (await s.watching.status(s.connectionId)).reader!;
    const b = (await other.status(s.connectionId)).reader!;
    expect(a.rounds > 0 !== b.rounds > 0).toBe(true); // only one replica has read
    expect(a.skippedRounds + b.skippedRounds).toBeGreaterThan(0);
    expect(s.events.filter((e) => e.kind === 'teams_presence' && e.userId === user)).toHaveLength(1);
    await other.stop();
    await s.watching.stop();
  });
});

describe('subscriptions for 800 users with two owner accounts', () => {
  let s: WatchStack;
  beforeAll(async () => {
    s = await startWatchStack({ agents: 810, options: { presenceWatch: 'subscriptions', subscriptionGroupSize: 650 } });
  });
  afterAll(async () => s?.stop());

  it('when two owners sign in then two subscriptions cover everyone (650 + the rest)', async () => {
    for (const k of [1, 2]) {
      const start = await s.watching.owners.beginSignIn(s.connectionId, {});
      const page = await signInThroughBrowser(start.authorizeUrl, `presence-owner${k}@contoso.com`, `Owner${k}-Passw0rd!`);
      expect(page.status).toBe(200);
    }
    await s.watching.tick();
    const cov = await s.watching.subscriptions.coverage(s.connectionId);
    expect(cov.subscriptions.map((x) => x.users).sort((a, b) => b - a)).toEqual([650, s.userIds.length - 650]);
    expect(cov.uncoveredUsers).toBe(0);
    const remote = s.emu.control.subscriptions();
    expect(remote).toHaveLength(2);
    const plan = await s.watching.subscriptions.plan(s.connectionId);
    expect(plan).toMatchObject({ ownersNeeded: 2, ownersMissing: 0, changes: 0 });
  });
});
