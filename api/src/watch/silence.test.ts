import { describe, expect, it } from 'vitest';
import { asSuspicion, judge, mergeSuspicions, noteSighting } from './silence.ts';

const GRACE = 90_000;

describe('silent-subscription judgement', () => {
  it('when the notification was handled before the reader saw the change then it explains it', () => {
    // Read at 0 (old value), Graph changed at 10 s, notified at 11 s (another replica), reader saw it at 30 s.
    const s = noteSighting(undefined, { after: 0, seenAt: 30_000 });
    expect(judge(s, 11_000, 30_000 + 45 * 60_000, GRACE)).toEqual({ kind: 'explained' });
  });

  it('when nothing was notified since the change could have happened then it is silent once the grace has passed', () => {
    const s = noteSighting(undefined, { after: 60_000, seenAt: 90_000 });
    expect(judge(s, 59_000, 90_000 + GRACE - 1, GRACE)).toMatchObject({ kind: 'waiting', since: 90_000 });
    expect(judge(s, 59_000, 90_000 + GRACE, GRACE)).toEqual({ kind: 'silent', since: 90_000 });
    expect(judge(s, null, 90_000 + GRACE, GRACE)).toEqual({ kind: 'silent', since: 90_000 });
  });

  it('when only the earlier of two changes is explained then the later one is still waited on, from its own sighting', () => {
    let s = noteSighting(undefined, { after: 0, seenAt: 30_000 });
    s = noteSighting(s, { after: 60_000, seenAt: 90_000 });
    expect(s.first.after).toBe(0);
    expect(s.last.after).toBe(60_000);
    const v = judge(s, 20_000, 100_000, GRACE);
    expect(v).toEqual({ kind: 'waiting', since: 90_000, suspicion: { first: s.last, last: s.last } });
    expect(judge(s, 20_000, 90_000 + GRACE, GRACE)).toEqual({ kind: 'silent', since: 90_000 });
    // A later notification explains both.
    expect(judge(s, 61_000, 90_000 + GRACE, GRACE)).toEqual({ kind: 'explained' });
  });

  it('when nothing is explained then the grace runs from the first sighting', () => {
    let s = noteSighting(undefined, { after: 10_000, seenAt: 30_000 });
    s = noteSighting(s, { after: 40_000, seenAt: 60_000 });
    expect(judge(s, 5_000, 30_000 + GRACE, GRACE)).toEqual({ kind: 'silent', since: 30_000 });
    expect(judge(s, 5_000, 30_000 + GRACE - 1, GRACE)).toMatchObject({ kind: 'waiting', suspicion: s });
  });

  it('when two suspicions are merged then the earliest and the latest sighting of both are kept', () => {
    const a = noteSighting(noteSighting(undefined, { after: 10, seenAt: 20 }), { after: 50, seenAt: 60 });
    const b = noteSighting(noteSighting(undefined, { after: 5, seenAt: 30 }), { after: 40, seenAt: 45 });
    expect(mergeSuspicions(a, b)).toEqual({ first: b.first, last: a.last });
    expect(mergeSuspicions(null, b)).toBe(b);
  });

  it('when a stored value is not a suspicion then it is read as none', () => {
    expect(asSuspicion(null)).toBeNull();
    expect(asSuspicion({ first: { after: 1 } })).toBeNull();
    expect(asSuspicion('x')).toBeNull();
    const s = noteSighting(undefined, { after: 1, seenAt: 2 });
    expect(asSuspicion(JSON.parse(JSON.stringify(s)))).toEqual(s);
  });
});
