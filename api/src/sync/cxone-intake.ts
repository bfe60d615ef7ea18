import { eq } from 'drizzle-orm';
import type { Server } from 'restify';
import type { RuntimeProvider } from '../connections/runtime.ts';
import { readOptions } from '../connections/store.ts';
import type { SecretBox } from '../crypto/secrets.ts';
import { createDbCursorStore } from '../cxone/cursor-store.ts';
import { type AgentStateGate, createAgentStateGate } from '../cxone/order-gate.ts';
import { createCxonePoller } from '../cxone/poller.ts';
import { registerCxonePushRoute, toSyncEvents } from '../cxone/push-route.ts';
import type { AgentStateSnapshot } from '../domain/cxone.ts';
import type { Clock, NoticeSink, SyncEventSink } from '../domain/ports.ts';
import type { Logger } from '../logging.ts';
import type { Db } from '../storage/db.ts';
import { connections } from '../storage/schema.ts';
import type { EngineRelay, Relayed } from './engine-relay.ts';
import { createReadTimes, type ReadTimes } from './read-times.ts';

/**
 * CXone → engine: one poller per connection in poll mode (only where this replica runs the
 * connection's engine, so replicas never poll twice), and the push endpoint for stream mode. Both
 * share one per-agent ordering gate per connection. Pollers follow the runtime: a secret rotation or a
 * mode/interval change restarts them with the new client on the next tick.
 *
 * A push that lands on a replica not running the connection's engine is handed to the one that does
 * through the relay (engine_inbox + NOTIFY, ./engine-relay.ts): the 202 is sent once the batch is
 * committed there. The holder passes what it takes through `acceptForwarded`: the same gate as its own
 * poller and pushes, and read times that never go back per agent (./read-times.ts).
 */
export interface CxoneIntakeDeps {
  db: Db;
  secrets: SecretBox;
  runtimes: RuntimeProvider;
  sink: SyncEventSink;
  notices: NoticeSink;
  logger: Logger;
  clock: Clock;
  /** Connections whose engine runs here. */
  held(): string[];
  /** Hands pushes for connections whose engine runs on another replica to it (absent: all go to `sink`). */
  relay?: Pick<EngineRelay, 'holds' | 'forward'>;
  tickMs?: number;
}

export interface CxoneIntake {
  registerRoutes(server: Server): void;
  start(): void;
  stop(): Promise<void>;
  /** Re-checks which pollers should run now (tests; the timer calls it). */
  tick(): Promise<void>;
  /** One poll of a connection now (tests, benchmarks). */
  pollNow(connectionId: string): Promise<void>;
  /** Events another replica accepted for a connection whose engine runs here (the relay's `deliver`). */
  acceptForwarded(batch: readonly Relayed[]): void;
}

interface Running {
  poller: ReturnType<typeof createCxonePoller>;
  runtime: unknown;
  intervalMs: number;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createCxoneIntake(deps: CxoneIntakeDeps): CxoneIntake {
  const log = deps.logger.child({ component: 'cxone-intake' });
  const gates = new Map<string, AgentStateGate>();
  const pollers = new Map<string, Running>();
  const cursors = createDbCursorStore(deps.db);
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | undefined;

  const gateOf = (connectionId: string) => {
    let g = gates.get(connectionId);
    if (!g) {
      g = createAgentStateGate();
      gates.set(connectionId, g);
    }
    return g;
  };
  const readTimes = new Map<string, ReadTimes>();
  const timesOf = (connectionId: string) => {
    let t = readTimes.get(connectionId);
    if (!t) {
      t = createReadTimes();
      readTimes.set(connectionId, t);
    }
    return t;
  };
  /** States that passed the connection's gate, to the engine. */
  const publish = (
    connectionId: string,
    states: readonly AgentStateSnapshot[],
    source: 'poll' | 'push' | 'sweep',
    at: number,
  ) => {
    const times = timesOf(connectionId);
    for (const state of states)
      deps.sink.publish({ kind: 'cxone_state', connectionId, state, source, observedAt: times.stamp(state.agentId, at) });
  };

  async function onPush(connectionId: string, states: AgentStateSnapshot[], sequences: readonly (number | undefined)[]) {
    const at = deps.clock.now();
    const relay = deps.relay;
    if (!relay || relay.holds(connectionId)) {
      publish(connectionId, states, 'push', at);
      return;
    }
    // Not ours: committed to the holder's queue before the 202 (a rejection answers 500, the sender retries).
    await relay.forward(toSyncEvents(connectionId, states, 'push', at).map((event, i) => ({ event, sequence: sequences[i] })));
  }

  function acceptForwarded(batch: readonly Relayed[]): void {
    for (const { event, sequence } of batch) {
      if (event.kind !== 'cxone_state') {
        deps.sink.publish(event);
        continue;
      }
      // This replica's gate decides, as for its own pushes: an older state than one already taken is dropped.
      if (!gateOf(event.connectionId).admit(event.state, sequence)) continue;
      publish(event.connectionId, [event.state], event.source, event.observedAt);
    }
  }

  async function stopPoller(connectionId: string) {
    const r = pollers.get(connectionId);
    if (!r) return;
    pollers.delete(connectionId);
    await r.poller.stop();
  }

  async function reconcile() {
    const held = new Set(deps.held());
    for (const id of [...pollers.keys()]) if (!held.has(id)) await stopPoller(id);
    for (const id of held) {
      try {
        const runtime = await deps.runtimes.get(id);
        const { cxoneChangeMode, cxonePollIntervalMs } = runtime.options;
        const current = pollers.get(id);
        if (cxoneChangeMode !== 'poll') {
          await stopPoller(id);
          continue;
        }
        if (current && current.runtime === runtime && current.intervalMs === cxonePollIntervalMs) continue;
        await stopPoller(id);
        const poller = createCxonePoller({
          client: runtime.cxone,
          cursorStore: cursors,
          connectionId: id,
          intervalMs: cxonePollIntervalMs,
          onStates: async (states) => publish(id, states, 'poll', deps.clock.now()),
          logger: deps.logger.child({ connectionId: id }),
          clock: deps.clock,
          notices: deps.notices,
          gate: gateOf(id),
        });
        pollers.set(id, { poller, runtime, intervalMs: cxonePollIntervalMs });
        poller.start();
        log.info({ connectionId: id, intervalMs: cxonePollIntervalMs }, 'CXone poller started');
      } catch (err) {
        log.warn({ connectionId: id, err: (err as Error).message }, 'cannot start the CXone poller');
      }
    }
  }

  const tick = () => {
    ticking ??= reconcile().finally(() => {
      ticking = undefined;
    });
    return ticking;
  };

  return {
    registerRoutes(server) {
      registerCxonePushRoute(server, {
        resolve: async (connectionId) => {
          // Connection ids are GUIDs (a uuid column): anything else is an unknown connection, not a failed query.
          if (!GUID.test(connectionId)) return null;
          const [row] = await deps.db.select().from(connections).where(eq(connections.id, connectionId)).limit(1);
          if (!row) return null;
          return {
            pushSecret: row.cxonePushSecretEnc ? deps.secrets.open(row.cxonePushSecretEnc) : null,
            agentToAgentStates: readOptions(row).agentToAgentStates,
          };
        },
        onStates: onPush,
        gateFor: gateOf,
        logger: deps.logger,
      });
    },
    start() {
      void tick();
      timer = setInterval(() => void tick(), deps.tickMs ?? 2_000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await ticking;
      for (const id of [...pollers.keys()]) await stopPoller(id);
    },
    tick,
    acceptForwarded,
    async pollNow(connectionId) {
      await tick();
      await pollers.get(connectionId)?.poller.pollOnce();
    },
  };
}
