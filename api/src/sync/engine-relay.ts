import { randomUUID } from 'node:crypto';
import { inArray, sql } from 'drizzle-orm';
import type { Clock, SyncEvent, SyncEventSink } from '../domain/ports.ts';
import type { Logger } from '../logging.ts';
import type { Db } from '../storage/db.ts';
import { engineInbox } from '../storage/schema.ts';
import { type ChannelListener, listenChannel } from './pg-listen.ts';
import { decodeRelayed, encodeRelayed, type Relayed } from './relay-codec.ts';

export type { Relayed } from './relay-codec.ts';

/**
 * Hands events to the replica that runs the connection's engine (lease `engine:<connectionId>`),
 * wherever they were accepted. With several replicas behind a load balancer, a CXone push, a saved
 * setting or a Graph notification lands on any of them; only one runs that connection's engine.
 *
 * - Here: the event goes straight to this process's engine, as with a single replica (and PGlite).
 * - Elsewhere: it is inserted into `engine_inbox` with `NOTIFY engine_inbox '<connectionId>'` in the
 *   same statement. `forward()` resolves once the row is committed, so a push answered 202 survives
 *   the receiving replica dying right after.
 * - The holder LISTENs (one session, api/src/sync/pg-listen.ts); a notification for a connection it
 *   holds makes it take that connection's rows (FOR UPDATE SKIP LOCKED, deleted as taken, oldest
 *   first) and hand them to its engine: milliseconds, no tight polling. Rows waiting for a connection
 *   nobody held are taken the moment a replica starts holding it; while the listening session is down
 *   the holder polls every tick; with it up a slow safety poll remains. Each (re)connected session is
 *   proven with a NOTIFY to itself (behind a transaction-pooling proxy such as PgBouncer, LISTEN
 *   silently hears nothing: then it polls every tick). PGlite is one process: no listener, and
 *   nothing is queried unless this process queued rows itself.
 * - A taken event whose connection moved away meanwhile is queued again, not dropped. Rows nobody
 *   took for `maxAgeMs` are pruned: a replica that starts holding a connection re-reads both sides.
 *
 * Order: the queue is not the ordering authority (ids from concurrent inserts commit out of order).
 * What is delivered is ordered by content, as for a single replica: CXone states through the holder's
 * per-agent gate (start time, then push sequence), Teams presences by sequenceNumber, settings are
 * re-read whole. Duplicates are harmless: the engine writes on a changed observation only.
 */
export const ENGINE_INBOX_CHANNEL = 'engine_inbox';

export interface RelayEngine {
  publish(event: SyncEvent): void;
  /** Whether this replica runs (or is loading) the connection's engine. */
  holds(connectionId: string): boolean;
  heldConnections(): string[];
}

export interface EngineRelayOptions {
  /** In-memory look at what changed (newly held connections, listener down), default 250 ms. */
  tickMs?: number;
  /** Safety poll of held connections' rows while the listener is up, default 5 s. */
  safetyPollMs?: number;
  /** Rows taken per statement, default 500. */
  batchSize?: number;
  /** Rows older than this are deleted untaken, default 5 min. */
  maxAgeMs?: number;
  pruneEveryMs?: number;
  /** Fire-and-forget events kept while the database refuses inserts, default 10,000 (oldest dropped). */
  maxPending?: number;
}

export interface EngineRelayDeps {
  db: Db;
  /** postgres://… for the LISTEN session; absent = embedded PGlite (one process). */
  databaseUrl?: string | undefined;
  engine: RelayEngine;
  /** Where taken events go (default: `publish`, i.e. this engine). The CXone intake orders agent states first. */
  deliver?: (batch: readonly Relayed[]) => void;
  clock: Clock;
  logger: Logger;
  options?: EngineRelayOptions;
}

export interface RelayStatus {
  /** Wake-ups by NOTIFY are in place (false on PGlite, and while the session is down). */
  listening: boolean;
  /** Events this replica queued for another one. */
  forwarded: number;
  /** Events this replica took from the queue and delivered. */
  received: number;
  /** Rows that did not parse (another version wrote them?) and were dropped. */
  unreadable: number;
  pruned: number;
  /** Fire-and-forget events waiting for their insert. */
  pending: number;
  /** Read time to delivery of the last taken batch's oldest event (ms). */
  lastDelayMs: number | null;
}

export interface EngineRelay extends SyncEventSink {
  /** Fire-and-forget: here → this engine; elsewhere → queued for the holder (inserts batched, retried). */
  publish(event: SyncEvent): void;
  /** Durable: resolves when each event is with this engine or committed to the queue; rejects if not. */
  forward(batch: readonly Relayed[]): Promise<void>;
  holds(connectionId: string): boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Takes and delivers what waits for connections held here (the timers and NOTIFY call it). */
  drain(): Promise<number>;
  /** Deletes rows nobody took within maxAgeMs; returns how many. */
  prune(): Promise<number>;
  status(): RelayStatus;
}

export function createEngineRelay(deps: EngineRelayDeps): EngineRelay {
  const log = deps.logger.child({ component: 'engine-relay' });
  const opt = {
    tickMs: deps.options?.tickMs ?? 250,
    safetyPollMs: deps.options?.safetyPollMs ?? 5_000,
    batchSize: deps.options?.batchSize ?? 500,
    maxAgeMs: deps.options?.maxAgeMs ?? 5 * 60_000,
    pruneEveryMs: deps.options?.pruneEveryMs ?? 60_000,
    maxPending: deps.options?.maxPending ?? 10_000,
  };
  const { db, engine } = deps;
  const embedded = !deps.databaseUrl;
  const counters = { forwarded: 0, received: 0, unreadable: 0, pruned: 0 };
  let lastDelayMs: number | null = null;
  let listener: ChannelListener | null = null;
  /** The probe the current session must hear before wake-ups are relied on; null once heard. */
  let probe: string | null = null;
  let probeTimer: NodeJS.Timeout | undefined;
  const listening = () => !!listener?.connected() && probe === null;
  let running = false;
  const timers: NodeJS.Timeout[] = [];
  let draining: Promise<number> | undefined;
  let again = false;
  let prevHeld = new Set<string>();
  let lastPollAt = 0;
  /** Embedded: connections this process queued rows for that have not been taken yet. */
  const unclaimed = new Set<string>();
  let pending: Relayed[] = [];
  let flushing: Promise<void> | undefined;
  let flushTimer: NodeJS.Timeout | undefined;

  // ---- sending ------------------------------------------------------------------------------

  async function insert(rows: readonly Relayed[]): Promise<void> {
    if (rows.length === 0) return;
    const values = rows.map((r) => ({ c: r.event.connectionId, p: encodeRelayed(r) }));
    // One statement: the rows and the wake-up commit together (NOTIFY is delivered on commit).
    await db.execute(sql`
      with ins as (
        insert into engine_inbox (connection_id, payload)
        select (x.r->>'c')::uuid, x.r->'p'
        from jsonb_array_elements(${JSON.stringify(values)}::jsonb) with ordinality as x(r, n)
        order by x.n
        returning connection_id)
      select pg_notify(${ENGINE_INBOX_CHANNEL}, d.c::text) from (select distinct connection_id as c from ins) d`);
    counters.forwarded += rows.length;
    const ids = new Set(rows.map((r) => r.event.connectionId));
    if (embedded) for (const id of ids) unclaimed.add(id);
    // Became the holder meanwhile (or this is PGlite's only process): take them now.
    if ([...ids].some((id) => engine.holds(id))) void kick();
  }

  function publish(event: SyncEvent): void {
    if (engine.holds(event.connectionId)) {
      engine.publish(event);
      return;
    }
    pending.push({ event });
    if (pending.length > opt.maxPending) {
      const dropped = pending.length - opt.maxPending;
      pending = pending.slice(dropped);
      log.warn({ dropped }, 'forwarding backlog full: oldest events dropped (the holder’s sweep heals states)');
    }
    scheduleFlush(0);
  }

  function scheduleFlush(delayMs: number): void {
    if (flushTimer || flushing) return;
    flushTimer = setTimeout(() => {
      flushTimer = undefined;
      void flushPending();
    }, delayMs);
    // A pending insert is work in hand: it keeps the process alive until done (stop() flushes too).
  }

  function flushPending(): Promise<void> {
    flushing ??= (async () => {
      while (pending.length) {
        const batch = pending.slice(0, 1_000);
        try {
          await insert(batch);
          pending = pending.slice(batch.length);
        } catch (err) {
          log.error({ err: (err as Error).message, waiting: pending.length }, 'forwarding events failed; retrying in 1 s');
          return 'retry' as const;
        }
      }
      return 'done' as const;
    })().then((r) => {
      flushing = undefined;
      if (r === 'retry' && running) scheduleFlush(1_000);
      else if (pending.length) scheduleFlush(0);
    });
    return flushing;
  }

  async function forward(batch: readonly Relayed[]): Promise<void> {
    const away: Relayed[] = [];
    for (const r of batch) {
      if (engine.holds(r.event.connectionId)) engine.publish(r.event);
      else away.push(r);
    }
    await insert(away);
  }

  // ---- receiving ----------------------------------------------------------------------------

  async function takeOnce(held: string[]): Promise<number> {
    const oldest = db
      .select({ id: engineInbox.id })
      .from(engineInbox)
      .where(inArray(engineInbox.connectionId, held))
      .orderBy(engineInbox.id)
      .limit(opt.batchSize)
      .for('update', { skipLocked: true });
    const rows = await db
      .delete(engineInbox)
      .where(inArray(engineInbox.id, oldest))
      .returning({ id: engineInbox.id, connectionId: engineInbox.connectionId, payload: engineInbox.payload });
    if (rows.length === 0) return 0;
    rows.sort((a, b) => a.id - b.id);
    const batch: Relayed[] = [];
    let bad = 0;
    for (const row of rows) {
      const r = decodeRelayed(row.connectionId, row.payload);
      if ('error' in r) {
        bad++;
        if (bad === 1) log.warn({ id: row.id, error: r.error }, 'unreadable forwarded event dropped');
      } else batch.push(r);
    }
    counters.unreadable += bad;
    counters.received += batch.length;
    if (batch.length) {
      const now = deps.clock.now();
      lastDelayMs = now - Math.min(...batch.map((r) => r.event.observedAt));
      (deps.deliver ?? deliverHere)(batch);
      log.debug({ events: batch.length, delayMs: lastDelayMs }, 'forwarded events delivered');
    }
    return rows.length;
  }

  function deliverHere(batch: readonly Relayed[]): void {
    for (const r of batch) publish(r.event);
  }

  async function drainAll(): Promise<number> {
    let total = 0;
    for (;;) {
      const held = engine.heldConnections();
      if (held.length === 0) return total;
      const n = await takeOnce(held);
      total += n;
      if (n < opt.batchSize) {
        if (embedded) for (const id of held) unclaimed.delete(id);
        return total;
      }
    }
  }

  function kick(): Promise<number> {
    if (draining) {
      again = true;
      return draining;
    }
    draining = drainAll()
      .catch((err: unknown) => {
        log.error({ err: (err as Error).message }, 'taking forwarded events failed; the next tick retries');
        return 0;
      })
      .finally(() => {
        draining = undefined;
        if (again && running) {
          again = false;
          void kick();
        }
      });
    return draining;
  }

  /** In memory, every tickMs: decides whether the queue needs a look. */
  function tick(): void {
    const held = engine.heldConnections();
    const now = Date.now();
    let look = false;
    for (const id of held) if (!prevHeld.has(id)) look = true; // newly held: rows may wait for it
    prevHeld = new Set(held);
    if (held.length > 0) {
      // PGlite: only this process queues rows. PostgreSQL: poll while wake-ups are down, else now and then.
      if (embedded) look ||= held.some((id) => unclaimed.has(id));
      else if (!listening() || now - lastPollAt >= opt.safetyPollMs) look = true;
    }
    if (!look) return;
    lastPollAt = now;
    void kick();
  }

  async function prune(): Promise<number> {
    const gone = await db
      .delete(engineInbox)
      // The database's clock on both sides of the comparison: replicas' clocks do not matter here.
      .where(sql`${engineInbox.createdAt} < now() - (${opt.maxAgeMs} * interval '1 millisecond')`)
      .returning({ id: engineInbox.id });
    counters.pruned += gone.length;
    if (gone.length) log.warn({ rows: gone.length }, 'forwarded events nobody took in time were pruned');
    return gone.length;
  }

  /** A NOTIFY to ourselves through the pool: heard → wake-ups work on this session. */
  function proveListening(): void {
    const token = `probe:${randomUUID()}`;
    probe = token;
    clearTimeout(probeTimer);
    probeTimer = setTimeout(() => {
      if (probe === token)
        log.warn('NOTIFY does not reach the listening session (a transaction-pooling proxy?): polling every tick instead');
    }, 5_000);
    probeTimer.unref();
    db.execute(sql`select pg_notify(${ENGINE_INBOX_CHANNEL}, ${token})`).catch((err: unknown) =>
      log.warn({ err: (err as Error).message }, 'probing the listening session failed'),
    );
  }

  const warnPruneFailed = (err: unknown) => log.warn({ err: (err as Error).message }, 'pruning the engine inbox failed');

  return {
    publish,
    forward,
    holds: (id) => engine.holds(id),
    drain: () => kick(),
    prune,
    async start() {
      if (running) return;
      running = true;
      if (deps.databaseUrl)
        listener = listenChannel({
          url: deps.databaseUrl,
          channel: ENGINE_INBOX_CHANNEL,
          applicationName: 'presence-sync-relay',
          logger: deps.logger,
          onNotify: (payload) => {
            if (payload.startsWith('probe:')) {
              if (payload === probe) probe = null;
            } else if (engine.holds(payload)) void kick();
          },
          onConnect: () => {
            proveListening();
            // Notifications sent while the session was away are gone: look now.
            void kick();
          },
        });
      else {
        // Rows a previous run of this process queued and nobody took.
        try {
          const rows = await db.selectDistinct({ c: engineInbox.connectionId }).from(engineInbox);
          for (const r of rows) unclaimed.add(r.c);
        } catch (err) {
          log.warn({ err: (err as Error).message }, 'reading the engine inbox failed');
        }
      }
      timers.push(
        setInterval(tick, opt.tickMs),
        setInterval(() => void prune().catch(warnPruneFailed), opt.pruneEveryMs),
      );
      for (const t of timers) t.unref();
      tick();
    },
    async stop() {
      running = false;
      for (const t of timers.splice(0)) clearInterval(t);
      clearTimeout(probeTimer);
      if (flushTimer) clearTimeout(flushTimer);
      flushTimer = undefined;
      await flushing;
      if (pending.length) await flushPending();
      await draining;
      await listener?.close();
      listener = null;
    },
    status: () => ({
      listening: listening(),
      ...counters,
      pending: pending.length,
      lastDelayMs,
    }),
  };
}
