import type { ApiClient } from './client.ts';

export interface DecisionAction {
  kind: string;
  pair?: { availability: string; activity: string };
  target?: { state: string; outStateId?: number };
}

export interface Decision {
  id: number;
  at: string;
  agentId: string | null;
  userId: string | null;
  direction: 'cxone_to_teams' | 'teams_to_cxone' | 'none' | string;
  reason: string;
  ruleId: string | null;
  rowIndex: number | null;
  inputs: Record<string, unknown>;
  actions: DecisionAction[];
  delayMs: number | null;
}

export interface DecisionPage {
  items: Decision[];
  nextBefore: number | null;
}

export interface AgentStatus {
  agentId: string;
  agent: { name: string; email: string | null; teamId: string | null; isActive: boolean };
  mapping: {
    userId: string;
    included: boolean;
    source: string;
    userPrincipalName: string | null;
    displayName: string | null;
  } | null;
  cxone: { current: CxoneSnapshot | null; seenAt: string | null; setByUs: unknown };
  teams: { current: { availability: string; activity: string } | null; seenAt: string | null; setByUs: unknown };
  pending: unknown;
  lastReason: string | null;
  lastSyncAt: string | null;
  rule: { id: string; name: string; version: number; via: string } | null;
  lastDecision: Decision | null;
}

export interface CxoneSnapshot {
  state: string;
  outStateId?: number | null;
  outStateName?: string | null;
  isAcw?: boolean;
}

export interface StatusRow {
  agentId: string;
  userId: string;
  included: boolean;
  name: string;
  cxone: CxoneSnapshot | null;
  teams: { availability: string; activity: string } | null;
  lastReason: string | null;
  lastSyncAt: string | null;
}

const base = (c: string) => `/api/connections/${encodeURIComponent(c)}`;

export const listDecisions = (
  api: ApiClient,
  c: string,
  q: { agentId?: string; reason?: string; from?: string; before?: number; limit?: number },
) => api.get<DecisionPage>(`${base(c)}/decisions`, q);

export const fetchStatus = (api: ApiClient, c: string, agentId: string) =>
  api.get<AgentStatus>(`${base(c)}/status/${encodeURIComponent(agentId)}`);

export const listStatuses = (api: ApiClient, c: string, q: { q?: string; limit?: number; offset?: number }) =>
  api.get<{ items: StatusRow[]; limit: number; offset: number }>(`${base(c)}/status`, q);

/** Every decision of the last `hours` (keyset pages of 500, at most `maxPages`): the charts' data. */
export async function recentDecisions(
  api: ApiClient,
  c: string,
  now: number,
  hours = 24,
  maxPages = 10,
): Promise<{ items: Decision[]; truncated: boolean }> {
  const from = new Date(now - hours * 3_600_000).toISOString();
  const items: Decision[] = [];
  let before: number | undefined;
  for (let i = 0; i < maxPages; i++) {
    const page = await listDecisions(api, c, { from, limit: 500, ...(before ? { before } : {}) });
    items.push(...page.items);
    if (!page.nextBefore) return { items, truncated: false };
    before = page.nextBefore;
  }
  return { items, truncated: true };
}
