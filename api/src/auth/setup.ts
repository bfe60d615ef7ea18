import type { Config } from '../config.ts';
import type { Clock } from '../domain/ports.ts';
import type { Logger } from '../logging.ts';
import { type Authenticator, createAuthenticator } from './authenticate.ts';
import { createDevSigner, type DevSigner } from './dev-signer.ts';
import { createFailureLimiter } from './failure-limiter.ts';
import { createTokenValidator } from './token-validator.ts';

export interface SecuritySetup {
  authenticator: Authenticator;
  devSigner: DevSigner | undefined;
}

/**
 * Builds token validation from configuration. Dev sign-in exists only when DEV_SIGN_IN=true and
 * NODE_ENV is not production (config refuses that combination too; this is the second lock).
 */
export async function createSecurity(
  config: Pick<
    Config,
    | 'AAD_APP_CLIENT_ID'
    | 'AAD_APP_RESOURCE'
    | 'AAD_JWKS_URL'
    | 'AUTHORITY_HOST'
    | 'DEV_SIGN_IN'
    | 'NODE_ENV'
    | 'AUTH_FAILURES_PER_MINUTE'
  >,
  deps: { logger: Logger; clock: Clock },
): Promise<SecuritySetup> {
  const audiences = [config.AAD_APP_CLIENT_ID, config.AAD_APP_RESOURCE].filter((a): a is string => !!a);
  const devEnabled = config.DEV_SIGN_IN && config.NODE_ENV !== 'production';
  const devSigner = devEnabled ? await createDevSigner({ audience: config.AAD_APP_CLIENT_ID ?? 'presence-sync-dev' }) : undefined;
  if (devSigner) deps.logger.warn('dev sign-in is enabled (DEV_SIGN_IN=true): for local use only');
  const validator = createTokenValidator({
    audiences,
    authorityHost: config.AUTHORITY_HOST,
    jwksUrl: config.AAD_JWKS_URL,
    dev: devSigner ? { issuer: devSigner.issuer, audience: devSigner.audience, keys: devSigner.keys } : undefined,
  });
  const limiter = createFailureLimiter({ limit: config.AUTH_FAILURES_PER_MINUTE, windowMs: 60_000, clock: deps.clock });
  return { authenticator: createAuthenticator({ validator, limiter, logger: deps.logger }), devSigner };
}
