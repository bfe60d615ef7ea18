import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExternalError } from '../../api/src/domain/reasons.ts';
import { type RuleRow, ruleRowSchema } from '../../api/src/domain/rules.ts';
import { createSyncEngine, type SyncEngine, type SyncEngineOptions } from '../../api/src/engine/engine.ts';
import { insertDecisions, pruneDecisions, queryDecisions } from '../../api/src/engine/state-store.ts';
import { MANUAL_CONFIRM_MS } from '../../api/src/engine/timing.ts';
import { createLogger } from '../../api/src/logging.ts';
import type { Storage } from '../../api/src/storage/db.ts';
import { mappings, ruleAssignments } from '../../api/src/storage/schema.ts';
import { defaultBackend, openTestStorage } from '../support/db.ts';
import { assign, seedAgents, seedConnection, seedRule } from './fixtures.ts';
import { FakeCxone, FakeTeams, RecordingNotices, runtimeProvider } from './world.ts';

const P = (availability: string, activity: string) => ({ availability, activity });
const row = (r: unknown): RuleRow => ruleRowSchema.parse(r);
const ROWS: RuleRow[] = [
  row({ direction: 'to_teams', cxone: { condition: 'available' }, teams: P('Available', 'Available') }),
  row({ direction: 'to_teams', cxone: { condition: 'inbound_contact' }, teams: P('Busy', 'InACall') }),
  row({ direction: 'to_teams', cxone: { condition: 'unavailable' }, teams: P('Away', 'Away') }),
  row({ direction: 'to_teams', cxone: { condition: 'logged_out' }, teams: null }),
  row({
    direction: 'to_cxone',
    teams: { availability: 'Busy', activity: 'InAMeeting' },
    cxone: { condition: 'unavailable', outStateId: 6 },
  }),
  row({ direction: 'to_cxone', teams: { availability: 'Available' }, cxone: { condition: 'available' } }),
];
const TEAM_ROWS: RuleRow[] = [row({ direction: 'to_teams', cxone: { condition: 'available' }, teams: P('Busy', 'InACall') })];
const logger = createLogger({ level: process.env.ENGINE_TEST_LOG ?? 'silent' });

describe('sync engine with real storage', () => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await openTestStorage(defaultBackend());
  });
  afterAll(async () => {
    await storage.close();
  });

  async function world(n = 3, options: SyncEngineOptions = {}) {
    const clock = {
      t: 1_800_000_000_000,
      now() {
        return this.t;
      },
    };
    const connectionId = await seedConnection(storage.db, `c-${Math.random()}`);
    const agents = Array.from({ length: n }, (_, i) => ({ agentId: `a${i}`, userId: `u${i}`, teamId: i === 0 ? 'tA' : 'tB' }));
    await seedAgents(storage.db, connectionId, agents);
    const defaultRule = await seedRule(storage.db, connectionId, 'default', ROWS, true);
    const teams = new FakeTeams();
    const cxone = new FakeCxone(() => clock.now());
    const notices = new RecordingNotices();
    const runtimes = runtimeProvider([connectionId], teams, cxone);
    const make = (instanceId: string) =>
      createSyncEngine({
        storage,
        runtimes,
        notices,
        logger,
        clock,
        instanceId,
        options: { sweepIntervalMs: 3_600_000, ...options },
      });
    const engines: SyncEngine[] = [];
    const start = async (instanceId = 'one') => {
      const e = make(instanceId);
      engines.push(e);
      await e.start();
      await e.idle();
      return e;
    };
    const cx = (e: SyncEngine, agentId: string) =>
      e.publish({ kind: 'cxone_state', connectionId, state: cxone.get(agentId)!, observedAt: clock.now(), source: 'poll' });
    const tm = (e: SyncEngine, userId: string) =>
      e.publish({
        kind: 'teams_presence',
        connectionId,
        userId,
        presence: teams.presence(userId),
        observedAt: clock.now(),
        source: 'reader',
      });
    const stopAll = () => Promise.all(engines.map((e) => e.stop()));
    return { clock, connectionId, teams, cxone, notices, start, cx, tm, stopAll, defaultRule };
  }

  it('when CXone changes then Teams follows, the echo is not synced back, and the decision is recorded', async () => {
    const w = await world();
    const e = await w.start();
    w.clock.t += 1_000;
    w.cxone.set('a1', 'Available');
    w.cx(e, 'a1');
    await e.idle();
    expect(w.teams.app.get('u1')).toEqual(P('Available', 'Available'));
    w.clock.t += 1_000;
    w.tm(e, 'u1');
    await e.idle();
    expect(w.cxone.writes).toEqual([]);
    const rec = await e.recentDecisions(w.connectionId, { agentId: 'a1', limit: 10 });
    expect(rec.map((r) => r.reason)).toContain('applied');
    expect(rec.map((r) => r.reason)).toContain('echo_suppressed');
    expect((await e.userStatus(w.connectionId, 'a1'))?.teamsSet?.pair).toEqual(P('Available', 'Available'));
    await w.stopAll();
  });

  it("when writes answer a change they go out live; a rule change as an admin's; catch-up and keep-alives in the background", async () => {
    const w = await world(3);
    for (const a of ['a0', 'a1', 'a2']) w.cxone.set(a, 'Available');
    const e = await w.start();
    // Start-up: the first full read is a catch-up, nobody is waiting on one user's change.
    expect(w.teams.writes.map((x) => x.urgency)).toEqual(['background', 'background', 'background']);
    let seen = w.teams.writes.length;
    w.clock.t += 1_000;
    w.cxone.set('a1', 'Unavailable', { outStateId: 2 });
    w.cx(e, 'a1');
    await e.idle();
    expect(w.teams.writes.slice(seen)).toEqual([{ op: 'setPresence', userId: 'u1', pair: P('Away', 'Away'), urgency: 'live' }]);
    seen = w.teams.writes.length;
    const teamRule = await seedRule(storage.db, w.connectionId, 'team B urgency', TEAM_ROWS);
    await assign(storage.db, w.connectionId, teamRule, 'team', 'tB');
    w.clock.t += 1_000;
    e.publish({ kind: 'settings_changed', connectionId: w.connectionId, agentIds: ['a2'], observedAt: w.clock.now() });
    await e.idle();
    expect(w.teams.writes.slice(seen)).toEqual([
      { op: 'setPresence', userId: 'u2', pair: P('Busy', 'InACall'), urgency: 'admin' },
    ]);
    seen = w.teams.writes.length;
    // Four minutes on, Available (u0) is re-sent before it fades: a keep-alive, in the background.
    w.clock.t += 4 * 60_000 + 1_000;
    await e.reconcileNow(w.connectionId, ['a0']);
    expect(w.teams.writes.slice(seen)).toEqual([
      { op: 'setPresence', userId: 'u0', pair: P('Available', 'Available'), urgency: 'background' },
    ]);
    await storage.db.delete(ruleAssignments).where(eq(ruleAssignments.ruleId, teamRule));
    await w.stopAll();
  });

  it('when a rule change re-decides more users than a bulk change holds then its writes go in the background', async () => {
    const w = await world(3, { bulkChangeUsers: 2 });
    for (const a of ['a0', 'a1', 'a2']) w.cxone.set(a, 'Available');
    const e = await w.start();
    let seen = w.teams.writes.length;
    const teamRule = await seedRule(storage.db, w.connectionId, 'bulk', TEAM_ROWS);
    await assign(storage.db, w.connectionId, teamRule, 'team', 'tB');
    w.clock.t += 1_000;
    // Two users (a1, a2 in team B) is not bulk: the admin waits for them.
    e.publish({ kind: 'settings_changed', connectionId: w.connectionId, agentIds: ['a1', 'a2'], observedAt: w.clock.now() });
    await e.idle();
    expect(w.teams.writes.slice(seen).map((x) => [x.userId, x.urgency])).toEqual([
      ['u1', 'admin'],
      ['u2', 'admin'],
    ]);
    seen = w.teams.writes.length;
    await storage.db.delete(ruleAssignments).where(eq(ruleAssignments.ruleId, teamRule));
    w.clock.t += 1_000;
    // Everyone (three users, over the bound of two): a catch-up.
    e.publish({
      kind: 'settings_changed',
      connectionId: w.connectionId,
      agentIds: ['a0', 'a1', 'a2'],
      observedAt: w.clock.now(),
    });
    await e.idle();
    const bulk = w.teams.writes.slice(seen);
    expect(bulk.length).toBeGreaterThan(0);
    expect(new Set(bulk.map((x) => x.urgency))).toEqual(new Set(['background']));
    await w.stopAll();
  });

  it('when thousands of users need work at once then the engine gives the event loop turns between them', async () => {
    // The fakes answer without I/O, so without slicing the whole pass would run in microtasks and
    // no timer, webhook or socket could run until the last user was done.
    const n = 2_000;
    const w = await world(n);
    const e = await w.start();
    const before = w.teams.writes.length;
    w.clock.t += 1_000;
    for (let i = 0; i < n; i++) w.cxone.set(`a${i}`, 'Available');
    const seen: number[] = [];
    let spinning = true;
    const spin = () => {
      if (!spinning) return;
      seen.push(w.teams.writes.length - before);
      setImmediate(spin);
    };
    setImmediate(spin);
    for (let i = 0; i < n; i++) w.cx(e, `a${i}`);
    await e.idle();
    spinning = false;
    expect(w.teams.writes.length - before).toBe(n);
    // Some turns of the event loop came while the pass was under way.
    expect(seen.some((done) => done > 0 && done < n)).toBe(true);
    await w.stopAll();
  });

  it('when many CXone changes arrive before the write then they collapse into at most two writes of the latest state', async () => {
    const w = await world();
    const e = await w.start();
    const states = ['Available', 'InboundContact', 'Unavailable', 'Available', 'InboundContact'];
    for (let i = 0; i < 20; i++) {
      w.clock.t += 10;
      w.cxone.set('a1', states[i % states.length]!, states[i % states.length] === 'Unavailable' ? { outStateId: 2 } : {});
      w.cx(e, 'a1');
    }
    await e.idle();
    const sets = w.teams.writes.filter((x) => x.userId === 'u1');
    expect(sets.length).toBeLessThanOrEqual(2);
    expect(w.teams.app.get('u1')).toEqual(P('Busy', 'InACall'));
    await w.stopAll();
  });

  it('when Teams goes into a meeting then CXone is set, the CXone echo does not bounce, and ownership survives a restart', async () => {
    const w = await world();
    w.cxone.set('a2', 'Available');
    const e1 = await w.start('first');
    w.clock.t += 1_000;
    w.teams.client('u2', P('Busy', 'InAMeeting'));
    w.tm(e1, 'u2');
    await e1.idle();
    expect(w.cxone.get('a2')).toMatchObject({ state: 'Unavailable', outStateId: 6 });
    const teamsWritesBefore = w.teams.writes.length;
    w.clock.t += 1_000;
    w.cx(e1, 'a2');
    await e1.idle();
    expect(w.teams.writes.length).toBe(teamsWritesBefore);
    await e1.stop();

    // A new replica: the CXone state is still known to be ours, so "meeting over" may go back.
    const e2 = await w.start('second');
    expect((await e2.userStatus(w.connectionId, 'a2'))?.cxoneSet?.target).toEqual({ state: 'Unavailable', outStateId: 6 });
    w.clock.t += 1_000;
    w.teams.client('u2', P('Available', 'Available'));
    w.tm(e2, 'u2');
    await e2.idle();
    expect(w.cxone.get('a2')?.state).toBe('Available');
    await w.stopAll();
  });

  it('when a process died between a Graph write and its record then the next one puts the recorded session back', async () => {
    const w = await world(1);
    w.cxone.set('a0', 'Available');
    const e1 = await w.start('first');
    expect(w.teams.app.get('u0')).toEqual(P('Available', 'Available'));
    await e1.stop();
    // The dead process's last write reached Graph, its record did not.
    w.teams.app.set('u0', P('Away', 'Away'));
    const seen = w.teams.writes.length;
    w.clock.t += 60_000;
    await w.start('second');
    expect(w.teams.app.get('u0')).toEqual(P('Available', 'Available'));
    expect(w.teams.writes.slice(seen)).toEqual([
      { op: 'setPresence', userId: 'u0', pair: P('Available', 'Available'), urgency: 'background' },
    ]);
    await w.stopAll();
  });

  it('when an assignment changes then exactly the affected users are re-synced at once', async () => {
    const w = await world(3);
    for (const a of ['a0', 'a1', 'a2']) w.cxone.set(a, 'Available');
    const e = await w.start();
    expect(w.teams.app.get('u0')).toEqual(P('Available', 'Available'));
    const before = w.teams.writes.length;
    const teamRule = await seedRule(storage.db, w.connectionId, 'team B', TEAM_ROWS);
    await assign(storage.db, w.connectionId, teamRule, 'team', 'tB');
    w.clock.t += 1_000;
    e.publish({ kind: 'settings_changed', connectionId: w.connectionId, agentIds: 'all', observedAt: w.clock.now() });
    await e.idle();
    const after = w.teams.writes.slice(before);
    expect(after.map((x) => x.userId).sort()).toEqual(['u1', 'u2']);
    expect(w.teams.app.get('u1')).toEqual(P('Busy', 'InACall'));
    expect(w.teams.app.get('u0')).toEqual(P('Available', 'Available'));
    await storage.db.delete(ruleAssignments).where(eq(ruleAssignments.ruleId, teamRule));
    await w.stopAll();
  });

  it('when a settings change names agents then only those are re-decided, and a removed mapping clears our session', async () => {
    const w = await world(3);
    for (const a of ['a0', 'a1', 'a2']) w.cxone.set(a, 'Available');
    const e = await w.start();
    expect(w.teams.app.size).toBe(3);
    await storage.db.delete(mappings).where(and(eq(mappings.connectionId, w.connectionId), eq(mappings.agentId, 'a2')));
    const before = w.teams.writes.length;
    e.publish({ kind: 'settings_changed', connectionId: w.connectionId, agentIds: ['a2'], observedAt: w.clock.now() });
    await e.idle();
    expect(w.teams.writes.slice(before)).toEqual([{ op: 'clearPresence', userId: 'u2', urgency: 'admin' }]);
    expect((await e.userStatus(w.connectionId, 'a2'))?.lastReason).toBe('unmapped');
    await w.stopAll();
    // After stop, status still reads from sync_state (what the bot and the tab see).
    const fresh = createSyncEngine({
      storage,
      runtimes: runtimeProvider([], w.teams, w.cxone),
      notices: new RecordingNotices(),
      logger,
      clock: w.clock,
    });
    const s = await fresh.userStatus(w.connectionId, 'a0');
    expect(s).toMatchObject({ live: false, userId: 'u0', teamsSet: { pair: P('Available', 'Available') } });
  });

  it('when decisions pile up then pruning keeps the newest per user and drops old ones', async () => {
    const w = await world(1);
    const rows = Array.from({ length: 30 }, (_, i) => ({
      connectionId: w.connectionId,
      record: {
        agentId: 'a0',
        userId: 'u0',
        direction: 'cxone_to_teams' as const,
        reason: 'applied' as const,
        ruleId: null,
        rowIndex: i,
        inputs: {},
        actions: [],
      },
      at: w.clock.now() - (i < 5 ? 8 * 24 * 3_600_000 : i * 1_000),
      delayMs: null,
    }));
    await insertDecisions(storage.db, rows);
    await pruneDecisions(storage.db, w.connectionId, { keepPerUser: 10, maxAgeMs: 7 * 24 * 3_600_000, now: w.clock.now() });
    const left = await queryDecisions(storage.db, w.connectionId, { agentId: 'a0', limit: 100 });
    expect(left).toHaveLength(10);
    expect(left.map((r) => r.rowIndex)).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  });

  it('when two engines run on one database then only the lease holder writes', async () => {
    const w = await world(2);
    const e1 = await w.start('replica-1');
    const e2 = await w.start('replica-2');
    expect([e1.heldConnections(), e2.heldConnections()].filter((h) => h.includes(w.connectionId))).toHaveLength(1);
    w.clock.t += 1_000;
    w.cxone.set('a1', 'InboundContact');
    w.cx(e1, 'a1');
    w.cx(e2, 'a1');
    await Promise.all([e1.idle(), e2.idle()]);
    expect(w.teams.writes.filter((x) => x.userId === 'u1')).toHaveLength(1);
    await w.stopAll();
  });

  it('when Graph throttles then the decision says throttled, one fault is raised, and the retry heals it', async () => {
    const w = await world(2);
    const e = await w.start();
    w.teams.failures.push(
      new ExternalError('throttled', 'Too many requests', { service: 'graph', status: 429, retryAfterMs: 5_000 }),
      new ExternalError('throttled', 'Too many requests', { service: 'graph', status: 429, retryAfterMs: 5_000 }),
    );
    w.clock.t += 1_000;
    w.cxone.set('a0', 'Available');
    w.cxone.set('a1', 'Available');
    w.cx(e, 'a0');
    w.cx(e, 'a1');
    await e.idle();
    expect(w.teams.app.size).toBe(0);
    const faults = w.notices.notices.filter((n) => n.kind === 'fault');
    expect(faults).toHaveLength(1);
    expect(faults[0]).toMatchObject({ fault: 'throttling' });
    expect((await e.recentDecisions(w.connectionId, { reason: 'throttled', limit: 10 })).length).toBe(2);
    w.clock.t += 5_000;
    e.tick();
    await e.idle();
    expect(w.teams.app.get('u0')).toEqual(P('Available', 'Available'));
    expect(w.teams.app.get('u1')).toEqual(P('Available', 'Available'));
    expect(w.notices.notices.filter((n) => n.kind === 'fault_healed')).toHaveLength(1);
    await w.stopAll();
  });

  it.each([
    ['permission_missing', 'graph', 'permission_missing'],
    ['graph_unreachable', 'graph', 'graph_unreachable'],
    ['cxone_unreachable', 'cxone', 'cxone_unreachable'],
    ['cxone_rejected', 'cxone', null],
  ] as const)(
    'when a write fails with %s then the decision records it, the fault is raised once, and it is retried',
    async (reason, service, fault) => {
      const w = await world(1);
      w.cxone.set('a0', 'Available');
      const e = await w.start();
      const err = new ExternalError(reason, `injected ${reason}`, {
        service,
        ...(reason === 'permission_missing' ? { permission: 'Presence.ReadWrite.All' } : {}),
      });
      w.clock.t += 1_000;
      if (service === 'graph') {
        w.teams.failures.push(err);
        w.cxone.set('a0', 'InboundContact');
        w.cx(e, 'a0');
      } else {
        w.cxone.failures.push(err);
        w.teams.client('u0', P('Busy', 'InAMeeting'));
        w.tm(e, 'u0');
      }
      await e.idle();
      const recorded = await e.recentDecisions(w.connectionId, { agentId: 'a0', reason, limit: 5 });
      expect(recorded).toHaveLength(1);
      expect(recorded[0]?.direction).toBe(service === 'graph' ? 'cxone_to_teams' : 'teams_to_cxone');
      const faults = w.notices.notices.filter((n) => n.kind === 'fault');
      expect(faults.map((f) => (f.kind === 'fault' ? f.fault : null))).toEqual(fault ? [fault] : []);
      w.clock.t += 15 * 60_000;
      e.tick();
      await e.idle();
      if (service === 'graph') expect(w.teams.app.get('u0')).toEqual(P('Busy', 'InACall'));
      else expect(w.cxone.get('a0')).toMatchObject({ state: 'Unavailable', outStateId: 6 });
      await w.stopAll();
    },
  );

  it('when the agent picks a status by hand then one blocking notice after it persists, and resolved when reset', async () => {
    const w = await world(1);
    w.cxone.set('a0', 'InboundContact');
    const e = await w.start();
    expect(w.teams.app.get('u0')).toEqual(P('Busy', 'InACall'));
    w.clock.t += 1_000;
    w.teams.pick('u0', P('Away', 'Away'));
    w.tm(e, 'u0');
    await e.idle();
    expect(w.notices.notices.filter((n) => n.kind === 'manual_status_blocking')).toHaveLength(0);
    w.clock.t += MANUAL_CONFIRM_MS;
    e.tick();
    await e.idle();
    e.tick();
    await e.idle();
    expect(w.notices.notices.filter((n) => n.kind === 'manual_status_blocking')).toHaveLength(1);
    expect((await e.userStatus(w.connectionId, 'a0'))?.lastReason).toBe('manual_status_override');
    w.clock.t += 1_000;
    w.teams.pick('u0', null);
    w.tm(e, 'u0');
    await e.idle();
    expect(w.notices.notices.filter((n) => n.kind === 'manual_status_resolved')).toHaveLength(1);
    await w.stopAll();
  });
});
