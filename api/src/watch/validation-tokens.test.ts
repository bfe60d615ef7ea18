import { createLocalJWKSet, exportJWK, generateKeyPair, type JWTVerifyGetKey, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createValidationTokenVerifier, GRAPH_CHANGE_TRACKING_APP_ID } from './validation-tokens.ts';

describe('validation token verifier', () => {
  const setup = async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' };
    const local = createLocalJWKSet({ keys: [jwk] });
    let lookups = 0;
    const keys: JWTVerifyGetKey = (header, token) => {
      lookups++;
      return local(header, token);
    };
    let now = Date.parse('2026-11-27T04:00:00Z');
    const clock = { now: () => now };
    const verifier = createValidationTokenVerifier({ keys, clock });
    const token = (aud = 'app-1', azp = GRAPH_CHANGE_TRACKING_APP_ID, lifetimeS = 3600) =>
      new SignJWT({ azp })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setAudience(aud)
        .setIssuedAt(Math.floor(now / 1000))
        .setExpirationTime(Math.floor(now / 1000) + lifetimeS)
        .sign(privateKey);
    return { verifier, token, lookups: () => lookups, advance: (ms: number) => (now += ms) };
  };

  it('when the same token comes again then its signature is not checked again', async () => {
    const t = await setup();
    const tok = await t.token();
    expect(await t.verifier.verify([tok], 'app-1')).toEqual({ ok: true });
    expect(await t.verifier.verify([tok], 'app-1')).toEqual({ ok: true });
    expect(t.lookups()).toBe(1);
  });

  it('a token trusted for one audience is checked afresh, and refused, for another', async () => {
    const t = await setup();
    const tok = await t.token('app-1');
    expect(await t.verifier.verify([tok], 'app-1')).toEqual({ ok: true });
    expect(await t.verifier.verify([tok], 'app-2')).toMatchObject({ ok: false, reason: expect.stringMatching(/aud/) });
  });

  it('a refused token stays refused, and a trusted one is checked again once it has expired', async () => {
    const t = await setup();
    const wrongApp = await t.token('app-1', 'not-graph');
    expect((await t.verifier.verify([wrongApp], 'app-1')).ok).toBe(false);
    expect((await t.verifier.verify([wrongApp], 'app-1')).ok).toBe(false);
    expect(t.lookups()).toBe(2);

    const short = await t.token('app-1', GRAPH_CHANGE_TRACKING_APP_ID, 60);
    expect(await t.verifier.verify([short], 'app-1')).toEqual({ ok: true });
    t.advance(60_000 + 301_000); // past expiry and the 5-minute clock tolerance
    expect(await t.verifier.verify([short], 'app-1')).toMatchObject({ ok: false, reason: expect.stringMatching(/exp/) });
  });
});
