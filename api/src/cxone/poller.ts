import type { AgentStateSnapshot } from '../domain/cxone.ts';
import type { Clock, FaultKind, NoticeSink } from '../domain/ports.ts';
import { systemClock } from '../domain/ports.ts';
import { ExternalError } from '../domain/reasons.ts';
import type { Logger } from '../logging.ts';
import type { CxoneClient } from './client.ts';
import { type CursorStore, CXONE_STATES_CURSOR } from './cursor-store.ts';
import { type AgentStateGate, createAgentStateGate } from './order-gate.ts';

export interface CxonePollerOptions {
  client: Pick<CxoneClient, 'getAgentStatesSince'>;
  cursorStore: CursorStore;
  connectionId: string;
  /** Default 2 s (ConnectionOptions.cxonePollIntervalMs). */
  intervalMs?: number;
  /** Receives new states (ordered per agent). The cursor is saved only after it resolves. */
  onStates: (states: AgentStateSnapshot[]) => void | Promise<void>;
  logger: Logger;
  clock?: Clock;
  notices?: NoticeSink;
  /** Share one gate with the push route of the same connection. */
  gate?: AgentStateGate;
  /** Cursor row name (default 'cxone_states'). */
  cursorName?: string;
}

export interface PollResult {
  ok: boolean;
  delivered: number;
  cursor: string | null;
  error?: ExternalError;
}

export interface CxonePoller {
  start(): void;
  stop(): Promise<void>;
  pollOnce(): Promise<PollResult>;
  /** The fault currently reported, if any. */
  fault(): FaultKind | null;
}

/** Which admin fault an outage is: a rejected key, a missing permission, or CXone unreachable. */
export function faultFor(err: ExternalError): FaultKind {
  if (err.extra.status === 401 || (err.reason === 'permission_missing' && err.extra.permission?.includes('access key')))
    return 'cxone_key_rejected';
  if (err.reason === 'permission_missing') return 'permission_missing';
  return 'cxone_unreachable';
}

/**
 * Polls `GET /agents/states?updatedSince=<previous lastPollTime>` (facts/cxone.md) on an interval.
 * The cursor lives in the `cursors` table: it is read at start and written after each delivered batch
 * (at-least-once; the gate drops repeats within a process). An outage is reported once as a fault and
 * healed when polling works again, which then catches up from the stored cursor.
 */
export function createCxonePoller(o: CxonePollerOptions): CxonePoller {
  const intervalMs = o.intervalMs ?? 2_000;
  if (!(Number.isInteger(intervalMs) && intervalMs >= 100)) throw new TypeError('intervalMs: must be an integer ≥ 100');
  const clock = o.clock ?? systemClock;
  const gate = o.gate ?? createAgentStateGate();
  const name = o.cursorName ?? CXONE_STATES_CURSOR;
  const log = o.logger.child({ component: 'cxone-poller', connectionId: o.connectionId });
  let cursor: string | null | undefined;
  let currentFault: FaultKind | null = null;
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  let inflight: Promise<PollResult> | null = null;
  const key = `cxone:${o.connectionId}`;

  async function poll(): Promise<PollResult> {
    try {
      if (cursor === undefined) cursor = await o.cursorStore.get(o.connectionId, name);
      let page: Awaited<ReturnType<CxonePollerOptions['client']['getAgentStatesSince']>>;
      try {
        page = await o.client.getAgentStatesSince(cursor);
      } catch (err) {
        // A cursor CXone no longer accepts (400, e.g. too old: UNCONFIRMED) → one full read instead.
        if (!(err instanceof ExternalError && err.extra.status === 400 && cursor)) throw err;
        log.warn({ detail: err.message }, 'cxone refused the stored cursor: reading all states');
        cursor = null;
        page = await o.client.getAgentStatesSince(null);
      }
      const batch = gate.tryFilter(page.states);
      const fresh = batch.states;
      try {
        if (fresh.length) await o.onStates(fresh);
      } catch (err) {
        batch.rollback(); // not delivered: the next poll (same cursor) delivers them again
        throw err;
      }
      if (page.cursor && page.cursor !== cursor) {
        await o.cursorStore.set(o.connectionId, name, page.cursor);
        cursor = page.cursor;
      }
      if (currentFault) {
        log.info({ fault: currentFault }, 'cxone polling recovered');
        o.notices?.notify({ kind: 'fault_healed', connectionId: o.connectionId, fault: currentFault, key, at: clock.now() });
        currentFault = null;
      }
      return { ok: true, delivered: fresh.length, cursor };
    } catch (err) {
      if (!(err instanceof ExternalError)) {
        log.error({ err }, 'cxone poll failed unexpectedly');
        throw err;
      }
      const fault = faultFor(err);
      if (currentFault !== fault) {
        log.warn({ fault, reason: err.reason, status: err.extra.status, detail: err.message }, 'cxone polling failing');
        if (currentFault)
          o.notices?.notify({ kind: 'fault_healed', connectionId: o.connectionId, fault: currentFault, key, at: clock.now() });
        o.notices?.notify({
          kind: 'fault',
          connectionId: o.connectionId,
          fault,
          key,
          message: err.message,
          details: {
            reason: err.reason,
            ...(err.extra.status ? { status: err.extra.status } : {}),
            ...(err.extra.permission ? { permission: err.extra.permission } : {}),
          },
          at: clock.now(),
        });
        currentFault = fault;
      }
      return { ok: false, delivered: 0, cursor: cursor ?? null, error: err };
    }
  }

  function pollOnce(): Promise<PollResult> {
    if (!inflight)
      inflight = poll().finally(() => {
        inflight = null;
      });
    return inflight;
  }

  // Fixed rate: a poll starts `intervalMs` after the previous one started, not after it ended, so a
  // slow answer does not stretch every period (at 10k agents a poll took ~0.2-0.4 s, which went
  // straight onto the poll-mode latency).
  let lastStart = 0;
  function run() {
    lastStart = performance.now();
    pollOnce()
      .catch((err) => log.error({ err }, 'cxone poll crashed'))
      .finally(schedule);
  }
  function schedule() {
    if (!running) return;
    timer = setTimeout(run, Math.max(0, lastStart + intervalMs - performance.now()));
  }

  return {
    start() {
      if (running) return;
      running = true;
      run();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = null;
      await inflight?.catch(() => {});
    },
    pollOnce,
    fault: () => currentFault,
  };
}
