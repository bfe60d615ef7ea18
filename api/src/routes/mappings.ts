import { z } from 'zod';
import { guid } from '../connections/schemas.ts';
import { notFound } from '../http/errors.ts';
import { candidatesFor, confirmProposals, runAutoMap } from '../mapping/proposals.ts';
import { type MappingDeps, removeMapping, setIncluded, setMapping } from '../mapping/service.ts';
import { getMapping, listMappings } from '../mapping/store.ts';
import type { AdminApiDeps } from './deps.ts';
import type { Define } from './kit.ts';

const TAG = 'Mappings';
const agentId = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[\w.:-]+$/, 'must be a CXone agent id');
const base = '/api/connections/:id/mappings';
const agentParams = z.object({ id: guid, agentId });
const userId = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[\w-]+$/, 'must be an Entra object id');

export function registerMappingRoutes(define: Define, deps: AdminApiDeps): void {
  const d: MappingDeps = { db: deps.storage.db, sink: deps.sink, clock: deps.clock };

  define({
    method: 'get',
    path: base,
    summary: 'CXone agents with their mapping; filter by status/team, search, paginate',
    tag: TAG,
    auth: 'admin',
    params: z.object({ id: guid }),
    query: z
      .object({
        status: z.enum(['all', 'mapped', 'unmapped', 'excluded', 'included']).default('all'),
        teamId: z.string().max(64).optional(),
        q: z.string().trim().min(1).max(200).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(50),
        offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
      })
      .strict(),
    handler: async ({ connection, query }) => ({
      ...(await listMappings(d.db, connection.id, query)),
      limit: query.limit,
      offset: query.offset,
    }),
  });

  define({
    method: 'post',
    path: `${base}/auto-map`,
    summary: 'Propose mappings (exact email/UPN, then user name, local part, display name); ambiguous ones are only proposed',
    tag: TAG,
    auth: 'admin',
    params: z.object({ id: guid }),
    body: z.object({ applyExact: z.boolean().default(true), agentIds: z.array(agentId).max(20_000).optional() }).strict(),
    handler: async ({ connection, body, principal }) => runAutoMap(d, connection.id, body, principal),
  });

  define({
    method: 'post',
    path: `${base}/confirm`,
    summary: 'Save a reviewed set of proposals (all or nothing)',
    tag: TAG,
    auth: 'admin',
    params: z.object({ id: guid }),
    body: z.object({ proposals: z.array(z.object({ agentId, userId }).strict()).min(1).max(20_000) }).strict(),
    handler: async ({ connection, body, principal }) => confirmProposals(d, connection.id, body.proposals, principal),
  });

  define({
    method: 'post',
    path: `${base}/include`,
    summary: 'Include or exclude mapped agents from sync',
    tag: TAG,
    auth: 'admin',
    params: z.object({ id: guid }),
    body: z.object({ agentIds: z.array(agentId).min(1).max(20_000), included: z.boolean() }).strict(),
    handler: async ({ connection, body, principal }) => setIncluded(d, connection.id, body.agentIds, body.included, principal),
  });

  define({
    method: 'get',
    path: `${base}/:agentId/candidates`,
    summary: 'Possible Teams users for one agent (manual remap)',
    tag: TAG,
    auth: 'admin',
    params: agentParams,
    query: z
      .object({ q: z.string().trim().min(1).max(200).optional(), limit: z.coerce.number().int().min(1).max(100).default(20) })
      .strict(),
    handler: async ({ connection, params, query }) => candidatesFor(d, connection.id, params.agentId, query),
  });

  define({
    method: 'put',
    path: `${base}/:agentId`,
    summary: 'Map (or remap) one agent to a Teams user',
    tag: TAG,
    auth: 'admin',
    params: agentParams,
    body: z.object({ userId, included: z.boolean().optional() }).strict(),
    handler: async ({ connection, params, body, principal }) => setMapping(d, connection.id, params.agentId, body, principal),
  });

  define({
    method: 'patch',
    path: `${base}/:agentId`,
    summary: 'Include or exclude one mapped agent from sync',
    tag: TAG,
    auth: 'admin',
    params: agentParams,
    body: z.object({ included: z.boolean() }).strict(),
    handler: async ({ connection, params, body, principal }) => {
      if (!(await getMapping(d.db, connection.id, params.agentId))) throw notFound('mapping');
      return setIncluded(d, connection.id, [params.agentId], body.included, principal);
    },
  });

  define({
    method: 'delete',
    path: `${base}/:agentId`,
    summary: 'Unmap one agent',
    tag: TAG,
    auth: 'admin',
    params: agentParams,
    successStatus: 204,
    handler: async ({ connection, params, principal }) => {
      await removeMapping(d, connection.id, params.agentId, principal);
      return { status: 204 };
    },
  });
}
