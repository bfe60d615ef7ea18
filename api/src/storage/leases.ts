import { and, eq, sql } from 'drizzle-orm';
import type { Clock } from '../domain/ports.ts';
import type { Db } from './db.ts';
import type { Liveness } from './liveness.ts';
import { leases } from './schema.ts';

/**
 * Generic named leases: one replica at a time does the named work (a connection's engine,
 * subscription renewals, …). Acquisition is one atomic statement — INSERT … ON CONFLICT DO UPDATE
 * WHERE the lease expired or is already ours — so two replicas racing for it never both win.
 * Runs unchanged on PGlite and PostgreSQL. Time comes from the injected clock so tests can expire
 * leases without waiting; replicas' clocks are assumed roughly in step (TTLs are seconds, skew ms).
 *
 * With `liveness`, holder ids end in `@<processId>`, and a lease whose holder's process is gone
 * (kill -9, crash) is taken over as soon as that is seen twice, `DEAD_CONFIRM_MS` apart — not after the
 * TTL. Twice, because a database restart drops every session at once and the living come back within
 * a couple of seconds.
 */
export const DEAD_CONFIRM_MS = 3_000;

export interface LeaseManager {
  readonly holderId: string;
  /** Takes the lease if free, expired or already ours (then extends it). True when we hold it. */
  tryAcquire(name: string, ttlMs: number): Promise<boolean>;
  /** Extends a lease we hold; false when it was lost (expired and taken by another holder). */
  renew(name: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up (only if ours) so another replica can take it at once. */
  release(name: string): Promise<void>;
  /** Who holds the lease now (null when free or expired). */
  holder(name: string): Promise<string | null>;
}

export function createLeaseManager(db: Db, holderName: string, clock: Clock, liveness?: Liveness): LeaseManager {
  const at = (ms: number) => new Date(ms);
  const holderId = liveness ? `${holderName}@${liveness.processId}` : holderName;
  /** Holders whose process was seen gone, and when first. */
  const deadSince = new Map<string, number>();

  /** Takes the lease from a holder whose process is gone (confirmed twice); true when taken. */
  async function takeFromDead(name: string, ttlMs: number, now: number): Promise<boolean> {
    if (!liveness) return false;
    const row = (await db.select({ holder: leases.holder }).from(leases).where(eq(leases.name, name)))[0];
    const other = row?.holder;
    const pid = other?.includes('@') ? other.slice(other.lastIndexOf('@') + 1) : null;
    if (!other || !pid || other === holderId) return false;
    if (await liveness.isAlive(pid)) {
      deadSince.delete(other);
      return false;
    }
    const since = deadSince.get(other);
    if (since === undefined) {
      deadSince.set(other, now);
      return false;
    }
    if (now - since < DEAD_CONFIRM_MS) return false;
    deadSince.delete(other);
    const taken = await db
      .update(leases)
      .set({ holder: holderId, expiresAt: at(now + ttlMs) })
      .where(and(eq(leases.name, name), eq(leases.holder, other)))
      .returning({ holder: leases.holder });
    return taken.length === 1;
  }

  return {
    holderId,
    async tryAcquire(name, ttlMs) {
      const now = clock.now();
      const rows = await db
        .insert(leases)
        .values({ name, holder: holderId, expiresAt: at(now + ttlMs) })
        .onConflictDoUpdate({
          target: leases.name,
          set: { holder: holderId, expiresAt: at(now + ttlMs) },
          where: sql`${leases.expiresAt} <= ${at(now)} or ${leases.holder} = ${holderId}`,
        })
        .returning({ holder: leases.holder });
      if (rows.length === 1 && rows[0]?.holder === holderId) return true;
      return takeFromDead(name, ttlMs, now);
    },
    async renew(name, ttlMs) {
      const now = clock.now();
      // Only while still ours: an expired lease nobody took yet may be renewed too (nothing ran twice).
      const rows = await db
        .update(leases)
        .set({ expiresAt: at(now + ttlMs) })
        .where(and(eq(leases.name, name), eq(leases.holder, holderId)))
        .returning({ holder: leases.holder });
      return rows.length === 1;
    },
    async release(name) {
      await db.delete(leases).where(and(eq(leases.name, name), eq(leases.holder, holderId)));
    },
    async holder(name) {
      const rows = await db.select().from(leases).where(eq(leases.name, name));
      const row = rows[0];
      if (!row || row.expiresAt.getTime() <= clock.now()) return null;
      return row.holder;
    },
  };
}
