import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncEvent, TeamsPresenceReader } from '../../api/src/domain/ports.ts';
import type { TeamsPresence } from '../../api/src/domain/presence.ts';
import { ExternalError } from '../../api/src/domain/reasons.ts';
import { createLogger } from '../../api/src/logging.ts';
import type { Storage } from '../../api/src/storage/db.ts';
import { PresenceLedger } from '../../api/src/watch/ledger.ts';
import { createPresenceSeenStore } from '../../api/src/watch/presence-store.ts';
import { createPresenceReader, type ObservedChange } from '../../api/src/watch/reader.ts';
import { defaultBackend, insertTestConnection, openTestStorage } from '../support/db.ts';

const logger = createLogger({ level: 'silent' });

/** An in-memory Graph presence directory that counts requests and enforces the 650-id limit. */
function fakeGraph(userIds: string[]) {
  const presences = new Map<string, TeamsPresence>();
  let seq = 1000;
  for (const u of userIds) presences.set(u, { availability: 'Available', activity: 'Available', sequenceNumber: String(seq++) });
  const calls: number[] = [];
  let fail: Error | null = null;
  const reader: TeamsPresenceReader = {
    async getPresences(ids) {
      if (ids.length > 650) throw new Error('more than 650 ids');
      if (fail) throw fail;
      calls.push(ids.length);
      const out = new Map<string, TeamsPresence>();
      for (const id of ids) {
        const p = presences.get(id);
        if (p) out.set(id, { ...p });
      }
      return out;
    },
  };
  return {
    reader,
    calls,
    set(userId: string, availability: string, activity: string) {
      presences.set(userId, { availability, activity, sequenceNumber: String(seq++) });
    },
    failWith(e: Error | null) {
      fail = e;
    },
  };
}

describe('presence reader', () => {
  let storage: Storage;
  let connectionId: string;
  const users = Array.from({ length: 1000 }, (_, i) => `user-${i}`);
  beforeAll(async () => {
    storage = await openTestStorage(defaultBackend());
    connectionId = await insertTestConnection(storage.db);
  });
  afterAll(async () => storage?.close());

  let now = 1_000_000;
  const make = (
    graph: ReturnType<typeof fakeGraph>,
    events: SyncEvent[],
    acquired: number[] = [],
    onChanges?: (changes: readonly ObservedChange[]) => void,
  ) => {
    return createPresenceReader({
      connectionId,
      reader: graph.reader,
      quota: {
        acquire: async (_p, cost) => void acquired.push(cost),
        readRoom: () => 750,
        snapshot: () => ({ used: acquired.length }),
      },
      users: () => users,
      sink: { publish: (e) => events.push(e) },
      ledger: new PresenceLedger(),
      store: createPresenceSeenStore(storage.db),
      clock: { now: () => (now += 10) },
      logger,
      options: { quota: { requests: 1500, windowMs: 30_000 } },
      ...(onChanges ? { onChanges } : {}),
    });
  };

  it('when 1,000 users change then each change is emitted once, in 2 requests per round, and a restart emits nothing', async () => {
    const graph = fakeGraph(users);
    const events: SyncEvent[] = [];
    const acquired: number[] = [];
    const r1 = make(graph, events, acquired);
    await r1.roundOnce();
    expect(events).toHaveLength(1000); // first sighting: the engine learns everyone's presence
    expect(graph.calls).toEqual([650, 350]);
    events.length = 0;

    await r1.roundOnce();
    expect(events).toHaveLength(0);

    const changed = users.filter((_, i) => i % 7 === 0);
    for (const u of changed) graph.set(u, 'Busy', 'InAMeeting');
    await r1.roundOnce();
    expect(events.map((e) => (e.kind === 'teams_presence' ? e.userId : '')).sort()).toEqual([...changed].sort());
    expect(events[0]).toMatchObject({
      kind: 'teams_presence',
      source: 'reader',
      connectionId,
      presence: { availability: 'Busy' },
    });
    expect(acquired.reduce((a, b) => a + b, 0)).toBe(6);
    const st = r1.status();
    expect(st).toMatchObject({ users: 1000, rounds: 3, requests: 6, cadence: { requestsPerRound: 2 }, quota: { used: 6 } });
    expect(st.cadence.requestsPerWindow).toBeLessThanOrEqual(750);
    await r1.stop();

    // A restart: a new reader (empty memory) loads what was persisted: no false changes.
    const events2: SyncEvent[] = [];
    const r2 = make(graph, events2);
    await r2.roundOnce();
    expect(events2).toHaveLength(0);
    graph.set('user-3', 'DoNotDisturb', 'Presenting');
    await r2.roundOnce();
    expect(events2).toHaveLength(1);
    expect(events2[0]).toMatchObject({ userId: 'user-3', presence: { availability: 'DoNotDisturb', activity: 'Presenting' } });
  });

  it('when a change is seen then it is said to have happened after the previous read of that user, not just before this one', async () => {
    const graph = fakeGraph(users);
    const seen: ObservedChange[] = [];
    const r = make(graph, [], [], (c) => void seen.push(...c));
    await r.roundOnce(); // values first seen (already in the store from the test above: no changes)
    const before = now;
    await r.roundOnce(); // the previous read
    const after = now;
    graph.set('user-5', 'Away', 'Away');
    await r.roundOnce();
    expect(seen.map((c) => c.userId)).toEqual(['user-5']);
    const c = seen[0]!;
    // A notification that arrived any time after the previous read explains this change.
    expect(c.after).toBeGreaterThan(before);
    expect(c.after).toBeLessThanOrEqual(after);
    expect(c.at).toBeGreaterThan(after);
    await r.stop();
  });

  it('when Graph throttles then the round fails, status reports it and the cadence honours Retry-After', async () => {
    const graph = fakeGraph(users);
    const events: SyncEvent[] = [];
    const r = make(graph, events);
    graph.failWith(new ExternalError('throttled', 'Too many requests', { status: 429, retryAfterMs: 12_000 }));
    await expect(r.roundOnce()).rejects.toThrow('Too many requests');
    const st = r.status();
    expect(st.errors).toMatchObject({ count: 1, consecutive: 1, last: { reason: 'throttled' } });
    expect(st.cadence.intervalMs).toBe(12_000);
    graph.failWith(null);
    await r.roundOnce();
    expect(r.status().errors.consecutive).toBe(0);
    expect(r.status().cadence.intervalMs).toBe(500);
  });
});
