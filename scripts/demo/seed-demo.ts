import type { App } from '../../api/src/app.ts';
import type { RuleInput } from '../../api/src/domain/rules.ts';
import type { CxoneEmulator } from '../../emulators/cxone/index.ts';
import { DEFAULT_APP, type GraphEmulator } from '../../emulators/graph/index.ts';
import type { Seed, SeedTeamsUser } from '../../emulators/shared/seed.ts';

/**
 * Sets the demo up through the real admin API, as an admin would in the tab: one connection to the
 * emulators, a directory sync, auto-mapping (exact matches applied, the rest left for review), and a
 * default rule. Idempotent: a second start reuses what the first one made.
 */
export const DEMO_CONNECTION = 'Contoso contact center';
export const DEMO_RULE = 'Contact center default';

export const DEMO_RULE_ROWS: RuleInput['rows'] = [
  {
    direction: 'to_teams',
    cxone: { condition: 'available' },
    teams: { availability: 'Available', activity: 'Available' },
    force: false,
  },
  {
    direction: 'to_teams',
    cxone: { condition: 'inbound_contact' },
    teams: { availability: 'Busy', activity: 'InACall' },
    force: false,
  },
  {
    direction: 'to_teams',
    cxone: { condition: 'outbound_contact' },
    teams: { availability: 'Busy', activity: 'InACall' },
    force: false,
  },
  { direction: 'to_teams', cxone: { condition: 'acw' }, teams: { availability: 'Busy', activity: 'InACall' }, force: false },
  { direction: 'to_teams', cxone: { condition: 'unavailable' }, teams: { availability: 'Away', activity: 'Away' }, force: false },
  { direction: 'to_teams', cxone: { condition: 'logged_out' }, teams: null, force: false },
  {
    direction: 'to_cxone',
    teams: { availability: 'Busy', activity: 'InAMeeting' },
    cxone: { condition: 'unavailable', outStateId: 3 },
  },
  {
    direction: 'to_cxone',
    teams: { availability: 'DoNotDisturb', activity: 'Presenting' },
    cxone: { condition: 'unavailable', outStateId: 5 },
  },
];

interface Json {
  [k: string]: unknown;
}

export async function seedDemo(d: { app: App; graph: GraphEmulator; cxone: CxoneEmulator; seed: Seed; admin: SeedTeamsUser }) {
  const api = async <T = Json>(method: string, path: string, body?: unknown, token?: string): Promise<T> => {
    const res = await fetch(`${d.app.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`demo set-up: ${method} ${path} answered ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : {}) as T;
  };
  const { token } = await api<{ token: string }>('POST', '/api/dev/sign-in', {
    userId: d.admin.id,
    tenantId: d.seed.tenantId,
    upn: d.admin.userPrincipalName,
    name: d.admin.displayName,
  });

  const list = await api<{ items: { id: string; name: string }[] }>('GET', '/api/connections', undefined, token);
  let connectionId = list.items.find((c) => c.name === DEMO_CONNECTION)?.id;
  const cxone = {
    baseUrl: d.cxone.baseUrl,
    authUrl: d.cxone.authUrl,
    accessKeyId: d.cxone.accessKey.id,
    accessKeySecret: d.cxone.accessKey.secret,
  };
  if (!connectionId) {
    const created = await api<{ id: string }>(
      'POST',
      '/api/connections',
      {
        name: DEMO_CONNECTION,
        azure: { tenantId: d.seed.tenantId, clientId: DEFAULT_APP.clientId, clientSecret: DEFAULT_APP.clientSecret },
        cxone,
      },
      token,
    );
    connectionId = created.id;
  } else {
    // The emulators may run on other ports than last time.
    await api('PATCH', `/api/connections/${connectionId}`, { cxone }, token);
  }

  const sync = await api<{ jobId: string }>('POST', `/api/connections/${connectionId}/directory-sync`, {}, token);
  for (let i = 0; i < 1200; i++) {
    const job = await api<{ status: string; error?: string | null }>(
      'GET',
      `/api/connections/${connectionId}/jobs/${sync.jobId}`,
      undefined,
      token,
    );
    if (job.status === 'succeeded') break;
    if (job.status === 'failed') throw new Error(`demo set-up: directory sync failed: ${job.error ?? 'unknown error'}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const auto = await api<{ summary: { applied: number; ambiguous: number; confident: number } }>(
    'POST',
    `/api/connections/${connectionId}/mappings/auto-map`,
    { applyExact: true },
    token,
  );
  const mapped = await api<{ total: number }>(
    'GET',
    `/api/connections/${connectionId}/mappings?status=mapped&limit=1`,
    undefined,
    token,
  ).catch(() => ({ total: auto.summary.applied }));

  const rules = await api<{ items: { name: string }[] }>('GET', `/api/connections/${connectionId}/rules`, undefined, token);
  if (!rules.items.some((r) => r.name === DEMO_RULE))
    await api(
      'POST',
      `/api/connections/${connectionId}/rules`,
      { name: DEMO_RULE, isDefault: true, rows: DEMO_RULE_ROWS },
      token,
    );

  const tour = d.seed.agents.find((a) => !a.trap && a.teamsUserId)!;
  return {
    connectionId,
    connectionName: DEMO_CONNECTION,
    ruleName: DEMO_RULE,
    mapped: mapped.total ?? auto.summary.applied,
    ambiguous: auto.summary.ambiguous,
    tourAgent: { agentId: tour.agentId, name: `${tour.firstName} ${tour.lastName}`, userId: tour.teamsUserId! },
  };
}
