import {
  type CxoneMatch,
  PREFERRED_PAIRS,
  type PresencePair,
  type RuleInput,
  type RuleProblem,
  type RuleRow,
  ruleInputSchema,
  ruleWarnings,
  SETTABLE_PAIRS,
  type UnavailableCode,
  validateRule,
} from '../domain.ts';

/**
 * The rule editor's model: pure functions over the shared domain (api/src/domain/rules.ts), so the
 * tab says exactly what the server will say — the same schema, the same semantic checks, the same warnings.
 */
export type Direction = RuleRow['direction'];
export type CxoneCondition = CxoneMatch['condition'];

export const DIRECTION_LABEL: Record<Direction, string> = {
  to_teams: 'CXone → Teams',
  to_cxone: 'Teams → CXone',
  both: 'Both ways',
};

export const CONDITION_LABEL: Record<CxoneCondition, string> = {
  available: 'Available',
  unavailable: 'Unavailable',
  inbound_contact: 'Inbound contact',
  outbound_contact: 'Outbound contact',
  acw: 'After-call work',
  logged_out: 'Logged out',
};

const WORDS: Record<string, string> = {
  InACall: 'In a call',
  InAConferenceCall: 'In a conference call',
  DoNotDisturb: 'Do not disturb',
  BeRightBack: 'Be right back',
  OffWork: 'Off work',
  AvailableIdle: 'Available (idle)',
  BusyIdle: 'Busy (idle)',
  PresenceUnknown: 'Unknown',
  InAMeeting: 'In a meeting',
  OutOfOffice: 'Out of office',
  UrgentInterruptionsOnly: 'Urgent interruptions only',
};
export const presenceWord = (v: string): string => WORDS[v] ?? v;

export function pairLabel(p: PresencePair): string {
  return p.availability === p.activity
    ? presenceWord(p.availability)
    : `${presenceWord(p.availability)} — ${presenceWord(p.activity)}`;
}

export const pairKey = (p: PresencePair | null): string => (p ? `${p.availability}/${p.activity}` : '');
export function parsePairKey(key: string): PresencePair | null {
  const [availability, activity] = key.split('/');
  return availability && activity ? { availability, activity } : null;
}

/** The Teams pairs a to-Teams row may set: setPresence's five, or setUserPreferredPresence's six when forced. */
export const settablePairsFor = (force: boolean): readonly PresencePair[] => (force ? PREFERRED_PAIRS : SETTABLE_PAIRS);

/** CXone conditions a row may use: Teams → CXone can only set Available or Unavailable. */
export function conditionsFor(direction: Direction): CxoneCondition[] {
  return direction === 'to_teams'
    ? ['available', 'unavailable', 'inbound_contact', 'outbound_contact', 'acw', 'logged_out']
    : ['available', 'unavailable'];
}

export const newRow = (): RuleRow => ({
  direction: 'to_teams',
  cxone: { condition: 'inbound_contact', outStateId: null },
  teams: { availability: 'Busy', activity: 'InACall' },
  force: false,
});

export const newRule = (): RuleInput => ({ name: '', rows: [newRow()], isDefault: false });

/** Changes a row's direction, keeping what still makes sense and replacing what cannot be kept. */
export function withDirection(row: RuleRow, direction: Direction): RuleRow {
  if (row.direction === direction) return row;
  const cxone: CxoneMatch = conditionsFor(direction).includes(row.cxone.condition)
    ? row.cxone
    : { condition: 'available', outStateId: null };
  const teamsPair =
    row.teams && 'activity' in row.teams && row.teams.activity
      ? { availability: row.teams.availability, activity: row.teams.activity }
      : null;
  const force = row.direction !== 'to_cxone' ? row.force : false;
  const settable = teamsPair && settablePairsFor(force).some((p) => pairKey(p) === pairKey(teamsPair)) ? teamsPair : null;
  switch (direction) {
    case 'to_teams':
      return { direction, cxone, teams: settable ?? { availability: 'Available', activity: 'Available' }, force };
    case 'both':
      return { direction, cxone, teams: settable ?? { availability: 'Available', activity: 'Available' }, force };
    case 'to_cxone':
      return {
        direction,
        cxone,
        teams: { availability: row.teams?.availability ?? 'Busy', activity: teamsPair?.activity ?? null },
      };
  }
}

/** Problems by field path (`name`, `rows.1.teams`…): errors block saving, warnings only advise. */
export interface RuleCheck {
  errors: Map<string, string[]>;
  warnings: Map<string, string[]>;
  ok: boolean;
}

function group(problems: readonly RuleProblem[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const p of problems) m.set(p.field, [...(m.get(p.field) ?? []), p.message]);
  return m;
}

export function checkRule(input: RuleInput, codes?: readonly UnavailableCode[]): RuleCheck {
  const parsed = ruleInputSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'rule', message: i.message }));
    return { errors: group(problems), warnings: new Map(), ok: false };
  }
  const errors = validateRule(parsed.data, codes);
  return { errors: group(errors), warnings: group(ruleWarnings(parsed.data)), ok: errors.length === 0 };
}

/** Merges the server's field problems (400 details.fields) into the editor's own check. */
export function withServerProblems(check: RuleCheck, fields: readonly { field: string; problem: string }[]): RuleCheck {
  if (fields.length === 0) return check;
  const errors = new Map(check.errors);
  for (const f of fields) errors.set(f.field, [...(errors.get(f.field) ?? []), f.problem]);
  return { ...check, errors, ok: false };
}

/** Every message for a field and the fields below it (rows.0.cxone covers rows.0.cxone.outStateId). */
export function messagesUnder(map: ReadonlyMap<string, string[]>, prefix: string): string[] {
  const out: string[] = [];
  for (const [k, v] of map) if (k === prefix || k.startsWith(`${prefix}.`)) out.push(...v);
  return out;
}

/** One sentence per row, for the rule list and the preview. */
export function describeRow(row: RuleRow, codes?: readonly UnavailableCode[]): string {
  const code =
    row.cxone.outStateId != null
      ? (codes?.find((c) => c.outStateId === row.cxone.outStateId)?.name ?? `code ${row.cxone.outStateId}`)
      : null;
  const cx = `${CONDITION_LABEL[row.cxone.condition]}${code ? ` (${code})` : row.cxone.condition === 'unavailable' && row.direction === 'to_teams' ? ' (any code)' : ''}`;
  if (row.direction === 'to_cxone') {
    const t = row.teams.activity
      ? pairLabel({ availability: row.teams.availability, activity: row.teams.activity })
      : `${presenceWord(row.teams.availability)} (any activity)`;
    return `Teams ${t} → CXone ${cx}`;
  }
  const t = row.teams ? pairLabel(row.teams) : 'no Teams status';
  return `CXone ${cx} ${row.direction === 'both' ? '⇄' : '→'} Teams ${t}${row.force ? ' (forced)' : ''}`;
}
