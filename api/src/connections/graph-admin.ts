import type { Logger } from '../logging.ts';
import { type DirectoryUser, type GraphAdminClient, ServiceError } from './clients.ts';

/**
 * A small app-only Graph client for admin work (directory listing, permission probes): client
 * credentials against `{authorityHost}/{tenantId}/oauth2/v2.0/token`, then plain REST calls.
 */
export interface GraphAdminOptions {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  graphBaseUrl: string;
  authorityHost: string;
  logger: Logger;
  fetchImpl?: typeof fetch;
  timeoutMs?: number;
}

export function createGraphAdminClient(o: GraphAdminOptions): GraphAdminClient {
  const doFetch = o.fetchImpl ?? fetch;
  const base = o.graphBaseUrl.replace(/\/+$/, '');
  const authority = o.authorityHost.replace(/\/+$/, '');
  const timeout = o.timeoutMs ?? 15_000;
  let cached: { token: string; until: number } | null = null;

  async function call(url: string, init: RequestInit, service: 'graph' | 'identity'): Promise<Response> {
    try {
      return await doFetch(url, { ...init, signal: AbortSignal.timeout(timeout) });
    } catch (err) {
      throw new ServiceError(
        service,
        null,
        `${service === 'graph' ? 'Microsoft Graph' : 'the identity platform'} could not be reached: ${(err as Error).message}`,
      );
    }
  }

  async function errorOf(res: Response, service: 'graph' | 'identity'): Promise<ServiceError> {
    const text = await res.text().catch(() => '');
    let code: string | undefined;
    let message = text.slice(0, 300);
    try {
      const j = JSON.parse(text) as { error?: string | { code?: string; message?: string }; error_description?: string };
      if (typeof j.error === 'string') {
        code = j.error;
        message = j.error_description?.split('\n')[0] ?? j.error;
      } else if (j.error) {
        code = j.error.code;
        message = j.error.message ?? message;
      }
    } catch {
      /* not JSON: keep the text */
    }
    return new ServiceError(service, res.status, message, code);
  }

  async function getAppToken(): Promise<string> {
    if (cached && cached.until > Date.now()) return cached.token;
    const res = await call(
      `${authority}/${encodeURIComponent(o.tenantId)}/oauth2/v2.0/token`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({
          client_id: o.clientId,
          client_secret: o.clientSecret,
          scope: 'https://graph.microsoft.com/.default',
          grant_type: 'client_credentials',
        }),
      },
      'identity',
    );
    if (!res.ok) throw await errorOf(res, 'identity');
    const body = (await res.json()) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== 'string')
      throw new ServiceError('identity', res.status, 'token response had no access_token');
    const ttl = Number(body.expires_in) > 0 ? Number(body.expires_in) : 3600;
    cached = { token: body.access_token, until: Date.now() + Math.max(60, ttl - 300) * 1000 };
    return cached.token;
  }

  async function graph(path: string, init: RequestInit = {}): Promise<Response> {
    const token = await getAppToken();
    const url = path.startsWith('http') ? path : `${base}${path}`;
    return call(
      url,
      {
        ...init,
        headers: {
          accept: 'application/json',
          'content-type': 'application/json',
          ...init.headers,
          authorization: `Bearer ${token}`,
        },
      },
      'graph',
    );
  }

  return {
    getAppToken,
    async listUsers(onPage) {
      let next: string | null = `/users?$select=id,userPrincipalName,mail,displayName&$top=999`;
      for (let page = 0; next && page < 10_000; page++) {
        const res = await graph(next);
        if (!res.ok) throw await errorOf(res, 'graph');
        const body = (await res.json()) as { value?: Partial<DirectoryUser>[]; '@odata.nextLink'?: string };
        const users = (body.value ?? [])
          .filter((u): u is Partial<DirectoryUser> & { id: string } => typeof u.id === 'string' && u.id.length > 0)
          .map((u) => ({
            id: u.id,
            userPrincipalName: u.userPrincipalName ?? null,
            mail: u.mail ?? null,
            displayName: u.displayName ?? null,
          }));
        await onPage(users);
        next = body['@odata.nextLink'] ?? null;
      }
      o.logger.debug({ tenantId: o.tenantId }, 'graph users listed');
    },
    async probeUsers() {
      const res = await graph('/users?$select=id&$top=1');
      if (!res.ok) throw await errorOf(res, 'graph');
      const body = (await res.json()) as { value?: { id?: unknown }[] };
      const id = body.value?.[0]?.id;
      return typeof id === 'string' ? id : null;
    },
    async probePresenceRead(userId) {
      const res = await graph('/communications/getPresencesByUserId', {
        method: 'POST',
        body: JSON.stringify({ ids: [userId] }),
      });
      if (!res.ok) throw await errorOf(res, 'graph');
    },
    async probePresenceWrite(userId) {
      const res = await graph(`/users/${encodeURIComponent(userId)}/presence/clearPresence`, {
        method: 'POST',
        body: JSON.stringify({ sessionId: o.clientId }),
      });
      if (!res.ok && res.status !== 404) throw await errorOf(res, 'graph');
    },
  };
}
