import { and, asc, desc, eq, gte, ilike, lt, lte, or, type SQL } from 'drizzle-orm';
import { effectiveRule } from '../domain/rules.ts';
import { likeTerm } from '../mapping/store.ts';
import type { Db } from '../storage/db.ts';
import { cxoneAgents, decisions, mappings, ruleAssignments, rules, syncState, teamsUsers } from '../storage/schema.ts';

/** Activity: decision records (filtered, keyset-paginated) and per-user status views. */
export type DecisionRow = typeof decisions.$inferSelect;

export const decisionView = (d: DecisionRow) => ({
  id: d.id,
  at: d.at.toISOString(),
  agentId: d.agentId,
  userId: d.userId,
  direction: d.direction,
  reason: d.reason,
  ruleId: d.ruleId,
  rowIndex: d.rowIndex,
  inputs: d.inputs,
  actions: d.actions,
  delayMs: d.delayMs,
});

export interface DecisionQuery {
  agentId?: string | undefined;
  userId?: string | undefined;
  reason?: string | undefined;
  direction?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  before?: number | undefined;
  limit: number;
}

export async function listDecisions(db: Db, connectionId: string, q: DecisionQuery) {
  const where: (SQL | undefined)[] = [eq(decisions.connectionId, connectionId)];
  if (q.agentId) where.push(eq(decisions.agentId, q.agentId));
  if (q.userId) where.push(eq(decisions.userId, q.userId));
  if (q.reason) where.push(eq(decisions.reason, q.reason));
  if (q.direction) where.push(eq(decisions.direction, q.direction));
  if (q.from) where.push(gte(decisions.at, new Date(q.from)));
  if (q.to) where.push(lte(decisions.at, new Date(q.to)));
  if (q.before !== undefined) where.push(lt(decisions.id, q.before));
  const rows = await db
    .select()
    .from(decisions)
    .where(and(...where))
    .orderBy(desc(decisions.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  return { items: page.map(decisionView), nextBefore: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null };
}

/** Current CXone state, current Teams presence, what we set, effective rule and last decision of one agent. */
export async function statusOf(db: Db, connectionId: string, agentId: string) {
  const [row] = await db
    .select({ a: cxoneAgents, m: mappings, u: teamsUsers, s: syncState })
    .from(cxoneAgents)
    .leftJoin(mappings, and(eq(mappings.connectionId, cxoneAgents.connectionId), eq(mappings.agentId, cxoneAgents.agentId)))
    .leftJoin(teamsUsers, and(eq(teamsUsers.connectionId, mappings.connectionId), eq(teamsUsers.userId, mappings.userId)))
    .leftJoin(syncState, and(eq(syncState.connectionId, cxoneAgents.connectionId), eq(syncState.agentId, cxoneAgents.agentId)))
    .where(and(eq(cxoneAgents.connectionId, connectionId), eq(cxoneAgents.agentId, agentId)));
  if (!row) return null;
  const [ruleRows, assignRows, last] = await Promise.all([
    db
      .select({ id: rules.id, name: rules.name, isDefault: rules.isDefault, version: rules.version })
      .from(rules)
      .where(eq(rules.connectionId, connectionId)),
    db.select().from(ruleAssignments).where(eq(ruleAssignments.connectionId, connectionId)),
    db
      .select()
      .from(decisions)
      .where(and(eq(decisions.connectionId, connectionId), eq(decisions.agentId, agentId)))
      .orderBy(desc(decisions.at), desc(decisions.id))
      .limit(1),
  ]);
  const eff = effectiveRule(
    new Map(ruleRows.map((r) => [r.id, r])),
    {
      byUser: new Map(assignRows.filter((a) => a.targetType === 'user').map((a) => [a.targetId, a.ruleId])),
      byTeam: new Map(assignRows.filter((a) => a.targetType === 'team').map((a) => [a.targetId, a.ruleId])),
    },
    { agentId, teamId: row.a.teamId },
  );
  const s = row.s;
  return {
    agentId,
    agent: {
      name: `${row.a.firstName ?? ''} ${row.a.lastName ?? ''}`.trim(),
      email: row.a.email,
      teamId: row.a.teamId,
      isActive: row.a.isActive,
    },
    mapping: row.m
      ? {
          userId: row.m.userId,
          included: row.m.included,
          source: row.m.source,
          userPrincipalName: row.u?.userPrincipalName ?? null,
          displayName: row.u?.displayName ?? null,
        }
      : null,
    cxone: { current: s?.cxoneState ?? null, seenAt: s?.cxoneSeenAt?.toISOString() ?? null, setByUs: s?.cxoneSet ?? null },
    teams: { current: s?.teamsPresence ?? null, seenAt: s?.teamsSeenAt?.toISOString() ?? null, setByUs: s?.teamsSet ?? null },
    pending: s?.pending ?? null,
    lastReason: s?.lastReason ?? null,
    lastSyncAt: s?.lastSyncAt?.toISOString() ?? null,
    rule: eff ? { id: eff.rule.id, name: eff.rule.name, version: eff.rule.version, via: eff.via } : null,
    lastDecision: last[0] ? decisionView(last[0]) : null,
  };
}

/** Mapped agents with their sync state, one page (the activity table). */
export async function listStatuses(
  db: Db,
  connectionId: string,
  q: { q?: string | undefined; reason?: string | undefined; limit: number; offset: number },
) {
  const where: (SQL | undefined)[] = [eq(mappings.connectionId, connectionId)];
  if (q.reason) where.push(eq(syncState.lastReason, q.reason));
  if (q.q) {
    const t = likeTerm(q.q);
    where.push(
      or(
        ilike(cxoneAgents.agentId, t),
        ilike(cxoneAgents.email, t),
        ilike(teamsUsers.displayName, t),
        ilike(teamsUsers.userPrincipalName, t),
      ),
    );
  }
  const rows = await db
    .select({ m: mappings, a: cxoneAgents, u: teamsUsers, s: syncState })
    .from(mappings)
    .leftJoin(cxoneAgents, and(eq(cxoneAgents.connectionId, mappings.connectionId), eq(cxoneAgents.agentId, mappings.agentId)))
    .leftJoin(teamsUsers, and(eq(teamsUsers.connectionId, mappings.connectionId), eq(teamsUsers.userId, mappings.userId)))
    .leftJoin(syncState, and(eq(syncState.connectionId, mappings.connectionId), eq(syncState.agentId, mappings.agentId)))
    .where(and(...where))
    .orderBy(asc(mappings.agentId))
    .limit(q.limit)
    .offset(q.offset);
  return {
    items: rows.map((r) => ({
      agentId: r.m.agentId,
      userId: r.m.userId,
      included: r.m.included,
      name: r.u?.displayName ?? `${r.a?.firstName ?? ''} ${r.a?.lastName ?? ''}`.trim(),
      cxone: r.s?.cxoneState ?? null,
      teams: r.s?.teamsPresence ?? null,
      teamsSetByUs: r.s?.teamsSet ?? null,
      lastReason: r.s?.lastReason ?? null,
      lastSyncAt: r.s?.lastSyncAt?.toISOString() ?? null,
    })),
    limit: q.limit,
    offset: q.offset,
  };
}
