import type { Request } from 'restify';
import { AppError, unauthorized } from '../http/errors.ts';
import type { Logger } from '../logging.ts';
import type { FailureLimiter } from './failure-limiter.ts';
import type { Principal } from './principal.ts';
import { TokenRejected, type TokenValidator } from './token-validator.ts';

/**
 * Turns a request into a Principal or throws: 429 when the client has failed too often, 401 for a
 * missing/invalid token (the reason goes to the log and a generic hint to the client). Fails closed:
 * any error from the validator is a 401, never a pass.
 */
export interface Authenticator {
  authenticate(req: Request): Promise<Principal>;
}

export function createAuthenticator(deps: { validator: TokenValidator; limiter: FailureLimiter; logger: Logger }): Authenticator {
  return {
    async authenticate(req) {
      const ip = clientAddress(req);
      const wait = deps.limiter.blockedFor(ip);
      if (wait > 0) {
        throw Object.assign(new AppError(429, 'too_many_auth_failures', `too many failed sign-ins; retry in ${wait} s`), {
          retryAfter: wait,
        });
      }
      const header = req.header('authorization') ?? '';
      const match = /^Bearer\s+([A-Za-z0-9_\-.]+)$/i.exec(header.trim());
      if (!match) {
        deps.limiter.recordFailure(ip);
        throw unauthorized('sign-in required: send a Teams SSO token as "Authorization: Bearer <token>"');
      }
      try {
        return await deps.validator.validate(match[1]!);
      } catch (err) {
        deps.limiter.recordFailure(ip);
        const reason = err instanceof TokenRejected ? err.message : 'validation error';
        if (!(err instanceof TokenRejected)) req.plog.error({ err }, 'token validation failed unexpectedly');
        req.plog.warn({ reason, ip }, 'authentication failed');
        throw unauthorized(`invalid token: ${reason}`);
      }
    },
  };
}

export function clientAddress(req: Request): string {
  return req.socket?.remoteAddress ?? 'unknown';
}
