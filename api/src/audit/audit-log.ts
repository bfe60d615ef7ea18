import { and, desc, eq, lt } from 'drizzle-orm';
import type { Principal } from '../auth/principal.ts';
import { actorLabel } from '../auth/principal.ts';
import type { Db } from '../storage/db.ts';
import { auditLog } from '../storage/schema.ts';

/** Keys whose values never reach the audit log, wherever they are nested. */
const SECRET_KEY = /secret|password|token|assertion|clientstate|_enc$/i;

/** A deep copy without secret-looking keys (a `set: true` marker object is kept as-is). */
export function scrubSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrubSecrets);
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (SECRET_KEY.test(k) && (typeof v !== 'object' || v === null)) continue;
      out[k] = scrubSecrets(v);
    }
    return out;
  }
  return value;
}

export interface AuditEntry {
  connectionId: string | null;
  actor: Principal;
  action: string;
  target?: string | null;
  before?: unknown;
  after?: unknown;
}

export async function recordAudit(db: Db, e: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({
    connectionId: e.connectionId,
    tenantId: e.actor.tenantId,
    actor: actorLabel(e.actor),
    action: e.action,
    target: e.target ?? null,
    before: e.before === undefined ? null : scrubSecrets(e.before),
    after: e.after === undefined ? null : scrubSecrets(e.after),
  });
}

export interface AuditPage {
  items: { id: number; at: string; actor: string; action: string; target: string | null; before: unknown; after: unknown }[];
  nextBefore: number | null;
}

/** Newest first, keyset-paginated by id (`before` = the last id of the previous page). */
export async function listAudit(
  db: Db,
  connectionId: string,
  q: { limit: number; before?: number | undefined; action?: string | undefined },
): Promise<AuditPage> {
  const rows = await db
    .select()
    .from(auditLog)
    .where(
      and(
        eq(auditLog.connectionId, connectionId),
        q.before !== undefined ? lt(auditLog.id, q.before) : undefined,
        q.action ? eq(auditLog.action, q.action) : undefined,
      ),
    )
    .orderBy(desc(auditLog.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  return {
    items: page.map((r) => ({
      id: r.id,
      at: r.at.toISOString(),
      actor: r.actor,
      action: r.action,
      target: r.target,
      before: r.before,
      after: r.after,
    })),
    nextBefore: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null,
  };
}
