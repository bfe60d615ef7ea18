import { createHash, randomBytes, randomUUID, timingSafeEqual, X509Certificate } from 'node:crypto';
import { decodeJwt, importPKCS8, SignJWT } from 'jose';
import { z } from 'zod';
import { ExternalError } from '../domain/reasons.ts';
import type { Logger } from '../logging.ts';
import { type AppCertificate, authorityFor } from './app-auth.ts';
import { systemTimer, type Timer } from './timer.ts';

/**
 * Delegated sign-in for subscription owner accounts (presence subscriptions need a delegated token —
 * facts/graph.md). Flows (learn.microsoft.com, Microsoft identity platform):
 * - authorization code + PKCE ("v2-oauth2-auth-code-flow"): authorize URL with state and an S256
 *   code_challenge; the code is redeemed with the code_verifier;
 * - device code ("v2-oauth2-device-code"): start → user code + verification URI; poll;
 * - refresh ("refresh the access token"): a stored refresh token → new access token + a rotated
 *   refresh token;
 * - resource owner password ("v2-oauth-ropc") ONLY for the optional system-user mode (MFA must be off).
 *
 * Why plain HTTP and not msal-node here: msal keeps refresh tokens inside its cache and offers no
 * supported way to hand one back (we must store it, encrypted, per owner, and use it from any
 * replica), and its device-code call holds one long-running promise in one process, whereas the tab
 * starts a sign-in in one request and polls in later ones (maybe on another replica). The token
 * endpoint protocol is small and standard, so we speak it directly; app-only tokens still use msal.
 */
export const OWNER_SCOPES = ['openid', 'profile', 'offline_access', 'https://graph.microsoft.com/Presence.Read.All'];

/** A refresh failed or a sign-in was refused: report as the `owner_token_failed` notice. */
export class OwnerTokenError extends ExternalError {
  override name = 'OwnerTokenError';
  readonly fault = 'owner_token_failed' as const;
  constructor(
    /** The OAuth error: invalid_grant, interaction_required, expired_token, authorization_declined, … */
    readonly code: string,
    message: string,
    extra: { status?: number; cause?: unknown } = {},
  ) {
    super('permission_missing', message, { ...extra, service: 'graph', permission: 'Presence.Read.All (delegated)' });
  }
}

export interface OwnerAccount {
  userId: string | null;
  userPrincipalName: string | null;
  tenantId: string | null;
}

export interface DelegatedTokens {
  accessToken: string;
  /** Refresh material: encrypt it (api/src/crypto/secrets.ts) and store it per owner. */
  refreshToken: string;
  /** When the access token expires, on the injected clock (epoch ms). */
  expiresAt: number;
  scopes: string[];
  account: OwnerAccount;
}

export interface DeviceCodeStart {
  /** Keep server-side (it is what polling redeems); never show it. */
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  expiresIn: number;
  interval: number;
  message: string;
}

export type DeviceCodePoll = { status: 'pending' } | { status: 'slow_down' } | { status: 'done'; tokens: DelegatedTokens };

export interface AuthCodeStart {
  url: string;
  /** Compare with the `state` that comes back (constant time) — it ties the answer to this sign-in. */
  state: string;
  /** Keep server-side with the state; needed to redeem the code. */
  codeVerifier: string;
}

export interface DelegatedAuthOptions {
  tenantId: string;
  clientId: string;
  clientSecret?: string;
  certificate?: AppCertificate;
  authorityHost: string;
  scopes?: string[];
  logger: Logger;
  clock?: Timer;
  requestTimeoutMs?: number;
}

export interface DelegatedAuth {
  beginAuthCode(o: { redirectUri: string; loginHint?: string; prompt?: 'login' | 'select_account' }): AuthCodeStart;
  redeemCode(o: { code: string; redirectUri: string; codeVerifier: string }): Promise<DelegatedTokens>;
  startDeviceCode(): Promise<DeviceCodeStart>;
  pollDeviceCode(deviceCode: string): Promise<DeviceCodePoll>;
  refresh(refreshToken: string): Promise<DelegatedTokens>;
  /** System-user mode only (ROPC: fails for accounts with MFA). */
  signInWithPassword(username: string, password: string): Promise<DelegatedTokens>;
}

const tokenBody = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.coerce.number().positive(),
  scope: z.string().optional(),
  id_token: z.string().optional(),
});
const errorBody = z.object({ error: z.string(), error_description: z.string().optional() });
const deviceBody = z.object({
  device_code: z.string().min(1),
  user_code: z.string().min(1),
  verification_uri: z.string().min(1),
  expires_in: z.coerce.number().positive(),
  interval: z.coerce.number().positive().default(5),
  message: z.string().default(''),
});

export const pkceChallenge = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

function accountFrom(idToken: string | undefined, accessToken: string): OwnerAccount {
  for (const t of [idToken, accessToken]) {
    if (!t) continue;
    try {
      const c = decodeJwt(t);
      const upn = c.preferred_username ?? c.upn;
      return {
        userId: typeof c.oid === 'string' ? c.oid : null,
        userPrincipalName: typeof upn === 'string' ? upn : null,
        tenantId: typeof c.tid === 'string' ? c.tid : null,
      };
    } catch {
      // Opaque tokens are allowed; try the next one.
    }
  }
  return { userId: null, userPrincipalName: null, tenantId: null };
}

/**
 * A client assertion signed with the app's certificate (learn.microsoft.com
 * "Microsoft identity platform application authentication certificate credentials"): RS256, header
 * `x5t#S256` = the certificate's SHA-256 thumbprint (base64url), aud = the token endpoint, iss = sub =
 * the client id, a unique jti, valid for 10 minutes.
 */
export async function certificateAssertion(
  cert: AppCertificate,
  clientId: string,
  audience: string,
  nowMs: number,
): Promise<string> {
  const key = await importPKCS8(cert.privateKeyPem, 'RS256');
  const thumb = Buffer.from(new X509Certificate(cert.certificatePem).fingerprint256.replaceAll(':', ''), 'hex').toString(
    'base64url',
  );
  const now = Math.floor(nowMs / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', 'x5t#S256': thumb })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setJti(randomUUID())
    .setNotBefore(now)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(key);
}

export function createDelegatedAuth(opts: DelegatedAuthOptions): DelegatedAuth {
  const clock = opts.clock ?? systemTimer;
  const base = `${authorityFor(opts.authorityHost, opts.tenantId)}/oauth2/v2.0`;
  const tokenUrl = `${base}/token`;
  const scope = (opts.scopes ?? OWNER_SCOPES).join(' ');
  const timeout = opts.requestTimeoutMs ?? 30_000;
  const log = opts.logger.child({ component: 'graph-delegated', clientId: opts.clientId });

  /** Client authentication: secret, or a certificate-signed assertion. */
  const clientAuth = async (): Promise<Record<string, string>> => {
    if (opts.clientSecret) return { client_secret: opts.clientSecret };
    if (!opts.certificate) return {};
    return {
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await certificateAssertion(opts.certificate, opts.clientId, tokenUrl, clock.now()),
    };
  };

  const post = async (
    url: string,
    form: Record<string, string>,
    authenticate = true,
  ): Promise<{ status: number; body: unknown }> => {
    const credentials = authenticate ? await clientAuth() : {};
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ client_id: opts.clientId, ...form, ...credentials }),
        signal: AbortSignal.timeout(timeout),
      });
      text = await res.text();
    } catch (err) {
      throw new ExternalError('graph_unreachable', 'The identity platform could not be reached for an owner sign-in', {
        service: 'graph',
        cause: err,
      });
    }
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: handled below as an unexpected answer.
    }
    return { status: res.status, body };
  };

  const failure = (what: string, status: number, body: unknown): ExternalError => {
    const e = errorBody.safeParse(body);
    if (status >= 500 || !e.success)
      return new ExternalError('graph_unreachable', `The identity platform failed ${what} (${status})`, {
        status,
        service: 'graph',
      });
    // error_description starts with AADSTSnnnn: …; the trace ids after it are noise for an admin.
    const description = (e.data.error_description ?? '').split(/\r?\n|\s+Trace ID:/)[0]?.trim() ?? '';
    return new OwnerTokenError(e.data.error, `${what} was refused: ${e.data.error}${description ? ` — ${description}` : ''}`, {
      status,
    });
  };

  const tokens = (what: string, body: unknown, previousRefresh?: string): DelegatedTokens => {
    const t = tokenBody.safeParse(body);
    if (!t.success)
      throw new ExternalError('graph_unreachable', `The identity platform answered ${what} without a token`, {
        service: 'graph',
      });
    const refreshToken = t.data.refresh_token ?? previousRefresh;
    if (!refreshToken)
      throw new OwnerTokenError('no_refresh_token', `${what} returned no refresh token: the offline_access scope is needed`);
    return {
      accessToken: t.data.access_token,
      refreshToken,
      expiresAt: clock.now() + t.data.expires_in * 1000,
      scopes: (t.data.scope ?? '').split(/\s+/).filter(Boolean),
      account: accountFrom(t.data.id_token, t.data.access_token),
    };
  };

  const grant = async (what: string, form: Record<string, string>, previousRefresh?: string) => {
    const { status, body } = await post(tokenUrl, form);
    if (status !== 200) {
      const err = failure(what, status, body);
      log.warn(
        { what, status, reason: err.reason, code: err instanceof OwnerTokenError ? err.code : undefined },
        'owner token failed',
      );
      throw err;
    }
    return tokens(what, body, previousRefresh);
  };

  return {
    beginAuthCode(o) {
      const codeVerifier = randomBytes(32).toString('base64url');
      const state = randomBytes(16).toString('base64url');
      const url = new URL(`${base}/authorize`);
      const params: Record<string, string> = {
        client_id: opts.clientId,
        response_type: 'code',
        redirect_uri: o.redirectUri,
        response_mode: 'query',
        scope,
        state,
        code_challenge: pkceChallenge(codeVerifier),
        code_challenge_method: 'S256',
        ...(o.loginHint ? { login_hint: o.loginHint } : {}),
        ...(o.prompt ? { prompt: o.prompt } : {}),
      };
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      return { url: url.toString(), state, codeVerifier };
    },

    redeemCode(o) {
      return grant('The owner sign-in (authorization code)', {
        grant_type: 'authorization_code',
        code: o.code,
        redirect_uri: o.redirectUri,
        code_verifier: o.codeVerifier,
        scope,
      });
    },

    async startDeviceCode() {
      // The devicecode endpoint takes no client credentials (v2-oauth2-device-code).
      const { status, body } = await post(`${base}/devicecode`, { scope }, false);
      if (status !== 200) throw failure('Starting a device sign-in', status, body);
      const d = deviceBody.safeParse(body);
      if (!d.success)
        throw new ExternalError('graph_unreachable', 'The identity platform answered the device sign-in oddly', {
          service: 'graph',
        });
      return {
        deviceCode: d.data.device_code,
        userCode: d.data.user_code,
        verificationUri: d.data.verification_uri,
        expiresIn: d.data.expires_in,
        interval: d.data.interval,
        message: d.data.message,
      };
    },

    async pollDeviceCode(deviceCode) {
      const { status, body } = await post(tokenUrl, {
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code: deviceCode,
      });
      if (status === 200) return { status: 'done', tokens: tokens('The device sign-in', body) };
      const e = errorBody.safeParse(body);
      if (e.success && e.data.error === 'authorization_pending') return { status: 'pending' };
      if (e.success && e.data.error === 'slow_down') return { status: 'slow_down' };
      throw failure('The device sign-in', status, body);
    },

    refresh(refreshToken) {
      return grant(
        'Refreshing the owner token',
        { grant_type: 'refresh_token', refresh_token: refreshToken, scope },
        refreshToken,
      );
    },

    signInWithPassword(username, password) {
      return grant('The system-user password sign-in', { grant_type: 'password', username, password, scope });
    },
  };
}

/**
 * A `tokenFor` for subscription calls: keeps the owner's access token until shortly before it expires,
 * refreshes with the stored refresh token, and hands each rotated refresh token to `onRotate` (encrypt
 * and store it). A failed refresh throws OwnerTokenError (→ the `owner_token_failed` notice).
 */
export function ownerTokenSource(o: {
  auth: DelegatedAuth;
  refreshToken: string;
  onRotate: (tokens: DelegatedTokens) => void | Promise<void>;
  clock?: Timer;
  refreshMarginMs?: number;
}): (() => Promise<string>) & { invalidate: () => void } {
  const clock = o.clock ?? systemTimer;
  const margin = o.refreshMarginMs ?? 5 * 60_000;
  let refreshToken = o.refreshToken;
  let current: { token: string; expiresAt: number } | null = null;
  let inflight: Promise<string> | null = null;
  const source = () => {
    if (current && clock.now() < current.expiresAt - margin) return Promise.resolve(current.token);
    inflight ??= (async () => {
      try {
        const t = await o.auth.refresh(refreshToken);
        refreshToken = t.refreshToken;
        current = { token: t.accessToken, expiresAt: t.expiresAt };
        await o.onRotate(t);
        return t.accessToken;
      } finally {
        inflight = null;
      }
    })();
    return inflight;
  };
  /** Graph refused the token (401): the next call refreshes. */
  const invalidate = () => {
    current = null;
  };
  return Object.assign(source, { invalidate });
}

/** Constant-time comparison of the `state` that came back from the authorize endpoint with the one sent. */
export function statesMatch(expected: string, received: string | null | undefined): boolean {
  if (typeof received !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(received);
  return a.length === b.length && timingSafeEqual(a, b);
}
