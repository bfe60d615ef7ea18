import type { RuleRow } from '../../api/src/domain/rules.ts';
import type { Db } from '../../api/src/storage/db.ts';
import { connections, cxoneAgents, mappings, ruleAssignments, rules } from '../../api/src/storage/schema.ts';

/** Rows for engine tests: one connection with agents, mappings, rules and assignments. */
export async function seedConnection(db: Db, name = 'Contoso'): Promise<string> {
  const [row] = await db
    .insert(connections)
    .values({
      name,
      tenantId: 'tenant-1',
      azureClientId: 'client-1',
      cxoneBaseUrl: 'https://cxone.invalid',
      cxoneAccessKeyId: 'key',
    })
    .returning({ id: connections.id });
  if (!row) throw new Error('no connection row');
  return row.id;
}

export async function seedAgents(db: Db, connectionId: string, agents: { agentId: string; userId: string; teamId: string }[]) {
  if (!agents.length) return;
  await db.insert(cxoneAgents).values(agents.map((a) => ({ connectionId, agentId: a.agentId, teamId: a.teamId })));
  await db.insert(mappings).values(agents.map((a) => ({ connectionId, agentId: a.agentId, userId: a.userId, source: 'manual' })));
}

export async function seedRule(db: Db, connectionId: string, name: string, rows: RuleRow[], isDefault = false): Promise<string> {
  const [row] = await db.insert(rules).values({ connectionId, name, rows, isDefault }).returning({ id: rules.id });
  if (!row) throw new Error('no rule row');
  return row.id;
}

export async function assign(db: Db, connectionId: string, ruleId: string, targetType: 'team' | 'user', targetId: string) {
  await db.insert(ruleAssignments).values({ connectionId, ruleId, targetType, targetId });
}
