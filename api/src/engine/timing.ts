import { samePair } from '../domain/presence.ts';
import type { TeamsSet } from './types.ts';

/**
 * Session lifetimes (facts/graph.md): an app session expires after its expirationDuration (PT5M–PT4H)
 * and an Available session fades to AvailableInactive after 5 minutes unless re-sent. We ask for one
 * hour (few renewals, and a crashed replica's sessions vanish within the hour) and renew 10 minutes
 * early; Available is re-sent every 4 minutes, a minute before it would fade.
 */
export const SESSION_EXPIRATION = 'PT1H';
export const SESSION_TTL_MS = 60 * 60_000;
export const RENEW_BEFORE_EXPIRY_MS = 10 * 60_000;
export const AVAILABLE_RESEND_MS = 4 * 60_000;

/**
 * How long a mismatch that only a hand-picked status explains must persist (after our last write)
 * before we call it a manual status and tell the agent. Long enough to ride out Graph's read lag and
 * a notification racing our own write; short enough that the agent learns while it still matters.
 */
export const MANUAL_CONFIRM_MS = 20_000;

/** When the session (or forced preferred presence) must be re-sent to stay visible. */
export function keepAliveDueAt(set: TeamsSet): number {
  const renew = set.expiresAt - RENEW_BEFORE_EXPIRY_MS;
  if (!set.preferred && samePair(set.pair, { availability: 'Available', activity: 'Available' }))
    return Math.min(renew, set.at + AVAILABLE_RESEND_MS);
  return renew;
}
