/**
 * Response shapes of the admin API (api/src/routes/**), as the tab reads them.
 * Secrets are write-only: the API only says whether one is set and when it changed.
 */
import type { ConnectionOptions } from '../../../api/src/domain/connection.ts';
import type { RuleRow } from '../../../api/src/domain/rules.ts';

export interface Connection {
  id: string;
  name: string;
  tenantId: string;
  azureClientId: string;
  azureClientSecretSet: boolean;
  azureClientSecretUpdatedAt?: string | null;
  azureClientSecretExpiresAt?: string | null;
  cxoneBaseUrl: string;
  cxoneAuthUrl?: string | null;
  cxoneAccessKeyId: string;
  cxoneAccessKeySecretSet: boolean;
  cxoneAccessKeySecretUpdatedAt?: string | null;
  cxoneBusinessUnitId?: string | null;
  options: ConnectionOptions;
  createdAt?: string;
  updatedAt?: string;
}

export interface ConnectionCheck {
  id: string;
  label: string;
  status: 'ok' | 'failed' | 'warning' | 'skipped';
  message: string;
  fix?: string | null;
}

export interface ConnectionTestResult {
  ok: boolean;
  checks: ConnectionCheck[];
  testedAt?: string;
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
