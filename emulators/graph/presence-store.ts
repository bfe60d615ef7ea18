import type { PresencePair } from '../../api/src/domain/presence.ts';
import type { EmulatorClock } from './clock.ts';
import {
  aggregateAt,
  emptyState,
  nextTransitionAt,
  preferredAt,
  prune,
  type SessionView,
  sessionsAt,
  type UserPresenceState,
} from './presence-model.ts';

/**
 * Live presence of every user: the pure state (presence-model.ts) plus the last aggregate reported
 * and its sequence number. After every change, and when the clock reaches the user's next fade or
 * expiry, the aggregate is recomputed; when it differs the sequence number grows and `onChange`
 * fires (subscriptions deliver from there). Memory: one small record per user with a state.
 */
interface Entry {
  state: UserPresenceState;
  shown: PresencePair;
  seq: number;
}

export interface PresenceChange {
  userId: string;
  presence: PresencePair;
  sequenceNumber: string;
}

export interface PresenceSnapshot {
  aggregated: PresencePair;
  sessions: SessionView[];
  preferred: { availability: string; activity: string; expiresAt: number } | null;
  sequenceNumber: string;
}

/** Zero-padded so string order = numeric order (Graph: "a sortable version stamp"). */
const stamp = (n: number) => n.toString().padStart(16, '0');

export class PresenceStore {
  private readonly entries = new Map<string, Entry>();
  private counter = 0;

  constructor(
    private readonly clock: EmulatorClock,
    private readonly onChange: (c: PresenceChange) => void,
  ) {}

  /** Registers a user (no sessions = Offline/Offline). */
  add(userId: string): void {
    if (this.entries.has(userId)) return;
    const state = emptyState();
    this.entries.set(userId, { state, shown: aggregateAt(state, this.clock.now()), seq: ++this.counter });
  }

  has(userId: string): boolean {
    return this.entries.has(userId);
  }

  /** Runs `fn` on the user's state at the current time, then re-evaluates. */
  mutate<T>(userId: string, fn: (state: UserPresenceState, now: number) => T): T {
    const e = this.mustGet(userId);
    const now = this.clock.now();
    prune(e.state, now);
    const r = fn(e.state, now);
    this.refresh(userId);
    return r;
  }

  /** Recomputes the aggregate; called by mutations and by the clock's scheduler (key = user id). */
  refresh(userId: string): void {
    const e = this.entries.get(userId);
    if (!e) return;
    const now = this.clock.now();
    prune(e.state, now);
    const next = aggregateAt(e.state, now);
    if (next.availability !== e.shown.availability || next.activity !== e.shown.activity) {
      e.shown = next;
      e.seq = ++this.counter;
      this.onChange({ userId, presence: next, sequenceNumber: stamp(e.seq) });
    }
    this.clock.schedule(userId, nextTransitionAt(e.state, now));
  }

  /** What Graph returns for the user now. Unknown user → undefined. */
  read(userId: string): { pair: PresencePair; sequenceNumber: string } | undefined {
    const e = this.entries.get(userId);
    if (!e) return undefined;
    // A base clock that moved without the timer firing yet (tests) must still read true.
    this.refresh(userId);
    return { pair: e.shown, sequenceNumber: stamp(e.seq) };
  }

  snapshot(userId: string): PresenceSnapshot {
    const e = this.mustGet(userId);
    this.refresh(userId);
    const now = this.clock.now();
    const pref = preferredAt(e.state, now);
    return {
      aggregated: e.shown,
      sessions: sessionsAt(e.state, now),
      preferred: pref && e.state.preferred ? { ...pref, expiresAt: e.state.preferred.expiresAt } : null,
      sequenceNumber: stamp(e.seq),
    };
  }

  private mustGet(userId: string): Entry {
    const e = this.entries.get(userId);
    if (!e) throw new Error(`no such user ${userId}`);
    return e;
  }
}

/** The presence resource JSON (presence-get). */
export function presenceJson(userId: string, r: { pair: PresencePair; sequenceNumber: string }): Record<string, unknown> {
  return {
    id: userId,
    availability: r.pair.availability,
    activity: r.pair.activity,
    sequenceNumber: r.sequenceNumber,
    statusMessage: null,
    outOfOfficeSettings: { message: null, isOutOfOffice: false },
  };
}
