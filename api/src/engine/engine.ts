import { randomUUID } from 'node:crypto';
import type {
  Clock,
  ConnectionRuntime,
  ConnectionRuntimeProvider,
  FaultKind,
  NoticeSink,
  SyncEvent,
  SyncEventSink,
  WriteUrgency,
} from '../domain/ports.ts';
import { systemClock } from '../domain/ports.ts';
import type { ExternalError, ReasonCode } from '../domain/reasons.ts';
import type { Logger } from '../logging.ts';
import type { Storage } from '../storage/db.ts';
import { createGroupCommit } from '../storage/group-commit.ts';
import { createLeaseManager } from '../storage/leases.ts';
import { decide } from './decide.ts';
import { asExternal, execute, retryDelayMs, serviceOf, urgencyOf } from './execute.ts';
import { affectedAgents, type ConnectionSettings, emptySettings, knownAgents, loadSettings, ruleFor } from './settings.ts';
import {
  type DecisionQuery,
  type DecisionRow,
  insertDecisions,
  loadUsers,
  type PersistedUser,
  pruneDecisions,
  queryDecisions,
  saveUsers,
} from './state-store.ts';
import { keepAliveDueAt, RENEW_BEFORE_EXPIRY_MS } from './timing.ts';
import type {
  CxoneSet,
  DecisionRecord,
  ManualTracking,
  ObservedCxone,
  ObservedTeams,
  PendingChange,
  TeamsSet,
  Trigger,
} from './types.ts';
import {
  applyWritten,
  confirmCxoneSet,
  mergeTrigger,
  mergeUrgency,
  newUserState,
  observeCxone,
  observeTeams,
  type UserState,
} from './user-state.ts';

export interface SyncEngineOptions {
  /** Users reconciled in parallel across all connections (one at a time per user). */
  workers?: number;
  /** Full re-read of both sides and reconcile of everyone, healing lost events. */
  sweepIntervalMs?: number;
  /** How often due keep-alives, retries and manual-status rechecks are looked for. */
  keepAliveCheckMs?: number;
  /** Lease time-to-live; renewed every third of it. */
  leaseTtlMs?: number;
  /** Write-behind of sync_state and decisions. */
  flushIntervalMs?: number;
  /**
   * A settings change re-deciding more users than this is a bulk change (a first rule for everyone):
   * its writes go in the background, so it can never fill the Graph window that the next small change
   * an admin is watching needs (default 1,000).
   */
  bulkChangeUsers?: number;
  /** Decision log bounds. */
  keepDecisionsPerUser?: number;
  keepDecisionsMs?: number;
}

export interface SyncEngineDeps {
  storage: Storage;
  runtimes: ConnectionRuntimeProvider;
  notices: NoticeSink;
  logger: Logger;
  clock?: Clock;
  instanceId?: string;
  options?: SyncEngineOptions;
}

export interface UserStatus {
  connectionId: string;
  agentId: string;
  userId: string | null;
  included: boolean | null;
  rule: { id: string; via: 'user' | 'team' | 'default' } | null;
  cxone: ObservedCxone | null;
  teams: ObservedTeams | null;
  teamsSet: TeamsSet | null;
  cxoneSet: CxoneSet | null;
  pending: PendingChange | null;
  manual: ManualTracking | null;
  lastReason: string | null;
  lastSyncAt: number | null;
  /** Whether this replica runs the connection's engine (else the values come from sync_state). */
  live: boolean;
}

export interface SyncEngine extends SyncEventSink {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when nothing is runnable, nothing is in flight and everything is persisted. Users waiting out a retry backoff do not count. */
  idle(): Promise<void>;
  /** Reconciles these agents now (e.g. after an admin's "sync now") and waits for it. */
  reconcileNow(connectionId: string, agentIds: readonly string[] | 'all'): Promise<void>;
  /** Runs due keep-alives/retries/rechecks now (the timer calls it; tests with a manual clock too). */
  tick(): void;
  /** Re-reads both sides of every held connection and reconciles everyone (the timer calls it). */
  sweep(): Promise<void>;
  userStatus(connectionId: string, agentId: string): Promise<UserStatus | null>;
  recentDecisions(connectionId: string, q: DecisionQuery): Promise<Awaited<ReturnType<typeof queryDecisions>>>;
  /** Connections whose engine runs here (lease held). */
  heldConnections(): string[];
  /** Whether this replica runs (or is loading) the connection's engine, so events published here are taken. */
  holds(connectionId: string): boolean;
}

interface Conn {
  id: string;
  settings: ConnectionSettings;
  runtime: ConnectionRuntime;
  users: Map<string, UserState>;
  /** Agents whose sync_state row must be written by the next flush. */
  toPersist: Set<string>;
  openFaults: Set<string>;
  settingsChain: Promise<void>;
  lastPruneAt: number;
}

const STEADY: ReadonlySet<string> = new Set(['applied', 'unchanged', 'keep_alive']);

const FAULT_OF: Partial<Record<ReasonCode, FaultKind>> = {
  throttled: 'throttling',
  permission_missing: 'permission_missing',
  cxone_unreachable: 'cxone_unreachable',
  graph_unreachable: 'graph_unreachable',
};

/**
 * The sync engine, level-triggered: events only update what each side shows and mark the user
 * dirty; workers reconcile dirty users with `decide()` (one at a time per user, many users in
 * parallel), so any number of changes before a write collapse into one write of the latest desired
 * state. A periodic sweep re-reads both sides and reconciles everyone, healing lost events. One
 * replica runs a connection at a time (lease `engine:<connectionId>`); state and decisions are
 * written behind in batches.
 */
export function createSyncEngine(deps: SyncEngineDeps): SyncEngine {
  const clock = deps.clock ?? systemClock;
  const log = deps.logger.child({ component: 'engine' });
  const opt = {
    workers: deps.options?.workers ?? 16,
    sweepIntervalMs: deps.options?.sweepIntervalMs ?? 60_000,
    keepAliveCheckMs: deps.options?.keepAliveCheckMs ?? 1_000,
    leaseTtlMs: deps.options?.leaseTtlMs ?? 30_000,
    flushIntervalMs: deps.options?.flushIntervalMs ?? 200,
    bulkChangeUsers: deps.options?.bulkChangeUsers ?? 1_000,
    keepDecisionsPerUser: deps.options?.keepDecisionsPerUser ?? 200,
    keepDecisionsMs: deps.options?.keepDecisionsMs ?? 7 * 24 * 3_600_000,
  };
  const db = deps.storage.db;
  const leases = createLeaseManager(db, deps.instanceId ?? `engine-${randomUUID()}`, clock, deps.storage.liveness);
  const conns = new Map<string, Conn>();
  // What we set, saved by many workers at once, goes to the database together: one upsert per handful
  // of users instead of one each (at 500 Teams changes/s that was ~110 statements/s, the server's
  // largest share of database work). Each worker still waits for the commit holding its own row.
  const saveSet = createGroupCommit<{ connectionId: string; user: PersistedUser }>(
    async (rows) => {
      const byConn = new Map<string, Map<string, PersistedUser>>();
      for (const r of rows) {
        const users = byConn.get(r.connectionId) ?? new Map<string, PersistedUser>();
        byConn.set(r.connectionId, users);
        users.set(r.user.agentId, r.user); // one row per user in a statement: the latest
      }
      for (const [connectionId, users] of byConn) await saveUsers(db, connectionId, [...users.values()]);
    },
    { maxInFlight: 2 },
  );
  const loading = new Map<string, { promise: Promise<Conn | null>; buffered: SyncEvent[] }>();
  /** Users waiting for a reconcile: `urgent` (live and admin work) is served before `dirty`. */
  const urgent = new Map<string, { conn: Conn; user: UserState }>();
  const dirty = new Map<string, { conn: Conn; user: UserState }>();
  const inflight = new Set<string>();
  const ops = new Set<Promise<unknown>>();
  let decisionBuffer: DecisionRow[] = [];
  const timers: NodeJS.Timeout[] = [];
  let stopped = false;
  let flushing: Promise<void> | null = null;

  const key = (connId: string, agentId: string) => `${connId}\u0000${agentId}`;
  const leaseName = (connId: string) => `engine:${connId}`;

  function track<T>(p: Promise<T>): Promise<T> {
    ops.add(p);
    const done = () => ops.delete(p);
    p.then(done, done);
    return p;
  }

  function userOf(conn: Conn, agentId: string): UserState {
    let u = conn.users.get(agentId);
    if (!u) {
      u = newUserState(agentId);
      conn.users.set(agentId, u);
    }
    return u;
  }

  function markDirty(conn: Conn, user: UserState, trigger: Trigger, eventAt: number | null, urgency: WriteUrgency): void {
    user.trigger = mergeTrigger(user.trigger, trigger);
    user.urgency = mergeUrgency(user.urgency, urgency);
    if (eventAt !== null && (user.eventAt === null || eventAt < user.eventAt)) user.eventAt = eventAt;
    const k = key(conn.id, user.agentId);
    // Someone waits for live and admin work: it goes ahead of a 10,000-user sweep in the queue.
    if (user.urgency !== 'background') {
      dirty.delete(k);
      if (!urgent.has(k)) urgent.set(k, { conn, user });
    } else if (!dirty.has(k) && !urgent.has(k)) dirty.set(k, { conn, user });
    pump();
  }

  // ---- events -------------------------------------------------------------------------------

  function publish(event: SyncEvent): void {
    if (stopped) return;
    const conn = conns.get(event.connectionId);
    if (!conn) {
      const l = loading.get(event.connectionId);
      if (l) l.buffered.push(event);
      // Not ours (another replica holds the lease) or unknown: that replica's sweep covers it.
      return;
    }
    ingest(conn, event);
  }

  function ingest(conn: Conn, event: SyncEvent): void {
    switch (event.kind) {
      case 'cxone_state': {
        const u = userOf(conn, event.state.agentId);
        const changed = observeCxone(u, event.state, event.observedAt);
        // A repeat only refreshes the read time: not worth a row write (a sweep repeats everyone).
        if (changed) conn.toPersist.add(u.agentId);
        if (changed || event.source === 'sweep')
          markDirty(conn, u, changed ? 'cxone' : 'sweep', event.observedAt, event.source === 'sweep' ? 'background' : 'live');
        return;
      }
      case 'teams_presence': {
        const agentId = conn.settings.agentByUser.get(event.userId);
        if (!agentId) return; // not a mapped user: nothing to sync it to
        const u = userOf(conn, agentId);
        const changed = observeTeams(u, event.presence, event.observedAt);
        if (changed) conn.toPersist.add(u.agentId);
        if (changed || event.source === 'sweep')
          markDirty(conn, u, changed ? 'teams' : 'sweep', event.observedAt, event.source === 'sweep' ? 'background' : 'live');
        return;
      }
      case 'settings_changed':
        void track(reloadSettings(conn, event.agentIds, event.observedAt));
        return;
    }
  }

  /** Cache invalidation: reload this connection's settings, then mark exactly the affected users. */
  function reloadSettings(conn: Conn, agentIds: readonly string[] | 'all', at: number): Promise<void> {
    conn.settingsChain = conn.settingsChain.then(async () => {
      const before = conn.settings;
      let after: ConnectionSettings;
      try {
        after = await loadSettings(db, conn.id);
      } catch (err) {
        log.error({ err, connectionId: conn.id }, 'reloading settings failed; the next sweep retries');
        return;
      }
      if (after.invalidRules.length)
        log.warn({ connectionId: conn.id, rules: after.invalidRules }, 'stored rules failed validation: not applied');
      conn.settings = after;
      const ids =
        agentIds === 'all'
          ? affectedAgents(before, after, new Set([...knownAgents(before), ...knownAgents(after), ...conn.users.keys()]))
          : agentIds;
      // A bulk change runs like a catch-up; with the admin tier it took 90 % of the window for 30 s and
      // the admin's next rule change waited ~9 s behind it (10,000 agents).
      const urgency = ids.length > opt.bulkChangeUsers ? 'background' : 'admin';
      for (const id of ids) markDirty(conn, userOf(conn, id), 'settings', at, urgency);
    });
    return conn.settingsChain;
  }

  // ---- workers ------------------------------------------------------------------------------

  // A reconcile that needs no I/O (the user is already right: most of a sweep) ends in microtasks,
  // and its finally() pumps the next: a 10,000-user sweep would run as one 100–270 ms stretch that
  // holds up webhooks, timers and live events. Give the event loop a turn every SLICE_MS instead.
  const SLICE_MS = 8;
  let sliceStartedAt = -1;
  let pumpQueued = false;
  function pumpLater(): void {
    if (pumpQueued) return;
    pumpQueued = true;
    setImmediate(() => {
      pumpQueued = false;
      pump();
    });
  }

  function pump(): void {
    if (stopped) return;
    const t = performance.now();
    if (sliceStartedAt < 0) {
      sliceStartedAt = t;
      // Runs once the current macrotask and its microtasks are done: the next slice starts fresh.
      setImmediate(() => {
        sliceStartedAt = -1;
      });
    } else if (t - sliceStartedAt > SLICE_MS) {
      pumpLater();
      return;
    }
    const now = clock.now();
    for (const queue of [urgent, dirty])
      for (const [k, item] of queue) {
        if (inflight.size >= opt.workers) return;
        if (inflight.has(k)) continue; // per-user ordering: picked up again when the current run ends
        queue.delete(k);
        if (item.user.retryAt !== null && item.user.retryAt > now) continue; // waits out its backoff; tick() brings it back
        inflight.add(k);
        void track(
          reconcile(item.conn, item.user)
            .catch((err) => log.error({ err, agentId: item.user.agentId }, 'reconcile failed'))
            .finally(() => {
              inflight.delete(k);
              pump();
            }),
        );
      }
  }

  async function reconcile(conn: Conn, u: UserState): Promise<void> {
    const trigger = u.trigger ?? 'sweep';
    const urgency = u.urgency ?? 'background';
    const eventAt = u.eventAt;
    const before = { teamsSet: u.teamsSet, cxoneSet: u.cxoneSet, pending: u.pending, lastReason: u.lastReason };
    u.trigger = null;
    u.urgency = null;
    u.eventAt = null;
    const now = clock.now();
    const s = conn.settings;
    const mapping = s.mappings.get(u.agentId) ?? null;
    confirmCxoneSet(u);
    const d = decide({
      agentId: u.agentId,
      teamId: s.teamOf.get(u.agentId) ?? null,
      mapping,
      rule: ruleFor(s, u.agentId),
      cxone: u.cxone,
      teams: u.teams,
      teamsSet: u.teamsSet,
      teamsCleared: u.teamsCleared,
      cxoneSet: u.cxoneSet,
      pending: u.pending,
      manual: u.manual,
      trigger,
      now,
    });
    u.pending = d.pending;
    u.manual = d.manual;
    if (d.forget.teams) u.teamsSet = null;
    else if (d.forget.teamsReplaced && u.teamsSet) u.teamsSet = { ...u.teamsSet, lostAt: now };
    if (d.forget.cxone && u.cxoneSet) u.cxoneSet = { ...u.cxoneSet, lostAt: now };
    const userId = mapping?.userId ?? u.teamsSet?.userId;
    for (const n of d.notices) {
      if (!userId) break;
      if (n.kind === 'manual_status_blocking') deps.notices.notify({ ...n, connectionId: conn.id, agentId: u.agentId, userId });
      else deps.notices.notify({ kind: 'manual_status_resolved', connectionId: conn.id, agentId: u.agentId, userId, at: now });
    }

    let failure: { err: ExternalError; index: number } | null = null;
    // Act only on current knowledge: if a new observation arrives while earlier writes of this
    // decision are in flight, the rest is dropped and the user is decided again at once.
    const seenCxone = u.cxone;
    const seenTeams = u.teams;
    let superseded = -1;
    for (const [index, a] of d.actions.entries()) {
      if (index > 0 && (u.cxone !== seenCxone || u.teams !== seenTeams)) {
        superseded = index;
        break;
      }
      try {
        const sentAt = clock.now();
        await execute(conn.runtime, a, urgencyOf(urgency, a));
        applyWritten(u, a, clock.now(), sentAt);
        healFault(conn, serviceOf(a));
      } catch (raw) {
        failure = { err: asExternal(raw, serviceOf(a)), index };
        if (!(raw instanceof Error && raw.name === 'ExternalError'))
          log.error({ err: raw, agentId: u.agentId }, 'unexpected write failure');
        break;
      }
    }
    const doneAt = clock.now();
    const skipped = new Set(superseded >= 0 ? d.actions.slice(superseded) : []);
    const records = (failure ? withFailure(d.records, d.actions, failure) : d.records).filter(
      // A direction whose writes were all dropped is not logged: the re-decision that follows is.
      (r) => !(r.actions.length > 0 && r.actions.every((a) => skipped.has(a))),
    );
    const primary = failure ? (records.find((r) => r.reason === failure.err.reason) ?? d.record) : d.record;
    for (const r of records) {
      const dirKey = r.direction;
      const last = u.lastReasons[dirKey];
      // The log explains changes: a steady state (applied → unchanged → keep-alive re-sends, every
      // sweep) is one record, not one per sweep or per 4-minute keep-alive.
      const quiet = (r.reason === 'unchanged' || r.reason === 'keep_alive') && last !== undefined && STEADY.has(last);
      if (!quiet && (r.actions.length > 0 || last !== r.reason)) {
        decisionBuffer.push({
          connectionId: conn.id,
          record: r,
          at: doneAt,
          delayMs: r.actions.length && eventAt !== null ? doneAt - eventAt : null,
        });
        u.lastReasons[dirKey] = r.reason;
      }
    }
    u.lastReason = primary.reason;
    u.lastSyncAt = doneAt;
    if (failure) {
      u.failures += 1;
      u.retryAt = doneAt + retryDelayMs(failure.err, u.failures);
      u.trigger = mergeTrigger(u.trigger, trigger);
      u.urgency = mergeUrgency(u.urgency, urgency);
      if (u.eventAt === null) u.eventAt = eventAt;
      openFault(conn, failure.err);
    } else {
      u.failures = 0;
      u.retryAt = null;
    }
    if (superseded >= 0 && !failure) markDirty(conn, u, trigger, eventAt, urgency);
    const due = [u.teamsSet ? keepAliveDueAt(u.teamsSet) : null, d.recheckAt].filter((x): x is number => x !== null);
    u.dueAt = due.length ? Math.min(...due) : null;
    // What we set is saved before the user is released, not behind: a process killed right after a
    // write must still know on restart that the state is its own (else it would treat it as a
    // person's). Everything else is written behind. Persist only what changed.
    if (u.teamsSet !== before.teamsSet || u.cxoneSet !== before.cxoneSet) {
      try {
        await saveSet([{ connectionId: conn.id, user: persisted(u) }]);
      } catch (err) {
        conn.toPersist.add(u.agentId);
        log.warn({ err, agentId: u.agentId }, 'saving what we set failed; written behind instead');
      }
    } else if (JSON.stringify(u.pending) !== JSON.stringify(before.pending) || u.lastReason !== before.lastReason)
      conn.toPersist.add(u.agentId);
  }

  /** The failed write's direction records the failure's reason (throttled, permission_missing…). */
  function withFailure(
    records: DecisionRecord[],
    actions: DecisionRecord['actions'],
    f: { err: ExternalError; index: number },
  ): DecisionRecord[] {
    const failed = actions[f.index];
    const dir = failed && serviceOf(failed) === 'cxone' ? 'teams_to_cxone' : 'cxone_to_teams';
    return records.map((r) =>
      r.direction === dir || r.direction === 'none'
        ? {
            ...r,
            reason: f.err.reason,
            inputs: {
              ...r.inputs,
              intended: r.reason,
              error: f.err.message,
              ...(f.err.extra.retryAfterMs !== undefined ? { retryAfterMs: f.err.extra.retryAfterMs } : {}),
              ...(f.err.extra.permission ? { permission: f.err.extra.permission } : {}),
            },
          }
        : r,
    );
  }

  // ---- faults (deduplicated by key per connection) -------------------------------------------

  function openFault(conn: Conn, err: ExternalError): void {
    const fault = FAULT_OF[err.reason];
    if (!fault) return;
    const service = err.extra.service ?? (err.reason.startsWith('cxone') ? 'cxone' : 'graph');
    const k = `${fault}:${service}`;
    if (conn.openFaults.has(k)) return;
    conn.openFaults.add(k);
    deps.notices.notify({
      kind: 'fault',
      connectionId: conn.id,
      fault,
      key: k,
      message: err.message,
      details: { service, reason: err.reason, ...(err.extra.permission ? { permission: err.extra.permission } : {}) },
      at: clock.now(),
    });
  }

  /** A success heals that service's faults; a successful read only the transient ones (a read says nothing about write permission). */
  function healFault(conn: Conn, service: 'graph' | 'cxone', readOnly = false): void {
    if (conn.openFaults.size === 0) return;
    for (const k of [...conn.openFaults]) {
      if (!k.endsWith(`:${service}`)) continue;
      if (readOnly && k.startsWith('permission_missing')) continue;
      conn.openFaults.delete(k);
      const fault = k.slice(0, k.indexOf(':')) as FaultKind;
      deps.notices.notify({ kind: 'fault_healed', connectionId: conn.id, fault, key: k, at: clock.now() });
    }
  }

  // ---- timers: keep-alives, retries, rechecks -------------------------------------------------

  function tick(): void {
    const now = clock.now();
    for (const conn of conns.values())
      for (const u of conn.users.values()) {
        if (u.retryAt !== null && u.retryAt <= now) {
          u.retryAt = null;
          markDirty(conn, u, u.trigger ?? 'sweep', null, u.urgency ?? 'background');
        } else if (u.dueAt !== null && u.dueAt <= now && u.retryAt === null) {
          u.dueAt = null;
          markDirty(conn, u, 'keepalive', null, 'background');
        }
      }
  }

  // ---- persistence (write-behind) ------------------------------------------------------------

  function flush(): Promise<void> {
    if (flushing) return flushing;
    flushing = writeBehind().finally(() => {
      flushing = null;
    });
    return flushing;
  }

  async function writeBehind(): Promise<void> {
    for (const conn of conns.values()) {
      if (conn.toPersist.size === 0) continue;
      const ids = [...conn.toPersist];
      conn.toPersist.clear();
      const rows: PersistedUser[] = [];
      for (const id of ids) {
        const u = conn.users.get(id);
        if (u) rows.push(persisted(u));
      }
      try {
        await saveUsers(db, conn.id, rows);
      } catch (err) {
        for (const id of ids) conn.toPersist.add(id);
        log.error({ err, connectionId: conn.id }, 'saving sync state failed; will retry');
      }
    }
    if (decisionBuffer.length) {
      const batch = decisionBuffer;
      decisionBuffer = [];
      try {
        await insertDecisions(db, batch);
      } catch (err) {
        // Records are explanations, not state: on a database outage keep a bounded backlog.
        decisionBuffer = [...batch.slice(-5_000), ...decisionBuffer];
        log.error({ err, count: batch.length }, 'saving decisions failed; will retry');
      }
    }
  }

  const persisted = (u: UserState): PersistedUser => ({
    agentId: u.agentId,
    cxone: u.cxone,
    teams: u.teams,
    teamsSet: u.teamsSet,
    cxoneSet: u.cxoneSet,
    pending: u.pending,
    lastReason: u.lastReason,
    lastSyncAt: u.lastSyncAt,
  });

  // ---- connections and leases ----------------------------------------------------------------

  async function load(connectionId: string): Promise<Conn | null> {
    const entry = { buffered: [] as SyncEvent[], promise: Promise.resolve(null as Conn | null) };
    entry.promise = (async () => {
      const [runtime, settings, users] = await Promise.all([
        deps.runtimes.get(connectionId),
        loadSettings(db, connectionId),
        loadUsers(db, connectionId),
      ]);
      const conn: Conn = {
        id: connectionId,
        settings,
        runtime,
        users: new Map(),
        toPersist: new Set(),
        openFaults: new Set(),
        settingsChain: Promise.resolve(),
        lastPruneAt: clock.now(),
      };
      for (const p of users) {
        const u = newUserState(p.agentId);
        Object.assign(u, { cxone: p.cxone, teams: p.teams, teamsSet: p.teamsSet, cxoneSet: p.cxoneSet, pending: p.pending });
        u.lastReason = p.lastReason;
        u.lastSyncAt = p.lastSyncAt;
        // A process killed between a Graph write and its record leaves our session showing a pair
        // the record does not know, which would then pass for a person's. So a session we hold is
        // renewed once on load (a keep-alive in the background): it puts back what we recorded.
        if (u.teamsSet && !u.teamsSet.preferred)
          u.teamsSet = { ...u.teamsSet, expiresAt: Math.min(u.teamsSet.expiresAt, clock.now() + RENEW_BEFORE_EXPIRY_MS) };
        u.dueAt = u.teamsSet ? keepAliveDueAt(u.teamsSet) : null;
        conn.users.set(p.agentId, u);
      }
      for (const id of knownAgents(settings)) userOf(conn, id);
      return conn;
    })();
    loading.set(connectionId, entry);
    try {
      const conn = await entry.promise;
      if (!conn || stopped) return null;
      conns.set(connectionId, conn);
      for (const e of entry.buffered) ingest(conn, e);
      log.info({ connectionId, users: conn.users.size }, 'engine running for connection');
      return conn;
    } finally {
      loading.delete(connectionId);
    }
  }

  async function leaseRound(): Promise<void> {
    let ids: string[];
    try {
      ids = await deps.runtimes.listConnectionIds();
    } catch (err) {
      log.error({ err }, 'listing connections failed');
      return;
    }
    for (const id of conns.keys())
      if (!ids.includes(id)) {
        conns.delete(id);
        await leases.release(leaseName(id)).catch(() => {});
      }
    for (const id of ids) {
      if (stopped) return;
      try {
        if (conns.has(id)) {
          if (!(await leases.renew(leaseName(id), opt.leaseTtlMs))) {
            // Lost (e.g. paused past the TTL): another replica runs it now. Stop writing at once.
            log.warn({ connectionId: id }, 'engine lease lost');
            conns.delete(id);
            for (const queue of [urgent, dirty])
              for (const k of [...queue.keys()]) if (k.startsWith(`${id}\u0000`)) queue.delete(k);
          }
        } else if (!loading.has(id) && (await leases.tryAcquire(leaseName(id), opt.leaseTtlMs))) {
          const conn = await load(id);
          if (conn) await sweepConn(conn);
        }
      } catch (err) {
        log.error({ err, connectionId: id }, 'engine lease round failed');
      }
    }
  }

  // ---- sweep --------------------------------------------------------------------------------

  async function sweepConn(conn: Conn): Promise<void> {
    const now = clock.now();
    try {
      for (const s of await conn.runtime.cxone.getAgentStates())
        ingest(conn, { kind: 'cxone_state', connectionId: conn.id, state: s, observedAt: now, source: 'sweep' });
      healFault(conn, 'cxone', true);
    } catch (raw) {
      openFault(conn, asExternal(raw, 'cxone'));
      log.warn({ err: raw, connectionId: conn.id }, 'sweep: reading CXone states failed');
    }
    const userIds = [...conn.settings.mappings.values()].filter((m) => m.included).map((m) => m.userId);
    if (userIds.length)
      try {
        const got = await conn.runtime.teams.getPresences(userIds);
        for (const [userId, presence] of got)
          ingest(conn, { kind: 'teams_presence', connectionId: conn.id, userId, presence, observedAt: now, source: 'sweep' });
        healFault(conn, 'graph', true);
      } catch (raw) {
        openFault(conn, asExternal(raw, 'graph'));
        log.warn({ err: raw, connectionId: conn.id }, 'sweep: reading Teams presences failed');
      }
    for (const u of conn.users.values()) markDirty(conn, u, 'sweep', null, 'background');
    if (now - conn.lastPruneAt >= 10 * 60_000) {
      conn.lastPruneAt = now;
      await flush();
      await pruneDecisions(db, conn.id, { keepPerUser: opt.keepDecisionsPerUser, maxAgeMs: opt.keepDecisionsMs, now }).catch(
        (err) => log.error({ err }, 'pruning decisions failed'),
      );
    }
  }

  async function sweep(): Promise<void> {
    await Promise.all([...conns.values()].map((c) => track(sweepConn(c))));
  }

  // ---- public -------------------------------------------------------------------------------

  const quiet = () => ops.size === 0 && inflight.size === 0 && dirty.size === 0 && urgent.size === 0 && loading.size === 0;

  async function idle(): Promise<void> {
    // Persistence is write-behind: a few flush rounds catch what arrived during a flush, but a
    // database outage must not make idle() hang (the flush timer keeps retrying).
    for (let round = 0; ; round++) {
      while (!quiet()) {
        if (ops.size) await Promise.allSettled([...ops]);
        else await new Promise((r) => setImmediate(r));
      }
      await flush();
      if (quiet() && (!hasUnflushed() || round >= 3)) return;
      // Yield to I/O and timers before looking again (never spin on microtasks).
      await new Promise((r) => setImmediate(r));
    }
  }
  const hasUnflushed = () => decisionBuffer.length > 0 || [...conns.values()].some((c) => c.toPersist.size > 0);

  return {
    publish,
    tick,
    sweep,
    idle,
    heldConnections: () => [...conns.keys()],
    // While loading, publish() buffers for the connection: it is ours already.
    holds: (connectionId) => conns.has(connectionId) || loading.has(connectionId),
    async start() {
      stopped = false;
      await leaseRound();
      timers.push(
        // At most 5 s apart: a replica replacing a killed one takes over within ~DEAD_CONFIRM_MS + 5 s.
        setInterval(() => void track(leaseRound()), Math.max(1_000, Math.min(5_000, Math.floor(opt.leaseTtlMs / 3)))),
        setInterval(() => void sweep(), opt.sweepIntervalMs),
        setInterval(tick, opt.keepAliveCheckMs),
        setInterval(() => void flush(), opt.flushIntervalMs),
      );
      for (const t of timers) t.unref();
    },
    async stop() {
      for (const t of timers.splice(0)) clearInterval(t);
      // No new work; what is in flight finishes (a write half-done would lose its ownership record).
      stopped = true;
      dirty.clear();
      urgent.clear();
      await Promise.allSettled([...ops]);
      await flush();
      for (const id of conns.keys()) await leases.release(leaseName(id)).catch(() => {});
      conns.clear();
    },
    async reconcileNow(connectionId, agentIds) {
      const conn = conns.get(connectionId);
      if (!conn) return;
      const ids = agentIds === 'all' ? [...conn.users.keys()] : agentIds;
      for (const id of ids) markDirty(conn, userOf(conn, id), 'sweep', null, 'background');
      await idle();
    },
    async userStatus(connectionId, agentId) {
      const conn = conns.get(connectionId);
      const settings = conn?.settings ?? (await loadSettings(db, connectionId).catch(() => emptySettings()));
      const m = settings.mappings.get(agentId) ?? null;
      const r = ruleFor(settings, agentId);
      const base = {
        connectionId,
        agentId,
        userId: m?.userId ?? null,
        included: m?.included ?? null,
        rule: r ? { id: r.id, via: r.via } : null,
      };
      const u = conn?.users.get(agentId);
      if (u)
        return {
          ...base,
          cxone: u.cxone,
          teams: u.teams,
          teamsSet: u.teamsSet,
          cxoneSet: u.cxoneSet,
          pending: u.pending,
          manual: u.manual,
          lastReason: u.lastReason,
          lastSyncAt: u.lastSyncAt,
          live: true,
        };
      const [p] = await loadUsers(db, connectionId, agentId);
      if (!p && !m) return null;
      return {
        ...base,
        cxone: p?.cxone ?? null,
        teams: p?.teams ?? null,
        teamsSet: p?.teamsSet ?? null,
        cxoneSet: p?.cxoneSet ?? null,
        pending: p?.pending ?? null,
        manual: null,
        lastReason: p?.lastReason ?? null,
        lastSyncAt: p?.lastSyncAt ?? null,
        live: false,
      };
    },
    async recentDecisions(connectionId, q) {
      await flush();
      return queryDecisions(db, connectionId, q);
    },
  };
}
