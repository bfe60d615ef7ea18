import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { effectiveRule, type RuleRow, ruleRowSchema } from '../domain/rules.ts';
import type { Db } from '../storage/db.ts';
import { cxoneAgents, mappings, ruleAssignments, rules } from '../storage/schema.ts';
import type { EffectiveRuleInput } from './types.ts';

/**
 * One connection's settings as the engine needs them: rules, assignments, mappings and each agent's
 * team. Loaded once and kept in memory; a `settings_changed` event reloads it (cache invalidation)
 * and `affectedAgents` names exactly the agents whose inputs changed.
 */
export interface EngineRule {
  id: string;
  isDefault: boolean;
  version: number;
  rows: RuleRow[];
}

export interface ConnectionSettings {
  rulesById: Map<string, EngineRule>;
  byUser: Map<string, string>;
  byTeam: Map<string, string>;
  mappings: Map<string, { userId: string; included: boolean }>;
  agentByUser: Map<string, string>;
  teamOf: Map<string, string | null>;
  /** Rows dropped because they no longer validate (logged by the loader's caller). */
  invalidRules: string[];
}

export const emptySettings = (): ConnectionSettings => ({
  rulesById: new Map(),
  byUser: new Map(),
  byTeam: new Map(),
  mappings: new Map(),
  agentByUser: new Map(),
  teamOf: new Map(),
  invalidRules: [],
});

const rowsSchema = z.array(ruleRowSchema);

export async function loadSettings(db: Db, connectionId: string): Promise<ConnectionSettings> {
  const [ruleRows, assignRows, mapRows, agentRows] = await Promise.all([
    db.select().from(rules).where(eq(rules.connectionId, connectionId)),
    db.select().from(ruleAssignments).where(eq(ruleAssignments.connectionId, connectionId)),
    db
      .select({ agentId: mappings.agentId, userId: mappings.userId, included: mappings.included })
      .from(mappings)
      .where(eq(mappings.connectionId, connectionId)),
    db
      .select({ agentId: cxoneAgents.agentId, teamId: cxoneAgents.teamId })
      .from(cxoneAgents)
      .where(eq(cxoneAgents.connectionId, connectionId)),
  ]);
  const s = emptySettings();
  for (const r of ruleRows) {
    const parsed = rowsSchema.safeParse(r.rows);
    // A rule whose stored rows no longer validate is not applied at all: half a rule would surprise.
    if (!parsed.success) {
      s.invalidRules.push(r.id);
      continue;
    }
    s.rulesById.set(r.id, { id: r.id, isDefault: r.isDefault, version: r.version, rows: parsed.data });
  }
  for (const a of assignRows) (a.targetType === 'user' ? s.byUser : s.byTeam).set(a.targetId, a.ruleId);
  for (const m of mapRows) {
    s.mappings.set(m.agentId, { userId: m.userId, included: m.included });
    s.agentByUser.set(m.userId, m.agentId);
  }
  for (const a of agentRows) s.teamOf.set(a.agentId, a.teamId);
  return s;
}

/** The effective rule for one agent: user > team > business-unit default. */
export function ruleFor(s: ConnectionSettings, agentId: string): EffectiveRuleInput | null {
  const eff = effectiveRule(
    s.rulesById,
    { byUser: s.byUser, byTeam: s.byTeam },
    { agentId, teamId: s.teamOf.get(agentId) ?? null },
  );
  return eff ? { id: eff.rule.id, rows: eff.rule.rows, via: eff.via } : null;
}

/** Rows serialized once per rule per snapshot (10,000 agents share a handful of rules). */
const rowsJson = new WeakMap<ConnectionSettings, Map<string, string>>();
function ruleKey(s: ConnectionSettings, ruleId: string): string {
  let m = rowsJson.get(s);
  if (!m) {
    m = new Map();
    rowsJson.set(s, m);
  }
  let k = m.get(ruleId);
  if (k === undefined) {
    const rule = s.rulesById.get(ruleId);
    k = rule ? `${rule.version}:${JSON.stringify(rule.rows)}` : '';
    m.set(ruleId, k);
  }
  return k;
}

/** Everything about an agent that decide() reads from settings, as a comparable key. */
function fingerprint(s: ConnectionSettings, agentId: string): string {
  const m = s.mappings.get(agentId);
  const r = ruleFor(s, agentId);
  return `${m?.userId ?? '-'}|${m?.included ?? '-'}|${r?.id ?? '-'}|${r?.via ?? '-'}|${r ? ruleKey(s, r.id) : '-'}`;
}

/** Agents whose mapping or effective rule differs between two settings snapshots. */
export function affectedAgents(before: ConnectionSettings, after: ConnectionSettings, candidates: Iterable<string>): string[] {
  const out: string[] = [];
  for (const id of candidates) if (fingerprint(before, id) !== fingerprint(after, id)) out.push(id);
  return out;
}

/** Every agent the settings know about (mapped or listed in CXone). */
export function knownAgents(s: ConnectionSettings): Set<string> {
  return new Set([...s.mappings.keys(), ...s.teamOf.keys()]);
}
