import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_APP } from '../../../emulators/graph/index.ts';
import { buildSeed } from '../../../emulators/shared/seed.ts';
import { clientFor, type GraphEmulator, startTrustedEmulator } from '../../../tests/graph/support.ts';
import { createLogger } from '../logging.ts';
import { createDelegatedAuth, ownerTokenSource } from './delegated.ts';
import { presenceResource } from './subscriptions.ts';

/**
 * Contract tests: each pins a request the client sends (method, path, body) and the response fields it
 * relies on, as documented on the learn.microsoft.com page named in the test. They run against the Graph
 * emulator and read what it received from its call log, so a drift on either side fails here.
 */
const seed = buildSeed();
const agents = seed.users.filter((u) => u.role === 'agent');
const owner = seed.users.find((u) => u.role === 'owner')!;
const user = agents[2]!.id;

type Call = ReturnType<GraphEmulator['control']['calls']>[number];
const pathOnly = (c: Call) => c.path.split('?')[0]!.replace(/^\/v1\.0/, '');

describe('Graph contract (request/response shapes the client relies on)', () => {
  let emu: GraphEmulator;
  let hook: Server;
  let hookUrl: string;
  beforeAll(async () => {
    emu = await startTrustedEmulator();
    // A subscriber endpoint that answers Graph's validation handshake (webhooks-validation: echo the
    // validationToken as text/plain within 10 s) and accepts notifications.
    hook = createServer((req, res) => {
      const token = new URL(req.url ?? '/', 'http://x').searchParams.get('validationToken');
      req.resume();
      if (token !== null) {
        res.writeHead(200, { 'content-type': 'text/plain' }).end(token);
        return;
      }
      res.writeHead(202).end();
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await emu?.stop();
    await new Promise((r) => hook?.close(r));
  });
  beforeEach(() => {
    emu.control.clearFaults();
    emu.control.resetCalls();
  });
  const only = (method: string, prefix: string): Call => {
    const calls = emu.control.calls({ pathPrefix: prefix }).filter((c) => c.method === method);
    expect(calls).toHaveLength(1);
    return calls[0]!;
  };

  it('v2-oauth2-client-creds-grant-flow: POST /{tenant}/oauth2/v2.0/token, client_credentials, scope …/.default', async () => {
    const { client } = clientFor(emu);
    await client.appToken();
    const c = only('POST', `/${emu.tenantId}/oauth2/v2.0/token`);
    expect(c.body).toMatchObject({
      grant_type: 'client_credentials',
      client_id: emu.defaultApp.clientId,
      scope: 'https://graph.microsoft.com/.default',
      client_secret: '[redacted]',
    });
    expect(c.status).toBe(200);
  });

  it('presence-get: GET /users/{id}/presence → availability, activity', async () => {
    const { client } = clientFor(emu);
    const p = await client.getPresence(user);
    const c = only('GET', `/users/${user}/presence`);
    expect(pathOnly(c)).toBe(`/users/${user}/presence`);
    expect(p).toMatchObject({ ...emu.control.getPresence(user).aggregated, sequenceNumber: expect.any(String) });
  });

  it('cloudcommunications-getpresencesbyuserid: POST /communications/getPresencesByUserId {ids} → value[{id, availability, activity}]', async () => {
    const { client } = clientFor(emu);
    const map = await client.getPresences([agents[0]!.id, agents[1]!.id]);
    const c = only('POST', '/communications/getPresencesByUserId');
    expect(c.body).toEqual({ ids: [agents[0]!.id, agents[1]!.id] });
    expect([...map.keys()].sort()).toEqual([agents[0]!.id, agents[1]!.id].sort());
  });

  it('presence-setpresence: POST /users/{id}/presence/setPresence {sessionId = app id, availability, activity, expirationDuration}', async () => {
    const { client } = clientFor(emu);
    await client.setPresence(user, { availability: 'DoNotDisturb', activity: 'Presenting' }, 'PT15M');
    const c = only('POST', `/users/${user}/presence/setPresence`);
    expect(c.body).toEqual({
      sessionId: emu.defaultApp.clientId,
      availability: 'DoNotDisturb',
      activity: 'Presenting',
      expirationDuration: 'PT15M',
    });
    expect(c.status).toBe(200);
  });

  it('presence-clearpresence: POST /users/{id}/presence/clearPresence {sessionId}; 404 when no session', async () => {
    const { client } = clientFor(emu);
    await client.clearPresence(user);
    await client.clearPresence(user);
    const calls = emu.control.calls({ pathPrefix: `/users/${user}/presence/clearPresence` });
    expect(calls.map((c) => [c.method, c.body, c.status])).toEqual([
      ['POST', { sessionId: emu.defaultApp.clientId }, 200],
      ['POST', { sessionId: emu.defaultApp.clientId }, 404],
    ]);
  });

  it('presence-setuserpreferredpresence / presence-clearuserpreferredpresence: bodies {availability, activity, expirationDuration} and {}', async () => {
    const { client } = clientFor(emu);
    await client.setUserPreferredPresence(user, { availability: 'BeRightBack', activity: 'BeRightBack' }, 'PT1H');
    await client.clearUserPreferredPresence(user);
    expect(only('POST', `/users/${user}/presence/setUserPreferredPresence`).body).toEqual({
      availability: 'BeRightBack',
      activity: 'BeRightBack',
      expirationDuration: 'PT1H',
    });
    expect(only('POST', `/users/${user}/presence/clearUserPreferredPresence`).body).toEqual({});
  });

  it('user-list: GET /users?$select=id,userPrincipalName,mail,displayName&$top=n → value[…], paged by @odata.nextLink', async () => {
    // The emulator logs paths without query strings; $top and $select show in what comes back.
    const { client } = clientFor(emu);
    const pages: number[] = [];
    const users = await client.listUsers({ pageSize: 7, onPage: (p) => void pages.push(p.length) });
    const calls = emu.control.calls({ pathPrefix: '/users' }).filter((c) => c.method === 'GET');
    expect(calls.map(pathOnly)).toEqual(pages.map(() => '/users'));
    expect(pages[0]).toBe(7);
    expect(users).toHaveLength(emu.control.users().length);
    expect(users.find((u) => u.id === owner.id)).toEqual({
      id: owner.id,
      userPrincipalName: owner.userPrincipalName,
      mail: null,
      displayName: owner.displayName,
    });
  });

  it('user-list with $filter: the filter is sent URL-encoded and applied', async () => {
    const { client } = clientFor(emu);
    const users = await client.listUsers({ filter: `userPrincipalName eq '${owner.userPrincipalName}'` });
    expect(users.map((u) => u.id)).toEqual([owner.id]);
    expect(pathOnly(only('GET', '/users'))).toBe('/users');
  });

  it('user-get: GET /users/{id | userPrincipalName}', async () => {
    const { client } = clientFor(emu);
    const u = await client.getUser(owner.userPrincipalName);
    expect(u?.id).toBe(owner.id);
    expect(decodeURIComponent(pathOnly(only('GET', '/users/')))).toBe(`/users/${owner.userPrincipalName}`);
  });

  it('user-post-users: POST /users {accountEnabled, displayName, mailNickname, userPrincipalName, passwordProfile}', async () => {
    emu.control.setRoles(emu.defaultApp.clientId, [...DEFAULT_APP.roles, 'User.ReadWrite.All']);
    try {
      const { client } = clientFor(emu);
      const created = await client.createUser({
        userPrincipalName: 'CXone_contract@contoso.com',
        displayName: 'CXone contract',
        mailNickname: 'CXone_contract',
        password: 'Contract-Passw0rd!',
      });
      const c = only('POST', '/users');
      expect(c.body).toMatchObject({
        accountEnabled: true,
        displayName: 'CXone contract',
        mailNickname: 'CXone_contract',
        userPrincipalName: 'CXone_contract@contoso.com',
        passwordProfile: { forceChangePasswordNextSignIn: false },
      });
      expect(c.status).toBe(201);
      expect(created.id).toMatch(/\S/);
    } finally {
      emu.control.setRoles(emu.defaultApp.clientId, DEFAULT_APP.roles);
    }
  });

  it('subscription-post-subscriptions / -update / -list / -delete with a delegated owner token', async () => {
    const { client } = clientFor(emu);
    const auth = createDelegatedAuth({
      tenantId: emu.tenantId,
      clientId: emu.defaultApp.clientId,
      clientSecret: emu.defaultApp.clientSecret,
      authorityHost: emu.authorityHost,
      logger: createLogger({ level: 'silent' }),
    });
    const signIn = await auth.signInWithPassword(owner.userPrincipalName, owner.password!);
    const tokenFor = ownerTokenSource({ auth, refreshToken: signIn.refreshToken, onRotate: () => undefined });
    const resource = presenceResource([agents[0]!.id, agents[1]!.id]);
    const expires = new Date(Date.now() + 50 * 60_000).toISOString();
    const sub = await client.createSubscription(tokenFor, {
      resource,
      notificationUrl: `${hookUrl}/api/graph/notifications`,
      lifecycleNotificationUrl: `${hookUrl}/api/graph/lifecycle`,
      expirationDateTime: expires,
      clientState: 'contract-client-state',
    });
    const post = only('POST', '/subscriptions');
    expect(post.body).toEqual({
      changeType: 'updated',
      notificationUrl: `${hookUrl}/api/graph/notifications`,
      lifecycleNotificationUrl: `${hookUrl}/api/graph/lifecycle`,
      resource,
      expirationDateTime: expires,
      clientState: 'contract-client-state',
      includeResourceData: false,
    });
    expect(post.status).toBe(201);
    expect(sub).toMatchObject({ resource, changeType: 'updated', creatorId: owner.id, applicationId: emu.defaultApp.clientId });
    expect(Date.parse(sub.expirationDateTime)).toBeGreaterThan(Date.now());

    const later = new Date(Date.now() + 55 * 60_000).toISOString();
    const renewed = await client.renewSubscription(tokenFor, sub.id, later);
    expect(only('PATCH', `/subscriptions/${sub.id}`).body).toEqual({ expirationDateTime: later });
    expect(renewed.id).toBe(sub.id);

    expect((await client.listSubscriptions(tokenFor)).map((s) => s.id)).toContain(sub.id);
    await client.deleteSubscription(tokenFor, sub.id);
    expect(only('DELETE', `/subscriptions/${sub.id}`).status).toBe(204);
    await client.deleteSubscription(tokenFor, sub.id); // already gone: resolves
    const err = await client.renewSubscription(tokenFor, sub.id, later).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'subscription_missing', extra: { status: 404 } });
  });

  it('subscription-post-subscriptions with an app-only token is refused as permission_missing (presence needs delegated)', async () => {
    const { client } = clientFor(emu);
    const err = await client
      .createSubscription(() => client.appToken(), {
        resource: presenceResource([user]),
        notificationUrl: `${hookUrl}/n`,
        expirationDateTime: new Date(Date.now() + 50 * 60_000).toISOString(),
        clientState: 'x',
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      reason: 'permission_missing',
      extra: { permission: 'Presence.Read.All (delegated)', status: 403 },
    });
  });

  it('v2-oauth2-auth-code-flow refresh: POST token grant_type=refresh_token with scope, secret masked', async () => {
    const auth = createDelegatedAuth({
      tenantId: emu.tenantId,
      clientId: emu.defaultApp.clientId,
      clientSecret: emu.defaultApp.clientSecret,
      authorityHost: emu.authorityHost,
      logger: createLogger({ level: 'silent' }),
    });
    const t = await auth.signInWithPassword(owner.userPrincipalName, owner.password!);
    emu.control.resetCalls();
    await auth.refresh(t.refreshToken);
    const c = only('POST', `/${emu.tenantId}/oauth2/v2.0/token`);
    expect(c.body).toMatchObject({
      grant_type: 'refresh_token',
      client_id: emu.defaultApp.clientId,
      refresh_token: '[redacted]',
      client_secret: '[redacted]',
      scope: expect.stringContaining('offline_access'),
    });
  });

  it('v2-oauth2-device-code: POST /{tenant}/oauth2/v2.0/devicecode {client_id, scope} without credentials; poll with the device_code grant', async () => {
    const auth = createDelegatedAuth({
      tenantId: emu.tenantId,
      clientId: emu.defaultApp.clientId,
      clientSecret: emu.defaultApp.clientSecret,
      authorityHost: emu.authorityHost,
      logger: createLogger({ level: 'silent' }),
    });
    const start = await auth.startDeviceCode();
    const dc = only('POST', `/${emu.tenantId}/oauth2/v2.0/devicecode`);
    expect(dc.body).toEqual({ client_id: emu.defaultApp.clientId, scope: expect.stringContaining('Presence.Read.All') });
    expect(start).toMatchObject({
      userCode: expect.any(String),
      verificationUri: expect.any(String),
      interval: expect.any(Number),
    });
    await auth.pollDeviceCode(start.deviceCode);
    expect(only('POST', `/${emu.tenantId}/oauth2/v2.0/token`).body).toMatchObject({
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      device_code: '[redacted]',
      client_id: emu.defaultApp.clientId,
    });
  });
});
