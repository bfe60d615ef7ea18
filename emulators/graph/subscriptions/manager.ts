import { randomUUID } from 'node:crypto';
import type { PresencePair } from '../../../api/src/domain/presence.ts';
import type { EmulatorClock } from '../clock.ts';
import { SUBSCRIPTION_MAX_MS, SUBSCRIPTION_MIN_MS } from '../defaults.ts';
import type { Faults } from '../faults.ts';
import { fail } from '../graph-errors.ts';
import type { IdentityService } from '../identity/service.ts';
import type { PresenceChange } from '../presence-store.ts';
import type { Principal } from '../principal.ts';
import type { Stats } from '../stats.ts';
import { encryptResource, type SubscriberCert } from './encrypt.ts';
import { EndpointHealth } from './endpoint-health.ts';
import type { Poster } from './post.ts';

/**
 * Presence subscriptions: storage, the per-user index, expiry, and delivery of change and
 * lifecycle notifications (webhook delivery, change-notifications-with-resource-data,
 * change-notifications-lifecycle-events). Validation of the create/update body is in routes.ts.
 */
export interface Subscription {
  id: string;
  appId: string;
  creatorId: string;
  resource: string;
  userIds: string[];
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  clientState: string | null;
  expiresAt: number;
  includeResourceData: boolean;
  encryptionCertificate: string | null;
  encryptionCertificateId: string | null;
  cert: SubscriberCert | null;
  latestSupportedTlsVersion: string;
}

export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

export interface ManagerDeps {
  clock: EmulatorClock;
  faults: Faults;
  poster: Poster;
  identity: IdentityService;
  tenantId: string;
  stats: Stats;
  notificationLatencyMs: number;
  deliveryRetryMs: number;
  graphBase: () => string;
  /** Errors during delivery (never thrown: there is no caller to throw to). */
  onError: (message: string, err: unknown) => void;
}

interface Pending {
  sub: Subscription;
  items: { userId: string; presence: PresencePair; sequenceNumber: string }[];
}

/** Delivery attempts before a notification is given up (real Graph retries for up to 4 hours). */
const MAX_ATTEMPTS = 5;
const DELIVERY_TIMEOUT_MS = 30_000;
/** Notifications per POST (Graph batches several in `value`). */
const MAX_PER_POST = 100;

/**
 * A notification's `resource` names the one user whose presence changed, not the subscription's
 * whole id list: `communications/presences?$filter=id+in+(%27{userId}%27)` in Microsoft's published
 * presence notification (devblogs.microsoft.com/microsoft365dev, "Breaking changes to Microsoft Graph
 * presence and online meeting basic change notifications", 2024). A single-user subscription keeps its own.
 */
function notificationResource(subscriptionResource: string, userId: string): string {
  if (!/\$filter=/i.test(subscriptionResource)) return subscriptionResource;
  return `communications/presences?$filter=id+in+(%27${userId}%27)`;
}

/** How late a "slow" endpoint gets its notifications (change-notifications-delivery-webhooks). */
const SLOW_DELAY_MS = 10 * 60_000;

export class SubscriptionManager {
  private readonly subs = new Map<string, Subscription>();
  private readonly byUser = new Map<string, Set<string>>();
  private readonly pending = new Map<string, Pending>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Resolvers of flushes still waiting out their latency (released by stop()). */
  private readonly waiting = new Set<() => void>();
  readonly health = new EndpointHealth();
  private stopped = false;

  constructor(private readonly d: ManagerDeps) {}

  get(id: string): Subscription | undefined {
    const s = this.subs.get(id);
    return s && s.expiresAt > this.d.clock.now() ? s : undefined;
  }

  all(): Subscription[] {
    const now = this.d.clock.now();
    return [...this.subs.values()].filter((s) => s.expiresAt > now);
  }

  visibleTo(p: Principal): Subscription[] {
    return this.all().filter((s) => s.appId === p.appId && (p.kind === 'app' || s.creatorId === p.userId));
  }

  /** The live presence subscription this user already owns for this app, if any. */
  existingFor(appId: string, creatorId: string): Subscription | undefined {
    return this.all().find((s) => s.appId === appId && s.creatorId === creatorId);
  }

  add(s: Subscription): void {
    this.subs.set(s.id, s);
    for (const u of s.userIds) {
      let set = this.byUser.get(u);
      if (!set) {
        set = new Set();
        this.byUser.set(u, set);
      }
      set.add(s.id);
    }
    this.d.clock.schedule(`sub:${s.id}`, s.expiresAt);
  }

  setExpiry(s: Subscription, at: number): void {
    s.expiresAt = at;
    this.d.clock.schedule(`sub:${s.id}`, at);
  }

  /** Removes without telling anyone (delete, expiry). */
  remove(id: string): Subscription | undefined {
    const s = this.subs.get(id);
    if (!s) return undefined;
    this.subs.delete(id);
    for (const u of s.userIds) {
      const set = this.byUser.get(u);
      set?.delete(id);
      if (set && set.size === 0) this.byUser.delete(u);
    }
    this.pending.delete(id);
    this.d.clock.schedule(`sub:${id}`, null);
    return s;
  }

  /** Clock callback: an expired subscription stops delivering and disappears. */
  expire(id: string): void {
    const s = this.subs.get(id);
    if (s && s.expiresAt <= this.d.clock.now()) this.remove(id);
  }

  /** Removes and sends `subscriptionRemoved` to the lifecycle URL (as Graph does when it drops one). */
  async removeWithNotice(id: string): Promise<boolean> {
    const s = this.remove(id);
    if (!s) return false;
    await this.lifecycle(s, 'subscriptionRemoved');
    return true;
  }

  async sendLifecycle(id: string, event: LifecycleEvent): Promise<void> {
    const s = this.get(id);
    if (!s) throw new Error(`no such subscription ${id}`);
    await this.lifecycle(s, event);
  }

  /** From the presence store: queue a notification for every live subscription covering the user. */
  onPresenceChange(c: PresenceChange): void {
    const ids = this.byUser.get(c.userId);
    if (!ids || this.stopped) return;
    for (const id of ids) {
      const s = this.subs.get(id);
      if (!s) continue;
      let p = this.pending.get(id);
      if (!p) {
        p = { sub: s, items: [] };
        this.pending.set(id, p);
        if (this.health.state(s.notificationUrl, this.d.clock.now()) === 'slow') {
          // A "slow" endpoint gets its notifications 10 minutes late (emulator time: advanceTime fires them).
          this.d.clock.schedule(`slowflush:${id}`, this.d.clock.now() + SLOW_DELAY_MS);
          this.d.stats.notificationsDelayed += 1;
        }
        // Tracked, so idle() also waits for notifications still in their latency delay.
        else
          this.track(
            new Promise<void>((resolve) => {
              this.waiting.add(resolve);
              const run = () => {
                this.waiting.delete(resolve);
                this.flush(id);
                resolve();
              };
              if (!this.later(run, this.d.notificationLatencyMs)) run();
            }),
          );
      }
      p.items.push({ userId: c.userId, presence: c.presence, sequenceNumber: c.sequenceNumber });
    }
  }

  /** Waits for deliveries already started (tests stop cleanly). */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const resolve of this.waiting) resolve();
    this.waiting.clear();
  }

  json(s: Subscription): Record<string, unknown> {
    return {
      '@odata.context': `${this.d.graphBase()}/$metadata#subscriptions/$entity`,
      id: s.id,
      resource: s.resource,
      applicationId: s.appId,
      changeType: s.changeType,
      clientState: s.clientState,
      notificationUrl: s.notificationUrl,
      notificationQueryOptions: null,
      lifecycleNotificationUrl: s.lifecycleNotificationUrl,
      expirationDateTime: new Date(s.expiresAt).toISOString(),
      creatorId: s.creatorId,
      includeResourceData: s.includeResourceData,
      latestSupportedTlsVersion: s.latestSupportedTlsVersion,
      encryptionCertificate: s.encryptionCertificate,
      encryptionCertificateId: s.encryptionCertificateId,
      notificationUrlAppId: null,
    };
  }

  /** Graph's expiry rule for presence: at most 60 minutes ahead; under 45 minutes is raised to 45. */
  clampExpiry(raw: unknown): number {
    if (typeof raw !== 'string' || Number.isNaN(Date.parse(raw)))
      throw fail(400, 'BadRequest', "'expirationDateTime' is required and must be an ISO 8601 date-time.");
    const now = this.d.clock.now();
    const at = Date.parse(raw);
    if (at <= now) throw fail(400, 'ExtensionError', 'Subscription expiration date-time must be in the future.');
    // A few seconds of grace for the client's clock and request time.
    if (at > now + SUBSCRIPTION_MAX_MS + 10_000)
      throw fail(
        400,
        'ExtensionError',
        `Subscription expiration can only be ${SUBSCRIPTION_MAX_MS / 60_000} minutes in the future for presence resources.`,
      );
    return Math.min(Math.max(at, now + SUBSCRIPTION_MIN_MS), now + SUBSCRIPTION_MAX_MS);
  }

  newId(): string {
    return randomUUID();
  }

  /** Runs `fn` after `ms` unless stopped first; false when already stopped. */
  private later(fn: () => void, ms: number): boolean {
    if (this.stopped) return false;
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return true;
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p)).catch(() => undefined);
    return p;
  }

  /** Clock callback for notifications held back because their endpoint was slow. */
  flushDelayed(id: string): void {
    this.flush(id);
  }

  private flush(id: string): void {
    const p = this.pending.get(id);
    this.pending.delete(id);
    if (!p || this.stopped) return;
    const s = this.get(id);
    if (!s) return;
    if (this.d.faults.peek('subscription_silent', id)) {
      this.d.stats.notificationsSuppressed += p.items.length;
      return;
    }
    if (this.health.isDropping(s.notificationUrl, this.d.clock.now())) {
      this.d.stats.notificationsDropped += p.items.length;
      return;
    }
    for (let i = 0; i < p.items.length; i += MAX_PER_POST) {
      const chunk = p.items.slice(i, i + MAX_PER_POST);
      this.track(this.buildAndDeliver(s, chunk)).catch((e) => this.d.onError('notification delivery failed', e));
    }
  }

  private async buildAndDeliver(s: Subscription, items: Pending['items']): Promise<void> {
    const expiry = new Date(s.expiresAt).toISOString();
    const value = items.map((it) => {
      const odataId = `users/${it.userId}/presence`;
      const n: Record<string, unknown> = {
        subscriptionId: s.id,
        subscriptionExpirationDateTime: expiry,
        changeType: 'updated',
        clientState: s.clientState,
        resource: notificationResource(s.resource, it.userId),
        resourceData: { '@odata.type': '#Microsoft.Graph.presence', '@odata.id': odataId, id: it.userId },
        tenantId: this.d.tenantId,
      };
      if (s.includeResourceData && s.cert && s.encryptionCertificateId) {
        const data = JSON.stringify({
          '@odata.type': '#Microsoft.Graph.presence',
          '@odata.id': odataId,
          id: it.userId,
          availability: it.presence.availability,
          activity: it.presence.activity,
          sequenceNumber: it.sequenceNumber,
          statusMessage: null,
          outOfOfficeSettings: { message: null, isOutOfOffice: false },
        });
        n.encryptedContent = encryptResource(data, s.cert, s.encryptionCertificateId);
      }
      return n;
    });
    const payload: Record<string, unknown> = { value };
    if (s.includeResourceData) payload.validationTokens = [await this.d.identity.validationToken(s.appId)];
    await this.deliver(s, s.notificationUrl, JSON.stringify(payload), items.length, 0, 'notification');
  }

  private async lifecycle(s: Subscription, event: LifecycleEvent): Promise<void> {
    if (!s.lifecycleNotificationUrl) return;
    const payload = {
      value: [
        {
          subscriptionId: s.id,
          subscriptionExpirationDateTime: new Date(s.expiresAt).toISOString(),
          tenantId: this.d.tenantId,
          clientState: s.clientState,
          lifecycleEvent: event,
          resource: s.resource,
          resourceData: { '@odata.type': '#Microsoft.Graph.presence' },
        },
      ],
    };
    await this.track(this.deliver(s, s.lifecycleNotificationUrl, JSON.stringify(payload), 1, 0, 'lifecycle'));
  }

  private async deliver(
    s: Subscription,
    url: string,
    body: string,
    count: number,
    attempt: number,
    kind: 'notification' | 'lifecycle',
  ) {
    let ok = false;
    try {
      const r = await this.d.poster.post(url, body, 'application/json; charset=utf-8', DELIVERY_TIMEOUT_MS);
      this.health.record(url, this.d.clock.now(), r.ms);
      ok = r.status >= 200 && r.status < 300;
    } catch {
      // Timeout or connection refused: counts like an error answer (retried below).
      this.health.record(url, this.d.clock.now(), DELIVERY_TIMEOUT_MS);
    }
    if (ok) {
      if (kind === 'notification') this.d.stats.notificationsDelivered += count;
      else this.d.stats.lifecycleDelivered += 1;
      return;
    }
    if (attempt + 1 >= MAX_ATTEMPTS || this.stopped) {
      if (kind === 'notification') this.d.stats.notificationsFailed += count;
      else this.d.stats.lifecycleFailed += 1;
      return;
    }
    this.d.stats.deliveryRetries += 1;
    this.later(
      () => {
        // A subscription deleted meanwhile gets no more retries (lifecycle removal notices still go).
        if (kind === 'notification' && !this.get(s.id)) return;
        this.track(this.deliver(s, url, body, count, attempt + 1, kind)).catch((e) => this.d.onError('delivery retry failed', e));
      },
      this.d.deliveryRetryMs * 2 ** attempt,
    );
  }
}
