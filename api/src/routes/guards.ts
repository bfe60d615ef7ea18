import type { Request } from 'restify';
import { z } from 'zod';
import type { Authenticator } from '../auth/authenticate.ts';
import type { Principal } from '../auth/principal.ts';
import { guid } from '../connections/schemas.ts';
import { type ConnectionRow, findConnection, isAdmin } from '../connections/store.ts';
import { forbidden, notFound, parseOr400 } from '../http/errors.ts';
import type { Db } from '../storage/db.ts';

/**
 * The admin API's access checks, also handed to other route modules (e.g. watch routes) so every
 * admin route uses one implementation: authenticate (401/429), scope to the caller's tenant (another
 * tenant's connection is 404), then require an admin of that connection (403).
 */
export interface Guards {
  requireUser(req: Request): Promise<Principal>;
  requireAdmin(req: Request, connectionId: string): Promise<{ principal: Principal; connection: ConnectionRow }>;
}

export function createGuards(deps: { db: Db; auth: Authenticator }): Guards {
  const requireUser = (req: Request) => deps.auth.authenticate(req);
  return {
    requireUser,
    async requireAdmin(req, connectionId) {
      const principal = await requireUser(req);
      const { id } = parseOr400(z.object({ id: guid }), { id: connectionId }, 'path');
      const connection = await findConnection(deps.db, id, principal.tenantId);
      if (!connection) throw notFound('connection');
      if (!(await isAdmin(deps.db, connection.id, principal.userId))) throw forbidden('you are not an admin of this connection');
      return { principal, connection };
    },
  };
}
