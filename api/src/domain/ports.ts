import type { AgentStateSnapshot, CxoneTarget } from './cxone.ts';
import type { PresencePair, TeamsPresence } from './presence.ts';

/**
 * The narrow interfaces the sync engine writes through. The Graph and CXone clients implement them;
 * unit and property tests use in-memory fakes. Failures are thrown as `ExternalError` (reasons.ts).
 */
export interface TeamsPresenceWriter {
  /** setPresence with session id = the app's client id. `expiration` is an ISO 8601 duration (PT5M…PT4H). */
  setPresence(userId: string, pair: PresencePair, expiration: string): Promise<void>;
  /** clearPresence; resolves (does not throw) when the session is already gone (404). */
  clearPresence(userId: string): Promise<void>;
  setUserPreferredPresence(userId: string, pair: PresencePair, expiration?: string): Promise<void>;
  clearUserPreferredPresence(userId: string): Promise<void>;
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
