import type { ApiClient } from './client.ts';
import type { Connection, ConnectionTestResult } from './types.ts';

/** Body for creating/updating a connection. Secrets are sent only when the admin typed a new one. */
export interface ConnectionInput {
  name: string;
  tenantId: string;
  azureClientId: string;
  azureClientSecret?: string;
  cxoneBaseUrl: string;
  cxoneAuthUrl?: string | null;
  cxoneAccessKeyId: string;
  cxoneAccessKeySecret?: string;
  cxoneBusinessUnitId?: string | null;
}

const list = <T>(body: T[] | { items?: T[]; connections?: T[] }): T[] =>
  Array.isArray(body) ? body : (body.items ?? body.connections ?? []);

export const listConnections = async (api: ApiClient) =>
  list(await api.get<Connection[] | { items?: Connection[]; connections?: Connection[] }>('/api/connections'));

export const createConnection = (api: ApiClient, input: ConnectionInput) => api.post<Connection>('/api/connections', input);

export const updateConnection = (api: ApiClient, id: string, input: Partial<ConnectionInput>) =>
  api.patch<Connection>(`/api/connections/${encodeURIComponent(id)}`, input);

export const testConnection = (api: ApiClient, id: string) =>
  api.post<ConnectionTestResult>(`/api/connections/${encodeURIComponent(id)}/test`);
