import { and, asc, eq } from 'drizzle-orm';
import { recordAudit } from '../audit/audit-log.ts';
import type { Principal } from '../auth/principal.ts';
import { AppError, conflict, notFound } from '../http/errors.ts';
import type { Db } from '../storage/db.ts';
import { cxoneAgents, cxoneTeams, mappings, ruleAssignments, rules } from '../storage/schema.ts';
import { affectedAgents, effectiveRuleIds } from './effective-rules.ts';
import { publish, type RuleDeps } from './rules-service.ts';

/** Rule assignments to CXone teams and users (one rule each), and the team list for the editor. */

export type TargetType = 'team' | 'user';

export async function listAssignments(db: Db, connectionId: string, ruleId?: string) {
  const rows = await db
    .select({ a: ruleAssignments, ruleName: rules.name })
    .from(ruleAssignments)
    .innerJoin(rules, eq(rules.id, ruleAssignments.ruleId))
    .where(and(eq(ruleAssignments.connectionId, connectionId), ruleId ? eq(ruleAssignments.ruleId, ruleId) : undefined))
    .orderBy(asc(ruleAssignments.targetType), asc(ruleAssignments.targetId));
  return rows.map((r) => ({
    ruleId: r.a.ruleId,
    ruleName: r.ruleName,
    targetType: r.a.targetType as TargetType,
    targetId: r.a.targetId,
    createdAt: r.a.createdAt.toISOString(),
  }));
}

async function targetExists(db: Db, connectionId: string, type: TargetType, id: string): Promise<boolean> {
  const [hit] =
    type === 'team'
      ? await db
          .select({ id: cxoneTeams.teamId })
          .from(cxoneTeams)
          .where(and(eq(cxoneTeams.connectionId, connectionId), eq(cxoneTeams.teamId, id)))
      : await db
          .select({ id: cxoneAgents.agentId })
          .from(cxoneAgents)
          .where(and(eq(cxoneAgents.connectionId, connectionId), eq(cxoneAgents.agentId, id)));
  return !!hit;
}

/** One rule per team/user: the primary key refuses a second; the answer names the rule holding it. */
export async function assign(
  d: RuleDeps,
  connectionId: string,
  body: { ruleId: string; targetType: TargetType; targetId: string },
  by: Principal,
) {
  const rule = await d.db
    .select()
    .from(rules)
    .where(and(eq(rules.connectionId, connectionId), eq(rules.id, body.ruleId)));
  if (!rule[0])
    throw new AppError(400, 'validation_failed', 'invalid body: ruleId: no such rule in this connection', {
      fields: [{ field: 'ruleId', problem: 'no such rule' }],
    });
  if (!(await targetExists(d.db, connectionId, body.targetType, body.targetId)))
    throw new AppError(
      400,
      'validation_failed',
      `invalid body: targetId: no CXone ${body.targetType === 'team' ? 'team' : 'agent'} ${body.targetId} in this business unit`,
      {
        fields: [{ field: 'targetId', problem: `no such CXone ${body.targetType === 'team' ? 'team' : 'agent'}` }],
      },
    );
  const before = await effectiveRuleIds(d.db, connectionId);
  const inserted = await d.db
    .insert(ruleAssignments)
    .values({ connectionId, ...body })
    .onConflictDoNothing()
    .returning();
  if (inserted.length === 0) {
    const [held] = await d.db
      .select({ ruleId: ruleAssignments.ruleId, name: rules.name })
      .from(ruleAssignments)
      .innerJoin(rules, eq(rules.id, ruleAssignments.ruleId))
      .where(
        and(
          eq(ruleAssignments.connectionId, connectionId),
          eq(ruleAssignments.targetType, body.targetType),
          eq(ruleAssignments.targetId, body.targetId),
        ),
      );
    if (held?.ruleId === body.ruleId) return { status: 200, created: false };
    throw conflict(
      `${body.targetType} ${body.targetId} already has rule "${held?.name}" (${held?.ruleId}); remove that assignment first`,
      {
        conflictingRule: { id: held?.ruleId, name: held?.name },
      },
    );
  }
  await recordAudit(d.db, {
    connectionId,
    actor: by,
    action: 'assignment.create',
    target: `${body.targetType}:${body.targetId}`,
    after: { ...body, ruleName: rule[0].name },
  });
  publish(d, connectionId, affectedAgents(before, await effectiveRuleIds(d.db, connectionId)));
  return { status: 201, created: true };
}

export async function unassign(d: RuleDeps, connectionId: string, targetType: TargetType, targetId: string, by: Principal) {
  const before = await effectiveRuleIds(d.db, connectionId);
  const removed = await d.db
    .delete(ruleAssignments)
    .where(
      and(
        eq(ruleAssignments.connectionId, connectionId),
        eq(ruleAssignments.targetType, targetType),
        eq(ruleAssignments.targetId, targetId),
      ),
    )
    .returning();
  if (removed.length === 0) throw notFound('assignment');
  await recordAudit(d.db, {
    connectionId,
    actor: by,
    action: 'assignment.delete',
    target: `${targetType}:${targetId}`,
    before: { ruleId: removed[0]!.ruleId, targetType, targetId },
  });
  publish(d, connectionId, affectedAgents(before, await effectiveRuleIds(d.db, connectionId)));
}

/** CXone teams with how many agents (and mapped agents) each has, and the rule assigned to it. */
export async function listTeams(db: Db, connectionId: string) {
  const [teams, agents, assigned] = await Promise.all([
    db.select().from(cxoneTeams).where(eq(cxoneTeams.connectionId, connectionId)).orderBy(asc(cxoneTeams.name)),
    db
      .select({ teamId: cxoneAgents.teamId, mapped: mappings.agentId })
      .from(cxoneAgents)
      .leftJoin(mappings, and(eq(mappings.connectionId, cxoneAgents.connectionId), eq(mappings.agentId, cxoneAgents.agentId)))
      .where(and(eq(cxoneAgents.connectionId, connectionId), eq(cxoneAgents.isActive, true))),
    listAssignments(db, connectionId),
  ]);
  const counts = new Map<string, { agents: number; mapped: number }>();
  for (const a of agents) {
    if (!a.teamId) continue;
    const c = counts.get(a.teamId) ?? { agents: 0, mapped: 0 };
    c.agents++;
    if (a.mapped) c.mapped++;
    counts.set(a.teamId, c);
  }
  const rule = new Map(
    assigned.filter((a) => a.targetType === 'team').map((a) => [a.targetId, { id: a.ruleId, name: a.ruleName }]),
  );
  return teams.map((t) => ({
    teamId: t.teamId,
    name: t.name,
    isActive: t.isActive,
    ...(counts.get(t.teamId) ?? { agents: 0, mapped: 0 }),
    rule: rule.get(t.teamId) ?? null,
  }));
}
