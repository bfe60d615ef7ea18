import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, jwtVerify, SignJWT } from 'jose';

/**
 * The emulator's token signing key (RS256, like Microsoft identity) and its JWKS. Verification of
 * tokens presented to Graph is cached per token string, so a hot path costs one Map lookup.
 */
export interface Claims extends JWTPayload {
  tid?: string;
  oid?: string;
  appid?: string;
  azp?: string;
  roles?: string[];
  scp?: string;
  idtyp?: 'app' | 'user';
}

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

export class TokenKeys {
  private readonly cache = new Map<string, Claims>();
  private constructor(
    private readonly privateKey: KeyPair['privateKey'],
    private readonly publicKey: KeyPair['publicKey'],
    readonly kid: string,
    readonly jwk: JWK,
  ) {}

  static async create(): Promise<TokenKeys> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    const kid = randomUUID().replace(/-/g, '').slice(0, 27);
    const jwk = { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' };
    return new TokenKeys(privateKey, publicKey, kid, jwk);
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.jwk] };
  }

  /** Signs `claims` valid from `nowMs` for `lifetimeS` seconds (emulator time). */
  async sign(claims: Claims, nowMs: number, lifetimeS: number): Promise<string> {
    const iat = Math.floor(nowMs / 1000);
    return new SignJWT({ ...claims, uti: randomUUID().replace(/-/g, '').slice(0, 22) })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.kid })
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + lifetimeS)
      .sign(this.privateKey);
  }

  /** Verifies signature and lifetime against emulator time; throws with a reason on failure. */
  async verify(token: string, nowMs: number): Promise<Claims> {
    let claims = this.cache.get(token);
    if (!claims) {
      const { payload } = await jwtVerify(token, this.publicKey, {
        algorithms: ['RS256'],
        currentDate: new Date(nowMs),
        clockTolerance: 300,
      });
      claims = payload as Claims;
      // Bounded: a benchmark issuing many tokens must not grow this without limit.
      if (this.cache.size > 5000) this.cache.clear();
      this.cache.set(token, claims);
    }
    if (typeof claims.exp === 'number' && claims.exp * 1000 <= nowMs) throw new TokenExpiredError();
    return claims;
  }
}

export class TokenExpiredError extends Error {
  constructor() {
    super('token expired');
  }
}
