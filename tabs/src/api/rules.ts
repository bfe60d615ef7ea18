import type { RuleInput, RuleRow, UnavailableCode } from '../domain.ts';
import type { ApiClient } from './client.ts';

export interface RuleView {
  id: string;
  name: string;
  rows: RuleRow[];
  isDefault: boolean;
  version: number;
  warnings: { field: string; message: string }[];
  createdAt: string;
  updatedAt: string;
}

export interface Assignment {
  ruleId: string;
  ruleName: string;
  targetType: 'team' | 'user';
  targetId: string;
  createdAt: string;
}

export interface PreviewOutcome {
  cxoneState: string;
  outStateId: number | null;
  label: string;
  rowIndex: number | null;
  teams: { availability: string; activity: string } | null;
  force: boolean;
  reason: string;
}

export interface TeamsOutcome {
  availability: string;
  activity: string;
  rowIndex: number | null;
  cxone: { state: string; outStateId?: number } | null;
  reason: string;
}

export interface Preview {
  agent: { agentId: string; name: string; email: string | null; teamId: string | null };
  user: { userId: string; userPrincipalName: string | null; displayName: string | null; included: boolean } | null;
  rule: { id: string; name: string; version: number } | null;
  via: 'user' | 'team' | 'default' | null;
  blockedBy: string | null;
  cxoneToTeams: PreviewOutcome[];
  teamsToCxone: TeamsOutcome[];
}

const base = (c: string) => `/api/connections/${encodeURIComponent(c)}`;

export const listRules = async (api: ApiClient, c: string) => (await api.get<{ items: RuleView[] }>(`${base(c)}/rules`)).items;
export const createRule = (api: ApiClient, c: string, input: RuleInput) => api.post<RuleView>(`${base(c)}/rules`, input);
export const updateRule = (api: ApiClient, c: string, id: string, input: RuleInput & { version?: number }) =>
  api.put<RuleView>(`${base(c)}/rules/${encodeURIComponent(id)}`, input);
export const deleteRule = (api: ApiClient, c: string, id: string) => api.del(`${base(c)}/rules/${encodeURIComponent(id)}`);

export const listUnavailableCodes = async (api: ApiClient, c: string) =>
  (await api.get<{ items: UnavailableCode[] }>(`${base(c)}/unavailable-codes`)).items;

export const listAssignments = async (api: ApiClient, c: string) =>
  (await api.get<{ items: Assignment[] }>(`${base(c)}/assignments`)).items;
export const assignRule = (api: ApiClient, c: string, body: { ruleId: string; targetType: 'team' | 'user'; targetId: string }) =>
  api.post<{ created: boolean }>(`${base(c)}/assignments`, body);
export const unassign = (api: ApiClient, c: string, targetType: 'team' | 'user', targetId: string) =>
  api.del(`${base(c)}/assignments/${targetType}/${encodeURIComponent(targetId)}`);

export const previewFor = (api: ApiClient, c: string, agentId: string) => api.get<Preview>(`${base(c)}/preview`, { agentId });
