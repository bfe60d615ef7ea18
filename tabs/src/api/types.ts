/**
 * Response shapes of the admin API (api/src/routes/**), as the tab reads them. Where the server
 * module holding a shape is pure (zod only), the type is imported from it so the two cannot drift.
 * Secrets are write-only: the API only says whether one is set and when it changed.
 */
import type { ConnectionCreate, ConnectionPatch, ConnectionView } from '../../../api/src/connections/schemas.ts';
import type { ConnectionCheck, PermissionReport } from '../../../api/src/domain/api-types.ts';
import type { RuleRow } from '../../../api/src/domain/rules.ts';

export type Connection = ConnectionView;

export type { CheckStatus, ConnectionCheck, PermissionReport } from '../../../api/src/domain/api-types.ts';
export type { ConnectionCreate, ConnectionPatch };

export interface ConnectionTestReport {
  ok: boolean;
  checkedAt: string;
  checks: ConnectionCheck[];
  permissions: PermissionReport[];
  adminConsentUrl: string;
}

export interface DirectorySyncProgress {
  phase: 'queued' | 'cxone_teams' | 'cxone_agents' | 'cxone_codes' | 'teams_users' | 'done';
  teams: number;
  agents: number;
  codes: number;
  users: number;
}

export interface Job {
  id: string;
  kind: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  progress: Partial<DirectorySyncProgress>;
  result: (Partial<DirectorySyncProgress> & { removedUsers?: number }) | null;
  error: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Me {
  tenantId: string;
  userId: string;
  name: string | null;
  upn: string | null;
  via: 'sso' | 'dev';
}

export interface RuleRecord {
  id: string;
  name: string;
  rows: RuleRow[];
  isDefault: boolean;
  version: number;
  updatedAt?: string;
}

export interface UnavailableCodeRecord {
  outStateId: number;
  name: string;
  isAcw: boolean;
}
