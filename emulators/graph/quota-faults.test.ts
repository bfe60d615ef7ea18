import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSeed } from '../shared/seed.ts';
import type { GraphEmulator } from './index.ts';
import { appToken, graph, startTrustedEmulator } from './test-helpers.ts';

const NOW = Date.UTC(2026, 10, 26, 9, 0, 0);

describe('Graph emulator quota and faults', () => {
  let emu: GraphEmulator;
  let token: string;
  const seed = buildSeed({ agents: 12 });
  const ids = seed.users.filter((u) => u.role === 'agent').map((u) => u.id);
  const read = () => graph(emu, token, 'POST', '/communications/getPresencesByUserId', { ids });

  beforeAll(async () => {
    emu = await startTrustedEmulator({ seed, now: () => NOW, quota: { requests: 5, windowMs: 30_000 } });
    token = await appToken(emu);
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('when an app exceeds its window then 429 TooManyRequests with Retry-After until the window resets; other apps are unaffected', async () => {
    for (let i = 0; i < 5; i++) expect((await read()).status).toBe(200);
    emu.control.advanceTime(12_000);
    const r = await read();
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('18');
    expect(r.body).toMatchObject({ error: { code: 'TooManyRequests' } });
    emu.control.registerApp({ clientId: 'other-app', clientSecret: 'x', roles: ['Presence.Read.All'] });
    const other = await appToken(emu, { clientId: 'other-app', clientSecret: 'x' });
    expect((await graph(emu, other, 'POST', '/communications/getPresencesByUserId', { ids })).status).toBe(200);
    emu.control.advanceTime(18_000);
    expect((await read()).status).toBe(200);
    expect(emu.control.stats().throttled).toBeGreaterThanOrEqual(1);
    emu.control.advanceTime(30_000);
  });

  it('when a throttle fault is injected for some paths then only those get 429 with the fractional Retry-After, for N requests', async () => {
    emu.control.injectFault({
      kind: 'throttle',
      retryAfterSeconds: 2.128,
      count: 2,
      pathPrefix: '/communications/getPresencesByUserId',
    });
    const first = await read();
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('2.128');
    expect((await graph(emu, token, 'GET', `/users/${ids[0]}/presence`)).status).toBe(200);
    expect((await read()).status).toBe(429);
    expect((await read()).status).toBe(200);
    emu.control.advanceTime(30_000);
  });

  it('when a throttle fault has a duration then it lasts that long in emulator time', async () => {
    emu.control.injectFault({ kind: 'throttle', retryAfterSeconds: 1, durationMs: 10_000 });
    expect((await read()).status).toBe(429);
    emu.control.advanceTime(10_000);
    expect((await read()).status).toBe(200);
    emu.control.advanceTime(30_000);
  });

  it('when a server_error fault is injected then N requests get a Graph-shaped 5xx', async () => {
    emu.control.injectFault({ kind: 'server_error', count: 1, status: 503 });
    const r = await read();
    expect(r.status).toBe(503);
    expect(r.body).toHaveProperty('error.code');
    expect((await read()).status).toBe(200);
    emu.control.advanceTime(30_000);
  });

  it('when a slow fault is injected then the request is held and still answered, and the fault is used up', async () => {
    emu.control.injectFault({ kind: 'slow', delayMs: 20, count: 1, pathPrefix: '/users' });
    expect(emu.control.faults()).toHaveLength(1);
    expect((await graph(emu, token, 'GET', `/users/${ids[0]}/presence`)).status).toBe(200);
    expect(emu.control.faults()).toEqual([]);
    emu.control.advanceTime(30_000);
  });

  it('when calls are recorded then they can be filtered by path and time, and secrets are masked', async () => {
    emu.control.resetCalls();
    const since = emu.control.now();
    await read();
    await appToken(emu);
    const presence = emu.control.calls({ since, pathPrefix: '/communications' });
    expect(presence).toHaveLength(1);
    expect(presence[0]).toMatchObject({
      method: 'POST',
      path: '/v1.0/communications/getPresencesByUserId',
      status: 200,
      clientId: emu.defaultApp.clientId,
    });
    const tokenCall = emu.control.calls({ pathPrefix: `/${emu.tenantId}/oauth2` })[0]!;
    expect(JSON.stringify(tokenCall.body)).not.toContain(emu.defaultApp.clientSecret);
    emu.control.resetCalls();
    expect(emu.control.calls()).toEqual([]);
  });

  it('when $batch holds requests then each is answered on its own inside a 200', async () => {
    const r = await graph<{ responses: { id: string; status: number; body: Record<string, unknown> }[] }>(
      emu,
      token,
      'POST',
      '/$batch',
      {
        requests: [
          { id: '1', method: 'GET', url: `/users/${ids[0]}/presence` },
          {
            id: '2',
            method: 'POST',
            url: `/users/${ids[0]}/presence/setPresence`,
            body: { sessionId: 'x', availability: 'Busy', activity: 'InACall' },
          },
        ],
      },
    );
    expect(r.status).toBe(200);
    expect(r.body.responses.map((x) => [x.id, x.status])).toEqual([
      ['1', 200],
      ['2', 400],
    ]);
    const tooMany = await graph(emu, token, 'POST', '/$batch', {
      requests: Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/users?$top=1' })),
    });
    expect(tooMany.status).toBe(400);
    emu.control.advanceTime(30_000);
  });

  it('when presence batches count per id then one 650-id style read can use up the window', async () => {
    const perId = await startTrustedEmulator({
      seed,
      now: () => NOW,
      quota: { requests: 20, windowMs: 30_000 },
      presenceBatchCost: 'per_id',
    });
    try {
      const t = await appToken(perId);
      const call = () => graph(perId, t, 'POST', '/communications/getPresencesByUserId', { ids });
      expect((await call()).status).toBe(200); // 11 ids
      expect((await call()).status).toBe(429); // 22 > 20
    } finally {
      await perId.stop();
    }
  });
});

describe('Graph emulator users', () => {
  let emu: GraphEmulator;
  let token: string;
  const seed = buildSeed({ agents: 30 });
  beforeAll(async () => {
    emu = await startTrustedEmulator({ seed });
    token = await appToken(emu);
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('when users are listed with $top and $select then pages follow @odata.nextLink to the end', async () => {
    const seen: string[] = [];
    let next: string | undefined = '/users?$top=10&$select=id,userPrincipalName,mail';
    while (next) {
      const r: { status: number; body: { value: Record<string, unknown>[]; '@odata.nextLink'?: string } } = await graph(
        emu,
        token,
        'GET',
        next,
      );
      expect(r.status).toBe(200);
      for (const u of r.body.value) {
        expect(Object.keys(u).sort()).toEqual(['id', 'mail', 'userPrincipalName']);
        seen.push(u.id as string);
      }
      next = r.body['@odata.nextLink']?.slice(emu.graphBaseUrl.length);
    }
    expect(seen).toEqual(seed.users.map((u) => u.id));
  });

  it('when filtered by userPrincipalName or mail then exact matches come back; unsupported filters are 400', async () => {
    const u = seed.users[4]!;
    const byUpn = await graph<{ value: { id: string }[] }>(
      emu,
      token,
      'GET',
      `/users?$filter=${encodeURIComponent(`userPrincipalName eq '${u.userPrincipalName.toUpperCase()}'`)}`,
    );
    expect(byUpn.body.value.map((x) => x.id)).toEqual([u.id]);
    const byMail = await graph<{ value: { id: string }[] }>(
      emu,
      token,
      'GET',
      `/users?$filter=${encodeURIComponent(`mail eq '${u.mail}'`)}`,
    );
    expect(byMail.body.value.map((x) => x.id)).toEqual([u.id]);
    expect((await graph(emu, token, 'GET', `/users?$filter=${encodeURIComponent("startswith(mail,'a')")}`)).status).toBe(400);
    expect((await graph(emu, token, 'GET', '/users?$select=nope')).status).toBe(400);
  });

  it('when a user is read by id or UPN then the default property set comes back; unknown is 404', async () => {
    const u = seed.users[0]!;
    const r = await graph(emu, token, 'GET', `/users/${u.userPrincipalName}`);
    expect(r.body).toMatchObject({
      id: u.id,
      displayName: u.displayName,
      userPrincipalName: u.userPrincipalName,
      businessPhones: [],
    });
    expect((await graph(emu, token, 'GET', '/users/nobody@contoso.com')).status).toBe(404);
  });

  it('when POST /users is called then it needs User.ReadWrite.All, validates, and the new user can sign in', async () => {
    const newUser = {
      accountEnabled: true,
      displayName: 'CXone 00001',
      mailNickname: 'cxone_00001',
      userPrincipalName: 'cxone_00001@contoso.com',
      passwordProfile: { forceChangePasswordNextSignIn: false, password: 'Sys-Passw0rd-1!' },
    };
    expect((await graph(emu, token, 'POST', '/users', newUser)).status).toBe(403);
    emu.control.registerApp({ clientId: 'provisioner', clientSecret: 'p', roles: ['User.ReadWrite.All'] });
    const admin = await appToken(emu, { clientId: 'provisioner', clientSecret: 'p' });
    expect((await graph(emu, admin, 'POST', '/users', { ...newUser, passwordProfile: undefined })).status).toBe(400);
    const created = await graph<{ id: string }>(emu, admin, 'POST', '/users', newUser);
    expect(created.status).toBe(201);
    expect((await graph(emu, admin, 'POST', '/users', newUser)).status).toBe(400);
    expect(emu.control.getPresence(created.body.id).aggregated).toEqual({ availability: 'Offline', activity: 'Offline' });
    const ropc = await fetch(`${emu.url}/${emu.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: emu.defaultApp.clientId,
        username: newUser.userPrincipalName,
        password: newUser.passwordProfile.password,
        scope: 'https://graph.microsoft.com/Presence.Read.All',
      }),
    });
    expect(ropc.status).toBe(200);
  });
});
