import { createRemoteJWKSet, decodeJwt, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { Principal } from './principal.ts';

/**
 * Validates Microsoft identity (Teams SSO) access tokens: signature against the issuer's JWKS,
 * issuer (v1 `https://sts.windows.net/{tid}/` or v2 `{authority}/{tid}/v2.0`), audience (client id or
 * resource), expiry, the delegated scope, and the tenant/object ids. Fails closed: anything unexpected
 * is a rejection with a short reason (never the token itself).
 */
export interface TokenValidator {
  validate(token: string): Promise<Principal>;
}

export class TokenRejected extends Error {
  override name = 'TokenRejected';
}

export interface TokenValidatorOptions {
  /** Accepted `aud` values (AAD_APP_CLIENT_ID, AAD_APP_RESOURCE). Empty = SSO disabled. */
  audiences: readonly string[];
  /** e.g. https://login.microsoftonline.com — issuer and JWKS location derive from it. */
  authorityHost: string;
  /** Fixed JWKS URL (AAD_JWKS_URL); otherwise `{authorityHost}/{tid}/discovery/v2.0/keys`. */
  jwksUrl?: string | undefined;
  /** Scope the token must carry (default `access_as_user`). */
  requiredScope?: string;
  /** A second trusted signer: the local dev sign-in (only when enabled). */
  dev?: { issuer: string; audience: string; keys: JWTVerifyGetKey } | undefined;
  clockToleranceSeconds?: number;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createTokenValidator(opts: TokenValidatorOptions): TokenValidator {
  const authority = opts.authorityHost.replace(/\/+$/, '');
  const scope = opts.requiredScope ?? 'access_as_user';
  const keySets = new Map<string, JWTVerifyGetKey>();
  const keysFor = (url: string) => {
    let set = keySets.get(url);
    if (!set) {
      set = createRemoteJWKSet(new URL(url), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000, timeoutDuration: 5_000 });
      // Bounded: one key set per tenant seen; a flood of made-up tenants cannot grow it forever.
      if (keySets.size > 1_000) keySets.clear();
      keySets.set(url, set);
    }
    return set;
  };

  return {
    async validate(token) {
      let claims: JWTPayload;
      try {
        claims = decodeJwt(token);
      } catch {
        throw new TokenRejected('malformed token');
      }
      const iss = typeof claims.iss === 'string' ? claims.iss : '';
      if (opts.dev && iss === opts.dev.issuer) {
        const verified = await verify(token, opts.dev.keys, { issuer: opts.dev.issuer, audience: opts.dev.audience });
        return toPrincipal(verified, scope, 'dev');
      }
      if (opts.audiences.length === 0) throw new TokenRejected('single sign-on is not configured (AAD_APP_CLIENT_ID)');
      const tid = typeof claims.tid === 'string' ? claims.tid : '';
      if (!GUID.test(tid)) throw new TokenRejected('token has no valid tenant id (tid)');
      const issuers = [`${authority}/${tid}/v2.0`, `https://sts.windows.net/${tid}/`];
      if (authority !== 'https://login.microsoftonline.com') issuers.push(`${authority}/${tid}/`);
      const jwks = opts.jwksUrl ?? `${authority}/${tid}/discovery/v2.0/keys`;
      const verified = await verify(token, keysFor(jwks), {
        issuer: issuers,
        audience: [...opts.audiences],
        clockTolerance: opts.clockToleranceSeconds ?? 60,
      });
      if (verified.tid !== tid) throw new TokenRejected('tenant id mismatch');
      return toPrincipal(verified, scope, 'sso');
    },
  };
}

async function verify(
  token: string,
  keys: JWTVerifyGetKey,
  o: { issuer: string | string[]; audience: string | string[]; clockTolerance?: number },
): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, keys, {
      issuer: o.issuer,
      audience: o.audience,
      algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384'],
      clockTolerance: o.clockTolerance ?? 0,
      requiredClaims: ['exp', 'iat'],
    });
    return payload;
  } catch (err) {
    throw new TokenRejected(describe(err));
  }
}

function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `token claim "${err.claim}" is not accepted (${err.reason})`;
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'token signature is invalid';
  if (err instanceof errors.JWKSNoMatchingKey) return 'token signed by an unknown key';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'token algorithm not allowed';
  if (err instanceof errors.JWKSTimeout) return 'identity provider keys unavailable (timeout)';
  if (err instanceof errors.JOSEError) return `token rejected (${err.code})`;
  return 'identity provider keys unavailable';
}

function toPrincipal(c: JWTPayload, requiredScope: string, via: Principal['via']): Principal {
  const str = (k: string) => (typeof c[k] === 'string' && (c[k] as string).length > 0 ? (c[k] as string) : null);
  const tenantId = str('tid');
  const userId = str('oid');
  if (!tenantId || !userId) throw new TokenRejected('token lacks tid/oid');
  const scp = str('scp');
  // App-only tokens (roles, no scp) never act as a signed-in admin.
  if (!scp) throw new TokenRejected('not a delegated user token (no scp)');
  const scopes = scp.split(' ').filter(Boolean);
  if (!scopes.includes(requiredScope)) throw new TokenRejected(`token lacks the ${requiredScope} scope`);
  return { tenantId, userId, name: str('name'), upn: str('preferred_username') ?? str('upn'), scopes, via };
}
