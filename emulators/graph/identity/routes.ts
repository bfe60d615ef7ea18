import type { Faults } from '../faults.ts';
import { html, isRecord, json, type Req, type Res, type Router, redirect } from '../http.ts';
import { AadError } from './errors.ts';
import { deviceLoginPage, formPostPage, messagePage, signInPage } from './pages.ts';
import { type IdentityService, parseScopes } from './service.ts';

/**
 * Microsoft identity platform endpoints (v2.0): token, authorize (sign-in form), device code,
 * admin consent, OpenID discovery, JWKS, logout. Pages: learn.microsoft.com/entra/identity-platform/
 * v2-oauth2-auth-code-flow, v2-oauth2-client-creds-grant-flow, v2-oauth2-device-code,
 * v2-oauth-ropc, v2-admin-consent, v2-protocols-oidc.
 */
export function identityRoutes(
  router: Router,
  id: IdentityService,
  faults: Faults,
  now: () => number,
  baseUrl: () => string,
): void {
  const wrap =
    (h: (req: Req) => Promise<Res> | Res) =>
    async (req: Req): Promise<Res> => {
      try {
        return await h(req);
      } catch (e) {
        if (e instanceof AadError) return e.toRes(now());
        throw e;
      }
    };
  const form = (req: Req): Record<string, string> => {
    const out: Record<string, string> = {};
    if (isRecord(req.body)) for (const [k, v] of Object.entries(req.body)) if (typeof v === 'string') out[k] = v;
    return out;
  };

  router.on(
    'POST',
    '/:tenant/oauth2/v2.0/token',
    wrap(async (req) => {
      const down = faults.take('token_endpoint_down', req.path);
      if (down)
        return json(down.status ?? 503, {
          error: 'temporarily_unavailable',
          error_description: 'AADSTS90033: A transient error has occurred. Please try again.',
        });
      // Entra reads only form-encoded token requests (a JSON body looks like no parameters at all).
      if (!(req.headers['content-type'] ?? '').toLowerCase().includes('application/x-www-form-urlencoded'))
        throw new AadError(
          400,
          'invalid_request',
          900144,
          "The request body must contain the following parameter: 'grant_type'.",
        );
      const f = form(req);
      const grant = f.grant_type;
      id.checkTenant(req.params.tenant!, grant !== 'client_credentials');
      const basic = basicAuth(req.headers.authorization);
      const clientId = f.client_id ?? basic?.id;
      const secret = f.client_secret ?? basic?.secret;
      if (f.client_assertion)
        throw new AadError(
          400,
          'invalid_client',
          700027,
          'Client assertions are not supported by the emulator; use a client secret.',
        );
      switch (grant) {
        case 'client_credentials': {
          const app = id.authenticateClient(clientId, secret, true);
          return json(200, await id.clientCredentials(app, f.scope));
        }
        case 'authorization_code': {
          const app = id.authenticateClient(clientId, secret, false);
          return json(200, await id.redeemCode(app, f.code, f.redirect_uri, f.code_verifier, f.scope));
        }
        case 'refresh_token': {
          const app = id.authenticateClient(clientId, secret, false);
          return json(200, await id.refresh(app, f.refresh_token, f.scope));
        }
        case 'password': {
          const app = id.authenticateClient(clientId, secret, false);
          const user = id.checkPassword(f.username, f.password);
          const { oidc, graph } = parseScopes(f.scope);
          return json(200, await id.delegated(app, user, graph, oidc, null));
        }
        case 'urn:ietf:params:oauth:grant-type:device_code':
        case 'device_code': {
          const app = id.authenticateClient(clientId, secret, false);
          return json(200, await id.pollDeviceCode(app, f.device_code ?? f.code, f.scope));
        }
        case undefined:
          throw new AadError(
            400,
            'invalid_request',
            900144,
            "The request body must contain the following parameter: 'grant_type'.",
          );
        default:
          throw new AadError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant}'.`);
      }
    }),
  );

  router.on(
    'POST',
    '/:tenant/oauth2/v2.0/devicecode',
    wrap((req) => {
      id.checkTenant(req.params.tenant!, true);
      const f = form(req);
      const app = id.authenticateClient(f.client_id, undefined, false);
      return json(200, id.startDeviceCode(app, f.scope, `${baseUrl()}/devicelogin`));
    }),
  );

  // The page behind verification_uri (microsoft.com/devicelogin in real life).
  router.on('GET', '/devicelogin', (req) =>
    html(200, deviceLoginPage({ action: '/devicelogin', code: req.query.get('code') ?? '' })),
  );
  router.on('POST', '/devicelogin', (req) => {
    const f = form(req);
    const code = f.user_code ?? '';
    try {
      if (f.decision === 'decline') {
        id.approveDeviceCode(code, null);
        return html(
          200,
          deviceLoginPage({ action: '/devicelogin', code, done: 'Sign-in cancelled. You can close this window.' }),
        );
      }
      const user = id.checkPassword(f.username, f.password);
      id.approveDeviceCode(code, user);
      return html(
        200,
        deviceLoginPage({
          action: '/devicelogin',
          code,
          done: `Signed in as ${user.userPrincipalName}. You can close this window.`,
        }),
      );
    } catch (e) {
      if (!(e instanceof AadError)) throw e;
      return html(400, deviceLoginPage({ action: '/devicelogin', code, error: e.description }));
    }
  });

  const authorize = (req: Req): Res => {
    const tenant = req.params.tenant!;
    // Sign-in pages show errors in the page (not as a redirect) when the client or redirect is bad.
    try {
      id.checkTenant(tenant, true);
    } catch (e) {
      if (e instanceof AadError) return html(400, messagePage('Sign-in error', e.message));
      throw e;
    }
    const p: Record<string, string> = Object.fromEntries(req.query);
    if (req.method === 'POST') Object.assign(p, form(req));
    const clientId = p.client_id;
    try {
      id.authenticateClient(clientId, undefined, false);
    } catch (e) {
      if (e instanceof AadError) return html(400, messagePage('Sign-in error', e.message));
      throw e;
    }
    const appName = clientId!;
    const redirectUri = p.redirect_uri;
    if (!redirectUri || !/^https?:\/\//.test(redirectUri))
      return html(400, messagePage('Sign-in error', "AADSTS900144: The request must contain a valid 'redirect_uri' parameter."));
    // response_mode (v2-oauth2-auth-code-flow): query (default), fragment, or form_post (an auto-submitting form).
    const back = (params: Record<string, string>) => {
      const all = { ...params, ...(p.state !== undefined ? { state: p.state } : {}) };
      if (p.response_mode === 'form_post') return html(200, formPostPage(redirectUri, all));
      const u = new URL(redirectUri);
      if (p.response_mode === 'fragment') u.hash = new URLSearchParams(all).toString();
      else for (const [k, v] of Object.entries(all)) u.searchParams.set(k, v);
      return redirect(u.toString());
    };
    if (p.response_type !== 'code')
      return back({ error: 'unsupported_response_type', error_description: 'AADSTS700054: response_type must be code.' });
    if (p.code_challenge && p.code_challenge_method && !['S256', 'plain'].includes(p.code_challenge_method))
      return back({ error: 'invalid_request', error_description: 'AADSTS501491: Invalid code_challenge_method.' });
    const hidden: Record<string, string> = {};
    for (const k of [
      'client_id',
      'redirect_uri',
      'response_type',
      'scope',
      'state',
      'code_challenge',
      'code_challenge_method',
      'nonce',
      'response_mode',
    ])
      if (p[k] !== undefined) hidden[k] = p[k]!;
    const action = `/${encodeURIComponent(tenant)}/oauth2/v2.0/authorize`;
    if (req.method === 'GET' || p.username === undefined)
      return html(200, signInPage({ action, hidden, loginHint: p.login_hint ?? '', appName }));
    try {
      const user = id.checkPassword(p.username, p.password);
      const code = id.createCode({
        clientId: clientId!,
        redirectUri,
        userId: user.id,
        scopes: parseScopes(p.scope).graph,
        challenge: p.code_challenge ?? null,
        challengeMethod: p.code_challenge_method ?? 'plain',
        nonce: p.nonce ?? null,
      });
      return back({
        code,
        client_info: Buffer.from(JSON.stringify({ uid: user.id, utid: id.issuer().split('/').at(-2) })).toString('base64url'),
      });
    } catch (e) {
      if (!(e instanceof AadError)) throw e;
      return html(200, signInPage({ action, hidden, loginHint: p.username ?? '', appName, error: e.description }));
    }
  };
  router.on('GET', '/:tenant/oauth2/v2.0/authorize', authorize);
  router.on('POST', '/:tenant/oauth2/v2.0/authorize', authorize);

  router.on('GET', '/:tenant/oauth2/v2.0/logout', (req) => {
    const to = req.query.get('post_logout_redirect_uri');
    return to && /^https?:\/\//.test(to) ? redirect(to) : html(200, messagePage('Signed out', 'You have signed out.'));
  });

  const adminConsent = (req: Req): Res => {
    const redirectUri = req.query.get('redirect_uri');
    if (!redirectUri || !/^https?:\/\//.test(redirectUri))
      return html(400, messagePage('Admin consent', "AADSTS900144: The request must contain a valid 'redirect_uri' parameter."));
    const u = new URL(redirectUri);
    const state = req.query.get('state');
    try {
      id.checkTenant(req.params.tenant!, true);
      id.authenticateClient(req.query.get('client_id') ?? undefined, undefined, false);
      u.searchParams.set('admin_consent', 'True');
      u.searchParams.set('tenant', id.issuer().split('/').at(-2)!);
      const scope = req.query.get('scope');
      if (scope) u.searchParams.set('scope', scope);
    } catch (e) {
      if (!(e instanceof AadError)) throw e;
      u.searchParams.set('error', e.error);
      u.searchParams.set('error_description', e.message);
    }
    if (state !== null) u.searchParams.set('state', state);
    return redirect(u.toString());
  };
  router.on('GET', '/:tenant/adminconsent', adminConsent);
  router.on('GET', '/:tenant/v2.0/adminconsent', adminConsent);

  const discovery = (req: Req): Res => {
    const tenant = req.params.tenant!;
    try {
      id.checkTenant(tenant, true);
    } catch (e) {
      if (e instanceof AadError) return e.toRes(now());
      throw e;
    }
    const base = `${baseUrl()}/${tenant}`;
    const generic = tenant === 'common' || tenant === 'organizations';
    return json(200, {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: generic ? `${baseUrl()}/{tenantid}/v2.0` : id.issuer(),
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${baseUrl()}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: [
        'sub',
        'iss',
        'aud',
        'exp',
        'iat',
        'auth_time',
        'nonce',
        'preferred_username',
        'name',
        'tid',
        'ver',
        'oid',
        'email',
      ],
      kerberos_endpoint: `${base}/kerberos`,
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    });
  };
  router.on('GET', '/:tenant/v2.0/.well-known/openid-configuration', discovery);
  router.on('GET', '/:tenant/.well-known/openid-configuration', discovery);
  router.on('GET', '/:tenant/discovery/v2.0/keys', () => json(200, id.keys.jwks()));
  router.on('GET', '/discovery/v2.0/keys', () => json(200, id.keys.jwks()));
  router.on('GET', '/common/discovery/instance', () =>
    json(200, {
      tenant_discovery_endpoint: `${baseUrl()}/common/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [],
    }),
  );
}

function basicAuth(h: string | undefined): { id: string; secret: string } | null {
  if (!h?.toLowerCase().startsWith('basic ')) return null;
  const raw = Buffer.from(h.slice(6), 'base64').toString('utf8');
  const i = raw.indexOf(':');
  if (i < 0) return null;
  return { id: decodeURIComponent(raw.slice(0, i)), secret: decodeURIComponent(raw.slice(i + 1)) };
}
