/**
 * Every CXone REST path the client uses, in one place. Sources (see /work/shared/facts/cxone.md):
 * - [facts] facts/cxone.md, compiled from NICE's agent SDK (nice-devone/nice-cxone-agent-sdk),
 *   developer.niceincontact.com and help.incontact.com pages.
 * - [openapi] calljacob/nice-cxone-api, a client generated from NICE's published OpenAPI specs
 *   (src/services/realtime/RealtimedataRealtimeService.ts: GET /agents/states with updatedSince/top/skip).
 *
 * REST base: `{api_endpoint}/incontactapi/services/v{NN}.0/…` [facts]. Which version each path needs
 * differs by endpoint (v23.0–v34.0 seen in NICE's SDK), so it is configurable per path.
 */
export const PATH_NAMES = [
  'token',
  'listAgents',
  'listTeams',
  'listUnavailableCodes',
  'agentStates',
  'setAgentState',
  'joinAgentSession',
  'agentSessionState',
] as const;
export type PathName = (typeof PATH_NAMES)[number];

/** Default API versions per path (UNCONFIRMED which each tenant needs: override with `versions`). */
export const DEFAULT_VERSIONS: Readonly<Record<PathName, string>> = {
  token: 'v1',
  listAgents: 'v26.0',
  listTeams: 'v26.0',
  listUnavailableCodes: 'v26.0',
  agentStates: 'v26.0',
  setAgentState: 'v26.0',
  joinAgentSession: 'v26.0',
  agentSessionState: 'v26.0',
};

/**
 * The access-key permission (role permission of the key's user) each call needs, named in errors when
 * CXone answers 401/403. CXone does not say which permission was missing; these names follow the
 * CXone admin role editor (UNCONFIRMED wording).
 */
export const REQUIRED_PERMISSION: Readonly<Record<PathName, string>> = {
  token: 'a valid, active CXone access key',
  listAgents: 'Users > View (ACD users/agents)',
  listTeams: 'Teams > View',
  listUnavailableCodes: 'Unavailable Codes > View',
  agentStates: 'Real-time data > Agent states (View)',
  setAgentState: 'Agent state > Change agent state (supervisor)',
  joinAgentSession: 'Agent sessions > Join / impersonate agent',
  agentSessionState: 'Agent sessions > Change agent state',
};

const VERSION_RE = /^v\d+(\.\d+)?$/;

export function resolveVersions(overrides: Partial<Record<PathName, string>> = {}): Record<PathName, string> {
  const out: Record<PathName, string> = { ...DEFAULT_VERSIONS };
  for (const [name, v] of Object.entries(overrides)) {
    if (!(PATH_NAMES as readonly string[]).includes(name)) throw new TypeError(`versions.${name}: unknown CXone path name`);
    if (typeof v !== 'string' || !VERSION_RE.test(v))
      throw new TypeError(`versions.${name}: must look like "v26.0" (got ${JSON.stringify(v)})`);
    out[name as PathName] = v;
  }
  return out;
}

const services = (v: string) => `/incontactapi/services/${v}`;
const seg = (s: string | number) => encodeURIComponent(String(s));

/** Path builders (relative to the API base URL, or to the auth base URL for `token`). */
export const paths = {
  /** [facts] POST {auth}/authentication/v1/token/access-key {accessKeyId, accessKeySecret} → {access_token, expires_in,…} */
  token: (v: string) => `/authentication/${v}/token/access-key`,
  /** [facts] GET /agents?skip&top&isActive&updatedSince → {businessUnitId, lastPollTime, totalRecords, agents:[…]} */
  listAgents: (v: string) => `${services(v)}/agents`,
  /** [facts] GET /teams → {teams:[{teamId, teamName, isActive,…}]} */
  listTeams: (v: string) => `${services(v)}/teams`,
  /** [facts] GET /teams/{teamId}/unavailable-codes?activeOnly=true → codes (casing varies; older: resultSet wrapper) */
  listUnavailableCodes: (v: string, teamId: string) => `${services(v)}/teams/${seg(teamId)}/unavailable-codes`,
  /** [facts][openapi] GET /agents/states?updatedSince → {lastPollTime, agentStates:[…]}; 304 = no change */
  agentStates: (v: string) => `${services(v)}/agents/states`,
  /** [facts] POST /agents/{agentId}/state {state:"Available"|"Unavailable", outStateId} → {} (admin route) */
  setAgentState: (v: string, agentId: string) => `${services(v)}/agents/${seg(agentId)}/state`,
  /** [facts] POST /agent-sessions/join {asAgentId} → {sessionId} (never POST /agent-sessions: it logs in) */
  joinAgentSession: (v: string) => `${services(v)}/agent-sessions/join`,
  /** [facts] POST /agent-sessions/{sessionId}/state {state, reason:"<code name>"} */
  agentSessionState: (v: string, sessionId: string) => `${services(v)}/agent-sessions/${seg(sessionId)}/state`,
} as const;

/** Joins a base URL (with or without a trailing slash or path) and a path. */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}
