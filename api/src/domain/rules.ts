import { z } from 'zod';
import { type AgentStateSnapshot, type CxoneCondition, type CxoneTarget, classifyAgentState } from './cxone.ts';
import {
  isPreferredPair,
  isSettablePair,
  normalizeActivity,
  normalizeAvailability,
  type PresencePair,
  samePair,
} from './presence.ts';

/**
 * Rules: validation shared by the engine, the API and the tab's forms (one module, one truth).
 *
 * A row maps, in one direction or both:
 *  - to_teams: a CXone condition → a settable Teams pair, or `null` = "no Teams state" (clear ours);
 *  - to_cxone: a Teams availability (and optionally activity) → CXone Available or Unavailable+code;
 *  - both: a settable Teams pair ⇄ CXone Available or Unavailable+code.
 */
export const CXONE_CONDITIONS = ['available', 'unavailable', 'inbound_contact', 'outbound_contact', 'acw', 'logged_out'] as const;

const pair = z.object({ availability: z.string().min(1), activity: z.string().min(1) });

export const cxoneMatchSchema = z.object({
  condition: z.enum(CXONE_CONDITIONS),
  /** Only with `unavailable`: a specific unavailable code; absent = any code. */
  outStateId: z.number().int().nonnegative().nullish(),
});
export const teamsMatchSchema = z.object({
  availability: z.string().min(1),
  /** Absent = any activity with that availability. */
  activity: z.string().min(1).nullish(),
});

export const ruleRowSchema = z.discriminatedUnion('direction', [
  z.object({
    direction: z.literal('to_teams'),
    cxone: cxoneMatchSchema,
    teams: pair.nullable(),
    /** Opt-in: use setUserPreferredPresence, overriding the agent's own choice. */
    force: z.boolean().default(false),
  }),
  z.object({ direction: z.literal('to_cxone'), teams: teamsMatchSchema, cxone: cxoneMatchSchema }),
  z.object({ direction: z.literal('both'), cxone: cxoneMatchSchema, teams: pair, force: z.boolean().default(false) }),
]);
export type RuleRow = z.infer<typeof ruleRowSchema>;
export type CxoneMatch = z.infer<typeof cxoneMatchSchema>;
export type TeamsMatch = z.infer<typeof teamsMatchSchema>;

export const ruleInputSchema = z.object({
  name: z.string().trim().min(1, 'is required').max(100, 'must be at most 100 characters'),
  rows: z.array(ruleRowSchema).max(100, 'at most 100 rows'),
  isDefault: z.boolean().default(false),
});
export type RuleInput = z.infer<typeof ruleInputSchema>;

export interface Rule extends RuleInput {
  id: string;
  version: number;
}

export interface RuleProblem {
  /** e.g. rows.2.teams */
  field: string;
  message: string;
}

export interface UnavailableCode {
  outStateId: number;
  name: string;
  isAcw: boolean;
}

/**
 * Semantic checks beyond the schema: only settable Teams pairs, CXone targets that can be set,
 * known unavailable codes, no two rows that match the same thing in the same direction.
 * `codes` (when known) are the business unit's unavailable codes.
 */
export function validateRule(input: RuleInput, codes?: readonly UnavailableCode[]): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const seenToTeams = new Map<string, number>();
  const seenToCxone = new Map<string, number>();
  input.rows.forEach((row, i) => {
    const at = (f: string) => `rows.${i}.${f}`;
    if (row.cxone.outStateId != null && row.cxone.condition !== 'unavailable')
      problems.push({ field: at('cxone.outStateId'), message: 'an unavailable code only goes with the Unavailable state' });
    if (row.cxone.outStateId != null && codes && !codes.some((c) => c.outStateId === row.cxone.outStateId))
      problems.push({
        field: at('cxone.outStateId'),
        message: `unavailable code ${row.cxone.outStateId} does not exist in this business unit`,
      });

    if (row.direction !== 'to_cxone' && row.teams) {
      const force = row.force;
      if (force ? !isPreferredPair(row.teams) : !isSettablePair(row.teams))
        problems.push({
          field: at('teams'),
          message: force
            ? `${row.teams.availability}/${row.teams.activity} cannot be forced; allowed: Available/Available, Busy/Busy, DoNotDisturb/DoNotDisturb, BeRightBack/BeRightBack, Away/Away, Offline/OffWork`
            : `${row.teams.availability}/${row.teams.activity} cannot be set by an app; allowed: Available/Available, Busy/InACall, Busy/InAConferenceCall, Away/Away, DoNotDisturb/Presenting`,
        });
    }
    if (row.direction !== 'to_teams') {
      // CXone only lets an integration set Available, or Unavailable with a code.
      const c = row.cxone;
      if (c.condition !== 'available' && c.condition !== 'unavailable')
        problems.push({ field: at('cxone.condition'), message: 'Teams → CXone can only set Available or Unavailable' });
      else if (c.condition === 'unavailable' && c.outStateId == null)
        problems.push({ field: at('cxone.outStateId'), message: 'choose the unavailable code to set' });
      else if (c.condition === 'unavailable' && codes?.find((x) => x.outStateId === c.outStateId)?.isAcw)
        problems.push({ field: at('cxone.outStateId'), message: 'after-call-work codes can only be set during a contact' });
    }
    if (row.direction !== 'to_cxone') {
      const key = `${row.cxone.condition}:${row.cxone.outStateId ?? '*'}`;
      const prev = seenToTeams.get(key);
      if (prev !== undefined)
        problems.push({ field: at('cxone'), message: `row ${prev + 1} already maps this CXone state to Teams` });
      else seenToTeams.set(key, i);
    }
    if (row.direction !== 'to_teams') {
      const t = row.teams as TeamsMatch;
      const key = `${normalizeAvailability(t.availability)}:${t.activity ? normalizeActivity(t.activity) : '*'}`;
      const prev = seenToCxone.get(key);
      if (prev !== undefined)
        problems.push({ field: at('teams'), message: `row ${prev + 1} already maps this Teams presence to CXone` });
      else seenToCxone.set(key, i);
    }
  });
  return problems;
}

/** Advice shown beside rows that are valid but may not show as expected (aggregation rules). */
export function ruleWarnings(input: RuleInput): RuleProblem[] {
  const out: RuleProblem[] = [];
  input.rows.forEach((row, i) => {
    if (row.direction === 'to_cxone' || !row.teams || row.force) return;
    const a = normalizeAvailability(row.teams.availability);
    if (a === 'Away' || a === 'Available')
      out.push({
        field: `rows.${i}.teams`,
        message: `${a} set by an app cannot show over an active Teams client (Teams shows the highest of DoNotDisturb > Busy > Available > Away)`,
      });
  });
  return out;
}

/** The to-Teams row for a CXone state: a specific unavailable code beats "any code". */
export function findToTeamsRow(rows: readonly RuleRow[], s: AgentStateSnapshot): { row: RuleRow; index: number } | null {
  const cond: CxoneCondition = classifyAgentState(s);
  let specific: { row: RuleRow; index: number } | null = null;
  let any: { row: RuleRow; index: number } | null = null;
  for (const [index, row] of rows.entries()) {
    if (row.direction === 'to_cxone' || row.cxone.condition !== cond) continue;
    if (row.cxone.outStateId == null) any ??= { row, index };
    else if (cond === 'unavailable' && row.cxone.outStateId === s.outStateId) specific ??= { row, index };
  }
  return specific ?? any;
}

/** The to-CXone row for a Teams presence: availability + activity beats availability alone. */
export function findToCxoneRow(rows: readonly RuleRow[], p: PresencePair): { row: RuleRow; index: number } | null {
  let exact: { row: RuleRow; index: number } | null = null;
  let loose: { row: RuleRow; index: number } | null = null;
  for (const [index, row] of rows.entries()) {
    if (row.direction === 'to_teams') continue;
    const t = row.teams as TeamsMatch;
    if (normalizeAvailability(t.availability) !== normalizeAvailability(p.availability)) continue;
    if (!t.activity) loose ??= { row, index };
    else if (normalizeActivity(t.activity) === normalizeActivity(p.activity)) exact ??= { row, index };
  }
  return exact ?? loose;
}

/** The CXone state a to_cxone/both row sets. */
export function rowCxoneTarget(row: RuleRow): CxoneTarget | null {
  if (row.direction === 'to_teams') return null;
  if (row.cxone.condition === 'available') return { state: 'Available' };
  if (row.cxone.condition === 'unavailable' && row.cxone.outStateId != null)
    return { state: 'Unavailable', outStateId: row.cxone.outStateId };
  return null;
}

/** The Teams pair a to_teams/both row sets (null = clear our session). */
export function rowTeamsTarget(row: RuleRow): PresencePair | null {
  if (row.direction === 'to_cxone') return null;
  return row.teams;
}

export const rowsEqual = (a: PresencePair | null, b: PresencePair | null) => (a === null && b === null) || samePair(a, b);

/**
 * Effective rule: user-assigned > team-assigned > the business unit's default (may be none).
 */
export function effectiveRule<R extends { id: string; isDefault: boolean }>(
  rulesById: ReadonlyMap<string, R>,
  assignments: { byUser: ReadonlyMap<string, string>; byTeam: ReadonlyMap<string, string> },
  agent: { agentId: string; teamId: string | null },
): { rule: R; via: 'user' | 'team' | 'default' } | null {
  const u = assignments.byUser.get(agent.agentId);
  if (u && rulesById.has(u)) return { rule: rulesById.get(u)!, via: 'user' };
  const t = agent.teamId ? assignments.byTeam.get(agent.teamId) : undefined;
  if (t && rulesById.has(t)) return { rule: rulesById.get(t)!, via: 'team' };
  for (const r of rulesById.values()) if (r.isDefault) return { rule: r, via: 'default' };
  return null;
}
