import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../api/src/config.ts';
import { type GraphEmulator, startGraphEmulator } from '../../emulators/graph/index.ts';
import { buildSeed } from '../../emulators/shared/seed.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { CLIENT_ID, call, signIn, TENANT_A } from './support.ts';

const RESOURCE = `api://tab.contoso.com/${CLIENT_ID}`;
const OID = '0b7c2a55-1d3e-4f60-8a9b-c0d1e2f3a4b5';

/** A tiny identity provider: one RSA key, a JWKS endpoint, tokens in v1 or v2 form. */
async function localIdp() {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const other = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const server: Server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/keys`;
  const sign = (
    o: {
      iss?: string;
      aud?: string;
      claims?: Record<string, unknown>;
      exp?: number;
      key?: Parameters<SignJWT['sign']>[0];
      kid?: string;
    } = {},
  ) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      tid: TENANT_A,
      oid: OID,
      scp: 'access_as_user',
      preferred_username: 'pat@contoso.com',
      name: 'Pat',
      ...o.claims,
    })
      .setProtectedHeader({ alg: 'RS256', kid: o.kid ?? 'k1' })
      .setIssuer(o.iss ?? `https://login.microsoftonline.com/${TENANT_A}/v2.0`)
      .setAudience(o.aud ?? CLIENT_ID)
      .setIssuedAt(now - 60)
      .setExpirationTime(o.exp ?? now + 600)
      .sign(o.key ?? privateKey);
  };
  return { jwksUrl, sign, otherKey: other.privateKey, stop: () => new Promise<void>((r) => server.close(() => r())) };
}

const bearer = (token: string) => ({ token, userId: '', tenantId: '', upn: '' });

describe('SSO tokens validated against a JWKS (AAD_JWKS_URL)', () => {
  let idp: Awaited<ReturnType<typeof localIdp>>;
  let app: TestApp;
  beforeAll(async () => {
    idp = await localIdp();
    app = await startTestApp({
      AAD_APP_CLIENT_ID: CLIENT_ID,
      AAD_APP_RESOURCE: RESOURCE,
      AAD_JWKS_URL: idp.jwksUrl,
      AUTH_FAILURES_PER_MINUTE: '1000',
    });
  });
  afterAll(async () => {
    await app?.stop();
    await idp?.stop();
  });

  it('when a v2 token for the client id is sent then the principal is attached', async () => {
    const r = await call(app, 'GET', '/api/me', bearer(await idp.sign()));
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      tenantId: TENANT_A,
      userId: OID,
      name: 'Pat',
      upn: 'pat@contoso.com',
      scopes: ['access_as_user'],
      via: 'sso',
    });
  });

  it('when a v1 token (sts.windows.net issuer, api:// audience) is sent then it is accepted too', async () => {
    const token = await idp.sign({
      iss: `https://sts.windows.net/${TENANT_A}/`,
      aud: RESOURCE,
      claims: { upn: 'pat@contoso.com', preferred_username: undefined },
    });
    const r = await call(app, 'GET', '/api/me', bearer(token));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ upn: 'pat@contoso.com' });
  });

  it('when the token is wrong in any way then 401 and the reason is logged, never the token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, string][] = [
      ['expired', await idp.sign({ exp: now - 3600 })],
      ['audience', await idp.sign({ aud: 'api://someone-else' })],
      ['issuer', await idp.sign({ iss: 'https://evil.example.com/v2.0' })],
      ['issuer tenant', await idp.sign({ iss: 'https://login.microsoftonline.com/7b1e0d44-3c2a-4f19-9e8d-0a1b2c3d4e5f/v2.0' })],
      ['signature', await idp.sign({ key: idp.otherKey })],
      ['unknown key', await idp.sign({ key: idp.otherKey, kid: 'k2' })],
      ['app-only', await idp.sign({ claims: { scp: undefined, roles: ['Admin'] } })],
      ['scope', await idp.sign({ claims: { scp: 'User.Read' } })],
      ['garbage', 'abc.def.ghi'],
      [
        'alg none',
        `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ tid: TENANT_A, oid: OID, scp: 'access_as_user', aud: CLIENT_ID, iss: `https://login.microsoftonline.com/${TENANT_A}/v2.0`, exp: now + 600 })).toString('base64url')}.`,
      ],
    ];
    for (const [name, token] of cases) {
      const r = await call(app, 'GET', '/api/connections', bearer(token));
      expect(r.status, name).toBe(401);
      expect(app.rawLogs()).not.toContain(token.split('.')[2] || token);
    }
    const noHeader = await call(app, 'GET', '/api/connections', null, undefined, { authorization: 'Basic abc' });
    expect(noHeader.status).toBe(401);
    expect(app.logs.some((l) => l.msg === 'authentication failed' && l.reason === 'token expired')).toBe(true);
  });

  it('when dev sign-in is not enabled then the route is absent and the config says so', async () => {
    expect((await call(app, 'POST', '/api/dev/sign-in', null, { upn: 'a@b.com' })).status).toBe(404);
    expect((await call(app, 'GET', '/api/auth/config')).body).toMatchObject({
      devSignIn: false,
      clientId: CLIENT_ID,
      resource: RESOURCE,
    });
  });
});

describe('auth failure rate limit', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ AAD_APP_CLIENT_ID: CLIENT_ID, AUTH_FAILURES_PER_MINUTE: '3', DEV_SIGN_IN: 'true' });
  });
  afterAll(async () => app?.stop());

  it('when a client fails to authenticate too often then it gets 429 with Retry-After, even with a good token', async () => {
    const good = await signIn(app);
    expect((await call(app, 'GET', '/api/me', good)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await call(app, 'GET', '/api/me', bearer('x.y.z'))).status).toBe(401);
    const blocked = await call(app, 'GET', '/api/me', bearer('x.y.z'));
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await call(app, 'GET', '/api/me', good)).status).toBe(429);
  });
});

describe('dev sign-in', () => {
  it('when NODE_ENV=production then DEV_SIGN_IN is refused at start-up', () => {
    expect(() =>
      loadConfig({
        NODE_ENV: 'production',
        DEV_SIGN_IN: 'true',
        ENCRYPTION_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=',
        PUBLIC_BASE_URL: 'https://x.example.com',
        AAD_APP_CLIENT_ID: CLIENT_ID,
        BOT_ID: 'b',
        BOT_PASSWORD: 'p',
      }),
    ).toThrow(/DEV_SIGN_IN/);
  });

  it('when a dev token from one server is sent to another then it is rejected (per-process key)', async () => {
    const a = await startTestApp({ DEV_SIGN_IN: 'true', AAD_APP_CLIENT_ID: CLIENT_ID });
    const b = await startTestApp({ DEV_SIGN_IN: 'true', AAD_APP_CLIENT_ID: CLIENT_ID });
    try {
      expect((await call(a, 'GET', '/api/auth/config')).body).toMatchObject({ devSignIn: true });
      const who = await signIn(a);
      expect((await call(a, 'GET', '/api/me', who)).body).toMatchObject({ via: 'dev', upn: who.upn, tenantId: TENANT_A });
      expect((await call(b, 'GET', '/api/me', who)).status).toBe(401);
      const stale = await call(a, 'POST', '/api/dev/sign-in', bearer('stale.token.value'), { upn: 'again@contoso.com' });
      expect(stale.status).toBe(200);
      const bad = await call(a, 'POST', '/api/dev/sign-in', null, { tenantId: 'x' });
      expect(bad.status).toBe(400);
      expect(bad.text).toMatch(/tenantId|upn/);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});

describe('SSO tokens from the Graph emulator’s identity platform (JWKS derived from AUTHORITY_HOST + tid)', () => {
  let graph: GraphEmulator;
  let app: TestApp;
  const seed = buildSeed();
  beforeAll(async () => {
    graph = await startGraphEmulator({ seed });
    app = await startTestApp({
      AAD_APP_CLIENT_ID: CLIENT_ID,
      AUTHORITY_HOST: graph.authorityHost,
      EXTRA_CA_CERTS_FILE: graph.caCertFile,
    });
  });
  afterAll(async () => {
    await app?.stop();
    await graph?.stop();
  });

  it('when the emulator issues a Teams SSO token for our app then it is accepted; for another audience it is not', async () => {
    const user = seed.users[0]!;
    const token = await graph.control.issueUserToken({ userId: user.id, audience: CLIENT_ID });
    const r = await call(app, 'GET', '/api/me', bearer(token));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ tenantId: seed.tenantId, userId: user.id, upn: user.userPrincipalName, via: 'sso' });
    const wrong = await graph.control.issueUserToken({ userId: user.id, audience: 'api://other' });
    expect((await call(app, 'GET', '/api/me', bearer(wrong))).status).toBe(401);
    const noScope = await graph.control.issueUserToken({ userId: user.id, audience: CLIENT_ID, scopes: ['User.Read'] });
    expect((await call(app, 'GET', '/api/me', bearer(noScope))).status).toBe(401);
  });
});
