import { and, asc, count, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit } from '../audit/audit-log.ts';
import { guid } from '../connections/schemas.ts';
import { AppError, conflict, notFound } from '../http/errors.ts';
import { admins, teamsUsers } from '../storage/schema.ts';
import type { AdminApiDeps } from './deps.ts';
import type { Define } from './kit.ts';

const adminView = z.object({
  userId: z.string(),
  displayName: z.string().nullable(),
  addedBy: z.string().nullable(),
  createdAt: z.string(),
});

/** Admins of a connection: admins add and remove admins; the last admin cannot be removed. */
export function registerAdminRoutes(define: Define, deps: AdminApiDeps): void {
  const db = deps.storage.db;
  const list = async (connectionId: string) =>
    (await db.select().from(admins).where(eq(admins.connectionId, connectionId)).orderBy(asc(admins.createdAt))).map((a) => ({
      userId: a.aadObjectId,
      displayName: a.displayName,
      addedBy: a.addedBy,
      createdAt: a.createdAt.toISOString(),
    }));

  define({
    method: 'get',
    path: '/api/connections/:id/admins',
    summary: "The connection's admins",
    tag: 'Admins',
    auth: 'admin',
    params: z.object({ id: guid }),
    response: z.object({ items: z.array(adminView) }),
    handler: async ({ connection }) => ({ items: await list(connection.id) }),
  });

  define({
    method: 'post',
    path: '/api/connections/:id/admins',
    summary: 'Add an admin: an Entra object id of your tenant, or the UPN of a user in the synced directory',
    tag: 'Admins',
    auth: 'admin',
    params: z.object({ id: guid }),
    body: z
      .object({
        userId: guid.optional(),
        upn: z
          .string()
          .trim()
          .min(3)
          .max(320)
          .regex(/^[^@\s]+@[^@\s]+$/, 'must look like user@domain')
          .optional(),
        displayName: z.string().trim().min(1).max(200).optional(),
      })
      .strict()
      .refine((b) => b.userId || b.upn, { message: 'give userId or upn', path: ['userId'] }),
    successStatus: 201,
    handler: async ({ connection, body, principal }) => {
      let userId = body.userId?.toLowerCase();
      let displayName = body.displayName ?? null;
      if (!userId) {
        const [u] = await db
          .select()
          .from(teamsUsers)
          .where(
            and(
              eq(teamsUsers.connectionId, connection.id),
              sql`lower(${teamsUsers.userPrincipalName}) = ${body.upn!.toLowerCase()}`,
            ),
          );
        if (!u)
          throw new AppError(
            400,
            'validation_failed',
            'invalid body: upn: no such user in the synced directory (run directory sync, or give userId)',
            {
              fields: [{ field: 'upn', problem: 'no such user in the synced directory' }],
            },
          );
        userId = u.userId.toLowerCase();
        displayName ??= u.userPrincipalName;
      }
      const inserted = await db
        .insert(admins)
        .values({ connectionId: connection.id, aadObjectId: userId, displayName, addedBy: principal.userId })
        .onConflictDoNothing()
        .returning();
      if (inserted.length === 0) throw conflict(`${body.upn ?? userId} is already an admin of this connection`);
      await recordAudit(db, {
        connectionId: connection.id,
        actor: principal,
        action: 'admin.add',
        target: userId,
        after: { userId, displayName },
      });
      return { status: 201, body: { items: await list(connection.id) } };
    },
  });

  define({
    method: 'delete',
    path: '/api/connections/:id/admins/:userId',
    summary: 'Remove an admin (never the last one)',
    tag: 'Admins',
    auth: 'admin',
    params: z.object({ id: guid, userId: guid }),
    successStatus: 204,
    handler: async ({ connection, params, principal }) => {
      const userId = params.userId.toLowerCase();
      return db.transaction(async (tx) => {
        const [n] = await tx.select({ n: count() }).from(admins).where(eq(admins.connectionId, connection.id));
        const [existing] = await tx
          .select()
          .from(admins)
          .where(and(eq(admins.connectionId, connection.id), eq(admins.aadObjectId, userId)));
        if (!existing) throw notFound('admin');
        if ((n?.n ?? 0) <= 1)
          throw new AppError(409, 'last_admin', 'a connection needs at least one admin: add another admin first');
        await tx.delete(admins).where(and(eq(admins.connectionId, connection.id), eq(admins.aadObjectId, userId)));
        await recordAudit(tx, {
          connectionId: connection.id,
          actor: principal,
          action: 'admin.remove',
          target: userId,
          before: { userId, displayName: existing.displayName },
        });
        return { status: 204 };
      });
    },
  });
}
