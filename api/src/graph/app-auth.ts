import { X509Certificate } from 'node:crypto';
import { AuthError, ConfidentialClientApplication, LogLevel, ServerError } from '@azure/msal-node';
import { decodeJwt } from 'jose';
import { ExternalError } from '../domain/reasons.ts';
import type { Logger } from '../logging.ts';
import { systemTimer, type Timer } from './timer.ts';

/**
 * App-only tokens (client credentials) for Microsoft Graph through msal-node's
 * ConfidentialClientApplication (learn.microsoft.com: "Microsoft identity platform and the OAuth 2.0
 * client credentials flow"; msal-node "Initialize confidential client applications").
 *
 * - Authority `${authorityHost}/${tenantId}` (the customer's tenant, never `common`). A stand-in's host
 *   is listed in `knownAuthorities` WITH its port so msal skips instance discovery and accepts it
 *   (facts/stack.md); Microsoft's own hosts keep msal's normal discovery.
 * - Two cache layers: msal's own token cache, and our copy with an early-refresh margin measured on the
 *   injected Timer — so tokens are renewed before they expire, and tests can move time.
 * - Rotation: a new secret or certificate = a new instance (the per-connection runtime rebuilds it).
 * - Never logs a token or a secret; msal's own logging goes to pino at debug with PII off.
 */
export const GRAPH_DEFAULT_SCOPE = 'https://graph.microsoft.com/.default';

export interface AppCertificate {
  /** PEM of the certificate registered on the app (its SHA-256 thumbprint is sent). */
  certificatePem: string;
  /** PEM of its private key. */
  privateKeyPem: string;
}

export interface AppAuthOptions {
  tenantId: string;
  clientId: string;
  clientSecret?: string;
  certificate?: AppCertificate;
  authorityHost: string;
  scope?: string;
  logger: Logger;
  timer?: Timer;
  /** Refresh this long before expiry (default 5 minutes). */
  refreshMarginMs?: number;
}

export interface AppTokenProvider {
  readonly clientId: string;
  /** A valid app-only access token; fetched or refreshed as needed (one request for concurrent callers). */
  getToken(): Promise<string>;
  /** Forget the current token (Graph answered 401): the next getToken asks the token endpoint. */
  invalidate(): void;
}

/** Application permissions in an app token's `roles` claim. Decode only — no signature check — for messages. */
export function decodeRoles(token: string): string[] {
  try {
    const claims = decodeJwt(token);
    return Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];
  } catch {
    return [];
  }
}

/** `https://login.microsoftonline.com` → `login.microsoftonline.com`; `https://127.0.0.1:8443` → `127.0.0.1:8443`. */
export const authorityHostName = (authorityHost: string) => new URL(authorityHost).host;

/** Microsoft's own authority hosts: msal's instance discovery knows them, so they need no knownAuthorities entry. */
const MICROSOFT_AUTHORITY_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.microsoft.com',
  'login.windows.net',
  'sts.windows.net',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
]);

/** knownAuthorities for msal: empty for Microsoft's hosts, the stand-in's host:port otherwise. */
export const knownAuthoritiesFor = (authorityHost: string): string[] => {
  const host = authorityHostName(authorityHost);
  return MICROSOFT_AUTHORITY_HOSTS.has(host.toLowerCase()) ? [] : [host];
};

export const authorityFor = (authorityHost: string, tenantId: string) =>
  `${authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(tenantId)}`;

/**
 * Maps an msal failure to the client boundary's ExternalError: the identity platform unreachable or
 * failing (network errors, 5xx, `temporarily_unavailable`) → graph_unreachable; a refusal (wrong
 * secret, unknown app or tenant) → permission_missing.
 */
export function tokenFailure(err: unknown, what: string): ExternalError {
  const code = err instanceof AuthError ? err.errorCode : '';
  const status = err instanceof ServerError ? err.status : undefined;
  const text = err instanceof AuthError ? `${err.errorCode}: ${err.errorMessage}` : String(err);
  const unreachable =
    (status !== undefined && (status >= 500 || status === 429)) ||
    /^(network_error|endpoints_resolution_error|temporarily_unavailable|server_error|service_unavailable)$/.test(code) ||
    // msal does not always carry the HTTP status or error code of a 503; Entra's transient errors say so.
    /AADSTS90033|transient error|temporarily unavailable/i.test(text) ||
    (!(err instanceof ServerError) && /ECONN|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|socket hang up|fetch failed/i.test(text));
  if (unreachable)
    return new ExternalError('graph_unreachable', `The identity platform could not be reached for ${what} (${code || 'error'})`, {
      service: 'graph',
      cause: err,
      ...(status !== undefined ? { status } : {}),
    });
  // "AADSTS7000215: Invalid client secret provided. …" — the first sentence, without trace ids.
  const aadsts = err instanceof AuthError ? /AADSTS\d+:[^.\r\n]*/.exec(err.errorMessage)?.[0] : undefined;
  return new ExternalError(
    'permission_missing',
    `The identity platform refused ${what} (${aadsts ?? (code || 'error')}): check the tenant id, client id and secret/certificate`,
    { service: 'graph', cause: err, permission: 'client credentials', ...(status !== undefined ? { status } : {}) },
  );
}

export function createAppAuth(opts: AppAuthOptions): AppTokenProvider {
  if (!opts.clientSecret && !opts.certificate)
    throw new Error('createAppAuth: give a client secret or a certificate for the Azure app');
  const timer = opts.timer ?? systemTimer;
  const margin = opts.refreshMarginMs ?? 5 * 60_000;
  const scope = opts.scope ?? GRAPH_DEFAULT_SCOPE;
  const log = opts.logger.child({ component: 'graph-app-auth', clientId: opts.clientId });

  const certificate = opts.certificate
    ? {
        thumbprintSha256: new X509Certificate(opts.certificate.certificatePem).fingerprint256.replaceAll(':', ''),
        privateKey: opts.certificate.privateKeyPem,
        x5c: opts.certificate.certificatePem,
      }
    : undefined;

  const newMsal = () =>
    new ConfidentialClientApplication({
      auth: {
        clientId: opts.clientId,
        authority: authorityFor(opts.authorityHost, opts.tenantId),
        knownAuthorities: knownAuthoritiesFor(opts.authorityHost),
        ...(opts.clientSecret ? { clientSecret: opts.clientSecret } : {}),
        ...(certificate && !opts.clientSecret ? { clientCertificate: certificate } : {}),
      },
      system: {
        loggerOptions: {
          piiLoggingEnabled: false,
          logLevel: LogLevel.Warning,
          loggerCallback: (level, message) => {
            if (level <= LogLevel.Error) log.warn({ msal: message }, 'msal');
            else log.debug({ msal: message }, 'msal');
          },
        },
      },
    });

  let msal = newMsal();
  let current: { token: string; refreshAt: number } | null = null;
  /** After a transient failure: until when getToken fails fast with it (our backoff, not msal's). */
  let backoff: { until: number; failures: number; error: ExternalError } | null = null;
  let inflight: Promise<string> | null = null;
  /** Once we held a token, a new one must bypass msal's cache (it judges expiry by the wall clock). */
  let skipCache = false;

  const fetchToken = async (): Promise<string> => {
    try {
      const result = await msal.acquireTokenByClientCredential({ scopes: [scope], skipCache });
      if (!result?.accessToken) throw new Error('the token endpoint returned no access token');
      // msal dates the expiry on the wall clock; carry the lifetime over to our timer.
      const lifetime = result.expiresOn ? result.expiresOn.getTime() - Date.now() : 3_600_000;
      current = { token: result.accessToken, refreshAt: timer.now() + Math.max(0, lifetime - margin) };
      backoff = null;
      log.debug({ fromCache: result.fromCache, lifetimeMs: lifetime }, 'app token ready');
      return result.accessToken;
    } catch (err) {
      if (err instanceof ExternalError) throw err;
      const failure = tokenFailure(err, 'an app-only token');
      if (failure.reason === 'graph_unreachable') {
        // msal shuts its token requests for 60 s after any 5xx or 429 without Retry-After (its
        // throttling cache): a one-request blip would stop every Graph call for a minute. A fresh
        // instance drops that; our own backoff (1 s doubling to 30 s) still spares the endpoint.
        msal = newMsal();
        const failures = (backoff?.failures ?? 0) + 1;
        backoff = { until: timer.now() + Math.min(30_000, 1_000 * 2 ** (failures - 1)), failures, error: failure };
      }
      log.warn({ reason: failure.reason, error: failure.message }, 'app token failed');
      throw failure;
    }
  };

  return {
    clientId: opts.clientId,
    getToken() {
      if (current && timer.now() < current.refreshAt) return Promise.resolve(current.token);
      if (backoff && timer.now() < backoff.until) return Promise.reject(backoff.error);
      if (current) skipCache = true;
      current = null;
      inflight ??= fetchToken().finally(() => {
        inflight = null;
      });
      return inflight;
    },
    invalidate() {
      skipCache = true;
      current = null;
    },
  };
}
