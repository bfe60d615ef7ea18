import { X509Certificate } from 'node:crypto';
import { decodeProtectedHeader, importX509, jwtVerify } from 'jose';
import { generate } from 'selfsigned';
import { describe, expect, it } from 'vitest';
import { authorityFor, knownAuthoritiesFor } from './app-auth.ts';
import { certificateAssertion, pkceChallenge, statesMatch } from './delegated.ts';

describe('client credentials helpers', () => {
  it('a certificate assertion is RS256, names the certificate by SHA-256 thumbprint and verifies with its public key', async () => {
    const pems = await generate([{ name: 'commonName', value: 'presence-sync-app' }], { keySize: 2048, algorithm: 'sha256' });
    const cert = { certificatePem: pems.cert, privateKeyPem: pems.private };
    const now = Date.UTC(2026, 10, 26, 12);
    const aud = 'https://login.example/tenant/oauth2/v2.0/token';
    const jwt = await certificateAssertion(cert, 'client-1', aud, now);
    const header = decodeProtectedHeader(jwt);
    const thumb = Buffer.from(new X509Certificate(pems.cert).fingerprint256.replaceAll(':', ''), 'hex').toString('base64url');
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT', 'x5t#S256': thumb });
    const { payload } = await jwtVerify(jwt, await importX509(pems.cert, 'RS256'), {
      audience: aud,
      issuer: 'client-1',
      subject: 'client-1',
      currentDate: new Date(now + 1_000),
    });
    expect(payload.exp! - payload.iat!).toBe(600);
    expect(payload.jti).toMatch(/\S/);
  });

  it('PKCE S256 challenge is base64url(sha256(verifier)) (RFC 7636 appendix B example)', () => {
    expect(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('stand-in authorities are known authorities with their port; Microsoft hosts keep instance discovery', () => {
    expect(knownAuthoritiesFor('https://127.0.0.1:8443')).toEqual(['127.0.0.1:8443']);
    expect(knownAuthoritiesFor('https://login.microsoftonline.com')).toEqual([]);
    expect(authorityFor('https://127.0.0.1:8443/', 'tenant-1')).toBe('https://127.0.0.1:8443/tenant-1');
  });

  it('statesMatch accepts only the exact state', () => {
    expect(statesMatch('abc123', 'abc123')).toBe(true);
    expect(statesMatch('abc123', 'abc124')).toBe(false);
    expect(statesMatch('abc123', 'abc')).toBe(false);
    expect(statesMatch('abc123', null)).toBe(false);
  });
});
