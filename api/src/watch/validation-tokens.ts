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

export function createValidationTokenVerifier(opts: {
  keys?: JWTVerifyGetKey;
  jwksUrl?: string;
  clock: Clock;
}): ValidationTokenVerifier {
  const keys = opts.keys ?? (opts.jwksUrl ? createRemoteJWKSet(new URL(opts.jwksUrl)) : undefined);
  if (!keys) throw new Error('validation token verifier needs keys or jwksUrl');
  return {
    async verify(tokens, audience) {
      if (tokens.length === 0) return { ok: false, reason: 'no validation tokens' };
      for (const t of tokens) {
        try {
          const { payload } = await jwtVerify(t, keys, {
            audience,
            currentDate: new Date(opts.clock.now()),
            clockTolerance: 300,
          });
          const azp = payload.azp ?? payload.appid;
          if (azp !== GRAPH_CHANGE_TRACKING_APP_ID)
            return { ok: false, reason: 'validation token not issued to Graph change tracking' };
        } catch (err) {
          return { ok: false, reason: `validation token rejected: ${(err as Error).message}` };
        }
      }
      return { ok: true };
    },
  };
}
