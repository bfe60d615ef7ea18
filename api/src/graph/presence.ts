import type { WriteUrgency } from '../domain/ports.ts';
import {
  isPreferredPair,
  isSettablePair,
  normalizePresence,
  PREFERRED_PAIRS,
  type PresencePair,
  SETTABLE_PAIRS,
  samePair,
  type TeamsPresence,
} from '../domain/presence.ts';
import { ExternalError } from '../domain/reasons.ts';
import type { GraphTransport } from './transport.ts';

/**
 * Presence reads and writes. Shapes (learn.microsoft.com):
 * - presence-get: `GET /users/{id}/presence` → `{id, availability, activity, sequenceNumber?, …}`
 * - cloudcommunications-getpresencesbyuserid: `POST /communications/getPresencesByUserId {ids}` →
 *   `{value: [presence…]}`, at most 650 ids per request
 * - presence-setpresence: `POST /users/{id}/presence/setPresence {sessionId, availability, activity,
 *   expirationDuration}`; presence-clearpresence: `POST …/clearPresence {sessionId}` (404 when the
 *   session does not exist)
 * - presence-setuserpreferredpresence / presence-clearuserpreferredpresence
 */
export const PRESENCE_READ = 'Presence.Read.All';
export const PRESENCE_WRITE = 'Presence.ReadWrite.All';
export const PRESENCE_BATCH_MAX = 650;

export interface GraphPresenceBody {
  id?: string;
  availability?: string | null;
  activity?: string | null;
  sequenceNumber?: string | null;
}

export const toTeamsPresence = (p: GraphPresenceBody): TeamsPresence =>
  normalizePresence({
    availability: p.availability ?? 'PresenceUnknown',
    activity: p.activity ?? 'PresenceUnknown',
    sequenceNumber: p.sequenceNumber ?? null,
  });

/** Splits ids into request-sized groups (pure). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** ISO 8601 duration (PnDTnHnMnS) → ms, or null when it is not one. */
export function durationMs(iso: string): number | null {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(iso);
  if (!m || iso === 'P' || iso.endsWith('T')) return null;
  const [, d, h, min, s] = m;
  return ((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(min ?? 0)) * 60_000 + Number(s ?? 0) * 1000;
}

const invalid = (message: string) => new ExternalError('graph_rejected', message, { service: 'graph', status: 400 });
const list = (pairs: readonly PresencePair[]) => pairs.map((p) => `${p.availability}/${p.activity}`).join(', ');

/** Local checks before setPresence: only the five settable pairs, expiration PT5M…PT4H. Returns the canonical pair. */
export function checkSetPresence(pair: PresencePair, expiration: string): PresencePair {
  if (!isSettablePair(pair))
    throw invalid(
      `Teams cannot set ${pair.availability}/${pair.activity} through setPresence; allowed pairs: ${list(SETTABLE_PAIRS)}`,
    );
  const ms = durationMs(expiration);
  if (ms === null || ms < 5 * 60_000 || ms > 4 * 3_600_000)
    throw invalid(`setPresence expiration must be an ISO 8601 duration from PT5M to PT4H (got "${expiration}")`);
  return SETTABLE_PAIRS.find((s) => samePair(s, pair)) as PresencePair;
}

export function checkPreferred(pair: PresencePair, expiration?: string): PresencePair {
  if (!isPreferredPair(pair))
    throw invalid(
      `Teams cannot set ${pair.availability}/${pair.activity} through setUserPreferredPresence; allowed pairs: ${list(PREFERRED_PAIRS)}`,
    );
  if (expiration !== undefined && (durationMs(expiration) ?? 0) <= 0)
    throw invalid(`setUserPreferredPresence expiration must be a positive ISO 8601 duration (got "${expiration}")`);
  return PREFERRED_PAIRS.find((s) => samePair(s, pair)) as PresencePair;
}

const userPath = (userId: string) => `/users/${encodeURIComponent(userId)}/presence`;

export function presenceOps(t: GraphTransport, sessionId: string, batchCost: 'request' | 'per_id' = 'request') {
  return {
    async getPresence(userId: string): Promise<TeamsPresence | null> {
      try {
        const body = await t.call<GraphPresenceBody>({
          operation: 'getPresence',
          permission: PRESENCE_READ,
          method: 'GET',
          path: userPath(userId),
          priority: 'read',
        });
        return body ? toTeamsPresence(body) : null;
      } catch (err) {
        if (err instanceof ExternalError && err.extra.status === 404) return null;
        throw err;
      }
    },

    async getPresences(userIds: readonly string[]): Promise<Map<string, TeamsPresence>> {
      const unique = [...new Set(userIds)];
      const result = new Map<string, TeamsPresence>();
      const pages = await Promise.all(
        chunk(unique, PRESENCE_BATCH_MAX).map((ids) =>
          t.call<{ value?: GraphPresenceBody[] }>({
            operation: 'getPresencesByUserId',
            permission: PRESENCE_READ,
            method: 'POST',
            path: '/communications/getPresencesByUserId',
            body: { ids },
            priority: 'read',
            cost: batchCost === 'per_id' ? ids.length : 1,
          }),
        ),
      );
      for (const page of pages) for (const p of page?.value ?? []) if (p.id) result.set(p.id, toTeamsPresence(p));
      return result;
    },

    async setPresence(
      userId: string,
      pair: PresencePair,
      expiration: string,
      urgency: WriteUrgency = 'background',
    ): Promise<void> {
      const p = checkSetPresence(pair, expiration);
      await t.call({
        operation: 'setPresence',
        permission: PRESENCE_WRITE,
        method: 'POST',
        path: `${userPath(userId)}/setPresence`,
        body: { sessionId, availability: p.availability, activity: p.activity, expirationDuration: expiration },
        priority: urgency,
      });
    },

    async clearPresence(userId: string, urgency: WriteUrgency = 'background', session = sessionId): Promise<void> {
      try {
        await t.call({
          operation: 'clearPresence',
          permission: PRESENCE_WRITE,
          method: 'POST',
          path: `${userPath(userId)}/clearPresence`,
          body: { sessionId: session },
          priority: urgency,
        });
      } catch (err) {
        // presence-clearpresence: 404 when the session does not exist = already cleared.
        if (err instanceof ExternalError && err.extra.status === 404) return;
        throw err;
      }
    },

    async setUserPreferredPresence(
      userId: string,
      pair: PresencePair,
      expiration?: string,
      urgency: WriteUrgency = 'background',
    ): Promise<void> {
      const p = checkPreferred(pair, expiration);
      await t.call({
        operation: 'setUserPreferredPresence',
        permission: PRESENCE_WRITE,
        method: 'POST',
        path: `${userPath(userId)}/setUserPreferredPresence`,
        body: {
          availability: p.availability,
          activity: p.activity,
          ...(expiration !== undefined ? { expirationDuration: expiration } : {}),
        },
        priority: urgency,
      });
    },

    async clearUserPreferredPresence(userId: string, urgency: WriteUrgency = 'background'): Promise<void> {
      await t.call({
        operation: 'clearUserPreferredPresence',
        permission: PRESENCE_WRITE,
        method: 'POST',
        path: `${userPath(userId)}/clearUserPreferredPresence`,
        body: {},
        priority: urgency,
      });
    },
  };
}
