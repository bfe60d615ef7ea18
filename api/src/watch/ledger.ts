import { normalizePresence, type TeamsPresence } from '../domain/presence.ts';

/**
 * What was last seen of each user's Teams presence, and the pure rules for deciding whether a new
 * observation is a change. Shared by the reader and the subscription inbox, so one change is emitted
 * once whichever watcher sees it first, and an older notification never overwrites a newer value.
 */
export interface SeenPresence {
  availability: string;
  activity: string;
  sequenceNumber: string | null;
  /** When we observed it (ms since epoch). */
  seenAt: number;
}

/** Orders Graph sequence numbers: numeric strings numerically, otherwise by length then text. */
export function compareSequence(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x === y ? 0 : x < y ? -1 : 1;
  }
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a === b ? 0 : a < b ? -1 : 1;
}

export type Observation = 'changed' | 'same' | 'stale' | 'first';

/**
 * Classifies a new observation against what was last seen:
 * - first: nothing seen before (recorded, not a change: a restart or a new user must not emit a storm);
 * - stale: an older sequence number than the one we have (reordered delivery): ignored;
 * - same: same sequence number, or no sequence numbers and the same value;
 * - changed: a newer sequence number with a different value, or a different value without sequence numbers.
 * A newer sequence number with the same value is `same` (the stored stamp is still advanced).
 */
export function classify(prev: SeenPresence | undefined, next: TeamsPresence): Observation {
  if (!prev) return 'first';
  const n = normalizePresence(next);
  const sameValue =
    prev.availability.toLowerCase() === n.availability.toLowerCase() && prev.activity.toLowerCase() === n.activity.toLowerCase();
  const seq = next.sequenceNumber ?? null;
  if (seq && prev.sequenceNumber) {
    const c = compareSequence(seq, prev.sequenceNumber);
    if (c < 0) return 'stale';
    if (c === 0) return 'same';
    return sameValue ? 'same' : 'changed';
  }
  return sameValue ? 'same' : 'changed';
}

export interface LedgerUpdate {
  userId: string;
  presence: TeamsPresence;
  observation: Observation;
  /** Whether the stored record must be written (new value or advanced stamp). */
  dirty: boolean;
}

/** The in-memory ledger of one connection. Pure apart from its own map. */
export class PresenceLedger {
  private readonly seen = new Map<string, SeenPresence>();
  private loading: Promise<void> | undefined;

  /** Loads persisted entries once (concurrent callers share the load); later calls are no-ops. */
  ensureLoaded(loader: () => Promise<Iterable<[string, SeenPresence]>>): Promise<void> {
    this.loading ??= loader().then(
      (entries) => {
        // What was observed while loading is newer than what was persisted.
        for (const [k, v] of entries) if (!this.seen.has(k)) this.seen.set(k, v);
      },
      (err: unknown) => {
        this.loading = undefined;
        throw err;
      },
    );
    return this.loading;
  }

  load(entries: Iterable<[string, SeenPresence]>): void {
    for (const [k, v] of entries) this.seen.set(k, v);
  }
  get(userId: string): SeenPresence | undefined {
    return this.seen.get(userId);
  }
  get size(): number {
    return this.seen.size;
  }
  forget(userId: string): void {
    this.seen.delete(userId);
  }
  entries(): IterableIterator<[string, SeenPresence]> {
    return this.seen.entries();
  }

  /** Applies one observation; returns what happened and whether it must be persisted. */
  observe(userId: string, presence: TeamsPresence, at: number): LedgerUpdate {
    const prev = this.seen.get(userId);
    const observation = classify(prev, presence);
    const n = normalizePresence(presence);
    const seq = presence.sequenceNumber ?? null;
    let dirty = false;
    if (observation === 'first' || observation === 'changed') dirty = true;
    else if (observation === 'same' && prev && seq && seq !== prev.sequenceNumber) dirty = true;
    if (dirty) this.seen.set(userId, { availability: n.availability, activity: n.activity, sequenceNumber: seq, seenAt: at });
    return { userId, presence: { ...n, sequenceNumber: seq }, observation, dirty };
  }
}
