import { z } from 'zod';
import { guid } from '../connections/schemas.ts';
import { ruleInputSchema } from '../domain/rules.ts';
import { assign, listAssignments, listTeams, unassign } from './assignments-service.ts';
import type { AdminApiDeps } from './deps.ts';
import type { Define } from './kit.ts';
import { previewFor } from './preview-service.ts';
import {
  createRule,
  deleteRule,
  getRule,
  listRules,
  type RuleDeps,
  ruleView,
  unavailableCodes,
  updateRule,
} from './rules-service.ts';

const TAG = 'Rules';
const idParams = z.object({ id: guid });
const ruleParams = z.object({ id: guid, ruleId: guid });
const targetType = z.enum(['team', 'user']);
const targetId = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[\w.:-]+$/, 'must be a CXone team or agent id');

export function registerRuleRoutes(define: Define, deps: AdminApiDeps): void {
  const d: RuleDeps = { db: deps.storage.db, sink: deps.sink, clock: deps.clock };

  define({
    method: 'get',
    path: '/api/connections/:id/rules',
    summary: 'Rules, with their warnings',
    tag: TAG,
    auth: 'admin',
    params: idParams,
    handler: async ({ connection }) => ({ items: await listRules(d.db, connection.id) }),
  });
  define({
    method: 'post',
    path: '/api/connections/:id/rules',
    summary: 'Create a rule (validated against the business unit’s unavailable codes)',
    tag: TAG,
    auth: 'admin',
    params: idParams,
    body: ruleInputSchema.strict(),
    successStatus: 201,
    handler: async ({ connection, body, principal }) => ({
      status: 201,
      body: await createRule(d, connection.id, body, principal),
    }),
  });
  define({
    method: 'get',
    path: '/api/connections/:id/rules/:ruleId',
    summary: 'One rule, with its warnings and assignments',
    tag: TAG,
    auth: 'admin',
    params: ruleParams,
    handler: async ({ connection, params }) => ({
      ...ruleView(await getRule(d.db, connection.id, params.ruleId)),
      assignments: await listAssignments(d.db, connection.id, params.ruleId),
    }),
  });
  define({
    method: 'put',
    path: '/api/connections/:id/rules/:ruleId',
    summary: 'Replace a rule; give `version` to refuse a concurrent edit',
    tag: TAG,
    auth: 'admin',
    params: ruleParams,
    body: ruleInputSchema.extend({ version: z.number().int().min(1).optional() }).strict(),
    handler: async ({ connection, params, body, principal }) => updateRule(d, connection.id, params.ruleId, body, principal),
  });
  define({
    method: 'delete',
    path: '/api/connections/:id/rules/:ruleId',
    summary: 'Delete a rule and its assignments',
    tag: TAG,
    auth: 'admin',
    params: ruleParams,
    successStatus: 204,
    handler: async ({ connection, params, principal }) => {
      await deleteRule(d, connection.id, params.ruleId, principal);
      return { status: 204 };
    },
  });

  define({
    method: 'get',
    path: '/api/connections/:id/unavailable-codes',
    summary: "The business unit's unavailable codes (for the rules editor)",
    tag: TAG,
    auth: 'admin',
    params: idParams,
    handler: async ({ connection }) => ({ items: (await unavailableCodes(d.db, connection.id)) ?? [] }),
  });

  define({
    method: 'get',
    path: '/api/connections/:id/teams',
    summary: 'CXone teams with their agent counts and assigned rule (for the assignments editor)',
    tag: TAG,
    auth: 'admin',
    params: idParams,
    handler: async ({ connection }) => ({ items: await listTeams(d.db, connection.id) }),
  });

  define({
    method: 'get',
    path: '/api/connections/:id/assignments',
    summary: 'Rule assignments to CXone teams and users',
    tag: TAG,
    auth: 'admin',
    params: idParams,
    query: z.object({ ruleId: guid.optional() }).strict(),
    handler: async ({ connection, query }) => ({ items: await listAssignments(d.db, connection.id, query.ruleId) }),
  });
  define({
    method: 'post',
    path: '/api/connections/:id/assignments',
    summary: 'Assign a rule to a team or user (one rule each: a conflict is 409 naming the rule)',
    tag: TAG,
    auth: 'admin',
    params: idParams,
    body: z.object({ ruleId: guid, targetType, targetId }).strict(),
    successStatus: 201,
    handler: async ({ connection, body, principal }) => {
      const r = await assign(d, connection.id, body, principal);
      return { status: r.status, body: { ...body, created: r.created } };
    },
  });
  define({
    method: 'delete',
    path: '/api/connections/:id/assignments/:targetType/:targetId',
    summary: 'Remove the rule assignment of a team or user',
    tag: TAG,
    auth: 'admin',
    params: z.object({ id: guid, targetType, targetId }),
    successStatus: 204,
    handler: async ({ connection, params, principal }) => {
      await unassign(d, connection.id, params.targetType, params.targetId, principal);
      return { status: 204 };
    },
  });

  define({
    method: 'get',
    path: '/api/connections/:id/preview',
    summary: 'For a user: which rule applies (via user/team/default) and what happens in each state',
    tag: TAG,
    auth: 'admin',
    params: idParams,
    query: z
      .object({ agentId: targetId.optional(), userId: z.string().trim().min(1).max(64).optional() })
      .strict()
      .refine((q) => q.agentId || q.userId, { message: 'give agentId or userId', path: ['agentId'] }),
    handler: async ({ connection, query }) => previewFor(d.db, connection.id, query),
  });
}
