import type { Clock, NoticeSink, SyncEventSink, TeamsPresenceReader } from '../domain/ports.ts';
import type { TeamsPresence } from '../domain/presence.ts';
import { ExternalError } from '../domain/reasons.ts';
import type { Logger } from '../logging.ts';
import { type Cadence, chunk, planCadence } from './cadence.ts';
import type { PresenceLedger, SeenPresence } from './ledger.ts';
import type { PresenceSeenStore } from './presence-store.ts';

/** What the reader needs from the tenant's shared Graph quota budget (api/src/graph/quota.ts). */
export interface ReaderQuota {
  /**
   * Resolves when `cost` requests at `priority` may be sent. Leave it out when the reader itself
   * acquires (the product's Graph client does, per request), so requests are not counted twice.
   */
  acquire?(priority: 'read', cost: number): Promise<unknown>;
  /** Requests per window left for reads after writes, when the budget knows. */
  readRoom?(): number | undefined;
  snapshot?(): unknown;
}

export interface PresenceReaderOptions {
  quota: { requests: number; windowMs: number };
  readShare?: number;
  minIntervalMs?: number;
  maxIntervalMs?: number;
  healIntervalMs?: number;
  /** Emit an event for a user seen for the first time (default true: the engine learns its presence). */
  emitFirst?: boolean;
  /** Parallel requests within one round (default 4). */
  concurrency?: number;
}

export interface ObservedChange {
  userId: string;
  presence: TeamsPresence;
  at: number;
  /** The change happened after this (the later of when the old value was first seen and this reader's previous read of the user). */
  after: number;
  /** First sighting (after a start or a new mapping), not a change anyone could have notified. */
  first?: boolean;
}

export interface PresenceReaderDeps {
  connectionId: string;
  reader: TeamsPresenceReader;
  quota?: ReaderQuota | undefined;
  users: () => Promise<readonly string[]> | readonly string[];
  sink: SyncEventSink;
  /** Shared with the subscription inbox so each change is emitted once. */
  ledger: PresenceLedger;
  store: PresenceSeenStore;
  clock: Clock;
  logger: Logger;
  notices?: NoticeSink | undefined;
  options: PresenceReaderOptions;
  /** Whether subscriptions currently deliver changes (the reader then only heals, slowly). */
  mode?: () => 'primary' | 'healing';
  /** Asked before each scheduled round: false → skip it (another replica reads this connection). */
  mayRun?: () => Promise<boolean>;
  /** Told about every real change the reader saw, first sightings excluded (silent-subscription detection). */
  onChanges?: (changes: readonly ObservedChange[]) => void | Promise<void>;
}

export interface PresenceReaderStatus {
  connectionId: string;
  running: boolean;
  mode: 'primary' | 'healing';
  users: number;
  cadence: Cadence;
  rounds: number;
  /** Scheduled rounds skipped because another replica holds this connection's reader lease. */
  skippedRounds: number;
  lastRound: { at: number; durationMs: number; requests: number; changes: number } | null;
  changesEmitted: number;
  requests: number;
  errors: { count: number; consecutive: number; last: { at: number; message: string; reason?: string } | null };
  quota: unknown;
}

export interface PresenceReader {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** One full round now; resolves with the number of changes emitted. */
  roundOnce(): Promise<number>;
  status(): PresenceReaderStatus;
}

/** Loads the persisted ledger into memory (once per connection, before the first observation). */
export function loadLedger(store: PresenceSeenStore, connectionId: string, ledger: PresenceLedger): Promise<void> {
  return ledger.ensureLoaded(() => store.load(connectionId));
}

/**
 * The default, app-only watcher: reads every mapped user's presence in requests of at most 650 ids,
 * on a cadence set by the shared quota, diffs against the ledger and publishes `teams_presence` events.
 */
export function createPresenceReader(deps: PresenceReaderDeps): PresenceReader {
  const { connectionId, clock, logger, options } = deps;
  const log = logger.child({ component: 'presence-reader', connectionId });
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<number> | undefined;
  /** When each user was last read (the previous round): a change seen now happened after it. */
  let lastRead = new Map<string, number>();
  let retryAfterMs = 0;
  let skipped = 0;
  let lastUsers = 0;
  const st = {
    rounds: 0,
    changesEmitted: 0,
    requests: 0,
    lastRound: null as PresenceReaderStatus['lastRound'],
    errors: { count: 0, consecutive: 0, last: null as PresenceReaderStatus['errors']['last'] },
  };
  const mode = () => deps.mode?.() ?? 'primary';

  const cadence = (users: number): Cadence =>
    planCadence({
      users,
      quota: options.quota,
      readRoom: deps.quota?.readRoom?.(),
      readShare: options.readShare,
      minIntervalMs: options.minIntervalMs,
      maxIntervalMs: options.maxIntervalMs,
      healIntervalMs: options.healIntervalMs,
      mode: mode(),
      retryAfterMs,
    });

  async function round(): Promise<number> {
    await loadLedger(deps.store, connectionId, deps.ledger);
    const started = clock.now();
    const users = [...new Set(await deps.users())];
    lastUsers = users.length;
    const groups = chunk(users);
    const concurrency = Math.max(1, options.concurrency ?? 4);
    const dirty: Array<[string, SeenPresence]> = [];
    const changes: ObservedChange[] = [];
    const readThisRound = new Map<string, number>();
    let requests = 0;
    let failure: unknown;
    let next = 0;
    const worker = async () => {
      while (next < groups.length && failure === undefined) {
        const group = groups[next++]!;
        try {
          await deps.quota?.acquire?.('read', 1);
          requests++;
          const got = await deps.reader.getPresences(group);
          const at = clock.now();
          for (const [userId, presence] of got) {
            const before = Math.max(deps.ledger.get(userId)?.seenAt ?? 0, lastRead.get(userId) ?? 0);
            const u = deps.ledger.observe(userId, presence, at);
            readThisRound.set(userId, at);
            if (u.dirty) dirty.push([userId, deps.ledger.get(userId)!]);
            if (u.observation === 'changed' || (u.observation === 'first' && options.emitFirst !== false)) {
              changes.push({ userId, presence: u.presence, at, after: before, first: u.observation === 'first' });
            }
          }
        } catch (err) {
          failure = err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, groups.length) }, worker));
    lastRead = readThisRound;
    st.requests += requests;
    for (const c of changes)
      deps.sink.publish({
        kind: 'teams_presence',
        connectionId,
        userId: c.userId,
        presence: c.presence,
        observedAt: c.at,
        source: 'reader',
      });
    st.changesEmitted += changes.length;
    const real = changes.filter((c) => !c.first);
    if (real.length > 0) await deps.onChanges?.(real);
    if (dirty.length > 0) await deps.store.save(connectionId, dirty);
    const now = clock.now();
    if (failure !== undefined) {
      recordError(failure, now);
      throw failure;
    }
    if (st.errors.consecutive > 0)
      deps.notices?.notify({ kind: 'fault_healed', connectionId, fault: 'graph_unreachable', key: 'presence-reader', at: now });
    st.errors.consecutive = 0;
    retryAfterMs = 0;
    st.rounds++;
    st.lastRound = { at: now, durationMs: now - started, requests, changes: changes.length };
    return changes.length;
  }

  function recordError(err: unknown, at: number) {
    const message = err instanceof Error ? err.message : String(err);
    const reason = err instanceof ExternalError ? err.reason : undefined;
    st.errors.count++;
    st.errors.consecutive++;
    st.errors.last = { at, message, ...(reason ? { reason } : {}) };
    if (err instanceof ExternalError && err.extra.retryAfterMs) retryAfterMs = err.extra.retryAfterMs;
    else retryAfterMs = Math.min(60_000, 1_000 * 2 ** Math.min(6, st.errors.consecutive - 1));
    log.warn({ err: message, reason, consecutive: st.errors.consecutive }, 'presence read failed');
    if (st.errors.consecutive === 3)
      deps.notices?.notify({
        kind: 'fault',
        connectionId,
        fault: reason === 'throttled' ? 'throttling' : 'graph_unreachable',
        key: 'presence-reader',
        message: `Reading Teams presence failed ${st.errors.consecutive} times in a row: ${message}`,
        impactUsers: lastUsers,
        at,
      });
  }

  const roundOnce = (): Promise<number> => {
    inFlight ??= round().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  const schedule = (first = false) => {
    if (!running) return;
    const delay = first ? 0 : cadence(lastUsers).intervalMs;
    timer = setTimeout(() => {
      (async () => {
        if (deps.mayRun && !(await deps.mayRun())) {
          skipped++;
          return;
        }
        await roundOnce();
      })()
        .catch(() => {
          /* recorded in status and logged by recordError (or a lease check failed: retried next time) */
        })
        .finally(() => schedule());
    }, delay);
    timer.unref?.();
  };

  return {
    async start() {
      if (running) return;
      running = true;
      log.info('presence reader started');
      schedule(true);
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      await inFlight?.catch(() => {});
    },
    roundOnce,
    status() {
      return {
        connectionId,
        running,
        mode: mode(),
        users: lastUsers,
        cadence: cadence(lastUsers),
        rounds: st.rounds,
        skippedRounds: skipped,
        lastRound: st.lastRound,
        changesEmitted: st.changesEmitted,
        requests: st.requests,
        errors: { ...st.errors },
        quota: deps.quota?.snapshot?.() ?? null,
      };
    },
  };
}
