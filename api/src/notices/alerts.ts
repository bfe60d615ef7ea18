import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../storage/db.ts';
import { alerts } from '../storage/schema.ts';

/**
 * The alerts table as the dedup point for notices: one open row per (connection, kind, key).
 * A repeat bumps `count`/`last_at`; only a new row means "send a card". Concurrent replicas
 * serialise on a transaction-scoped advisory lock for the (connection, kind, key).
 */
export type AlertRow = typeof alerts.$inferSelect;
export interface SentCard {
  conversationId: string;
  activityId: string;
}

const lock = (db: Db, connectionId: string, kind: string, key: string) =>
  db.execute(sql`select pg_advisory_xact_lock(hashtext(${`alert:${connectionId}:${kind}:${key}`}))`);

export async function openOrBump(
  db: Db,
  a: { connectionId: string; kind: string; key: string; at: Date; details: Record<string, unknown> },
): Promise<{ created: boolean; alert: AlertRow }> {
  return db.transaction(async (tx) => {
    await lock(tx as unknown as Db, a.connectionId, a.kind, a.key);
    const [open] = await tx
      .select()
      .from(alerts)
      .where(
        and(eq(alerts.connectionId, a.connectionId), eq(alerts.kind, a.kind), eq(alerts.key, a.key), eq(alerts.status, 'open')),
      )
      .limit(1);
    if (open) {
      const [bumped] = await tx
        .update(alerts)
        .set({ count: sql`${alerts.count} + 1`, lastAt: a.at, details: { ...(open.details as object), ...a.details } })
        .where(eq(alerts.id, open.id))
        .returning();
      return { created: false, alert: bumped ?? open };
    }
    const [row] = await tx
      .insert(alerts)
      .values({
        connectionId: a.connectionId,
        kind: a.kind,
        key: a.key,
        status: 'open',
        firstAt: a.at,
        lastAt: a.at,
        details: a.details,
      })
      .returning();
    return { created: true, alert: row! };
  });
}

/** Marks the open alert healed; null when none was open (nothing to follow up). */
export async function heal(db: Db, a: { connectionId: string; kind: string; key: string; at: Date }): Promise<AlertRow | null> {
  return db.transaction(async (tx) => {
    await lock(tx as unknown as Db, a.connectionId, a.kind, a.key);
    const [row] = await tx
      .update(alerts)
      .set({ status: 'healed', healedAt: a.at })
      .where(
        and(eq(alerts.connectionId, a.connectionId), eq(alerts.kind, a.kind), eq(alerts.key, a.key), eq(alerts.status, 'open')),
      )
      .returning();
    return row ?? null;
  });
}

export async function recordCards(db: Db, alertId: string, cards: SentCard[]): Promise<void> {
  await db.update(alerts).set({ cards }).where(eq(alerts.id, alertId));
}

export function sentCards(row: AlertRow): SentCard[] {
  if (!Array.isArray(row.cards)) return [];
  return row.cards.filter(
    (c): c is SentCard =>
      !!c &&
      typeof c === 'object' &&
      typeof (c as SentCard).conversationId === 'string' &&
      typeof (c as SentCard).activityId === 'string',
  );
}
