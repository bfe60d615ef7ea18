import type { Clock, TeamsPresenceReader, TeamsPresenceWriter } from '../domain/ports.ts';
import type { TeamsPresence } from '../domain/presence.ts';
import type { Logger } from '../logging.ts';
import { type AppCertificate, createAppAuth } from './app-auth.ts';
import type { RetryPolicy } from './failures.ts';
import { adminConsentUrl, checkPermissions, type PermissionCheck } from './permissions.ts';
import { presenceOps } from './presence.ts';
import type { QuotaBudget } from './quota.ts';
import { type GraphSubscription, type NewSubscription, subscriptionOps, type TokenFor } from './subscriptions.ts';
import { type Timer, toTimer } from './timer.ts';
import { createTransport } from './transport.ts';
import { type GraphUser, type ListUsersOptions, type NewUser, userOps } from './users.ts';

/**
 * The product's Microsoft Graph client for one connection (one Azure app in one tenant). Built by the
 * per-connection runtime from stored settings; a changed secret means a new client.
 */
export interface GraphClientOptions {
  tenantId: string;
  clientId: string;
  clientSecret?: string;
  certificate?: AppCertificate;
  /** GRAPH_BASE_URL, e.g. https://graph.microsoft.com/v1.0 */
  graphBaseUrl: string;
  /** AUTHORITY_HOST, e.g. https://login.microsoftonline.com */
  authorityHost: string;
  /** The tenant's shared budget (one per tenant, shared by all its Graph calls). */
  quota: QuotaBudget;
  logger: Logger;
  /** Time for token refresh margins and backoff waits: a Clock, or a Timer (a Clock with `after`) in tests. */
  clock?: Clock | Timer;
  /**
   * How a getPresencesByUserId request counts against the quota: one request (default), or one per id
   * (facts/graph.md: which one Graph does is UNCONFIRMED).
   */
  presenceBatchCost?: 'request' | 'per_id';
  retry?: Partial<RetryPolicy>;
  requestTimeoutMs?: number;
  tokenRefreshMarginMs?: number;
}

export interface GraphClient extends TeamsPresenceWriter, TeamsPresenceReader {
  readonly clientId: string;
  readonly tenantId: string;
  readonly quota: QuotaBudget;
  /** Current app-only access token (for diagnostics such as decodeRoles; never log it). */
  appToken(): Promise<string>;
  listUsers(opts?: ListUsersOptions): Promise<GraphUser[]>;
  getUser(idOrUpn: string): Promise<GraphUser | null>;
  getPresence(userId: string): Promise<TeamsPresence | null>;
  getPresences(userIds: readonly string[]): Promise<Map<string, TeamsPresence>>;
  createUser(user: NewUser): Promise<GraphUser>;
  createSubscription(tokenFor: TokenFor, s: NewSubscription): Promise<GraphSubscription>;
  renewSubscription(tokenFor: TokenFor, id: string, expirationDateTime: string): Promise<GraphSubscription>;
  deleteSubscription(tokenFor: TokenFor, id: string): Promise<void>;
  listSubscriptions(tokenFor: TokenFor): Promise<GraphSubscription[]>;
  checkPermissions(opts: { systemUserMode: boolean }): Promise<PermissionCheck[]>;
  adminConsentUrl(redirectUri?: string, state?: string): string;
}

export function createGraphClient(opts: GraphClientOptions): GraphClient {
  const timer = toTimer(opts.clock);
  const appAuth = createAppAuth({
    tenantId: opts.tenantId,
    clientId: opts.clientId,
    ...(opts.clientSecret !== undefined ? { clientSecret: opts.clientSecret } : {}),
    ...(opts.certificate !== undefined ? { certificate: opts.certificate } : {}),
    authorityHost: opts.authorityHost,
    logger: opts.logger,
    timer,
    ...(opts.tokenRefreshMarginMs !== undefined ? { refreshMarginMs: opts.tokenRefreshMarginMs } : {}),
  });
  const transport = createTransport({
    graphBaseUrl: opts.graphBaseUrl,
    appToken: appAuth,
    quota: opts.quota,
    logger: opts.logger.child({ tenantId: opts.tenantId, clientId: opts.clientId }),
    timer,
    ...(opts.retry ? { retry: opts.retry } : {}),
    ...(opts.requestTimeoutMs !== undefined ? { requestTimeoutMs: opts.requestTimeoutMs } : {}),
  });
  // presence-setpresence: the session id must be the app's client id.
  const presence = presenceOps(transport, opts.clientId, opts.presenceBatchCost ?? 'request');
  const users = userOps(transport);
  const subs = subscriptionOps(transport);

  return {
    clientId: opts.clientId,
    tenantId: opts.tenantId,
    quota: opts.quota,
    appToken: () => appAuth.getToken(),
    listUsers: (o) => users.listUsers(o),
    getUser: (id) => users.getUser(id),
    createUser: (u) => users.createUser(u),
    getPresence: (id) => presence.getPresence(id),
    getPresences: (ids) => presence.getPresences(ids),
    setPresence: (id, pair, expiration, urgency) => presence.setPresence(id, pair, expiration, urgency),
    clearPresence: (id, urgency) => presence.clearPresence(id, urgency),
    setUserPreferredPresence: (id, pair, expiration, urgency) => presence.setUserPreferredPresence(id, pair, expiration, urgency),
    clearUserPreferredPresence: (id, urgency) => presence.clearUserPreferredPresence(id, urgency),
    createSubscription: (tokenFor, s) => subs.createSubscription(tokenFor, s),
    renewSubscription: (tokenFor, id, at) => subs.renewSubscription(tokenFor, id, at),
    deleteSubscription: (tokenFor, id) => subs.deleteSubscription(tokenFor, id),
    listSubscriptions: (tokenFor) => subs.listSubscriptions(tokenFor),
    // A fresh token: roles change when an admin grants or revokes consent.
    checkPermissions: (o) =>
      checkPermissions(
        transport,
        () => {
          appAuth.invalidate();
          return appAuth.getToken();
        },
        { ...o, sessionId: opts.clientId },
      ),
    adminConsentUrl: (redirectUri, state) =>
      adminConsentUrl({
        authorityHost: opts.authorityHost,
        tenantId: opts.tenantId,
        clientId: opts.clientId,
        ...(redirectUri ? { redirectUri } : {}),
        ...(state ? { state } : {}),
      }),
  };
}
