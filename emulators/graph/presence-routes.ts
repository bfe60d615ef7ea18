import {
  isPreferredPair,
  isSettablePair,
  normalizeActivity,
  normalizeAvailability,
  type PresencePair,
} from '../../api/src/domain/presence.ts';
import { PRESENCE_BATCH_MAX_IDS } from './defaults.ts';
import type { Directory } from './directory.ts';
import { badRequest, fail, notFound } from './graph-errors.ts';
import { isRecord, json, type Req, type Router } from './http.ts';
import { parseIsoDuration } from './presence-model.ts';
import { type PresenceStore, presenceJson } from './presence-store.ts';
import { PERMS, type Principal, requirePermission } from './principal.ts';

/**
 * Presence endpoints: presence-get, cloudcommunications-getpresencesbyuserid,
 * presence-setpresence, presence-clearpresence, presence-setuserpreferredpresence,
 * presence-clearuserpreferredpresence. Writes answer 200 with no body, as Graph does.
 */
const MIN_SESSION_MS = 5 * 60_000;
const MAX_SESSION_MS = 4 * 3600_000;
const DAY_MS = 24 * 3600_000;

export function presenceRoutes(router: Router, o: { dir: Directory; store: PresenceStore; graphBase: () => string }): void {
  const { dir, store } = o;
  const principal = (req: Req): Principal => req.principal!;

  /** Resolves /users/{id|upn} or /me to a user id that has presence. */
  const target = (req: Req, raw: string | undefined): string => {
    const p = principal(req);
    if (raw === undefined) {
      if (p.kind !== 'user' || !p.userId) throw badRequest('/me request is only valid with delegated authentication flow.');
      return p.userId;
    }
    const u = dir.find(raw);
    if (!u || !store.has(u.id)) throw notFound(`The user '${raw}' was not found.`);
    return u.id;
  };
  const one = (userId: string) => ({
    '@odata.context': `${o.graphBase()}/$metadata#users('${userId}')/presence/$entity`,
    ...presenceJson(userId, store.read(userId)!),
  });

  const readOne = (req: Req, raw: string | undefined) => {
    const p = principal(req);
    if (raw === undefined) requirePermission(p, [], ['Presence.Read', ...PERMS.presenceRead.delegated]);
    else requirePermission(p, PERMS.presenceRead.app, PERMS.presenceRead.delegated);
    return json(200, one(target(req, raw)));
  };
  router.on('GET', '/users/:id/presence', (req) => readOne(req, req.params.id));
  router.on('GET', '/me/presence', (req) => readOne(req, undefined));
  router.on('GET', '/communications/presences/:id', (req) => readOne(req, req.params.id));

  router.on('POST', '/communications/getPresencesByUserId', (req) => {
    requirePermission(principal(req), PERMS.presenceRead.app, PERMS.presenceRead.delegated);
    const ids = presenceBatchIds(req.body);
    const value: Record<string, unknown>[] = [];
    for (const id of new Set(ids)) {
      const r = store.read(id);
      // Unknown users are left out of the answer (the reader treats absence as "unknown").
      if (r) value.push(presenceJson(id, r));
    }
    return json(200, { '@odata.context': `${o.graphBase()}/$metadata#Collection(microsoft.graph.presence)`, value });
  });

  const write = (raw: string | undefined, req: Req) => {
    const p = principal(req);
    if (raw === undefined) requirePermission(p, [], PERMS.presenceWrite.delegated);
    else requirePermission(p, PERMS.presenceWrite.app, PERMS.presenceWrite.delegated);
    return target(req, raw);
  };

  const setPresence = (req: Req, raw: string | undefined) => {
    const userId = write(raw, req);
    const b = body(req);
    const sessionId = requiredString(b, 'sessionId');
    if (sessionId.toLowerCase() !== principal(req).appId.toLowerCase())
      throw badRequest(`sessionId must be the id of the calling application (${principal(req).appId}).`);
    const pair = requiredPair(b);
    if (!isSettablePair(pair))
      throw badRequest(
        `The availability/activity pair '${pair.availability}/${pair.activity}' is not supported. Supported: Available/Available, Busy/InACall, Busy/InAConferenceCall, Away/Away, DoNotDisturb/Presenting.`,
      );
    const ms = duration(b, 'expirationDuration', MIN_SESSION_MS);
    if (ms < MIN_SESSION_MS || ms > MAX_SESSION_MS) throw badRequest('expirationDuration must be between PT5M and PT4H.');
    store.mutate(userId, (s, now) => {
      s.apps.set(principal(req).appId, { pair, setAt: now, expiresAt: now + ms });
    });
    return json(200, '');
  };
  router.on('POST', '/users/:id/presence/setPresence', (req) => setPresence(req, req.params.id));
  router.on('POST', '/me/presence/setPresence', (req) => setPresence(req, undefined));

  const clearPresence = (req: Req, raw: string | undefined) => {
    const userId = write(raw, req);
    const sessionId = requiredString(body(req), 'sessionId');
    if (sessionId.toLowerCase() !== principal(req).appId.toLowerCase())
      throw badRequest(`sessionId must be the id of the calling application (${principal(req).appId}).`);
    const removed = store.mutate(userId, (s) => s.apps.delete(principal(req).appId));
    if (!removed) throw fail(404, 'NotFound', `The presence session '${sessionId}' was not found for this user.`);
    return json(200, '');
  };
  router.on('POST', '/users/:id/presence/clearPresence', (req) => clearPresence(req, req.params.id));
  router.on('POST', '/me/presence/clearPresence', (req) => clearPresence(req, undefined));

  const setPreferred = (req: Req, raw: string | undefined) => {
    const userId = write(raw, req);
    const b = body(req);
    const pair = requiredPair(b);
    if (!isPreferredPair(pair))
      throw badRequest(
        `The availability/activity pair '${pair.availability}/${pair.activity}' is not supported. Supported: Available/Available, Busy/Busy, DoNotDisturb/DoNotDisturb, BeRightBack/BeRightBack, Away/Away, Offline/OffWork.`,
      );
    const fallback = pair.availability === 'Busy' || pair.availability === 'DoNotDisturb' ? DAY_MS : 7 * DAY_MS;
    const ms = duration(b, 'expirationDuration', fallback);
    if (ms <= 0) throw badRequest('expirationDuration must be positive.');
    store.mutate(userId, (s, now) => {
      s.preferred = { pair, expiresAt: now + ms };
    });
    return json(200, '');
  };
  router.on('POST', '/users/:id/presence/setUserPreferredPresence', (req) => setPreferred(req, req.params.id));
  router.on('POST', '/me/presence/setUserPreferredPresence', (req) => setPreferred(req, undefined));

  const clearPreferred = (req: Req, raw: string | undefined) => {
    const userId = write(raw, req);
    store.mutate(userId, (s) => {
      s.preferred = null;
    });
    return json(200, '');
  };
  router.on('POST', '/users/:id/presence/clearUserPreferredPresence', (req) => clearPreferred(req, req.params.id));
  router.on('POST', '/me/presence/clearUserPreferredPresence', (req) => clearPreferred(req, undefined));
}

/** Validates the getPresencesByUserId body; also used to count per-id quota. */
export function presenceBatchIds(b: unknown): string[] {
  if (!isRecord(b) || !Array.isArray(b.ids)) throw badRequest("The request body must contain 'ids', an array of user ids.");
  if (b.ids.length === 0) throw badRequest("'ids' must not be empty.");
  if (b.ids.length > PRESENCE_BATCH_MAX_IDS) throw badRequest('Too many ids: at most 650 users can be requested at once.');
  if (!b.ids.every((x): x is string => typeof x === 'string' && x.length > 0))
    throw badRequest("'ids' must contain only user id strings.");
  return b.ids;
}

function body(req: Req): Record<string, unknown> {
  if (!isRecord(req.body)) throw badRequest('A JSON request body is required.');
  return req.body;
}

function requiredString(b: Record<string, unknown>, key: string): string {
  const v = b[key];
  if (typeof v !== 'string' || !v) throw badRequest(`The '${key}' property is required.`);
  return v;
}

function requiredPair(b: Record<string, unknown>): PresencePair {
  return {
    availability: normalizeAvailability(requiredString(b, 'availability')),
    activity: normalizeActivity(requiredString(b, 'activity')),
  };
}

function duration(b: Record<string, unknown>, key: string, fallback: number): number {
  const v = b[key];
  if (v === undefined || v === null) return fallback;
  const ms = typeof v === 'string' ? parseIsoDuration(v) : null;
  if (ms === null) throw badRequest(`'${key}' must be an ISO 8601 duration such as PT1H.`);
  return ms;
}
