import { z } from 'zod';

/**
 * Silent-subscription detection, pure: the reader saw covered users change; did the subscription
 * deliver anything since those changes could have happened?
 *
 * A change the reader sees happened after `after` (the later of when the old value was first seen and
 * when the reader last read that user), so any notification for the group that arrived at or after
 * `after` shows the subscription was alive then. Comparing with when the reader *saw* the change
 * instead would call a live subscription silent whenever the notification was handled first by
 * another replica (whose reader-side ledger this process does not share) and no later one came.
 */
export interface ReaderSighting {
  /** The change happened after this time (ms). */
  after: number;
  /** When the reader saw it (ms): the grace for a notification to arrive runs from here. */
  seenAt: number;
}

/** A group's unexplained sightings: the earliest, and the latest (what is left once the earliest is explained). */
export interface Suspicion {
  first: ReaderSighting;
  last: ReaderSighting;
}

const sighting = z.object({ after: z.number(), seenAt: z.number() });
const suspicionSchema = z.object({ first: sighting, last: sighting });

/** A stored suspicion, or null when there is none or it is not one (never trusted blindly). */
export function asSuspicion(value: unknown): Suspicion | null {
  const r = suspicionSchema.safeParse(value);
  return r.success ? r.data : null;
}

export function noteSighting(prev: Suspicion | undefined, s: ReaderSighting): Suspicion {
  if (!prev) return { first: s, last: s };
  return {
    first: s.after < prev.first.after ? s : prev.first,
    last: s.after >= prev.last.after ? s : prev.last,
  };
}

/** Both suspicions' sightings as one (the earliest and the latest of the two). */
export function mergeSuspicions(a: Suspicion | null, b: Suspicion): Suspicion {
  return a ? noteSighting(noteSighting(a, b.first), b.last) : b;
}

export type Verdict =
  | { kind: 'explained' }
  | { kind: 'waiting'; suspicion: Suspicion; since: number }
  | { kind: 'silent'; since: number };

/**
 * Weighs a suspicion at `now` against `aliveAt`: the latest evidence the subscription was alive (its
 * last notification, or its creation, since Graph owes no notification for a change before it), or null.
 */
export function judge(s: Suspicion, aliveAt: number | null, now: number, graceMs: number): Verdict {
  const heard = (x: ReaderSighting) => aliveAt !== null && aliveAt >= x.after;
  if (heard(s.last)) return { kind: 'explained' };
  const open = heard(s.first) ? { first: s.last, last: s.last } : s;
  const since = open.first.seenAt;
  return now - since >= graceMs ? { kind: 'silent', since } : { kind: 'waiting', suspicion: open, since };
}
