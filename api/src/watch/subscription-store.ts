import { and, asc, eq, inArray, isNull, like, sql } from 'drizzle-orm';
import type { SecretBox } from '../crypto/secrets.ts';
import type { Db } from '../storage/db.ts';
import { cursors, mappings, subscriptionOwners, subscriptions } from '../storage/schema.ts';
import { asSuspicion, type Suspicion } from './silence.ts';
import type { KnownSubscription } from './webhooks.ts';

/** Database access for subscriptions, owners and mapped users. clientState is sealed at rest. */
export type SubscriptionStatus = 'planned' | 'active' | 'failed' | 'removed';

export interface SubscriptionRow {
  id: string;
  connectionId: string;
  groupIndex: number;
  graphSubscriptionId: string | null;
  ownerId: string | null;
  userIds: string[];
  status: SubscriptionStatus;
  expiresAt: number | null;
  lastRenewedAt: number | null;
  lastNotificationAt: number | null;
  subscribedAt: number | null;
  suspicion: Suspicion | null;
  lastError: string | null;
  lastErrorAt: number | null;
}

export interface OwnerRow {
  id: string;
  connectionId: string;
  userId: string;
  userPrincipalName: string;
  kind: 'signed_in' | 'system_user';
  tokenStatus: string;
  lastError: string | null;
  lastRefreshAt: number | null;
  createdAt: number;
}

const ms = (d: Date | null) => (d ? d.getTime() : null);
const date = (n: number | null | undefined) => (n == null ? null : new Date(n));

type SubRecord = typeof subscriptions.$inferSelect;
function toRow(r: SubRecord): SubscriptionRow {
  return {
    id: r.id,
    connectionId: r.connectionId,
    groupIndex: r.groupIndex,
    graphSubscriptionId: r.graphSubscriptionId,
    ownerId: r.ownerId,
    userIds: Array.isArray(r.userIds) ? (r.userIds as unknown[]).filter((u): u is string => typeof u === 'string') : [],
    status: r.status as SubscriptionStatus,
    expiresAt: ms(r.expiresAt),
    lastRenewedAt: ms(r.lastRenewedAt),
    lastNotificationAt: ms(r.lastNotificationAt),
    subscribedAt: ms(r.subscribedAt),
    suspicion: asSuspicion(r.suspicion),
    lastError: r.lastError,
    lastErrorAt: ms(r.lastErrorAt),
  };
}

export interface SubscriptionPatch {
  graphSubscriptionId?: string | null;
  ownerId?: string | null;
  userIds?: string[];
  clientState?: string | null;
  status?: SubscriptionStatus;
  expiresAt?: number | null;
  lastRenewedAt?: number | null;
  lastNotificationAt?: number | null;
  subscribedAt?: number | null;
  suspicion?: Suspicion | null;
  lastError?: string | null;
  lastErrorAt?: number | null;
}

export interface SubscriptionStoreOptions {
  /**
   * How long a webhook lookup (subscription id → connection + opened clientState) is served from
   * memory (default 60 s). This replica's own changes invalidate at once; the TTL bounds how long a
   * subscription another replica deleted is still recognised (its notifications still carry our secret
   * clientState, so accepting them is harmless). Unknown ids are never cached: a subscription created
   * a moment ago must be found.
   */
  lookupTtlMs?: number;
  now?: () => number;
}

export function createSubscriptionStore(db: Db, secrets: SecretBox, opts: SubscriptionStoreOptions = {}) {
  const ttl = opts.lookupTtlMs ?? 60_000;
  const now = opts.now ?? Date.now;
  const known = new Map<string, { value: KnownSubscription; until: number }>();
  const loading = new Map<string, Promise<KnownSubscription | null>>();
  // Bumped on every invalidation, so a read that started before it cannot re-cache what it read.
  let generation = 0;
  const forgetLookups = () => {
    generation++;
    known.clear();
    loading.clear();
  };
  const readLookup = async (graphSubscriptionId: string): Promise<KnownSubscription | null> => {
    const [r] = await db
      .select({ connectionId: subscriptions.connectionId, enc: subscriptions.clientStateEnc })
      .from(subscriptions)
      .where(eq(subscriptions.graphSubscriptionId, graphSubscriptionId))
      .limit(1);
    if (!r?.enc) return null;
    return { connectionId: r.connectionId, clientState: secrets.open(r.enc) };
  };

  return {
    async list(connectionId: string): Promise<SubscriptionRow[]> {
      const rows = await db
        .select()
        .from(subscriptions)
        .where(eq(subscriptions.connectionId, connectionId))
        .orderBy(asc(subscriptions.groupIndex));
      return rows.map(toRow);
    },
    async get(id: string): Promise<SubscriptionRow | null> {
      const [r] = await db.select().from(subscriptions).where(eq(subscriptions.id, id)).limit(1);
      return r ? toRow(r) : null;
    },
    async byGraphId(graphSubscriptionId: string): Promise<(SubscriptionRow & { clientState: string | null }) | null> {
      const [r] = await db
        .select()
        .from(subscriptions)
        .where(eq(subscriptions.graphSubscriptionId, graphSubscriptionId))
        .limit(1);
      if (!r) return null;
      return { ...toRow(r), clientState: r.clientStateEnc ? secrets.open(r.clientStateEnc) : null };
    },
    /**
     * For the webhook: the subscription and its clientState, or null. Served from memory (see
     * `lookupTtlMs`): on the acknowledgement path a query and an unseal per POST cost more than the rest.
     * Concurrent misses for one id share one query.
     */
    lookup(graphSubscriptionId: string): Promise<KnownSubscription | null> {
      const hit = known.get(graphSubscriptionId);
      if (hit && hit.until > now()) return Promise.resolve(hit.value);
      let p = loading.get(graphSubscriptionId);
      if (p) return p;
      const gen = generation;
      p = readLookup(graphSubscriptionId)
        .then((value) => {
          if (value && gen === generation) known.set(graphSubscriptionId, { value, until: now() + ttl });
          return value;
        })
        .finally(() => {
          if (loading.get(graphSubscriptionId) === p) loading.delete(graphSubscriptionId);
        });
      loading.set(graphSubscriptionId, p);
      return p;
    },
    /** Drops every cached lookup (another part of this replica changed subscriptions in a way the store cannot see). */
    forgetLookups,
    async insert(connectionId: string, groupIndex: number, userIds: string[], ownerId: string | null): Promise<SubscriptionRow> {
      const [r] = await db
        .insert(subscriptions)
        .values({ connectionId, groupIndex, userIds, ownerId, status: 'planned' })
        .returning();
      return toRow(r!);
    },
    async update(id: string, p: SubscriptionPatch, now: number): Promise<void> {
      const set: Partial<typeof subscriptions.$inferInsert> = { updatedAt: new Date(now) };
      if (p.graphSubscriptionId !== undefined) set.graphSubscriptionId = p.graphSubscriptionId;
      if (p.ownerId !== undefined) set.ownerId = p.ownerId;
      if (p.userIds !== undefined) set.userIds = p.userIds;
      if (p.clientState !== undefined) set.clientStateEnc = p.clientState === null ? null : secrets.seal(p.clientState);
      if (p.status !== undefined) set.status = p.status;
      if (p.expiresAt !== undefined) set.expiresAt = date(p.expiresAt);
      if (p.lastRenewedAt !== undefined) set.lastRenewedAt = date(p.lastRenewedAt);
      if (p.lastNotificationAt !== undefined) set.lastNotificationAt = date(p.lastNotificationAt);
      if (p.subscribedAt !== undefined) set.subscribedAt = date(p.subscribedAt);
      if (p.suspicion !== undefined) set.suspicion = p.suspicion;
      if (p.lastError !== undefined) set.lastError = p.lastError;
      if (p.lastErrorAt !== undefined) set.lastErrorAt = date(p.lastErrorAt);
      // Which Graph id a row answers to, or its secret, changes: cached webhook lookups may be wrong now.
      const identityChanged = p.graphSubscriptionId !== undefined || p.clientState !== undefined;
      if (identityChanged) forgetLookups();
      try {
        await db.update(subscriptions).set(set).where(eq(subscriptions.id, id));
      } finally {
        // Again after the write: a lookup that read the old row meanwhile must not stay cached.
        if (identityChanged) forgetLookups();
      }
    },
    async remove(id: string): Promise<void> {
      forgetLookups();
      try {
        await db.delete(subscriptions).where(eq(subscriptions.id, id));
      } finally {
        forgetLookups();
      }
    },
    /** Sets a row's suspicion only if it is still `expected` (so a sighting recorded meanwhile is not lost). */
    async replaceSuspicion(id: string, expected: Suspicion | null, next: Suspicion | null): Promise<boolean> {
      const rows = await db
        .update(subscriptions)
        .set({ suspicion: next })
        .where(
          and(
            eq(subscriptions.id, id),
            expected === null
              ? isNull(subscriptions.suspicion)
              : sql`${subscriptions.suspicion} = ${JSON.stringify(expected)}::jsonb`,
          ),
        )
        .returning({ id: subscriptions.id });
      return rows.length === 1;
    },
    async noteNotifications(graphSubscriptionIds: readonly string[], at: number): Promise<void> {
      if (graphSubscriptionIds.length === 0) return;
      await db
        .update(subscriptions)
        .set({ lastNotificationAt: new Date(at) })
        .where(inArray(subscriptions.graphSubscriptionId, [...graphSubscriptionIds]));
    },
    async owners(connectionId: string): Promise<OwnerRow[]> {
      const rows = await db
        .select()
        .from(subscriptionOwners)
        .where(eq(subscriptionOwners.connectionId, connectionId))
        .orderBy(asc(subscriptionOwners.createdAt), asc(subscriptionOwners.userPrincipalName));
      return rows.map((r) => ({
        id: r.id,
        connectionId: r.connectionId,
        userId: r.userId,
        userPrincipalName: r.userPrincipalName,
        kind: r.kind as OwnerRow['kind'],
        tokenStatus: r.tokenStatus,
        lastError: r.lastError,
        lastRefreshAt: ms(r.lastRefreshAt),
        createdAt: r.createdAt.getTime(),
      }));
    },
    /** Which encryption certificate each subscription was created with (rotation re-creates the others). */
    async setCertOf(connectionId: string, subscriptionRowId: string, certId: string, now: number): Promise<void> {
      await db
        .insert(cursors)
        .values({ connectionId, name: `subscription_cert:${subscriptionRowId}`, value: certId, updatedAt: new Date(now) })
        .onConflictDoUpdate({
          target: [cursors.connectionId, cursors.name],
          set: { value: sql`excluded.value`, updatedAt: sql`excluded.updated_at` },
        });
    },
    async certsOf(connectionId: string): Promise<Map<string, string>> {
      const rows = await db
        .select({ name: cursors.name, value: cursors.value })
        .from(cursors)
        .where(and(eq(cursors.connectionId, connectionId), like(cursors.name, 'subscription_cert:%')));
      return new Map(rows.map((r) => [r.name.slice('subscription_cert:'.length), r.value]));
    },
    async mappedUsers(connectionId: string): Promise<string[]> {
      const rows = await db
        .select({ userId: mappings.userId })
        .from(mappings)
        .where(and(eq(mappings.connectionId, connectionId), eq(mappings.included, true)))
        .orderBy(asc(mappings.userId));
      return rows.map((r) => r.userId);
    },
  };
}
export type SubscriptionStore = ReturnType<typeof createSubscriptionStore>;
