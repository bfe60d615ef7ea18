import { ConfidentialClientApplication, CryptoProvider, PublicClientApplication } from '@azure/msal-node';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSeed } from '../shared/seed.ts';
import type { GraphEmulator } from './index.ts';
import { graph, startTrustedEmulator } from './test-helpers.ts';

// The product's Graph client gets app tokens with msal-node against this emulator (facts/stack.md:
// msal-node needs https and knownAuthorities with the port). This proves that works as configured.
describe('msal-node against the identity emulator', () => {
  let emu: GraphEmulator;
  beforeAll(async () => {
    emu = await startTrustedEmulator();
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('when a ConfidentialClientApplication asks for a client-credentials token then it gets one Graph accepts', async () => {
    const cca = new ConfidentialClientApplication({
      auth: {
        clientId: emu.defaultApp.clientId,
        clientSecret: emu.defaultApp.clientSecret,
        authority: `${emu.authorityHost}/${emu.tenantId}`,
        knownAuthorities: [new URL(emu.url).host],
      },
    });
    const r = await cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
    expect(r?.accessToken).toBeTruthy();
    const claims = decodeJwt(r!.accessToken);
    expect(claims).toMatchObject({ aud: 'https://graph.microsoft.com', appid: emu.defaultApp.clientId, tid: emu.tenantId });
    expect(claims.roles).toEqual(['User.Read.All', 'Presence.Read.All', 'Presence.ReadWrite.All']);
    expect((claims.exp as number) - (claims.iat as number)).toBe(3599);
    const me = await graph(emu, r!.accessToken, 'GET', '/users?$top=1');
    expect(me.status).toBe(200);
  });

  it('when msal-node uses a wrong secret then it fails with invalid_client AADSTS7000215', async () => {
    const cca = new ConfidentialClientApplication({
      auth: {
        clientId: emu.defaultApp.clientId,
        clientSecret: 'wrong',
        authority: `${emu.authorityHost}/${emu.tenantId}`,
        knownAuthorities: [new URL(emu.url).host],
      },
    });
    await expect(cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] })).rejects.toThrow(
      /AADSTS7000215/,
    );
  });
});

describe('msal-node delegated flows against the identity emulator', () => {
  let emu: GraphEmulator;
  const owner = buildSeed({ agents: 12 }).users.find((u) => u.role === 'owner')!;
  const redirectUri = 'http://127.0.0.1:9/auth/callback';
  const scopes = ['https://graph.microsoft.com/Presence.Read.All'];
  let cca: ConfidentialClientApplication;
  beforeAll(async () => {
    emu = await startTrustedEmulator({ seed: buildSeed({ agents: 12 }) });
    cca = new ConfidentialClientApplication({
      auth: {
        clientId: emu.defaultApp.clientId,
        clientSecret: emu.defaultApp.clientSecret,
        authority: `${emu.authorityHost}/${emu.tenantId}`,
        knownAuthorities: [new URL(emu.url).host],
      },
    });
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('when msal-node runs auth code + PKCE through the sign-in form then it gets the user token and can refresh silently', async () => {
    const pkce = await new CryptoProvider().generatePkceCodes();
    const authUrl = await cca.getAuthCodeUrl({
      scopes,
      redirectUri,
      codeChallenge: pkce.challenge,
      codeChallengeMethod: 'S256',
      loginHint: owner.userPrincipalName,
      state: 's1',
    });
    const form = await (await fetch(authUrl)).text();
    const hidden = Object.fromEntries(
      [...form.matchAll(/type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]),
    );
    const post = await fetch(new URL(authUrl).origin + new URL(authUrl).pathname, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...hidden, username: owner.userPrincipalName, password: owner.password! }).toString(),
    });
    const code = new URL(post.headers.get('location')!).searchParams.get('code')!;
    const r = await cca.acquireTokenByCode({ code, scopes, redirectUri, codeVerifier: pkce.verifier });
    expect(decodeJwt(r.accessToken)).toMatchObject({ oid: owner.id, scp: 'Presence.Read.All' });
    expect(r.account?.username).toBe(owner.userPrincipalName);
    const silent = await cca.acquireTokenSilent({ account: r.account!, scopes, forceRefresh: true });
    expect(decodeJwt(silent.accessToken)).toMatchObject({ oid: owner.id });
    expect(silent.accessToken).not.toBe(r.accessToken);
  });

  it('when msal-node uses the password grant then a system user gets a delegated token', async () => {
    const r = await cca.acquireTokenByUsernamePassword({ scopes, username: owner.userPrincipalName, password: owner.password! });
    expect(decodeJwt(r!.accessToken)).toMatchObject({ oid: owner.id, scp: 'Presence.Read.All' });
  });

  it('when msal-node runs the device code flow and the code is approved then it gets the token', async () => {
    const pca = new PublicClientApplication({
      auth: {
        clientId: emu.defaultApp.clientId,
        authority: `${emu.authorityHost}/${emu.tenantId}`,
        knownAuthorities: [new URL(emu.url).host],
      },
    });
    const r = await pca.acquireTokenByDeviceCode({
      scopes,
      deviceCodeCallback: (info) => {
        void fetch(info.verificationUri, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            user_code: info.userCode,
            username: owner.userPrincipalName,
            password: owner.password!,
            decision: 'approve',
          }),
        });
      },
    });
    expect(decodeJwt(r!.accessToken)).toMatchObject({ oid: owner.id });
  });
});
