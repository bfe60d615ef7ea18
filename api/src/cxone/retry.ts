/**
 * Pure retry policy for CXone calls. NICE's SDK backs off on 429/503 and `Retry-After` may be absent
 * (facts/cxone.md "Limits and errors"), so: retry 429 and 5xx with full-jitter exponential backoff,
 * and when Retry-After is present wait at least that long.
 */
export interface RetryPolicy {
  /** Retries after the first attempt (0 = no retry). */
  retries: number;
  baseMs: number;
  maxMs: number;
  /** A Retry-After longer than this is not waited for: the call fails with retryAfterMs set. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, baseMs: 250, maxMs: 8_000, maxRetryAfterMs: 60_000 };

export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * How long to wait before retry number `attempt` (0-based). With a Retry-After: that, plus up to 10%
 * jitter so many clients do not return at once. Without: full jitter in [base, min(max, base·2^attempt)].
 */
export function retryDelayMs(
  attempt: number,
  policy: RetryPolicy,
  retryAfterMs: number | undefined,
  random: () => number,
): number {
  if (retryAfterMs !== undefined) return Math.ceil(retryAfterMs + retryAfterMs * 0.1 * random());
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
  return Math.round(policy.baseMs + (cap - policy.baseMs) * random());
}
