import { ExternalError } from '../domain/reasons.ts';
import type { GraphTransport } from './transport.ts';

/**
 * Presence change-notification subscriptions. They need a DELEGATED token (facts/graph.md: application
 * permissions are not supported for presence subscriptions), so every call takes `tokenFor`, the
 * owner's access-token source (see delegated.ts `ownerTokenSource`).
 * Shapes (learn.microsoft.com): subscription-post-subscriptions (`POST /subscriptions`),
 * subscription-update (`PATCH /subscriptions/{id} {expirationDateTime}`), subscription-delete
 * (`DELETE /subscriptions/{id}` → 204), subscription-list (`GET /subscriptions`); resource
 * `/communications/presences?$filter=id in ('…')` with at most 650 quoted ids.
 */
export const SUBSCRIPTION_PERMISSION = 'Presence.Read.All (delegated)';
export const SUBSCRIPTION_MAX_IDS = 650;

/** A delegated access-token source; with `invalidate`, a 401 makes the client fetch a fresh token once. */
export type TokenFor = (() => Promise<string>) & { invalidate?: () => void };

export interface NewSubscription {
  resource: string;
  notificationUrl: string;
  lifecycleNotificationUrl?: string;
  /** ISO date-time; Graph allows at most 60 minutes ahead for presence. */
  expirationDateTime: string;
  clientState: string;
  changeType?: string;
  includeResourceData?: boolean;
  /** Base64 DER of the X.509 certificate that encrypts resource data. */
  encryptionCertificate?: string;
  encryptionCertificateId?: string;
}

export interface GraphSubscription {
  id: string;
  resource: string;
  changeType: string;
  expirationDateTime: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  clientState: string | null;
  creatorId: string | null;
  applicationId: string | null;
  includeResourceData: boolean;
  encryptionCertificateId: string | null;
}

interface SubscriptionBody {
  id?: string;
  resource?: string;
  changeType?: string;
  expirationDateTime?: string;
  notificationUrl?: string;
  lifecycleNotificationUrl?: string | null;
  clientState?: string | null;
  creatorId?: string | null;
  applicationId?: string | null;
  includeResourceData?: boolean | null;
  encryptionCertificateId?: string | null;
}

const toSubscription = (s: SubscriptionBody | undefined, what: string): GraphSubscription => {
  if (!s?.id || !s.expirationDateTime)
    throw new ExternalError('graph_rejected', `${what}: Graph returned no subscription`, { service: 'graph' });
  return {
    id: s.id,
    resource: s.resource ?? '',
    changeType: s.changeType ?? '',
    expirationDateTime: s.expirationDateTime,
    notificationUrl: s.notificationUrl ?? '',
    lifecycleNotificationUrl: s.lifecycleNotificationUrl ?? null,
    clientState: s.clientState ?? null,
    creatorId: s.creatorId ?? null,
    applicationId: s.applicationId ?? null,
    includeResourceData: s.includeResourceData ?? false,
    encryptionCertificateId: s.encryptionCertificateId ?? null,
  };
};

/** The subscription resource for a group of users (pure): ids quoted, at most 650. */
export function presenceResource(userIds: readonly string[]): string {
  if (userIds.length === 0) throw new RangeError('presenceResource: no user ids');
  if (userIds.length > SUBSCRIPTION_MAX_IDS)
    throw new RangeError(`presenceResource: at most ${SUBSCRIPTION_MAX_IDS} users per subscription (got ${userIds.length})`);
  const quoted = userIds.map((id) => `'${id.replaceAll("'", "''")}'`).join(',');
  return `/communications/presences?$filter=id in (${quoted})`;
}

const mapMissing = (err: unknown, id: string): unknown =>
  err instanceof ExternalError && err.extra.status === 404
    ? new ExternalError('subscription_missing', `Subscription ${id} no longer exists`, {
        status: 404,
        service: 'graph',
        cause: err,
      })
    : err;

export function subscriptionOps(t: GraphTransport) {
  const base = { permission: SUBSCRIPTION_PERMISSION, priority: 'background' as const };
  return {
    async createSubscription(tokenFor: TokenFor, s: NewSubscription): Promise<GraphSubscription> {
      const body = await t.call<SubscriptionBody>({
        ...base,
        operation: 'createSubscription',
        method: 'POST',
        path: '/subscriptions',
        token: tokenFor,
        body: {
          changeType: s.changeType ?? 'updated',
          notificationUrl: s.notificationUrl,
          ...(s.lifecycleNotificationUrl ? { lifecycleNotificationUrl: s.lifecycleNotificationUrl } : {}),
          resource: s.resource,
          expirationDateTime: s.expirationDateTime,
          clientState: s.clientState,
          includeResourceData: s.includeResourceData ?? false,
          ...(s.encryptionCertificate ? { encryptionCertificate: s.encryptionCertificate } : {}),
          ...(s.encryptionCertificateId ? { encryptionCertificateId: s.encryptionCertificateId } : {}),
        },
      });
      return toSubscription(body, 'createSubscription');
    },

    /** Throws ExternalError 'subscription_missing' when Graph no longer knows it. */
    async renewSubscription(tokenFor: TokenFor, id: string, expirationDateTime: string): Promise<GraphSubscription> {
      try {
        const body = await t.call<SubscriptionBody>({
          ...base,
          operation: 'renewSubscription',
          method: 'PATCH',
          path: `/subscriptions/${encodeURIComponent(id)}`,
          token: tokenFor,
          body: { expirationDateTime },
        });
        return toSubscription(body, 'renewSubscription');
      } catch (err) {
        throw mapMissing(err, id);
      }
    },

    /** Resolves when deleted or already gone. */
    async deleteSubscription(tokenFor: TokenFor, id: string): Promise<void> {
      try {
        await t.call({
          ...base,
          operation: 'deleteSubscription',
          method: 'DELETE',
          path: `/subscriptions/${encodeURIComponent(id)}`,
          token: tokenFor,
        });
      } catch (err) {
        if (err instanceof ExternalError && err.extra.status === 404) return;
        throw err;
      }
    },

    /** The subscriptions this app holds for the token's user. */
    async listSubscriptions(tokenFor: TokenFor): Promise<GraphSubscription[]> {
      const all: GraphSubscription[] = [];
      let next: string | undefined = '/subscriptions';
      while (next) {
        const page: { value?: SubscriptionBody[]; '@odata.nextLink'?: string } | undefined = await t.call({
          ...base,
          priority: 'read',
          operation: 'listSubscriptions',
          method: 'GET',
          path: next,
          token: tokenFor,
        });
        for (const s of page?.value ?? []) if (s.id) all.push(toSubscription(s, 'listSubscriptions'));
        next = page?.['@odata.nextLink'];
      }
      return all;
    },
  };
}
