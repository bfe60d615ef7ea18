import { and, eq, sql } from 'drizzle-orm';
import type { Clock } from '../domain/ports.ts';
import type { Db } from './db.ts';
import { leases } from './schema.ts';

/**
 * Generic named leases: one replica at a time does the named work (a connection's engine,
 * subscription renewals, …). Acquisition is one atomic statement — INSERT … ON CONFLICT DO UPDATE
 * WHERE the lease expired or is already ours — so two replicas racing for it never both win.
 * Runs unchanged on PGlite and PostgreSQL. Time comes from the injected clock so tests can expire
 * leases without waiting; replicas' clocks are assumed roughly in step (TTLs are seconds, skew ms).
 */
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

export function createLeaseManager(db: Db, holderId: string, clock: Clock): LeaseManager {
  const at = (ms: number) => new Date(ms);
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
      return rows.length === 1 && rows[0]?.holder === holderId;
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
