import { and, asc, eq, ne } from 'drizzle-orm';
import { recordAudit } from '../audit/audit-log.ts';
import type { Principal } from '../auth/principal.ts';
import type { Clock, SyncEventSink } from '../domain/ports.ts';
import { type RuleInput, type RuleRow, ruleWarnings, type UnavailableCode, validateRule } from '../domain/rules.ts';
import { AppError, conflict, notFound } from '../http/errors.ts';
import type { Db } from '../storage/db.ts';
import { cxoneAgents, cxoneTeams, cxoneUnavailableCodes, mappings, ruleAssignments, rules } from '../storage/schema.ts';
import { affectedAgents, effectiveRuleIds } from './effective-rules.ts';

/** Rule and assignment use cases: validated, audited, and each publishes exactly the affected agents. */
export interface RuleDeps {
  db: Db;
  sink: SyncEventSink;
  clock: Clock;
}

export type RuleDbRow = typeof rules.$inferSelect;

export function ruleView(r: RuleDbRow) {
  const input: RuleInput = { name: r.name, rows: r.rows as RuleRow[], isDefault: r.isDefault };
  return {
    id: r.id,
    name: r.name,
    rows: input.rows,
    isDefault: r.isDefault,
    version: r.version,
    warnings: ruleWarnings(input),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

/** The business unit's unavailable codes (deduplicated across teams); undefined before directory sync. */
export async function unavailableCodes(db: Db, connectionId: string): Promise<UnavailableCode[] | undefined> {
  const rows = await db.select().from(cxoneUnavailableCodes).where(eq(cxoneUnavailableCodes.connectionId, connectionId));
  if (rows.length === 0) return undefined;
  const byId = new Map<number, UnavailableCode>();
  for (const r of rows)
    if (!byId.has(r.outStateId)) byId.set(r.outStateId, { outStateId: r.outStateId, name: r.name, isAcw: r.isAcw });
  return [...byId.values()].sort((a, b) => a.outStateId - b.outStateId);
}

async function check(db: Db, connectionId: string, input: RuleInput): Promise<void> {
  const problems = validateRule(input, await unavailableCodes(db, connectionId));
  if (problems.length)
    throw new AppError(400, 'validation_failed', `invalid body: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, {
      fields: problems.map((p) => ({ field: p.field, problem: p.message })),
    });
}

function publish(d: RuleDeps, connectionId: string, agentIds: string[]) {
  if (agentIds.length) d.sink.publish({ kind: 'settings_changed', connectionId, agentIds, observedAt: d.clock.now() });
}

const nameTaken = (name: string) =>
  new AppError(409, 'conflict', `conflict: name: a rule named "${name}" already exists`, {
    fields: [{ field: 'name', problem: 'already exists' }],
  });

const isUniqueViolation = (err: unknown) => {
  const e = err as { code?: string; cause?: { code?: string } };
  return e?.code === '23505' || e?.cause?.code === '23505';
};

export async function listRules(db: Db, connectionId: string) {
  return (await db.select().from(rules).where(eq(rules.connectionId, connectionId)).orderBy(asc(rules.name))).map(ruleView);
}

export async function getRule(db: Db, connectionId: string, ruleId: string): Promise<RuleDbRow> {
  const [r] = await db
    .select()
    .from(rules)
    .where(and(eq(rules.connectionId, connectionId), eq(rules.id, ruleId)));
  if (!r) throw notFound('rule');
  return r;
}

export async function createRule(d: RuleDeps, connectionId: string, input: RuleInput, by: Principal) {
  await check(d.db, connectionId, input);
  const before = await effectiveRuleIds(d.db, connectionId);
  let row: RuleDbRow;
  try {
    row = await d.db.transaction(async (tx) => {
      if (input.isDefault) await tx.update(rules).set({ isDefault: false }).where(eq(rules.connectionId, connectionId));
      const [r] = await tx
        .insert(rules)
        .values({ connectionId, name: input.name, rows: input.rows, isDefault: input.isDefault })
        .returning();
      await recordAudit(tx, { connectionId, actor: by, action: 'rule.create', target: r!.id, after: ruleView(r!) });
      return r!;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken(input.name);
    throw err;
  }
  publish(d, connectionId, affectedAgents(before, await effectiveRuleIds(d.db, connectionId), row.id));
  return ruleView(row);
}

export async function updateRule(
  d: RuleDeps,
  connectionId: string,
  ruleId: string,
  input: RuleInput & { version?: number | undefined },
  by: Principal,
) {
  const current = await getRule(d.db, connectionId, ruleId);
  if (input.version !== undefined && input.version !== current.version)
    throw new AppError(
      409,
      'version_conflict',
      `conflict: version: the rule changed meanwhile (now version ${current.version}); reload it`,
      {
        fields: [{ field: 'version', problem: `is ${current.version} now` }],
      },
    );
  await check(d.db, connectionId, input);
  const before = await effectiveRuleIds(d.db, connectionId);
  let row: RuleDbRow;
  try {
    row = await d.db.transaction(async (tx) => {
      if (input.isDefault)
        await tx
          .update(rules)
          .set({ isDefault: false })
          .where(and(eq(rules.connectionId, connectionId), ne(rules.id, ruleId)));
      const [r] = await tx
        .update(rules)
        .set({
          name: input.name,
          rows: input.rows,
          isDefault: input.isDefault,
          version: current.version + 1,
          updatedAt: new Date(d.clock.now()),
        })
        .where(eq(rules.id, ruleId))
        .returning();
      await recordAudit(tx, {
        connectionId,
        actor: by,
        action: 'rule.update',
        target: ruleId,
        before: ruleView(current),
        after: ruleView(r!),
      });
      return r!;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken(input.name);
    throw err;
  }
  publish(d, connectionId, affectedAgents(before, await effectiveRuleIds(d.db, connectionId), ruleId));
  return ruleView(row);
}

export async function deleteRule(d: RuleDeps, connectionId: string, ruleId: string, by: Principal) {
  const current = await getRule(d.db, connectionId, ruleId);
  const before = await effectiveRuleIds(d.db, connectionId);
  await d.db.transaction(async (tx) => {
    await tx.delete(rules).where(eq(rules.id, ruleId));
    await recordAudit(tx, { connectionId, actor: by, action: 'rule.delete', target: ruleId, before: ruleView(current) });
  });
  publish(d, connectionId, affectedAgents(before, await effectiveRuleIds(d.db, connectionId), ruleId));
}

// --- assignments -------------------------------------------------------------------------------

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
