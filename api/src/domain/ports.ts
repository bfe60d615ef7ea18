import type { AgentStateSnapshot, CxoneTarget } from './cxone.ts';
import type { PresencePair, TeamsPresence } from './presence.ts';

/**
 * The narrow interfaces the sync engine writes through. The Graph and CXone clients implement them;
 * unit and property tests use in-memory fakes. Failures are thrown as `ExternalError` (reasons.ts).
 */
/**
 * Who is waiting for a write, so a rate-limited side serves it in the right order: `live` answers a
 * change that just happened, `admin` a settings change, `background` everything else (start-up
 * catch-up, sweep repairs, keep-alives, retries). Leaving it out means `background`.
 */
export type WriteUrgency = 'live' | 'admin' | 'background';

export interface TeamsPresenceWriter {
  /** setPresence with session id = the app's client id. `expiration` is an ISO 8601 duration (PT5M…PT4H). */
  setPresence(userId: string, pair: PresencePair, expiration: string, urgency?: WriteUrgency): Promise<void>;
  /** clearPresence; resolves (does not throw) when the session is already gone (404). */
  clearPresence(userId: string, urgency?: WriteUrgency): Promise<void>;
  setUserPreferredPresence(userId: string, pair: PresencePair, expiration?: string, urgency?: WriteUrgency): Promise<void>;
  clearUserPreferredPresence(userId: string, urgency?: WriteUrgency): Promise<void>;
}

export interface TeamsPresenceReader {
  /** Bulk read (getPresencesByUserId, chunked at 650). Unknown users are simply absent. */
  getPresences(userIds: readonly string[]): Promise<Map<string, TeamsPresence>>;
}

export interface CxoneStateWriter {
  setAgentState(agentId: string, target: CxoneTarget): Promise<void>;
}

export interface CxoneStateReader {
  /** Current states of every agent (full read, used by the sweep). */
  getAgentStates(): Promise<AgentStateSnapshot[]>;
}

/** An observed change, from any watcher (CXone poll/push, presence reader, Graph subscription). */
export type SyncEvent =
  | {
      kind: 'cxone_state';
      connectionId: string;
      state: AgentStateSnapshot;
      observedAt: number;
      source: 'poll' | 'push' | 'sweep';
    }
  | {
      kind: 'teams_presence';
      connectionId: string;
      userId: string;
      presence: TeamsPresence;
      observedAt: number;
      source: 'reader' | 'subscription' | 'sweep';
    }
  | { kind: 'settings_changed'; connectionId: string; agentIds: readonly string[] | 'all'; observedAt: number };

/** What watchers and routes hand events to; implemented by the engine. */
export interface SyncEventSink {
  publish(event: SyncEvent): void;
}

export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

/** Faults admins are told about (bot cards, tab). `key` deduplicates repeats of one fault. */
export type FaultKind =
  | 'subscription_create_failed'
  | 'subscription_renew_failed'
  | 'subscription_removed'
  | 'reauthorization_failed'
  | 'missed_notifications'
  | 'owner_token_failed'
  | 'permission_missing'
  | 'secret_expiring'
  | 'cxone_unreachable'
  | 'cxone_key_rejected'
  | 'graph_unreachable'
  | 'throttling';

export type Notice =
  | {
      kind: 'fault';
      connectionId: string;
      fault: FaultKind;
      key: string;
      message: string;
      /** How many mapped users are affected, when known. */
      impactUsers?: number;
      details?: Record<string, unknown>;
      at: number;
    }
  | { kind: 'fault_healed'; connectionId: string; fault: FaultKind; key: string; at: number }
  | {
      kind: 'manual_status_blocking';
      connectionId: string;
      agentId: string;
      userId: string;
      observed: PresencePair;
      wanted: PresencePair;
      since: number;
    }
  | { kind: 'manual_status_resolved'; connectionId: string; agentId: string; userId: string; at: number };

/** Where engine, watchers and clients report faults and agent notices; the bot's notifier implements it. */
export interface NoticeSink {
  notify(notice: Notice): void;
}

/** Everything the engine and watchers need to act for one connection, built from its stored settings. */
export interface ConnectionRuntime {
  connectionId: string;
  tenantId: string;
  options: import('./connection.ts').ConnectionOptions;
  teams: TeamsPresenceWriter & TeamsPresenceReader;
  cxone: CxoneStateWriter & CxoneStateReader;
}

/** Builds (and caches) runtimes from the connections table; `invalidate` after a settings/secret change. */
export interface ConnectionRuntimeProvider {
  get(connectionId: string): Promise<ConnectionRuntime>;
  listConnectionIds(): Promise<string[]>;
  invalidate(connectionId: string): void;
}
