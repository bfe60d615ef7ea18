import type { ApiClient } from './client.ts';
import type { Connection, ConnectionCreate, ConnectionPatch, ConnectionTestReport, Job, Me } from './types.ts';

const at = (id: string) => `/api/connections/${encodeURIComponent(id)}`;

export const fetchMe = (api: ApiClient) => api.get<Me>('/api/me');

export const listConnections = async (api: ApiClient) => (await api.get<{ items: Connection[] }>('/api/connections')).items;

export const createConnection = (api: ApiClient, input: ConnectionCreate) => api.post<Connection>('/api/connections', input);

export const updateConnection = (api: ApiClient, id: string, patch: ConnectionPatch) => api.patch<Connection>(at(id), patch);

export const testConnection = (api: ApiClient, id: string) => api.post<ConnectionTestReport>(`${at(id)}/test`);

export const startDirectorySync = (api: ApiClient, id: string) =>
  api.post<{ jobId: string; started: boolean; job: Job }>(`${at(id)}/directory-sync`);

export const fetchJob = (api: ApiClient, id: string, jobId: string) =>
  api.get<Job>(`${at(id)}/jobs/${encodeURIComponent(jobId)}`);
