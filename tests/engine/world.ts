import { defaultConnectionOptions } from '../../api/src/domain/connection.ts';
import type { AgentStateSnapshot, CxoneTarget } from '../../api/src/domain/cxone.ts';
import type {
  ConnectionRuntime,
  ConnectionRuntimeProvider,
  CxoneStateReader,
  CxoneStateWriter,
  Notice,
  NoticeSink,
  TeamsPresenceReader,
  TeamsPresenceWriter,
  WriteUrgency,
} from '../../api/src/domain/ports.ts';
import {
  aggregate,
  isPreferredPair,
  isSettablePair,
  type PresencePair,
  type TeamsPresence,
} from '../../api/src/domain/presence.ts';
import { ExternalError } from '../../api/src/domain/reasons.ts';

/**
 * An in-memory world for engine tests: a fake Microsoft Teams that aggregates presence the way
 * Microsoft documents it (preferred > sessions; DND > Busy > Available > Away) from Teams-client
 * sessions, our app session and a preferred presence; and a fake CXone. Both record every write
 * and who set what, so tests can check ownership and loop bounds.
 */
export type Who = 'engine' | 'person';

export interface TeamsWrite {
  op: 'setPresence' | 'clearPresence' | 'setUserPreferredPresence' | 'clearUserPreferredPresence';
  userId: string;
  pair?: PresencePair;
  /** For clearUserPreferredPresence: who had set the preferred presence being cleared. */
  clearedOwner?: Who | null;
  /** Who the engine said waits for the write (undefined = left out). */
  urgency?: WriteUrgency | undefined;
}

export class FakeTeams implements TeamsPresenceWriter, TeamsPresenceReader {
  readonly clients = new Map<string, PresencePair>();
  readonly app = new Map<string, PresencePair>();
  /** When the app session got its current pair (re-sends of the same pair keep it). */
  readonly appSince = new Map<string, number>();
  constructor(private readonly now: () => number = () => 0) {}
  readonly preferred = new Map<string, { pair: PresencePair; by: Who }>();
  readonly writes: TeamsWrite[] = [];
  readonly seq = new Map<string, number>();
  private last = new Map<string, string>();
  /** Errors to throw on the next writes, in order. */
  failures: ExternalError[] = [];
  violations: string[] = [];
  /** Users who picked a status by hand since the engine last forced one. */
  readonly personTouchedPreferred = new Set<string>();
  private readonly lastForced = new Map<string, PresencePair>();

  private fail(): void {
    const e = this.failures.shift();
    if (e) throw e;
  }
  private bump(userId: string): void {
    const now = JSON.stringify(this.show(userId));
    if (this.last.get(userId) !== now) {
      this.last.set(userId, now);
      this.seq.set(userId, (this.seq.get(userId) ?? 0) + 1);
    }
  }
  async setPresence(userId: string, pair: PresencePair, expiration: string, urgency?: WriteUrgency): Promise<void> {
    this.fail();
    if (!isSettablePair(pair)) this.violations.push(`setPresence with unsettable pair ${pair.availability}/${pair.activity}`);
    if (!/^PT\d+[HM]$/.test(expiration)) this.violations.push(`bad expiration ${expiration}`);
    this.writes.push({ op: 'setPresence', userId, pair, urgency });
    const prev = this.app.get(userId);
    if (!prev || prev.availability !== pair.availability || prev.activity !== pair.activity)
      this.appSince.set(userId, this.now());
    this.app.set(userId, pair);
    this.bump(userId);
  }
  async clearPresence(userId: string, urgency?: WriteUrgency): Promise<void> {
    this.fail();
    this.writes.push({ op: 'clearPresence', userId, urgency });
    this.appSince.delete(userId);
    this.app.delete(userId); // a missing session is a 404 the real writer swallows
    this.bump(userId);
  }
  async setUserPreferredPresence(
    userId: string,
    pair: PresencePair,
    _expiration?: string,
    urgency?: WriteUrgency,
  ): Promise<void> {
    this.fail();
    if (!isPreferredPair(pair)) this.violations.push(`preferred with bad pair ${pair.availability}/${pair.activity}`);
    this.writes.push({ op: 'setUserPreferredPresence', userId, pair, urgency });
    this.preferred.set(userId, { pair, by: 'engine' });
    this.lastForced.set(userId, pair);
    this.personTouchedPreferred.delete(userId);
    this.bump(userId);
  }
  async clearUserPreferredPresence(userId: string, urgency?: WriteUrgency): Promise<void> {
    this.fail();
    this.writes.push({ op: 'clearUserPreferredPresence', userId, clearedOwner: this.preferred.get(userId)?.by ?? null, urgency });
    this.preferred.delete(userId);
    this.lastForced.delete(userId);
    this.bump(userId);
  }
  /** What the user would see without our app session. */
  showWithoutApp(userId: string): PresencePair | null {
    const sessions = [this.clients.get(userId)].filter((x): x is PresencePair => !!x);
    return aggregate(sessions, this.preferred.get(userId)?.pair ?? null);
  }
  /** A Teams client session (meeting, call, idle…); null = the client closed. */
  client(userId: string, pair: PresencePair | null): void {
    if (pair) this.clients.set(userId, pair);
    else this.clients.delete(userId);
    this.bump(userId);
  }
  /** The user picks a status by hand (null = "Reset status"). */
  pick(userId: string, pair: PresencePair | null): void {
    // Picking exactly the status the engine forced (and has not cleared) looks the same to Graph
    // (same value, no new sequence): indistinguishable from ours, so the world attributes it to the engine.
    const forced = this.lastForced.get(userId);
    const same = !!pair && !!forced && forced.availability === pair.availability && forced.activity === pair.activity;
    if (pair) this.preferred.set(userId, { pair, by: same ? 'engine' : 'person' });
    else this.preferred.delete(userId);
    this.personTouchedPreferred.add(userId);
    this.bump(userId);
  }
  show(userId: string): PresencePair {
    const sessions = [this.clients.get(userId), this.app.get(userId)].filter((x): x is PresencePair => !!x);
    return aggregate(sessions, this.preferred.get(userId)?.pair ?? null) ?? { availability: 'Offline', activity: 'Offline' };
  }
  presence(userId: string): TeamsPresence {
    return { ...this.show(userId), sequenceNumber: String(this.seq.get(userId) ?? 0).padStart(12, '0') };
  }
  async getPresences(userIds: readonly string[]): Promise<Map<string, TeamsPresence>> {
    const got = new Map(userIds.map((id) => [id, this.presence(id)]));
    this.onRead?.(got);
    return got;
  }
  /** Called when the engine reads presences (the sweep). */
  onRead: ((got: Map<string, TeamsPresence>) => void) | null = null;
}

export interface CxoneWrite {
  agentId: string;
  target: CxoneTarget;
  /** Who had set the state this write replaced, and what it was. */
  replaced: { state: string; outStateId: number | null; by: Who | 'acd' };
}

export class FakeCxone implements CxoneStateWriter, CxoneStateReader {
  readonly states = new Map<string, { snap: AgentStateSnapshot; by: Who | 'acd' }>();
  readonly writes: CxoneWrite[] = [];
  /** When the engine last set each agent's state. */
  readonly engineSetAt = new Map<string, number>();
  /** Called before every write (tests check what caused it). */
  onWrite: ((agentId: string, target: CxoneTarget) => void) | null = null;
  failures: ExternalError[] = [];
  violations: string[] = [];
  private t = 0;

  constructor(private readonly now: () => number) {}

  set(agentId: string, state: string, opts: Partial<AgentStateSnapshot> = {}, by: Who | 'acd' = 'person'): AgentStateSnapshot {
    const snap: AgentStateSnapshot = {
      agentId,
      state,
      outStateId: null,
      outStateName: null,
      isAcw: false,
      contactId: null,
      isOutbound: false,
      agentToAgent: false,
      startTime: new Date(this.now() + this.t++).toISOString(),
      ...opts,
    };
    this.states.set(agentId, { snap, by });
    return snap;
  }
  get(agentId: string): AgentStateSnapshot | undefined {
    return this.states.get(agentId)?.snap;
  }
  async setAgentState(agentId: string, target: CxoneTarget): Promise<void> {
    const e = this.failures.shift();
    if (e) throw e;
    this.onWrite?.(agentId, target);
    const cur = this.states.get(agentId);
    if (!cur || cur.snap.state === 'LoggedOut')
      throw new ExternalError('cxone_rejected', 'agent is logged out', { service: 'cxone', status: 409 });
    const s = cur.snap;
    // Work in progress: CXone refuses (the engine may act on a stale view; tests check what it knew).
    if (['InboundContact', 'OutboundContact', 'InboundConsult', 'OutboundConsult', 'Dialer'].includes(s.state) || s.isAcw)
      throw new ExternalError('cxone_rejected', `agent ${agentId} is busy (${s.state})`, { service: 'cxone', status: 409 });
    this.writes.push({ agentId, target, replaced: { state: s.state, outStateId: s.outStateId, by: cur.by } });
    this.engineSetAt.set(agentId, this.now());
    if (target.state === 'Available') this.set(agentId, 'Available', {}, 'engine');
    else this.set(agentId, 'Unavailable', { outStateId: target.outStateId }, 'engine');
  }
  async getAgentStates(): Promise<AgentStateSnapshot[]> {
    const all = [...this.states.values()].map((s) => s.snap);
    this.onRead?.(all);
    return all;
  }
  /** Called when the engine reads every state (the sweep). */
  onRead: ((states: AgentStateSnapshot[]) => void) | null = null;
}

export class RecordingNotices implements NoticeSink {
  readonly notices: Notice[] = [];
  notify(n: Notice): void {
    this.notices.push(n);
  }
}

export function runtimeProvider(connectionIds: string[], teams: FakeTeams, cxone: FakeCxone): ConnectionRuntimeProvider {
  const make = (connectionId: string): ConnectionRuntime => ({
    connectionId,
    tenantId: 'tenant-1',
    options: defaultConnectionOptions(),
    teams,
    cxone,
  });
  return {
    get: async (id) => make(id),
    listConnectionIds: async () => connectionIds,
    invalidate: () => {},
  };
}
