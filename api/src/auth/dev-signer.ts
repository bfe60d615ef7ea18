import { createLocalJWKSet, exportJWK, generateKeyPair, type JWTVerifyGetKey, SignJWT } from 'jose';

/**
 * Local dev sign-in: a per-process key pair whose tokens the validator also trusts. Exists only
 * when DEV_SIGN_IN=true outside production (the composition root decides); the key never leaves memory.
 */
export interface DevSigner {
  issuer: string;
  audience: string;
  keys: JWTVerifyGetKey;
  sign(p: {
    tenantId: string;
    userId: string;
    upn: string | null;
    name: string | null;
  }): Promise<{ token: string; expiresAt: string }>;
}

export const DEV_ISSUER = 'urn:presence-sync:dev-sign-in';

export async function createDevSigner(opts: { audience: string; ttlSeconds?: number; now?: () => number }): Promise<DevSigner> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'dev-1', alg: 'ES256', use: 'sig' };
  const keys = createLocalJWKSet({ keys: [jwk] });
  const ttl = opts.ttlSeconds ?? 1800;
  const now = opts.now ?? Date.now;
  return {
    issuer: DEV_ISSUER,
    audience: opts.audience,
    keys,
    async sign(p) {
      const iat = Math.floor(now() / 1000);
      const token = await new SignJWT({
        tid: p.tenantId,
        oid: p.userId,
        scp: 'access_as_user',
        ...(p.upn ? { preferred_username: p.upn } : {}),
        ...(p.name ? { name: p.name } : {}),
      })
        .setProtectedHeader({ alg: 'ES256', kid: 'dev-1', typ: 'JWT' })
        .setIssuer(DEV_ISSUER)
        .setAudience(opts.audience)
        .setSubject(p.userId)
        .setIssuedAt(iat)
        .setExpirationTime(iat + ttl)
        .sign(privateKey);
      return { token, expiresAt: new Date((iat + ttl) * 1000).toISOString() };
    },
  };
}
