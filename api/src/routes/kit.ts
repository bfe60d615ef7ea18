import type { Request, Response, Server } from 'restify';
import type { z } from 'zod';
import type { Authenticator } from '../auth/authenticate.ts';
import type { Principal } from '../auth/principal.ts';
import type { ConnectionRow } from '../connections/store.ts';
import { AppError, parseOr400 } from '../http/errors.ts';
import type { ApiRegistry, OperationDoc } from '../openapi/registry.ts';
import type { Db } from '../storage/db.ts';
import type { Guards } from './guards.ts';

/** Admin API bodies: 1 MiB unless a route says otherwise (the server's parser allows more, for Graph). */
const ADMIN_MAX_BODY_BYTES = 1024 * 1024;

/**
 * The one way admin API routes are declared: authentication, tenant scoping, the admin check, zod
 * validation of path/query/body (400 naming fields), and an OpenAPI entry, all from one definition.
 * Handlers stay thin and call use-case modules.
 */
export interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface Ctx<P, Q, B, A> {
  req: Request;
  /** Public routes ignore any Authorization header (a stale token must not block sign-in). */
  principal: A extends 'public' ? null : Principal;
  params: P;
  query: Q;
  body: B;
  /** The caller's connection (admin routes: path param `id`). */
  connection: A extends 'admin' ? ConnectionRow : null;
}

export interface RouteDef<
  PS extends Schema | undefined,
  QS extends Schema | undefined,
  BS extends Schema | undefined,
  A extends OperationDoc['auth'],
> {
  method: OperationDoc['method'];
  path: string;
  summary: string;
  tag: string;
  auth: A;
  params?: PS;
  query?: QS;
  body?: BS;
  response?: Schema;
  successStatus?: number;
  /** Smaller body limit than the server-wide one, in bytes. */
  maxBodyBytes?: number;
  handler(ctx: Ctx<Out<PS>, Out<QS>, Out<BS>, A>): Promise<Reply | unknown>;
}

export interface KitDeps {
  server: Server;
  db: Db;
  auth: Authenticator;
  guards: Guards;
  registry: ApiRegistry;
}

export type Define = <
  PS extends Schema | undefined = undefined,
  QS extends Schema | undefined = undefined,
  BS extends Schema | undefined = undefined,
  A extends OperationDoc['auth'] = 'admin',
>(
  def: RouteDef<PS, QS, BS, A>,
) => void;

const isReply = (v: unknown): v is Reply =>
  !!v &&
  typeof v === 'object' &&
  ('body' in v || 'status' in v) &&
  Object.keys(v).every((k) => k === 'body' || k === 'status' || k === 'headers');

export function createRouteKit(deps: KitDeps): Define {
  return (def) => {
    deps.registry.add({
      method: def.method,
      path: def.path,
      summary: def.summary,
      tag: def.tag,
      auth: def.auth,
      params: def.params,
      query: def.query,
      body: def.body,
      response: def.response,
      successStatus: def.successStatus ?? 200,
    });
    const handler = async (req: Request, res: Response) => {
      try {
        let principal: Principal | null;
        let connection: ConnectionRow | null = null;
        if (def.auth === 'admin') {
          const id = (req.params as Record<string, unknown> | undefined)?.id;
          ({ principal, connection } = await deps.guards.requireAdmin(req, typeof id === 'string' ? id : ''));
        } else principal = def.auth === 'public' ? null : await deps.guards.requireUser(req);
        const params = def.params ? parseOr400(def.params, req.params ?? {}, 'path') : undefined;
        const query = def.query ? parseOr400(def.query, req.query ?? {}, 'query') : undefined;
        const maxBody = def.maxBodyBytes ?? ADMIN_MAX_BODY_BYTES;
        if (Number(req.header('content-length') ?? 0) > maxBody)
          throw new AppError(413, 'payload_too_large', `request body too large (at most ${maxBody} bytes)`);
        const raw: unknown = req.body === undefined || req.body === '' ? {} : req.body;
        if (def.body && (raw === null || typeof raw !== 'object' || Array.isArray(raw) || Buffer.isBuffer(raw)))
          throw new AppError(400, 'validation_failed', 'invalid body: a JSON object is required', {
            fields: [{ field: 'body', problem: 'a JSON object is required (Content-Type: application/json)' }],
          });
        const body = def.body ? parseOr400(def.body, raw, 'body') : undefined;
        const ctx = { req, principal, params, query, body, connection } as unknown as Parameters<typeof def.handler>[0];
        const out = await def.handler(ctx);
        const reply: Reply = isReply(out) ? out : { body: out };
        for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
        const status = reply.status ?? def.successStatus ?? 200;
        if (reply.body === undefined) {
          res.status(status);
          res.end();
        } else res.send(status, reply.body);
      } catch (err) {
        if (err instanceof AppError && err.expose) {
          const retry = (err as AppError & { retryAfter?: number }).retryAfter;
          if (retry) res.setHeader('retry-after', String(retry));
          if (err.status === 401) res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
          res.send(err.status, err.toJSON());
          return;
        }
        throw err;
      }
    };
    const path = def.path;
    if (def.method === 'get') deps.server.get(path, handler);
    else if (def.method === 'post') deps.server.post(path, handler);
    else if (def.method === 'put') deps.server.put(path, handler);
    else if (def.method === 'patch') deps.server.patch(path, handler);
    else deps.server.del(path, handler);
  };
}
