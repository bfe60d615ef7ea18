import type { CxoneClient } from '../cxone/client.ts';
import type { GraphClient } from '../graph/client.ts';
import type { ConnectionRow } from './store.ts';

/**
 * What test-connection and directory sync need from each side, kept narrow so routes do not depend on
 * client internals. Failures are `ExternalError`s (`domain/reasons.ts`), as from the clients themselves.
 */
export type GraphAdminClient = Pick<GraphClient, 'appToken' | 'listUsers' | 'getPresences' | 'clearPresence'>;

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
