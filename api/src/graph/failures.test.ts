import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExternalError } from '../domain/reasons.ts';
import { decodeRoles } from './app-auth.ts';
import { backoffMs, classifyFailure, DEFAULT_RETRY, parseRetryAfter, toExternalError } from './failures.ts';
import { checkPreferred, checkSetPresence, chunk, durationMs } from './presence.ts';
import { presenceResource } from './subscriptions.ts';
import { relativeTo } from './transport.ts';

const NOW = Date.UTC(2026, 10, 26, 12);

describe('Graph failure decisions', () => {
  it('Retry-After in seconds, fractional seconds and HTTP dates become milliseconds', () => {
    expect(parseRetryAfter('10', NOW)).toBe(10_000);
    expect(parseRetryAfter('2.128', NOW)).toBe(2_128);
    expect(parseRetryAfter(new Date(NOW + 3_000).toUTCString(), NOW)).toBe(3_000);
    expect(parseRetryAfter('soon', NOW)).toBeNull();
    expect(parseRetryAfter(null, NOW)).toBeNull();
  });

  it('statuses classify into throttled, transient, auth, not found and rejected', () => {
    expect(classifyFailure({ status: 429, retryAfter: '1.5' }, NOW)).toEqual({ kind: 'throttled', retryAfterMs: 1_500 });
    expect(classifyFailure({ status: 429 }, NOW)).toEqual({ kind: 'throttled', retryAfterMs: null });
    expect(classifyFailure({ status: 503, retryAfter: '2' }, NOW)).toEqual({ kind: 'throttled', retryAfterMs: 2_000 });
    expect(classifyFailure({ status: 502 }, NOW)).toEqual({ kind: 'transient', status: 502 });
    expect(classifyFailure({ status: -1 }, NOW)).toEqual({ kind: 'transient', status: -1 });
    expect(classifyFailure({ status: 401 }, NOW).kind).toBe('unauthorized');
    expect(classifyFailure({ status: 403 }, NOW).kind).toBe('forbidden');
    expect(classifyFailure({ status: 404 }, NOW).kind).toBe('not_found');
    expect(classifyFailure({ status: 400 }, NOW)).toEqual({ kind: 'rejected', status: 400 });
  });

  it('final failures become ExternalError with the reason, status, service and permission', () => {
    const ctx = { operation: 'setPresence', permission: 'Presence.ReadWrite.All' };
    const t = toExternalError({ kind: 'throttled', retryAfterMs: 2_000 }, ctx);
    expect(t).toBeInstanceOf(ExternalError);
    expect([t.reason, t.extra.retryAfterMs, t.extra.status, t.extra.service]).toEqual(['throttled', 2_000, 429, 'graph']);
    const p = toExternalError({ kind: 'forbidden' }, ctx);
    expect([p.reason, p.extra.permission, p.extra.status]).toEqual(['permission_missing', 'Presence.ReadWrite.All', 403]);
    expect(p.message).toContain('Presence.ReadWrite.All');
    expect(toExternalError({ kind: 'transient', status: -1 }, ctx).reason).toBe('graph_unreachable');
    expect(toExternalError({ kind: 'transient', status: 503 }, ctx).extra.status).toBe(503);
    expect(toExternalError({ kind: 'rejected', status: 400 }, ctx).reason).toBe('graph_rejected');
  });

  it('property: backoff stays within [half, full] of a doubling step capped at the maximum', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
        const step = Math.min(DEFAULT_RETRY.maxDelayMs, DEFAULT_RETRY.baseDelayMs * 2 ** attempt);
        const d = backoffMs(attempt, DEFAULT_RETRY, r);
        expect(d).toBeGreaterThanOrEqual(Math.floor(step / 2));
        expect(d).toBeLessThanOrEqual(step);
      }),
    );
  });
});

describe('presence request checks (presence-setpresence, presence-setuserpreferredpresence)', () => {
  it('only the five settable pairs pass, in canonical casing', () => {
    expect(checkSetPresence({ availability: 'busy', activity: 'inacall' }, 'PT5M')).toEqual({
      availability: 'Busy',
      activity: 'InACall',
    });
    expect(() => checkSetPresence({ availability: 'Busy', activity: 'Busy' }, 'PT5M')).toThrow(/Busy\/Busy.*allowed pairs/);
    expect(() => checkSetPresence({ availability: 'Away', activity: 'InAMeeting' }, 'PT5M')).toThrow(ExternalError);
  });

  it('setPresence expiration must lie in PT5M…PT4H', () => {
    expect(() => checkSetPresence({ availability: 'Away', activity: 'Away' }, 'PT4M')).toThrow(/PT5M to PT4H/);
    expect(() => checkSetPresence({ availability: 'Away', activity: 'Away' }, 'PT4H1M')).toThrow(/PT5M to PT4H/);
    expect(() => checkSetPresence({ availability: 'Away', activity: 'Away' }, 'five minutes')).toThrow(/PT5M to PT4H/);
    expect(checkSetPresence({ availability: 'Away', activity: 'Away' }, 'PT1H30M').activity).toBe('Away');
  });

  it('preferred presence accepts its own six pairs', () => {
    expect(checkPreferred({ availability: 'Offline', activity: 'OffWork' })).toEqual({
      availability: 'Offline',
      activity: 'OffWork',
    });
    expect(() => checkPreferred({ availability: 'Busy', activity: 'InACall' })).toThrow(/setUserPreferredPresence/);
  });

  it('durations parse and nonsense does not', () => {
    expect(durationMs('PT5M')).toBe(300_000);
    expect(durationMs('P1DT1H')).toBe(90_000_000);
    expect(durationMs('PT0.5S')).toBe(500);
    expect(durationMs('P')).toBeNull();
    expect(durationMs('PT')).toBeNull();
  });

  it('property: chunking keeps order and every chunk has at most the size', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 3_000 }), fc.integer({ min: 1, max: 700 }), (items, size) => {
        const parts = chunk(items, size);
        expect(parts.flat()).toEqual(items);
        expect(parts.every((p) => p.length > 0 && p.length <= size)).toBe(true);
      }),
    );
  });
});

describe('small pure helpers', () => {
  it('presenceResource quotes ids and refuses more than 650', () => {
    expect(presenceResource(['a', 'b'])).toBe("/communications/presences?$filter=id in ('a','b')");
    expect(() => presenceResource(Array.from({ length: 651 }, (_, i) => `${i}`))).toThrow(/650/);
    expect(() => presenceResource([])).toThrow(RangeError);
  });

  it('links are only followed under the Graph base URL', () => {
    const base = 'https://127.0.0.1:8443/v1.0';
    expect(relativeTo(base, '/users')).toBe('/users');
    expect(relativeTo(base, `${base}/users?$skiptoken=x==`)).toBe('/users?$skiptoken=x==');
    expect(() => relativeTo(base, 'https://evil.example/v1.0/users')).toThrow(ExternalError);
  });

  it('decodeRoles reads the roles claim and tolerates junk', () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const token = `${b64({ alg: 'none' })}.${b64({ roles: ['Presence.Read.All', 7] })}.sig`;
    expect(decodeRoles(token)).toEqual(['Presence.Read.All']);
    expect(decodeRoles(`${b64({ alg: 'none' })}.${b64({})}.sig`)).toEqual([]);
    expect(decodeRoles('not a token')).toEqual([]);
  });
});
