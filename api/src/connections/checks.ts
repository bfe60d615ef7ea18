import type { ConnectionCheck, PermissionReport } from '../domain/api-types.ts';
import { ExternalError } from '../domain/reasons.ts';
import type { ConnectionRow } from './store.ts';

// Shapes of the test-connection report, the permissions it checks, and small helpers.

/** Gets a subscription owner's delegated access token (refreshing it), or throws. */
export interface OwnerTokens {
  tokenFor(connectionId: string, ownerId: string): () => Promise<string>;
}

export type { CheckStatus, PermissionReport } from '../domain/api-types.ts';
export type Check = ConnectionCheck;

export interface TestReport {
  ok: boolean;
  checkedAt: string;
  checks: Check[];
  permissions: PermissionReport[];
  adminConsentUrl: string;
}

export const REQUIRED_PERMISSIONS: { permission: string; why: string; systemUserOnly?: boolean }[] = [
  { permission: 'User.Read.All', why: 'lists your Teams (Entra) users so they can be mapped to CXone agents' },
  { permission: 'Presence.Read.All', why: "reads agents' Teams presence to sync Teams → CXone (batched, app-only)" },
  { permission: 'Presence.ReadWrite.All', why: "sets and clears the app's Teams presence session to sync CXone → Teams" },
  {
    permission: 'User.ReadWrite.All',
    why: 'creates the CXone_xxxxx system-user accounts that own presence subscriptions (system-user mode only)',
    systemUserOnly: true,
  },
];

export function adminConsentUrl(
  authorityHost: string,
  row: Pick<ConnectionRow, 'tenantId' | 'azureClientId'>,
  publicBaseUrl?: string,
): string {
  const q = new URLSearchParams({ client_id: row.azureClientId, scope: 'https://graph.microsoft.com/.default' });
  if (publicBaseUrl) q.set('redirect_uri', `${publicBaseUrl.replace(/\/+$/, '')}/`);
  return `${authorityHost.replace(/\/+$/, '')}/${row.tenantId}/v2.0/adminconsent?${q}`;
}

export const statusOf = (err: unknown): number | null => (err instanceof ExternalError ? (err.extra.status ?? null) : null);
export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
