import { and, asc, eq, ne } from 'drizzle-orm';
import { recordAudit } from '../audit/audit-log.ts';
import type { Principal } from '../auth/principal.ts';
import type { Clock, SyncEventSink } from '../domain/ports.ts';
import { type RuleInput, type RuleRow, ruleWarnings, type UnavailableCode, validateRule } from '../domain/rules.ts';
import { AppError, notFound } from '../http/errors.ts';
import type { Db } from '../storage/db.ts';
import { cxoneUnavailableCodes, rules } from '../storage/schema.ts';
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

export function publish(d: RuleDeps, connectionId: string, agentIds: string[]) {
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
