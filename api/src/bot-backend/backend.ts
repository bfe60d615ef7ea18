import { and, asc, desc, eq, gte, inArray, sql } from 'drizzle-orm';
import type { AlertView, BotBackend, RenewResult, StatusView, SubscriptionsSummary, WhoAmI } from '../../../bot/src/ports.ts';
import { connectionOptionsSchema } from '../domain/connection.ts';
import type { Clock } from '../domain/ports.ts';
import type { PresencePair } from '../domain/presence.ts';
import { effectiveRule } from '../domain/rules.ts';
import type { Storage } from '../storage/db.ts';
import {
  admins,
  alerts,
  connections,
  cxoneAgents,
  cxoneUnavailableCodes,
  decisions,
  mappings,
  ruleAssignments,
  rules,
  subscriptions,
  syncState,
  teamsUsers,
} from '../storage/schema.ts';
import { cxoneTargetLabel, toCxoneState, toDecisionView, toPair, toReason } from './decode.ts';

/** What our Teams session holds, unless it has expired (Teams dropped it). */
function liveSession(v: unknown, now: number): PresencePair | null {
  const expiresAt = v !== null && typeof v === 'object' ? (v as { expiresAt?: unknown }).expiresAt : undefined;
  if (typeof expiresAt === 'number' && expiresAt <= now) return null;
  return toPair(v);
}

/** Alert kinds that are agent notices, not faults: hidden from admin views. */
export const AGENT_NOTICE_KINDS: readonly string[] = ['manual_status_blocking'];

/** Renewal of a connection's presence subscriptions, provided by the subscription manager when there is one. */
export type RenewSubscriptionsNow = (connectionId: string) => Promise<{ renewed: number; failed: number }>;

export interface BotBackendDeps {
  storage: Storage;
  clock: Clock;
  renewSubscriptionsNow?: RenewSubscriptionsNow | undefined;
}

/** The bot's BotBackend, reading storage. Every query is scoped by connection (and the caller's own agent). */
export function createBotBackend(deps: BotBackendDeps): BotBackend {
  const { db } = deps.storage;

  async function codeNames(connectionId: string): Promise<(id: number) => string | null> {
    const rows = await db
      .select({ id: cxoneUnavailableCodes.outStateId, name: cxoneUnavailableCodes.name })
      .from(cxoneUnavailableCodes)
      .where(eq(cxoneUnavailableCodes.connectionId, connectionId));
    const m = new Map(rows.map((r) => [r.id, r.name]));
    return (id) => m.get(id) ?? null;
  }

  async function openAlerts(connectionId: string): Promise<AlertView[]> {
    const rows = await db
      .select()
      .from(alerts)
      .where(and(eq(alerts.connectionId, connectionId), eq(alerts.status, 'open')))
      .orderBy(asc(alerts.firstAt));
    return rows
      .filter((r) => !AGENT_NOTICE_KINDS.includes(r.kind))
      .map((r) => {
        const d = (r.details ?? {}) as Record<string, unknown>;
        return {
          kind: r.kind,
          key: r.key,
          message: typeof d.message === 'string' ? d.message : r.kind,
          firstAt: r.firstAt.getTime(),
          lastAt: r.lastAt.getTime(),
          count: r.count,
          impactUsers: typeof d.impactUsers === 'number' ? d.impactUsers : null,
        };
      });
  }

  async function subscriptionsSummary(connectionId: string): Promise<SubscriptionsSummary> {
    const [conn] = await db.select({ options: connections.options }).from(connections).where(eq(connections.id, connectionId));
    const options = connectionOptionsSchema.safeParse(conn?.options ?? {});
    const rows = await db.select().from(subscriptions).where(eq(subscriptions.connectionId, connectionId));
    const count = (s: string) => rows.filter((r) => r.status === s).length;
    const active = rows.filter((r) => r.status === 'active');
    const times = (xs: (Date | null)[]) => xs.filter((x): x is Date => x !== null).map((x) => x.getTime());
    const expiries = times(active.map((r) => r.expiresAt));
    const renewals = times(rows.map((r) => r.lastRenewedAt));
    const users = (r: (typeof rows)[number]) => (Array.isArray(r.userIds) ? r.userIds.length : 0);
    return {
      presenceWatch: options.success ? options.data.presenceWatch : 'reader',
      total: rows.length,
      active: active.length,
      failed: count('failed'),
      planned: count('planned'),
      removed: count('removed'),
      usersCovered: active.reduce((n, r) => n + users(r), 0),
      nextExpiryAt: expiries.length > 0 ? Math.min(...expiries) : null,
      lastRenewedAt: renewals.length > 0 ? Math.max(...renewals) : null,
      failing: rows
        .filter((r) => r.status === 'failed')
        .sort((a, b) => a.groupIndex - b.groupIndex)
        .map((r) => ({
          groupIndex: r.groupIndex,
          users: users(r),
          lastError: r.lastError,
          lastErrorAt: r.lastErrorAt?.getTime() ?? null,
        })),
    };
  }

  return {
    async whoAmI(aadObjectId, tenantId): Promise<WhoAmI> {
      const none: WhoAmI = {
        aadObjectId,
        tenantId,
        connectionId: null,
        connectionName: null,
        agent: null,
        isAdmin: false,
        adminConnectionId: null,
      };
      const conns = await db
        .select({ id: connections.id, name: connections.name })
        .from(connections)
        .where(eq(connections.tenantId, tenantId))
        .orderBy(asc(connections.createdAt));
      if (conns.length === 0) return none;
      const ids = conns.map((c) => c.id);
      const [mapped] = await db
        .select()
        .from(mappings)
        .where(and(inArray(mappings.connectionId, ids), eq(mappings.userId, aadObjectId)))
        .limit(1);
      const adminOf = await db
        .select({ connectionId: admins.connectionId })
        .from(admins)
        .where(and(inArray(admins.connectionId, ids), eq(admins.aadObjectId, aadObjectId)));
      const connectionId = mapped?.connectionId ?? adminOf[0]?.connectionId ?? conns[0]!.id;
      const conn = conns.find((c) => c.id === connectionId)!;
      let agent: WhoAmI['agent'] = null;
      if (mapped) {
        const [a] = await db
          .select()
          .from(cxoneAgents)
          .where(and(eq(cxoneAgents.connectionId, connectionId), eq(cxoneAgents.agentId, mapped.agentId)));
        const name = a ? [a.firstName, a.lastName].filter(Boolean).join(' ') || a.userName : null;
        agent = { agentId: mapped.agentId, name: name ?? null, included: mapped.included };
      }
      return {
        aadObjectId,
        tenantId,
        connectionId,
        connectionName: conn.name,
        agent,
        isAdmin: adminOf.length > 0,
        adminConnectionId: adminOf.some((a) => a.connectionId === connectionId)
          ? connectionId
          : (adminOf[0]?.connectionId ?? null),
      };
    },

    async status(who): Promise<StatusView> {
      const { connectionId, agentId } = who;
      const [s] = await db
        .select()
        .from(syncState)
        .where(and(eq(syncState.connectionId, connectionId), eq(syncState.agentId, agentId)));
      const [agent] = await db
        .select({ teamId: cxoneAgents.teamId })
        .from(cxoneAgents)
        .where(and(eq(cxoneAgents.connectionId, connectionId), eq(cxoneAgents.agentId, agentId)));
      const ruleRows = await db
        .select({ id: rules.id, name: rules.name, isDefault: rules.isDefault })
        .from(rules)
        .where(eq(rules.connectionId, connectionId));
      const assigned = await db.select().from(ruleAssignments).where(eq(ruleAssignments.connectionId, connectionId));
      const byUser = new Map(assigned.filter((a) => a.targetType === 'user').map((a) => [a.targetId, a.ruleId]));
      const byTeam = new Map(assigned.filter((a) => a.targetType === 'team').map((a) => [a.targetId, a.ruleId]));
      const eff = effectiveRule(
        new Map(ruleRows.map((r) => [r.id, r])),
        { byUser, byTeam },
        { agentId, teamId: agent?.teamId ?? null },
      );
      const code = await codeNames(connectionId);
      return {
        cxoneState: toCxoneState(s?.cxoneState, code),
        cxoneSeenAt: s?.cxoneSeenAt?.getTime() ?? null,
        teamsPresence: toPair(s?.teamsPresence),
        teamsSeenAt: s?.teamsSeenAt?.getTime() ?? null,
        whatWeSet: liveSession(s?.teamsSet, deps.clock.now()),
        cxoneWeSet: cxoneTargetLabel(s?.cxoneSet, code),
        rule: eff ? { id: eff.rule.id, name: eff.rule.name, via: eff.via } : null,
        lastReason:
          s?.lastReason && toReason(s.lastReason) !== 'unknown' ? (toReason(s.lastReason) as StatusView['lastReason']) : null,
        lastSyncAt: s?.lastSyncAt?.getTime() ?? null,
      };
    },

    async recentDecisions(who, limit) {
      const rows = await db
        .select()
        .from(decisions)
        .where(and(eq(decisions.connectionId, who.connectionId), eq(decisions.agentId, who.agentId)))
        .orderBy(desc(decisions.at), desc(decisions.id))
        .limit(Math.max(1, Math.min(limit, 100)));
      const ruleIds = [...new Set(rows.map((r) => r.ruleId).filter((x): x is string => x !== null))];
      const names =
        ruleIds.length > 0
          ? await db.select({ id: rules.id, name: rules.name }).from(rules).where(inArray(rules.id, ruleIds))
          : [];
      const ruleName = new Map(names.map((r) => [r.id, r.name]));
      const code = await codeNames(who.connectionId);
      return rows.map((r) => toDecisionView(r, { rule: (id) => ruleName.get(id) ?? null, code }));
    },

    async admins(connectionId) {
      const rows = await db
        .select({ aadObjectId: admins.aadObjectId, displayName: admins.displayName, userName: teamsUsers.displayName })
        .from(admins)
        .leftJoin(teamsUsers, and(eq(teamsUsers.connectionId, admins.connectionId), eq(teamsUsers.userId, admins.aadObjectId)))
        .where(eq(admins.connectionId, connectionId))
        .orderBy(asc(admins.createdAt));
      return rows.map((r) => ({ aadObjectId: r.aadObjectId, displayName: r.displayName ?? r.userName ?? null }));
    },

    openAlerts,
    subscriptionsSummary,

    async health(connectionId) {
      const [conn] = await db
        .select({ name: connections.name, expires: connections.azureClientSecretExpiresAt })
        .from(connections)
        .where(eq(connections.id, connectionId));
      const [counts] = await db
        .select({
          mapped: sql<number>`count(*)::int`,
          included: sql<number>`count(*) filter (where ${mappings.included})::int`,
        })
        .from(mappings)
        .where(eq(mappings.connectionId, connectionId));
      const [last] = await db
        .select({ at: sql<Date | string | null>`max(${decisions.at})` })
        .from(decisions)
        .where(eq(decisions.connectionId, connectionId));
      const since = new Date(deps.clock.now() - 3_600_000);
      const byReason = await db
        .select({ reason: decisions.reason, n: sql<number>`count(*)::int` })
        .from(decisions)
        .where(and(eq(decisions.connectionId, connectionId), gte(decisions.at, since)))
        .groupBy(decisions.reason);
      const lastAt = last?.at ? new Date(last.at).getTime() : null;
      return {
        connectionName: conn?.name ?? 'unknown',
        mappedUsers: Number(counts?.mapped ?? 0),
        includedUsers: Number(counts?.included ?? 0),
        lastDecisionAt: lastAt !== null && Number.isFinite(lastAt) ? lastAt : null,
        lastHour: Object.fromEntries(byReason.map((r) => [r.reason, Number(r.n)])),
        openAlerts: await openAlerts(connectionId),
        subscriptions: await subscriptionsSummary(connectionId),
        azureSecretExpiresAt: conn?.expires?.getTime() ?? null,
      };
    },

    async renewSubscriptionsNow(connectionId): Promise<RenewResult> {
      const summary = await subscriptionsSummary(connectionId);
      if (summary.total === 0)
        return {
          ok: false,
          message: 'There are no presence subscriptions to renew: Teams presence is watched by the app-only reader.',
        };
      if (!deps.renewSubscriptionsNow)
        return { ok: false, message: 'Renewing from the bot is not available in this deployment; renewals run automatically.' };
      try {
        const r = await deps.renewSubscriptionsNow(connectionId);
        return { ok: true, renewed: r.renewed, failed: r.failed, message: r.failed > 0 ? 'Renewed with failures' : 'Renewed' };
      } catch (err) {
        return { ok: false, message: `Renewal failed: ${(err as Error).message}` };
      }
    },
  };
}

/** Adapts the subscription manager's `renewNow` (api/src/watch/subscriptions.ts) to the bot's "Renew now". */
export function renewViaManager(manager: {
  renewNow(connectionId: string): Promise<ReadonlyArray<{ result: string }>>;
}): RenewSubscriptionsNow {
  return async (connectionId) => {
    const results = await manager.renewNow(connectionId);
    return {
      renewed: results.filter((r) => r.result === 'renewed' || r.result === 'recreated').length,
      failed: results.filter((r) => r.result === 'failed').length,
    };
  };
}
