import { randomBytes } from 'node:crypto';
import type { Clock, FaultKind, NoticeSink } from '../domain/ports.ts';
import { ExternalError } from '../domain/reasons.ts';
import type { Logger } from '../logging.ts';
import type { LeaseManager } from '../storage/leases.ts';
import type { CertStore } from './certs.ts';
import { type PlannedGroup, planSubscriptions, type SubscriptionPlan } from './plan.ts';
import type { ObservedChange } from './reader.ts';
import { judge, mergeSuspicions, noteSighting, type Suspicion } from './silence.ts';
import type { OwnerRow, SubscriptionRow, SubscriptionStore } from './subscription-store.ts';
import { LIFECYCLE_PATH, NOTIFICATIONS_PATH } from './webhooks.ts';

/** Returns a delegated access token for a subscription owner (refreshing it when needed). */
export type AccessTokenProvider = () => Promise<string>;

export interface GraphSubscription {
  id: string;
  expirationDateTime: string;
}

export interface SubscriptionCreateBody {
  changeType: 'updated';
  resource: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string;
  expirationDateTime: string;
  clientState: string;
  includeResourceData: true;
  encryptionCertificate: string;
  encryptionCertificateId: string;
}

/** What the manager needs from the Graph client (api/src/graph). Failures are ExternalError with extra.status. */
export interface SubscriptionGraph {
  createSubscription(token: AccessTokenProvider, body: SubscriptionCreateBody): Promise<GraphSubscription>;
  renewSubscription(token: AccessTokenProvider, id: string, expirationDateTime: string): Promise<GraphSubscription>;
  deleteSubscription(token: AccessTokenProvider, id: string): Promise<void>;
}

export interface OwnerTokenSource {
  tokenFor(connectionId: string, ownerId: string): AccessTokenProvider;
}

export interface LifecycleItem {
  subscriptionId: string;
  lifecycleEvent: string;
  subscriptionExpirationDateTime?: string;
}

export interface SubscriptionManagerDeps {
  store: SubscriptionStore;
  /** The connection's Graph client. */
  graph(connectionId: string): Promise<SubscriptionGraph>;
  owners: OwnerTokenSource;
  certs: CertStore;
  leases?: LeaseManager | undefined;
  clock: Clock;
  logger: Logger;
  notices?: NoticeSink | undefined;
  /** PUBLIC_BASE_URL (read when a subscription is created): Graph posts to {base}/api/graph/notifications and /lifecycle. */
  publicBaseUrl: string | (() => string);
  groupSize(connectionId: string): Promise<number>;
  users(connectionId: string): Promise<readonly string[]>;
  /** Asked for after a `missed` lifecycle event or a silent subscription: read everyone now. */
  onMissed?(connectionId: string): void;
  /** Requested lifetime (Graph: ≤ 60 min). Default 58 min. */
  lifetimeMs?: number;
  /** Renew when less than this is left. Default 20 min. */
  renewBeforeMs?: number;
  /** How long a change the reader saw may wait for its notification before the subscription counts as silent. Default 90 s. */
  silenceGraceMs?: number;
}

export interface ReconcileResult {
  skipped?: 'lease_held_elsewhere';
  plan?: SubscriptionPlan;
  created: number;
  deleted: number;
  renewed: number;
  failed: number;
  silent: number;
}

export interface SubscriptionCoverage {
  subscriptions: Array<
    Omit<SubscriptionRow, 'userIds' | 'suspicion'> & {
      users: number;
      ownerUpn: string | null;
      expiresInMs: number | null;
      suspectSince: number | null;
    }
  >;
  coveredUsers: number;
  mappedUsers: number;
  uncoveredUsers: number;
}

export function buildResource(userIds: readonly string[]): string {
  return `/communications/presences?$filter=id in (${userIds.map((u) => `'${u.replace(/'/g, "''")}'`).join(',')})`;
}

const statusOf = (err: unknown) => (err instanceof ExternalError ? err.extra.status : undefined);
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

export function createSubscriptionManager(deps: SubscriptionManagerDeps) {
  const { store, clock, notices } = deps;
  const log = deps.logger.child({ component: 'subscriptions' });
  const lifetime = deps.lifetimeMs ?? 58 * 60_000;
  const renewBefore = deps.renewBeforeMs ?? 20 * 60_000;
  const grace = deps.silenceGraceMs ?? 90_000;
  const baseUrl = () =>
    (typeof deps.publicBaseUrl === 'function' ? deps.publicBaseUrl() : deps.publicBaseUrl).replace(/\/+$/, '');
  const openFaults = new Map<string, FaultKind>();
  const running = new Map<string, Promise<ReconcileResult>>();
  const next = new Map<string, Promise<ReconcileResult>>();

  /** The latest evidence a subscription was alive: its last notification, or its creation (Graph owes nothing for earlier changes). */
  const aliveAt = (row: SubscriptionRow) => {
    const alive = Math.max(row.lastNotificationAt ?? Number.NEGATIVE_INFINITY, row.subscribedAt ?? Number.NEGATIVE_INFINITY);
    return Number.isFinite(alive) ? alive : null;
  };
  /** Weighs a row's suspicion against that evidence. */
  const verdictOf = (row: SubscriptionRow, suspicion: Suspicion, now: number) => judge(suspicion, aliveAt(row), now, grace);
  /** When the group's oldest unexplained change was seen (null: nothing unexplained). */
  const suspectSince = (row: SubscriptionRow, now: number) => {
    if (!row.suspicion) return null;
    const v = verdictOf(row, row.suspicion, now);
    return v.kind === 'explained' ? null : v.since;
  };

  const fault = (connectionId: string, kind: FaultKind, key: string, message: string, impactUsers?: number) => {
    openFaults.set(`${connectionId}|${kind}|${key}`, kind);
    log.warn({ connectionId, fault: kind, key, message }, 'subscription fault');
    notices?.notify({
      kind: 'fault',
      connectionId,
      fault: kind,
      key,
      message,
      at: clock.now(),
      ...(impactUsers ? { impactUsers } : {}),
    });
  };
  const heal = (connectionId: string, key: string, kinds: readonly FaultKind[]) => {
    for (const kind of kinds) {
      const k = `${connectionId}|${kind}|${key}`;
      if (!openFaults.has(k)) continue;
      openFaults.delete(k);
      notices?.notify({ kind: 'fault_healed', connectionId, fault: kind, key, at: clock.now() });
    }
  };
  const keyOf = (row: { groupIndex: number }) => `subscription-group-${row.groupIndex}`;

  async function withLease<T>(connectionId: string, fn: () => Promise<T>): Promise<T | null> {
    const name = `watch:subscriptions:${connectionId}`;
    if (deps.leases && !(await deps.leases.tryAcquire(name, 120_000))) return null;
    return fn();
  }

  async function tokenFor(connectionId: string, ownerId: string): Promise<AccessTokenProvider> {
    return deps.owners.tokenFor(connectionId, ownerId);
  }

  async function deleteRemote(connectionId: string, row: SubscriptionRow): Promise<void> {
    if (!row.graphSubscriptionId || !row.ownerId) return;
    try {
      await (await deps.graph(connectionId)).deleteSubscription(
        await tokenFor(connectionId, row.ownerId),
        row.graphSubscriptionId,
      );
    } catch (err) {
      if (statusOf(err) !== 404)
        log.warn({ connectionId, err: messageOf(err) }, 'deleting a subscription failed (it will expire)');
    }
  }

  async function create(connectionId: string, row: SubscriptionRow, userIds: string[], ownerId: string | null): Promise<boolean> {
    const now = clock.now();
    if (row.graphSubscriptionId) await deleteRemote(connectionId, row);
    if (!ownerId) {
      await store.update(
        row.id,
        {
          userIds,
          ownerId: null,
          graphSubscriptionId: null,
          clientState: null,
          status: 'planned',
          lastError: 'no owner account available',
          lastErrorAt: now,
        },
        now,
      );
      return false;
    }
    const clientState = randomBytes(32).toString('base64url');
    let base: string;
    try {
      base = baseUrl();
    } catch (err) {
      await store.update(row.id, { userIds, ownerId, status: 'failed', lastError: messageOf(err), lastErrorAt: now }, now);
      fault(connectionId, 'subscription_create_failed', keyOf(row), messageOf(err), userIds.length);
      return false;
    }
    await store.update(row.id, { userIds, ownerId, graphSubscriptionId: null, clientState, status: 'planned' }, now);
    try {
      const cert = await deps.certs.current(connectionId);
      const created = await (await deps.graph(connectionId)).createSubscription(await tokenFor(connectionId, ownerId), {
        changeType: 'updated',
        resource: buildResource(userIds),
        notificationUrl: base + NOTIFICATIONS_PATH,
        lifecycleNotificationUrl: base + LIFECYCLE_PATH,
        expirationDateTime: new Date(now + lifetime).toISOString(),
        clientState,
        includeResourceData: true,
        encryptionCertificate: cert.certBase64,
        encryptionCertificateId: cert.id,
      });
      const at = clock.now();
      await store.setCertOf(connectionId, row.id, cert.id, at);
      await store.update(
        row.id,
        {
          graphSubscriptionId: created.id,
          status: 'active',
          expiresAt: Date.parse(created.expirationDateTime),
          lastRenewedAt: at,
          lastNotificationAt: null,
          subscribedAt: at,
          suspicion: null,
          lastError: null,
          lastErrorAt: null,
        },
        at,
      );
      log.info(
        { connectionId, group: row.groupIndex, users: userIds.length, subscriptionId: created.id },
        'subscription created',
      );
      heal(connectionId, keyOf(row), [
        'subscription_create_failed',
        'subscription_removed',
        'missed_notifications',
        'subscription_renew_failed',
        'reauthorization_failed',
      ]);
      return true;
    } catch (err) {
      const at = clock.now();
      await store.update(row.id, { status: 'failed', lastError: messageOf(err), lastErrorAt: at }, at);
      fault(
        connectionId,
        'subscription_create_failed',
        keyOf(row),
        `Creating the presence subscription for group ${row.groupIndex + 1} failed: ${messageOf(err)}`,
        userIds.length,
      );
      return false;
    }
  }

  /** One PATCH. 404 → the subscription is gone: re-created. */
  async function renew(
    connectionId: string,
    row: SubscriptionRow,
    cause: 'due' | 'reauthorization' | 'manual',
  ): Promise<'renewed' | 'recreated' | 'failed'> {
    if (!row.graphSubscriptionId || !row.ownerId)
      return (await create(connectionId, row, row.userIds, row.ownerId)) ? 'recreated' : 'failed';
    const now = clock.now();
    try {
      const r = await (await deps.graph(connectionId)).renewSubscription(
        await tokenFor(connectionId, row.ownerId),
        row.graphSubscriptionId,
        new Date(now + lifetime).toISOString(),
      );
      const at = clock.now();
      await store.update(
        row.id,
        { status: 'active', expiresAt: Date.parse(r.expirationDateTime), lastRenewedAt: at, lastError: null, lastErrorAt: null },
        at,
      );
      heal(connectionId, keyOf(row), ['subscription_renew_failed', 'reauthorization_failed']);
      return 'renewed';
    } catch (err) {
      if (statusOf(err) === 404) {
        fault(
          connectionId,
          'subscription_removed',
          keyOf(row),
          `The presence subscription for group ${row.groupIndex + 1} was gone; re-creating it`,
          row.userIds.length,
        );
        return (await create(connectionId, row, row.userIds, row.ownerId)) ? 'recreated' : 'failed';
      }
      const at = clock.now();
      const expired = row.expiresAt !== null && row.expiresAt <= at;
      await store.update(row.id, { status: expired ? 'failed' : row.status, lastError: messageOf(err), lastErrorAt: at }, at);
      fault(
        connectionId,
        cause === 'reauthorization' ? 'reauthorization_failed' : 'subscription_renew_failed',
        keyOf(row),
        `Renewing the presence subscription for group ${row.groupIndex + 1} failed: ${messageOf(err)}`,
        row.userIds.length,
      );
      if (expired) return (await create(connectionId, row, row.userIds, row.ownerId)) ? 'recreated' : 'failed';
      return 'failed';
    }
  }

  async function currentPlan(connectionId: string, rows?: SubscriptionRow[], ownerRows?: OwnerRow[]): Promise<SubscriptionPlan> {
    const [users, size, existing, owners] = await Promise.all([
      deps.users(connectionId),
      deps.groupSize(connectionId),
      rows ?? store.list(connectionId),
      ownerRows ?? store.owners(connectionId),
    ]);
    return planSubscriptions({
      users,
      groupSize: size,
      existing: existing.map((r) => ({ id: r.id, userIds: r.userIds, ownerId: r.ownerId })),
      owners: owners.map((o) => ({ id: o.id, healthy: o.tokenStatus === 'ok' })),
    });
  }

  async function reconcileNow(connectionId: string): Promise<ReconcileResult> {
    const result: ReconcileResult = { created: 0, deleted: 0, renewed: 0, failed: 0, silent: 0 };
    let rows = await store.list(connectionId);
    const plan = await currentPlan(connectionId, rows);
    result.plan = plan;
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const id of plan.deletes) {
      const row = byId.get(id);
      if (!row) continue;
      await deleteRemote(connectionId, row);
      await store.remove(id);
      result.deleted++;
    }
    let nextIndex = rows.reduce((n, r) => Math.max(n, r.groupIndex + 1), 0);
    for (const g of plan.groups) await applyGroup(connectionId, g, byId, result, () => nextIndex++);

    // Renewals, certificate rotation and silent subscriptions among what was kept.
    rows = await store.list(connectionId);
    const now = clock.now();
    const certOf = rows.some((r) => r.status === 'active') ? await store.certsOf(connectionId) : new Map<string, string>();
    const currentCert = certOf.size > 0 ? (await deps.certs.current(connectionId)).id : null;
    for (const row of rows) {
      if (row.status !== 'active' && row.status !== 'failed') continue;
      if (row.suspicion) {
        const v = verdictOf(row, row.suspicion, now);
        if (v.kind === 'explained') await store.replaceSuspicion(row.id, row.suspicion, null);
        else if (v.kind === 'waiting' && v.suspicion !== row.suspicion)
          await store.replaceSuspicion(row.id, row.suspicion, v.suspicion);
        else if (v.kind === 'silent') {
          await store.replaceSuspicion(row.id, row.suspicion, null);
          result.silent++;
          fault(
            connectionId,
            'missed_notifications',
            keyOf(row),
            `The presence subscription for group ${row.groupIndex + 1} stopped delivering changes; re-creating it`,
            row.userIds.length,
          );
          deps.onMissed?.(connectionId);
          if (await create(connectionId, row, row.userIds, row.ownerId)) result.created++;
          else result.failed++;
          continue;
        }
      }
      const used = certOf.get(row.id);
      if (row.status === 'active' && currentCert && used && used !== currentCert) {
        // The encryption certificate was rotated: move the subscription onto the new one.
        log.info({ connectionId, group: row.groupIndex }, 're-creating a subscription on the rotated encryption certificate');
        if (await create(connectionId, row, row.userIds, row.ownerId)) result.created++;
        else result.failed++;
        continue;
      }
      const due = row.status === 'failed' || row.expiresAt === null || row.expiresAt - now <= renewBefore;
      if (!due) continue;
      const r = await renew(connectionId, row, 'due');
      if (r === 'renewed') result.renewed++;
      else if (r === 'recreated') result.created++;
      else result.failed++;
    }
    return result;
  }

  async function applyGroup(
    connectionId: string,
    g: PlannedGroup,
    byId: Map<string, SubscriptionRow>,
    result: ReconcileResult,
    nextIndex: () => number,
  ): Promise<void> {
    const existing = g.existingId ? byId.get(g.existingId) : undefined;
    if (g.action === 'keep' && existing && existing.graphSubscriptionId) return;
    const row = existing ?? (await store.insert(connectionId, nextIndex(), g.userIds, g.ownerId));
    if (g.action === 'keep' && row.status === 'planned' && !g.ownerId) return;
    const ok = await create(connectionId, row, g.userIds, g.ownerId);
    if (ok) result.created++;
    else if (g.ownerId) result.failed++;
  }

  return {
    /** Plans, creates/re-creates/deletes, renews what is due and heals silent subscriptions (one replica at a time). */
    async reconcile(connectionId: string): Promise<ReconcileResult> {
      // One pass at a time per connection; a call during a pass gets (and shares) one more pass after
      // it, so a change that arrived mid-pass (a new owner, new users) is always planned.
      const queued = next.get(connectionId);
      if (queued) return queued;
      const current = running.get(connectionId);
      const run = async (): Promise<ReconcileResult> =>
        (await withLease(connectionId, () => reconcileNow(connectionId))) ?? {
          skipped: 'lease_held_elsewhere' as const,
          created: 0,
          deleted: 0,
          renewed: 0,
          failed: 0,
          silent: 0,
        };
      const start = (): Promise<ReconcileResult> => {
        const p = run().finally(() => {
          if (running.get(connectionId) === p) running.delete(connectionId);
        });
        running.set(connectionId, p);
        return p;
      };
      if (!current) return start();
      const after = current
        .catch(() => undefined)
        .then(() => {
          next.delete(connectionId);
          return start();
        });
      next.set(connectionId, after);
      return after;
    },
    /** The plan as it would be applied now (no changes). */
    plan: (connectionId: string) => currentPlan(connectionId),
    /** Renews one subscription (or all of the connection's) now. */
    async renewNow(connectionId: string, subscriptionRowId?: string): Promise<Array<{ id: string; result: string }>> {
      const out: Array<{ id: string; result: string }> = [];
      const r = await withLease(connectionId, async () => {
        for (const row of await store.list(connectionId)) {
          if (subscriptionRowId && row.id !== subscriptionRowId) continue;
          if (row.status === 'planned' && !row.ownerId) continue;
          out.push({ id: row.id, result: await renew(connectionId, row, 'manual') });
        }
        return out;
      });
      if (r) return r;
      // Another replica holds the renewal lease: say so per subscription (it renews them itself).
      return (await store.list(connectionId))
        .filter((row) => !subscriptionRowId || row.id === subscriptionRowId)
        .map((row) => ({ id: row.id, result: 'lease_held_elsewhere' }));
    },
    /** A lifecycle notification (already clientState-checked). */
    async handleLifecycle(connectionId: string, item: LifecycleItem): Promise<string> {
      const row = await store.byGraphId(item.subscriptionId);
      if (!row || row.connectionId !== connectionId) return 'unknown_subscription';
      switch (item.lifecycleEvent) {
        case 'reauthorizationRequired': {
          const r = await withLease(connectionId, () => renew(connectionId, row, 'reauthorization'));
          return r ?? 'lease_held_elsewhere';
        }
        case 'subscriptionRemoved': {
          fault(
            connectionId,
            'subscription_removed',
            keyOf(row),
            `Microsoft Graph removed the presence subscription for group ${row.groupIndex + 1}; re-creating it`,
            row.userIds.length,
          );
          const r = await withLease(connectionId, () => create(connectionId, row, row.userIds, row.ownerId));
          return r === null ? 'lease_held_elsewhere' : r ? 'recreated' : 'failed';
        }
        case 'missed': {
          fault(
            connectionId,
            'missed_notifications',
            keyOf(row),
            `Microsoft Graph reports missed presence notifications for group ${row.groupIndex + 1}; reading everyone now`,
            row.userIds.length,
          );
          deps.onMissed?.(connectionId);
          heal(connectionId, keyOf(row), ['missed_notifications']);
          return 'read_requested';
        }
        default:
          log.warn({ connectionId, event: item.lifecycleEvent }, 'unknown lifecycle event ignored');
          return 'ignored';
      }
    },
    /**
     * Changes the reader saw: a covered user's change makes the group a suspect until a notification
     * explains it (see silence.ts). Kept on the row, so the replica that reads and the one that holds
     * the subscriptions lease need not be the same.
     */
    async readerSawChanges(connectionId: string, changes: readonly ObservedChange[]): Promise<void> {
      try {
        const rows = (await store.list(connectionId)).filter((r) => r.status === 'active');
        if (rows.length === 0) return;
        const rowOf = new Map<string, SubscriptionRow>();
        for (const r of rows) for (const u of r.userIds) rowOf.set(u, r);
        const seen = new Map<SubscriptionRow, Suspicion>();
        for (const c of changes) {
          const r = rowOf.get(c.userId);
          if (!r) continue;
          // Already explained (another replica was notified of it): nothing to keep.
          const alive = aliveAt(r);
          if (alive !== null && alive >= c.after) continue;
          seen.set(r, noteSighting(seen.get(r), { after: c.after, seenAt: c.at }));
        }
        for (const [r, s] of seen) {
          // Merged into what the row holds now; if a reconcile replaced it meanwhile, merged again.
          let held = r.suspicion;
          for (let attempt = 0; attempt < 3; attempt++) {
            const merged = mergeSuspicions(held, s);
            if (await store.replaceSuspicion(r.id, held, merged)) break;
            const fresh = await store.get(r.id);
            if (!fresh) break;
            held = fresh.suspicion;
          }
        }
      } catch (err) {
        log.warn({ connectionId, err: messageOf(err) }, 'recording what the reader saw failed');
      }
    },

    /** A notification arrived for these Graph subscriptions: they are alive. */
    async notificationsArrived(graphSubscriptionIds: readonly string[], at: number): Promise<void> {
      await store.noteNotifications(graphSubscriptionIds, at);
    },
    /** Every subscription of a connection with what it covers, for the API, tab and bot. */
    async coverage(connectionId: string): Promise<SubscriptionCoverage> {
      const [rows, owners, users] = await Promise.all([
        store.list(connectionId),
        store.owners(connectionId),
        deps.users(connectionId),
      ]);
      const upn = new Map(owners.map((o) => [o.id, o.userPrincipalName]));
      const now = clock.now();
      const covered = new Set<string>();
      for (const r of rows) if (r.status === 'active' && (r.expiresAt ?? 0) > now) for (const u of r.userIds) covered.add(u);
      const mapped = new Set(users);
      const coveredMapped = [...covered].filter((u) => mapped.has(u)).length;
      return {
        subscriptions: rows.map((row) => {
          const { userIds, suspicion: _, ...r } = row;
          return {
            ...r,
            users: userIds.length,
            ownerUpn: r.ownerId ? (upn.get(r.ownerId) ?? null) : null,
            expiresInMs: r.expiresAt === null ? null : r.expiresAt - now,
            suspectSince: suspectSince(row, now),
          };
        }),
        coveredUsers: coveredMapped,
        mappedUsers: mapped.size,
        uncoveredUsers: mapped.size - coveredMapped,
      };
    },
    /** Whether subscriptions cover every mapped user and are alive (the reader may then slow down). */
    async healthy(connectionId: string): Promise<boolean> {
      const c = await this.coverage(connectionId);
      return (
        c.mappedUsers > 0 &&
        c.uncoveredUsers === 0 &&
        c.subscriptions.every((s) => s.status === 'active' && s.suspectSince === null)
      );
    },
    /** An owner is being removed: delete its subscriptions at Graph (while its token still works) and unassign them. */
    async releaseOwner(connectionId: string, ownerId: string): Promise<number> {
      let n = 0;
      for (const row of await store.list(connectionId)) {
        if (row.ownerId !== ownerId) continue;
        await deleteRemote(connectionId, row);
        const at = clock.now();
        await store.update(
          row.id,
          {
            graphSubscriptionId: null,
            clientState: null,
            ownerId: null,
            status: 'planned',
            expiresAt: null,
            lastError: 'owner removed',
            lastErrorAt: at,
          },
          at,
        );
        n++;
      }
      return n;
    },
    /** Deletes every subscription of a connection (the admin switched back to reader-only). */
    async teardown(connectionId: string): Promise<number> {
      const rows = await store.list(connectionId);
      for (const r of rows) {
        await deleteRemote(connectionId, r);
        await store.remove(r.id);
      }
      return rows.length;
    },
  };
}
export type SubscriptionManager = ReturnType<typeof createSubscriptionManager>;
