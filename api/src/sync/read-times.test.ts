import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createReadTimes } from './read-times.ts';

describe('read times handed to the engine (per agent, never going back)', () => {
  it('when a forwarded state was accepted a little before one already published then it gets the later time', () => {
    const t = createReadTimes();
    expect(t.stamp('a', 100)).toBe(100);
    // Accepted at 99 on another replica, found newer by the gate: must not look older to the engine.
    expect(t.stamp('a', 99)).toBe(100);
    expect(t.stamp('a', 150)).toBe(150);
    // Other agents are not affected.
    expect(t.stamp('b', 10)).toBe(10);
  });

  it('when an agent is forgotten then its next time is its own', () => {
    const t = createReadTimes();
    t.stamp('a', 100);
    t.forget('a');
    expect(t.stamp('a', 50)).toBe(50);
  });

  it('when stamped in any order then times per agent never decrease and are never earlier than given', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ agent: fc.constantFrom('a', 'b', 'c'), at: fc.integer({ min: 0, max: 1_000 }) })),
        (xs) => {
          const t = createReadTimes();
          const last = new Map<string, number>();
          for (const x of xs) {
            const got = t.stamp(x.agent, x.at);
            expect(got).toBeGreaterThanOrEqual(x.at);
            expect(got).toBeGreaterThanOrEqual(last.get(x.agent) ?? 0);
            last.set(x.agent, got);
          }
        },
      ),
    );
  });
});
