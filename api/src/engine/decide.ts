import { type AgentStateSnapshot, classifyAgentState, isOnContactOrAcw, stateMatchesTarget } from '../domain/cxone.ts';
import { isPreferredPair, isSettablePair, type PresencePair, samePair } from '../domain/presence.ts';
import type { ReasonCode } from '../domain/reasons.ts';
import { findToCxoneRow, findToTeamsRow, rowCxoneTarget, rowTeamsTarget } from '../domain/rules.ts';
import { keepAliveDueAt, SESSION_EXPIRATION } from './timing.ts';
import type {
  Action,
  CxoneSet,
  DecideInput,
  Decision,
  DecisionRecord,
  Direction,
  EffectiveRuleInput,
  ManualNotice,
  ManualTracking,
  ObservedTeams,
  PendingChange,
} from './types.ts';
import { classifyVisibility, isSessionMissing, resolveManual, trackManual } from './visibility.ts';

/**
 * The sync engine's whole judgement, pure: given what each side shows, what we set last and the
 * effective rule, what to write and why. The engine calls it for every dirty user; tests call it
 * directly. Both directions are evaluated on every call (level-triggered): the trigger only picks
 * which record is the headline.
 */
export function decide(input: DecideInput): Decision {
  const userId = input.mapping?.userId ?? input.teamsSet?.userId ?? null;
  const gate: ReasonCode | null = !input.mapping
    ? 'unmapped'
    : !input.mapping.included
      ? 'excluded'
      : !input.rule
        ? 'no_rule'
        : null;
  if (gate || !input.rule || !input.mapping) {
    // Out of sync entirely: take back what we hold in Teams (our session is always ours; a forced
    // preferred presence only while Graph still shows it). CXone is left as it is.
    const clear = clearOurs(input);
    const reason: ReasonCode = gate ?? 'no_rule';
    const outcome: Outcome = {
      direction: 'none',
      reason: clear.notOwned ? 'not_owned' : reason,
      ruleId: input.rule?.id ?? null,
      rowIndex: null,
      actions: clear.actions,
      extra: { gate: reason },
    };
    const rec = record(input, userId, outcome);
    return finish([rec], rec, clear.actions, {
      pending: null,
      ...resolveManual(input.manual),
      forget: { teams: clear.notOwned, cxone: false, teamsReplaced: false },
      recheckAt: null,
    });
  }
  const rule = input.rule;
  const uid = input.mapping.userId;
  const teams = toTeams(input, uid, rule);
  const cxone = toCxone(input, rule);
  const outcomes = [teams.outcome, cxone.outcome];
  // The headline answers the trigger: a Teams change → what happened to CXone, a CXone change →
  // what happened in Teams; otherwise whichever direction wrote something.
  const primary =
    input.trigger === 'teams'
      ? cxone.outcome
      : input.trigger === 'cxone'
        ? teams.outcome
        : (outcomes.find((o) => o.actions.length > 0) ?? teams.outcome);
  const records = outcomes.map((o) => record(input, uid, o));
  const actions = [...teams.outcome.actions, ...cxone.outcome.actions];
  return finish(records, records[outcomes.indexOf(primary)]!, actions, {
    pending: cxone.pending,
    manual: teams.manual,
    notices: teams.notices,
    forget: { teams: teams.forgetTeams, cxone: cxone.forgetCxone, teamsReplaced: !!teams.replaced },
    recheckAt: teams.recheckAt,
  });
}

interface Outcome {
  direction: Direction;
  reason: ReasonCode;
  ruleId: string | null;
  rowIndex: number | null;
  actions: Action[];
  extra?: Record<string, unknown>;
}

function finish(
  records: DecisionRecord[],
  primary: DecisionRecord,
  actions: Action[],
  rest: Omit<Decision, 'actions' | 'record' | 'records'>,
): Decision {
  return { actions, record: primary, records, ...rest };
}

function record(input: DecideInput, userId: string | null, o: Outcome): DecisionRecord {
  const c = input.cxone?.state;
  const t = input.teams?.presence;
  return {
    agentId: input.agentId,
    userId,
    direction: o.direction,
    reason: o.reason,
    ruleId: o.ruleId,
    rowIndex: o.rowIndex,
    actions: o.actions,
    inputs: {
      trigger: input.trigger,
      via: input.rule?.via ?? null,
      cxone: c
        ? { state: c.state, outStateId: c.outStateId, isAcw: c.isAcw, agentToAgent: c.agentToAgent, contactId: c.contactId }
        : null,
      teams: t ? { availability: t.availability, activity: t.activity } : null,
      teamsSet: input.teamsSet ? { ...input.teamsSet.pair, preferred: input.teamsSet.preferred } : null,
      cxoneSet: input.cxoneSet && !input.cxoneSet.lostAt ? input.cxoneSet.target : null,
      ...o.extra,
    },
  };
}

/** A Teams observation made after our latest Teams write (older ones cannot show its effect). */
function freshTeams(input: DecideInput): ObservedTeams | null {
  const t = input.teams;
  if (!t) return null;
  if (input.teamsSet && t.observedAt < input.teamsSet.at) return null;
  return t;
}

/** Take back what we hold in Teams, respecting ownership of a forced preferred presence. */
function clearOurs(input: DecideInput): { actions: Action[]; notOwned: boolean; waiting: boolean; blind?: boolean } {
  const set = input.teamsSet;
  if (!set) return { actions: [], notOwned: false, waiting: false };
  if (!set.preferred) return { actions: [{ kind: 'teams_clear_session', userId: set.userId }], notOwned: false, waiting: false };
  if (set.lostAt) return { actions: [], notOwned: true, waiting: false };
  const seen = freshTeams(input);
  // Until Graph shows us something after our write we cannot know whether the user replaced it.
  // A preferred presence shows only while the user has a session: with none, Graph cannot tell us.
  if (!seen) return { actions: [], notOwned: false, waiting: true };
  if (isSessionMissing(seen.presence)) return { actions: [], notOwned: false, waiting: true, blind: true };
  if (samePair(seen.presence, set.pair))
    return { actions: [{ kind: 'teams_clear_preferred', userId: set.userId }], notOwned: false, waiting: false };
  return { actions: [], notOwned: true, waiting: false };
}

interface TeamsResult {
  outcome: Outcome;
  manual: ManualTracking | null;
  notices: ManualNotice[];
  forgetTeams: boolean;
  /** Our forced presence was replaced by the user's own pick. */
  replaced?: boolean;
  recheckAt: number | null;
}

/** CXone → Teams. */
function toTeams(input: DecideInput, userId: string, rule: EffectiveRuleInput): TeamsResult {
  // `wanted` (the pair the rule asks for) goes into every record once known: the bot explains with it.
  let wanted: PresencePair | null = null;
  const out = (reason: ReasonCode, actions: Action[], rowIndex: number | null = null, extra?: Record<string, unknown>) => ({
    direction: 'cxone_to_teams' as const,
    reason,
    ruleId: rule.id,
    rowIndex,
    actions,
    extra: { ...(wanted ? { wanted } : {}), ...extra },
  });
  const keep = (m: ManualTracking | null = input.manual) => ({ manual: m, notices: [], forgetTeams: false, recheckAt: null });
  const c = input.cxone;
  const set = input.teamsSet;
  if (!c) return { outcome: out('unchanged', holdSession(input)), ...keep() };
  // A CXone state we set from Teams (or one not yet confirmed) is our own echo: never bounce it back.
  const cs = input.cxoneSet;
  if (cs && !cs.lostAt && (c.observedAt < cs.at || ownsCxoneState(cs, c.state)))
    return { outcome: out('echo_suppressed', holdSession(input)), ...keep() };
  if (classifyAgentState(c.state) === 'agent_to_agent')
    return { outcome: out('agent_to_agent_excluded', holdSession(input)), ...keep() };

  const found = findToTeamsRow(rule.rows, c.state);
  const target = found ? rowTeamsTarget(found.row) : null;
  if (!found || !target) {
    // No row, or a row saying "no Teams state": clear what we hold.
    const clear = clearOurs(input);
    const reason: ReasonCode = clear.notOwned
      ? 'not_owned'
      : clear.actions.length > 0
        ? 'cleared'
        : found
          ? 'unchanged'
          : 'no_matching_row';
    return {
      outcome: out(reason, clear.actions, found?.index ?? null),
      ...resolveManual(input.manual),
      forgetTeams: clear.notOwned,
      recheckAt: null,
    };
  }
  wanted = target;
  const force = found.row.direction !== 'to_cxone' && found.row.force;
  const rowIndex = found.index;
  const seen = freshTeams(input);

  if (force) {
    if (set?.preferred && samePair(set.pair, target)) {
      if (set.lostAt)
        // Replaced earlier: even if Graph shows the same pair again, that is the agent's own pick.
        return {
          outcome: out(seen && samePair(seen.presence, target) ? 'unchanged' : 'manual_status_override', [], rowIndex, {
            forced: true,
          }),
          ...keep(),
        };
      if (seen && !samePair(seen.presence, target) && !isSessionMissing(seen.presence)) {
        // The agent picked a status after we forced ours: theirs replaced ours. Don't fight it.
        const m = trackManual(input.manual, seen.presence, target, seen.observedAt, 0, Number.POSITIVE_INFINITY);
        return {
          outcome: out('manual_status_override', [], rowIndex, { forced: true }),
          manual: m.manual,
          notices: m.notices,
          forgetTeams: false,
          replaced: true,
          recheckAt: null,
        };
      }
      if (input.now >= keepAliveDueAt(set))
        return {
          outcome: out(
            'keep_alive',
            [{ kind: 'teams_set_preferred', userId, pair: target, expiration: SESSION_EXPIRATION, keepAlive: true }],
            rowIndex,
          ),
          ...keep(null),
        };
      return { outcome: out('unchanged', [], rowIndex), ...resolveManual(input.manual), forgetTeams: false, recheckAt: null };
    }
    const actions: Action[] = [];
    // One thing held at a time: the forced presence replaces our session.
    if (set && !set.preferred) actions.push({ kind: 'teams_clear_session', userId: set.userId });
    actions.push({ kind: 'teams_set_preferred', userId, pair: target, expiration: SESSION_EXPIRATION, keepAlive: false });
    return {
      outcome: out('applied', actions, rowIndex, { forced: true }),
      ...resolveManual(input.manual),
      forgetTeams: false,
      recheckAt: null,
    };
  }

  const actions: Action[] = [];
  let forgetTeams = false;
  if (set?.preferred) {
    const clear = clearOurs(input);
    if (clear.waiting && !clear.blind)
      return { outcome: out('unchanged', [], rowIndex, { waitingFor: 'teams_observation' }), ...keep() };
    actions.push(...clear.actions);
    // Blind (no session, so Graph shows no preferred presence at all): we cannot tell whether it is
    // still ours, so we never clear it; it expires by itself. Our session goes up regardless — waiting
    // for a session to appear could wait forever.
    forgetTeams = clear.notOwned || !!clear.blind;
  }
  const holding = set && !set.preferred && samePair(set.pair, target);
  const session = (keepAlive: boolean): Action => ({
    kind: 'teams_set_session',
    userId,
    pair: target,
    expiration: SESSION_EXPIRATION,
    keepAlive,
  });
  let base: ReasonCode;
  if (holding) {
    if (input.now >= keepAliveDueAt(set)) {
      actions.push(session(true));
      base = 'keep_alive';
    } else base = 'unchanged';
  } else {
    actions.push(session(false));
    base = 'applied';
  }
  if (!seen) return { outcome: out(base, actions, rowIndex), manual: input.manual, notices: [], forgetTeams, recheckAt: null };

  // Is ours what the user sees? If ours is already held, Graph's aggregate answers; if we are
  // about to write, what Graph shows now (unless it is our own previous session) will still compete.
  const seenIsOurOld = !holding && set && !set.preferred && samePair(seen.presence, set.pair);
  const vis = seenIsOurOld ? { kind: 'shown' as const } : classifyVisibility(target, seen.presence);
  switch (vis.kind) {
    case 'shown':
      return { outcome: out(base, actions, rowIndex), ...resolveManual(input.manual), forgetTeams, recheckAt: null };
    case 'session_missing':
      // Our session is gone (expired early, cleared elsewhere): put it back.
      if (holding && actions.length === 0) actions.push(session(false));
      return {
        outcome: out(holding ? 'applied' : base, actions, rowIndex, { sessionMissing: true }),
        ...resolveManual(input.manual),
        forgetTeams,
        recheckAt: null,
      };
    case 'hidden_by_other_session':
      return {
        outcome: out('hidden_by_other_session', actions, rowIndex, { base }),
        ...resolveManual(input.manual),
        forgetTeams,
        recheckAt: null,
      };
    case 'manual_suspected': {
      const lastWrite = holding ? set.at : input.now;
      const m = trackManual(input.manual, seen.presence, target, seen.observedAt, lastWrite, input.now);
      return {
        outcome: out(m.manual.confirmed ? 'manual_status_override' : base, actions, rowIndex, {
          manualSuspected: !m.manual.confirmed,
          base,
        }),
        manual: m.manual,
        notices: m.notices,
        forgetTeams,
        recheckAt: m.recheckAt,
      };
    }
  }
}

/** Keep our existing session alive while we deliberately leave Teams as it is. */
function holdSession(input: DecideInput): Action[] {
  const set = input.teamsSet;
  if (!set || input.now < keepAliveDueAt(set)) return [];
  if (set.preferred) return [];
  return [{ kind: 'teams_set_session', userId: set.userId, pair: set.pair, expiration: SESSION_EXPIRATION, keepAlive: true }];
}

interface CxoneResult {
  outcome: Outcome;
  pending: PendingChange | null;
  forgetCxone: boolean;
}

/** Teams → CXone. */
function toCxone(input: DecideInput, rule: EffectiveRuleInput): CxoneResult {
  const cs = input.cxoneSet;
  const c = input.cxone;
  // Someone changed CXone after our write: the current state is no longer ours.
  const lost =
    !!cs &&
    !cs.lostAt &&
    !!c &&
    c.observedAt >= cs.at &&
    (!stateMatchesTarget(c.state, cs.target) || (!!cs.startTime && cs.startTime !== c.state.startTime));
  let cxoneWanted: PendingChange['target'] | null = null;
  const out = (
    reason: ReasonCode,
    rowIndex: number | null = null,
    actions: Action[] = [],
    pending: PendingChange | null = null,
    extra?: Record<string, unknown>,
  ): CxoneResult => ({
    outcome: {
      direction: 'teams_to_cxone',
      reason,
      ruleId: rule.id,
      rowIndex,
      actions,
      extra: { ...(cxoneWanted ? { cxoneWanted } : {}), ...extra },
    },
    pending,
    forgetCxone: lost,
  });
  const t = input.teams;
  if (!t) return out('unchanged');
  const set = input.teamsSet;
  // Our own Teams write coming back (or an observation older than it): not synced to CXone.
  // Except when CXone holds a state WE set, from a different Teams presence, AFTER our session got
  // its pair: then Teams showing our session again (meeting over, back to our Available) was
  // unveiled by the person, not caused by our write, and going back is what should happen. It
  // cannot loop: CXone → Teams holds while CXone shows our state, so our session's pair stays older.
  const cxoneOurs = !!cs && !cs.lostAt && !lost && !!c && c.observedAt >= cs.at && ownsCxoneState(cs, c.state);
  // An observation older than our latest write may still show our previous write: an echo, unless it
  // shows a presence our app cannot produce (a meeting): that is the person's, whatever its age. Our
  // session hidden under a meeting changes nothing Graph would report, so waiting for a "fresher"
  // reading of it could wait until the next sweep.
  const older = (at: number) => t.observedAt < at && couldBeOurs(t.presence);
  if (set && older(set.at)) return out('echo_suppressed');
  if (input.teamsCleared && older(input.teamsCleared.at)) return out('echo_suppressed');
  const unveiled = cxoneOurs && !!cs && !!set && !samePair(cs.fromTeams, t.presence) && (set.since ?? set.at) < cs.at;
  if (set && !set.lostAt && samePair(t.presence, set.pair) && !unveiled) return out('echo_suppressed');
  const found = findToCxoneRow(rule.rows, t.presence);
  const target = found ? rowCxoneTarget(found.row) : null;
  if (!found || !target) return out('no_matching_row', found?.index ?? null);
  cxoneWanted = target;
  const rowIndex = found.index;
  if (!c) return out('unchanged', rowIndex, [], null, { waitingFor: 'cxone_state' });
  // Our write is not confirmed yet: don't write again on a CXone reading older than it.
  if (cs && !cs.lostAt && c.observedAt < cs.at) return out('unchanged', rowIndex);
  if (stateMatchesTarget(c.state, target)) return out('unchanged', rowIndex);
  const cls = classifyAgentState(c.state);
  if (cls === 'logged_out') return out('agent_logged_out', rowIndex);
  if (isOnContactOrAcw(c.state)) {
    // Never disturb work in progress: hold the change; level-triggered, it is re-decided (and
    // applied if Teams still shows this presence) when the contact or ACW ends.
    const pending: PendingChange = {
      target,
      fromTeams: { availability: t.presence.availability, activity: t.presence.activity },
      ruleId: rule.id,
      rowIndex,
      since: input.pending && samePairTarget(input.pending, target, t.presence) ? input.pending.since : input.now,
    };
    return out('contact_in_progress', rowIndex, [], pending);
  }
  const owned = !!cs && !cs.lostAt && !lost && ownsCxoneState(cs, c.state);
  // We already acted on this Teams presence and a person changed CXone since: theirs stands.
  if (cs && !cs.teamsMovedOn && samePair(cs.fromTeams, t.presence) && !owned) return out('not_owned', rowIndex);
  // Moving an agent out of Available is what Teams → CXone is for; moving them out of any other
  // state (Unavailable with a code, LoggedIn…) — "going back" included — only if we set it.
  if (cls === 'available' || owned) {
    const fromTeams: PresencePair = { availability: t.presence.availability, activity: t.presence.activity };
    return out('applied', rowIndex, [{ kind: 'cxone_set', agentId: input.agentId, target, fromTeams }]);
  }
  return out('not_owned', rowIndex);
}

/** A presence our app's writes can show: what setPresence/setUserPreferredPresence set, or its idle fade. */
export function couldBeOurs(p: PresencePair): boolean {
  if (isSettablePair(p) || isPreferredPair(p)) return true;
  const a = p.availability.toLowerCase();
  const act = p.activity.toLowerCase();
  return a === 'availableidle' || a === 'busyidle' || act === 'inactive' || act === 'away';
}

/** The current CXone state is the one our write produced (same state, and the same run of it). */
export function ownsCxoneState(cs: CxoneSet, s: AgentStateSnapshot): boolean {
  return stateMatchesTarget(s, cs.target) && (!cs.startTime || cs.startTime === s.startTime);
}

function samePairTarget(p: PendingChange, target: PendingChange['target'], from: PresencePair): boolean {
  return (
    samePair(p.fromTeams, from) &&
    p.target.state === target.state &&
    (target.state === 'Available' || (p.target.state === 'Unavailable' && p.target.outStateId === target.outStateId))
  );
}
