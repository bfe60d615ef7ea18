import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../storage/db.ts';
import { cursors } from '../storage/schema.ts';

/** Persisted cursors (e.g. CXone `lastPollTime`), so a restart neither misses nor replays changes. */
export interface CursorStore {
  get(connectionId: string, name: string): Promise<string | null>;
  set(connectionId: string, name: string, value: string): Promise<void>;
}

export const CXONE_STATES_CURSOR = 'cxone_states';

/** The `cursors` table behind CursorStore (one row per connection and name). */
export function createDbCursorStore(db: Db): CursorStore {
  return {
    async get(connectionId, name) {
      const rows = await db
        .select({ value: cursors.value })
        .from(cursors)
        .where(and(eq(cursors.connectionId, connectionId), eq(cursors.name, name)))
        .limit(1);
      return rows[0]?.value ?? null;
    },
    async set(connectionId, name, value) {
      await db
        .insert(cursors)
        .values({ connectionId, name, value })
        .onConflictDoUpdate({ target: [cursors.connectionId, cursors.name], set: { value, updatedAt: sql`now()` } });
    },
  };
}
