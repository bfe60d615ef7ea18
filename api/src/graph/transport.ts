import {
  Client,
  type Context,
  GraphError,
  HTTPMessageHandler,
  type Middleware,
  type MiddlewareOptions,
  ResponseType,
} from '@microsoft/microsoft-graph-client';
import { ExternalError } from '../domain/reasons.ts';
import type { Logger } from '../logging.ts';
import { backoffMs, classifyFailure, DEFAULT_RETRY, type GraphFailure, type RetryPolicy, toExternalError } from './failures.ts';
import type { QuotaBudget, QuotaPriority } from './quota.ts';
import { sleep, type Timer } from './timer.ts';

/**
 * Every Graph request goes through here: quota → token → @microsoft/microsoft-graph-client → retry
 * policy → ExternalError.
 *
 * The SDK is built with `Client.initWithMiddleware` and our own two-step chain (bearer token, then the
 * SDK's HTTPMessageHandler). We leave out the SDK's RetryHandler (it would retry 429s behind the
 * tenant's shared quota) and its AuthenticationHandler (it only attaches tokens to `https://` Graph
 * hosts or `customHosts`, so an `http://` stand-in would silently get no token — facts/stack.md).
 * Ours attaches the token to the configured GRAPH_BASE_URL origin and to nothing else: a nextLink that
 * points elsewhere never receives a token.
 */
export interface GraphCall {
  /** For logs and error messages: 'setPresence', 'getPresencesByUserId', … */
  operation: string;
  /** The permission this call needs; named in permission_missing errors. */
  permission: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Relative to GRAPH_BASE_URL ('/users/x/presence'), or an absolute URL under it (nextLink). */
  path: string;
  body?: unknown;
  priority: QuotaPriority;
  /** Quota units (default 1). */
  cost?: number;
  /** Delegated token source (subscriptions); default = the app-only token. With `invalidate`, a 401 retries once. */
  token?: (() => Promise<string>) & { invalidate?: () => void };
  headers?: Record<string, string>;
}

export interface GraphTransport {
  /** Resolves with the parsed JSON body (undefined for empty answers); throws ExternalError. */
  call<T>(c: GraphCall): Promise<T | undefined>;
  readonly graphBaseUrl: string;
}

export interface TransportOptions {
  graphBaseUrl: string;
  appToken: { getToken(): Promise<string>; invalidate(): void };
  quota: QuotaBudget;
  logger: Logger;
  timer: Timer;
  retry?: Partial<RetryPolicy>;
  /** Per-attempt timeout (default 30 s). */
  requestTimeoutMs?: number;
  random?: () => number;
}

/** The per-request token handed to the bearer middleware (fetched before the SDK runs, so token
 * failures keep their own ExternalError instead of becoming an SDK error). */
class BearerToken implements MiddlewareOptions {
  constructor(readonly value: string) {}
}

/** A non-2xx answer, read by us (the SDK runs with ResponseType.RAW so it never parses bodies). */
class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string | null,
    message: string,
    readonly retryAfter: string | null,
  ) {
    super(message);
  }
}

function setHeader(ctx: Context, name: string, value: string) {
  ctx.options ??= {};
  const h = ctx.options.headers;
  if (h instanceof Headers) h.set(name, value);
  else if (Array.isArray(h)) h.push([name, value]);
  else ctx.options.headers = { ...(h ?? {}), [name]: value };
}

class BearerHandler implements Middleware {
  private next: Middleware | undefined;
  constructor(private readonly origin: string) {}
  async execute(ctx: Context): Promise<void> {
    const url = typeof ctx.request === 'string' ? ctx.request : ctx.request.url;
    const token = ctx.middlewareControl?.getMiddlewareOptions(BearerToken) as BearerToken | undefined;
    // Like the SDK's AuthenticationHandler, but by origin: only the configured Graph gets the token.
    if (token && new URL(url).origin === this.origin) setHeader(ctx, 'Authorization', `Bearer ${token.value}`);
    if (!this.next) throw new Error('BearerHandler: no next middleware');
    await this.next.execute(ctx);
  }
  setNext(next: Middleware) {
    this.next = next;
  }
}

/** '/users/x' or an absolute URL under the base → the path the SDK appends to the base. */
export function relativeTo(graphBaseUrl: string, path: string): string {
  const base = graphBaseUrl.replace(/\/+$/, '');
  if (/^https?:\/\//i.test(path)) {
    if (!path.startsWith(`${base}/`) && !path.startsWith(`${base}?`))
      throw new ExternalError('graph_rejected', `A link outside ${base} was not followed`, { service: 'graph' });
    return path.slice(base.length);
  }
  return path.startsWith('/') ? path : `/${path}`;
}

function describe(err: unknown): { status: number; code: string | null; message: string; retryAfter: string | null } {
  if (err instanceof HttpFailure) return { status: err.status, code: err.code, message: err.message, retryAfter: err.retryAfter };
  // The SDK wraps fetch failures (refused, reset, timed out) in a GraphError without a status.
  if (err instanceof GraphError)
    return {
      status: err.statusCode > 0 ? err.statusCode : -1,
      code: err.code,
      message: err.message || String(err.body ?? ''),
      retryAfter: null,
    };
  return { status: -1, code: null, message: err instanceof Error ? err.message : String(err), retryAfter: null };
}

const errorShape = (text: string): { code: string | null; message: string } => {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    return {
      code: typeof body.error?.code === 'string' ? body.error.code : null,
      message: typeof body.error?.message === 'string' ? body.error.message : text.slice(0, 300),
    };
  } catch {
    return { code: null, message: text.slice(0, 300) };
  }
};

/** Success bodies: JSON when there is one; Graph's writes answer 200/204 with nothing. */
const successBody = (text: string): unknown => {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

export function createTransport(opts: TransportOptions): GraphTransport {
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...opts.retry };
  const random = opts.random ?? Math.random;
  const timeoutMs = opts.requestTimeoutMs ?? 30_000;
  const graphBaseUrl = opts.graphBaseUrl.replace(/\/+$/, '');
  const log = opts.logger.child({ component: 'graph' });
  const handler = new BearerHandler(new URL(graphBaseUrl).origin);
  const sdk = Client.initWithMiddleware({
    middleware: [handler, new HTTPMessageHandler()],
    baseUrl: graphBaseUrl,
    defaultVersion: '',
  });
  const appToken = () => opts.appToken.getToken();

  const send = async (c: GraphCall, path: string, token: string): Promise<unknown> => {
    let req = sdk
      .api(path)
      .responseType(ResponseType.RAW)
      .middlewareOptions([new BearerToken(token)])
      .options({ signal: AbortSignal.timeout(timeoutMs) });
    for (const [k, v] of Object.entries(c.headers ?? {})) req = req.header(k, v);
    let res: Response;
    switch (c.method) {
      case 'GET':
        res = await req.get();
        break;
      case 'POST':
        res = await req.post(c.body ?? {});
        break;
      case 'PATCH':
        res = await req.patch(c.body ?? {});
        break;
      case 'DELETE':
        res = await req.delete();
        break;
    }
    const text = await res.text();
    if (res.ok) return successBody(text);
    const e = errorShape(text);
    throw new HttpFailure(res.status, e.code, e.message, res.headers.get('Retry-After'));
  };

  /** The bearer token for a call; token failures are already ExternalErrors (app-auth.ts, delegated.ts). */
  const tokenFor = async (c: GraphCall): Promise<string> => {
    try {
      return await (c.token ?? appToken)();
    } catch (err) {
      if (err instanceof ExternalError) throw err;
      throw new ExternalError('permission_missing', `No access token for ${c.operation}: ${String(err)}`, {
        service: 'graph',
        permission: c.permission,
        cause: err,
      });
    }
  };

  return {
    graphBaseUrl,
    async call<T>(c: GraphCall): Promise<T | undefined> {
      const path = relativeTo(graphBaseUrl, c.path);
      let throttles = 0;
      let transients = 0;
      let reauthorized = false;
      for (;;) {
        await opts.quota.acquire(c.priority, c.cost ?? 1);
        let token: string;
        try {
          token = await tokenFor(c);
        } catch (err) {
          // The identity platform being down is transient like a Graph 5xx; a refusal is final.
          if (err instanceof ExternalError && err.reason === 'graph_unreachable' && ++transients < policy.maxTransientAttempts) {
            await sleep(opts.timer, backoffMs(transients - 1, policy, random()));
            continue;
          }
          throw err;
        }
        try {
          return (await send(c, path, token)) as T | undefined;
        } catch (err) {
          if (err instanceof ExternalError) throw err;
          const info = describe(err);
          const failure: GraphFailure = classifyFailure(info, opts.timer.now());
          const final = (f: GraphFailure = failure) =>
            toExternalError(f, { operation: c.operation, permission: c.permission, message: info.message, cause: err });
          log.debug({ operation: c.operation, status: info.status, code: info.code, kind: failure.kind }, 'graph call failed');
          if (failure.kind === 'throttled') {
            throttles++;
            const wait = failure.retryAfterMs ?? backoffMs(throttles - 1, policy, random());
            opts.quota.throttled(wait);
            if (throttles >= policy.maxThrottleAttempts) throw final({ kind: 'throttled', retryAfterMs: wait });
            log.info({ operation: c.operation, waitMs: wait }, 'graph throttled: waiting');
            continue; // the next acquire waits until the 429 wait is over
          }
          if (failure.kind === 'transient') {
            transients++;
            if (transients >= policy.maxTransientAttempts) throw final();
            await sleep(opts.timer, backoffMs(transients - 1, policy, random()));
            continue;
          }
          const invalidate = c.token ? c.token.invalidate : () => opts.appToken.invalidate();
          if (failure.kind === 'unauthorized' && !reauthorized && invalidate) {
            // Expired or revoked token: fetch a fresh one once.
            reauthorized = true;
            invalidate();
            continue;
          }
          throw final();
        }
      }
    },
  };
}
