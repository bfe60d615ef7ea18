import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { guid } from '../connections/schemas.ts';
import { REASON_CODES } from '../domain/reasons.ts';
import { notFound } from '../http/errors.ts';
import { connections, mappings } from '../storage/schema.ts';
import type { AdminApiDeps } from './deps.ts';
import type { Define } from './kit.ts';
import { listDecisions, listStatuses, statusOf } from './status-service.ts';

const TAG = 'Activity';
const agentId = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[\w.:-]+$/, 'must be a CXone agent id');
const isoDate = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' });

export function registerActivityRoutes(define: Define, deps: AdminApiDeps): void {
  const db = deps.storage.db;

  define({
    method: 'get',
    path: '/api/connections/:id/decisions',
    summary: 'Decision records, newest first; filter by user, reason, direction, time',
    tag: TAG,
    auth: 'admin',
    params: z.object({ id: guid }),
    query: z
      .object({
        agentId: agentId.optional(),
        userId: z.string().trim().min(1).max(64).optional(),
        reason: z.enum(REASON_CODES).optional(),
        direction: z.enum(['cxone_to_teams', 'teams_to_cxone', 'none']).optional(),
        from: isoDate.optional(),
        to: isoDate.optional(),
        before: z.coerce.number().int().positive().optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      })
      .strict(),
    handler: async ({ connection, query }) => listDecisions(db, connection.id, query),
  });

  define({
    method: 'get',
    path: '/api/connections/:id/status',
    summary: 'Mapped agents with their current sync state (paginated)',
    tag: TAG,
    auth: 'admin',
    params: z.object({ id: guid }),
    query: z
      .object({
        q: z.string().trim().min(1).max(200).optional(),
        reason: z.enum(REASON_CODES).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(50),
        offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
      })
      .strict(),
    handler: async ({ connection, query }) => listStatuses(db, connection.id, query),
  });

  define({
    method: 'get',
    path: '/api/connections/:id/status/:agentId',
    summary: 'One agent: CXone state, Teams presence, what we set, effective rule, last decision',
    tag: TAG,
    auth: 'admin',
    params: z.object({ id: guid, agentId }),
    handler: async ({ connection, params }) => {
      const s = await statusOf(db, connection.id, params.agentId);
      if (!s) throw notFound('agent');
      return s;
    },
  });

  define({
    method: 'get',
    path: '/api/me/status',
    summary: 'Your own sync status (any signed-in agent; nobody else’s)',
    tag: TAG,
    auth: 'user',
    handler: async ({ principal }) => {
      const rows = await db
        .select({ connectionId: mappings.connectionId, agentId: mappings.agentId, name: connections.name })
        .from(mappings)
        .innerJoin(connections, eq(connections.id, mappings.connectionId))
        .where(and(eq(connections.tenantId, principal.tenantId), eq(mappings.userId, principal.userId)));
      const items = [];
      for (const r of rows) {
        const s = await statusOf(db, r.connectionId, r.agentId);
        if (s) items.push({ connectionId: r.connectionId, connectionName: r.name, ...s });
      }
      return { userId: principal.userId, mapped: items.length > 0, items };
    },
  });
}
