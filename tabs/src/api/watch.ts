import type { ApiClient } from './client.ts';

export interface ReaderStatus {
  connectionId: string;
  running: boolean;
  mode?: 'primary' | 'healing';
  users?: number;
  cadence?: { requestsPerRound: number; intervalMs: number; requestsPerWindow: number; expectedDelayMs: number };
  rounds?: number;
  lastRound?: { at: number; durationMs: number; requests: number; changes: number } | null;
  changesEmitted?: number;
  requests?: number;
  errors?: { count: number; consecutive: number; last: { at: number; message: string; reason?: string } | null };
}

export interface SubscriptionView {
  id: string;
  groupIndex: number;
  graphSubscriptionId: string | null;
  ownerId: string | null;
  ownerUpn: string | null;
  users: number;
  status: 'planned' | 'active' | 'failed' | 'removed' | string;
  expiresAt: number | null;
  expiresInMs: number | null;
  lastRenewedAt: number | null;
  lastNotificationAt: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
  suspectSince: number | null;
}

export interface Coverage {
  subscriptions: SubscriptionView[];
  coveredUsers: number;
  mappedUsers: number;
  uncoveredUsers: number;
}

export interface PlanView {
  groupSize: number;
  users: number;
  groups: { existingId: string | null; userIds: string[]; ownerId: string | null; action: 'keep' | 'recreate' | 'create' }[];
  deletes: string[];
  ownersNeeded: number;
  ownersAvailable: number;
  ownersMissing: number;
  uncoveredUsers: number;
  changes: number;
}

export interface WatchStatus {
  connectionId: string;
  mode: 'reader' | 'subscriptions';
  reader: ReaderStatus | null;
  subscriptions: Coverage | null;
  plan: { ownersNeeded: number; ownersAvailable: number; ownersMissing: number; uncoveredUsers: number } | null;
}

export interface OwnerView {
  id: string;
  userId: string;
  userPrincipalName: string;
  kind: 'signed_in' | 'system_user';
  tokenStatus: string;
  lastError: string | null;
  lastRefreshAt: string | null;
  createdAt: string;
}

const base = (c: string) => `/api/connections/${encodeURIComponent(c)}`;

export const fetchWatchStatus = (api: ApiClient, c: string) => api.get<WatchStatus>(`${base(c)}/watch/status`);
export const readNow = (api: ApiClient, c: string) => api.post<{ changes: number }>(`${base(c)}/watch/reader/read-now`);
export const fetchPlan = (api: ApiClient, c: string) => api.get<PlanView>(`${base(c)}/watch/plan`);
export const replan = (api: ApiClient, c: string) => api.post<unknown>(`${base(c)}/watch/replan`);
export const fetchCoverage = (api: ApiClient, c: string) => api.get<Coverage>(`${base(c)}/watch/subscriptions`);
export const renewNow = (api: ApiClient, c: string, subscriptionId?: string) =>
  api.post<{ results: { id: string; result: string }[] }>(
    `${base(c)}/watch/subscriptions/renew`,
    subscriptionId ? { subscriptionId } : {},
  );

export const listOwners = async (api: ApiClient, c: string) =>
  (await api.get<{ owners: OwnerView[] }>(`${base(c)}/owners`)).owners;
export const beginOwnerSignIn = (api: ApiClient, c: string, loginHint?: string) =>
  api.post<{ signInId: string; authorizeUrl: string; expiresAt: string }>(
    `${base(c)}/owners/sign-in`,
    loginHint ? { loginHint } : {},
  );
export const startDeviceCode = (api: ApiClient, c: string) =>
  api.post<{ signInId: string; userCode: string; verificationUri: string; expiresAt?: string }>(`${base(c)}/owners/device-code`);
export const pollDeviceCode = (api: ApiClient, c: string, signInId: string) =>
  api.post<{ status: string; error?: string }>(`${base(c)}/owners/device-code/${encodeURIComponent(signInId)}/poll`);
export const checkOwner = (api: ApiClient, c: string, ownerId: string) =>
  api.post<unknown>(`${base(c)}/owners/${encodeURIComponent(ownerId)}/check`);
export const removeOwner = (api: ApiClient, c: string, ownerId: string) =>
  api.del(`${base(c)}/owners/${encodeURIComponent(ownerId)}`);
