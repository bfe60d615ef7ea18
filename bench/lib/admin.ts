import type { CxoneEmulator } from '../../emulators/cxone/index.ts';
import type { GraphEmulator } from '../../emulators/graph/index.ts';

/**
 * Drives the admin REST API the way the tab does (dev sign-in, connection, directory sync, auto-map,
 * rules), for benchmarks and fault tests. Everything goes over HTTP against a running server.
 */
export interface Res<T = Record<string, unknown>> {
  status: number;
  body: T;
  text: string;
}

export async function request<T = Record<string, unknown>>(
  baseUrl: string,
  method: string,
  path: string,
  o: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Res<T>> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
      ...o.headers,
    },
    ...(o.body !== undefined ? { body: typeof o.body === 'string' ? o.body : JSON.stringify(o.body) } : {}),
  });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  return { status: res.status, body: body as T, text };
}

async function must<T = Record<string, unknown>>(
  what: string,
  p: Promise<Res<T>>,
  ok: number[] = [200, 201, 202, 204],
): Promise<Res<T>> {
  const r = await p;
  if (!ok.includes(r.status)) throw new Error(`${what}: ${r.status} ${r.text.slice(0, 500)}`);
  return r;
}

const P = (availability: string, activity: string) => ({ availability, activity });

/** The rule every benchmark and fault test uses: both directions, so each side's changes have an effect. */
export const STANDARD_ROWS = [
  { direction: 'to_teams', cxone: { condition: 'available' }, teams: P('Available', 'Available') },
  { direction: 'to_teams', cxone: { condition: 'inbound_contact' }, teams: P('Busy', 'InACall') },
  { direction: 'to_teams', cxone: { condition: 'outbound_contact' }, teams: P('Busy', 'InACall') },
  { direction: 'to_teams', cxone: { condition: 'unavailable' }, teams: P('Away', 'Away') },
  { direction: 'to_teams', cxone: { condition: 'logged_out' }, teams: null },
  {
    direction: 'to_cxone',
    teams: { availability: 'Busy', activity: 'InAMeeting' },
    cxone: { condition: 'unavailable', outStateId: 3 },
  },
  { direction: 'to_cxone', teams: { availability: 'Available' }, cxone: { condition: 'available' } },
];

export interface Configured {
  token: string;
  connectionId: string;
  defaultRuleId: string;
  /** agentId → Teams user id, for every mapping auto-map applied. */
  mapped: Map<string, string>;
  /** When the default rule's 201 arrived (ms since epoch): from here on everyone should be synced. */
  ruleSavedAt: number;
}

export async function signInAdmin(baseUrl: string, tenantId: string, upn = 'it.admin@contoso.com'): Promise<string> {
  const r = await must<{ token: string }>(
    'dev sign-in',
    request(baseUrl, 'POST', '/api/dev/sign-in', { body: { upn, tenantId } }),
  );
  return r.body.token;
}

/** Creates a connection to the two emulators, syncs the directory, auto-maps and saves a default rule. */
export async function configure(o: {
  baseUrl: string;
  graph: GraphEmulator;
  cxone: CxoneEmulator;
  options?: Record<string, unknown>;
  /** The CXone push secret (push mode). */
  pushSecret?: string;
  rows?: unknown[];
  /** Give up waiting for the directory sync after this long (ms). */
  timeoutMs?: number;
}): Promise<Configured> {
  const { baseUrl } = o;
  const token = await signInAdmin(baseUrl, o.graph.tenantId);
  const api = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
    must<T>(`${method} ${path}`, request<T>(baseUrl, method, path, { token, body }));
  const conn = await api<{ id: string }>('POST', '/api/connections', {
    name: 'Bench contact center',
    azure: { tenantId: o.graph.tenantId, clientId: o.graph.defaultApp.clientId, clientSecret: o.graph.defaultApp.clientSecret },
    cxone: {
      baseUrl: o.cxone.baseUrl,
      authUrl: o.cxone.authUrl,
      accessKeyId: o.cxone.accessKey.id,
      accessKeySecret: o.cxone.accessKey.secret,
      ...(o.pushSecret ? { pushSecret: o.pushSecret } : {}),
    },
    ...(o.options ? { options: o.options } : {}),
  });
  const id = conn.body.id;
  const job = await api<{ jobId: string }>('POST', `/api/connections/${id}/directory-sync`);
  const deadline = Date.now() + (o.timeoutMs ?? 120_000);
  for (;;) {
    const j = await api<{ status: string; error?: unknown }>('GET', `/api/connections/${id}/jobs/${job.body.jobId}`);
    if (j.body.status === 'succeeded') break;
    if (j.body.status === 'failed') throw new Error(`directory sync failed: ${JSON.stringify(j.body)}`);
    if (Date.now() > deadline) throw new Error('directory sync did not finish in time');
    await new Promise((r) => setTimeout(r, 100));
  }
  await api('POST', `/api/connections/${id}/mappings/auto-map`, {});
  const mapped = await listMapped(baseUrl, token, id);
  const rule = await api<{ id: string }>('POST', `/api/connections/${id}/rules`, {
    name: 'Standard',
    isDefault: true,
    rows: o.rows ?? STANDARD_ROWS,
  });
  return { token, connectionId: id, defaultRuleId: rule.body.id, mapped, ruleSavedAt: Date.now() };
}

export async function listMapped(baseUrl: string, token: string, connectionId: string): Promise<Map<string, string>> {
  const mapped = new Map<string, string>();
  for (let offset = 0; ; offset += 500) {
    const r = await must<{ items: { agentId: string; mapping: { userId: string; included: boolean } | null }[]; total: number }>(
      'list mappings',
      request(baseUrl, 'GET', `/api/connections/${connectionId}/mappings?status=mapped&limit=500&offset=${offset}`, { token }),
    );
    for (const it of r.body.items) if (it.mapping?.included) mapped.set(it.agentId, it.mapping.userId);
    if (r.body.items.length < 500) break;
  }
  return mapped;
}

export async function adminCall<T = Record<string, unknown>>(
  baseUrl: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Res<T>> {
  return must<T>(`${method} ${path}`, request<T>(baseUrl, method, path, { token, body }));
}

/** Signs in one subscription owner with the device-code flow, completing the emulator's form as a person would. */
export async function signInOwnerByDeviceCode(
  baseUrl: string,
  token: string,
  connectionId: string,
  owner: { upn: string; password: string },
): Promise<void> {
  const start = await adminCall<{ signInId: string; userCode: string; verificationUri: string }>(
    baseUrl,
    token,
    'POST',
    `/api/connections/${connectionId}/owners/device-code`,
  );
  const approve = await fetch(start.body.verificationUri, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ user_code: start.body.userCode, username: owner.upn, password: owner.password }),
  });
  await approve.body?.cancel();
  if (approve.status !== 200) throw new Error(`device code approval: ${approve.status}`);
  for (let i = 0; i < 100; i++) {
    const r = await adminCall<{ status: string }>(
      baseUrl,
      token,
      'POST',
      `/api/connections/${connectionId}/owners/device-code/${start.body.signInId}/poll`,
    );
    if (r.body.status === 'done') return;
    if (r.body.status !== 'pending') throw new Error(`owner sign-in: ${JSON.stringify(r.body)}`);
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('owner sign-in did not complete');
}
