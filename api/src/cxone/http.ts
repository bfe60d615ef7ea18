import type { z } from 'zod';
import type { Clock } from '../domain/ports.ts';
import { ExternalError } from '../domain/reasons.ts';
import type { Logger } from '../logging.ts';
import { joinUrl, type PathName, paths, REQUIRED_PERMISSION } from './paths.ts';
import { isRetryableStatus, parseRetryAfter, type RetryPolicy, retryDelayMs } from './retry.ts';
import { describeErrorBody, describeZodError, tokenResponseSchema } from './schemas.ts';

export type FetchImpl = (input: string, init: RequestInit) => Promise<Response>;

export interface CxoneHttpOptions {
  baseUrl: string;
  authUrl: string;
  accessKeyId: string;
  accessKeySecret: string;
  versions: Record<PathName, string>;
  logger: Logger;
  clock: Clock;
  fetchImpl: FetchImpl;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  retry: RetryPolicy;
  timeoutMs: number;
  /** Refresh the token this long before it expires (capped at half its lifetime). */
  refreshMarginMs: number;
}

export interface CxoneResponse {
  status: number;
  body: unknown;
}

export interface CxoneRequest {
  name: PathName;
  method: 'GET' | 'POST';
  /** Path from paths.ts (already versioned). */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Statuses returned to the caller instead of thrown (e.g. 304, 404, 409). */
  passStatuses?: readonly number[];
}

const svc = { service: 'cxone' as const };

/**
 * The one place CXone HTTP happens: access-key token (cached, refreshed before expiry, re-fetched once
 * on a 401), retries with jittered backoff on 429/5xx/network errors obeying Retry-After, timeouts, and
 * translation of every failure into an ExternalError. Secrets and tokens are never logged.
 */
export function createCxoneHttp(o: CxoneHttpOptions) {
  const log = o.logger.child({ component: 'cxone-http' });
  let token: { value: string; refreshAt: number; expiresAt: number } | null = null;
  let inflight: Promise<string> | null = null;

  async function fetchToken(): Promise<string> {
    const url = joinUrl(o.authUrl, paths.token(o.versions.token));
    const res = await send('token', 'POST', url, { accessKeyId: o.accessKeyId, accessKeySecret: o.accessKeySecret }, null);
    if (res.status === 400 || res.status === 401 || res.status === 403) {
      throw new ExternalError(
        'permission_missing',
        `CXone rejected the access key (HTTP ${res.status}${detail(res.body)}): check the access key id and secret, and that the key is active`,
        { ...svc, status: res.status, permission: REQUIRED_PERMISSION.token },
      );
    }
    if (res.status < 200 || res.status > 299) throw unexpectedStatus('token', 'POST', res);
    const parsed = tokenResponseSchema.safeParse(res.body);
    if (!parsed.success) throw badPayload('token', 'POST', parsed.error);
    const now = o.clock.now();
    const lifeMs = parsed.data.expires_in * 1000;
    const margin = Math.min(o.refreshMarginMs, lifeMs / 2);
    token = { value: parsed.data.access_token, refreshAt: now + lifeMs - margin, expiresAt: now + lifeMs };
    log.debug({ expiresInS: parsed.data.expires_in }, 'cxone token obtained');
    return token.value;
  }

  function getToken(): Promise<string> {
    if (token && o.clock.now() < token.refreshAt) return Promise.resolve(token.value);
    if (!inflight) {
      inflight = fetchToken().finally(() => {
        inflight = null;
      });
    }
    return inflight;
  }

  /** One logical call with retries; `bearer` null = the token request itself. */
  async function send(
    name: PathName,
    method: string,
    url: string,
    body: unknown,
    bearer: string | null,
  ): Promise<CxoneResponse & { headers: Headers }> {
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await o.fetchImpl(url, {
          method,
          headers: {
            accept: 'application/json',
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
          },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(o.timeoutMs),
        });
      } catch (err) {
        const why = networkReason(err);
        if (attempt < o.retry.retries) {
          const wait = retryDelayMs(attempt, o.retry, undefined, o.random);
          log.warn({ path: name, attempt: attempt + 1, waitMs: wait, why }, 'cxone unreachable: retrying');
          await o.sleep(wait);
          continue;
        }
        throw new ExternalError('cxone_unreachable', `CXone ${method} ${name} failed: ${why}`, { ...svc, cause: err });
      }
      if (isRetryableStatus(res.status)) {
        const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), o.clock.now());
        const tooLong = retryAfterMs !== undefined && retryAfterMs > o.retry.maxRetryAfterMs;
        if (attempt < o.retry.retries && !tooLong) {
          await res.body?.cancel().catch(() => {});
          const wait = retryDelayMs(attempt, o.retry, retryAfterMs, o.random);
          log.warn({ path: name, status: res.status, attempt: attempt + 1, waitMs: wait, retryAfterMs }, 'cxone busy: retrying');
          await o.sleep(wait);
          continue;
        }
        const parsed = await readBody(res);
        if (res.status === 429)
          throw new ExternalError('throttled', `CXone throttled ${method} ${name} (HTTP 429) after ${attempt + 1} attempts`, {
            ...svc,
            status: 429,
            ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
          });
        throw new ExternalError(
          'cxone_unreachable',
          `CXone ${method} ${name} failed with HTTP ${res.status} after ${attempt + 1} attempts${detail(parsed)}`,
          { ...svc, status: res.status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
        );
      }
      return { status: res.status, body: await readBody(res), headers: res.headers };
    }
  }

  async function request(req: CxoneRequest): Promise<CxoneResponse> {
    const url = new URL(joinUrl(o.baseUrl, req.path));
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    let res = await send(req.name, req.method, url.toString(), req.body, await getToken());
    if (res.status === 401) {
      // The token may have been revoked or expired early: fetch a new one and try exactly once more.
      log.info({ path: req.name }, 'cxone answered 401: refreshing the token and retrying once');
      token = null;
      res = await send(req.name, req.method, url.toString(), req.body, await getToken());
    }
    if (res.status === 401 || res.status === 403) {
      const permission = REQUIRED_PERMISSION[req.name];
      throw new ExternalError(
        'permission_missing',
        `CXone refused ${req.method} ${req.name} (HTTP ${res.status}${detail(res.body)}): the access key's user needs the permission "${permission}"`,
        { ...svc, status: res.status, permission },
      );
    }
    if ((res.status >= 200 && res.status <= 299) || req.passStatuses?.includes(res.status)) return res;
    throw unexpectedStatus(req.name, req.method, res);
  }

  return {
    request,
    /** Parses with a schema; a wrong shape becomes an ExternalError naming the field. */
    parse<T>(name: PathName, method: string, schema: z.ZodType<T>, body: unknown): T {
      const r = schema.safeParse(body);
      if (!r.success) throw badPayload(name, method, r.error);
      return r.data;
    },
    /** For tests and diagnostics: when the cached token expires (null = none). */
    tokenExpiresAt: () => token?.expiresAt ?? null,
  };
}

export type CxoneHttp = ReturnType<typeof createCxoneHttp>;

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text().catch(() => '');
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function detail(body: unknown): string {
  const d = describeErrorBody(body);
  return d ? `: ${d}` : '';
}

function unexpectedStatus(name: PathName, method: string, res: CxoneResponse): ExternalError {
  return new ExternalError('cxone_unreachable', `CXone ${method} ${name} answered HTTP ${res.status}${detail(res.body)}`, {
    ...svc,
    status: res.status,
  });
}

export function badPayload(name: PathName, method: string, error: z.ZodError): ExternalError {
  return new ExternalError(
    'cxone_unreachable',
    `CXone ${method} ${name} returned an unexpected body: ${describeZodError(error)}`,
    {
      ...svc,
      cause: error,
    },
  );
}

function networkReason(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timed out';
    const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? err.message;
  }
  return String(err);
}
