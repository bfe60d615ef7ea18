import type { ApiClient } from './client.ts';

/** GET /api/auth/config: how this server lets the tab sign in. */
export interface AuthConfig {
  devSignIn: boolean;
  clientId?: string | null;
  resource?: string | null;
}

export interface DevSignInResult {
  token: string;
  user?: { name?: string | null; displayName?: string | null; aadObjectId?: string | null; tenantId?: string | null };
  expiresAt?: string | null;
}

export const fetchAuthConfig = (api: ApiClient) => api.get<AuthConfig>('/api/auth/config');

export const devSignIn = (api: ApiClient, name: string) =>
  api.post<DevSignInResult>('/api/dev/sign-in', { name, displayName: name });
