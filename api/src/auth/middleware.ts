import type { Next, Request, RequestHandler, Response } from 'restify';
import { AppError } from '../http/errors.ts';
import type { Authenticator } from './authenticate.ts';
import type { Principal } from './principal.ts';

declare module 'restify' {
  interface Request {
    /** Set by the auth middleware once the Teams SSO (or dev) token validated. */
    principal?: Principal;
  }
}

/**
 * A restify handler for routes declared outside the admin route kit: validates the bearer token,
 * attaches `req.principal`, and answers 401/429 itself. Fails closed: nothing reaches the next handler
 * without a principal.
 */
export function requireAuth(auth: Authenticator): RequestHandler {
  return (req: Request, res: Response, next: Next) => {
    auth.authenticate(req).then(
      (principal) => {
        req.principal = principal;
        next();
      },
      (err: unknown) => {
        if (err instanceof AppError && err.expose) {
          const retry = (err as AppError & { retryAfter?: number }).retryAfter;
          if (retry) res.setHeader('retry-after', String(retry));
          if (err.status === 401) res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
          res.send(err.status, err.toJSON());
          next(false);
          return;
        }
        next(err instanceof Error ? err : new Error(String(err)));
      },
    );
  };
}
