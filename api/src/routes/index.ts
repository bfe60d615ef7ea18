import type { Server } from 'restify';
import type { JobRunner } from '../connections/directory-sync.ts';
import { ApiRegistry, buildOpenApi } from '../openapi/registry.ts';
import { registerActivityRoutes } from './activity.ts';
import { registerAdminRoutes } from './admins.ts';
import { registerAuthRoutes } from './auth.ts';
import { registerConnectionRoutes } from './connections.ts';
import type { AdminApiDeps } from './deps.ts';
import { createGuards, type Guards } from './guards.ts';
import { createRouteKit } from './kit.ts';
import { registerMappingRoutes } from './mappings.ts';
import { registerRuleRoutes } from './rules.ts';

export type { AdminApiDeps } from './deps.ts';

export interface AdminApi extends Guards {
  registry: ApiRegistry;
  jobs: JobRunner;
}

/**
 * The admin REST API: every /api/ route of the tab (connections, admins, directory sync, mappings,
 * rules, assignments, preview, activity, audit, /api/me/status, auth config, dev sign-in) plus
 * GET /api/openapi.json generated from the same zod schemas.
 */
export function registerAdminApi(server: Server, deps: AdminApiDeps): AdminApi {
  const registry = new ApiRegistry();
  const guards = createGuards({ db: deps.storage.db, auth: deps.authenticator });
  const define = createRouteKit({ server, db: deps.storage.db, auth: deps.authenticator, guards, registry });
  registerAuthRoutes(define, deps);
  const jobs = registerConnectionRoutes(define, deps);
  registerAdminRoutes(define, deps);
  registerMappingRoutes(define, deps);
  registerRuleRoutes(define, deps);
  registerActivityRoutes(define, deps);
  let doc: unknown;
  server.get('/api/openapi.json', async (_req, res) => {
    doc ??= buildOpenApi(registry, { title: 'Presence Sync admin API', version: deps.version });
    res.send(200, doc);
  });
  return { registry, jobs, ...guards };
}
