import { and, eq } from 'drizzle-orm';
import { effectiveRule, type RuleRow } from '../domain/rules.ts';
import { AppError, notFound } from '../http/errors.ts';
import type { Db } from '../storage/db.ts';
import { cxoneAgents, mappings, ruleAssignments, rules, teamsUsers } from '../storage/schema.ts';
import { previewCxoneToTeams, previewTeamsToCxone } from './rules-preview.ts';
import { unavailableCodes } from './rules-service.ts';

/** The rule a user gets (and via user/team/default) and what would happen for each state. */
export async function previewFor(
  db: Db,
  connectionId: string,
  who: { agentId?: string | undefined; userId?: string | undefined },
) {
  let agentId = who.agentId;
  if (!agentId && who.userId) {
    const [m] = await db
      .select()
      .from(mappings)
      .where(and(eq(mappings.connectionId, connectionId), eq(mappings.userId, who.userId)));
    if (!m) throw notFound('mapping for this Teams user');
    agentId = m.agentId;
  }
  if (!agentId)
    throw new AppError(400, 'validation_failed', 'invalid query: agentId: give agentId or userId', {
      fields: [{ field: 'agentId', problem: 'give agentId or userId' }],
    });
  const [agent] = await db
    .select()
    .from(cxoneAgents)
    .where(and(eq(cxoneAgents.connectionId, connectionId), eq(cxoneAgents.agentId, agentId)));
  if (!agent) throw notFound('agent');
  const [mapping] = await db
    .select()
    .from(mappings)
    .where(and(eq(mappings.connectionId, connectionId), eq(mappings.agentId, agentId)));
  const [user] = mapping
    ? await db
        .select()
        .from(teamsUsers)
        .where(and(eq(teamsUsers.connectionId, connectionId), eq(teamsUsers.userId, mapping.userId)))
    : [];
  const [ruleRows, assignRows] = await Promise.all([
    db.select().from(rules).where(eq(rules.connectionId, connectionId)),
    db.select().from(ruleAssignments).where(eq(ruleAssignments.connectionId, connectionId)),
  ]);
  const eff = effectiveRule(
    new Map(ruleRows.map((r) => [r.id, r])),
    {
      byUser: new Map(assignRows.filter((a) => a.targetType === 'user').map((a) => [a.targetId, a.ruleId])),
      byTeam: new Map(assignRows.filter((a) => a.targetType === 'team').map((a) => [a.targetId, a.ruleId])),
    },
    { agentId, teamId: agent.teamId },
  );
  const codes = (await unavailableCodes(db, connectionId)) ?? [];
  const rows = (eff?.rule.rows ?? []) as RuleRow[];
  const blocked = !mapping ? 'unmapped' : !mapping.included ? 'excluded' : !eff ? 'no_rule' : null;
  return {
    agent: { agentId, name: `${agent.firstName ?? ''} ${agent.lastName ?? ''}`.trim(), email: agent.email, teamId: agent.teamId },
    user: mapping
      ? {
          userId: mapping.userId,
          userPrincipalName: user?.userPrincipalName ?? null,
          displayName: user?.displayName ?? null,
          included: mapping.included,
        }
      : null,
    rule: eff ? { id: eff.rule.id, name: eff.rule.name, version: eff.rule.version } : null,
    via: eff?.via ?? null,
    /** When set, nothing syncs for this user whatever the state: the reason code says why. */
    blockedBy: blocked,
    cxoneToTeams: previewCxoneToTeams(rows, codes),
    teamsToCxone: previewTeamsToCxone(rows),
  };
}
