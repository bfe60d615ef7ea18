import type { ApiClient } from './client.ts';

/** GET /api/auth/config: how this server lets the tab sign in. */
export interface AuthConfig {
  devSignIn: boolean;
  clientId: string | null;
  resource: string | null;
  authorityHost: string;
}

export interface DevSignInRequest {
  upn: string;
  name?: string;
  tenantId?: string;
}

export interface DevSignInResult {
  token: string;
  expiresAt: string;
  principal: { tenantId: string; userId: string; upn: string | null; name: string | null };
}

export const fetchAuthConfig = (api: ApiClient) => api.get<AuthConfig>('/api/auth/config');

export const devSignIn = (api: ApiClient, req: DevSignInRequest) => api.post<DevSignInResult>('/api/dev/sign-in', req);
