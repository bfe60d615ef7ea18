import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { listAudit, recordAudit } from '../audit/audit-log.ts';
import { createJobRunner, type JobRunner, jobView } from '../connections/directory-sync.ts';
import { connectionCreateSchema, connectionPatchSchema, connectionViewSchema, guid } from '../connections/schemas.ts';
import { openSecrets } from '../connections/secrets-of.ts';
import { createConnection, deleteConnection, listConnections, toView, updateConnection } from '../connections/store.ts';
import { testConnection } from '../connections/test-connection.ts';
import { notFound } from '../http/errors.ts';
import { jobs } from '../storage/schema.ts';
import type { AdminApiDeps } from './deps.ts';
import type { Define } from './kit.ts';

const idParams = z.object({ id: guid });
const TAG = 'Connections';
/** Jobs this route shows. Other modules keep sealed material in their jobs (owner sign-ins): never shown here. */
const PUBLIC_JOB_KINDS = ['directory_sync', 'system_users'];

/** Connections (one per CXone business unit), test-connection, directory sync jobs and the audit log. */
export function registerConnectionRoutes(define: Define, deps: AdminApiDeps): JobRunner {
  const db = deps.storage.db;
  const runner = createJobRunner({ db, logger: deps.logger, sink: deps.sink, now: () => deps.clock.now() });
  const changed = (connectionId: string) =>
    deps.sink.publish({ kind: 'settings_changed', connectionId, agentIds: 'all', observedAt: deps.clock.now() });

  define({
    method: 'get',
    path: '/api/connections',
    summary: "Connections you administer (full) and your tenant's other connections (id and name only)",
    tag: TAG,
    auth: 'user',
    response: z.object({ items: z.array(connectionViewSchema), others: z.array(z.object({ id: z.string(), name: z.string() })) }),
    handler: async ({ principal }) => listConnections(db, principal),
  });

  define({
    method: 'post',
    path: '/api/connections',
    summary: 'Create a connection; the creator becomes its first admin',
    tag: TAG,
    auth: 'user',
    body: connectionCreateSchema,
    response: connectionViewSchema,
    successStatus: 201,
    handler: async ({ principal, body }) => {
      const row = await createConnection(db, deps.secrets, body, principal);
      const view = toView(row, true);
      await recordAudit(db, { connectionId: row.id, actor: principal, action: 'connection.create', target: row.id, after: view });
      changed(row.id);
      return { status: 201, body: view };
    },
  });

  define({
    method: 'get',
    path: '/api/connections/:id',
    summary: 'Read a connection (secrets appear only as {set, updatedAt})',
    tag: TAG,
    auth: 'admin',
    params: idParams,
    response: connectionViewSchema,
    handler: async ({ connection }) => toView(connection, true),
  });

  define({
    method: 'patch',
    path: '/api/connections/:id',
    summary: 'Change a connection; a rotated secret takes effect at once',
    tag: TAG,
    auth: 'admin',
    params: idParams,
    body: connectionPatchSchema,
    response: connectionViewSchema,
    handler: async ({ connection, body, principal }) => {
      const { before, after, rotated } = await updateConnection(db, deps.secrets, connection, body);
      deps.runtimes.invalidate(after.id);
      const view = toView(after, true);
      await recordAudit(db, {
        connectionId: after.id,
        actor: principal,
        action: 'connection.update',
        target: after.id,
        before: toView(before, true),
        after: { ...view, rotatedSecrets: rotated },
      });
      changed(after.id);
      return view;
    },
  });

  define({
    method: 'delete',
    path: '/api/connections/:id',
    summary: 'Delete a connection and everything stored for it',
    tag: TAG,
    auth: 'admin',
    params: idParams,
    successStatus: 204,
    handler: async ({ connection, principal }) => {
      await deleteConnection(db, connection.id);
      deps.runtimes.invalidate(connection.id);
      await recordAudit(db, {
        connectionId: connection.id,
        actor: principal,
        action: 'connection.delete',
        target: connection.id,
        before: toView(connection, true),
      });
      changed(connection.id);
      return { status: 204 };
    },
  });

  define({
    method: 'post',
    path: '/api/connections/:id/test',
    summary: 'Test both sides for real: Graph token, permissions (granted/missing, confirmed by calls), owners, CXone key',
    tag: TAG,
    auth: 'admin',
    params: idParams,
    handler: async ({ connection }) => {
      const clients = deps.clients.forConnection(connection, openSecrets(deps.secrets, connection));
      return testConnection({
        db,
        row: connection,
        clients,
        authorityHost: deps.config.AUTHORITY_HOST,
        publicBaseUrl: deps.config.PUBLIC_BASE_URL,
        now: deps.clock.now(),
        ownerTokens: deps.ownerTokens?.(),
      });
    },
  });

  define({
    method: 'post',
    path: '/api/connections/:id/directory-sync',
    summary: 'Pull CXone agents/teams/unavailable codes and Entra users; answers a job id to poll',
    tag: TAG,
    auth: 'admin',
    params: idParams,
    successStatus: 202,
    handler: async ({ connection, principal }) => {
      const { job, started } = await runner.startDirectorySync(connection.id, () =>
        deps.clients.forConnection(connection, openSecrets(deps.secrets, connection)),
      );
      if (started)
        await recordAudit(db, { connectionId: connection.id, actor: principal, action: 'directory.sync', target: job.id });
      return {
        status: 202,
        body: { jobId: job.id, started, job: jobView(job) },
        headers: { location: `/api/connections/${connection.id}/jobs/${job.id}` },
      };
    },
  });

  define({
    method: 'get',
    path: '/api/connections/:id/jobs/:jobId',
    summary: "A job's status and progress",
    tag: TAG,
    auth: 'admin',
    params: z.object({ id: guid, jobId: guid }),
    handler: async ({ connection, params }) => {
      const [job] = await db
        .select()
        .from(jobs)
        .where(and(eq(jobs.id, params.jobId), eq(jobs.connectionId, connection.id), inArray(jobs.kind, PUBLIC_JOB_KINDS)));
      if (!job) throw notFound('job');
      return jobView(job);
    },
  });

  define({
    method: 'get',
    path: '/api/connections/:id/audit',
    summary: 'Who changed what and when (newest first; secrets never included)',
    tag: 'Audit',
    auth: 'admin',
    params: idParams,
    query: z
      .object({
        limit: z.coerce.number().int().min(1).max(500).default(100),
        before: z.coerce.number().int().positive().optional(),
        action: z.string().max(100).optional(),
      })
      .strict(),
    handler: async ({ connection, query }) => listAudit(db, connection.id, query),
  });

  return runner;
}
