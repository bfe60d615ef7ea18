import { createCxoneClient } from '../cxone/client.ts';
import type { Logger } from '../logging.ts';
import type { ConnectionClientFactory } from './clients.ts';
import type { RuntimeProvider } from './runtime.ts';
import { readOptions } from './store.ts';

/**
 * The real clients for one connection, built from the row and the given (possibly unsaved) secrets:
 * the product's Graph client on the tenant's shared quota (so admin work and the engine draw from one
 * budget) and the CXone client. Interactive use: fewer retries than the engine's.
 */
export function createConnectionClientFactory(deps: {
  runtimes: Pick<RuntimeProvider, 'graphFor'>;
  logger: Logger;
}): ConnectionClientFactory {
  return {
    forConnection(row, secrets) {
      const options = readOptions(row);
      return {
        graph: deps.runtimes.graphFor(row, secrets.azureClientSecret, {
          retry: { maxTransientAttempts: 2 },
          requestTimeoutMs: 15_000,
        }),
        cxone: createCxoneClient({
          baseUrl: row.cxoneBaseUrl,
          ...(row.cxoneAuthUrl ? { authUrl: row.cxoneAuthUrl } : {}),
          accessKeyId: row.cxoneAccessKeyId,
          accessKeySecret: secrets.cxoneAccessKeySecret,
          stateRoute: options.cxoneStateRoute,
          agentToAgentStates: options.agentToAgentStates,
          logger: deps.logger.child({ connectionId: row.id }),
          retry: { retries: 1 },
        }),
      };
    },
  };
}
