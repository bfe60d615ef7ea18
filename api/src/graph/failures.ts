import { ExternalError } from '../domain/reasons.ts';

/**
 * Pure decisions about failed Graph calls: what a failure is, whether to retry, how long to wait.
 * Sources: learn.microsoft.com "Microsoft Graph throttling guidance" (429 + Retry-After in seconds;
 * without it, back off exponentially) and "Microsoft Graph error responses and resource types".
 */

/** What came back (or didn't): an HTTP status (-1 = no response), Graph's error code/message, headers. */
export interface GraphFailureInput {
  status: number;
  code?: string | null;
  message?: string;
  retryAfter?: string | null;
}

export type GraphFailure =
  | { kind: 'throttled'; retryAfterMs: number | null }
  | { kind: 'transient'; status: number }
  | { kind: 'unauthorized' }
  | { kind: 'forbidden' }
  | { kind: 'not_found' }
  | { kind: 'rejected'; status: number };

/** Retry-After is seconds (fractional allowed: "2.128") or an HTTP date. Returns ms, or null when absent/bad. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | null {
  if (value == null) return null;
  const v = value.trim();
  if (v === '') return null;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.ceil(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

export function classifyFailure(f: GraphFailureInput, now: number): GraphFailure {
  if (f.status === 429) return { kind: 'throttled', retryAfterMs: parseRetryAfter(f.retryAfter, now) };
  // 503/504 may carry Retry-After too (throttling guidance): honour it as a throttle.
  if ((f.status === 503 || f.status === 504) && parseRetryAfter(f.retryAfter, now) !== null)
    return { kind: 'throttled', retryAfterMs: parseRetryAfter(f.retryAfter, now) };
  if (f.status < 0 || f.status >= 500 || f.status === 408) return { kind: 'transient', status: f.status };
  if (f.status === 401) return { kind: 'unauthorized' };
  if (f.status === 403) return { kind: 'forbidden' };
  if (f.status === 404) return { kind: 'not_found' };
  return { kind: 'rejected', status: f.status };
}

export interface RetryPolicy {
  /** Attempts in all for throttled calls (first try included). */
  maxThrottleAttempts: number;
  /** Attempts in all for 5xx / network failures. */
  maxTransientAttempts: number;
  /** First backoff; doubles per attempt. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxThrottleAttempts: 4,
  maxTransientAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
};

/** Exponential backoff with jitter in [half, full] of the step. `random` in [0, 1). */
export function backoffMs(attempt: number, policy: RetryPolicy, random: number): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt));
  return Math.round(step / 2 + (step / 2) * random);
}

/** The ExternalError that leaves the client when a failure is final. */
export function toExternalError(
  failure: GraphFailure,
  ctx: { operation: string; permission: string; message?: string; cause?: unknown },
): ExternalError {
  const detail = ctx.message ? `: ${ctx.message}` : '';
  switch (failure.kind) {
    case 'throttled':
      return new ExternalError('throttled', `Microsoft Graph throttled ${ctx.operation}${detail}`, {
        status: 429,
        service: 'graph',
        ...(failure.retryAfterMs !== null ? { retryAfterMs: failure.retryAfterMs } : {}),
        cause: ctx.cause,
      });
    case 'transient':
      return new ExternalError(
        'graph_unreachable',
        failure.status < 0
          ? `Microsoft Graph could not be reached for ${ctx.operation}${detail}`
          : `Microsoft Graph failed ${ctx.operation} with ${failure.status}${detail}`,
        { ...(failure.status > 0 ? { status: failure.status } : {}), service: 'graph', cause: ctx.cause },
      );
    case 'unauthorized':
    case 'forbidden':
      return new ExternalError(
        'permission_missing',
        `${ctx.operation} needs the ${ctx.permission} permission (admin consent)${detail}`,
        {
          status: failure.kind === 'unauthorized' ? 401 : 403,
          permission: ctx.permission,
          service: 'graph',
          cause: ctx.cause,
        },
      );
    case 'not_found':
      return new ExternalError('graph_rejected', `${ctx.operation}: not found${detail}`, {
        status: 404,
        service: 'graph',
        cause: ctx.cause,
      });
    case 'rejected':
      return new ExternalError('graph_rejected', `Microsoft Graph refused ${ctx.operation} (${failure.status})${detail}`, {
        status: failure.status,
        service: 'graph',
        cause: ctx.cause,
      });
  }
}
