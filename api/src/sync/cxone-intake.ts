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

/**
 * CXone → engine: one poller per connection in poll mode (only where this replica runs the
 * connection's engine, so replicas never poll twice), and the push endpoint for stream mode. Both
 * share one per-agent ordering gate per connection. Pollers follow the runtime: a secret rotation or a
 * mode/interval change restarts them with the new client on the next tick.
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
  const publish = (connectionId: string, states: AgentStateSnapshot[], source: 'poll' | 'push') => {
    for (const e of toSyncEvents(connectionId, states, source, deps.clock.now())) deps.sink.publish(e);
  };

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
          onStates: async (states) => publish(id, states, 'poll'),
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
        onStates: async (connectionId, states) => publish(connectionId, states, 'push'),
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
    async pollNow(connectionId) {
      await tick();
      await pollers.get(connectionId)?.poller.pollOnce();
    },
  };
}
