import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { AgentStateSnapshot, CxoneTarget } from '../domain/cxone.ts';
import type { PresencePair, TeamsPresence } from '../domain/presence.ts';
import { bulkInsert } from '../storage/bulk.ts';
import type { Db } from '../storage/db.ts';
import { decisions, syncState } from '../storage/schema.ts';
import type { CxoneSet, DecisionRecord, PendingChange, TeamsSet } from './types.ts';

/**
 * Persistence of the engine's per-user state (sync_state) and decision records (decisions).
 * jsonb shapes are flat so other readers (bot, tab) find `availability`/`activity` and
 * `state`/`outStateId` at the top level:
 *  - teams_set:  {userId, availability, activity, at, expiresAt, preferred}
 *  - cxone_set:  {state, outStateId?, at, fromTeams, lostAt}
 *  - cxone_state: AgentStateSnapshot; teams_presence: {availability, activity, sequenceNumber}
 *  - pending:    {state, outStateId?, fromTeams, ruleId, rowIndex, since}
 */
export interface PersistedUser {
  agentId: string;
  cxone: { state: AgentStateSnapshot; observedAt: number } | null;
  teams: { presence: TeamsPresence; observedAt: number } | null;
  teamsSet: TeamsSet | null;
  cxoneSet: CxoneSet | null;
  pending: PendingChange | null;
  lastReason: string | null;
  lastSyncAt: number | null;
}

type J = Record<string, unknown>;
const isObj = (v: unknown): v is J => v !== null && typeof v === 'object' && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const pairOf = (v: unknown): PresencePair | null =>
  isObj(v) && typeof v.availability === 'string' && typeof v.activity === 'string'
    ? { availability: v.availability, activity: v.activity }
    : null;
const targetOf = (v: unknown): CxoneTarget | null => {
  if (!isObj(v)) return null;
  if (v.state === 'Available') return { state: 'Available' };
  const id = num(v.outStateId);
  return v.state === 'Unavailable' && id !== null ? { state: 'Unavailable', outStateId: id } : null;
};

export function teamsSetToJson(t: TeamsSet | null): J | null {
  return t
    ? {
        userId: t.userId,
        ...t.pair,
        at: t.at,
        since: t.since ?? t.at,
        expiresAt: t.expiresAt,
        preferred: t.preferred,
        lostAt: t.lostAt ?? null,
      }
    : null;
}
export function teamsSetFromJson(v: unknown): TeamsSet | null {
  const pair = pairOf(v);
  if (!isObj(v) || !pair || typeof v.userId !== 'string') return null;
  const at = num(v.at);
  const expiresAt = num(v.expiresAt);
  if (at === null || expiresAt === null) return null;
  return {
    userId: v.userId,
    pair,
    at,
    since: num(v.since) ?? at,
    expiresAt,
    preferred: v.preferred === true,
    lostAt: num(v.lostAt),
  };
}
export function cxoneSetToJson(c: CxoneSet | null): J | null {
  return c
    ? {
        ...c.target,
        at: c.at,
        sentAt: c.sentAt ?? c.at,
        fromTeams: c.fromTeams,
        teamsMovedOn: c.teamsMovedOn ?? false,
        lostAt: c.lostAt ?? null,
        startTime: c.startTime ?? null,
      }
    : null;
}
export function cxoneSetFromJson(v: unknown): CxoneSet | null {
  const target = targetOf(v);
  const fromTeams = isObj(v) ? pairOf(v.fromTeams) : null;
  const at = isObj(v) ? num(v.at) : null;
  if (!isObj(v) || !target || !fromTeams || at === null) return null;
  return {
    target,
    at,
    sentAt: num(v.sentAt) ?? at,
    fromTeams,
    teamsMovedOn: v.teamsMovedOn === true,
    lostAt: num(v.lostAt),
    startTime: typeof v.startTime === 'string' ? v.startTime : null,
  };
}
function pendingToJson(p: PendingChange | null): J | null {
  return p ? { ...p.target, fromTeams: p.fromTeams, ruleId: p.ruleId, rowIndex: p.rowIndex, since: p.since } : null;
}
function pendingFromJson(v: unknown): PendingChange | null {
  const target = targetOf(v);
  if (!isObj(v) || !target) return null;
  const fromTeams = pairOf(v.fromTeams);
  const since = num(v.since);
  const rowIndex = num(v.rowIndex);
  if (!fromTeams || since === null || rowIndex === null || typeof v.ruleId !== 'string') return null;
  return { target, fromTeams, ruleId: v.ruleId, rowIndex, since };
}
function snapshotFromJson(v: unknown): AgentStateSnapshot | null {
  if (!isObj(v) || typeof v.agentId !== 'string' || typeof v.state !== 'string') return null;
  return {
    agentId: v.agentId,
    state: v.state,
    outStateId: num(v.outStateId),
    outStateName: typeof v.outStateName === 'string' ? v.outStateName : null,
    isAcw: v.isAcw === true,
    contactId: typeof v.contactId === 'string' ? v.contactId : null,
    isOutbound: v.isOutbound === true,
    agentToAgent: v.agentToAgent === true,
    startTime: typeof v.startTime === 'string' ? v.startTime : new Date(0).toISOString(),
  };
}

export async function loadUsers(db: Db, connectionId: string, agentId?: string): Promise<PersistedUser[]> {
  const where = agentId
    ? and(eq(syncState.connectionId, connectionId), eq(syncState.agentId, agentId))
    : eq(syncState.connectionId, connectionId);
  const rows = await db.select().from(syncState).where(where);
  return rows.map((r) => {
    const snap = snapshotFromJson(r.cxoneState);
    const pres = pairOf(r.teamsPresence);
    const seq =
      isObj(r.teamsPresence) && typeof r.teamsPresence.sequenceNumber === 'string' ? r.teamsPresence.sequenceNumber : null;
    return {
      agentId: r.agentId,
      cxone: snap ? { state: snap, observedAt: r.cxoneSeenAt?.getTime() ?? 0 } : null,
      teams: pres ? { presence: { ...pres, sequenceNumber: seq }, observedAt: r.teamsSeenAt?.getTime() ?? 0 } : null,
      teamsSet: teamsSetFromJson(r.teamsSet),
      cxoneSet: cxoneSetFromJson(r.cxoneSet),
      pending: pendingFromJson(r.pending),
      lastReason: r.lastReason,
      lastSyncAt: r.lastSyncAt?.getTime() ?? null,
    };
  });
}

/** Upserts many users in one statement (the engine batches; ownership must survive a restart). */
export async function saveUsers(db: Db, connectionId: string, users: readonly PersistedUser[]): Promise<void> {
  const now = new Date();
  for (let i = 0; i < users.length; i += 500) {
    await bulkInsert(
      db,
      syncState,
      SYNC_STATE_KEYS,
      users.slice(i, i + 500).map((u) => ({
        connectionId,
        agentId: u.agentId,
        cxoneState: u.cxone?.state ?? null,
        cxoneSeenAt: u.cxone ? new Date(u.cxone.observedAt) : null,
        teamsPresence: u.teams ? u.teams.presence : null,
        teamsSeenAt: u.teams ? new Date(u.teams.observedAt) : null,
        teamsSet: teamsSetToJson(u.teamsSet),
        cxoneSet: cxoneSetToJson(u.cxoneSet),
        pending: pendingToJson(u.pending),
        lastReason: u.lastReason,
        lastSyncAt: u.lastSyncAt === null ? null : new Date(u.lastSyncAt),
        updatedAt: now,
      })),
      { onConflict: { target: ['connectionId', 'agentId'], update: SYNC_STATE_KEYS.slice(2) } },
    );
  }
}

const SYNC_STATE_KEYS = [
  'connectionId',
  'agentId',
  'cxoneState',
  'cxoneSeenAt',
  'teamsPresence',
  'teamsSeenAt',
  'teamsSet',
  'cxoneSet',
  'pending',
  'lastReason',
  'lastSyncAt',
  'updatedAt',
] as const;

export interface DecisionRow {
  connectionId: string;
  record: DecisionRecord;
  at: number;
  delayMs: number | null;
}

/** One multi-row insert per batch: 50 decisions/s costs a few statements per second. */
export async function insertDecisions(db: Db, rows: readonly DecisionRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    await bulkInsert(
      db,
      decisions,
      ['connectionId', 'agentId', 'userId', 'at', 'direction', 'reason', 'ruleId', 'rowIndex', 'inputs', 'actions', 'delayMs'],
      rows.slice(i, i + 500).map((r) => ({
        connectionId: r.connectionId,
        agentId: r.record.agentId,
        userId: r.record.userId,
        at: new Date(r.at),
        direction: r.record.direction,
        reason: r.record.reason,
        ruleId: r.record.ruleId,
        rowIndex: r.record.rowIndex,
        inputs: r.record.inputs,
        actions: r.record.actions,
        delayMs: r.delayMs === null ? null : Math.max(0, Math.round(r.delayMs)),
      })),
    );
  }
}

/** Keeps the decision log bounded: at most `keepPerUser` per agent, none older than `maxAgeMs`. */
export async function pruneDecisions(
  db: Db,
  connectionId: string,
  opts: { keepPerUser: number; maxAgeMs: number; now: number },
): Promise<void> {
  await db
    .delete(decisions)
    .where(and(eq(decisions.connectionId, connectionId), lt(decisions.at, new Date(opts.now - opts.maxAgeMs))));
  await db.execute(sql`
    delete from ${decisions} where ${decisions.id} in (
      select id from (
        select id, row_number() over (partition by agent_id order by at desc, id desc) as rn
        from ${decisions} where connection_id = ${connectionId}
      ) ranked where rn > ${opts.keepPerUser}
    )`);
}

export interface DecisionQuery {
  agentId?: string;
  reason?: string;
  limit: number;
}

export async function queryDecisions(db: Db, connectionId: string, q: DecisionQuery) {
  const conds = [eq(decisions.connectionId, connectionId)];
  if (q.agentId) conds.push(eq(decisions.agentId, q.agentId));
  if (q.reason) conds.push(eq(decisions.reason, q.reason));
  return db
    .select()
    .from(decisions)
    .where(and(...conds))
    .orderBy(desc(decisions.at), desc(decisions.id))
    .limit(Math.max(1, Math.min(q.limit, 1000)));
}
