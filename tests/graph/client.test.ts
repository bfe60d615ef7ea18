import { randomUUID } from 'node:crypto';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExternalError } from '../../api/src/domain/reasons.ts';
import { decodeRoles } from '../../api/src/graph/app-auth.ts';
import { createQuotaBudget } from '../../api/src/graph/quota.ts';
import { buildSeed } from '../../emulators/shared/seed.ts';
import { clientFor, type GraphEmulator, graphCalls, shiftableTimer, startTrustedEmulator, tokenCalls } from './support.ts';

const seed = buildSeed();
const agents = seed.users.filter((u) => u.role === 'agent');
const userA = agents[0]!.id;
const userB = agents[1]!.id;
const FULL_ROLES = ['User.Read.All', 'Presence.Read.All', 'Presence.ReadWrite.All'];

const rejection = async (p: Promise<unknown>): Promise<ExternalError> => {
  try {
    await p;
  } catch (err) {
    if (err instanceof ExternalError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
};

describe('Graph client against the emulator', () => {
  let emu: GraphEmulator;
  beforeAll(async () => {
    emu = await startTrustedEmulator();
  });
  afterAll(async () => {
    await emu?.stop();
  });
  beforeEach(() => {
    emu.control.clearFaults();
    emu.control.setRoles(emu.defaultApp.clientId, FULL_ROLES);
    emu.control.resetCalls();
  });

  describe('app-only tokens', () => {
    it('when many calls run then one token request serves them all', async () => {
      const { client } = clientFor(emu);
      await Promise.all(Array.from({ length: 8 }, () => client.getPresence(userA)));
      await client.getUser(userB);
      expect(tokenCalls(emu)).toHaveLength(1);
      expect(graphCalls(emu, '/users/')).toHaveLength(9);
    });

    it('when the token nears expiry on our clock then a new one is fetched before Graph refuses it', async () => {
      const { client, clock } = clientFor(emu);
      await client.getPresence(userA);
      emu.control.advanceTime(3_600_000);
      clock.shift(3_600_000);
      await client.getPresence(userA);
      expect(tokenCalls(emu)).toHaveLength(2);
      expect(graphCalls(emu, '/users/').map((c) => c.status)).toEqual([200, 200]);
    });

    it('when Graph says the token expired (401) then the client fetches a fresh token once and succeeds', async () => {
      const { client } = clientFor(emu);
      await client.getPresence(userA);
      emu.control.advanceTime(3_600_000); // only the emulator moves: our cached token is now stale there
      expect(await client.getPresence(userA)).not.toBeNull();
      expect(graphCalls(emu, '/users/').map((c) => c.status)).toEqual([200, 401, 200]);
      expect(tokenCalls(emu)).toHaveLength(2);
    });

    it('when the secret is wrong then calls fail with permission_missing and the secret is never logged', async () => {
      const { client, logs } = clientFor(emu, { clientSecret: 'not-the-secret' });
      const err = await rejection(client.getPresence(userA));
      expect(err.reason).toBe('permission_missing');
      expect(err.extra.service).toBe('graph');
      expect(err.message).toMatch(/AADSTS7000215: Invalid client secret provided/);
      expect(logs.raw()).not.toContain('not-the-secret');
    });

    it('when the token endpoint is down then calls fail with graph_unreachable', async () => {
      emu.control.injectFault({ kind: 'token_endpoint_down' });
      const { client } = clientFor(emu);
      const err = await rejection(client.getPresence(userA));
      expect(err.reason).toBe('graph_unreachable');
    });

    it('when the token endpoint fails once then calls fail fast for a second, then a new token is fetched (no minute-long blackout)', async () => {
      emu.control.injectFault({ kind: 'token_endpoint_down', count: 1 });
      const { client, clock } = clientFor(emu);
      expect((await rejection(client.getPresence(userA))).reason).toBe('graph_unreachable');
      // Within our backoff: no second request hits the failing endpoint.
      expect((await rejection(client.getPresence(userA))).reason).toBe('graph_unreachable');
      expect(tokenCalls(emu)).toHaveLength(1);
      // msal alone would refuse every token request for 60 s after a 5xx; we wait out only our 1 s.
      clock.shift(1_100);
      expect(await client.getPresence(userA)).not.toBeNull();
      expect(tokenCalls(emu).map((c) => c.status)).toEqual([503, 200]);
    });

    it('with a certificate instead of a secret, the token request carries a signed assertion and no secret', async () => {
      const pems = await generate([{ name: 'commonName', value: 'presence-sync' }], { keySize: 2048, algorithm: 'sha256' });
      const { client } = clientFor(emu, {
        clientSecret: undefined,
        certificate: { certificatePem: pems.cert, privateKeyPem: pems.private },
      });
      // The emulator accepts secrets only, so the call is refused — after we saw what was sent.
      const err = await rejection(client.getPresence(userA));
      expect(err.reason).toBe('permission_missing');
      const [call] = tokenCalls(emu);
      expect(call?.body).toMatchObject({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: '[redacted]',
      });
      expect(call?.body).not.toHaveProperty('client_secret');
    });

    it('tokens list the granted roles and never appear in logs', async () => {
      const { client, logs } = clientFor(emu);
      const token = await client.appToken();
      expect(decodeRoles(token).sort()).toEqual([...FULL_ROLES].sort());
      await client.getPresence(userA);
      expect(logs.raw()).not.toContain(token);
      expect(logs.raw()).not.toContain(emu.defaultApp.clientSecret);
    });
  });

  describe('presence reads', () => {
    it('when 1,300 ids are read then two getPresencesByUserId requests of 650 go out and unknown users are absent', async () => {
      const { client } = clientFor(emu);
      const ids = [...agents.map((u) => u.id), ...Array.from({ length: 1_300 - agents.length }, () => randomUUID())];
      const result = await client.getPresences(ids);
      const calls = graphCalls(emu, '/communications/getPresencesByUserId');
      expect(calls).toHaveLength(2);
      for (const c of calls) expect((c.body as { ids: string[] }).ids).toHaveLength(650);
      expect(result.size).toBe(agents.length);
      expect(result.get(userA)).toMatchObject({ availability: expect.any(String), activity: expect.any(String) });
    });

    it('when no ids are asked for then nothing is sent', async () => {
      const { client } = clientFor(emu);
      expect((await client.getPresences([])).size).toBe(0);
      expect(graphCalls(emu, '/communications/')).toHaveLength(0);
    });

    it('when batches count per id then the shared budget is charged per id', async () => {
      const clock = shiftableTimer();
      const quota = createQuotaBudget({ timer: clock, requests: 5_000, windowMs: 30_000 });
      const { client } = clientFor(emu, { quota, clock, presenceBatchCost: 'per_id' });
      await client.getPresences(agents.map((u) => u.id));
      expect(quota.snapshot().usedInWindow).toBe(agents.length);
    });

    it('when a user does not exist then getPresence and getUser return null', async () => {
      const { client } = clientFor(emu);
      expect(await client.getPresence(randomUUID())).toBeNull();
      expect(await client.getUser('nobody@contoso.com')).toBeNull();
    });
  });

  describe('presence writes', () => {
    it('setPresence sends the app session and the emulator shows it; clearing twice resolves (404 = already gone)', async () => {
      const { client } = clientFor(emu);
      await client.setPresence(userB, { availability: 'busy', activity: 'inACall' }, 'PT10M');
      expect(emu.control.getPresence(userB).aggregated).toMatchObject({ availability: 'Busy', activity: 'InACall' });
      await client.clearPresence(userB);
      await client.clearPresence(userB);
      const clears = graphCalls(emu, `/users/${userB}/presence/clearPresence`);
      expect(clears.map((c) => c.status)).toEqual([200, 404]);
    });

    it('when the pair or expiry is not settable then the client refuses before calling Graph', async () => {
      const { client } = clientFor(emu);
      const err = await rejection(client.setPresence(userA, { availability: 'Busy', activity: 'Busy' }, 'PT5M'));
      expect(err.reason).toBe('graph_rejected');
      expect(err.message).toMatch(/Busy\/Busy/);
      await expect(client.setPresence(userA, { availability: 'Away', activity: 'Away' }, 'PT1M')).rejects.toThrow(/PT5M to PT4H/);
      await expect(client.setUserPreferredPresence(userA, { availability: 'Busy', activity: 'InACall' })).rejects.toThrow(
        /setUserPreferredPresence/,
      );
      expect(graphCalls(emu, '/users/')).toHaveLength(0);
    });

    it('setUserPreferredPresence overrides and clearUserPreferredPresence removes it', async () => {
      const { client } = clientFor(emu);
      await client.setPresence(userA, { availability: 'Available', activity: 'Available' }, 'PT5M');
      await client.setUserPreferredPresence(userA, { availability: 'DoNotDisturb', activity: 'DoNotDisturb' }, 'PT1H');
      expect(emu.control.getPresence(userA).aggregated).toMatchObject({ availability: 'DoNotDisturb' });
      await client.clearUserPreferredPresence(userA);
      expect(emu.control.getPresence(userA).aggregated).toMatchObject({ availability: 'Available' });
      await client.clearPresence(userA);
    });
  });

  describe('failures and retries', () => {
    it('when Graph answers 429 then no request goes out until Retry-After has passed, and the budget shrinks', async () => {
      emu.control.injectFault({ kind: 'throttle', retryAfterSeconds: 0.3, count: 1, pathPrefix: '/users' });
      const { client, quota } = clientFor(emu);
      const first = client.getPresence(userA);
      // Wait (without asserting on time) until the 429 has come back and blocked the budget.
      while (quota.snapshot().blockedUntil === null) await new Promise((r) => setTimeout(r, 5));
      expect(quota.snapshot().effectiveLimit).toBeLessThan(quota.snapshot().limit);
      await Promise.all([first, client.getPresence(userB), client.getUser(userA)]);
      const calls = graphCalls(emu, '/users/');
      const throttled = calls.filter((c) => c.status === 429);
      expect(throttled).toHaveLength(1);
      const after = calls.filter((c) => c !== throttled[0]);
      expect(after.map((c) => c.status)).toEqual([200, 200, 200]);
      for (const c of after) expect(c.at - throttled[0]!.at).toBeGreaterThanOrEqual(300);
    });

    it('when Graph keeps throttling then the call fails with throttled and the Retry-After', async () => {
      emu.control.injectFault({ kind: 'throttle', retryAfterSeconds: 0.05, pathPrefix: '/users' });
      const { client } = clientFor(emu, { retry: { maxThrottleAttempts: 2, baseDelayMs: 10, maxDelayMs: 50 } });
      const err = await rejection(client.setPresence(userA, { availability: 'Away', activity: 'Away' }, 'PT5M'));
      expect([err.reason, err.extra.status, err.extra.retryAfterMs]).toEqual(['throttled', 429, 50]);
      expect(graphCalls(emu, '/users/')).toHaveLength(2);
    });

    it('when Graph fails with 5xx then the client backs off and retries', async () => {
      emu.control.injectFault({ kind: 'server_error', status: 503, count: 2, pathPrefix: '/communications' });
      const { client } = clientFor(emu);
      const result = await client.getPresences([userA]);
      expect(result.has(userA)).toBe(true);
      expect(graphCalls(emu, '/communications/').map((c) => c.status)).toEqual([503, 503, 200]);
    });

    it('when 5xx persists then the call fails with graph_unreachable after bounded attempts', async () => {
      emu.control.injectFault({ kind: 'server_error', status: 500, pathPrefix: '/communications' });
      const { client } = clientFor(emu, { retry: { maxTransientAttempts: 3, baseDelayMs: 5, maxDelayMs: 10 } });
      const err = await rejection(client.getPresences([userA]));
      expect([err.reason, err.extra.status]).toEqual(['graph_unreachable', 500]);
      expect(graphCalls(emu, '/communications/')).toHaveLength(3);
    });

    it('when the server is gone then calls fail with graph_unreachable', async () => {
      const { client } = clientFor(emu, {
        graphBaseUrl: 'https://127.0.0.1:9/v1.0',
        retry: { maxTransientAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 },
      });
      const err = await rejection(client.getPresence(userA));
      expect(err.reason).toBe('graph_unreachable');
    });

    it('when Graph is too slow then the attempt times out and the call ends as graph_unreachable', async () => {
      emu.control.injectFault({ kind: 'slow', delayMs: 2_000, pathPrefix: '/users' });
      const { client } = clientFor(emu, {
        requestTimeoutMs: 50,
        retry: { maxTransientAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 },
      });
      const err = await rejection(client.getPresence(userA));
      expect(err.reason).toBe('graph_unreachable');
      emu.control.clearFaults();
    });

    it('when Presence.ReadWrite.All is revoked then writes fail with permission_missing naming it', async () => {
      const { client } = clientFor(emu);
      await client.getPresence(userA);
      emu.control.setRoles(emu.defaultApp.clientId, ['User.Read.All', 'Presence.Read.All']);
      const err = await rejection(client.setPresence(userA, { availability: 'Away', activity: 'Away' }, 'PT5M'));
      expect([err.reason, err.extra.permission, err.extra.status]).toEqual(['permission_missing', 'Presence.ReadWrite.All', 403]);
      const read = await rejection(client.listUsers({ pageSize: 1 }).then(() => client.createUser(newUser())));
      expect([read.reason, read.extra.permission]).toEqual(['permission_missing', 'User.ReadWrite.All']);
    });
  });

  describe('users', () => {
    it('listUsers follows @odata.nextLink and reports every page', async () => {
      const { client } = clientFor(emu);
      const pages: number[] = [];
      const users = await client.listUsers({ pageSize: 10, onPage: (p) => void pages.push(p.length) });
      expect(users).toHaveLength(emu.control.users().length);
      expect(pages.length).toBe(Math.ceil(users.length / 10));
      expect(users[0]).toEqual({
        id: expect.any(String),
        userPrincipalName: expect.any(String),
        mail: expect.toBeOneOf([expect.any(String), null]),
        displayName: expect.any(String),
      });
      expect(graphCalls(emu, '/users')).toHaveLength(pages.length);
    });

    it('getUser finds a user by id or UPN', async () => {
      const { client } = clientFor(emu);
      const owner = seed.users.find((u) => u.role === 'owner')!;
      expect(await client.getUser(owner.userPrincipalName)).toMatchObject({ id: owner.id });
      expect(await client.getUser(owner.id)).toMatchObject({ userPrincipalName: owner.userPrincipalName });
    });

    it('createUser (system-user mode) creates an enabled account when User.ReadWrite.All is granted', async () => {
      emu.control.setRoles(emu.defaultApp.clientId, [...FULL_ROLES, 'User.ReadWrite.All']);
      const { client } = clientFor(emu);
      const u = newUser();
      const created = await client.createUser(u);
      expect(created).toMatchObject({ userPrincipalName: u.userPrincipalName, displayName: u.displayName });
      expect(await client.getUser(u.userPrincipalName)).toMatchObject({ id: created.id });
    });
  });

  describe('permissions', () => {
    it('when every permission is granted then each is listed as granted and confirmed by a harmless call', async () => {
      const { client } = clientFor(emu);
      const before = emu.control.users().map((u) => emu.control.getPresence(u.id));
      const checks = await client.checkPermissions({ systemUserMode: false });
      expect(checks.map((c) => [c.permission, c.granted, c.confirmed])).toEqual(FULL_ROLES.map((p) => [p, true, true]));
      for (const c of checks) expect(c.why.length).toBeGreaterThan(10);
      expect(emu.control.users().map((u) => emu.control.getPresence(u.id))).toEqual(before);
    });

    it('when a permission is revoked then it shows as not granted and not confirmed, and system-user mode adds User.ReadWrite.All', async () => {
      emu.control.setRoles(emu.defaultApp.clientId, ['User.Read.All', 'Presence.Read.All']);
      const { client } = clientFor(emu);
      const checks = await client.checkPermissions({ systemUserMode: true });
      const write = checks.find((c) => c.permission === 'Presence.ReadWrite.All')!;
      expect([write.granted, write.confirmed]).toEqual([false, false]);
      expect(write.error).toMatch(/Presence\.ReadWrite\.All/);
      expect(checks.find((c) => c.permission === 'User.ReadWrite.All')).toMatchObject({ granted: false, confirmed: null });
    });

    it('when the app cannot get a token then every permission shows the sign-in error', async () => {
      const { client } = clientFor(emu, { clientSecret: 'wrong-secret' });
      const checks = await client.checkPermissions({ systemUserMode: false });
      expect(checks).toHaveLength(3);
      for (const c of checks) {
        expect([c.granted, c.confirmed]).toEqual([false, false]);
        expect(c.error).toMatch(/AADSTS7000215/);
      }
    });

    it('adminConsentUrl points at the configured authority', () => {
      const { client } = clientFor(emu);
      const url = new URL(client.adminConsentUrl('https://app.example/consent-done', 'st8'));
      expect(url.origin).toBe(new URL(emu.authorityHost).origin);
      expect(url.pathname).toBe(`/${emu.tenantId}/v2.0/adminconsent`);
      expect(Object.fromEntries(url.searchParams)).toEqual({
        client_id: emu.defaultApp.clientId,
        scope: 'https://graph.microsoft.com/.default',
        redirect_uri: 'https://app.example/consent-done',
        state: 'st8',
      });
    });
  });

  it('one quota budget shared by two clients of a tenant counts both', async () => {
    const clock = shiftableTimer();
    const quota = createQuotaBudget({ timer: clock, requests: 100, windowMs: 30_000 });
    const a = clientFor(emu, { quota, clock });
    const b = clientFor(emu, { quota, clock });
    await a.client.getPresence(userA);
    await b.client.getPresences([userA, userB]);
    expect(quota.snapshot().usedInWindow).toBe(2);
  });
});

function newUser() {
  const n = randomUUID().slice(0, 8);
  return {
    userPrincipalName: `CXone_${n}@contoso.com`,
    displayName: `CXone ${n}`,
    mailNickname: `CXone_${n}`,
    password: `P-${randomUUID()}`,
  };
}

describe('Graph client against an emulator with a small quota', () => {
  let emu: GraphEmulator;
  beforeAll(async () => {
    emu = await startTrustedEmulator({ quota: { requests: 4, windowMs: 1_000 } });
  });
  afterAll(async () => {
    await emu?.stop();
  });

  it("when the tenant's quota runs out then every request waits out Retry-After before the next one goes", async () => {
    // Our own budget is set too generous on purpose: Graph's 429s must correct it.
    const clock = shiftableTimer();
    const quota = createQuotaBudget({ timer: clock, requests: 100, windowMs: 1_000 });
    const { client } = clientFor(emu, { quota, clock });
    for (let i = 0; i < 10; i++) await client.getPresence(userA);
    const calls = graphCalls(emu, '/users/');
    expect(calls.filter((c) => c.status === 200)).toHaveLength(10);
    const throttled = calls.filter((c) => c.status === 429);
    expect(throttled.length).toBeGreaterThan(0);
    for (const t of throttled) {
      // The emulator's Retry-After here is 1 s (its window); nothing may be sent inside it.
      const next = calls.find((c) => c.at > t.at);
      expect(next).toBeDefined();
      expect(next!.at - t.at).toBeGreaterThanOrEqual(1_000);
    }
    expect(quota.snapshot().effectiveLimit).toBeLessThan(100);
  });
});
