import type { AgentStateSnapshot, CxoneTarget } from '../domain/cxone.ts';
import type { PresencePair, TeamsPresence } from '../domain/presence.ts';
import type { ReasonCode } from '../domain/reasons.ts';
import type { RuleRow } from '../domain/rules.ts';

/** The engine's vocabulary: what `decide` reads and returns, and what the engine stores per user. */

export type Trigger = 'cxone' | 'teams' | 'settings' | 'sweep' | 'keepalive';
export type Direction = 'cxone_to_teams' | 'teams_to_cxone' | 'none';

/** A CXone state and when it was read (read time, not delivery time: delayed events keep it). */
export interface ObservedCxone {
  state: AgentStateSnapshot;
  observedAt: number;
}

/** The aggregated Teams presence (what Graph reports for the user) and when it was read. */
export interface ObservedTeams {
  presence: TeamsPresence;
  observedAt: number;
}

/**
 * What we hold on the Teams side. `preferred=false`: our app presence session (setPresence; always
 * ours, since its session id is our client id). `preferred=true`: a forced user-preferred presence,
 * ours only while Graph still shows it (the user's own pick replaces it).
 */
export interface TeamsSet {
  userId: string;
  pair: PresencePair;
  /** When the latest write completed (observations older than this predate it). */
  at: number;
  /** When this pair was first set (keep-alives re-send it without changing this). */
  since?: number;
  expiresAt: number;
  preferred: boolean;
  /** Forced presence only: the user replaced it (we keep the record so we don't force it again). */
  lostAt?: number | null;
}

/** The CXone state we set last, and the Teams presence it was set from. */
export interface CxoneSet {
  target: CxoneTarget;
  /** When the write completed. */
  at: number;
  /** When the write was sent: a read after this may already show our state. */
  sentAt?: number;
  /** Teams has shown something other than `fromTeams` since: a return to it is a new change. */
  teamsMovedOn?: boolean;
  fromTeams: PresencePair;
  /** Set once CXone showed a different state after our write: the current state is not ours. */
  lostAt?: number | null;
  /** CXone's start time of the state our write produced, once seen: a later re-set of the same
   * state by a person starts anew, and is then not ours. */
  startTime?: string | null;
}

/** A Teams → CXone change held while the agent is on a contact or in after-call work. */
export interface PendingChange {
  target: CxoneTarget;
  fromTeams: PresencePair;
  ruleId: string;
  rowIndex: number;
  since: number;
}

/** Manual-status detection state (see manual.ts for the heuristic). */
export interface ManualTracking {
  observed: PresencePair;
  wanted: PresencePair;
  /** When the mismatch was first observed. */
  since: number;
  confirmed: boolean;
  notified: boolean;
}

export interface EffectiveRuleInput {
  id: string;
  rows: readonly RuleRow[];
  via: 'user' | 'team' | 'default';
}

export interface DecideInput {
  agentId: string;
  teamId: string | null;
  mapping: { userId: string; included: boolean } | null;
  rule: EffectiveRuleInput | null;
  cxone: ObservedCxone | null;
  teams: ObservedTeams | null;
  teamsSet: TeamsSet | null;
  /** Our latest clear of the Teams side: observations older than it may still show our session. */
  teamsCleared?: { pair: PresencePair; at: number } | null;
  cxoneSet: CxoneSet | null;
  pending: PendingChange | null;
  manual: ManualTracking | null;
  trigger: Trigger;
  now: number;
}

export type Action =
  | { kind: 'teams_set_session'; userId: string; pair: PresencePair; expiration: string; keepAlive: boolean }
  | { kind: 'teams_clear_session'; userId: string }
  | { kind: 'teams_set_preferred'; userId: string; pair: PresencePair; expiration: string; keepAlive: boolean }
  | { kind: 'teams_clear_preferred'; userId: string }
  | { kind: 'cxone_set'; agentId: string; target: CxoneTarget; fromTeams: PresencePair };

export interface DecisionRecord {
  agentId: string;
  userId: string | null;
  direction: Direction;
  reason: ReasonCode;
  ruleId: string | null;
  rowIndex: number | null;
  /** The inputs that mattered, for "why didn't my status change?". */
  inputs: Record<string, unknown>;
  actions: Action[];
}

export type ManualNotice =
  | { kind: 'manual_status_blocking'; observed: PresencePair; wanted: PresencePair; since: number }
  | { kind: 'manual_status_resolved' };

export interface Decision {
  /** Every write to make, in order. */
  actions: Action[];
  /** The decision that best answers "what happened" for this trigger. */
  record: DecisionRecord;
  /** One record per direction evaluated (the primary one included). */
  records: DecisionRecord[];
  pending: PendingChange | null;
  manual: ManualTracking | null;
  notices: ManualNotice[];
  /** Ownership lost: Teams = the forced preferred presence was replaced by the user; CXone = someone changed our state. */
  forget: { teams: boolean; cxone: boolean; teamsReplaced: boolean };
  /** Re-decide at this time even without events (manual-status confirmation). */
  recheckAt: number | null;
}
