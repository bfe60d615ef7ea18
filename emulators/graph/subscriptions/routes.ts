import { randomUUID } from 'node:crypto';
import type { Faults } from '../faults.ts';
import { badRequest, fail, graphError } from '../graph-errors.ts';
import { isRecord, json, noContent, type Req, type Router } from '../http.ts';
import type { Principal } from '../principal.ts';
import { parseSubscriberCert, type SubscriberCert } from './encrypt.ts';
import type { Subscription, SubscriptionManager } from './manager.ts';
import type { Poster } from './post.ts';
import { parsePresenceResource } from './resource.ts';

/**
 * /subscriptions (subscription-post-subscriptions, -update, -delete, -get, -list) for presence
 * resources, with Graph's presence rules (facts/graph.md): delegated only, one per user per app,
 * ≤650 ids, ≤60 min (under 45 raised to 45), validation handshake, encryption when resource data is
 * included.
 */
export function subscriptionRoutes(
  router: Router,
  o: { subs: SubscriptionManager; poster: Poster; faults: Faults; validationTimeoutMs: number },
): void {
  const { subs } = o;
  const principal = (req: Req): Principal => req.principal!;

  router.on('POST', '/subscriptions', async (req) => {
    const p = principal(req);
    const b = req.body;
    if (!isRecord(b)) throw badRequest('A JSON subscription body is required.');
    const resourceRaw = b.resource;
    if (typeof resourceRaw !== 'string' || !resourceRaw.trim()) throw badRequest("'resource' is required.");
    const parsed = parsePresenceResource(resourceRaw);
    if ('error' in parsed) throw fail(400, 'ExtensionError', parsed.error);
    // changenotifications-for-presence: application permissions are not supported.
    if (p.kind === 'app')
      throw fail(
        403,
        'ExtensionError',
        'Operation: Create; Exception: [Status Code: Forbidden; Reason: Application permissions are not supported for presence subscriptions; use a delegated token.]',
      );
    if (!p.scopes.includes('Presence.Read.All'))
      throw fail(
        403,
        'ExtensionError',
        'Operation: Create; Exception: [Status Code: Forbidden; Reason: The delegated token lacks Presence.Read.All.]',
      );
    if (b.changeType !== 'updated') throw badRequest("'changeType' must be 'updated' for presence resources.");
    const notificationUrl = url(b.notificationUrl, 'notificationUrl', true)!;
    const lifecycleNotificationUrl = url(b.lifecycleNotificationUrl, 'lifecycleNotificationUrl', false);
    const clientState = b.clientState === undefined || b.clientState === null ? null : b.clientState;
    if (clientState !== null && (typeof clientState !== 'string' || clientState.length > 128))
      throw badRequest("'clientState' must be a string of at most 128 characters.");
    const includeResourceData = b.includeResourceData === true;
    let cert: SubscriberCert | null = null;
    let certId: string | null = null;
    let certRaw: string | null = null;
    if (includeResourceData) {
      if (
        typeof b.encryptionCertificate !== 'string' ||
        typeof b.encryptionCertificateId !== 'string' ||
        !b.encryptionCertificateId
      )
        throw badRequest(
          "A subscription with 'includeResourceData' needs 'encryptionCertificate' and 'encryptionCertificateId'.",
        );
      if (b.encryptionCertificateId.length > 128) throw badRequest("'encryptionCertificateId' must be at most 128 characters.");
      const c = parseSubscriberCert(b.encryptionCertificate);
      if ('error' in c) throw badRequest(c.error);
      cert = c;
      certId = b.encryptionCertificateId;
      certRaw = b.encryptionCertificate;
    }
    const expiresAt = subs.clampExpiry(b.expirationDateTime);
    const userId = p.userId!;
    const conflict = () => {
      const existing = subs.existingFor(p.appId, userId);
      if (existing)
        throw fail(
          409,
          'ExtensionError',
          `Operation: Create; Exception: [Status Code: Conflict; Reason: A presence subscription already exists for this user and application (${existing.id}).]`,
        );
    };
    conflict();
    await handshake(o.poster, notificationUrl, o.validationTimeoutMs);
    if (lifecycleNotificationUrl) await handshake(o.poster, lifecycleNotificationUrl, o.validationTimeoutMs);
    // Another create by the same user may have finished while we waited on the handshake.
    conflict();
    const s: Subscription = {
      id: subs.newId(),
      appId: p.appId,
      creatorId: userId,
      resource: resourceRaw,
      userIds: parsed.ids,
      changeType: 'updated',
      notificationUrl,
      lifecycleNotificationUrl,
      clientState,
      expiresAt,
      includeResourceData,
      encryptionCertificate: certRaw,
      encryptionCertificateId: certId,
      cert,
      latestSupportedTlsVersion: typeof b.latestSupportedTlsVersion === 'string' ? b.latestSupportedTlsVersion : 'v1_2',
    };
    subs.add(s);
    return json(201, subs.json(s));
  });

  const visible = (req: Req): Subscription => {
    const p = principal(req);
    const s = subs.get(req.params.id!);
    if (!s || s.appId !== p.appId || (p.kind === 'user' && s.creatorId !== p.userId))
      throw fail(404, 'ResourceNotFound', `The object was not found: subscription '${req.params.id}'.`);
    return s;
  };

  router.on('GET', '/subscriptions', (req) =>
    json(200, { '@odata.context': '$metadata#subscriptions', value: subs.visibleTo(principal(req)).map((s) => subs.json(s)) }),
  );
  router.on('GET', '/subscriptions/:id', (req) => json(200, subs.json(visible(req))));

  router.on('PATCH', '/subscriptions/:id', (req) => {
    const s = visible(req);
    if (principal(req).kind === 'app')
      throw fail(
        403,
        'ExtensionError',
        'Operation: Update; Exception: [Status Code: Forbidden; Reason: Application permissions are not supported for presence subscriptions.]',
      );
    const refused = o.faults.take('refuse_renewal', s.id);
    if (refused)
      return graphError(
        refused.status ?? 500,
        refused.status === 404 ? 'ResourceNotFound' : 'ExtensionError',
        'Operation: Update; Exception: [Status Code: InternalServerError; Reason: The subscription could not be renewed.]',
      );
    const b = req.body;
    if (!isRecord(b)) throw badRequest('A JSON body with expirationDateTime is required.');
    subs.setExpiry(s, subs.clampExpiry(b.expirationDateTime));
    return json(200, subs.json(s));
  });

  router.on('POST', '/subscriptions/:id/reauthorize', (req) => {
    visible(req);
    return noContent();
  });

  router.on('DELETE', '/subscriptions/:id', (req) => {
    subs.remove(visible(req).id);
    return noContent();
  });
}

function url(v: unknown, field: string, required: boolean): string | null {
  if (v === undefined || v === null) {
    if (required) throw badRequest(`'${field}' is required.`);
    return null;
  }
  if (typeof v !== 'string' || !/^https?:\/\/[^\s]+$/i.test(v)) throw badRequest(`'${field}' must be an http(s) URL.`);
  try {
    new URL(v);
  } catch {
    throw badRequest(`'${field}' must be an http(s) URL.`);
  }
  return v;
}

/**
 * The validation handshake (change-notifications-delivery-webhooks): POST `url?validationToken=…`;
 * the endpoint must answer 200 with the decoded token as text/plain within 10 s.
 */
async function handshake(poster: Poster, target: string, timeoutMs: number): Promise<void> {
  const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
  const u = new URL(target);
  u.searchParams.set('validationToken', token);
  const failed = (why: string) =>
    fail(
      400,
      'ValidationError',
      `Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request. (${why})`,
    );
  let r: Awaited<ReturnType<Poster['post']>>;
  try {
    r = await poster.post(u.toString(), '', 'text/plain; charset=utf-8', timeoutMs);
  } catch (e) {
    throw failed(`${target}: ${(e as Error).message}`);
  }
  if (r.status !== 200) throw failed(`${target} answered ${r.status}`);
  if (!r.contentType.toLowerCase().startsWith('text/plain'))
    throw failed(`${target} answered with content type '${r.contentType}', not text/plain`);
  if (r.body !== token) throw failed(`${target} did not echo the validation token`);
}
