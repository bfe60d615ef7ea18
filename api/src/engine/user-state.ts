import { type AgentStateSnapshot, stateMatchesTarget } from '../domain/cxone.ts';
import type { WriteUrgency } from '../domain/ports.ts';
import { type PresencePair, samePair, type TeamsPresence } from '../domain/presence.ts';
import { SESSION_TTL_MS } from './timing.ts';
import type {
  Action,
  CxoneSet,
  ManualTracking,
  ObservedCxone,
  ObservedTeams,
  PendingChange,
  TeamsSet,
  Trigger,
} from './types.ts';

/** The engine's in-memory state for one agent. Mutated only by the functions below and engine.ts. */
export interface UserState {
  agentId: string;
  cxone: ObservedCxone | null;
  teams: ObservedTeams | null;
  teamsSet: TeamsSet | null;
  teamsCleared: { pair: PresencePair; at: number } | null;
  cxoneSet: CxoneSet | null;
  pending: PendingChange | null;
  manual: ManualTracking | null;
  /** Last persisted reason per direction: unchanged repeats are not logged again. */
  lastReasons: Record<string, string>;
  lastReason: string | null;
  lastSyncAt: number | null;
  /** Why the next reconcile runs, and the read time of the oldest event it answers. */
  trigger: Trigger | null;
  /** Who waits for the next reconcile's writes (the most urgent since the last one). */
  urgency: WriteUrgency | null;
  eventAt: number | null;
  /** Wake-ups: keep-alive / manual confirmation, and retry after a failed write. */
  dueAt: number | null;
  retryAt: number | null;
  failures: number;
}

export function newUserState(agentId: string): UserState {
  return {
    agentId,
    cxone: null,
    teams: null,
    teamsSet: null,
    teamsCleared: null,
    cxoneSet: null,
    pending: null,
    manual: null,
    lastReasons: {},
    lastReason: null,
    lastSyncAt: null,
    trigger: null,
    urgency: null,
    eventAt: null,
    dueAt: null,
    retryAt: null,
    failures: 0,
  };
}

const sameSnapshot = (a: AgentStateSnapshot, b: AgentStateSnapshot) =>
  a.state === b.state &&
  a.outStateId === b.outStateId &&
  a.isAcw === b.isAcw &&
  a.contactId === b.contactId &&
  a.agentToAgent === b.agentToAgent &&
  a.startTime === b.startTime;

/**
 * Takes a CXone observation. Out-of-order deliveries (read before the one we hold) are dropped;
 * duplicates only refresh the read time. Returns true when the state itself changed.
 */
export function observeCxone(u: UserState, state: AgentStateSnapshot, observedAt: number): boolean {
  if (u.cxone && observedAt < u.cxone.observedAt) return false;
  const changed = !u.cxone || !sameSnapshot(u.cxone.state, state);
  u.cxone = { state, observedAt };
  return changed;
}

/** Graph's sequenceNumber is a sortable string; compare longer-is-later, then lexically. */
export function compareSequence(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Takes a Teams observation; an older sequenceNumber (or, without one, an older read) is dropped. */
export function observeTeams(u: UserState, presence: TeamsPresence, observedAt: number): boolean {
  const prev = u.teams;
  if (prev) {
    const a = presence.sequenceNumber;
    const b = prev.presence.sequenceNumber;
    if (a && b ? compareSequence(a, b) < 0 : observedAt < prev.observedAt) return false;
  }
  const changed = !prev || !samePair(prev.presence, presence);
  u.teams = { presence, observedAt };
  return changed;
}

/** Records a successful write: from now on this is what we hold (and own) on that side. */
export function applyWritten(u: UserState, a: Action, at: number, sentAt: number = at): void {
  switch (a.kind) {
    case 'teams_set_session':
    case 'teams_set_preferred':
      u.teamsSet = {
        since: u.teamsSet && samePair(u.teamsSet.pair, a.pair) ? (u.teamsSet.since ?? u.teamsSet.at) : at,
        userId: a.userId,
        pair: a.pair,
        at,
        expiresAt: at + SESSION_TTL_MS,
        preferred: a.kind === 'teams_set_preferred',
      };
      return;
    case 'teams_clear_session':
    case 'teams_clear_preferred':
      if (u.teamsSet) u.teamsCleared = { pair: u.teamsSet.pair, at };
      u.teamsSet = null;
      return;
    case 'cxone_set':
      u.cxoneSet = { target: a.target, at, sentAt, fromTeams: a.fromTeams, lostAt: null };
      return;
  }
}

/**
 * Once CXone shows the state our write produced, remember that run's start time: a person setting the
 * same state again later starts a new run, which is theirs. And once Teams has moved on from the
 * presence we acted on, coming back to it is a new change (not one we already applied).
 */
export function confirmCxoneSet(u: UserState): void {
  const cs = u.cxoneSet;
  const c = u.cxone;
  const t = u.teams;
  if (cs && !cs.teamsMovedOn && t && t.observedAt >= cs.at && !samePair(t.presence, cs.fromTeams))
    u.cxoneSet = { ...cs, teamsMovedOn: true };
  const cur = u.cxoneSet;
  if (!cur || cur.lostAt || cur.startTime || !c || c.observedAt < (cur.sentAt ?? cur.at)) return;
  if (stateMatchesTarget(c.state, cur.target)) u.cxoneSet = { ...cur, startTime: c.state.startTime };
}

const RANK: Record<WriteUrgency, number> = { background: 0, admin: 1, live: 2 };
export function mergeUrgency(prev: WriteUrgency | null, next: WriteUrgency): WriteUrgency {
  return prev && RANK[prev] >= RANK[next] ? prev : next;
}

/** The more telling trigger wins when several arrive before one reconcile. */
export function mergeTrigger(prev: Trigger | null, next: Trigger): Trigger {
  if (!prev) return next;
  const weak = (t: Trigger) => t === 'sweep' || t === 'keepalive';
  return weak(next) && !weak(prev) ? prev : next;
}
