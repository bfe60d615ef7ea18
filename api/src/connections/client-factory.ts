import { createCxoneClient } from '../cxone/client.ts';
import type { Logger } from '../logging.ts';
import type { ConnectionClientFactory } from './clients.ts';
import { createGraphAdminClient } from './graph-admin.ts';
import { readOptions } from './store.ts';

/** The real clients for one connection: app-only Graph admin calls and the CXone client. */
export function createConnectionClientFactory(deps: {
  graphBaseUrl: string;
  authorityHost: string;
  logger: Logger;
}): ConnectionClientFactory {
  return {
    forConnection(row, secrets) {
      const options = readOptions(row);
      const logger = deps.logger.child({ connectionId: row.id });
      return {
        graph: createGraphAdminClient({
          tenantId: row.tenantId,
          clientId: row.azureClientId,
          clientSecret: secrets.azureClientSecret,
          graphBaseUrl: deps.graphBaseUrl,
          authorityHost: deps.authorityHost,
          logger,
        }),
        cxone: createCxoneClient({
          baseUrl: row.cxoneBaseUrl,
          ...(row.cxoneAuthUrl ? { authUrl: row.cxoneAuthUrl } : {}),
          accessKeyId: row.cxoneAccessKeyId,
          accessKeySecret: secrets.cxoneAccessKeySecret,
          stateRoute: options.cxoneStateRoute,
          agentToAgentStates: options.agentToAgentStates,
          logger,
          retry: { retries: 1 },
        }),
      };
    },
  };
}
