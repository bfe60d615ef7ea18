import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmulatorClock } from './clock.ts';
import { Directory } from './directory.ts';
import { Faults } from './faults.ts';
import { TokenKeys } from './identity/keys.ts';
import { IdentityService } from './identity/service.ts';
import { newStats } from './stats.ts';
import { SubscriptionManager } from './subscriptions/manager.ts';
import { Poster } from './subscriptions/post.ts';
import { startWebhookReceiver, type WebhookReceiver } from './test-helpers.ts';

const NOW = Date.UTC(2026, 10, 26, 9, 0, 0);
const MIN = 60_000;

// The delivery rules that real endpoints cannot cheaply provoke in a test (answers slower than 3 s),
// driven by feeding the endpoint's answer history directly.
describe('notification delivery to a slow endpoint', () => {
  let hook: WebhookReceiver;
  let subs: SubscriptionManager;
  let clock: EmulatorClock;
  const stats = newStats();
  const poster = new Poster('');

  beforeAll(async () => {
    hook = await startWebhookReceiver();
    const dir = new Directory('tenant-1');
    clock = new EmulatorClock(
      () => NOW,
      (key) => {
        if (key.startsWith('slowflush:')) subs.flushDelayed(key.slice('slowflush:'.length));
        else if (key.startsWith('sub:')) subs.expire(key.slice(4));
      },
    );
    const identity = new IdentityService(
      dir,
      await TokenKeys.create(),
      () => clock.now(),
      () => 'https://emulator.invalid',
    );
    subs = new SubscriptionManager({
      clock,
      faults: new Faults(() => clock.now()),
      poster,
      identity,
      tenantId: 'tenant-1',
      stats,
      notificationLatencyMs: 0,
      deliveryRetryMs: 5,
      graphBase: () => 'https://emulator.invalid/v1.0',
      onError: (m, e) => {
        throw new Error(`${m}: ${String(e)}`);
      },
    });
  });
  afterAll(async () => {
    subs.stop();
    clock.stop();
    poster.close();
    await hook.stop();
  });

  it('when over 10% of recent answers took longer than 3 s then notifications arrive 10 minutes (emulator time) late', async () => {
    for (let i = 0; i < 10; i++) subs.health.record(hook.url, NOW - i * 1000, i < 2 ? 4000 : 20);
    expect(subs.health.report(hook.url, NOW).state).toBe('slow');
    subs.add({
      id: 'sub-1',
      appId: 'app-1',
      creatorId: 'owner-1',
      resource: "/communications/presences?$filter=id in ('u1')",
      userIds: ['u1'],
      changeType: 'updated',
      notificationUrl: hook.url,
      lifecycleNotificationUrl: null,
      clientState: 'cs',
      expiresAt: NOW + 60 * MIN,
      includeResourceData: false,
      encryptionCertificate: null,
      encryptionCertificateId: null,
      cert: null,
      latestSupportedTlsVersion: 'v1_2',
    });
    subs.onPresenceChange({ userId: 'u1', presence: { availability: 'Busy', activity: 'InACall' }, sequenceNumber: '1' });
    await subs.idle();
    expect(hook.received).toEqual([]);
    expect(stats.notificationsDelayed).toBe(1);
    clock.advance(10 * MIN);
    await hook.waitFor(1);
    expect((hook.received[0] as { value: { resourceData: { id: string } }[] }).value[0]!.resourceData.id).toBe('u1');
  });
});
