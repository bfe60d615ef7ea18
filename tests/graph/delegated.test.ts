import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDelegatedAuth, type DelegatedTokens, OwnerTokenError, ownerTokenSource } from '../../api/src/graph/delegated.ts';
import { createLogger } from '../../api/src/logging.ts';
import { buildSeed } from '../../emulators/shared/seed.ts';
import { captureLogs } from '../support/logs.ts';
import { type GraphEmulator, shiftableTimer, startTrustedEmulator } from './support.ts';

const owner = buildSeed().users.find((u) => u.role === 'owner')!;
const REDIRECT = 'https://presence-sync.example/api/owners/callback';

/** Reads a sign-in page's form: its action and every named input's value. */
function readForm(html: string, base: string): { action: string; fields: Record<string, string> } {
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
  if (!action) throw new Error(`no form in page: ${html.slice(0, 200)}`);
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input([^>]*)>/g)) {
    const attrs = m[1] ?? '';
    const name = /name="([^"]*)"/.exec(attrs)?.[1];
    if (name) fields[name] = (/value="([^"]*)"/.exec(attrs)?.[1] ?? '').replaceAll('&amp;', '&').replaceAll('&quot;', '"');
  }
  return { action: new URL(action.replaceAll('&amp;', '&'), base).toString(), fields };
}

describe('delegated sign-in for subscription owners (against the emulator)', () => {
  let emu: GraphEmulator;
  const logs = captureLogs();
  let auth: ReturnType<typeof createDelegatedAuth>;
  beforeAll(async () => {
    emu = await startTrustedEmulator();
    auth = createDelegatedAuth({
      tenantId: emu.tenantId,
      clientId: emu.defaultApp.clientId,
      clientSecret: emu.defaultApp.clientSecret,
      authorityHost: emu.authorityHost,
      logger: createLogger({ level: 'debug', destination: logs.stream }),
    });
  });
  afterAll(async () => {
    await emu?.stop();
  });

  it('authorization code + PKCE: the sign-in form redirects back with the state and the code redeems for tokens', async () => {
    const start = auth.beginAuthCode({ redirectUri: REDIRECT, loginHint: owner.userPrincipalName });
    const url = new URL(start.url);
    expect(url.pathname).toBe(`/${emu.tenantId}/oauth2/v2.0/authorize`);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('state')).toBe(start.state);
    expect(url.searchParams.get('code_challenge')).not.toBe(start.codeVerifier);

    const page = await fetch(start.url);
    expect(page.status).toBe(200);
    const form = readForm(await page.text(), start.url);
    const answer = await fetch(form.action, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form.fields, username: owner.userPrincipalName, password: owner.password! }),
    });
    expect(answer.status).toBeGreaterThanOrEqual(300);
    expect(answer.status).toBeLessThan(400);
    const back = new URL(answer.headers.get('location')!);
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    expect(back.searchParams.get('state')).toBe(start.state);
    const code = back.searchParams.get('code')!;

    const tokens = await auth.redeemCode({ code, redirectUri: REDIRECT, codeVerifier: start.codeVerifier });
    expect(tokens.account).toEqual({ userId: owner.id, userPrincipalName: owner.userPrincipalName, tenantId: emu.tenantId });
    expect(tokens.refreshToken.length).toBeGreaterThan(10);
    expect(tokens.scopes.some((s) => /Presence\.Read\.All/.test(s))).toBe(true);

    // A second redemption, or the wrong verifier, is refused as an owner-token failure.
    const again = await auth
      .redeemCode({ code, redirectUri: REDIRECT, codeVerifier: start.codeVerifier })
      .catch((e: unknown) => e);
    expect(again).toBeInstanceOf(OwnerTokenError);
    expect(logs.raw()).not.toContain(tokens.refreshToken);
    expect(logs.raw()).not.toContain(tokens.accessToken);
  });

  it('when the PKCE verifier does not match then the code is refused', async () => {
    const start = auth.beginAuthCode({ redirectUri: REDIRECT });
    const form = readForm(await (await fetch(start.url)).text(), start.url);
    const answer = await fetch(form.action, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form.fields, username: owner.userPrincipalName, password: owner.password! }),
    });
    const code = new URL(answer.headers.get('location')!).searchParams.get('code')!;
    const err = await auth.redeemCode({ code, redirectUri: REDIRECT, codeVerifier: 'x'.repeat(43) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OwnerTokenError);
    expect((err as OwnerTokenError).code).toBe('invalid_grant');
  });

  it('refresh rotates the refresh token, and a dead refresh token is reported as owner_token_failed', async () => {
    const first = await auth.signInWithPassword(owner.userPrincipalName, owner.password!);
    const next = await auth.refresh(first.refreshToken);
    expect(next.accessToken).not.toBe(first.accessToken);
    expect(next.refreshToken).not.toBe(first.refreshToken);
    const err = await auth.refresh('0.emu.not-a-real-refresh-token').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OwnerTokenError);
    expect(err).toMatchObject({ reason: 'permission_missing', fault: 'owner_token_failed', code: 'invalid_grant' });
    expect((err as OwnerTokenError).message).toMatch(/AADSTS\d+/);
    expect((err as OwnerTokenError).message).not.toMatch(/Trace ID/);
  });

  it('when the identity platform cannot be reached then a refresh fails as graph_unreachable, not as a refused owner', async () => {
    const offline = createDelegatedAuth({
      tenantId: emu.tenantId,
      clientId: emu.defaultApp.clientId,
      clientSecret: emu.defaultApp.clientSecret,
      authorityHost: 'https://127.0.0.1:9',
      logger: createLogger({ level: 'silent' }),
    });
    const err = await offline.refresh('0.emu.anything').catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'graph_unreachable' });
    expect(err).not.toBeInstanceOf(OwnerTokenError);
  });

  it('a wrong password is refused (system-user mode)', async () => {
    const err = await auth.signInWithPassword(owner.userPrincipalName, 'wrong').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'invalid_grant', fault: 'owner_token_failed' });
  });

  it('device code: pending until the user signs in on the verification page, then tokens', async () => {
    const start = await auth.startDeviceCode();
    expect(start.userCode).toMatch(/\S+/);
    expect(start.verificationUri).toMatch(/^https:\/\//);
    expect(start.expiresIn).toBeGreaterThan(0);
    expect(await auth.pollDeviceCode(start.deviceCode)).toEqual({ status: 'pending' });

    const page = await fetch(start.verificationUri);
    const form = readForm(await page.text(), start.verificationUri);
    const approve = await fetch(form.action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        ...form.fields,
        user_code: start.userCode,
        username: owner.userPrincipalName,
        password: owner.password!,
        decision: 'approve',
      }),
    });
    expect(approve.status).toBe(200);
    const done = await auth.pollDeviceCode(start.deviceCode);
    expect(done.status).toBe('done');
    if (done.status === 'done') expect(done.tokens.account.userPrincipalName).toBe(owner.userPrincipalName);
  });

  it('ownerTokenSource caches the access token, refreshes near expiry and hands over the rotated refresh token', async () => {
    const clock = shiftableTimer();
    const first = await auth.signInWithPassword(owner.userPrincipalName, owner.password!);
    const rotated: DelegatedTokens[] = [];
    const tokenFor = ownerTokenSource({ auth, refreshToken: first.refreshToken, onRotate: (t) => void rotated.push(t), clock });
    const a = await tokenFor();
    expect(await tokenFor()).toBe(a);
    expect(rotated).toHaveLength(1);
    clock.shift(3_600_000);
    emu.control.advanceTime(3_600_000);
    const b = await tokenFor();
    expect(b).not.toBe(a);
    expect(rotated).toHaveLength(2);
    expect(rotated[1]!.refreshToken).not.toBe(rotated[0]!.refreshToken);
  });
});
