import { randomUUID } from 'node:crypto';
import type { SyncEvent } from '../../api/src/domain/ports.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

/** Helpers for the admin API suites: an app with dev sign-in, signed-in callers, JSON requests. */
export const CLIENT_ID = '11111111-2222-4333-8444-555555555555';
export const TENANT_A = '9a3c1f52-6d0e-4b8f-a2c4-5e7d9b1f3a60';
export const TENANT_B = '7b1e0d44-3c2a-4f19-9e8d-0a1b2c3d4e5f';

export interface ApiApp extends TestApp {
  events: SyncEvent[];
}

export async function startApiApp(env: Record<string, string> = {}): Promise<ApiApp> {
  const events: SyncEvent[] = [];
  const app = await startTestApp(
    {
      DEV_SIGN_IN: 'true',
      AAD_APP_CLIENT_ID: CLIENT_ID,
      AUTH_FAILURES_PER_MINUTE: '1000',
      // Connections made here point nowhere real: nothing may reach Microsoft or NICE from a test.
      GRAPH_BASE_URL: 'https://graph.example.invalid/v1.0',
      AUTHORITY_HOST: 'https://login.example.invalid',
      ...env,
    },
    { syncEvents: { publish: (e) => void events.push(e) } },
  );
  return Object.assign(app, { events });
}

export interface Caller {
  token: string;
  userId: string;
  tenantId: string;
  upn: string;
}

export async function signIn(app: TestApp, o: { upn?: string; tenantId?: string; userId?: string } = {}): Promise<Caller> {
  const upn = o.upn ?? `user-${randomUUID().slice(0, 8)}@contoso.com`;
  const res = await fetch(`${app.url}/api/dev/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ upn, tenantId: o.tenantId ?? TENANT_A, ...(o.userId ? { userId: o.userId } : {}) }),
  });
  if (res.status !== 200) throw new Error(`dev sign-in failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { token: string; principal: { userId: string; tenantId: string } };
  return { token: body.token, userId: body.principal.userId, tenantId: body.principal.tenantId, upn };
}

export interface Res<T = Record<string, unknown>> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export async function call<T = Record<string, unknown>>(
  app: TestApp,
  method: string,
  path: string,
  who?: Caller | null,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Res<T>> {
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(who ? { authorization: `Bearer ${who.token}` } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed as T, text, headers: res.headers };
}

export const AZURE_SECRET = 'azure-S3cret-value-do-not-leak';
export const CXONE_SECRET = 'cxone-S3cret-value-do-not-leak';

export function connectionBody(
  tenantId = TENANT_A,
  o: {
    graph?: { clientId: string; secret: string };
    cxone?: { baseUrl: string; authUrl?: string; id: string; secret: string };
  } = {},
) {
  return {
    name: `BU ${randomUUID().slice(0, 6)}`,
    azure: {
      tenantId,
      clientId: o.graph?.clientId ?? '22222222-3333-4444-8555-666666666666',
      clientSecret: o.graph?.secret ?? AZURE_SECRET,
    },
    cxone: {
      baseUrl: o.cxone?.baseUrl ?? 'https://api-cxone.example.invalid',
      ...(o.cxone?.authUrl ? { authUrl: o.cxone.authUrl } : {}),
      accessKeyId: o.cxone?.id ?? 'key-id-1',
      accessKeySecret: o.cxone?.secret ?? CXONE_SECRET,
    },
  };
}

/** Asserts no response text or log line contains any of the secrets. */
export function leaks(app: TestApp, texts: string[], secrets: string[]): string[] {
  const raw = app.rawLogs();
  const out: string[] = [];
  for (const s of secrets) {
    if (raw.includes(s)) out.push(`log contains ${s}`);
    for (const t of texts) if (t.includes(s)) out.push(`response contains ${s}`);
  }
  return out;
}
