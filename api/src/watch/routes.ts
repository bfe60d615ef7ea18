import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import { AppError, badRequest, parseOr400 } from '../http/errors.ts';
import type { Logger } from '../logging.ts';
import type { OwnerService } from './owners.ts';
import type { PresenceReaderStatus } from './reader.ts';
import type { SubscriptionManager } from './subscriptions.ts';

/**
 * Admin REST for watching Teams presence. Every route but the sign-in callback passes `requireAdmin`
 * (the admin API's authentication + tenant scoping + admin check, injected by the composition root);
 * the callback is a browser redirect from Microsoft whose `state` ties it to a sign-in an admin began.
 */
export type RequireAdmin = (req: Request, connectionId: string) => Promise<unknown>;

export interface WatchRouteDeps {
  owners: OwnerService;
  subscriptions: SubscriptionManager;
  status(connectionId: string): Promise<unknown>;
  readerStatus(connectionId: string): PresenceReaderStatus | null;
  /** Runs one reader round now (after a `missed` event, or from the tab). */
  readNow(connectionId: string): Promise<number>;
  logger: Logger;
}

const idParam = z.object({ id: z.guid('must be a connection id (GUID)') });
const ownerParam = idParam.extend({ ownerId: z.guid('must be an owner id (GUID)') });
const signInParam = idParam.extend({ signInId: z.guid('must be a sign-in id (GUID)') });
const jobParam = idParam.extend({ jobId: z.guid('must be a job id (GUID)') });
const signInBody = z.object({ loginHint: z.string().min(3).max(320).optional() }).strict();
const renewBody = z.object({ subscriptionId: z.guid().optional() }).strict();
const systemUsersBody = z.object({ count: z.number().int().min(1).max(50) }).strict();
const callbackQuery = z
  .object({
    code: z.string().max(4000).optional(),
    state: z.string().max(500).optional(),
    error: z.string().max(200).optional(),
    error_description: z.string().max(2000).optional(),
  })
  .loose();

const body = (req: Request): unknown => (req.body === undefined || req.body === null || req.body === '' ? {} : req.body);

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title: string, text: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
  `<body style="font-family:system-ui,sans-serif;margin:3rem"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>`;

export function registerWatchRoutes(server: Server, requireAdmin: RequireAdmin, deps: WatchRouteDeps): void {
  const admin =
    <P extends z.ZodType<Record<string, string>>>(
      params: P,
      fn: (req: Request, p: z.output<P>) => Promise<{ status?: number; body?: unknown }>,
    ) =>
    async (req: Request, res: Response) => {
      try {
        const p = parseOr400(params as unknown as z.ZodType<z.output<P>>, req.params ?? {}, 'path');
        await requireAdmin(req, (p as { id: string }).id);
        const out = await fn(req, p);
        if (out.body === undefined) {
          res.status(out.status ?? 204);
          res.end();
        } else res.send(out.status ?? 200, out.body);
      } catch (err) {
        if (err instanceof AppError && err.expose) {
          res.send(err.status, err.toJSON());
          return;
        }
        throw err;
      }
    };

  const base = '/api/connections/:id';
  server.get(
    `${base}/watch/status`,
    admin(idParam, async (_r, p) => ({ body: await deps.status(p.id) })),
  );
  server.get(
    `${base}/watch/reader`,
    admin(idParam, async (_r, p) => ({ body: deps.readerStatus(p.id) ?? { running: false, connectionId: p.id } })),
  );
  server.post(
    `${base}/watch/reader/read-now`,
    admin(idParam, async (_r, p) => ({ body: { changes: await deps.readNow(p.id) } })),
  );
  server.get(
    `${base}/watch/plan`,
    admin(idParam, async (_r, p) => ({ body: await deps.subscriptions.plan(p.id) })),
  );
  server.post(
    `${base}/watch/replan`,
    admin(idParam, async (_r, p) => ({ body: await deps.subscriptions.reconcile(p.id) })),
  );
  server.get(
    `${base}/watch/subscriptions`,
    admin(idParam, async (_r, p) => ({ body: await deps.subscriptions.coverage(p.id) })),
  );
  server.post(
    `${base}/watch/subscriptions/renew`,
    admin(idParam, async (req, p) => {
      const b = parseOr400(renewBody, body(req), 'body');
      return { body: { results: await deps.subscriptions.renewNow(p.id, b.subscriptionId) } };
    }),
  );

  server.get(
    `${base}/owners`,
    admin(idParam, async (_r, p) => ({ body: { owners: await deps.owners.list(p.id) } })),
  );
  server.post(
    `${base}/owners/sign-in`,
    admin(idParam, async (req, p) => {
      const b = parseOr400(signInBody, body(req), 'body');
      return { status: 201, body: await deps.owners.beginSignIn(p.id, { loginHint: b.loginHint }) };
    }),
  );
  server.post(
    `${base}/owners/device-code`,
    admin(idParam, async (_r, p) => ({ status: 201, body: await deps.owners.startDeviceCode(p.id) })),
  );
  server.post(
    `${base}/owners/device-code/:signInId/poll`,
    admin(signInParam, async (_r, p) => ({ body: await deps.owners.pollDeviceCode(p.id, p.signInId) })),
  );
  server.post(
    `${base}/owners/:ownerId/check`,
    admin(ownerParam, async (_r, p) => ({ body: await deps.owners.check(p.id, p.ownerId) })),
  );
  server.del(
    `${base}/owners/:ownerId`,
    admin(ownerParam, async (_r, p) => {
      await deps.owners.remove(p.id, p.ownerId);
      return { status: 204 };
    }),
  );
  server.post(
    `${base}/owners/system-users`,
    admin(idParam, async (req, p) => {
      const b = parseOr400(systemUsersBody, body(req), 'body');
      return { status: 202, body: await deps.owners.createSystemUsers(p.id, b.count) };
    }),
  );
  server.get(
    `${base}/owners/system-users/:jobId`,
    admin(jobParam, async (_r, p) => ({ body: await deps.owners.job(p.id, p.jobId) })),
  );

  // The redirect from Microsoft (no SSO: `state` is the proof). Answers a small page for the pop-up.
  // One URI for every connection (`state` says which), so the Entra app registers a single redirect.
  server.get('/api/owners/callback', async (req: Request, res: Response) => {
    const send = (status: number, title: string, text: string) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.setHeader('cache-control', 'no-store');
      res.sendRaw(status, page(title, text));
    };
    try {
      const q = parseOr400(callbackQuery, req.query ?? {}, 'query');
      const connectionId = q.state ? await deps.owners.connectionForState(q.state) : null;
      if (!connectionId) throw badRequest('unknown or already used sign-in (state)');
      const owner = await deps.owners.completeSignIn(connectionId, q);
      send(200, 'Signed in', `${owner.userPrincipalName} can now own presence subscriptions. You can close this window.`);
    } catch (err) {
      if (err instanceof AppError && err.expose) return send(err.status, 'Sign-in failed', err.message);
      deps.logger.error({ err }, 'owner sign-in callback failed');
      send(500, 'Sign-in failed', 'Something went wrong; try again from the Presence Sync tab.');
    }
  });
}
