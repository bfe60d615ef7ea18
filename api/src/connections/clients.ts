import type { CxoneClient } from '../cxone/client.ts';
import type { ConnectionRow } from './store.ts';

/**
 * What test-connection and directory sync need from each side, kept narrow so routes do not depend on
 * client internals. Errors carry an HTTP status when the service answered (`status`).
 */
export interface DirectoryUser {
  id: string;
  userPrincipalName: string | null;
  mail: string | null;
  displayName: string | null;
}

export interface GraphAdminClient {
  /** A client-credentials access token for Graph; decoded for `roles`, never logged or returned. */
  getAppToken(): Promise<string>;
  /** Every user, page by page (Graph pages of up to 999). */
  listUsers(onPage: (users: DirectoryUser[]) => Promise<void>): Promise<void>;
  /** GET /users?$top=1 — confirms User.Read.All; answers the first user's id (null if none). */
  probeUsers(): Promise<string | null>;
  /** POST /communications/getPresencesByUserId — confirms Presence.Read.All. */
  probePresenceRead(userId: string): Promise<void>;
  /** clearPresence of our own session (404 = none, fine) — confirms Presence.ReadWrite.All. */
  probePresenceWrite(userId: string): Promise<void>;
}

export type CxoneAdminClient = Pick<
  CxoneClient,
  'listAgents' | 'listTeams' | 'listUnavailableCodes' | 'getAgentStates' | 'setAgentState'
>;

export interface ConnectionClients {
  graph: GraphAdminClient;
  cxone: CxoneAdminClient;
}

export interface ConnectionSecrets {
  azureClientSecret: string;
  cxoneAccessKeySecret: string;
}

export interface ConnectionClientFactory {
  forConnection(row: ConnectionRow, secrets: ConnectionSecrets): ConnectionClients;
}

/** A failure with the HTTP status the service answered, when it answered. */
export class ServiceError extends Error {
  override name = 'ServiceError';
  constructor(
    readonly service: 'graph' | 'identity' | 'cxone',
    readonly status: number | null,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}
