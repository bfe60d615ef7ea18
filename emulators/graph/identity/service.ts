import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import {
  ACCESS_TOKEN_LIFETIME_S,
  AUTH_CODE_LIFETIME_MS,
  DEFAULT_DELEGATED_SCOPES,
  DEVICE_CODE_INTERVAL_S,
  DEVICE_CODE_LIFETIME_S,
  GRAPH_AUDIENCE,
  GRAPH_NOTIFICATION_APP_ID,
} from '../defaults.ts';
import { type AppRegistration, type Directory, type DirectoryUser, guidFrom } from '../directory.ts';
import { AadError } from './errors.ts';
import type { Claims, TokenKeys } from './keys.ts';

/**
 * The token-issuing side of the emulated Microsoft identity platform: client credentials,
 * authorization code (+PKCE), refresh tokens, ROPC and device code, all as RS256 JWTs that expire in
 * emulator time. State (codes, refresh tokens, device codes) lives in memory.
 */
export interface TokenResponse {
  token_type: 'Bearer';
  scope: string;
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  client_info?: string;
}

interface CodeGrant {
  clientId: string;
  redirectUri: string;
  userId: string;
  scopes: string[];
  challenge: string | null;
  challengeMethod: string;
  nonce: string | null;
  expiresAt: number;
}

interface RefreshGrant {
  clientId: string;
  userId: string;
  scopes: string[];
}

interface DeviceGrant {
  clientId: string;
  userCode: string;
  scopes: string[];
  expiresAt: number;
  userId: string | null;
  declined: boolean;
}

const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

/** Splits a requested `scope` into OpenID scopes and Graph permission names (resource prefix removed). */
export function parseScopes(scope: string | undefined): { oidc: string[]; graph: string[] } {
  const oidc: string[] = [];
  const graph: string[] = [];
  for (const raw of (scope ?? '').split(/\s+/).filter(Boolean)) {
    if (OIDC_SCOPES.has(raw.toLowerCase())) {
      oidc.push(raw.toLowerCase());
      continue;
    }
    const name = raw.replace(/^https:\/\/graph\.microsoft\.com\//i, '').replace(/^00000003-0000-0000-c000-000000000000\//i, '');
    if (name === '.default') graph.push(...DEFAULT_DELEGATED_SCOPES);
    else graph.push(name);
  }
  return { oidc, graph: [...new Set(graph)] };
}

export const safeEqual = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export class IdentityService {
  private readonly codes = new Map<string, CodeGrant>();
  private readonly refreshTokens = new Map<string, RefreshGrant>();
  private readonly deviceCodes = new Map<string, DeviceGrant>();
  private readonly byUserCode = new Map<string, string>();

  constructor(
    private readonly dir: Directory,
    readonly keys: TokenKeys,
    private readonly now: () => number,
    private readonly baseUrl: () => string,
  ) {}

  issuer(): string {
    return `${this.baseUrl()}/${this.dir.tenantId}/v2.0`;
  }

  /** The tenant segment of an identity URL: ours, or common/organizations for user flows. */
  checkTenant(tenant: string, userFlow: boolean): void {
    const t = tenant.toLowerCase();
    if (t === this.dir.tenantId.toLowerCase()) return;
    if (userFlow && (t === 'common' || t === 'organizations')) return;
    if (t === 'common' || t === 'organizations')
      throw new AadError(
        400,
        'invalid_request',
        1002016,
        `Use a tenant-specific endpoint: '${tenant}' is not supported for this flow.`,
      );
    throw new AadError(400, 'invalid_request', 90002, `Tenant '${tenant}' not found.`);
  }

  /** Finds the app; a wrong secret is 401 invalid_client like Entra (AADSTS7000215). */
  authenticateClient(clientId: string | undefined, secret: string | undefined, requireSecret: boolean): AppRegistration {
    if (!clientId)
      throw new AadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
    const app = this.dir.app(clientId);
    if (!app || app.tenantId !== this.dir.tenantId)
      throw new AadError(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${this.dir.tenantId}'.`,
      );
    if (secret === undefined) {
      if (requireSecret)
        throw new AadError(
          401,
          'invalid_client',
          7000218,
          "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        );
      return app;
    }
    if (!safeEqual(secret, app.clientSecret))
      throw new AadError(
        401,
        'invalid_client',
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
      );
    return app;
  }

  async clientCredentials(app: AppRegistration, scope: string | undefined): Promise<TokenResponse> {
    const scopes = (scope ?? '').split(/\s+/).filter(Boolean);
    if (scopes.length !== 1 || !scopes[0]!.endsWith('/.default'))
      throw new AadError(
        400,
        'invalid_scope',
        1002012,
        `The provided value for scope ${scope ?? ''} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    const resource = scopes[0]!.slice(0, -'/.default'.length);
    if (resource !== GRAPH_AUDIENCE && resource !== '00000003-0000-0000-c000-000000000000')
      throw new AadError(
        400,
        'invalid_resource',
        500011,
        `The resource principal named ${resource} was not found in the tenant.`,
      );
    const claims: Claims = {
      aud: GRAPH_AUDIENCE,
      iss: this.issuer(),
      tid: this.dir.tenantId,
      appid: app.clientId,
      azp: app.clientId,
      oid: guidFrom(`sp:${app.clientId}`),
      sub: guidFrom(`sp:${app.clientId}`),
      idtyp: 'app',
      ver: '1.0',
      ...(app.roles.length ? { roles: [...app.roles] } : {}),
    };
    const access = await this.keys.sign(claims, this.now(), ACCESS_TOKEN_LIFETIME_S);
    return {
      token_type: 'Bearer',
      scope: scopes[0]!,
      expires_in: ACCESS_TOKEN_LIFETIME_S,
      ext_expires_in: ACCESS_TOKEN_LIFETIME_S,
      access_token: access,
    };
  }

  /** Access (+refresh, +id) token for a signed-in user. */
  async delegated(
    app: AppRegistration,
    user: DirectoryUser,
    scope: string[],
    oidc: string[],
    nonce: string | null,
  ): Promise<TokenResponse> {
    const graph = scope.length ? scope : DEFAULT_DELEGATED_SCOPES;
    const now = this.now();
    const access = await this.keys.sign(
      {
        aud: GRAPH_AUDIENCE,
        iss: this.issuer(),
        tid: this.dir.tenantId,
        oid: user.id,
        sub: user.id,
        appid: app.clientId,
        azp: app.clientId,
        scp: graph.join(' '),
        upn: user.userPrincipalName,
        preferred_username: user.userPrincipalName,
        name: user.displayName,
        idtyp: 'user',
        ver: '1.0',
      },
      now,
      ACCESS_TOKEN_LIFETIME_S,
    );
    const res: TokenResponse = {
      token_type: 'Bearer',
      scope: [
        ...graph.map((s) => `${GRAPH_AUDIENCE}/${s}`),
        ...oidc.filter((s) => s !== 'openid' && s !== 'offline_access'),
      ].join(' '),
      expires_in: ACCESS_TOKEN_LIFETIME_S,
      ext_expires_in: ACCESS_TOKEN_LIFETIME_S,
      access_token: access,
      client_info: Buffer.from(JSON.stringify({ uid: user.id, utid: this.dir.tenantId })).toString('base64url'),
    };
    if (oidc.includes('offline_access')) {
      const rt = `0.emu.${randomBytes(32).toString('base64url')}`;
      this.refreshTokens.set(rt, { clientId: app.clientId, userId: user.id, scopes: graph });
      res.refresh_token = rt;
      res.scope = `${res.scope} offline_access`.trim();
    }
    if (oidc.includes('openid')) {
      res.id_token = await this.keys.sign(
        {
          aud: app.clientId,
          iss: this.issuer(),
          tid: this.dir.tenantId,
          oid: user.id,
          sub: user.id,
          preferred_username: user.userPrincipalName,
          name: user.displayName,
          ver: '2.0',
          ...(nonce ? { nonce } : {}),
        },
        now,
        ACCESS_TOKEN_LIFETIME_S,
      );
      res.scope = `${res.scope} openid`.trim();
    }
    return res;
  }

  /** Like Graph's revokeSignInSessions: every refresh token of the user stops working. Returns how many. */
  revokeRefreshTokens(userId: string): number {
    let n = 0;
    for (const [rt, g] of this.refreshTokens)
      if (g.userId === userId) {
        this.refreshTokens.delete(rt);
        n += 1;
      }
    return n;
  }

  /** ROPC credential check (also used by the sign-in and device pages). */
  checkPassword(username: string | undefined, password: string | undefined): DirectoryUser {
    const user = username ? this.dir.find(username) : undefined;
    if (!user?.password || password === undefined || !safeEqual(password, user.password))
      throw new AadError(400, 'invalid_grant', 50126, 'Error validating credentials due to invalid username or password.');
    if (!user.accountEnabled) throw new AadError(400, 'invalid_grant', 50057, 'The user account is disabled.');
    return user;
  }

  createCode(g: Omit<CodeGrant, 'expiresAt'>): string {
    const code = `1.emu.${randomBytes(32).toString('base64url')}`;
    this.codes.set(code, { ...g, expiresAt: this.now() + AUTH_CODE_LIFETIME_MS });
    return code;
  }

  async redeemCode(
    app: AppRegistration,
    code: string | undefined,
    redirectUri: string | undefined,
    verifier: string | undefined,
    scope: string | undefined,
  ): Promise<TokenResponse> {
    const g = code ? this.codes.get(code) : undefined;
    if (!g || !code)
      throw new AadError(
        400,
        'invalid_grant',
        54005,
        'OAuth2 Authorization code was already redeemed, please retry with a new valid code.',
      );
    this.codes.delete(code);
    if (g.expiresAt <= this.now())
      throw new AadError(400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired.');
    if (g.clientId !== app.clientId)
      throw new AadError(400, 'invalid_grant', 70000, 'The provided authorization code was issued to another client.');
    if (g.redirectUri !== redirectUri)
      throw new AadError(
        400,
        'invalid_grant',
        50148,
        'The redirect_uri does not match the one used in the authorization request.',
      );
    if (g.challenge) {
      const computed =
        g.challengeMethod === 'S256'
          ? createHash('sha256')
              .update(verifier ?? '')
              .digest('base64url')
          : (verifier ?? '');
      if (!verifier || !safeEqual(computed, g.challenge))
        throw new AadError(
          400,
          'invalid_grant',
          501481,
          'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
        );
    }
    const user = this.dir.find(g.userId);
    if (!user) throw new AadError(400, 'invalid_grant', 50034, 'The user account does not exist in this directory.');
    const oidc = parseScopes(scope).oidc;
    const requested = parseScopes(scope).graph;
    return this.delegated(
      app,
      user,
      requested.length ? requested : g.scopes,
      oidc.length ? oidc : ['openid', 'offline_access'],
      g.nonce,
    );
  }

  async refresh(app: AppRegistration, token: string | undefined, scope: string | undefined): Promise<TokenResponse> {
    const g = token ? this.refreshTokens.get(token) : undefined;
    if (!g)
      throw new AadError(
        400,
        'invalid_grant',
        9002313,
        'Invalid request. Request is malformed or invalid: the refresh token is not valid.',
      );
    if (g.clientId !== app.clientId)
      throw new AadError(400, 'invalid_grant', 70000, 'The refresh token was issued to another client.');
    const user = this.dir.find(g.userId);
    if (!user?.accountEnabled) throw new AadError(400, 'invalid_grant', 50057, 'The user account is disabled.');
    const { oidc, graph } = parseScopes(scope);
    // Entra issues a fresh refresh token each time; the old one stays usable until it expires.
    return this.delegated(app, user, graph.length ? graph : g.scopes, [...new Set([...oidc, 'offline_access'])], null);
  }

  startDeviceCode(app: AppRegistration, scope: string | undefined, verificationUri: string) {
    const deviceCode = `DAQABAAEAAA.emu.${randomBytes(32).toString('base64url')}`;
    const userCode = randomBytes(6)
      .toString('base64')
      .replace(/[^A-Za-z0-9]/g, 'X')
      .slice(0, 9)
      .toUpperCase();
    const { graph } = parseScopes(scope);
    this.deviceCodes.set(deviceCode, {
      clientId: app.clientId,
      userCode,
      scopes: graph,
      expiresAt: this.now() + DEVICE_CODE_LIFETIME_S * 1000,
      userId: null,
      declined: false,
    });
    this.byUserCode.set(userCode, deviceCode);
    return {
      user_code: userCode,
      device_code: deviceCode,
      verification_uri: verificationUri,
      expires_in: DEVICE_CODE_LIFETIME_S,
      interval: DEVICE_CODE_INTERVAL_S,
      message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${userCode} to authenticate.`,
    };
  }

  /** The device sign-in page: approves (or declines) a pending user code. */
  approveDeviceCode(userCode: string, user: DirectoryUser | null): void {
    const dc = this.byUserCode.get(userCode.trim().toUpperCase());
    const g = dc ? this.deviceCodes.get(dc) : undefined;
    if (!g || g.expiresAt <= this.now())
      throw new AadError(400, 'invalid_grant', 70019, 'That code was not recognised or has expired.');
    if (user) g.userId = user.id;
    else g.declined = true;
  }

  async pollDeviceCode(app: AppRegistration, deviceCode: string | undefined, scope: string | undefined): Promise<TokenResponse> {
    const g = deviceCode ? this.deviceCodes.get(deviceCode) : undefined;
    if (!g || !deviceCode || g.clientId !== app.clientId)
      throw new AadError(400, 'invalid_grant', 70000, 'The provided device code is not valid for this client.');
    if (g.expiresAt <= this.now()) {
      this.deviceCodes.delete(deviceCode);
      throw new AadError(400, 'expired_token', 70019, 'Verification code expired.');
    }
    if (g.declined) throw new AadError(400, 'authorization_declined', 70000, 'The end user denied the authorization request.');
    if (!g.userId)
      throw new AadError(
        400,
        'authorization_pending',
        70016,
        'OAuth 2.0 device flow error. Authorization is pending. Continue polling.',
      );
    this.deviceCodes.delete(deviceCode);
    this.byUserCode.delete(g.userCode);
    const user = this.dir.find(g.userId)!;
    const { oidc } = parseScopes(scope);
    return this.delegated(app, user, g.scopes, oidc.length ? oidc : ['openid', 'offline_access'], null);
  }

  /** A token as the Teams client would hand a tab (SSO): aud = the app's resource, delegated. */
  async userToken(o: {
    userId: string;
    audience: string;
    scopes?: string[];
    appId?: string;
    lifetimeS?: number;
  }): Promise<string> {
    const user = this.dir.find(o.userId);
    if (!user) throw new Error(`no such user ${o.userId}`);
    return this.keys.sign(
      {
        aud: o.audience,
        iss: this.issuer(),
        tid: this.dir.tenantId,
        oid: user.id,
        sub: user.id,
        azp: o.appId ?? '5e3ce6c0-2b1f-4285-8d4b-75ee78787346',
        scp: (o.scopes ?? ['access_as_user']).join(' '),
        preferred_username: user.userPrincipalName,
        name: user.displayName,
        ver: '2.0',
      },
      this.now(),
      o.lifetimeS ?? ACCESS_TOKEN_LIFETIME_S,
    );
  }

  /** validationTokens in notifications with resource data (change-notifications-with-resource-data). */
  validationToken(appId: string): Promise<string> {
    return this.keys.sign(
      {
        aud: appId,
        iss: this.issuer(),
        tid: this.dir.tenantId,
        azp: GRAPH_NOTIFICATION_APP_ID,
        appid: GRAPH_NOTIFICATION_APP_ID,
        oid: guidFrom(`sp:${GRAPH_NOTIFICATION_APP_ID}`),
        sub: guidFrom(`sp:${GRAPH_NOTIFICATION_APP_ID}`),
        ver: '1.0',
      },
      this.now(),
      ACCESS_TOKEN_LIFETIME_S,
    );
  }

  newTraceId(): string {
    return randomUUID();
  }
}
