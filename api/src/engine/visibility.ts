import { normalizeActivity, normalizeAvailability, type PresencePair, samePair, sessionRank } from '../domain/presence.ts';
import { MANUAL_CONFIRM_MS } from './timing.ts';
import type { ManualNotice, ManualTracking } from './types.ts';

/**
 * Can the user see our app session, and if not, why? Graph reports only the aggregate, so we infer
 * from Microsoft's aggregation (domain/presence.ts): preferred presence > sessions, and among
 * sessions DoNotDisturb > Busy > Available > Away.
 *
 * Heuristic for a manual (user-picked) status, given our session holds `wanted` and Graph shows `seen`:
 *  1. `seen` is one of the pairs only setUserPreferredPresence produces — Busy/Busy,
 *     DoNotDisturb/DoNotDisturb, BeRightBack/BeRightBack, Offline/OffWork — or
 *  2. `seen` ranks BELOW `wanted` (e.g. Away/Away or Available/Available over our Busy): no session can
 *     beat ours from below, so only a preferred presence explains it.
 *  Either way it must persist: same `seen`, same `wanted`, for MANUAL_CONFIRM_MS counted from the
 *  later of the first sighting and our last write (a racing notification or a slow read of our own
 *  write is not evidence). Then it is confirmed: one 'manual_status_blocking' notice; when the
 *  aggregate again shows ours or something a session explains, 'manual_status_resolved'. Our session
 *  is kept alive meanwhile, so sync resumes by itself the moment the agent resets the status.
 * `seen` ranking at or above `wanted` with a pair a Teams client produces (InAMeeting, InACall,
 * Presenting, Available over our Away…) is another session: hidden_by_other_session.
 * Offline/Offline or PresenceUnknown means the user has no session at all: ours is gone, re-send it.
 */
const PREFERRED_ONLY: readonly PresencePair[] = [
  { availability: 'Busy', activity: 'Busy' },
  { availability: 'DoNotDisturb', activity: 'DoNotDisturb' },
  { availability: 'BeRightBack', activity: 'BeRightBack' },
  { availability: 'Offline', activity: 'OffWork' },
];

export const isPreferredOnlyPair = (p: PresencePair) => PREFERRED_ONLY.some((x) => samePair(x, p));

/** No session at all (ours included): Graph shows Offline or unknown without a hand-picked OffWork. */
export function isSessionMissing(p: PresencePair): boolean {
  const a = normalizeAvailability(p.availability);
  return (a === 'Offline' || a === 'PresenceUnknown') && normalizeActivity(p.activity) !== 'OffWork';
}

export type Visibility =
  | { kind: 'shown' }
  | { kind: 'session_missing' }
  | { kind: 'hidden_by_other_session' }
  | { kind: 'manual_suspected' };

export function classifyVisibility(wanted: PresencePair, seen: PresencePair): Visibility {
  if (samePair(wanted, seen)) return { kind: 'shown' };
  if (isSessionMissing(seen)) return { kind: 'session_missing' };
  if (isPreferredOnlyPair(seen)) return { kind: 'manual_suspected' };
  if (sessionRank(seen.availability) >= sessionRank(wanted.availability)) return { kind: 'hidden_by_other_session' };
  return { kind: 'manual_suspected' };
}

/**
 * Advances manual tracking for a suspected manual status seen at `seenAt`. `lastWriteAt` restarts the
 * clock: evidence only counts after our own latest write.
 */
export function trackManual(
  prev: ManualTracking | null,
  seen: PresencePair,
  wanted: PresencePair,
  seenAt: number,
  lastWriteAt: number,
  now: number,
): { manual: ManualTracking; notices: ManualNotice[]; recheckAt: number | null } {
  const same = prev && samePair(prev.observed, seen) && samePair(prev.wanted, wanted);
  const base: ManualTracking = same
    ? prev
    : { observed: seen, wanted, since: seenAt, confirmed: false, notified: prev?.notified ?? false };
  const confirmAt = Math.max(base.since, lastWriteAt) + MANUAL_CONFIRM_MS;
  if (now < confirmAt) return { manual: { ...base, confirmed: base.confirmed && !!same }, notices: [], recheckAt: confirmAt };
  const notices: ManualNotice[] = base.notified
    ? []
    : [{ kind: 'manual_status_blocking', observed: seen, wanted, since: base.since }];
  return { manual: { ...base, confirmed: true, notified: true }, notices, recheckAt: null };
}

/** The mismatch is gone: drop tracking, telling the agent if we had told them it was blocking. */
export function resolveManual(prev: ManualTracking | null): { manual: null; notices: ManualNotice[] } {
  return { manual: null, notices: prev?.notified ? [{ kind: 'manual_status_resolved' }] : [] };
}
