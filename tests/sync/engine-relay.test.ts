import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentStateSnapshot } from '../../api/src/domain/cxone.ts';
import type { SyncEvent } from '../../api/src/domain/ports.ts';
import { createLogger } from '../../api/src/logging.ts';
import { openStorage, type Storage } from '../../api/src/storage/db.ts';
import { connections, engineInbox } from '../../api/src/storage/schema.ts';
import { createEngineRelay, type EngineRelay, type EngineRelayOptions } from '../../api/src/sync/engine-relay.ts';
import { freshDatabaseUrl, testDatabaseUrl } from '../support/db.ts';

/**
 * The relay between replicas against a real database: what one replica forwards reaches the engine of
 * the one holding the connection, woken by NOTIFY (PostgreSQL), by polling while the listening session
 * is down, and when a connection starts being held; nothing twice, nothing left behind.
 */
const logger = createLogger({ level: 'silent' });
const clock = { now: () => Date.now() };

interface FakeEngine {
  got: SyncEvent[];
  held: Set<string>;
  publish(e: SyncEvent): void;
  holds(id: string): boolean;
  heldConnections(): string[];
}
function fakeEngine(held: string[] = []): FakeEngine {
  const e: FakeEngine = {
    got: [],
    held: new Set(held),
    publish: (ev) => void e.got.push(ev),
    holds: (id) => e.held.has(id),
    heldConnections: () => [...e.held],
  };
  return e;
}

const state = (agentId: string, i: number): AgentStateSnapshot => ({
  agentId,
  state: i % 2 ? 'Available' : 'Unavailable',
  outStateId: i % 2 ? null : 2,
  outStateName: null,
  isAcw: false,
  contactId: null,
  isOutbound: false,
  agentToAgent: false,
  startTime: new Date(1_800_000_000_000 + i * 1_000).toISOString(),
});
const cx = (connectionId: string, agentId: string, i: number): SyncEvent => ({
  kind: 'cxone_state',
  connectionId,
  state: state(agentId, i),
  observedAt: Date.now(),
  source: 'push',
});

async function until<T>(f: () => T | Promise<T>, ms = 3_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function newConnection(s: Storage): Promise<string> {
  const [row] = await s.db
    .insert(connections)
    .values({ name: 't', tenantId: 't', azureClientId: 'c', cxoneBaseUrl: 'https://x', cxoneAccessKeyId: 'k' })
    .returning({ id: connections.id });
  return row!.id;
}
const rowsLeft = async (s: Storage) => (await s.db.select().from(engineInbox)).length;

describe.skipIf(!testDatabaseUrl())('engine relay on PostgreSQL (two replicas)', () => {
  let db: { url: string; drop(): Promise<void> };
  let sa: Storage;
  let sb: Storage;
  const relays: EngineRelay[] = [];
  const relay = async (s: Storage, engine: FakeEngine, options: EngineRelayOptions = {}) => {
    const r = createEngineRelay({ db: s.db, databaseUrl: db.url, engine, clock, logger, options });
    relays.push(r);
    await r.start();
    await until(() => r.status().listening);
    return r;
  };

  beforeAll(async () => {
    db = await freshDatabaseUrl();
    sa = await openStorage({ databaseUrl: db.url, poolSize: 3 });
    sb = await openStorage({ databaseUrl: db.url, poolSize: 3 });
  });
  afterAll(async () => {
    for (const r of relays) await r.stop();
    await sa?.close();
    await sb?.close();
    await db?.drop();
  });

  it('when the replica that does not hold a connection forwards events then the holder gets each once within milliseconds', async () => {
    const conn = await newConnection(sa);
    const holder = fakeEngine([conn]);
    const other = fakeEngine();
    // A safety poll far away: only NOTIFY can explain a prompt delivery.
    await relay(sa, holder, { safetyPollMs: 60_000 });
    const b = await relay(sb, other, { safetyPollMs: 60_000 });
    const delays: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      await b.forward([{ event: cx(conn, `a${i}`, i), sequence: i }]);
      await until(() => holder.got.length === i + 1);
      delays.push(performance.now() - t0);
    }
    delays.sort((x, y) => x - y);
    expect(delays[delays.length - 1]).toBeLessThan(500);
    expect(holder.got.map((e) => (e.kind === 'cxone_state' ? e.state.agentId : ''))).toEqual(
      Array.from({ length: 20 }, (_, i) => `a${i}`),
    );
    expect(other.got).toEqual([]);
    expect(await rowsLeft(sa)).toBe(0);
    console.log(`forward → holder's engine: p50 ${delays[10]!.toFixed(1)} ms, max ${delays[19]!.toFixed(1)} ms`);
  });

  it('when many events are forwarded at once, concurrently, then every one arrives exactly once', async () => {
    const conn = await newConnection(sa);
    const holder = fakeEngine([conn]);
    const other = fakeEngine();
    await relay(sa, holder, { batchSize: 50 });
    const b = await relay(sb, other);
    const c = await relay(sb, fakeEngine());
    const sent = Array.from({ length: 300 }, (_, i) => cx(conn, `agent-${i}`, i));
    await Promise.all([
      b.forward(sent.slice(0, 150).map((event) => ({ event }))),
      ...sent.slice(150).map((event, i) => (i % 2 ? c : b).forward([{ event }])),
    ]);
    await until(() => holder.got.length >= 300);
    await new Promise((r) => setTimeout(r, 100));
    const ids = holder.got.map((e) => (e.kind === 'cxone_state' ? e.state.agentId : ''));
    expect(ids).toHaveLength(300);
    expect(new Set(ids).size).toBe(300);
    expect(await rowsLeft(sa)).toBe(0);
  });

  it('when a fire-and-forget event (a setting saved elsewhere) is published then the holder gets it', async () => {
    const conn = await newConnection(sa);
    const holder = fakeEngine([conn]);
    await relay(sa, holder);
    const b = await relay(sb, fakeEngine());
    b.publish({ kind: 'settings_changed', connectionId: conn, agentIds: ['1', '2'], observedAt: Date.now() });
    await until(() => holder.got.length === 1);
    expect(holder.got[0]).toMatchObject({ kind: 'settings_changed', connectionId: conn, agentIds: ['1', '2'] });
  });

  it('when nobody holds the connection then rows wait, and the replica that starts holding it takes them', async () => {
    const conn = await newConnection(sa);
    const later = fakeEngine();
    await relay(sa, later, { tickMs: 20 });
    const b = await relay(sb, fakeEngine());
    await b.forward([{ event: cx(conn, 'x', 1) }]);
    await new Promise((r) => setTimeout(r, 100));
    expect(later.got).toEqual([]);
    expect(await rowsLeft(sa)).toBe(1);
    later.held.add(conn);
    await until(() => later.got.length === 1);
    expect(await rowsLeft(sa)).toBe(0);
  });

  it('when the listening session is dropped then events still arrive (polling) and listening resumes', async () => {
    const conn = await newConnection(sa);
    const holder = fakeEngine([conn]);
    const a = await relay(sa, holder, { tickMs: 50, safetyPollMs: 60_000 });
    const b = await relay(sb, fakeEngine());
    await sa.db.execute(
      sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'presence-sync-relay' and datname = current_database()`,
    );
    await until(() => !a.status().listening);
    await b.forward([{ event: cx(conn, 'y', 1) }]);
    await until(() => holder.got.length === 1);
    await until(() => a.status().listening && b.status().listening, 5_000);
    await b.forward([{ event: cx(conn, 'y', 2) }]);
    await until(() => holder.got.length === 2);
  });

  it('when the listening session never hears NOTIFY (a pooling proxy) then that is noticed and the holder polls', async () => {
    const conn = await newConnection(sa);
    const holder = fakeEngine([conn]);
    // NOTIFY is per database: a session listening on another database stands in for one behind PgBouncer.
    const deaf = createEngineRelay({
      db: sa.db,
      databaseUrl: testDatabaseUrl()!,
      engine: holder,
      clock,
      logger,
      options: { tickMs: 50, safetyPollMs: 60_000 },
    });
    relays.push(deaf);
    await deaf.start();
    const b = await relay(sb, fakeEngine());
    await new Promise((r) => setTimeout(r, 300));
    expect(deaf.status().listening).toBe(false);
    await b.forward([{ event: cx(conn, 'p', 1) }]);
    await until(() => holder.got.length === 1, 1_000);
  });

  it('when a taken event’s connection moved to another replica meanwhile then it is queued again, not dropped', async () => {
    const conn = await newConnection(sa);
    const leaving = fakeEngine([conn]);
    // Lists the connection as held when taking rows, but has lost it by the time it delivers.
    leaving.holds = () => false;
    const a = await relay(sa, leaving, { tickMs: 10_000, safetyPollMs: 60_000 });
    const b = await relay(sb, fakeEngine());
    await b.forward([{ event: cx(conn, 'z', 1) }]);
    await a.drain();
    await until(() => a.status().received === 1);
    expect(leaving.got).toEqual([]);
    const taker = fakeEngine([conn]);
    await relay(sb, taker);
    await until(() => taker.got.length === 1);
  });

  it('when rows are older than maxAgeMs or unreadable then they are pruned or dropped, never delivered', async () => {
    const conn = await newConnection(sa);
    const r = await relay(sa, fakeEngine(), { maxAgeMs: 60_000 });
    await r.forward([{ event: cx(conn, 'old', 1) }, { event: cx(conn, 'new', 2) }]);
    await sa.db.execute(
      sql`update engine_inbox set created_at = now() - interval '2 minutes' where payload->'event'->'state'->>'agentId' = 'old'`,
    );
    expect(await r.prune()).toBe(1);
    await sa.db.insert(engineInbox).values({ connectionId: conn, payload: { v: 99, nonsense: true } });
    const holder = fakeEngine([conn]);
    const h = await relay(sb, holder);
    await until(() => holder.got.length === 1 && h.status().unreadable === 1);
    expect(holder.got[0]).toMatchObject({ state: { agentId: 'new' } });
    expect(await rowsLeft(sa)).toBe(0);
  });
});

describe('engine relay on PGlite (one process)', () => {
  let s: Storage;
  beforeAll(async () => {
    s = await openStorage({ dataDir: 'memory://' });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('when this process holds the connection then events go straight to its engine, nothing is queued', async () => {
    const conn = await newConnection(s);
    const engine = fakeEngine([conn]);
    const r = createEngineRelay({ db: s.db, engine, clock, logger });
    await r.start();
    const e = cx(conn, 'a', 1);
    r.publish(e);
    await r.forward([{ event: cx(conn, 'a', 2) }]);
    expect(engine.got).toHaveLength(2);
    expect(engine.got[0]).toBe(e);
    expect(await rowsLeft(s)).toBe(0);
    expect(r.status()).toMatchObject({ listening: false, forwarded: 0 });
    await r.stop();
  });

  it('when an event arrives before the engine holds a new connection then it is kept and delivered once it does', async () => {
    const conn = await newConnection(s);
    const engine = fakeEngine();
    const r = createEngineRelay({ db: s.db, engine, clock, logger, options: { tickMs: 20 } });
    await r.start();
    await r.forward([{ event: cx(conn, 'b', 1) }]);
    r.publish({ kind: 'settings_changed', connectionId: conn, agentIds: 'all', observedAt: Date.now() });
    await until(async () => (await rowsLeft(s)) === 2);
    engine.held.add(conn);
    await until(() => engine.got.length === 2);
    expect(engine.got.map((e) => e.kind)).toEqual(['cxone_state', 'settings_changed']);
    expect(await rowsLeft(s)).toBe(0);
    await r.stop();
  });
});
