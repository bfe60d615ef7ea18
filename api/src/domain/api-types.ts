/**
 * Shapes the admin API answers with that the tab reads too: one definition for both sides of the wire.
 * (Types only: the tab imports this file as it imports the rest of the domain.)
 */
export type CheckStatus = 'ok' | 'failed' | 'warning' | 'skipped';

/** One test-connection check, with the fix when it failed. */
export interface ConnectionCheck {
  id: string;
  side: 'azure' | 'cxone';
  title: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

export interface PermissionReport {
  permission: string;
  why: string;
  granted: boolean;
  /** Result of the harmless real call that confirms it. */
  confirmed: 'ok' | 'failed' | 'not_tested';
}

/** A CXone agent and its mapping (if any) in the mappings list. */
export interface MappingItem {
  agentId: string;
  agent: {
    userName: string | null;
    firstName: string | null;
    lastName: string | null;
    email: string | null;
    teamId: string | null;
    isActive: boolean;
  };
  mapping: {
    userId: string;
    included: boolean;
    source: string;
    confidence: number | null;
    signal: string | null;
    updatedAt: string;
    user: { userPrincipalName: string | null; displayName: string | null; mail: string | null } | null;
  } | null;
}
