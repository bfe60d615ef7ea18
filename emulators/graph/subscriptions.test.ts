import { constants, createDecipheriv, createHmac, privateDecrypt, timingSafeEqual, X509Certificate } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { generate } from 'selfsigned';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildSeed } from '../shared/seed.ts';
import { GRAPH_NOTIFICATION_APP_ID } from './defaults.ts';
import type { GraphEmulator } from './index.ts';
import {
  appToken,
  graph,
  startTrustedEmulator,
  startWebhookReceiver,
  userGraphToken,
  type WebhookReceiver,
} from './test-helpers.ts';

type Sub = { id: string; expirationDateTime: string; clientState: string | null; resource: string };
type Notification = {
  subscriptionId: string;
  clientState: string;
  changeType: string;
  resource: string;
  tenantId: string;
  resourceData: Record<string, string>;
  encryptedContent?: {
    data: string;
    dataSignature: string;
    dataKey: string;
    encryptionCertificateId: string;
    encryptionCertificateThumbprint: string;
  };
  lifecycleEvent?: string;
};
type Payload = { value: Notification[]; validationTokens?: string[] };

const NOW = Date.UTC(2026, 10, 26, 9, 0, 0);
const MIN = 60_000;

/** The documented decryption (change-notifications-with-resource-data), done independently of the emulator. */
function decrypt(c: NonNullable<Notification['encryptedContent']>, privateKeyPem: string): string {
  const key = privateDecrypt(
    { key: privateKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
    Buffer.from(c.dataKey, 'base64'),
  );
  const data = Buffer.from(c.data, 'base64');
  const sig = createHmac('sha256', key).update(data).digest();
  if (!timingSafeEqual(sig, Buffer.from(c.dataSignature, 'base64'))) throw new Error('signature mismatch');
  const d = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  return Buffer.concat([d.update(data), d.final()]).toString('utf8');
}

describe('Graph emulator subscriptions', () => {
  let emu: GraphEmulator;
  let hook: WebhookReceiver;
  let certB64: string;
  let certPem: string;
  let keyPem: string;
  const seed = buildSeed({ agents: 12 });
  const agents = seed.users.filter((u) => u.role === 'agent').map((u) => u.id);
  let ownerN = 0;
  /** A fresh subscription owner account each time (one subscription per user per app). */
  async function ownerToken(): Promise<{ token: string; id: string }> {
    ownerN += 1;
    const u = emu.control.addUser({
      userPrincipalName: `cxone_${ownerN}@contoso.com`,
      displayName: `CXone ${ownerN}`,
      password: 'Sys-Passw0rd!',
    });
    return { token: await userGraphToken(emu, u.userPrincipalName, 'Sys-Passw0rd!'), id: u.id };
  }
  const inFilter = (ids: string[]) => `/communications/presences?$filter=id in (${ids.map((i) => `'${i}'`).join(',')})`;
  const body = (over: Record<string, unknown> = {}) => ({
    changeType: 'updated',
    notificationUrl: hook.url,
    lifecycleNotificationUrl: `${hook.url}?lifecycle=1`,
    resource: inFilter(agents.slice(0, 3)),
    expirationDateTime: new Date(emu.control.now() + 60 * MIN).toISOString(),
    clientState: 'secret-client-state',
    includeResourceData: true,
    encryptionCertificate: certB64,
    encryptionCertificateId: 'cert-1',
    ...over,
  });

  beforeAll(async () => {
    emu = await startTrustedEmulator({ seed, now: () => NOW, deliveryRetryMs: 5 });
    const pems = await generate([{ name: 'commonName', value: 'presence-sync-notifications' }], {
      keySize: 2048,
      algorithm: 'sha256',
    });
    certPem = pems.cert;
    keyPem = pems.private;
    certB64 = new X509Certificate(certPem).raw.toString('base64');
  });
  afterAll(async () => {
    await emu.stop();
  });
  afterEach(async () => {
    emu.control.clearFaults();
    for (const s of emu.control.subscriptions()) await emu.control.removeSubscription(s.id);
    await emu.control.idle();
    await hook?.stop();
  });

  it('when an app-only token subscribes to presence then 403, as Graph refuses application permissions', async () => {
    hook = await startWebhookReceiver();
    const r = await graph(emu, await appToken(emu), 'POST', '/subscriptions', body());
    expect(r.status).toBe(403);
    expect(emu.control.subscriptions()).toEqual([]);
  });

  it('when a delegated owner subscribes then a presence change arrives encrypted, signed and with valid validation tokens', async () => {
    hook = await startWebhookReceiver();
    const { token, id: ownerId } = await ownerToken();
    const created = await graph<Sub>(
      emu,
      token,
      'POST',
      '/subscriptions',
      body({ expirationDateTime: new Date(emu.control.now() + 10 * MIN).toISOString() }),
    );
    expect(created.status).toBe(201);
    // Under 45 minutes is raised to 45.
    expect(Date.parse(created.body.expirationDateTime)).toBe(emu.control.now() + 45 * MIN);
    expect(created.body).toMatchObject({
      clientState: 'secret-client-state',
      creatorId: ownerId,
      applicationId: emu.defaultApp.clientId,
    });

    emu.control.setClientPresence(agents[1]!, { availability: 'Available', activity: 'Available' });
    emu.control.setClientPresence(agents[9]!, { availability: 'Available', activity: 'Available' }); // not covered
    await hook.waitFor(1);
    await emu.control.idle();
    expect(hook.received).toHaveLength(1);
    const payload = hook.received[0] as unknown as Payload;
    expect(payload.value).toHaveLength(1);
    const n = payload.value[0]!;
    expect(n).toMatchObject({
      subscriptionId: created.body.id,
      clientState: 'secret-client-state',
      changeType: 'updated',
      tenantId: emu.tenantId,
      // The changed user only, as Microsoft's published example, not the subscription's id list.
      resource: `communications/presences?$filter=id+in+(%27${agents[1]}%27)`,
      resourceData: { '@odata.type': '#Microsoft.Graph.presence', '@odata.id': `users/${agents[1]}/presence`, id: agents[1] },
    });
    expect(n.encryptedContent!.encryptionCertificateId).toBe('cert-1');
    expect(n.encryptedContent!.encryptionCertificateThumbprint).toBe(new X509Certificate(certPem).fingerprint.replace(/:/g, ''));
    const data = JSON.parse(decrypt(n.encryptedContent!, keyPem)) as Record<string, string>;
    expect(data).toMatchObject({ id: agents[1], availability: 'Available', activity: 'Available' });
    // A tampered signature must fail the documented check.
    expect(() => decrypt({ ...n.encryptedContent!, dataSignature: Buffer.alloc(32).toString('base64') }, keyPem)).toThrow(
      /signature/,
    );

    const jwks = createRemoteJWKSet(new URL(`${emu.url}/${emu.tenantId}/discovery/v2.0/keys`));
    const { payload: vt } = await jwtVerify(payload.validationTokens![0]!, jwks, {
      audience: emu.defaultApp.clientId,
      issuer: `${emu.url}/${emu.tenantId}/v2.0`,
      currentDate: new Date(emu.control.now()),
    });
    expect(vt).toMatchObject({ azp: GRAPH_NOTIFICATION_APP_ID, appid: GRAPH_NOTIFICATION_APP_ID, tid: emu.tenantId });
    expect(emu.control.stats().notificationsDelivered).toBeGreaterThanOrEqual(1);
  });

  it('when the same owner subscribes twice for the same app then 409', async () => {
    hook = await startWebhookReceiver();
    const { token } = await ownerToken();
    expect((await graph(emu, token, 'POST', '/subscriptions', body())).status).toBe(201);
    const second = await graph(emu, token, 'POST', '/subscriptions', body({ resource: inFilter(agents.slice(5, 7)) }));
    expect(second.status).toBe(409);
  });

  it('when the resource, expiry or encryption fields are wrong then 400 and nothing is created', async () => {
    hook = await startWebhookReceiver();
    const { token } = await ownerToken();
    const ids651 = Array.from({ length: 651 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const cases: Record<string, unknown>[] = [
      { resource: inFilter(ids651) },
      { resource: `/communications/presences?$filter=id in (${agents[0]})` },
      { expirationDateTime: new Date(emu.control.now() + 61 * MIN).toISOString() },
      { expirationDateTime: new Date(emu.control.now() - MIN).toISOString() },
      { encryptionCertificate: undefined },
      { encryptionCertificate: 'bm90IGEgY2VydA==' },
      { changeType: 'created' },
      { notificationUrl: 'ftp://example.com/x' },
    ];
    for (const c of cases) {
      const r = await graph(emu, token, 'POST', '/subscriptions', body(c));
      expect(r.status, JSON.stringify(c).slice(0, 80)).toBe(400);
    }
    expect(emu.control.subscriptions()).toEqual([]);
    // Exactly 650 quoted ids is fine; so is a single-user resource.
    expect((await graph(emu, token, 'POST', '/subscriptions', body({ resource: inFilter(ids651.slice(0, 650)) }))).status).toBe(
      201,
    );
  });

  it('when the notification endpoint fails the validation handshake then 400 ValidationError', async () => {
    hook = await startWebhookReceiver();
    const { token } = await ownerToken();
    hook.behaviour.validate = 'wrong';
    const wrong = await graph(emu, token, 'POST', '/subscriptions', body());
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ error: { code: 'ValidationError' } });
    hook.behaviour.validate = 'status500';
    expect((await graph(emu, token, 'POST', '/subscriptions', body())).status).toBe(400);
    const unreachable = await graph(
      emu,
      token,
      'POST',
      '/subscriptions',
      body({ notificationUrl: 'http://127.0.0.1:9/nothing' }),
    );
    expect(unreachable.status).toBe(400);
    expect(emu.control.subscriptions()).toEqual([]);
  });

  it('when includeResourceData is off then notifications carry no encrypted content or validation tokens', async () => {
    hook = await startWebhookReceiver();
    const { token } = await ownerToken();
    const r = await graph<Sub>(
      emu,
      token,
      'POST',
      '/subscriptions',
      body({
        includeResourceData: false,
        encryptionCertificate: undefined,
        encryptionCertificateId: undefined,
        resource: `/communications/presences/${agents[4]}`,
      }),
    );
    expect(r.status).toBe(201);
    emu.control.startMeeting(agents[4]!);
    await hook.waitFor(1);
    const p = hook.received[0] as unknown as Payload;
    expect(p.validationTokens).toBeUndefined();
    expect(p.value[0]!.encryptedContent).toBeUndefined();
    expect(p.value[0]!.resourceData.id).toBe(agents[4]);
    emu.control.endMeeting(agents[4]!);
  });

  it('when a subscription is removed or needs reauthorization then the lifecycle URL hears it', async () => {
    hook = await startWebhookReceiver();
    const { token } = await ownerToken();
    const s = (await graph<Sub>(emu, token, 'POST', '/subscriptions', body())).body;
    await emu.control.sendLifecycle(s.id, 'reauthorizationRequired');
    expect(await emu.control.removeSubscription(s.id)).toBe(true);
    await emu.control.idle();
    const events = hook.received.map((p) => (p as unknown as Payload).value[0]!);
    expect(events.map((e) => e.lifecycleEvent)).toEqual(['reauthorizationRequired', 'subscriptionRemoved']);
    expect(events[0]).toMatchObject({ subscriptionId: s.id, clientState: 'secret-client-state', tenantId: emu.tenantId });
    expect((await graph(emu, token, 'GET', `/subscriptions/${s.id}`)).status).toBe(404);
  });

  it('when time passes the expiry then the subscription disappears and stops delivering; PATCH renews it', async () => {
    hook = await startWebhookReceiver();
    const { token } = await ownerToken();
    const s = (await graph<Sub>(emu, token, 'POST', '/subscriptions', body())).body;
    emu.control.advanceTime(30 * MIN);
    const renewed = await graph<Sub>(emu, token, 'PATCH', `/subscriptions/${s.id}`, {
      expirationDateTime: new Date(emu.control.now() + 60 * MIN).toISOString(),
    });
    expect(renewed.status).toBe(200);
    expect(Date.parse(renewed.body.expirationDateTime)).toBe(emu.control.now() + 60 * MIN);
    emu.control.injectFault({ kind: 'refuse_renewal', count: 1 });
    const refused = await graph(emu, token, 'PATCH', `/subscriptions/${s.id}`, {
      expirationDateTime: new Date(emu.control.now() + 60 * MIN).toISOString(),
    });
    expect(refused.status).toBe(500);
    emu.control.advanceTime(60 * MIN);
    expect(emu.control.subscriptions()).toEqual([]);
    emu.control.setClientPresence(agents[2]!, { availability: 'Away', activity: 'Away' });
    await emu.control.idle();
    expect(hook.received).toEqual([]);
  });

  it('when a subscription goes silent then changes are swallowed without any error', async () => {
    hook = await startWebhookReceiver();
    const { token } = await ownerToken();
    const created = await graph<Sub>(emu, token, 'POST', '/subscriptions', body());
    expect(created.status).toBe(201);
    const s = created.body;
    emu.control.injectFault({ kind: 'subscription_silent', subscriptionId: s.id });
    const before = emu.control.stats().notificationsSuppressed;
    emu.control.startCall(agents[0]!);
    await emu.control.idle();
    expect(hook.received).toEqual([]);
    expect(emu.control.stats().notificationsSuppressed).toBe(before + 1);
    expect(emu.control.subscriptions().find((x) => x.id === s.id)?.silent).toBe(true);
    emu.control.endCall(agents[0]!);
  });

  it('when the endpoint answers 500 then delivery is retried with backoff and then given up', async () => {
    hook = await startWebhookReceiver();
    const { token } = await ownerToken();
    expect((await graph<Sub>(emu, token, 'POST', '/subscriptions', body())).status).toBe(201);
    hook.behaviour.status = 500;
    const before = emu.control.stats();
    emu.control.setClientPresence(agents[0]!, { availability: 'Busy', activity: 'Busy' });
    await hook.waitFor(5);
    await emu.control.idle();
    // Retries are on real timers (5 ms doubling): wait until the last attempt has been counted.
    while (emu.control.stats().notificationsFailed === before.notificationsFailed) await new Promise((r) => setTimeout(r, 10));
    const after = emu.control.stats();
    expect(hook.received).toHaveLength(5);
    expect(after.deliveryRetries - before.deliveryRetries).toBe(4);
    expect(after.notificationsFailed - before.notificationsFailed).toBe(1);
  });
});
