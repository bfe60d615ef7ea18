import { and, eq } from 'drizzle-orm';
import { effectiveRule } from '../domain/rules.ts';
import type { Db } from '../storage/db.ts';
import { cxoneAgents, mappings, ruleAssignments, rules } from '../storage/schema.ts';

/**
 * Which rule each mapped agent gets (user > team > default), for the whole connection at once.
 * Used to publish exactly the agents a rule or assignment change affects (diff before/after).
 */
export type EffectiveMap = Map<string, string | null>;

export async function effectiveRuleIds(db: Db, connectionId: string): Promise<EffectiveMap> {
  const [ruleRows, assignRows, agentRows] = await Promise.all([
    db.select({ id: rules.id, isDefault: rules.isDefault }).from(rules).where(eq(rules.connectionId, connectionId)),
    db.select().from(ruleAssignments).where(eq(ruleAssignments.connectionId, connectionId)),
    db
      .select({ agentId: mappings.agentId, teamId: cxoneAgents.teamId })
      .from(mappings)
      .leftJoin(cxoneAgents, and(eq(cxoneAgents.connectionId, mappings.connectionId), eq(cxoneAgents.agentId, mappings.agentId)))
      .where(eq(mappings.connectionId, connectionId)),
  ]);
  const rulesById = new Map(ruleRows.map((r) => [r.id, r]));
  const byUser = new Map(assignRows.filter((a) => a.targetType === 'user').map((a) => [a.targetId, a.ruleId]));
  const byTeam = new Map(assignRows.filter((a) => a.targetType === 'team').map((a) => [a.targetId, a.ruleId]));
  const out: EffectiveMap = new Map();
  for (const a of agentRows)
    out.set(
      a.agentId,
      effectiveRule(rulesById, { byUser, byTeam }, { agentId: a.agentId, teamId: a.teamId ?? null })?.rule.id ?? null,
    );
  return out;
}

/** Agents whose effective rule differs, plus those on `touchedRuleId` (its rows changed). */
export function affectedAgents(before: EffectiveMap, after: EffectiveMap, touchedRuleId?: string): string[] {
  const out = new Set<string>();
  for (const id of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(id) ?? null;
    const a = after.get(id) ?? null;
    if (a !== b || (touchedRuleId && (a === touchedRuleId || b === touchedRuleId))) out.add(id);
  }
  return [...out].sort();
}
