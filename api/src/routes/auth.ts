import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { guid } from '../connections/schemas.ts';
import { AppError } from '../http/errors.ts';
import { connections, teamsUsers } from '../storage/schema.ts';
import type { AdminApiDeps } from './deps.ts';
import type { Define } from './kit.ts';

/** Tenant used by dev sign-in when none is given and the user is not found in any synced directory. */
export const DEV_DEFAULT_TENANT = '00000000-0000-4000-8000-000000000000';

export const devSignInSchema = z
  .object({
    upn: z
      .string()
      .trim()
      .min(3)
      .max(256)
      .regex(/^[^@\s]+@[^@\s]+$/, 'must look like user@domain')
      .optional(),
    userId: guid.optional(),
    tenantId: guid.optional(),
    name: z.string().trim().min(1).max(200).optional(),
  })
  .strict()
  .refine((b) => b.upn || b.userId, { message: 'give upn or userId', path: ['upn'] });

/** GET /api/auth/config always; POST /api/dev/sign-in only when a dev signer was configured. */
export function registerAuthRoutes(define: Define, deps: AdminApiDeps): void {
  define({
    method: 'get',
    path: '/api/auth/config',
    summary: 'How the tab signs in: Teams SSO settings, and whether local dev sign-in exists',
    tag: 'Auth',
    auth: 'public',
    response: z.object({
      devSignIn: z.boolean(),
      clientId: z.string().nullable(),
      resource: z.string().nullable(),
      authorityHost: z.string(),
    }),
    handler: async () => ({
      devSignIn: !!deps.devSigner,
      clientId: deps.config.AAD_APP_CLIENT_ID ?? null,
      resource: deps.config.AAD_APP_RESOURCE ?? null,
      authorityHost: deps.config.AUTHORITY_HOST,
    }),
  });

  define({
    method: 'get',
    path: '/api/me',
    summary: 'Who the token says you are',
    tag: 'Auth',
    auth: 'user',
    handler: async ({ principal }) => principal,
  });

  const signer = deps.devSigner;
  if (!signer) return;
  const db = deps.storage.db;
  define({
    method: 'post',
    path: '/api/dev/sign-in',
    summary: 'LOCAL ONLY (DEV_SIGN_IN=true): a short-lived token for a user, without Teams',
    tag: 'Auth',
    auth: 'public',
    body: devSignInSchema,
    handler: async ({ body }) => {
      let userId = body.userId?.toLowerCase() ?? null;
      let upn = body.upn ?? null;
      let tenantId = body.tenantId ?? null;
      let name = body.name ?? null;
      // A user already synced from Entra signs in as themselves (real object id and tenant).
      const [known] = await db
        .select({
          userId: teamsUsers.userId,
          upn: teamsUsers.userPrincipalName,
          name: teamsUsers.displayName,
          tenantId: connections.tenantId,
        })
        .from(teamsUsers)
        .innerJoin(connections, eq(connections.id, teamsUsers.connectionId))
        .where(
          and(
            userId ? eq(teamsUsers.userId, userId) : eq(teamsUsers.userPrincipalName, upn!),
            tenantId ? eq(connections.tenantId, tenantId) : undefined,
          ),
        )
        .limit(1);
      if (known) {
        userId = known.userId;
        upn ??= known.upn;
        name ??= known.name;
        tenantId = known.tenantId;
      }
      tenantId ??= DEV_DEFAULT_TENANT;
      userId ??= stableId(`${tenantId}:${upn}`);
      if (!upn && !userId) throw new AppError(400, 'validation_failed', 'give upn or userId');
      const { token, expiresAt } = await signer.sign({ tenantId, userId, upn, name });
      return { token, expiresAt, principal: { tenantId, userId, upn, name } };
    },
  });
}

function stableId(s: string): string {
  const h = createHash('sha256').update(s.toLowerCase()).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
