import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, isRetryableStatus, parseRetryAfter, retryDelayMs } from './retry.ts';

describe('CXone retry policy', () => {
  it('when the status is 429 or 5xx then it is retryable, otherwise not', () => {
    expect([429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([200, 304, 400, 401, 403, 404, 409].some(isRetryableStatus)).toBe(false);
  });

  it('when Retry-After is seconds, a date, absent or garbage then it reads as ms or undefined', () => {
    const now = Date.parse('2026-11-26T10:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
    expect(parseRetryAfter('Thu, 26 Nov 2026 10:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Thu, 26 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });

  it('when Retry-After is given then the delay is at least that, plus at most 10% jitter', () => {
    expect(retryDelayMs(0, DEFAULT_RETRY, 2000, () => 0)).toBe(2000);
    expect(retryDelayMs(0, DEFAULT_RETRY, 2000, () => 0.999)).toBeLessThanOrEqual(2200);
  });

  it('when no Retry-After then the delay grows with attempts and stays within [base, max]', () => {
    for (let attempt = 0; attempt < 10; attempt++)
      for (const r of [0, 0.5, 0.999]) {
        const d = retryDelayMs(attempt, DEFAULT_RETRY, undefined, () => r);
        expect(d).toBeGreaterThanOrEqual(DEFAULT_RETRY.baseMs);
        expect(d).toBeLessThanOrEqual(DEFAULT_RETRY.maxMs);
      }
    expect(retryDelayMs(3, DEFAULT_RETRY, undefined, () => 1)).toBeGreaterThan(
      retryDelayMs(0, DEFAULT_RETRY, undefined, () => 1),
    );
  });
});
