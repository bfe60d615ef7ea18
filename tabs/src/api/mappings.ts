import type { MappingItem } from '../../../api/src/domain/api-types.ts';
import type { ApiClient } from './client.ts';

export type MappingStatus = 'all' | 'mapped' | 'unmapped' | 'excluded' | 'included';
export type Signal = 'email_exact' | 'username_upn' | 'local_part' | 'display_name' | 'partial_name';

export type { MappingItem } from '../../../api/src/domain/api-types.ts';

export interface MappingPage {
  items: MappingItem[];
  total: number;
  limit: number;
  offset: number;
}

export interface ProposalView {
  agentId: string;
  status: 'confident' | 'ambiguous';
  userId: string | null;
  signal: Signal;
  confidence: number;
  note?: string;
  agent: { name: string; email: string | null };
  candidates: {
    userId: string;
    signal: Signal;
    confidence: number;
    userPrincipalName: string | null;
    displayName: string | null;
  }[];
}

export interface AutoMapResult {
  applied: { agentId: string; userId: string }[];
  proposals: ProposalView[];
  unmatched: string[];
  summary: { applied: number; confident: number; ambiguous: number; unmatched: number };
}

export interface CandidateItem {
  userId: string;
  signal: Signal | 'search';
  confidence: number;
  userPrincipalName: string | null;
  displayName: string | null;
  mail: string | null;
  mappedToAgentId: string | null;
  current: boolean;
}

const base = (c: string) => `/api/connections/${encodeURIComponent(c)}/mappings`;

export const listMappings = (
  api: ApiClient,
  c: string,
  q: { status?: MappingStatus; teamId?: string; q?: string; limit?: number; offset?: number },
) => api.get<MappingPage>(base(c), q);

export const autoMap = (api: ApiClient, c: string, applyExact: boolean) =>
  api.post<AutoMapResult>(`${base(c)}/auto-map`, { applyExact });

export const confirmProposals = (api: ApiClient, c: string, proposals: { agentId: string; userId: string }[]) =>
  api.post<{ confirmed: number }>(`${base(c)}/confirm`, { proposals });

export const candidatesFor = (api: ApiClient, c: string, agentId: string, q?: string) =>
  api.get<{ agentId: string; items: CandidateItem[] }>(`${base(c)}/${encodeURIComponent(agentId)}/candidates`, { q, limit: 20 });

export const remap = (api: ApiClient, c: string, agentId: string, userId: string) =>
  api.put<unknown>(`${base(c)}/${encodeURIComponent(agentId)}`, { userId });

export const unmap = (api: ApiClient, c: string, agentId: string) => api.del(`${base(c)}/${encodeURIComponent(agentId)}`);

export const setIncluded = (api: ApiClient, c: string, agentIds: string[], included: boolean) =>
  api.post<unknown>(`${base(c)}/include`, { agentIds, included });

export const agentName = (m: Pick<MappingItem, 'agent' | 'agentId'>) =>
  `${m.agent.firstName ?? ''} ${m.agent.lastName ?? ''}`.trim() || m.agent.userName || m.agentId;

/** Every CXone team that has agents, with agent counts (paged through the mapping list). */
export async function listTeamIds(api: ApiClient, c: string): Promise<{ teamId: string; agents: number }[]> {
  const counts = new Map<string, number>();
  for (let offset = 0; ; offset += 500) {
    const page = await listMappings(api, c, { status: 'all', limit: 500, offset });
    for (const m of page.items) if (m.agent.teamId) counts.set(m.agent.teamId, (counts.get(m.agent.teamId) ?? 0) + 1);
    if (offset + page.items.length >= page.total || page.items.length === 0) break;
  }
  return [...counts].map(([teamId, agents]) => ({ teamId, agents })).sort((a, b) => a.teamId.localeCompare(b.teamId));
}
