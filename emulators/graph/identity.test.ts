import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSeed } from '../shared/seed.ts';
import type { GraphEmulator } from './index.ts';
import { graph, startTrustedEmulator, tokenRequest } from './test-helpers.ts';

type TokenBody = {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  expires_in: number;
  token_type: string;
  error?: string;
  error_description?: string;
  error_codes?: number[];
};

describe('identity emulator', () => {
  let emu: GraphEmulator;
  const seed = buildSeed({ agents: 12 });
  const owner = seed.users.find((u) => u.role === 'owner')!;
  const redirectUri = 'http://127.0.0.1:9/callback';

  beforeAll(async () => {
    emu = await startTrustedEmulator({ seed });
  });
  afterAll(async () => {
    await emu.stop();
  });

  const token = async (form: Record<string, string>) => {
    const r = await tokenRequest(emu, form);
    return { status: r.status, body: (await r.json()) as TokenBody };
  };

  /** Drives the sign-in page like a browser: GET the form, POST credentials, read the 302. */
  async function signIn(params: Record<string, string>, password = owner.password!): Promise<URL> {
    const authorize = `${emu.url}/${emu.tenantId}/oauth2/v2.0/authorize`;
    const page = await fetch(`${authorize}?${new URLSearchParams(params)}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<form method="post"');
    expect(html).toContain(`value="${owner.userPrincipalName}"`);
    const hidden = Object.fromEntries(
      [...html.matchAll(/type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!.replace(/&#38;/g, '&')]),
    );
    const post = await fetch(authorize, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...hidden, username: owner.userPrincipalName, password }).toString(),
    });
    expect(post.status).toBe(302);
    return new URL(post.headers.get('location')!);
  }

  it('when the sign-in form is completed with PKCE then the code redeems once, only with the right verifier', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const params = {
      client_id: emu.defaultApp.clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: 'https://graph.microsoft.com/Presence.Read.All offline_access openid profile',
      state: 'st-123',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      login_hint: owner.userPrincipalName,
    };
    const back = await signIn(params);
    expect(back.origin + back.pathname).toBe(redirectUri);
    expect(back.searchParams.get('state')).toBe('st-123');
    const code = back.searchParams.get('code')!;
    const wrong = await token({
      grant_type: 'authorization_code',
      client_id: emu.defaultApp.clientId,
      code,
      redirect_uri: redirectUri,
      code_verifier: 'not-the-verifier-not-the-verifier-123456',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('invalid_grant');

    const code2 = (await signIn(params)).searchParams.get('code')!;
    const ok = await token({
      grant_type: 'authorization_code',
      client_id: emu.defaultApp.clientId,
      code: code2,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      scope: params.scope,
    });
    expect(ok.status).toBe(200);
    const claims = decodeJwt(ok.body.access_token);
    expect(claims).toMatchObject({
      oid: owner.id,
      tid: emu.tenantId,
      scp: 'Presence.Read.All',
      aud: 'https://graph.microsoft.com',
    });
    expect(claims.roles).toBeUndefined();
    expect(ok.body.refresh_token).toBeTruthy();
    expect(decodeJwt(ok.body.id_token!)).toMatchObject({
      aud: emu.defaultApp.clientId,
      preferred_username: owner.userPrincipalName,
    });
    const again = await token({
      grant_type: 'authorization_code',
      client_id: emu.defaultApp.clientId,
      code: code2,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });
    expect(again.status).toBe(400);

    // The refresh token gets a new access token (and a new refresh token) for the same user.
    const refreshed = await token({
      grant_type: 'refresh_token',
      client_id: emu.defaultApp.clientId,
      refresh_token: ok.body.refresh_token!,
      scope: 'https://graph.microsoft.com/Presence.Read.All offline_access',
    });
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(refreshed.body.access_token)).toMatchObject({ oid: owner.id, scp: 'Presence.Read.All' });
    expect(refreshed.body.refresh_token).toBeTruthy();
    const bogus = await token({ grant_type: 'refresh_token', client_id: emu.defaultApp.clientId, refresh_token: 'nope' });
    expect(bogus.status).toBe(400);
    expect(bogus.body.error).toBe('invalid_grant');
  });

  it('when response_mode is form_post or fragment then the code comes back that way', async () => {
    const authorize = `${emu.url}/${emu.tenantId}/oauth2/v2.0/authorize`;
    const signInWith = (mode: string) =>
      fetch(authorize, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          client_id: emu.defaultApp.clientId,
          response_type: 'code',
          redirect_uri: redirectUri,
          response_mode: mode,
          state: 'st',
          username: owner.userPrincipalName,
          password: owner.password!,
        }).toString(),
      });
    const posted = await signInWith('form_post');
    expect(posted.status).toBe(200);
    const page = await posted.text();
    expect(page).toContain(`action="${redirectUri}"`);
    expect(page).toMatch(/name="code" value="[^"]+"/);
    const frag = await signInWith('fragment');
    expect(frag.status).toBe(302);
    const hash = new URLSearchParams(new URL(frag.headers.get('location')!).hash.slice(1));
    expect(hash.get('code')).toBeTruthy();
    expect(hash.get('state')).toBe('st');
  });

  it('when the sign-in form gets a wrong password then it shows an error and does not redirect', async () => {
    const authorize = `${emu.url}/${emu.tenantId}/oauth2/v2.0/authorize`;
    const r = await fetch(authorize, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: emu.defaultApp.clientId,
        response_type: 'code',
        redirect_uri: redirectUri,
        username: owner.userPrincipalName,
        password: 'wrong',
      }).toString(),
    });
    expect(r.status).toBe(200);
    expect(await r.text()).toMatch(/invalid username or password/);
  });

  it('when the password grant is used then good credentials get a delegated token and bad ones AADSTS50126', async () => {
    const ok = await token({
      grant_type: 'password',
      client_id: emu.defaultApp.clientId,
      username: owner.userPrincipalName,
      password: owner.password!,
      scope: 'https://graph.microsoft.com/Presence.Read.All offline_access',
    });
    expect(ok.status).toBe(200);
    expect(decodeJwt(ok.body.access_token)).toMatchObject({
      oid: owner.id,
      scp: 'Presence.Read.All',
      appid: emu.defaultApp.clientId,
    });
    const me = await graph(emu, ok.body.access_token, 'GET', '/me/presence');
    expect(me.status).toBe(200);
    const bad = await token({
      grant_type: 'password',
      client_id: emu.defaultApp.clientId,
      username: owner.userPrincipalName,
      password: 'wrong',
      scope: 'https://graph.microsoft.com/.default',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error_codes).toEqual([50126]);
    expect(bad.body.error_description).toMatch(/^AADSTS50126:/);
  });

  it('when an owner is disabled or their sessions are revoked then sign-in and refresh fail like Entra', async () => {
    const form = {
      grant_type: 'password',
      client_id: emu.defaultApp.clientId,
      username: owner.userPrincipalName,
      password: owner.password!,
      scope: 'https://graph.microsoft.com/Presence.Read.All offline_access',
    };
    const first = await token(form);
    expect(first.status).toBe(200);
    expect(emu.control.revokeSignInSessions(owner.id)).toBeGreaterThanOrEqual(1);
    const refresh = await token({
      grant_type: 'refresh_token',
      client_id: emu.defaultApp.clientId,
      refresh_token: first.body.refresh_token!,
    });
    expect(refresh.status).toBe(400);
    expect(refresh.body.error).toBe('invalid_grant');
    emu.control.setAccountEnabled(owner.id, false);
    const disabled = await token(form);
    expect(disabled.status).toBe(400);
    expect(disabled.body.error_codes).toEqual([50057]);
    emu.control.setAccountEnabled(owner.id, true);
    expect((await token(form)).status).toBe(200);
  });

  it('when the device code flow is approved on the device page then polling yields tokens (pending before)', async () => {
    const start = await fetch(`${emu.url}/${emu.tenantId}/oauth2/v2.0/devicecode`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: emu.defaultApp.clientId,
        scope: 'https://graph.microsoft.com/Presence.Read.All offline_access',
      }),
    });
    const dc = (await start.json()) as { device_code: string; user_code: string; verification_uri: string; interval: number };
    expect(dc.verification_uri).toBe(`${emu.url}/devicelogin`);
    const poll = () =>
      token({
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        client_id: emu.defaultApp.clientId,
        device_code: dc.device_code,
      });
    const pending = await poll();
    expect(pending.status).toBe(400);
    expect(pending.body.error).toBe('authorization_pending');
    const approve = await fetch(dc.verification_uri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        user_code: dc.user_code,
        username: owner.userPrincipalName,
        password: owner.password!,
        decision: 'approve',
      }),
    });
    expect(approve.status).toBe(200);
    const done = await poll();
    expect(done.status).toBe(200);
    expect(decodeJwt(done.body.access_token)).toMatchObject({ oid: owner.id, scp: 'Presence.Read.All' });
    expect(done.body.refresh_token).toBeTruthy();
  });

  it('when client credentials carry a wrong secret, an unknown app or a non-.default scope then Entra-shaped errors', async () => {
    const wrong = await token({
      grant_type: 'client_credentials',
      client_id: emu.defaultApp.clientId,
      client_secret: 'nope',
      scope: 'https://graph.microsoft.com/.default',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    expect(wrong.body.error_description).toMatch(/^AADSTS7000215: Invalid client secret provided/);
    expect(JSON.stringify(wrong.body)).not.toContain('emulator-client-secret');
    const unknown = await token({
      grant_type: 'client_credentials',
      client_id: 'nobody',
      client_secret: 'x',
      scope: 'https://graph.microsoft.com/.default',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error_codes).toEqual([700016]);
    const scope = await token({
      grant_type: 'client_credentials',
      client_id: emu.defaultApp.clientId,
      client_secret: emu.defaultApp.clientSecret,
      scope: 'https://graph.microsoft.com/User.Read.All',
    });
    expect(scope.status).toBe(400);
    expect(scope.body.error).toBe('invalid_scope');
    const tenant = await tokenRequest(
      emu,
      {
        grant_type: 'client_credentials',
        client_id: emu.defaultApp.clientId,
        client_secret: emu.defaultApp.clientSecret,
        scope: 'https://graph.microsoft.com/.default',
      },
      'another-tenant',
    );
    expect(tenant.status).toBe(400);
    expect(((await tenant.json()) as TokenBody).error_codes).toEqual([90002]);
  });

  it('when a token request is sent as JSON instead of a form then it is refused like Entra', async () => {
    const r = await fetch(`${emu.url}/${emu.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: emu.defaultApp.clientId,
        client_secret: emu.defaultApp.clientSecret,
      }),
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as TokenBody).error_codes).toEqual([900144]);
  });

  it('when an app has no permissions granted then its token has no roles claim', async () => {
    emu.control.registerApp({ clientId: 'bare-app', clientSecret: 'bare-secret', roles: [] });
    const r = await token({
      grant_type: 'client_credentials',
      client_id: 'bare-app',
      client_secret: 'bare-secret',
      scope: 'https://graph.microsoft.com/.default',
    });
    expect(r.status).toBe(200);
    expect(decodeJwt(r.body.access_token)).not.toHaveProperty('roles');
  });

  it('when the token endpoint is down by fault then 503 until the fault is spent', async () => {
    emu.control.injectFault({ kind: 'token_endpoint_down', count: 1 });
    const form = {
      grant_type: 'client_credentials',
      client_id: emu.defaultApp.clientId,
      client_secret: emu.defaultApp.clientSecret,
      scope: 'https://graph.microsoft.com/.default',
    };
    expect((await token(form)).status).toBe(503);
    expect((await token(form)).status).toBe(200);
  });

  it('when admin consent is requested then it redirects back with admin_consent=True and the tenant', async () => {
    for (const path of ['adminconsent', 'v2.0/adminconsent']) {
      const r = await fetch(
        `${emu.url}/${emu.tenantId}/${path}?${new URLSearchParams({ client_id: emu.defaultApp.clientId, redirect_uri: redirectUri, state: 'abc' })}`,
        { redirect: 'manual' },
      );
      expect(r.status).toBe(302);
      const to = new URL(r.headers.get('location')!);
      expect(Object.fromEntries(to.searchParams)).toMatchObject({ admin_consent: 'True', tenant: emu.tenantId, state: 'abc' });
    }
  });

  it('when discovery is read then it lists the endpoints and its JWKS verifies issued user tokens', async () => {
    const d = (await (await fetch(`${emu.url}/${emu.tenantId}/v2.0/.well-known/openid-configuration`)).json()) as Record<
      string,
      string
    >;
    expect(d).toMatchObject({
      issuer: `${emu.url}/${emu.tenantId}/v2.0`,
      token_endpoint: `${emu.url}/${emu.tenantId}/oauth2/v2.0/token`,
      authorization_endpoint: `${emu.url}/${emu.tenantId}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${emu.url}/${emu.tenantId}/oauth2/v2.0/devicecode`,
      jwks_uri: `${emu.url}/${emu.tenantId}/discovery/v2.0/keys`,
    });
    const sso = await emu.control.issueUserToken({
      userId: owner.id,
      audience: 'api://presence-sync',
      scopes: ['access_as_user'],
    });
    const jwks = createRemoteJWKSet(new URL(d.jwks_uri!));
    const { payload } = await jwtVerify(sso, jwks, { issuer: d.issuer!, audience: 'api://presence-sync' });
    expect(payload).toMatchObject({ tid: emu.tenantId, oid: owner.id, scp: 'access_as_user' });
  });
});
