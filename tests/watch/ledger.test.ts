import { describe, expect, it } from 'vitest';
import { planCadence } from '../../api/src/watch/cadence.ts';
import { classify, compareSequence, PresenceLedger } from '../../api/src/watch/ledger.ts';

const p = (availability: string, activity: string, sequenceNumber?: string) => ({ availability, activity, sequenceNumber });

describe('presence ledger', () => {
  it('when sequence numbers are numeric then they compare numerically', () => {
    expect(compareSequence('9', '10')).toBe(-1);
    expect(compareSequence('C100', 'C099')).toBe(1);
    expect(compareSequence('abc', 'abc')).toBe(0);
  });

  it('when nothing was seen then the first observation is "first"', () => {
    expect(classify(undefined, p('Available', 'Available'))).toBe('first');
  });

  it('when an older sequence number arrives then it is stale and does not overwrite', () => {
    const l = new PresenceLedger();
    l.observe('u', p('Busy', 'InACall', '5'), 1);
    expect(l.observe('u', p('Away', 'Away', '4'), 2).observation).toBe('stale');
    expect(l.get('u')).toMatchObject({ availability: 'Busy', sequenceNumber: '5' });
  });

  it('when the same notification is seen twice then the second is "same"', () => {
    const l = new PresenceLedger();
    l.observe('u', p('Busy', 'InACall', '5'), 1);
    expect(l.observe('u', p('Away', 'Away', '6'), 2).observation).toBe('changed');
    expect(l.observe('u', p('Away', 'Away', '6'), 3)).toMatchObject({ observation: 'same', dirty: false });
  });

  it('when there are no sequence numbers then changes are detected by value, case-insensitively', () => {
    const l = new PresenceLedger();
    l.observe('u', p('Available', 'Available'), 1);
    expect(l.observe('u', p('available', 'available'), 2).observation).toBe('same');
    expect(l.observe('u', p('Busy', 'InAMeeting'), 3).observation).toBe('changed');
  });

  it('when a newer stamp carries the same value then it is not a change but is stored', () => {
    const l = new PresenceLedger();
    l.observe('u', p('Busy', 'InACall', '5'), 1);
    expect(l.observe('u', p('Busy', 'InACall', '7'), 2)).toMatchObject({ observation: 'same', dirty: true });
    expect(l.observe('u', p('Away', 'Away', '6'), 3).observation).toBe('stale');
  });
});

describe('reader cadence', () => {
  it('when 1,000 users share 1,500 requests / 30 s then a round of 2 requests runs at the minimum interval', () => {
    const c = planCadence({ users: 1000, quota: { requests: 1500, windowMs: 30_000 } });
    expect(c.requestsPerRound).toBe(2);
    expect(c.intervalMs).toBe(500);
    expect(c.requestsPerWindow).toBeLessThanOrEqual(750);
  });

  it('when 10,000 users then 16 requests per round spread over the reads share of the window', () => {
    const c = planCadence({ users: 10_000, quota: { requests: 1500, windowMs: 30_000 } });
    expect(c.requestsPerRound).toBe(16);
    expect(c.intervalMs).toBe(640);
    expect(c.requestsPerWindow).toBeLessThanOrEqual(750);
  });

  it('when the quota leaves little room for reads then the reader slows down', () => {
    const c = planCadence({ users: 10_000, quota: { requests: 1500, windowMs: 30_000 }, readRoom: 100 });
    expect(c.intervalMs).toBe(4800);
  });

  it('when subscriptions are healthy then the reader only heals, slowly', () => {
    const c = planCadence({ users: 100, quota: { requests: 1500, windowMs: 30_000 }, mode: 'healing', healIntervalMs: 30_000 });
    expect(c.intervalMs).toBe(30_000);
  });

  it('when Graph asked to retry later then the interval honours Retry-After', () => {
    const c = planCadence({ users: 100, quota: { requests: 1500, windowMs: 30_000 }, retryAfterMs: 10_000 });
    expect(c.intervalMs).toBe(10_000);
  });
});
