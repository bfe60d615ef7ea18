import { cxoneLabel } from '../../../bot/src/labels.ts';
import type { CxoneStateView, DecisionView } from '../../../bot/src/ports.ts';
import type { PresencePair } from '../domain/presence.ts';
import { REASON_CODES, type ReasonCode } from '../domain/reasons.ts';

/**
 * Reads the engine's jsonb columns (sync_state, decisions.inputs/actions) defensively: the bot shows
 * what it can find and never throws on a shape it does not know. Pure.
 *
 * Keys read (first found wins):
 *  - CXone state: inputs.cxone | inputs.cxoneState | inputs.state → {state, outStateName, agentToAgent, startTime}
 *  - Teams seen:  inputs.teams | inputs.teamsPresence | inputs.observed → {availability, activity}
 *  - Teams wanted: inputs.wanted | inputs.teamsWanted | inputs.target | an action {kind: teams_set_*, pair}
 *  - CXone wanted: inputs.cxoneWanted | inputs.cxoneTarget | an action {kind: cxone_set, target}
 *  (the engine's DecisionRecord, api/src/engine/types.ts, writes inputs.cxone/teams/wanted/cxoneWanted)
 *  - permission: inputs.permission; retry: inputs.retryAt (ms or ISO) | inputs.retryAfterMs
 */
type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);
const first = (o: Obj | null, keys: readonly string[]): unknown => {
  if (!o) return undefined;
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) return o[k];
  return undefined;
};

export function toPair(v: unknown): PresencePair | null {
  const o = obj(v);
  if (o && !str(o.availability) && obj(o.pair)) return toPair(o.pair);
  const availability = str(o?.availability);
  if (!o || !availability) return null;
  return { availability, activity: str(o.activity) ?? availability };
}

export function toTime(v: unknown): number | null {
  if (v instanceof Date) return Number.isFinite(v.getTime()) ? v.getTime() : null;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isFinite(t) ? t : null;
  }
  return null;
}

export function toCxoneState(v: unknown, codeName: (id: number) => string | null = () => null): CxoneStateView | null {
  const o = obj(v);
  const state = str(o?.state) ?? str(o?.stateName);
  if (!o || !state) return null;
  const byId = typeof o.outStateId === 'number' ? codeName(o.outStateId) : null;
  return { state, outStateName: str(o.outStateName) ?? byId ?? str(o.reason), since: toTime(o.startTime ?? o.since) };
}

/** "Available" or "Unavailable (Lunch)" for a CxoneTarget-like value; `codeName` resolves ids. */
export function cxoneTargetLabel(v: unknown, codeName: (id: number) => string | null): string | null {
  const o = obj(v);
  const state = str(o?.state);
  if (!o || !state) return null;
  const id = typeof o.outStateId === 'number' ? o.outStateId : null;
  const name = str(o.outStateName) ?? (id !== null ? codeName(id) : null);
  return state === 'Unavailable' && (name || id !== null) ? (name ?? `code ${id}`) : cxoneLabel(state);
}

export function toReason(v: string): ReasonCode | 'unknown' {
  return (REASON_CODES as readonly string[]).includes(v) ? (v as ReasonCode) : 'unknown';
}

export function toDirection(v: string): DecisionView['direction'] {
  return v === 'cxone_to_teams' || v === 'teams_to_cxone' ? v : 'none';
}

export interface DecisionRowLike {
  at: Date;
  direction: string;
  reason: string;
  ruleId: string | null;
  inputs: unknown;
  actions: unknown;
}

export function toDecisionView(
  row: DecisionRowLike,
  names: { rule: (id: string) => string | null; code: (id: number) => string | null },
): DecisionView {
  const inputs = obj(row.inputs);
  const actions = Array.isArray(row.actions) ? row.actions.map(obj).filter((a): a is Obj => a !== null) : [];
  const cx = toCxoneState(first(inputs, ['cxone', 'cxoneState', 'state']), names.code);
  const actionOf = (re: RegExp) => actions.find((a) => re.test(str(a.type) ?? str(a.kind) ?? ''));
  const presenceAction = actionOf(/^teams_set|setpresence|presence/i);
  const cxoneAction = actionOf(/^cxone_set|agentstate/i);
  const at = row.at.getTime();
  const retryAfter = first(inputs, ['retryAfterMs']);
  const reason = toReason(row.reason);
  return {
    at,
    direction: toDirection(row.direction),
    reason,
    rawReason: row.reason,
    ruleName: row.ruleId ? names.rule(row.ruleId) : null,
    cxoneState: cx ? cxoneLabel(cx.state, cx.outStateName) : null,
    agentToAgent: obj(first(inputs, ['cxone', 'cxoneState', 'state']))?.agentToAgent === true,
    teamsObserved: toPair(first(inputs, ['teams', 'teamsPresence', 'observed'])),
    teamsWanted:
      toPair(first(inputs, ['wanted', 'teamsWanted', 'target'])) ??
      toPair(first(presenceAction ?? null, ['pair', 'presence', 'target'])),
    cxoneWanted:
      cxoneTargetLabel(first(inputs, ['cxoneWanted', 'cxoneTarget']), names.code) ??
      cxoneTargetLabel(first(cxoneAction ?? null, ['target', 'state']), names.code),
    permission: str(first(inputs, ['permission'])),
    retryAt: toTime(first(inputs, ['retryAt'])) ?? (typeof retryAfter === 'number' ? at + retryAfter : null),
  };
}
