import { eq } from 'drizzle-orm';
import type { SecretBox } from '../crypto/secrets.ts';
import { type CxoneClient, createCxoneClient } from '../cxone/client.ts';
import type { ConnectionRuntime, ConnectionRuntimeProvider } from '../domain/ports.ts';
import { createGraphClient, type GraphClient, type GraphClientOptions } from '../graph/client.ts';
import { createQuotaBudget, type QuotaBudget } from '../graph/quota.ts';
import type { Timer } from '../graph/timer.ts';
import type { Logger } from '../logging.ts';
import type { Db } from '../storage/db.ts';
import { connections } from '../storage/schema.ts';
import { openSecrets } from './secrets-of.ts';
import { type ConnectionRow, readOptions } from './store.ts';

/** A runtime with the full clients, for callers that need more than the engine ports. */
export interface FullConnectionRuntime extends ConnectionRuntime {
  teams: GraphClient;
  cxone: CxoneClient;
}

export interface RuntimeProvider extends ConnectionRuntimeProvider {
  get(connectionId: string): Promise<FullConnectionRuntime>;
  /** The shared Graph quota of a tenant (one budget for all its connections and callers). */
  quotaFor(tenantId: string): QuotaBudget;
  /**
   * A new Graph client for a connection row and an Azure client secret (saved or not yet), drawing on
   * the tenant's shared quota — what the runtime itself uses, and what test-connection and directory sync use.
   */
  graphFor(
    row: ConnectionRow,
    clientSecret: string,
    tuning?: Pick<GraphClientOptions, 'retry' | 'requestTimeoutMs'>,
  ): GraphClient;
}

export class ConnectionUnavailable extends Error {
  override name = 'ConnectionUnavailable';
}

/**
 * Builds each connection's runtime from its stored row: decrypts the secrets, creates the Graph client
 * (sharing one quota budget per tenant) and the CXone client, and caches the result. `invalidate`
 * drops the cache entry so the next `get` rebuilds with the new settings/secrets — no restart.
 */
export function createRuntimeProvider(deps: {
  db: Db;
  secrets: SecretBox;
  logger: Logger;
  graphBaseUrl: string;
  authorityHost: string;
  timer?: Timer;
}): RuntimeProvider {
  const cache = new Map<string, Promise<FullConnectionRuntime>>();
  const quotas = new Map<string, QuotaBudget>();
  // Bumped on invalidate so a build that raced with a change is not cached.
  const generation = new Map<string, number>();

  const quotaFor = (tenantId: string) => {
    let q = quotas.get(tenantId);
    if (!q) {
      q = createQuotaBudget(deps.timer ? { timer: deps.timer } : {});
      quotas.set(tenantId, q);
    }
    return q;
  };

  const graphFor: RuntimeProvider['graphFor'] = (row, clientSecret, tuning = {}) => {
    const quota = quotaFor(row.tenantId);
    quota.configure(readOptions(row).graphQuota);
    return createGraphClient({
      tenantId: row.tenantId,
      clientId: row.azureClientId,
      clientSecret,
      graphBaseUrl: deps.graphBaseUrl,
      authorityHost: deps.authorityHost,
      quota,
      logger: deps.logger.child({ connectionId: row.id }),
      ...(deps.timer ? { clock: deps.timer } : {}),
      ...tuning,
    });
  };

  function build(row: ConnectionRow): FullConnectionRuntime {
    const options = readOptions(row);
    const secret = openSecrets(deps.secrets, row);
    const logger = deps.logger.child({ connectionId: row.id });
    const teams = graphFor(row, secret.azureClientSecret);
    const cxone = createCxoneClient({
      baseUrl: row.cxoneBaseUrl,
      ...(row.cxoneAuthUrl ? { authUrl: row.cxoneAuthUrl } : {}),
      accessKeyId: row.cxoneAccessKeyId,
      accessKeySecret: secret.cxoneAccessKeySecret,
      stateRoute: options.cxoneStateRoute,
      agentToAgentStates: options.agentToAgentStates,
      logger,
    });
    return { connectionId: row.id, tenantId: row.tenantId, options, teams, cxone };
  }

  return {
    quotaFor,
    graphFor,
    get(connectionId) {
      const hit = cache.get(connectionId);
      if (hit) return hit;
      const gen = generation.get(connectionId) ?? 0;
      const p = (async () => {
        const [row] = await deps.db.select().from(connections).where(eq(connections.id, connectionId));
        if (!row) throw new ConnectionUnavailable(`connection ${connectionId} does not exist`);
        return build(row);
      })();
      cache.set(connectionId, p);
      p.catch(() => {
        if (cache.get(connectionId) === p) cache.delete(connectionId);
      });
      void p.then(
        () => {
          if ((generation.get(connectionId) ?? 0) !== gen && cache.get(connectionId) === p) cache.delete(connectionId);
        },
        () => {},
      );
      return p;
    },
    async listConnectionIds() {
      const rows = await deps.db.select({ id: connections.id }).from(connections);
      return rows.map((r) => r.id);
    },
    invalidate(connectionId) {
      generation.set(connectionId, (generation.get(connectionId) ?? 0) + 1);
      cache.delete(connectionId);
      deps.logger.debug({ connectionId }, 'connection runtime invalidated');
    },
  };
}
