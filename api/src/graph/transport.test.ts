import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExternalError } from '../domain/reasons.ts';
import { createLogger } from '../logging.ts';
import { createQuotaBudget } from './quota.ts';
import { systemTimer } from './timer.ts';
import { createTransport } from './transport.ts';
import { userOps } from './users.ts';

/**
 * The transport over plain http against a minimal stand-in: proves a Graph base URL is configuration
 * only (no https or Microsoft host needed for the token to be attached) and that tokens never leave
 * the configured origin.
 */
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function listen(handler: { current: Handler }): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => handler.current(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('Graph transport against an http stand-in', () => {
  const graph = { current: (() => undefined) as Handler };
  const other = { current: (() => undefined) as Handler };
  let g: { server: Server; url: string };
  let o: { server: Server; url: string };
  const seen: { url: string; auth: string | undefined; origin: 'graph' | 'other' }[] = [];
  let invalidations = 0;

  beforeAll(async () => {
    g = await listen(graph);
    o = await listen(other);
  });
  afterAll(async () => {
    await new Promise((r) => g.server.close(r));
    await new Promise((r) => o.server.close(r));
  });
  beforeEach(() => {
    seen.length = 0;
    invalidations = 0;
    other.current = (req, res) => {
      seen.push({ url: req.url ?? '', auth: req.headers.authorization, origin: 'other' });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"value":[]}');
    };
  });

  const transport = (retry = {}) =>
    createTransport({
      graphBaseUrl: `${g.url}/v1.0`,
      appToken: {
        getToken: async () => 'app-token-1',
        invalidate: () => {
          invalidations++;
        },
      },
      quota: createQuotaBudget(),
      logger: createLogger({ level: 'silent' }),
      timer: systemTimer,
      retry: { baseDelayMs: 1, maxDelayMs: 2, ...retry },
    });
  const record = (req: IncomingMessage) => seen.push({ url: req.url ?? '', auth: req.headers.authorization, origin: 'graph' });

  it('attaches the bearer token on an http:// base and parses JSON; empty 200 and 204 bodies are undefined', async () => {
    graph.current = (req, res) => {
      record(req);
      if (req.url?.endsWith('/empty')) return void res.writeHead(200, { 'content-type': 'application/json' }).end('');
      if (req.url?.endsWith('/none')) return void res.writeHead(204).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"u1"}');
    };
    const t = transport();
    const base = { operation: 'test', permission: 'User.Read.All', priority: 'read' as const };
    expect(await t.call({ ...base, method: 'GET', path: '/users/u1' })).toEqual({ id: 'u1' });
    expect(await t.call({ ...base, method: 'POST', path: '/x/empty', body: {} })).toBeUndefined();
    expect(await t.call({ ...base, method: 'DELETE', path: '/x/none' })).toBeUndefined();
    expect(seen.map((s) => [s.url, s.auth])).toEqual([
      ['/v1.0/users/u1', 'Bearer app-token-1'],
      ['/v1.0/x/empty', 'Bearer app-token-1'],
      ['/v1.0/x/none', 'Bearer app-token-1'],
    ]);
  });

  it('a nextLink to another origin is not followed and gets no token', async () => {
    graph.current = (req, res) => {
      record(req);
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ value: [{ id: 'u1' }], '@odata.nextLink': `${o.url}/v1.0/users?$skiptoken=abc` }));
    };
    const err = await userOps(transport())
      .listUsers()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExternalError);
    expect((err as ExternalError).reason).toBe('graph_rejected');
    expect(seen.filter((s) => s.origin === 'other')).toEqual([]);
  });

  it('Graph error bodies give the message; a 429 Retry-After as an HTTP date is obeyed and reported', async () => {
    graph.current = (req, res) => {
      record(req);
      res
        .writeHead(429, { 'content-type': 'application/json', 'retry-after': new Date(Date.now() + 5_000).toUTCString() })
        .end(JSON.stringify({ error: { code: 'TooManyRequests', message: 'Slow down please' } }));
    };
    const err = (await transport({ maxThrottleAttempts: 1 })
      .call({
        operation: 'getPresence',
        permission: 'Presence.Read.All',
        priority: 'read',
        method: 'GET',
        path: '/users/u1/presence',
      })
      .catch((e: unknown) => e)) as ExternalError;
    expect(err.reason).toBe('throttled');
    expect(err.message).toContain('Slow down please');
    expect(err.extra.retryAfterMs).toBeGreaterThan(2_000);
    expect(err.extra.retryAfterMs).toBeLessThanOrEqual(5_000);
  });

  it('a 401 makes the app token be fetched again once, then permission_missing', async () => {
    graph.current = (req, res) => {
      record(req);
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: 'InvalidAuthenticationToken', message: 'Access token has expired.' } }));
    };
    const err = (await transport()
      .call({
        operation: 'getPresence',
        permission: 'Presence.Read.All',
        priority: 'read',
        method: 'GET',
        path: '/users/u1/presence',
      })
      .catch((e: unknown) => e)) as ExternalError;
    expect([err.reason, err.extra.status, err.extra.permission]).toEqual(['permission_missing', 401, 'Presence.Read.All']);
    expect(invalidations).toBe(1);
    expect(seen).toHaveLength(2);
  });

  it('a delegated call uses its own token source, never the app token', async () => {
    graph.current = (req, res) => {
      record(req);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"value":[]}');
    };
    await transport().call({
      operation: 'listSubscriptions',
      permission: 'Presence.Read.All (delegated)',
      priority: 'read',
      method: 'GET',
      path: '/subscriptions',
      token: async () => 'owner-token',
    });
    expect(seen.map((s) => s.auth)).toEqual(['Bearer owner-token']);
  });

  it('a 401 on a delegated call invalidates that token source once when it can, then permission_missing', async () => {
    graph.current = (req, res) => {
      record(req);
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end('{"error":{"code":"InvalidAuthenticationToken","message":"expired"}}');
    };
    let owned = 0;
    let n = 0;
    const token = Object.assign(async () => `owner-token-${++n}`, {
      invalidate: () => {
        owned++;
      },
    });
    const err = (await transport()
      .call({
        operation: 'renewSubscription',
        permission: 'Presence.Read.All (delegated)',
        priority: 'background',
        method: 'PATCH',
        path: '/subscriptions/s1',
        body: {},
        token,
      })
      .catch((e: unknown) => e)) as ExternalError;
    expect(err.reason).toBe('permission_missing');
    expect([owned, invalidations]).toEqual([1, 0]);
    expect(seen.map((s) => s.auth)).toEqual(['Bearer owner-token-1', 'Bearer owner-token-2']);
  });
});
