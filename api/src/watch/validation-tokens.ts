import { createRemoteJWKSet, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { Clock } from '../domain/ports.ts';

/** Microsoft Graph Change Tracking: the `azp`/`appid` of every validation token (facts/graph.md). */
export const GRAPH_CHANGE_TRACKING_APP_ID = '0bf30f3b-4a52-48df-9a82-234910c4a086';

/**
 * Verifies the `validationTokens` that come with rich notifications: signed by the identity platform
 * (JWKS at the authority host), audience = the connection's app client id, azp/appid = Graph change
 * tracking, not expired. Every token in the envelope must pass.
 */
export interface ValidationTokenVerifier {
  verify(tokens: readonly string[], audience: string): Promise<{ ok: true } | { ok: false; reason: string }>;
}

export function jwksUrlFor(authorityHost: string): string {
  return `${authorityHost.replace(/\/+$/, '')}/common/discovery/v2.0/keys`;
}

/** How long a verified token is trusted without checking its signature again (bounded by its own expiry). */
const VERIFIED_TTL_MS = 10 * 60_000;
const VERIFIED_MAX = 256;

export function createValidationTokenVerifier(opts: {
  keys?: JWTVerifyGetKey;
  jwksUrl?: string;
  clock: Clock;
}): ValidationTokenVerifier {
  const keys = opts.keys ?? (opts.jwksUrl ? createRemoteJWKSet(new URL(opts.jwksUrl)) : undefined);
  if (!keys) throw new Error('validation token verifier needs keys or jwksUrl');
  // Whether Graph repeats a token across POSTs is not documented; when it does, the RSA check (~3% of
  // the server's CPU in a burst of fresh tokens) is not paid again. Only successes are kept, until the
  // earlier of the token's expiry and VERIFIED_TTL_MS (so a withdrawn signing key stops being trusted soon after).
  const verified = new Map<string, number>();
  const remember = (key: string, until: number) => {
    if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
    verified.set(key, until);
  };
  return {
    async verify(tokens, audience) {
      if (tokens.length === 0) return { ok: false, reason: 'no validation tokens' };
      const now = opts.clock.now();
      for (const t of tokens) {
        const cacheKey = `${audience}\n${t}`;
        const until = verified.get(cacheKey);
        if (until !== undefined && until > now) continue;
        if (until !== undefined) verified.delete(cacheKey);
        try {
          const { payload } = await jwtVerify(t, keys, {
            audience,
            currentDate: new Date(now),
            clockTolerance: 300,
          });
          const azp = payload.azp ?? payload.appid;
          if (azp !== GRAPH_CHANGE_TRACKING_APP_ID)
            return { ok: false, reason: 'validation token not issued to Graph change tracking' };
          remember(cacheKey, Math.min(now + VERIFIED_TTL_MS, typeof payload.exp === 'number' ? payload.exp * 1000 : now));
        } catch (err) {
          return { ok: false, reason: `validation token rejected: ${(err as Error).message}` };
        }
      }
      return { ok: true };
    },
  };
}
