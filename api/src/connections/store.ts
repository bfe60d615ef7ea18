import { and, eq, sql } from 'drizzle-orm';
import type { Principal } from '../auth/principal.ts';
import type { SecretBox } from '../crypto/secrets.ts';
import { type ConnectionOptions, connectionOptionsSchema } from '../domain/connection.ts';
import { AppError, badRequest } from '../http/errors.ts';
import type { Db } from '../storage/db.ts';
import { admins, connections } from '../storage/schema.ts';
import type { ConnectionCreate, ConnectionPatch, ConnectionView } from './schemas.ts';

export type ConnectionRow = typeof connections.$inferSelect;

/** Options as stored, parsed with defaults (an old or partial row still gives a full object). */
export function readOptions(row: Pick<ConnectionRow, 'options'>): ConnectionOptions {
  const parsed = connectionOptionsSchema.safeParse(row.options ?? {});
  return parsed.success ? parsed.data : connectionOptionsSchema.parse({});
}

/** Options rules that span fields; throws 400 naming the field. */
export function checkOptions(o: ConnectionOptions): void {
  if (o.systemUserMode && !o.systemUserMfaWarningAccepted)
    throw new AppError(
      400,
      'validation_failed',
      'invalid body: options.systemUserMfaWarningAccepted: must be true to turn on systemUserMode (system users need MFA excluded)',
      {
        fields: [{ field: 'options.systemUserMfaWarningAccepted', problem: 'must be true to turn on systemUserMode' }],
      },
    );
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The public view: secrets appear only as `{set, updatedAt}`. */
export function toView(row: ConnectionRow, isAdmin: boolean): ConnectionView {
  return {
    id: row.id,
    name: row.name,
    tenantId: row.tenantId,
    azure: {
      tenantId: row.tenantId,
      clientId: row.azureClientId,
      clientSecret: {
        set: !!row.azureClientSecretEnc,
        updatedAt: iso(row.azureClientSecretUpdatedAt),
        expiresAt: iso(row.azureClientSecretExpiresAt),
      },
    },
    cxone: {
      baseUrl: row.cxoneBaseUrl,
      authUrl: row.cxoneAuthUrl,
      accessKeyId: row.cxoneAccessKeyId,
      accessKeySecret: { set: !!row.cxoneAccessKeySecretEnc, updatedAt: iso(row.cxoneAccessKeySecretUpdatedAt) },
      pushSecret: { set: !!row.cxonePushSecretEnc },
      businessUnitId: row.cxoneBusinessUnitId,
    },
    options: readOptions(row),
    isAdmin,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function createConnection(
  db: Db,
  secrets: SecretBox,
  input: ConnectionCreate,
  by: Principal,
): Promise<ConnectionRow> {
  if (input.azure.tenantId.toLowerCase() !== by.tenantId.toLowerCase())
    throw new AppError(400, 'validation_failed', 'invalid body: azure.tenantId: must be your own tenant', {
      fields: [{ field: 'azure.tenantId', problem: `must be your own tenant (${by.tenantId})` }],
    });
  const options = connectionOptionsSchema.parse(input.options ?? {});
  checkOptions(options);
  const now = new Date();
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(connections)
      .values({
        name: input.name,
        tenantId: by.tenantId,
        azureClientId: input.azure.clientId,
        azureClientSecretEnc: secrets.seal(input.azure.clientSecret),
        azureClientSecretUpdatedAt: now,
        azureClientSecretExpiresAt: input.azure.clientSecretExpiresAt ? new Date(input.azure.clientSecretExpiresAt) : null,
        cxoneBaseUrl: input.cxone.baseUrl,
        cxoneAuthUrl: input.cxone.authUrl ?? null,
        cxoneAccessKeyId: input.cxone.accessKeyId,
        cxoneAccessKeySecretEnc: secrets.seal(input.cxone.accessKeySecret),
        cxonePushSecretEnc: input.cxone.pushSecret ? secrets.seal(input.cxone.pushSecret) : null,
        cxoneAccessKeySecretUpdatedAt: now,
        cxoneBusinessUnitId: input.cxone.businessUnitId ?? null,
        options,
      })
      .returning();
    await tx
      .insert(admins)
      .values({ connectionId: row!.id, aadObjectId: by.userId, displayName: by.upn ?? by.name, addedBy: by.userId });
    return row!;
  });
}

/** A connection of the caller's tenant, or null (another tenant's connection is "not found"). */
export async function findConnection(db: Db, id: string, tenantId: string): Promise<ConnectionRow | null> {
  const [row] = await db
    .select()
    .from(connections)
    .where(and(eq(connections.id, id), eq(connections.tenantId, tenantId)));
  return row ?? null;
}

export async function isAdmin(db: Db, connectionId: string, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ one: sql<number>`1` })
    .from(admins)
    .where(and(eq(admins.connectionId, connectionId), eq(admins.aadObjectId, userId)));
  return !!row;
}

/**
 * The caller's tenant's connections: full views of those the caller administers; of the others only
 * id and name (so the tab can say "ask an admin of …"), never their settings.
 */
export async function listConnections(
  db: Db,
  p: Principal,
): Promise<{ items: ConnectionView[]; others: { id: string; name: string }[] }> {
  const rows = await db
    .select({ c: connections, admin: admins.aadObjectId })
    .from(connections)
    .leftJoin(admins, and(eq(admins.connectionId, connections.id), eq(admins.aadObjectId, p.userId)))
    .where(eq(connections.tenantId, p.tenantId))
    .orderBy(connections.createdAt);
  return {
    items: rows.filter((r) => r.admin !== null).map((r) => toView(r.c, true)),
    others: rows.filter((r) => r.admin === null).map((r) => ({ id: r.c.id, name: r.c.name })),
  };
}

export interface PatchResult {
  before: ConnectionRow;
  after: ConnectionRow;
  /** Which write-only secrets were replaced (names only). */
  rotated: string[];
}

export async function updateConnection(
  db: Db,
  secrets: SecretBox,
  before: ConnectionRow,
  patch: ConnectionPatch,
): Promise<PatchResult> {
  const now = new Date();
  const set: Partial<typeof connections.$inferInsert> = { updatedAt: now };
  const rotated: string[] = [];
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.azure) {
    const a = patch.azure;
    if (a.clientId !== undefined) set.azureClientId = a.clientId;
    if (a.clientSecret !== undefined) {
      set.azureClientSecretEnc = secrets.seal(a.clientSecret);
      set.azureClientSecretUpdatedAt = now;
      rotated.push('azure.clientSecret');
    }
    if (a.clientSecretExpiresAt !== undefined)
      set.azureClientSecretExpiresAt = a.clientSecretExpiresAt ? new Date(a.clientSecretExpiresAt) : null;
  }
  if (patch.cxone) {
    const c = patch.cxone;
    if (c.baseUrl !== undefined) set.cxoneBaseUrl = c.baseUrl;
    if (c.authUrl !== undefined) set.cxoneAuthUrl = c.authUrl;
    if (c.accessKeyId !== undefined) set.cxoneAccessKeyId = c.accessKeyId;
    if (c.accessKeySecret !== undefined) {
      set.cxoneAccessKeySecretEnc = secrets.seal(c.accessKeySecret);
      set.cxoneAccessKeySecretUpdatedAt = now;
      rotated.push('cxone.accessKeySecret');
    }
    if (c.pushSecret !== undefined) {
      set.cxonePushSecretEnc = c.pushSecret === null ? null : secrets.seal(c.pushSecret);
      rotated.push(c.pushSecret === null ? 'cxone.pushSecret (removed)' : 'cxone.pushSecret');
    }
    if (c.businessUnitId !== undefined) set.cxoneBusinessUnitId = c.businessUnitId;
  }
  if (patch.options) {
    const merged = connectionOptionsSchema.safeParse({ ...readOptions(before), ...patch.options });
    if (!merged.success)
      throw badRequest('invalid body: options', {
        fields: merged.error.issues.map((i) => ({ field: `options.${i.path.join('.')}`, problem: i.message })),
      });
    checkOptions(merged.data);
    set.options = merged.data;
  }
  const [after] = await db.update(connections).set(set).where(eq(connections.id, before.id)).returning();
  return { before, after: after!, rotated };
}

export async function deleteConnection(db: Db, id: string): Promise<void> {
  await db.delete(connections).where(eq(connections.id, id));
}
