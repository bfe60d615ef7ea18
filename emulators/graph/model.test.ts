import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SETTABLE_PAIRS, sessionRank } from '../../api/src/domain/presence.ts';
import { CallLog } from './calls.ts';
import { CliError, parseCli } from './cli-args.ts';
import { EmulatorClock } from './clock.ts';
import { startGraphEmulator } from './index.ts';
import { aggregateAt, emptyState, nextTransitionAt, parseIsoDuration } from './presence-model.ts';
import { Quota } from './quota.ts';
import { EndpointHealth } from './subscriptions/endpoint-health.ts';
import { parsePresenceResource } from './subscriptions/resource.ts';

const MIN = 60_000;

describe('presence model (pure)', () => {
  it('when app sessions of any settable pairs coexist then the aggregate is the highest-ranked one', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...SETTABLE_PAIRS), { minLength: 1, maxLength: 5 }), (pairs) => {
        const s = emptyState();
        for (const [i, p] of pairs.entries()) s.apps.set(`app${i}`, { pair: p, setAt: 0, expiresAt: 60 * MIN });
        const top = Math.max(...pairs.map((p) => sessionRank(p.availability)));
        expect(sessionRank(aggregateAt(s, 0).availability)).toBe(top);
      }),
    );
  });

  it('when an Available session ages then the next transitions are the two fades and then its expiry', () => {
    const s = emptyState();
    s.apps.set('a', { pair: { availability: 'Available', activity: 'Available' }, setAt: 0, expiresAt: 60 * MIN });
    expect(nextTransitionAt(s, 0)).toBe(5 * MIN);
    expect(nextTransitionAt(s, 5 * MIN)).toBe(10 * MIN);
    expect(nextTransitionAt(s, 10 * MIN)).toBe(60 * MIN);
    expect(aggregateAt(s, 60 * MIN)).toEqual({ availability: 'Offline', activity: 'Offline' });
  });

  it('when a preferred presence is set without sessions then the user still shows Offline', () => {
    const s = emptyState();
    s.preferred = { pair: { availability: 'Busy', activity: 'Busy' }, expiresAt: 10 * MIN };
    expect(aggregateAt(s, 0)).toEqual({ availability: 'Offline', activity: 'Offline' });
    s.client.base = { availability: 'Available', activity: 'Available' };
    expect(aggregateAt(s, 0)).toEqual({ availability: 'Busy', activity: 'Busy' });
    expect(aggregateAt(s, 10 * MIN)).toEqual({ availability: 'Available', activity: 'Available' });
  });

  it('when ISO 8601 durations are parsed then Graph forms work and junk is null', () => {
    expect(parseIsoDuration('PT5M')).toBe(5 * MIN);
    expect(parseIsoDuration('PT4H')).toBe(240 * MIN);
    expect(parseIsoDuration('P1D')).toBe(1440 * MIN);
    expect(parseIsoDuration('PT1H30M15.5S')).toBe(90 * MIN + 15_500);
    for (const bad of ['P', 'PT', '5M', 'PT-5M', ''] as const) expect(parseIsoDuration(bad)).toBeNull();
  });
});

describe('presence subscription resource', () => {
  it('when the resource is a single user or a quoted id list then the ids come out', () => {
    expect(parsePresenceResource('/communications/presences/abc')).toEqual({ ids: ['abc'] });
    expect(parsePresenceResource("/communications/presences?$filter=id in ('a','b', 'a')")).toEqual({ ids: ['a', 'b'] });
    expect(parsePresenceResource('communications/presences?$filter=id+in+(%27a%27,%27b%27)')).toEqual({ ids: ['a', 'b'] });
  });
  it('when ids are unquoted, too many or the resource is not presence then an error explains it', () => {
    expect(parsePresenceResource('/communications/presences?$filter=id in (a,b)')).toHaveProperty('error');
    const many = Array.from({ length: 651 }, (_, i) => `'u${i}'`).join(',');
    expect(parsePresenceResource(`/communications/presences?$filter=id in (${many})`)).toMatchObject({
      error: expect.stringMatching(/650/),
    });
    expect(parsePresenceResource('/users/x/messages')).toHaveProperty('error');
  });
});

describe('emulator clock', () => {
  it('when time is advanced then due deadlines fire in order, replaced ones only once, cancelled ones never', () => {
    let base = 1000;
    const fired: string[] = [];
    const clock = new EmulatorClock(
      () => base,
      (k) => fired.push(k),
    );
    clock.schedule('b', 3000);
    clock.schedule('a', 2000);
    clock.schedule('c', 2500);
    clock.schedule('c', 5000); // replaced
    clock.schedule('d', 2200);
    clock.schedule('d', null); // cancelled
    clock.advance(2000);
    expect(fired).toEqual(['a', 'b']);
    base += 2000; // the base clock moves too
    clock.runDue();
    expect(fired).toEqual(['a', 'b', 'c']);
    clock.stop();
  });
});

describe('emulator clock under churn', () => {
  it('when deadlines are replaced many times then the heap stays proportional to the live ones', () => {
    const fired: string[] = [];
    const clock = new EmulatorClock(
      () => 0,
      (k) => fired.push(k),
    );
    for (let round = 1; round <= 50; round++) for (let u = 0; u < 200; u++) clock.schedule(`u${u}`, round * 1000 + u);
    expect(clock.pendingEntries).toBeLessThanOrEqual(4 * 200 + 1025);
    clock.advance(100_000);
    expect(fired).toHaveLength(200);
    clock.stop();
  });
});

describe('quota windows', () => {
  it('when a window is used up then the answer says how long until it resets, per key', () => {
    let now = 0;
    const q = new Quota(2, 30_000, () => now);
    expect(q.take('a').ok).toBe(true);
    expect(q.take('a').ok).toBe(true);
    now = 10_500;
    expect(q.take('a')).toEqual({ ok: false, retryAfterSeconds: 20 });
    expect(q.take('b').ok).toBe(true);
    now = 30_000;
    expect(q.take('a').ok).toBe(true);
  });
});

describe('CLI flags', () => {
  it('when flags are valid then they are parsed with defaults', () => {
    expect(parseCli(['--port', '0', '--agents', '10000', '--tls-dir', '/tmp/x'])).toMatchObject({
      port: 0,
      agents: 10000,
      tlsDir: '/tmp/x',
      host: '127.0.0.1',
      help: false,
    });
    expect(parseCli([]).port).toBe(4010);
  });
  it('when a flag is bad or unknown then the error names it', () => {
    expect(() => parseCli(['--port', '70000'])).toThrow(/--port/);
    expect(() => parseCli(['--agents', 'many'])).toThrow(/--agents/);
    expect(() => parseCli(['--prot', '1'])).toThrow(/--prot/);
    expect(() => parseCli(['--tls-dir', ' '])).toThrow(CliError);
  });
});

describe('notification endpoint health', () => {
  it('when over 10% of answers take longer than 3 s then the endpoint is slow; over 15% beyond 10 s then dropping for 10 minutes', () => {
    const h = new EndpointHealth();
    const url = 'https://hook.example/notify';
    for (let i = 0; i < 18; i++) h.record(url, i * 1000, 50);
    h.record(url, 18_000, 4000);
    expect(h.report(url, 18_000).state).toBe('ok'); // 1 of 19
    h.record(url, 19_000, 4000);
    h.record(url, 20_000, 4000);
    expect(h.report(url, 20_000).state).toBe('slow'); // 3 of 21
    for (let i = 0; i < 4; i++) h.record(url, 21_000 + i, 12_000);
    expect(h.report(url, 21_003)).toMatchObject({ state: 'dropping', slowerThan10s: 4, ackMs: { p50: 50, max: 12_000 } });
    expect(h.isDropping(url, 21_003 + 10 * MIN - 1)).toBe(true);
    expect(h.isDropping(url, 21_003 + 10 * MIN)).toBe(false);
  });
});

describe('call log', () => {
  it('when many large bodies are recorded then the oldest are dropped and secrets are masked', () => {
    const log = new CallLog();
    const ids = Array.from({ length: 650 }, (_, i) => `id-${i}`);
    for (let i = 0; i < 5000; i++)
      log.record({
        at: i,
        method: 'POST',
        path: '/v1.0/communications/getPresencesByUserId',
        status: 200,
        clientId: 'a',
        body: { ids },
      });
    const kept = log.list();
    expect(kept.length).toBeLessThan(5000);
    expect(kept.at(-1)?.at).toBe(4999);
    expect(log.list({ pathPrefix: '/communications', since: 4990 })).toHaveLength(10);
    log.record({
      at: 1,
      method: 'POST',
      path: '/t/oauth2/v2.0/token',
      status: 200,
      clientId: 'a',
      body: { client_secret: 's', grant_type: 'x' },
    });
    expect(log.list({ pathPrefix: '/t/' })[0]?.body).toEqual({ client_secret: '[redacted]', grant_type: 'x' });
  });
});

describe('emulator options', () => {
  it('when an option is invalid then starting fails naming it, before anything listens', async () => {
    await expect(startGraphEmulator({ quota: { requests: 0, windowMs: 1000 } })).rejects.toThrow(/quota/);
    await expect(startGraphEmulator({ notificationLatencyMs: -1 })).rejects.toThrow(/notificationLatencyMs/);
  });
});
