import { describe, expect, it } from 'vitest';
import { createFailureLimiter } from './failure-limiter.ts';

describe('failure limiter', () => {
  const clock = {
    t: 0,
    now() {
      return this.t;
    },
  };

  it('when a client reaches the limit then it is blocked until its oldest failure leaves the window', () => {
    clock.t = 1_000_000;
    const l = createFailureLimiter({ limit: 3, windowMs: 60_000, clock });
    for (let i = 0; i < 3; i++) {
      expect(l.blockedFor('a')).toBe(0);
      l.recordFailure('a');
      clock.t += 1_000;
    }
    expect(l.blockedFor('a')).toBe(57);
    expect(l.blockedFor('b')).toBe(0);
    clock.t += 57_000;
    expect(l.blockedFor('a')).toBe(0);
  });

  it('when many clients fail then the table stays bounded', () => {
    const l = createFailureLimiter({ limit: 1, windowMs: 60_000, clock, maxKeys: 100 });
    for (let i = 0; i < 1_000; i++) l.recordFailure(`ip${i}`);
    const remembered = Array.from({ length: 1_000 }, (_, i) => l.blockedFor(`ip${i}`)).filter((s) => s > 0).length;
    expect(remembered).toBeGreaterThan(0);
    expect(remembered).toBeLessThanOrEqual(100);
  });
});
