import { isPreferredPair, normalizeActivity, normalizeAvailability, type PresencePair } from '../../api/src/domain/presence.ts';
import type { CallLog, CallRecord } from './calls.ts';
import type { EmulatorClock } from './clock.ts';
import type { Directory, DirectoryUser, NewUser } from './directory.ts';
import type { FaultSpec, Faults } from './faults.ts';
import type { IdentityService } from './identity/service.ts';
import type { PresenceSnapshot, PresenceStore } from './presence-store.ts';
import type { Stats } from './stats.ts';
import type { EndpointReport } from './subscriptions/endpoint-health.ts';
import type { LifecycleEvent, SubscriptionManager } from './subscriptions/manager.ts';

/**
 * What tests, benchmarks and the demo do to the emulated world: people open Teams, join meetings,
 * pick a status by hand; time passes; Graph misbehaves. In-process here; the same operations are
 * served over HTTP by control-routes.ts.
 */
export interface UserInfo {
  id: string;
  userPrincipalName: string;
  mail: string | null;
  displayName: string;
  accountEnabled: boolean;
  canSignIn: boolean;
}

export interface SubscriptionInfo {
  id: string;
  applicationId: string;
  creatorId: string;
  resource: string;
  userIds: string[];
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  expirationDateTime: string;
  includeResourceData: boolean;
  silent: boolean;
}

export interface EmulatorStats extends Stats {
  users: number;
  subscriptions: number;
  endpoints: EndpointReport[];
}

export interface GraphEmulatorControl {
  registerApp(app: { clientId: string; clientSecret: string; roles: string[]; tenantId?: string }): void;
  setRoles(clientId: string, roles: string[]): void;
  addUser(user: NewUser): UserInfo;
  users(): UserInfo[];
  /** Disables (or re-enables) sign-in: password/device/code sign-ins and refresh fail while disabled. */
  setAccountEnabled(userId: string, enabled: boolean): void;
  /** Like POST /users/{id}/revokeSignInSessions: the user's refresh tokens stop working. */
  revokeSignInSessions(userId: string): number;
  /** The user's own Teams client session; null = client closed. */
  setClientPresence(userId: string, pair: PresencePair | null): void;
  /** Client session Busy/InAMeeting until endMeeting. */
  startMeeting(userId: string): void;
  endMeeting(userId: string): void;
  /** Client session Busy/InACall until endCall. */
  startCall(userId: string): void;
  endCall(userId: string): void;
  /** The user picks a status by hand (null = clear). Default expiry as Graph: 1 day Busy/DND, else 7 days. */
  setPreferredPresence(userId: string, pair: PresencePair | null, expiresInMs?: number): void;
  /** "Reset status" in Teams: clears the by-hand status. */
  resetStatus(userId: string): void;
  getPresence(userId: string): PresenceSnapshot;
  /** Moves emulator time forward, firing fades, expiries and subscription expiry. */
  advanceTime(ms: number): void;
  /** Emulator time (ms since epoch). */
  now(): number;
  injectFault(f: FaultSpec): void;
  clearFaults(): void;
  faults(): FaultSpec[];
  calls(filter?: { since?: number; pathPrefix?: string }): CallRecord[];
  resetCalls(): void;
  subscriptions(): SubscriptionInfo[];
  /** Removes it and sends `subscriptionRemoved` to its lifecycle URL. */
  removeSubscription(id: string): Promise<boolean>;
  sendLifecycle(id: string, event: LifecycleEvent): Promise<void>;
  /** A delegated JWT from this emulator's keys, e.g. a Teams SSO token for the admin API's tests. */
  issueUserToken(o: { userId: string; audience: string; scopes?: string[]; appId?: string }): Promise<string>;
  stats(): EmulatorStats;
  /** Resolves when no notification delivery is in flight. */
  idle(): Promise<void>;
}

export interface ControlDeps {
  dir: Directory;
  store: PresenceStore;
  clock: EmulatorClock;
  faults: Faults;
  calls: CallLog;
  subs: SubscriptionManager;
  identity: IdentityService;
  stats: Stats;
  onUserAdded: (u: DirectoryUser) => void;
}

const DAY = 24 * 3600_000;

export function createControl(d: ControlDeps): GraphEmulatorControl {
  const userId = (idOrUpn: string): string => {
    const u = d.dir.find(idOrUpn);
    if (!u) throw new Error(`no such user ${idOrUpn}`);
    return u.id;
  };
  const info = (u: DirectoryUser): UserInfo => ({
    id: u.id,
    userPrincipalName: u.userPrincipalName,
    mail: u.mail,
    displayName: u.displayName,
    accountEnabled: u.accountEnabled,
    canSignIn: !!u.password,
  });
  const norm = (p: PresencePair): PresencePair => {
    if (!p || typeof p.availability !== 'string' || typeof p.activity !== 'string')
      throw new Error('a presence pair needs availability and activity strings');
    return { availability: normalizeAvailability(p.availability), activity: normalizeActivity(p.activity) };
  };
  const overlay = (id: string, activity: 'meeting' | 'call' | null) =>
    d.store.mutate(userId(id), (s) => {
      s.client.activity = activity;
    });

  return {
    registerApp: (app) => {
      d.dir.registerApp(app);
    },
    setRoles: (clientId, roles) => d.dir.setRoles(clientId, roles),
    addUser: (user) => {
      const u = d.dir.addUser(user);
      d.onUserAdded(u);
      return info(u);
    },
    users: () => d.dir.users.map(info),
    setAccountEnabled: (id, enabled) => {
      d.dir.setAccountEnabled(id, enabled);
    },
    revokeSignInSessions: (id) => d.identity.revokeRefreshTokens(userId(id)),
    setClientPresence: (id, pair) =>
      d.store.mutate(userId(id), (s) => {
        s.client.base = pair ? norm(pair) : null;
        // Closing Teams ends whatever meeting or call it was in.
        if (!pair) s.client.activity = null;
      }),
    startMeeting: (id) => overlay(id, 'meeting'),
    endMeeting: (id) => overlay(id, null),
    startCall: (id) => overlay(id, 'call'),
    endCall: (id) => overlay(id, null),
    setPreferredPresence: (id, pair, expiresInMs) => {
      const p = pair ? norm(pair) : null;
      if (p && !isPreferredPair(p)) throw new Error(`${p.availability}/${p.activity} is not a status a user can pick`);
      if (expiresInMs !== undefined && !(expiresInMs > 0)) throw new Error('expiresInMs must be positive');
      d.store.mutate(userId(id), (s, now) => {
        s.preferred = p
          ? {
              pair: p,
              expiresAt: now + (expiresInMs ?? (p.availability === 'Busy' || p.availability === 'DoNotDisturb' ? DAY : 7 * DAY)),
            }
          : null;
      });
    },
    resetStatus: (id) =>
      d.store.mutate(userId(id), (s) => {
        s.preferred = null;
      }),
    getPresence: (id) => d.store.snapshot(userId(id)),
    advanceTime: (ms) => d.clock.advance(ms),
    now: () => d.clock.now(),
    injectFault: (f) => d.faults.inject(f),
    clearFaults: () => d.faults.clear(),
    faults: () => d.faults.list(),
    calls: (filter) => d.calls.list(filter),
    resetCalls: () => d.calls.reset(),
    subscriptions: () =>
      d.subs.all().map((s) => ({
        id: s.id,
        applicationId: s.appId,
        creatorId: s.creatorId,
        resource: s.resource,
        userIds: [...s.userIds],
        notificationUrl: s.notificationUrl,
        lifecycleNotificationUrl: s.lifecycleNotificationUrl,
        expirationDateTime: new Date(s.expiresAt).toISOString(),
        includeResourceData: s.includeResourceData,
        silent: !!d.faults.peek('subscription_silent', s.id),
      })),
    removeSubscription: (id) => d.subs.removeWithNotice(id),
    sendLifecycle: (id, event) => d.subs.sendLifecycle(id, event),
    issueUserToken: (o) => d.identity.userToken(o),
    stats: () => ({
      ...d.stats,
      users: d.dir.users.length,
      subscriptions: d.subs.all().length,
      endpoints: d.subs.health.all(d.clock.now()),
    }),
    idle: () => d.subs.idle(),
  };
}
